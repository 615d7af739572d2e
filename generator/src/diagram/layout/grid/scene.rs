//! Step 7, scene: the routed grid → drawn items.
//!
//! In: the [`Ir`], node sizes and the final [`Routing`]. Out: the [`Scene`]: one item per
//! version of every group, edge and node, with absolute geometry, and the view box.

use crate::diagram::ir::Ir;
use crate::diagram::layout::pill;
use crate::diagram::scene::{Item, Label, Scene, Shape};

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
    let view = crate::diagram::layout::bounds(&items, MARGIN);
    Scene {
        title: ir.title.clone(),
        flavor: ir.flavor,
        stages: ir.stages.clone(),
        view,
        items,
    }
}
