//! Architecture layout: a resolved diagram → a scene of nodes on a grid with orthogonal edges.
//!
//! In: an [`Ir`] of flavor architecture. Out: a [`Scene`]. Steps, each over the union of all
//! stages:
//!
//! 1. measure: node sizes from the font's advance widths;
//! 2. rank: columns by longest path along the edges (left to right), or the author's pin;
//! 3. order: rows by barycentre sweeps, keeping group members and notes together, then
//!    pushing strangers out of group boxes;
//! 4. size gaps: room for edge tracks, labels and group titles between columns and rows;
//! 5. route: each edge leaves a node side at its own port (ports spread along the side),
//!    bends only in the gaps between columns and rows, and gets its own track there;
//! 6. labels: each label takes the first spot along its edge that overlaps no node, label or
//!    group title; when none exists, the gap is widened and routing runs again.

use std::collections::BTreeMap;

use super::{LABEL_H, pill};
use crate::diagram::font::{self, Weight};
use crate::diagram::ir::{EdgeStyle, Ir, NodeKind};
use crate::diagram::scene::{Item, Label, Point, Rect, STACK_OFFSET, Scene, Shape};

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
pub const MIN_GAP_X: f32 = 56.0;
/// Smallest gap between rows.
pub const MIN_GAP_Y: f32 = 36.0;
/// Margin around the drawing.
pub const MARGIN: f32 = 12.0;

