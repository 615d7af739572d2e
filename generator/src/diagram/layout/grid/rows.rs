//! Step 3, rows: a row for every node within its column.
//!
//! In: the [`Ir`] and the columns from [`super::rank`]. Out: one row index per node. Chains
//! come first: in every stage, an edge that is the only one leaving its source and the only one
//! entering its target ties the two to one row, so a chain `a -> b -> c` is one straight row.
//! Then nodes are placed in the order the stages introduce them, each in the free cell of its
//! column nearest the median row of its placed neighbours, so early stages sit on few rows and
//! later ones fill in around them; notes go right below (or above) their node. Finally
//! [`super::compaction`] pushes strangers out of group boxes, and empty rows are dropped.

use crate::diagram::ir::{EdgeStyle, Ir};

use super::compaction::{clear_groups, drop_empty};
use super::lifetime;

/// Rows are numbered from here while placing, so that notes can go above the first row of
/// nodes; the numbers are made consecutive from 0 at the end.
const BASE: usize = 1000;

/// Assigns rows (see the module docs).
pub(super) fn assign_rows(ir: &Ir, cols: &mut [usize]) -> Vec<usize> {
    let n = ir.nodes.len();
    let ncols = cols.iter().max().map_or(1, |c| c + 1);
    let together = |a: usize, b: usize| {
        let (fa, ea) = lifetime(ir, a);
        let (fb, eb) = lifetime(ir, b);
        fa < eb && fb < ea
    };
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
    // Chains: union-find over chain links, never tying two nodes of one column shown together.
    let mut leader: Vec<usize> = (0..n).collect();
    fn find(leader: &mut [usize], v: usize) -> usize {
        let mut r = v;
        while leader[r] != r {
            r = leader[r];
        }
        leader[v] = r;
        r
    }
    let stages = ir.stages.len().max(1);
    for stage in 0..stages {
        let shown: Vec<(usize, usize)> = ir
            .edges
            .iter()
            .filter(|e| {
                e.style != EdgeStyle::NoteLink
                    && e.versions.iter().any(|v| (v.first..v.end).contains(&stage))
            })
            .map(|e| (e.from, e.to))
            .collect();
        for &(a, b) in &shown {
            let out_a = shown.iter().filter(|e| e.0 == a).count();
            let in_b = shown.iter().filter(|e| e.1 == b).count();
            if out_a != 1 || in_b != 1 || cols[b] <= cols[a] || ir.nodes[b].pin.is_some() {
                continue;
            }
            let (la, lb) = (find(&mut leader, a), find(&mut leader, b));
            if la == lb {
                continue;
            }
            let clash = (0..n).any(|x| {
                (0..n).any(|y| {
                    x != y
                        && cols[x] == cols[y]
                        && together(x, y)
                        && find(&mut leader.clone(), x) == la
                        && find(&mut leader.clone(), y) == lb
                })
            });
            if !clash {
                leader[lb] = la;
            }
        }
    }
    let group: Vec<usize> = (0..n).map(|v| find(&mut leader, v)).collect();

    let mut row = vec![usize::MAX; n];
    // Columns as placed: a note may move right of its node.
    let mut col = cols.to_vec();
    let free = |r: usize, v: usize, row: &[usize], col: &[usize]| {
        (0..n).all(|w| w == v || row[w] != r || col[w] != col[v] || !together(w, v))
    };
    for (r, node) in row.iter_mut().zip(&ir.nodes) {
        if let Some(p) = node.pin {
            *r = p.1 + BASE;
        }
    }
    let mut order: Vec<usize> = (0..n).filter(|&v| ir.nodes[v].about.is_none()).collect();
    order.sort_by_key(|&v| (lifetime(ir, v).0, v));
    for v in order {
        if row[v] != usize::MAX {
            continue;
        }
        let members: Vec<usize> = (0..n)
            .filter(|&w| {
                group[w] == group[v] && row[w] == usize::MAX && ir.nodes[w].about.is_none()
            })
            .collect();
        let mut placed: Vec<usize> = members
            .iter()
            .flat_map(|&m| neighbours[m].iter().copied())
            .filter(|&w| row[w] != usize::MAX)
            .map(|w| row[w])
            .collect();
        placed.sort_unstable();
        let desired = placed
            .get((placed.len().max(1) - 1) / 2)
            .copied()
            .unwrap_or(BASE) as i64;
        let limit = row
            .iter()
            .filter(|&&r| r != usize::MAX)
            .max()
            .map_or(BASE, |m| m + 1)
            + members.len()
            + 1;
        // Above the rows used so far is as good as below: the diagram grows both ways from
        // its first stage, and ties go below.
        let lowest = row
            .iter()
            .filter(|&&r| r != usize::MAX)
            .min()
            .map_or(BASE, |&m| m)
            .saturating_sub(members.len() + 1)
            .max(1);
        let best = (lowest..=limit)
            .filter(|&r| members.iter().all(|&m| free(r, m, &row, &col)))
            .min_by_key(|&r| ((r as i64 - desired).abs(), (r as i64) < desired))
            .unwrap_or(limit);
        for &m in &members {
            row[m] = best;
        }
        // Notes right below their node, or above, or in the nearest free cell.
        for &m in &members {
            let notes: Vec<usize> = (0..n)
                .filter(|&w| ir.nodes[w].about == Some(m) && row[w] == usize::MAX)
                .collect();
            for note in notes {
                // A node with nothing attached on its right takes its note there, on its own
                // row, when that cell is free.
                let right_free = col[m] + 1 < ncols
                    && !ir.edges.iter().any(|e| {
                        (e.from == m && col[e.to] > col[m]) || (e.to == m && col[e.from] > col[m])
                    })
                    && (0..n).all(|w| {
                        w == note || row[w] != row[m] || col[w] != col[m] + 1 || !together(w, note)
                    });
                if right_free {
                    col[note] = col[m] + 1;
                    row[note] = row[m];
                    continue;
                }
                // Rows are shifted by `BASE` while placing, so a note may go above row 0.
                let r0 = row[m] as i64;
                let pick = [r0 + 1, r0 - 1]
                    .into_iter()
                    .chain((2..=limit as i64 + 2).flat_map(|d| [r0 + d, r0 - d]))
                    .find(|&r| r >= 0 && free(r as usize, note, &row, &col))
                    .unwrap_or(r0 + 1);
                row[note] = pick as usize;
            }
        }
    }
    for v in 0..n {
        if row[v] == usize::MAX {
            // A note whose node is itself a note, or other leftovers: below everything.
            row[v] = row
                .iter()
                .filter(|&&r| r != usize::MAX)
                .max()
                .map_or(0, |m| m + 1);
        }
    }
    cols.copy_from_slice(&col);
    clear_groups(ir, cols, &mut row);
    drop_empty(&row)
}
