//! Step 4, compaction: rows pulled together and group boxes cleared.
//!
//! In: the [`Ir`], columns, neighbour lists and a row per node. Out: the same rows, changed in
//! place: each node moved to the free cell nearest its neighbours' median row, then nodes that
//! are not members pushed out of each group's cell rectangle.

use crate::diagram::ir::Ir;

use super::lifetime;

/// Moves each node to the free cell of its column nearest the median row of its neighbours.
/// A cell is free for a node when nothing shown in the same stages sits there, so a node added
/// in the stage that removes another can take its place instead of leaving a hole.
pub(super) fn compact(ir: &Ir, cols: &[usize], neighbours: &[Vec<usize>], row: &mut [usize]) {
    let n = ir.nodes.len();
    let together = |a: usize, b: usize| {
        let (fa, ea) = lifetime(ir, a);
        let (fb, eb) = lifetime(ir, b);
        fa < eb && fb < ea
    };
    let notes_of =
        |v: usize| -> Vec<usize> { (0..n).filter(|&w| ir.nodes[w].about == Some(v)).collect() };
    for _ in 0..2 {
        for v in 0..n {
            if ir.nodes[v].pin.is_some() || ir.nodes[v].about.is_some() {
                continue;
            }
            let notes = notes_of(v);
            let moving: Vec<usize> = std::iter::once(v).chain(notes.iter().copied()).collect();
            let free = |r: usize, who: usize, row: &[usize]| {
                (0..n).all(|w| {
                    moving.contains(&w) || cols[w] != cols[who] || row[w] != r || !together(w, who)
                })
            };
            let mut others: Vec<usize> = neighbours[v]
                .iter()
                .filter(|&&w| cols[w] != cols[v])
                .map(|&w| row[w])
                .collect();
            if others.is_empty() {
                continue;
            }
            others.sort_unstable();
            let desired = others[(others.len() - 1) / 2] as i64;
            let limit = row.iter().max().map_or(0, |m| m + 1);
            let fits = |r: usize, row: &[usize]| {
                free(r, v, row)
                    && notes
                        .iter()
                        .enumerate()
                        .all(|(k, &note)| free(r + 1 + k, note, row))
            };
            let best = (0..limit)
                .filter(|&r| fits(r, row))
                .min_by_key(|&r| ((r as i64 - desired).abs(), r));
            if let Some(r) = best
                && (r as i64 - desired).abs() < (row[v] as i64 - desired).abs()
            {
                row[v] = r;
                for (k, &note) in notes.iter().enumerate() {
                    row[note] = r + 1 + k;
                }
            }
        }
    }
}

/// Moves non-members out of each group's cell rectangle, pushing the rest of their column down.
pub(super) fn clear_groups(ir: &Ir, cols: &[usize], row: &mut [usize]) {
    let n = ir.nodes.len();
    for _ in 0..(4 * n + 4) {
        let mut moved = false;
        for (g, group) in ir.groups.iter().enumerate() {
            let c0 = group.members.iter().map(|&m| cols[m]).min().unwrap_or(0);
            let c1 = group.members.iter().map(|&m| cols[m]).max().unwrap_or(0);
            let r0 = group.members.iter().map(|&m| row[m]).min().unwrap_or(0);
            let r1 = group.members.iter().map(|&m| row[m]).max().unwrap_or(0);
            let stranger = (0..n).find(|&v| {
                let member = group.members.contains(&v)
                    || ir.nodes[v]
                        .about
                        .is_some_and(|a| group.members.contains(&a));
                !member && (c0..=c1).contains(&cols[v]) && (r0..=r1).contains(&row[v])
                    // A node of another group, or a note of one, defers to the earlier group.
                    && !ir.groups[..g].iter().any(|o| o.members.contains(&v))
            });
            if let Some(v) = stranger {
                let shift = r1 + 1 - row[v];
                let (c, from) = (cols[v], row[v]);
                for w in 0..n {
                    if cols[w] == c && row[w] >= from && !group.members.contains(&w) {
                        row[w] += shift;
                    }
                }
                moved = true;
            }
        }
        if !moved {
            return;
        }
    }
}