/// Lays out an architecture diagram.
pub fn layout(ir: &Ir) -> Scene {
    let n = ir.nodes.len();
    let sizes: Vec<(f32, f32, Vec<Vec<String>>)> = ir.nodes.iter().map(measure).collect();
    let cols = rank(ir);
    let rows = assign_rows(ir, &cols);
    let ncols = cols.iter().max().map_or(1, |c| c + 1);
    let nrows = rows.iter().max().map_or(1, |r| r + 1);
    let mut col_w = vec![0.0f32; ncols];
    let mut row_h = vec![0.0f32; nrows];
    for i in 0..n {
        let stack = stack_of(ir, i);
        col_w[cols[i]] = col_w[cols[i]].max(sizes[i].0 + stack);
        row_h[rows[i]] = row_h[rows[i]].max(sizes[i].1 + stack);
    }
    let grid = Grid {
        cols,
        rows,
        ncols,
        nrows,
        col_w,
        row_h,
    };

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
        let mut routing = route(ir, &grid, &sizes, &gap_x, &gap_y, &label_w);
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
            return scene(ir, &sizes, &routing);
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

struct Grid {
    cols: Vec<usize>,
    rows: Vec<usize>,
    ncols: usize,
    nrows: usize,
    col_w: Vec<f32>,
    row_h: Vec<f32>,
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

fn stack_of(ir: &Ir, node: usize) -> f32 {
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

/// Width, height and, for notes, the wrapped lines of each version.
fn measure(node: &crate::diagram::ir::Node) -> (f32, f32, Vec<Vec<String>>) {
    if node.kind == NodeKind::Note {
        let mut w: f32 = 0.0;
        let mut lines_max = 1;
        let mut all = Vec::new();
        for v in &node.versions {
            let lines = font::wrap(&v.props.label, NOTE_PX, Weight::Regular, NOTE_MAX_W);
            for l in &lines {
                w = w.max(font::width(l, NOTE_PX, Weight::Regular));
            }
            lines_max = lines_max.max(lines.len());
            all.push(lines);
        }
        return (
            w.ceil() + 2.0 * NOTE_PAD + 6.0,
            lines_max as f32 * NOTE_LINE + 2.0 * NOTE_PAD,
            all,
        );
    }
    let mut text_w: f32 = 0.0;
    for v in &node.versions {
        let badge = if v.props.replicas > 1 {
            replica_badge_width(v.props.replicas)
        } else {
            0.0
        };
        text_w = text_w.max(font::width(&v.props.label, NAME_PX, Weight::Semibold) + badge);
        if let Some(sub) = &v.props.sub {
            text_w = text_w.max(font::width(sub, SUB_PX, Weight::Regular));
        }
    }
    let slots = if node.kind == NodeKind::Queue {
        QUEUE_SLOTS
    } else {
        0.0
    };
    let w = (TEXT_LEFT + text_w + TEXT_RIGHT + slots)
        .ceil()
        .max(MIN_NODE_W);
    let lines = node
        .versions
        .iter()
        .map(|v| vec![v.props.label.clone()])
        .collect();
    (w, NODE_H, lines)
}

/// Width of the ` ×N` written after a replicated node's name, gap included.
pub fn replica_badge_width(replicas: u32) -> f32 {
    REPLICA_GAP + font::width(&format!("×{replicas}"), SUB_PX + 1.0, Weight::Semibold)
}

/// Space between a node's name and its replica count.
pub const REPLICA_GAP: f32 = 5.0;

/// Flow edges for ranking: everything but note links, and replication only into a node that
/// nothing else feeds (a replica belongs next to what serves it, not after what it copies).
fn flow_edges(ir: &Ir) -> Vec<(usize, usize)> {
    let fed = |v: usize| {
        ir.edges
            .iter()
            .any(|e| e.to == v && !matches!(e.style, EdgeStyle::NoteLink | EdgeStyle::Replicate))
    };
    ir.edges
        .iter()
        .filter(|e| {
            e.style != EdgeStyle::NoteLink && !(e.style == EdgeStyle::Replicate && fed(e.to))
        })
        .map(|e| (e.from, e.to))
        .collect()
}

/// Columns: longest path from the sources over the edges, cycles broken by a depth-first
/// search in declaration order, then sources pulled right next to their first successor.
fn rank(ir: &Ir) -> Vec<usize> {
    let n = ir.nodes.len();
    let edges = flow_edges(ir);
    // Depth-first search marks back edges so the rest is acyclic.
    let mut state = vec![0u8; n];
    let mut back = vec![false; edges.len()];
    for start in 0..n {
        if state[start] != 0 {
            continue;
        }
        let mut stack = vec![(start, 0usize)];
        state[start] = 1;
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            let out: Vec<usize> = (0..edges.len()).filter(|&e| edges[e].0 == v).collect();
            if *next < out.len() {
                let e = out[*next];
                *next += 1;
                let w = edges[e].1;
                match state[w] {
                    0 => {
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => back[e] = true,
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    let dag: Vec<(usize, usize)> = edges
        .iter()
        .zip(&back)
        .filter(|(_, b)| !**b)
        .map(|(e, _)| *e)
        .collect();
    let pinned = |v: usize| ir.nodes[v].pin.map(|p| p.0);
    let mut col: Vec<usize> = (0..n).map(|v| pinned(v).unwrap_or(0)).collect();
    for _ in 0..=n {
        let mut changed = false;
        for &(a, b) in &dag {
            if pinned(b).is_none() && col[b] < col[a] + 1 {
                col[b] = col[a] + 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // A source that feeds only later columns sits just left of its nearest successor.
    for v in 0..n {
        if pinned(v).is_some() || dag.iter().any(|&(_, b)| b == v) {
            continue;
        }
        if let Some(min_succ) = dag
            .iter()
            .filter(|&&(a, _)| a == v)
            .map(|&(_, b)| col[b])
            .min()
        {
            col[v] = min_succ.saturating_sub(1).max(col[v]);
        }
    }
    // Notes sit in their node's column.
    for (v, node) in ir.nodes.iter().enumerate() {
        if let (Some(about), None) = (node.about, node.pin) {
            col[v] = col[about];
        }
    }
    // Drop empty columns.
    let used: std::collections::BTreeSet<usize> = col.iter().copied().collect();
    let remap: BTreeMap<usize, usize> = used.iter().enumerate().map(|(i, &c)| (c, i)).collect();
    col.iter().map(|c| remap[c]).collect()
}

/// Rows: barycentre ordering within columns, then row numbers that line up neighbours, then
/// group boxes cleared of non-members.
fn assign_rows(ir: &Ir, cols: &[usize]) -> Vec<usize> {
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

/// The stages an edge is shown in, as a range.
fn edge_life(ir: &Ir, e: usize) -> (usize, usize) {
    let versions = &ir.edges[e].versions;
    (
        versions.first().map_or(0, |x| x.first),
        versions.last().map_or(0, |x| x.end),
    )
}

/// The stages a node is shown in, as a range.
fn lifetime(ir: &Ir, v: usize) -> (usize, usize) {
    let versions = &ir.nodes[v].versions;
    (
        versions.first().map_or(0, |x| x.first),
        versions.last().map_or(0, |x| x.end),
    )
}

/// Moves each node to the free cell of its column nearest the median row of its neighbours.
/// A cell is free for a node when nothing shown in the same stages sits there, so a node added
/// in the stage that removes another can take its place instead of leaving a hole.
fn compact(ir: &Ir, cols: &[usize], neighbours: &[Vec<usize>], row: &mut [usize]) {
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
fn clear_groups(ir: &Ir, cols: &[usize], row: &mut [usize]) {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Side {
    Left,
    Right,
    Top,
    Bottom,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Channel {
    /// A vertical run in the gap left of column g.
    Column(usize),
    /// A horizontal run in the gap above row k.
    Row(usize),
}

/// An edge end asking for a port on a side: edge index, whether it is the source, and where the
/// other end is (ports are ordered by it).
type PortRequest = (usize, bool, f32);

/// A candidate route: bend points, and which segments run in which channel.
type Route = (Vec<Point>, Vec<(usize, Channel)>);

struct Routing {
    rects: Vec<Rect>,
    routes: Vec<Vec<Point>>,
    labels: Vec<Option<Label>>,
    groups: Vec<(Rect, Label)>,
    col_x: Vec<f32>,
    row_y: Vec<f32>,
    /// Gap widths the tracks and labels need (same indexing as the gaps).
    need_x: Vec<f32>,
    need_y: Vec<f32>,
}

impl Routing {
    fn gap_at_x(&self, x: f32) -> usize {
        (0..self.col_x.len())
            .find(|&c| x < self.col_x[c])
            .unwrap_or(self.col_x.len())
    }
    fn gap_at_y(&self, y: f32) -> usize {
        (0..self.row_y.len())
            .find(|&r| y < self.row_y[r])
            .unwrap_or(self.row_y.len())
    }
}

fn route(
    ir: &Ir,
    grid: &Grid,
    sizes: &[(f32, f32, Vec<Vec<String>>)],
    gap_x: &[f32],
    gap_y: &[f32],
    label_w: &[f32],
) -> Routing {
    let n = ir.nodes.len();
    // Column and row coordinates.
    let mut col_x = Vec::with_capacity(grid.ncols);
    let mut x = MARGIN + gap_x[0];
    for c in 0..grid.ncols {
        col_x.push(x);
        x += grid.col_w[c] + gap_x[c + 1];
    }
    let mut row_y = Vec::with_capacity(grid.nrows);
    let mut y = MARGIN + gap_y[0];
    for r in 0..grid.nrows {
        row_y.push(y);
        y += grid.row_h[r] + gap_y[r + 1];
    }
    let col_right: Vec<f32> = (0..grid.ncols).map(|c| col_x[c] + grid.col_w[c]).collect();
    let row_bottom: Vec<f32> = (0..grid.nrows).map(|r| row_y[r] + grid.row_h[r]).collect();
    // Node boxes, centred in their cells; `solid` includes replica stacks.
    let mut rects = Vec::with_capacity(n);
    let mut solids = Vec::with_capacity(n);
    for (v, (w, h, _)) in sizes.iter().enumerate() {
        let stack = stack_of(ir, v);
        let (c, r) = (grid.cols[v], grid.rows[v]);
        let sx = col_x[c] + (grid.col_w[c] - w - stack) / 2.0;
        let sy = row_y[r] + (grid.row_h[r] - h - stack) / 2.0;
        let rect = Rect {
            x: sx.round(),
            y: (sy + stack).round(),
            w: *w,
            h: *h,
        };
        solids.push(Rect {
            x: rect.x,
            y: rect.y - stack,
            w: rect.w + stack,
            h: rect.h + stack,
        });
        rects.push(rect);
    }
    let gap_mid_x = |g: usize| -> f32 {
        if g == 0 {
            col_x[0] - gap_x[0] / 2.0
        } else if g >= grid.ncols {
            col_right[grid.ncols - 1] + gap_x[grid.ncols] / 2.0
        } else {
            (col_right[g - 1] + col_x[g]) / 2.0
        }
    };
    let gap_mid_y = |k: usize| -> f32 {
        if k == 0 {
            row_y[0] - gap_y[0] / 2.0
        } else if k >= grid.nrows {
            row_bottom[grid.nrows - 1] + gap_y[grid.nrows] / 2.0
        } else {
            (row_bottom[k - 1] + row_y[k]) / 2.0
        }
    };
    let occupied = |c: usize, r: usize| (0..n).any(|v| grid.cols[v] == c && grid.rows[v] == r);

    // Sides.
    let mut sides: Vec<(Side, Side)> = Vec::with_capacity(ir.edges.len());
    for e in &ir.edges {
        let (a, b) = (e.from, e.to);
        let (ca, cb, ra, rb) = (grid.cols[a], grid.cols[b], grid.rows[a], grid.rows[b]);
        let s = if ca < cb {
            (Side::Right, Side::Left)
        } else if ca > cb {
            (Side::Left, Side::Right)
        } else {
            let (lo, hi) = (ra.min(rb), ra.max(rb));
            let blocked = (lo + 1..hi).any(|r| occupied(ca, r));
            if blocked {
                (Side::Right, Side::Right)
            } else if ra < rb {
                (Side::Bottom, Side::Top)
            } else {
                (Side::Top, Side::Bottom)
            }
        };
        sides.push(s);
    }
    // Ports: edges on one side of one node are spread along it, ordered by where they go.
    let mut by_side: BTreeMap<(usize, Side), Vec<PortRequest>> = BTreeMap::new();
    for (i, e) in ir.edges.iter().enumerate() {
        for (node, side, other, is_from) in [
            (e.from, sides[i].0, e.to, true),
            (e.to, sides[i].1, e.from, false),
        ] {
            let oc = rects[other].center();
            let key = match side {
                Side::Left | Side::Right => oc.y + oc.x * 0.001,
                Side::Top | Side::Bottom => oc.x + oc.y * 0.001,
            };
            by_side
                .entry((node, side))
                .or_default()
                .push((i, is_from, key));
        }
    }
    let mut ports: BTreeMap<(usize, bool), Point> = BTreeMap::new();
    let side_members: BTreeMap<(usize, Side), Vec<(usize, bool)>> = by_side
        .iter()
        .map(|(k, list)| (*k, list.iter().map(|&(e, f, _)| (e, f)).collect()))
        .collect();
    for ((node, side), mut list) in by_side {
        list.sort_by(|a, b| a.2.total_cmp(&b.2).then(a.0.cmp(&b.0)));
        let r = solids[node];
        let main = rects[node];
        let k = list.len();
        let (len, center) = match side {
            Side::Left | Side::Right => (main.h, main.center().y),
            Side::Top | Side::Bottom => (main.w, main.center().x),
        };
        let spacing = if k > 1 {
            (len * 0.64 / (k - 1) as f32).min(14.0)
        } else {
            0.0
        };
        for (j, (edge, is_from, _)) in list.into_iter().enumerate() {
            let off = (j as f32 - (k - 1) as f32 / 2.0) * spacing;
            let p = match side {
                Side::Left => Point {
                    x: r.x,
                    y: center + off,
                },
                Side::Right => Point {
                    x: r.right(),
                    y: center + off,
                },
                Side::Top => Point {
                    x: center + off,
                    y: r.y,
                },
                Side::Bottom => Point {
                    x: center + off,
                    y: r.bottom(),
                },
            };
            ports.insert(
                (edge, is_from),
                Point {
                    x: p.x.round(),
                    y: p.y.round(),
                },
            );
        }
    }

    // Candidate routes, first free one wins; channel runs are tagged for track assignment.
    // Only nodes shown in some stage together with the edge are in its way.
    let free = |pts: &[Point], e: usize, a: usize, b: usize| -> bool {
        let (ef, ee) = edge_life(ir, e);
        pts.windows(2).all(|w| {
            (0..n).all(|v| {
                let (nf, ne) = lifetime(ir, v);
                v == a
                    || v == b
                    || !(nf < ee && ef < ne)
                    || !solids[v].inflate(3.0).cut_by(w[0], w[1])
            })
        })
    };
    let mut routes: Vec<Vec<Point>> = Vec::new();
    let mut tags: Vec<Vec<(usize, Channel)>> = Vec::new();
    for (i, e) in ir.edges.iter().enumerate() {
        let (a, b) = (e.from, e.to);
        let mut pa = ports[&(i, true)];
        let mut pb = ports[&(i, false)];
        // Two ports a few pixels apart make a tiny jog; slide one along its side to meet the
        // other when that keeps it on the side and clear of the side's other ports.
        if matches!(
            sides[i],
            (Side::Right, Side::Left) | (Side::Left, Side::Right)
        ) && (pa.y - pb.y).abs() >= 0.5
        {
            let can_move = |node: usize,
                            side: Side,
                            me: (usize, bool),
                            y: f32,
                            ports: &BTreeMap<(usize, bool), Point>| {
                let r = rects[node];
                y >= r.y + 10.0
                    && y <= r.bottom() - 10.0
                    && side_members[&(node, side)]
                        .iter()
                        .all(|&m| m == me || (ports[&m].y - y).abs() >= 9.0)
            };
            let straight_free =
                |y: f32| free(&[Point { x: pa.x, y }, Point { x: pb.x, y }], i, a, b);
            if (pa.y - pb.y).abs() <= 24.0
                && can_move(b, sides[i].1, (i, false), pa.y, &ports)
                && straight_free(pa.y)
            {
                pb.y = pa.y;
                ports.insert((i, false), pb);
            } else if (pa.y - pb.y).abs() <= 24.0
                && can_move(a, sides[i].0, (i, true), pb.y, &ports)
                && straight_free(pb.y)
            {
                pa.y = pb.y;
                ports.insert((i, true), pa);
            }
        }
        let (ca, cb) = (grid.cols[a], grid.cols[b]);
        let (pts, tag): (Vec<Point>, Vec<(usize, Channel)>) = match sides[i] {
            (Side::Right, Side::Left) | (Side::Left, Side::Right) => {
                let (ga, gb) = if ca < cb { (ca + 1, cb) } else { (ca, cb + 1) };
                let mut options: Vec<Route> = Vec::new();
                if (pa.y - pb.y).abs() < 0.5 {
                    options.push((vec![pa, pb], vec![]));
                }
                for g in [ga, gb] {
                    let x = gap_mid_x(g);
                    options.push((
                        vec![pa, Point { x, y: pa.y }, Point { x, y: pb.y }, pb],
                        vec![(1, Channel::Column(g))],
                    ));
                }
                let mid = (pa.y + pb.y) / 2.0;
                let mut gutters: Vec<usize> = (0..=grid.nrows).collect();
                gutters.sort_by(|&p, &q| {
                    (gap_mid_y(p) - mid)
                        .abs()
                        .total_cmp(&(gap_mid_y(q) - mid).abs())
                        .then(p.cmp(&q))
                });
                for k in gutters {
                    let (xa, xb, y) = (gap_mid_x(ga), gap_mid_x(gb), gap_mid_y(k));
                    options.push((
                        vec![
                            pa,
                            Point { x: xa, y: pa.y },
                            Point { x: xa, y },
                            Point { x: xb, y },
                            Point { x: xb, y: pb.y },
                            pb,
                        ],
                        vec![
                            (1, Channel::Column(ga)),
                            (2, Channel::Row(k)),
                            (3, Channel::Column(gb)),
                        ],
                    ));
                }
                let last = options.len() - 1;
                let pick = options
                    .iter()
                    .position(|(p, _)| free(p, i, a, b))
                    .unwrap_or(last);
                options.swap_remove(pick)
            }
            (Side::Bottom, Side::Top) | (Side::Top, Side::Bottom) => {
                if (pa.x - pb.x).abs() < 0.5 {
                    (vec![pa, pb], vec![])
                } else {
                    let k = grid.rows[a].max(grid.rows[b]);
                    let y = gap_mid_y(k);
                    (
                        vec![pa, Point { x: pa.x, y }, Point { x: pb.x, y }, pb],
                        vec![(1, Channel::Row(k))],
                    )
                }
            }
            _ => {
                let g = ca + 1;
                let x = gap_mid_x(g);
                (
                    vec![pa, Point { x, y: pa.y }, Point { x, y: pb.y }, pb],
                    vec![(1, Channel::Column(g))],
                )
            }
        };
        routes.push(pts);
        tags.push(tag);
    }

    // A gap whose labelled edges mostly enter targets on its right keeps its tracks near its
    // left side, so the labels get the run from the tracks to the targets, and vice versa.
    let mut lean: BTreeMap<usize, i32> = BTreeMap::new();
    for (i, e) in ir.edges.iter().enumerate() {
        if label_w[i] <= 0.0 {
            continue;
        }
        if let Some(&(seg, Channel::Column(g))) = tags[i].last()
            && seg + 3 == routes[i].len()
        {
            *lean.entry(g).or_default() += if grid.cols[e.to] >= g { 1 } else { -1 };
        }
    }
    let mut runs: BTreeMap<Channel, Vec<(f32, f32, usize, usize)>> = BTreeMap::new();
    for (r, tag) in tags.iter().enumerate() {
        for &(seg, ch) in tag {
            let (p, q) = (routes[r][seg], routes[r][seg + 1]);
            let (lo, hi) = match ch {
                Channel::Column(_) => (p.y.min(q.y), p.y.max(q.y)),
                Channel::Row(_) => (p.x.min(q.x), p.x.max(q.x)),
            };
            runs.entry(ch).or_default().push((lo, hi, r, seg));
        }
    }
    let mut need_x = vec![0.0f32; grid.ncols + 1];
    let mut need_y = vec![0.0f32; grid.nrows + 1];
    let mut band: BTreeMap<usize, (f32, f32)> = BTreeMap::new();
    for (ch, mut list) in runs {
        list.sort_by(|a, b| {
            a.0.total_cmp(&b.0)
                .then(a.1.total_cmp(&b.1))
                .then(a.2.cmp(&b.2))
        });
        let mut track_end: Vec<f32> = Vec::new();
        let mut assigned = Vec::new();
        for &(lo, hi, r, seg) in &list {
            let t = match track_end.iter().position(|&end| end + 6.0 < lo) {
                Some(t) => t,
                None => {
                    track_end.push(f32::MIN);
                    track_end.len() - 1
                }
            };
            track_end[t] = hi;
            assigned.push((t, r, seg));
        }
        let k = track_end.len() as f32;
        let width = (k - 1.0) * TRACK;
        let first = match ch {
            Channel::Column(g) => {
                need_x[g] = need_x[g].max(width + 32.0);
                let inner = g > 0 && g < grid.ncols;
                let lean = lean.get(&g).copied().unwrap_or(0);
                let start = if inner && lean > 0 {
                    col_right[g - 1] + 16.0
                } else if inner && lean < 0 {
                    col_x[g] - 16.0 - width
                } else {
                    gap_mid_x(g) - width / 2.0
                };
                band.insert(g, (start, start + width));
                start
            }
            Channel::Row(r) => {
                need_y[r] = need_y[r].max(width + 24.0);
                gap_mid_y(r) - width / 2.0
            }
        };
        for (t, r, seg) in assigned {
            let at = (first + t as f32 * TRACK).round();
            match ch {
                Channel::Column(_) => {
                    routes[r][seg].x = at;
                    routes[r][seg + 1].x = at;
                }
                Channel::Row(_) => {
                    routes[r][seg].y = at;
                    routes[r][seg + 1].y = at;
                }
            }
        }
    }
    // Room for each label: on a straight edge, the whole gap; after a bend, the run from the
    // track band to the target; on a vertical edge, the row gap.
    for (i, e) in ir.edges.iter().enumerate() {
        let w = label_w[i];
        if w <= 0.0 {
            continue;
        }
        let pts = &routes[i];
        let (ca, cb) = (grid.cols[e.from], grid.cols[e.to]);
        if pts.len() == 2 && ca != cb {
            let g = ca.max(cb);
            need_x[g] = need_x[g].max(w + 34.0);
        } else if pts.len() == 2 {
            let r = grid.rows[e.from].max(grid.rows[e.to]);
            need_y[r] = need_y[r].max(LABEL_H + 22.0);
        } else if let Some(&(_, Channel::Column(g))) = tags[i].last() {
            let (start, end) = band.get(&g).copied().unwrap_or((0.0, 0.0));
            let inner = g > 0 && g < grid.ncols;
            if inner {
                let band_w = end - start;
                need_x[g] = need_x[g].max(16.0 + band_w + 10.0 + w + 16.0);
            }
        }
    }

    // Group outlines around their members' boxes.
    let groups = ir
        .groups
        .iter()
        .map(|g| {
            let r = g
                .members
                .iter()
                .map(|&m| solids[m])
                .reduce(|a, b| a.union(&b))
                .unwrap_or_default();
            let r = r.inflate(GROUP_PAD);
            let rect = Rect {
                x: r.x,
                y: r.y - GROUP_TITLE,
                w: r.w,
                h: r.h + GROUP_TITLE,
            };
            let title = g
                .versions
                .iter()
                .map(|v| v.props.as_str())
                .max_by(|a, b| a.len().cmp(&b.len()))
                .unwrap_or("");
            let tw = font::width(title, GROUP_PX, Weight::Semibold);
            let label = Label {
                text: title.to_string(),
                rect: Rect {
                    x: rect.x + 8.0,
                    y: rect.y + 3.0,
                    w: tw + 4.0,
                    h: 15.0,
                },
            };
            (rect, label)
        })
        .collect();

    Routing {
        rects,
        routes,
        labels: vec![None; ir.edges.len()],
        groups,
        col_x,
        row_y,
        need_x,
        need_y,
    }
}

/// Places each edge's label (the longest of its versions decides the spot); returns the edges
/// whose label found no free spot, with the label's width.
fn place_labels(ir: &Ir, routing: &mut Routing) -> Vec<(usize, f32)> {
    let solids: Vec<Rect> = (0..ir.nodes.len())
        .map(|v| {
            let stack = stack_of(ir, v);
            let r = routing.rects[v];
            Rect {
                x: r.x,
                y: r.y - stack,
                w: r.w + stack,
                h: r.h + stack,
            }
        })
        .collect();
    // Everything a label must not touch, with the stages it is shown in.
    let mut placed: Vec<(Rect, (usize, usize))> = ir
        .groups
        .iter()
        .zip(&routing.groups)
        .map(|(g, (_, l))| {
            (
                l.rect,
                (
                    g.versions.first().map_or(0, |v| v.first),
                    g.versions.last().map_or(0, |v| v.end),
                ),
            )
        })
        .collect();
    let mut failed = Vec::new();
    for (i, e) in ir.edges.iter().enumerate() {
        let Some(text) = e
            .versions
            .iter()
            .filter_map(|v| v.props.as_deref())
            .max_by(|a, b| {
                font::width(a, super::LABEL_PX, Weight::Regular).total_cmp(&font::width(
                    b,
                    super::LABEL_PX,
                    Weight::Regular,
                ))
            })
        else {
            continue;
        };
        let pts = &routing.routes[i];
        let mut segs: Vec<usize> = (0..pts.len().saturating_sub(1)).collect();
        let seg_len = |s: usize| (pts[s].x - pts[s + 1].x).abs() + (pts[s].y - pts[s + 1].y).abs();
        // The run into the target first (the tracks leave it room), then horizontal runs, longer
        // first, then vertical ones.
        let last = pts.len().saturating_sub(2);
        segs.sort_by(|&a, &b| {
            let ha = (pts[a].y - pts[a + 1].y).abs() < 0.5;
            let hb = (pts[b].y - pts[b + 1].y).abs() < 0.5;
            (b == last && hb)
                .cmp(&(a == last && ha))
                .then(hb.cmp(&ha))
                .then(seg_len(b).total_cmp(&seg_len(a)))
                .then(a.cmp(&b))
        });
        let mut best: Option<(usize, Label)> = None;
        'search: for &s in &segs {
            let (p, q) = (pts[s], pts[s + 1]);
            let horizontal = (p.y - q.y).abs() < 0.5;
            for f in [0.5f32, 0.38, 0.62, 0.26, 0.74, 0.14, 0.86] {
                let c = Point {
                    x: p.x + (q.x - p.x) * f,
                    y: p.y + (q.y - p.y) * f,
                };
                let label = pill(text, c.x, c.y);
                let r = label.rect;
                // Keep clear of the segment's ends, where arrowheads and bends are.
                let head = if s + 2 == pts.len() { 12.0 } else { 5.0 };
                let tail = 5.0;
                let fits = if horizontal {
                    let (lo, hi) = if p.x < q.x {
                        (p.x + tail, q.x - head)
                    } else {
                        (q.x + head, p.x - tail)
                    };
                    r.x >= lo && r.right() <= hi
                } else {
                    let (lo, hi) = if p.y < q.y {
                        (p.y + tail, q.y - head)
                    } else {
                        (q.y + head, p.y - tail)
                    };
                    r.y >= lo && r.bottom() <= hi
                };
                if !fits {
                    continue;
                }
                let (ef, ee) = edge_life(ir, i);
                let with = |(f, e): (usize, usize)| f < ee && ef < e;
                let hits_node = solids
                    .iter()
                    .enumerate()
                    .any(|(v, n)| with(lifetime(ir, v)) && n.inflate(4.0).overlaps(&r));
                let hits_label = placed
                    .iter()
                    .any(|(o, life)| with(*life) && o.inflate(3.0).overlaps(&r));
                if hits_node || hits_label {
                    continue;
                }
                let crossings = routing
                    .routes
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| j != i)
                    .map(|(_, other)| {
                        other
                            .windows(2)
                            .filter(|w| r.inflate(1.0).cut_by(w[0], w[1]))
                            .count()
                    })
                    .sum::<usize>();
                if best.as_ref().is_none_or(|(c0, _)| crossings < *c0) {
                    best = Some((crossings, label));
                }
                if crossings == 0 {
                    break 'search;
                }
            }
        }
        match best {
            Some((_, label)) => {
                placed.push((label.rect, edge_life(ir, i)));
                routing.labels[i] = Some(label);
            }
            None => failed.push((i, pill(text, 0.0, 0.0).rect.w)),
        }
    }
    failed
}

fn scene(ir: &Ir, sizes: &[(f32, f32, Vec<Vec<String>>)], routing: &Routing) -> Scene {
    let mut items = Vec::new();
    let is_new = |first: usize| first > 0;
    for (g, group) in ir.groups.iter().enumerate() {
        let (rect, label) = &routing.groups[g];
        for v in &group.versions {
            items.push(Item {
                key: group.id.clone(),
                ends: None,
                first: v.first,
                end: v.end,
                is_new: is_new(v.first),
                shape: Shape::Group {
                    kind: group.kind,
                    rect: *rect,
                    title: Label {
                        text: v.props.clone(),
                        rect: label.rect,
                    },
                    members: group
                        .members
                        .iter()
                        .map(|&m| ir.nodes[m].id.clone())
                        .collect(),
                },
            });
        }
    }
    for (i, e) in ir.edges.iter().enumerate() {
        let (from, to) = (&ir.nodes[e.from].id, &ir.nodes[e.to].id);
        for v in &e.versions {
            // Every version keeps the spot found for the longest label, re-centred.
            let label = match (&routing.labels[i], &v.props) {
                (Some(spot), Some(text)) => {
                    let c = spot.rect.center();
                    Some(pill(text, c.x, c.y))
                }
                _ => None,
            };
            items.push(Item {
                key: format!("{from}->{to}"),
                ends: Some((from.clone(), to.clone())),
                first: v.first,
                end: v.end,
                is_new: is_new(v.first),
                shape: Shape::Edge {
                    style: e.style,
                    points: routing.routes[i].clone(),
                    label,
                },
            });
        }
    }
    for (i, node) in ir.nodes.iter().enumerate() {
        for (k, v) in node.versions.iter().enumerate() {
            let lines = sizes[i]
                .2
                .get(k)
                .cloned()
                .unwrap_or_else(|| vec![v.props.label.clone()]);
            items.push(Item {
                key: node.id.clone(),
                ends: None,
                first: v.first,
                end: v.end,
                is_new: is_new(v.first),
                shape: Shape::Node {
                    kind: node.kind,
                    rect: routing.rects[i],
                    lines,
                    sub: v.props.sub.clone(),
                    replicas: v.props.replicas,
                },
            });
        }
    }
    let view = super::bounds(&items, MARGIN);
    Scene {
        title: ir.title.clone(),
        flavor: ir.flavor,
        stages: ir.stages.clone(),
        view,
        items,
    }
}
