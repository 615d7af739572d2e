//! Step 7, labels: a spot for every edge label.
//!
//! In: the [`Ir`] and a [`Routing`]. Out: the routing's labels filled in, and the edges whose
//! label found no spot (the caller widens a gap for each and routes again). Each label takes
//! the first spot along its edge that overlaps no node, label or group title.

use crate::diagram::font::{self, Weight};
use crate::diagram::ir::Ir;
use crate::diagram::layout::pill;
use crate::diagram::scene::{Label, Point, Rect};

use super::routing::Routing;
use super::*;

/// Places each edge's label (the longest of its versions decides the spot); returns the edges
/// whose label found no spot clear of nodes, labels and other edges, with the label's width.
pub(super) fn place_labels(ir: &Ir, routing: &mut Routing) -> Vec<(usize, f32)> {
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
                font::width(a, crate::diagram::layout::LABEL_PX, Weight::Regular).total_cmp(
                    &font::width(b, crate::diagram::layout::LABEL_PX, Weight::Regular),
                )
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
                    .filter(|&(j, _)| {
                        let (jf, je) = edge_life(ir, j);
                        j != i && jf < ee && ef < je
                    })
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
        // A spot another edge runs through is kept only if no gap can be widened any more.
        match best {
            Some((crossings, label)) => {
                if crossings > 0 {
                    failed.push((i, label.rect.w));
                }
                placed.push((label.rect, edge_life(ir, i)));
                routing.labels[i] = Some(label);
            }
            None => failed.push((i, pill(text, 0.0, 0.0).rect.w)),
        }
    }
    failed
}
