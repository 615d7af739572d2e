//! Step 6, routing: coordinates, ports and orthogonal edge routes.
//!
//! In: the [`Ir`], the [`Grid`] (cells and track sizes), node sizes, the current gap widths
//! and the [`Ports`]. Out: a [`Routing`]: node boxes, one bend list per edge, group outlines,
//! and the gap widths the tracks and labels need (the caller widens the gaps and routes again
//! until they fit). Each edge leaves a node side at its own port (slots [`PORT_GAP`] apart),
//! bends only in the gaps between columns and rows (or once, for an L), and gets its own
//! track there; [`super::overlaps`] then parts edges that would run along one line.

use std::collections::BTreeMap;

use crate::diagram::font::{self, Weight};
use crate::diagram::ir::Ir;
use crate::diagram::layout::LABEL_H;
use crate::diagram::scene::{Label, PORT_GAP, Point, Rect, Side};

use super::overlaps::separate_overlaps;
use super::ports::Ports;
use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Channel {
    /// A vertical run in the gap left of column g.
    Column(usize),
    /// A horizontal run in the gap above row k.
    Row(usize),
}

/// A candidate route: bend points, and which segments run in which channel.
pub(super) type Route = (Vec<Point>, Vec<(usize, Channel)>);

pub(super) struct Routing {
    pub(super) rects: Vec<Rect>,
    pub(super) routes: Vec<Vec<Point>>,
    pub(super) labels: Vec<Option<Label>>,
    pub(super) groups: Vec<(Rect, Label)>,
    pub(super) col_x: Vec<f32>,
    pub(super) row_y: Vec<f32>,
    /// Gap widths the tracks and labels need (same indexing as the gaps).
    pub(super) need_x: Vec<f32>,
    pub(super) need_y: Vec<f32>,
    /// The side of its source and of its target each edge attaches to.
    pub(super) sides: Vec<(Side, Side)>,
}

impl Routing {
    pub(super) fn gap_at_x(&self, x: f32) -> usize {
        (0..self.col_x.len())
            .find(|&c| x < self.col_x[c])
            .unwrap_or(self.col_x.len())
    }
    pub(super) fn gap_at_y(&self, y: f32) -> usize {
        (0..self.row_y.len())
            .find(|&r| y < self.row_y[r])
            .unwrap_or(self.row_y.len())
    }
}

