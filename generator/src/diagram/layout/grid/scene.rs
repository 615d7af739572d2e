//! Step 8, scene: the routed grid → drawn items.
//!
//! In: the [`Ir`], node sizes and the final [`Routing`]. Out: the [`Scene`]: one item per
//! version of every group, edge and node, with absolute geometry, and the view box.

use crate::diagram::font::{self, Weight};
use crate::diagram::ir::{Ir, NodeKind};
use crate::diagram::layout::pill;
use crate::diagram::scene::{
    Anchor, Item, LID, Label, Point, Rect, Scene, Shape, Text, border_point,
};

use super::routing::Routing;
use super::*;

pub(super) fn build(ir: &Ir, sizes: &[(f32, f32, Vec<Vec<String>>)], routing: &Routing) -> Scene {
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
            // The ends sit on the outlines the nodes have in each stage: a node that gains a
            // replica stack gains outline up and to the right, so the version is split there.
            let mut cuts: Vec<usize> = [e.from, e.to]
                .iter()
                .flat_map(|&n| ir.nodes[n].versions.iter().map(|nv| nv.first))
                .filter(|&s| s > v.first && s < v.end)
                .collect();
            cuts.push(v.first);
            cuts.push(v.end);
            cuts.sort_unstable();
            cuts.dedup();
            let mut last: Option<Vec<Point>> = None;
            for w in cuts.windows(2) {
                let (s0, s1) = (w[0], w[1]);
                let points = attach(ir, routing, i, s0);
                if let Some(prev) = &last
                    && *prev == points
                    && let Some(Item { end, .. }) = items.last_mut()
                {
                    *end = s1;
                    continue;
                }
                last = Some(points.clone());
                items.push(Item {
                    key: format!("{from}->{to}"),
                    ends: Some((from.clone(), to.clone())),
                    first: s0,
                    end: s1,
                    is_new: is_new(v.first) && s0 == v.first,
                    shape: Shape::Edge {
                        style: e.style,
                        points,
                        label: label.clone(),
                    },
                });
            }
        }
    }
    for (i, node) in ir.nodes.iter().enumerate() {
        for (k, v) in node.versions.iter().enumerate() {
            let lines = sizes[i]
                .2
                .get(k)
                .cloned()
                .unwrap_or_else(|| vec![v.props.label.clone()]);
            let rect = routing.rects[i];
            let sub = v.props.sub.clone();
            let (texts, glyph) =
                node_texts(node.kind, &rect, &lines, sub.as_deref(), v.props.replicas);
            items.push(Item {
                key: node.id.clone(),
                ends: None,
                first: v.first,
                end: v.end,
                is_new: is_new(v.first),
                shape: Shape::Node {
                    kind: node.kind,
                    rect,
                    lines,
                    sub,
                    replicas: v.props.replicas,
                    texts,
                    glyph,
                },
            });
        }
    }
    crate::diagram::layout::finish(ir, items, MARGIN)
}

/// Places a node's texts and its glyph (top-left corner of the 16×16 icon). The name and
/// subtitle are centred on the middle of the area inside the outline: below the lid for a
/// database.
pub(super) fn node_texts(
    kind: NodeKind,
    r: &Rect,
    lines: &[String],
    sub: Option<&str>,
    replicas: u32,
) -> (Vec<Text>, Point) {
    let text = |x: f32, y: f32, size: f32, weight: Weight, class: &'static str, s: &str| Text {
        x,
        y,
        anchor: Anchor::Start,
        size,
        weight,
        class,
        text: s.to_string(),
        w: font::width(s, size, weight),
    };
    if kind == NodeKind::Note {
        let texts = lines
            .iter()
            .enumerate()
            .map(|(i, line)| {
                let y = r.y + NOTE_PAD + NOTE_PX + i as f32 * NOTE_LINE;
                text(r.x + NOTE_PAD, y, NOTE_PX, Weight::Regular, "ds-nt", line)
            })
            .collect();
        return (texts, Point { x: r.x, y: r.y });
    }
    let mid = if kind == NodeKind::Database {
        r.y + (r.h + LID) / 2.0
    } else {
        r.y + r.h / 2.0
    };
    let name = lines.first().map_or("", String::as_str);
    let x = r.x + TEXT_LEFT;
    let mut texts = Vec::new();
    let name_y = match sub {
        Some(sub) => {
            texts.push(text(x, mid - 1.5, NAME_PX, Weight::Semibold, "ds-t", name));
            texts.push(text(
                x,
                mid + SUB_PX + 2.0,
                SUB_PX,
                Weight::Regular,
                "ds-u",
                sub,
            ));
            mid - 1.5
        }
        None => {
            texts.push(text(
                x,
                mid + NAME_PX * 0.36,
                NAME_PX,
                Weight::Semibold,
                "ds-t",
                name,
            ));
            mid + NAME_PX * 0.36
        }
    };
    if replicas > 1 {
        // The count follows the name on its line, so it never hides other text.
        let rx = x + font::width(name, NAME_PX, Weight::Semibold) + REPLICA_GAP;
        texts.push(text(
            rx,
            name_y,
            REPLICA_PX,
            Weight::Semibold,
            "ds-u ds-rp",
            &format!("×{replicas}"),
        ));
    }
    (
        texts,
        Point {
            x: r.x + 12.0,
            y: mid - 8.0,
        },
    )
}

/// The route of edge `e` with its ends moved onto the outlines its nodes have in `stage`.
fn attach(ir: &Ir, routing: &Routing, e: usize, stage: usize) -> Vec<Point> {
    let mut points = routing.routes[e].clone();
    let n = points.len();
    if n < 2 {
        return points;
    }
    let edge = &ir.edges[e];
    let replicas = |v: usize| {
        ir.nodes[v]
            .versions
            .iter()
            .find(|nv| (nv.first..nv.end).contains(&stage))
            .map_or(1, |nv| nv.props.replicas)
    };
    let (sa, sb) = routing.sides[e];
    points[0] = border_point(
        ir.nodes[edge.from].kind,
        &routing.rects[edge.from],
        replicas(edge.from),
        sa,
        points[0],
    );
    points[n - 1] = border_point(
        ir.nodes[edge.to].kind,
        &routing.rects[edge.to],
        replicas(edge.to),
        sb,
        points[n - 1],
    );
    for p in [0, n - 1] {
        points[p] = Point {
            x: (points[p].x * 100.0).round() / 100.0,
            y: (points[p].y * 100.0).round() / 100.0,
        };
    }
    points
}
