//! Architecture layout: a resolved diagram → a scene of nodes on a grid with orthogonal edges.
//!
//! In: an [`Ir`] of flavor architecture. Out: a [`Scene`]. The pipeline, one file per step,
//! each over the union of all stages:
//!
//! 1. [`measure`]: node sizes from the font's advance widths;
//! 2. [`rank`]: columns by longest path along the edges (left to right), or the author's pin;
//! 3. [`rows`]: chains (an edge that is the only one out of its source and into its target, in
//!    some stage) share a row; nodes are placed in the order the stages introduce them, each in
//!    the free cell nearest its neighbours, notes beside, below or above their node;
//! 4. [`compaction`]: strangers pushed out of group boxes, empty rows and columns dropped;
//! 5. [`ports`]: the side and slot where each edge meets each node (nodes then grow to fit
//!    their slots [`PORT_GAP`] apart);
//! 6. [`routing`]: coordinates from the gap widths, each edge leaving its port, bending only in
//!    the gaps between columns and rows, on its own track there; then [`overlaps`]: edges that
//!    would run along one line parted;
//! 7. [`labels`]: each label takes the first spot along its edge that overlaps no node, label,
//!    group title or other edge;
//! 8. [`scene`]: items with absolute geometry, edge ends on each stage's exact outlines, node
//!    text placed, and the view box.
//!
//! [`layout`] runs steps 1–5 once, then 6 and 7 in a loop: while the tracks or a label need
//! more room than a gap has, the gap is widened and routing runs again.

mod compaction;
mod labels;
mod measure;
mod overlaps;
mod ports;
mod rank;
mod routing;
mod rows;
mod scene;

pub use measure::{REPLICA_GAP, REPLICA_PX, replica_badge_width};

use super::{LABEL_H, pill};
use crate::diagram::ir::Ir;
use crate::diagram::scene::{LID, PORT_GAP, STACK_OFFSET, Scene, Side};
use labels::place_labels;
use measure::measure;
use rank::rank;
use routing::route;
use rows::assign_rows;

/// Node label size.
pub const NAME_PX: f32 = 14.0;
/// Node subtitle size.
pub const SUB_PX: f32 = 11.5;
/// Note text size.
pub const NOTE_PX: f32 = 11.5;
/// Group title size.
pub const GROUP_PX: f32 = 11.5;
/// Node height.
pub const NODE_H: f32 = 52.0;
/// Height of a database: taller than other nodes, so its text clears the lid.
pub const DATABASE_H: f32 = 60.0;
/// Narrowest node.
pub const MIN_NODE_W: f32 = 104.0;
/// Where a node's text starts: after the glyph.
pub const TEXT_LEFT: f32 = 36.0;
/// Padding right of a node's text.
pub const TEXT_RIGHT: f32 = 14.0;
/// Extra room right of the text for a queue's message slots.
pub const QUEUE_SLOTS: f32 = 24.0;
/// Widest note text.
pub const NOTE_MAX_W: f32 = 168.0;
/// Padding inside a note.
pub const NOTE_PAD: f32 = 9.0;
/// Line height in notes.
pub const NOTE_LINE: f32 = 15.0;
/// Padding between a group's outline and its members.
pub const GROUP_PAD: f32 = 12.0;
/// Height of a group's title band above its members.
pub const GROUP_TITLE: f32 = 18.0;
/// Distance between parallel edge tracks in a gap.
pub const TRACK: f32 = 10.0;
/// Smallest gap between columns.
pub const MIN_GAP_X: f32 = 48.0;
/// Smallest gap between rows.
pub const MIN_GAP_Y: f32 = 28.0;
/// Smallest distance from a port to the ends of its node side.
pub const PORT_MARGIN: f32 = 14.0;
/// Margin around the drawing.
pub const MARGIN: f32 = 12.0;