pub(super) fn route(
    ir: &Ir,
    grid: &Grid,
    sizes: &[(f32, f32, Vec<Vec<String>>)],
    gap_x: &[f32],
    gap_y: &[f32],
    label_w: &[f32],
    ports_plan: &Ports,
) -> Routing {
    let sides = &ports_plan.sides;
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
        // The front copies of a row share one centre line, stacks reaching into the room
        // above it, so a row of nodes is straight.
        let sy = row_y[r] + grid.row_top[r] + (grid.row_h[r] - grid.row_top[r] - h) / 2.0;
        let rect = Rect {
            x: sx.round(),
            y: sy.round(),
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
    // Ports: the slots of a side spread evenly, [`PORT_GAP`] apart, around its middle.
    let mut ports: BTreeMap<(usize, bool), Point> = BTreeMap::new();
    let (slot_of, slot_count) = (&ports_plan.slot, &ports_plan.count);
    for (i, e) in ir.edges.iter().enumerate() {
        for (node, side, is_from) in [(e.from, sides[i].0, true), (e.to, sides[i].1, false)] {
            let r = solids[node];
            let main = rects[node];
            let k = slot_count[&(node, side)] as f32;
            let off = (slot_of[&(i, is_from)] as f32 - (k - 1.0) / 2.0) * PORT_GAP;
            let p = match side {
                Side::Left => Point {
                    x: r.x,
                    y: main.center().y + off,
                },
                Side::Right => Point {
                    x: r.right(),
                    y: main.center().y + off,
                },
                Side::Top => Point {
                    x: main.center().x + off,
                    y: r.y,
                },
                Side::Bottom => Point {
                    x: main.center().x + off,
                    y: r.bottom(),
                },
            };
            ports.insert(
                (i, is_from),
                Point {
                    x: p.x.round(),
                    y: p.y.round(),
                },
            );
        }
    }
    let side_members: BTreeMap<(usize, Side), Vec<(usize, bool)>> = {
        let mut m: BTreeMap<(usize, Side), Vec<(usize, bool)>> = BTreeMap::new();
        for (i, e) in ir.edges.iter().enumerate() {
            m.entry((e.from, sides[i].0)).or_default().push((i, true));
            m.entry((e.to, sides[i].1)).or_default().push((i, false));
        }
        m
    };

    // Candidate routes, first free one wins; channel runs are tagged for track assignment.
    // Only nodes shown in some stage together with the edge are in its way.
    // The strip between a note and its node, where the note's connector runs: other edges
    // keep out of it, so they never cross the connector.
    let strips: Vec<(usize, Rect)> = (0..n)
        .filter_map(|v| {
            let about = ir.nodes[v].about?;
            let (p, q) = (solids[v], solids[about]);
            let (x0, x1) = (p.x.max(q.x), p.right().min(q.right()));
            let (y0, y1) = (p.y.max(q.y), p.bottom().min(q.bottom()));
            if x1 > x0 {
                let (top, bottom) = if p.y < q.y {
                    (p.bottom(), q.y)
                } else {
                    (q.bottom(), p.y)
                };
                Some((
                    v,
                    Rect {
                        x: x0,
                        y: top,
                        w: x1 - x0,
                        h: bottom - top,
                    },
                ))
            } else if y1 > y0 {
                let (left, right) = if p.x < q.x {
                    (p.right(), q.x)
                } else {
                    (q.right(), p.x)
                };
                Some((
                    v,
                    Rect {
                        x: left,
                        y: y0,
                        w: right - left,
                        h: y1 - y0,
                    },
                ))
            } else {
                None
            }
        })
        .collect();
    let free = |pts: &[Point], e: usize, a: usize, b: usize| -> bool {
        let (ef, ee) = edge_life(ir, e);
        let with = |v: usize| {
            let (nf, ne) = lifetime(ir, v);
            nf < ee && ef < ne
        };
        pts.windows(2).all(|w| {
            (0..n)
                .all(|v| v == a || v == b || !with(v) || !solids[v].inflate(3.0).cut_by(w[0], w[1]))
                && strips.iter().all(|&(note, strip)| {
                    note == a || note == b || !with(note) || !strip.cut_by(w[0], w[1])
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
        let facing = match sides[i] {
            (Side::Right, Side::Left) | (Side::Left, Side::Right) => Some(true),
            (Side::Bottom, Side::Top) | (Side::Top, Side::Bottom) => Some(false),
            _ => None,
        };
        if let Some(across_rows) = facing {
            // The coordinate along the two sides: y between columns, x between rows.
            let along = |p: Point| if across_rows { p.y } else { p.x };
            let moved = |p: Point, v: f32| {
                if across_rows {
                    Point { x: p.x, y: v }
                } else {
                    Point { x: v, y: p.y }
                }
            };
            let can_move = |node: usize,
                            side: Side,
                            me: (usize, bool),
                            v: f32,
                            ports: &BTreeMap<(usize, bool), Point>| {
                let r = rects[node];
                let (lo, hi) = if across_rows {
                    (r.y, r.bottom())
                } else {
                    (r.x, r.right())
                };
                let (f, end) = edge_life(ir, me.0);
                v >= lo + PORT_MARGIN
                    && v <= hi - PORT_MARGIN
                    && side_members[&(node, side)].iter().all(|&m| {
                        let (mf, m_end) = edge_life(ir, m.0);
                        m == me
                            || !(mf < end && f < m_end)
                            || (along(ports[&m]) - v).abs() >= PORT_GAP
                    })
            };
            let straight_free = |v: f32| free(&[moved(pa, v), moved(pb, v)], i, a, b);
            let gap = (along(pa) - along(pb)).abs();
            if (0.5..=PORT_GAP).contains(&gap) {
                if can_move(b, sides[i].1, (i, false), along(pa), &ports)
                    && straight_free(along(pa))
                {
                    pb = moved(pb, along(pa));
                    ports.insert((i, false), pb);
                } else if can_move(a, sides[i].0, (i, true), along(pb), &ports)
                    && straight_free(along(pb))
                {
                    pa = moved(pa, along(pb));
                    ports.insert((i, true), pa);
                }
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
            (Side::Bottom, Side::Left) | (Side::Top, Side::Left) => {
                (vec![pa, Point { x: pa.x, y: pb.y }, pb], vec![])
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
        // Where two runs have stubs at one height, the one whose stub reaches back to the
        // lower side (left in a column gap, up in a row gap) takes the lower track, so the
        // stubs meet end to end instead of running over each other.
        let stubs = |r: usize, seg: usize| -> Vec<(bool, f32)> {
            let pts = &routes[r];
            let before = seg.checked_sub(1).map(|s| (pts[s], pts[seg]));
            let after = pts.get(seg + 2).map(|&p| (p, pts[seg + 1]));
            [before, after]
                .into_iter()
                .flatten()
                .map(|(far, at)| match ch {
                    Channel::Column(_) => (far.x < at.x, at.y),
                    Channel::Row(_) => (far.y < at.y, at.x),
                })
                .collect()
        };
        list.sort_by(|a, b| {
            a.0.total_cmp(&b.0)
                .then(a.1.total_cmp(&b.1))
                .then(a.2.cmp(&b.2))
        });
        let stub_lists: Vec<Vec<(bool, f32)>> = list.iter().map(|x| stubs(x.2, x.3)).collect();
        let must_precede = |b: usize, a: usize| {
            stub_lists[b].iter().any(|&(low_b, cb)| {
                low_b
                    && stub_lists[a]
                        .iter()
                        .any(|&(low_a, ca)| !low_a && (ca - cb).abs() < 0.5)
            })
        };
        // Runs in order, each after every run that must lie below it (a cycle is cut in
        // list order).
        let mut order: Vec<usize> = Vec::new();
        let mut done = vec![false; list.len()];
        while order.len() < list.len() {
            let next = (0..list.len())
                .filter(|&x| !done[x])
                .find(|&x| (0..list.len()).all(|y| done[y] || y == x || !must_precede(y, x)))
                .or_else(|| (0..list.len()).find(|&x| !done[x]))
                .unwrap_or(0);
            done[next] = true;
            order.push(next);
        }
        let mut tracks: Vec<Vec<(f32, f32)>> = Vec::new();
        let mut track_of = vec![0usize; list.len()];
        let mut assigned = Vec::new();
        for &x in &order {
            let (lo, hi, r, seg) = list[x];
            let floor = order
                .iter()
                .take_while(|&&y| y != x)
                .filter(|&&y| must_precede(y, x))
                .map(|&y| track_of[y] + 1)
                .max()
                .unwrap_or(0);
            let t = (floor..)
                .find(|&t| {
                    tracks
                        .get(t)
                        .is_none_or(|used| used.iter().all(|&(l, h)| h + 6.0 < lo || hi + 6.0 < l))
                })
                .unwrap_or(floor);
            while tracks.len() <= t {
                tracks.push(Vec::new());
            }
            tracks[t].push((lo, hi));
            track_of[x] = t;
            assigned.push((t, r, seg));
        }
        let track_end = tracks;
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
    separate_overlaps(ir, &mut routes, &tags, &rects, sides);
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
        sides: sides.clone(),
    }
}
