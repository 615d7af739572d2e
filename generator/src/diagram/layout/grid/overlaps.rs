//! Step 6 (end), overlaps: edges parted where they would run along one line.
//!
//! In: the [`Ir`], routed bend lists with their channel tags, node boxes and sides. Out: the
//! same routes, changed in place: two edges whose stubs lie on one line swap tracks, or one
//! moves an end along its node side, whenever that lowers the number of such pairs.

use crate::diagram::ir::Ir;
use crate::diagram::scene::{PORT_GAP, Point, Rect, Side, collinear_overlap};

use super::routing::Channel;
use super::*;

/// Whether two routes run along each other for more than a pixel.
fn run_along(a: &[Point], b: &[Point]) -> bool {
    a.windows(2).any(|p| {
        b.windows(2)
            .any(|q| collinear_overlap(p[0], p[1], q[0], q[1]) > 1.0)
    })
}

/// Two edges whose stubs run along each other in a gap they share (one's stub at the height
/// where the other turns) swap tracks there, when that parts them and troubles nobody else.
pub(super) fn separate_overlaps(
    ir: &Ir,
    routes: &mut [Vec<Point>],
    tags: &[Vec<(usize, Channel)>],
    rects: &[Rect],
    sides: &[(Side, Side)],
) {
    let shown_with = |i: usize, j: usize| {
        let (fi, ei) = edge_life(ir, i);
        let (fj, ej) = edge_life(ir, j);
        fi < ej && fj < ei
    };
    let overlaps = |routes: &[Vec<Point>]| {
        (0..routes.len())
            .flat_map(|i| (i + 1..routes.len()).map(move |j| (i, j)))
            .filter(|&(i, j)| shown_with(i, j) && run_along(&routes[i], &routes[j]))
            .count()
    };
    for i in 0..routes.len() {
        for j in i + 1..routes.len() {
            if !shown_with(i, j) || !run_along(&routes[i], &routes[j]) {
                continue;
            }
            for &(si, ch) in &tags[i] {
                let Some(&(sj, _)) = tags[j].iter().find(|t| t.1 == ch) else {
                    continue;
                };
                let before = overlaps(routes);
                let at = |r: &[Point], s: usize| match ch {
                    Channel::Column(_) => r[s].x,
                    Channel::Row(_) => r[s].y,
                };
                let set = |r: &mut Vec<Point>, s: usize, v: f32| match ch {
                    Channel::Column(_) => {
                        r[s].x = v;
                        r[s + 1].x = v;
                    }
                    Channel::Row(_) => {
                        r[s].y = v;
                        r[s + 1].y = v;
                    }
                };
                let (ai, aj) = (at(&routes[i], si), at(&routes[j], sj));
                set(&mut routes[i], si, aj);
                set(&mut routes[j], sj, ai);
                let after = overlaps(routes);
                if after < before {
                    break;
                }
                set(&mut routes[i], si, ai);
                set(&mut routes[j], sj, aj);
            }
        }
    }
    // Two edges crossing between the same two heights in opposite directions share a track
    // whatever the order; one of them moves an end along its side, where the side has room.
    for i in 0..routes.len() {
        for j in i + 1..routes.len() {
            if !shown_with(i, j) || !run_along(&routes[i], &routes[j]) {
                continue;
            }
            'nudge: for e in [j, i] {
                let n = routes[e].len();
                if n < 3 {
                    continue;
                }
                let edge = &ir.edges[e];
                for (node, side, end, next) in [
                    (edge.to, sides[e].1, n - 1, n - 2),
                    (edge.from, sides[e].0, 0, 1),
                ] {
                    let r = rects[node];
                    let across = |p: Point| match side {
                        Side::Left | Side::Right => p.y,
                        Side::Top | Side::Bottom => p.x,
                    };
                    let (lo, hi) = match side {
                        Side::Left | Side::Right => (r.y + PORT_MARGIN, r.bottom() - PORT_MARGIN),
                        Side::Top | Side::Bottom => (r.x + PORT_MARGIN, r.right() - PORT_MARGIN),
                    };
                    // The other ends on this side, of edges shown with this one.
                    let others: Vec<f32> = (0..routes.len())
                        .filter(|&k| k != e && shown_with(k, e))
                        .flat_map(|k| {
                            let m = routes[k].len();
                            let ek = &ir.edges[k];
                            [(ek.from, sides[k].0, 0), (ek.to, sides[k].1, m - 1)]
                                .into_iter()
                                .filter(|&(v, s, _)| v == node && s == side)
                                .map(move |(_, _, at)| at)
                                .map(|at| across(routes[k][at]))
                                .collect::<Vec<_>>()
                        })
                        .collect();
                    let here = across(routes[e][end]);
                    for delta in [PORT_GAP / 2.0, -PORT_GAP / 2.0] {
                        let to = here + delta;
                        if to < lo || to > hi || others.iter().any(|&o| (o - to).abs() < PORT_GAP) {
                            continue;
                        }
                        let before = overlaps(routes);
                        let saved = (routes[e][end], routes[e][next]);
                        for p in [end, next] {
                            match side {
                                Side::Left | Side::Right => routes[e][p].y = to,
                                Side::Top | Side::Bottom => routes[e][p].x = to,
                            }
                        }
                        if overlaps(routes) < before {
                            break 'nudge;
                        }
                        routes[e][end] = saved.0;
                        routes[e][next] = saved.1;
                    }
                }
            }
        }
    }
}