/// Lays out an architecture diagram.
pub fn layout(ir: &Ir) -> Scene {
    let sizes: Vec<(f32, f32, Vec<Vec<String>>)> = ir.nodes.iter().map(measure).collect();
    let mut cols = rank(ir);
    let rows = assign_rows(ir, &mut cols);
    let ncols = cols.iter().max().map_or(1, |c| c + 1);
    let nrows = rows.iter().max().map_or(1, |r| r + 1);
    let mut grid = Grid {
        cols,
        rows,
        ncols,
        nrows,
        col_w: vec![0.0; ncols],
        row_h: vec![0.0; nrows],
        row_top: vec![0.0; nrows],
    };
    // Nodes grow until the edges on each side fit [`PORT_GAP`] apart.
    let ports = ports::ports(ir, &grid);
    let mut sizes = sizes;
    for (&(v, side), &k) in &ports.count {
        let span = (k.max(1) - 1) as f32 * PORT_GAP;
        match side {
            Side::Left | Side::Right => {
                sizes[v].1 = sizes[v].1.max(span + 2.0 * PORT_MARGIN);
            }
            Side::Top | Side::Bottom => {
                sizes[v].0 = sizes[v].0.max(span + 2.0 * PORT_MARGIN + 2.0 * LID);
            }
        }
    }
    let mut row_body = vec![0.0f32; nrows];
    for (i, size) in sizes.iter().enumerate() {
        let stack = stack_of(ir, i);
        let (c, r) = (grid.cols[i], grid.rows[i]);
        grid.col_w[c] = grid.col_w[c].max(size.0 + stack);
        grid.row_top[r] = grid.row_top[r].max(stack);
        row_body[r] = row_body[r].max(size.1);
    }
    for ((h, top), body) in grid.row_h.iter_mut().zip(&grid.row_top).zip(&row_body) {
        *h = top + body;
    }

    // Gaps: index g is the gap left of column g (0 and ncols are the outer margins).
    let mut gap_x = vec![MIN_GAP_X; ncols + 1];
    let mut gap_y = vec![MIN_GAP_Y; nrows + 1];
    gap_x[0] = 8.0;
    gap_x[ncols] = 8.0;
    gap_y[0] = 8.0;
    gap_y[nrows] = 8.0;
    for group in &ir.groups {
        let (c0, c1, r0, r1) = grid.span(&group.members);
        gap_x[c0] += GROUP_PAD + 4.0;
        gap_x[c1 + 1] += GROUP_PAD + 4.0;
        gap_y[r0] += GROUP_PAD + GROUP_TITLE + 4.0;
        gap_y[r1 + 1] += GROUP_PAD + 4.0;
    }
    let label_w: Vec<f32> = ir
        .edges
        .iter()
        .map(|e| {
            e.versions
                .iter()
                .filter_map(|v| v.props.as_deref())
                .map(|l| pill(l, 0.0, 0.0).rect.w)
                .fold(0.0, f32::max)
        })
        .collect();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mut routing = route(ir, &grid, &sizes, &gap_x, &gap_y, &label_w, &ports);
        // First make room for the tracks, and for labels between the tracks and their targets.
        let mut grew = false;
        for (gap, need) in gap_x
            .iter_mut()
            .zip(&routing.need_x)
            .chain(gap_y.iter_mut().zip(&routing.need_y))
        {
            if *need > *gap + 0.5 {
                *gap = need.ceil();
                grew = true;
            }
        }
        if grew && attempt < 12 {
            continue;
        }
        let failed = place_labels(ir, &mut routing);
        if failed.is_empty() || attempt >= 12 {
            return scene::build(ir, &sizes, &routing);
        }
        for (edge, label_w) in failed {
            // Widen the gap holding the edge's longest horizontal run, or the row gap holding
            // its longest vertical run, by enough for the label.
            let points = &routing.routes[edge];
            let mut best: Option<(f32, bool, f32)> = None;
            for w in points.windows(2) {
                let horizontal = (w[0].y - w[1].y).abs() < 0.5;
                let len = if horizontal {
                    (w[0].x - w[1].x).abs()
                } else {
                    (w[0].y - w[1].y).abs()
                };
                let mid = if horizontal {
                    (w[0].x + w[1].x) / 2.0
                } else {
                    (w[0].y + w[1].y) / 2.0
                };
                if best.is_none_or(|b| len > b.0) {
                    best = Some((len, horizontal, mid));
                }
            }
            let Some((_, horizontal, mid)) = best else {
                continue;
            };
            if horizontal {
                let g = routing.gap_at_x(mid);
                gap_x[g] += label_w / 2.0 + 8.0;
            } else {
                let k = routing.gap_at_y(mid);
                gap_y[k] += LABEL_H + 6.0;
            }
        }
    }
}

pub(super) struct Grid {
    pub(super) cols: Vec<usize>,
    pub(super) rows: Vec<usize>,
    pub(super) ncols: usize,
    pub(super) nrows: usize,
    pub(super) col_w: Vec<f32>,
    /// Height of each row, stacks included.
    pub(super) row_h: Vec<f32>,
    /// Room at the top of each row for replica stacks, above the nodes' front copies.
    pub(super) row_top: Vec<f32>,
}

impl Grid {
    fn span(&self, members: &[usize]) -> (usize, usize, usize, usize) {
        let c0 = members.iter().map(|&m| self.cols[m]).min().unwrap_or(0);
        let c1 = members.iter().map(|&m| self.cols[m]).max().unwrap_or(0);
        let r0 = members.iter().map(|&m| self.rows[m]).min().unwrap_or(0);
        let r1 = members.iter().map(|&m| self.rows[m]).max().unwrap_or(0);
        (c0, c1, r0, r1)
    }
}

pub(super) fn stack_of(ir: &Ir, node: usize) -> f32 {
    let replicas = ir.nodes[node]
        .versions
        .iter()
        .map(|v| v.props.replicas)
        .max()
        .unwrap_or(1);
    if replicas > 1 {
        STACK_OFFSET * 2.0
    } else {
        0.0
    }
}

/// The stages an edge is shown in, as a range.
pub(super) fn edge_life(ir: &Ir, e: usize) -> (usize, usize) {
    let versions = &ir.edges[e].versions;
    (
        versions.first().map_or(0, |x| x.first),
        versions.last().map_or(0, |x| x.end),
    )
}

/// The stages a node is shown in, as a range.
pub(super) fn lifetime(ir: &Ir, v: usize) -> (usize, usize) {
    let versions = &ir.nodes[v].versions;
    (
        versions.first().map_or(0, |x| x.first),
        versions.last().map_or(0, |x| x.end),
    )
}
