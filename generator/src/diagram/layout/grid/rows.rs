//! Step 3, rows: a row for every node within its column.
//!
//! In: the [`Ir`] and the columns from [`super::rank`]. Out: one row index per node:
//! barycentre ordering within columns, rows that line up neighbours, then
//! [`super::compaction`] (free cells near the neighbours, group boxes cleared of strangers),
//! notes next to their nodes, and no empty row.

use std::collections::BTreeMap;

use crate::diagram::ir::{EdgeStyle, Ir};

use super::compaction::{clear_groups, compact};
use super::lifetime;

/// Rows: barycentre ordering within columns, then row numbers that line up neighbours, then
/// group boxes cleared of non-members.
pub(super) fn assign_rows(ir: &Ir, cols: &[usize]) -> Vec<usize> {
    let n = ir.nodes.len();
    let ncols = cols.iter().max().map_or(1, |c| c + 1);
    let neighbours: Vec<Vec<usize>> = (0..n)
        .map(|v| {
            ir.edges
                .iter()
                .filter(|e| e.style != EdgeStyle::NoteLink)
                .filter_map(|e| {
                    if e.from == v {
                        Some(e.to)
                    } else if e.to == v {
                        Some(e.from)
                    } else {
                        None
                    }
                })
                .collect()
        })
        .collect();
    let group_of: BTreeMap<usize, usize> = ir
        .groups
        .iter()
        .enumerate()
        .flat_map(|(g, grp)| grp.members.iter().map(move |&m| (m, g)))
        .collect();
    // Order within each column, as a position number.
    let mut pos: Vec<f32> = (0..n).map(|v| v as f32).collect();
    for sweep in 0..6 {
        let order: Vec<usize> = if sweep % 2 == 0 {
            (0..ncols).collect()
        } else {
            (0..ncols).rev().collect()
        };
        for c in order {
            let members: Vec<usize> = (0..n).filter(|&v| cols[v] == c).collect();
            let mut bary: BTreeMap<usize, f32> = BTreeMap::new();
            for &v in &members {
                let others: Vec<f32> = neighbours[v]
                    .iter()
                    .filter(|&&w| cols[w] != c)
                    .map(|&w| pos[w])
                    .collect();
                let b = if others.is_empty() {
                    pos[v]
                } else {
                    others.iter().sum::<f32>() / others.len() as f32
                };
                bary.insert(v, b);
            }
            // Group members share their group's mean, so they stay together.
            let mut group_mean: BTreeMap<usize, (f32, f32)> = BTreeMap::new();
            for &v in &members {
                if let Some(&g) = group_of.get(&v) {
                    let e = group_mean.entry(g).or_insert((0.0, 0.0));
                    e.0 += bary[&v];
                    e.1 += 1.0;
                }
            }
            let key = |v: usize| -> (f32, usize, f32, usize) {
                let base = ir.nodes[v].about.unwrap_or(v);
                let own = bary.get(&base).copied().unwrap_or(pos[base]);
                let b = match group_of.get(&base) {
                    Some(g) => group_mean.get(g).map_or(own, |(s, k)| s / k),
                    None => own,
                };
                let note_after = if ir.nodes[v].about.is_some() {
                    0.001
                } else {
                    0.0
                };
                (
                    b,
                    group_of.get(&base).map_or(usize::MAX, |g| *g),
                    own + note_after,
                    v,
                )
            };
            let mut sorted = members.clone();
            sorted.sort_by(|&a, &b| {
                let (ka, kb) = (key(a), key(b));
                ka.0.total_cmp(&kb.0)
                    .then(ka.1.cmp(&kb.1))
                    .then(ka.2.total_cmp(&kb.2))
                    .then(ka.3.cmp(&kb.3))
            });
            for (i, &v) in sorted.iter().enumerate() {
                pos[v] = i as f32;
            }
        }
    }
    let mut row = vec![usize::MAX; n];
    let pinned_cells: std::collections::BTreeSet<(usize, usize)> = (0..n)
        .filter_map(|v| ir.nodes[v].pin.map(|p| (cols[v], p.1)))
        .collect();
    for c in 0..ncols {
        let mut members: Vec<usize> = (0..n).filter(|&v| cols[v] == c).collect();
        members.sort_by(|&a, &b| pos[a].total_cmp(&pos[b]));
        let mut next = 0usize;
        for v in members {
            if let Some(p) = ir.nodes[v].pin {
                row[v] = p.1;
                continue;
            }
            let placed: Vec<usize> = neighbours[v]
                .iter()
                .filter(|&&w| cols[w] < c && row[w] != usize::MAX)
                .map(|&w| row[w])
                .collect();
            let desired = if ir.nodes[v].about.is_some() || placed.is_empty() {
                next
            } else {
                let mut p = placed.clone();
                p.sort_unstable();
                p[(p.len() - 1) / 2]
            };
            let mut r = desired.max(next);
            while pinned_cells.contains(&(c, r)) {
                r += 1;
            }
            row[v] = r;
            next = r + 1;
        }
    }
    // Sources and other nodes with neighbours only to their right line up with them.
    for c in (0..ncols).rev() {
        let mut members: Vec<usize> = (0..n).filter(|&v| cols[v] == c).collect();
        members.sort_by_key(|&v| row[v]);
        for i in 0..members.len() {
            let v = members[i];
            if ir.nodes[v].pin.is_some() || ir.nodes[v].about.is_some() {
                continue;
            }
            if neighbours[v].iter().any(|&w| cols[w] < c) {
                continue;
            }
            let mut right: Vec<usize> = neighbours[v]
                .iter()
                .filter(|&&w| cols[w] > c)
                .map(|&w| row[w])
                .collect();
            if right.is_empty() {
                continue;
            }
            right.sort_unstable();
            let want = right[(right.len() - 1) / 2];
            let low = if i == 0 { 0 } else { row[members[i - 1]] + 1 };
            let high = members.get(i + 1).map_or(usize::MAX, |&w| row[w]);
            // Keep a note below its node.
            let has_note = ir.nodes.iter().any(|nd| nd.about == Some(v));
            if want >= low && want < high && !has_note && !pinned_cells.contains(&(c, want)) {
                row[v] = want;
            }
        }
    }
    compact(ir, cols, &neighbours, &mut row);
    clear_groups(ir, cols, &mut row);
    // A note goes right below its node, or right above, when that cell is free.
    for v in 0..n {
        let Some(about) = ir.nodes[v].about else {
            continue;
        };
        if ir.nodes[v].pin.is_some() {
            continue;
        }
        let (vf, ve) = lifetime(ir, v);
        let free = |r: usize, row: &[usize]| {
            (0..n).all(|w| {
                let (wf, we) = lifetime(ir, w);
                w == v || cols[w] != cols[v] || row[w] != r || !(wf < ve && vf < we)
            })
        };
        let below = row[about] + 1;
        if row[v] != below && free(below, &row) {
            row[v] = below;
        } else if row[v] != below && row[about] > 0 && free(row[about] - 1, &row) {
            row[v] = row[about] - 1;
        }
    }
    // Drop empty rows.
    let used: std::collections::BTreeSet<usize> = row.iter().copied().collect();
    let remap: BTreeMap<usize, usize> = used.iter().enumerate().map(|(i, &r)| (r, i)).collect();
    row.iter().map(|r| remap[r]).collect()
}
