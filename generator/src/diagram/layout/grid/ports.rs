//! Step 5, ports: which side of which node each edge meets, and in which slot.
//!
//! In: the [`Ir`] and the [`Grid`] (cells only, before any coordinate exists). Out: [`Ports`]:
//! a pair of sides per edge (facing sides, or an L out of a node's bottom or top when its
//! right side is shared) and, per node side, the order of the edge ends along it, with ends
//! that are never shown together sharing a slot. [`super::layout`] grows nodes until their
//! slots fit [`PORT_GAP`](crate::diagram::scene::PORT_GAP) apart; [`super::routing`] turns slots into points.

use std::collections::BTreeMap;

use crate::diagram::ir::{EdgeStyle, Ir};
use crate::diagram::scene::Side;

use super::*;

/// The node sides each edge attaches to, from the cells of its ends: facing each other across
/// columns; within a column, bottom to top, or both on the right when a node sits between.
/// A node with two or more edges on its right hands edges to other rows (farthest first)
/// to its bottom or top, drawn as an L, when the cells along the L are empty.
pub(super) fn sides(ir: &Ir, grid: &Grid) -> Vec<(Side, Side)> {
    let n = ir.nodes.len();
    let occupied = |c: usize, r: usize| (0..n).any(|v| grid.cols[v] == c && grid.rows[v] == r);
    let mut sides: Vec<(Side, Side)> = ir
        .edges
        .iter()
        .map(|e| {
            let (a, b) = (e.from, e.to);
            let (ca, cb, ra, rb) = (grid.cols[a], grid.cols[b], grid.rows[a], grid.rows[b]);
            if ca < cb {
                (Side::Right, Side::Left)
            } else if ca > cb {
                (Side::Left, Side::Right)
            } else {
                let (lo, hi) = (ra.min(rb), ra.max(rb));
                if (lo + 1..hi).any(|r| occupied(ca, r)) {
                    (Side::Right, Side::Right)
                } else if ra < rb {
                    (Side::Bottom, Side::Top)
                } else {
                    (Side::Top, Side::Bottom)
                }
            }
        })
        .collect();
    let mut order: Vec<usize> = (0..ir.edges.len()).collect();
    order.sort_by_key(|&i| {
        let e = &ir.edges[i];
        (
            std::cmp::Reverse(grid.rows[e.from].abs_diff(grid.rows[e.to])),
            i,
        )
    });
    for i in order {
        let e = &ir.edges[i];
        let (a, b) = (e.from, e.to);
        let (ca, cb, ra, rb) = (grid.cols[a], grid.cols[b], grid.rows[a], grid.rows[b]);
        if sides[i] != (Side::Right, Side::Left) || ra == rb || e.style == EdgeStyle::NoteLink {
            continue;
        }
        let on_right = (0..ir.edges.len())
            .filter(|&j| {
                (ir.edges[j].from == a && sides[j].0 == Side::Right)
                    || (ir.edges[j].to == a && sides[j].1 == Side::Right)
            })
            .count();
        if on_right <= 1 {
            continue;
        }
        let (ef, ee) = edge_life(ir, i);
        let busy = |c: usize, r: usize| {
            (0..n).any(|v| {
                let (vf, ve) = lifetime(ir, v);
                v != a && v != b && grid.cols[v] == c && grid.rows[v] == r && vf < ee && ef < ve
            })
        };
        let (lo, hi) = (ra.min(rb), ra.max(rb));
        let down_free = (lo..=hi).filter(|&r| r != ra).all(|r| !busy(ca, r));
        let across_free = (ca + 1..cb).all(|c| !busy(c, rb));
        if down_free && across_free {
            sides[i] = (if rb > ra { Side::Bottom } else { Side::Top }, Side::Left);
        }
    }
    sides
}

/// Where edges meet nodes, decided on the grid before any coordinate exists.
pub(super) struct Ports {
    /// The sides of source and target of each edge (see [`sides`]).
    pub(super) sides: Vec<(Side, Side)>,
    /// For each edge end (edge, is source), its slot on its node side. Ends are ordered along
    /// the side by the cell of the other end, so edges do not cross at the node; two ends that
    /// are never shown together may share a slot, two that are get different ones.
    pub(super) slot: BTreeMap<(usize, bool), usize>,
    /// For each node side, how many slots it has.
    pub(super) count: BTreeMap<(usize, Side), usize>,
}

/// An edge end on a side, sortable along it: the other end's cell (two indices), the edge,
/// and whether this end is the source.
type End = (usize, usize, usize, bool);

/// Assigns [`Ports`].
pub(super) fn ports(ir: &Ir, grid: &Grid) -> Ports {
    let sides = sides(ir, grid);
    let mut by_side: BTreeMap<(usize, Side), Vec<End>> = BTreeMap::new();
    for (i, e) in ir.edges.iter().enumerate() {
        for (node, side, other, is_from) in [
            (e.from, sides[i].0, e.to, true),
            (e.to, sides[i].1, e.from, false),
        ] {
            let (r, c) = (grid.rows[other], grid.cols[other]);
            // An L leaving the bottom or top turns right into its row: the nearer the row,
            // the further right its port, so nested Ls do not cross.
            const L: usize = 1 << 20;
            let turns =
                (side == Side::Top || side == Side::Bottom) && grid.cols[other] != grid.cols[node];
            let key = match side {
                Side::Left | Side::Right => (r, c),
                Side::Bottom if turns => (L + (L - r), c),
                Side::Top if turns => (L + r, c),
                Side::Top | Side::Bottom => (c, r),
            };
            by_side
                .entry((node, side))
                .or_default()
                .push((key.0, key.1, i, is_from));
        }
    }
    let mut slot = BTreeMap::new();
    let mut count = BTreeMap::new();
    for (at, mut list) in by_side {
        list.sort_unstable();
        // Each end takes the slot after the highest one taken by an earlier end shown with it.
        let mut taken: Vec<(usize, usize)> = Vec::new();
        for &(_, _, e, is_from) in &list {
            let (f, end) = edge_life(ir, e);
            let s = taken
                .iter()
                .filter(|t| {
                    let (of, oe) = edge_life(ir, t.0);
                    of < end && f < oe
                })
                .map(|t| t.1 + 1)
                .max()
                .unwrap_or(0);
            taken.push((e, s));
            slot.insert((e, is_from), s);
        }
        count.insert(at, taken.iter().map(|t| t.1 + 1).max().unwrap_or(0));
    }
    Ports { sides, slot, count }
}
