//! Step 4, compaction: group boxes cleared of strangers, empty tracks dropped.
//!
//! In: the [`Ir`], columns and a row per node. Out: the same rows, changed in place: nodes
//! that are not members pushed out of each group's cell rectangle, then rows (or columns)
//! that hold no node removed, so no empty track wastes room.

use crate::diagram::ir::Ir;

use super::lifetime;

/// Moves non-members shown with a group out of its cell rectangle, pushing the rest of their
/// column down.
pub(super) fn clear_groups(ir: &Ir, cols: &[usize], row: &mut [usize]) {
    let n = ir.nodes.len();
    for _ in 0..(4 * n + 4) {
        let mut moved = false;
        for (g, group) in ir.groups.iter().enumerate() {
            let c0 = group.members.iter().map(|&m| cols[m]).min().unwrap_or(0);
            let c1 = group.members.iter().map(|&m| cols[m]).max().unwrap_or(0);
            let r0 = group.members.iter().map(|&m| row[m]).min().unwrap_or(0);
            let r1 = group.members.iter().map(|&m| row[m]).max().unwrap_or(0);
            let (gf, ge) = (
                group.versions.first().map_or(0, |v| v.first),
                group.versions.last().map_or(0, |v| v.end),
            );
            let stranger = (0..n).find(|&v| {
                let (vf, ve) = lifetime(ir, v);
                let member = group.members.contains(&v)
                    || ir.nodes[v]
                        .about
                        .is_some_and(|a| group.members.contains(&a));
                // Only a node shown with the group is in its way.
                !member && vf < ge && gf < ve
                    && (c0..=c1).contains(&cols[v]) && (r0..=r1).contains(&row[v])
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

/// Renumbers tracks (rows or columns) so the used ones are consecutive from 0.
pub(super) fn drop_empty(track: &[usize]) -> Vec<usize> {
    let used: std::collections::BTreeSet<usize> = track.iter().copied().collect();
    let remap: std::collections::BTreeMap<usize, usize> =
        used.iter().enumerate().map(|(i, &r)| (r, i)).collect();
    track.iter().map(|r| remap[r]).collect()
}
