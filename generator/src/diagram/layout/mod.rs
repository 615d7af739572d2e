//! Layout: [`Ir`] → [`Scene`].
//!
//! In: a resolved diagram. Out: absolute geometry for every version of every element. The
//! union of all stages is laid out once, so positions and the view box are the same in every
//! stage and nothing jumps when a reader steps through them.
//!
//! Architecture diagrams go through [`grid`]: measure → rank into columns → rows (chains on
//! one row, stages placed in order) → compaction → route edges orthogonally to exact outline
//! points → place labels, widening gaps and routing again until every label fits → scene, with
//! every node text placed. Timelines go through [`timeline`].

pub mod grid;
pub mod timeline;

use super::ir::{Flavor, Ir};
use super::scene::{Label, Rect, Scene};

/// Lays out a resolved diagram.
pub fn layout(ir: &Ir) -> Scene {
    match ir.flavor {
        Flavor::Architecture => grid::layout(ir),
        Flavor::Timeline => timeline::layout(ir),
    }
}

/// Size of edge, message and event labels.
pub const LABEL_PX: f32 = 11.5;
/// Horizontal padding inside a label pill.
pub const LABEL_PAD_X: f32 = 5.0;
/// Height of a label pill.
pub const LABEL_H: f32 = 17.0;

/// A label pill for `text` centred at (`cx`, `cy`).
pub fn pill(text: &str, cx: f32, cy: f32) -> Label {
    let w = super::font::width(text, LABEL_PX, super::font::Weight::Regular) + 2.0 * LABEL_PAD_X;
    Label {
        text: text.to_string(),
        rect: Rect {
            x: cx - w / 2.0,
            y: cy - LABEL_H / 2.0,
            w,
            h: LABEL_H,
        },
    }
}

/// The camera of one stage (0-based): the view box around what that stage shows, with the
/// same margin as the whole diagram. Positions stay those of the whole layout, so nothing
/// moves between stages; only the window onto them grows with the diagram. A stage that
/// shows nothing gets the whole view.
pub fn stage_view(scene: &Scene, stage: usize) -> Rect {
    let mut shown = scene.items.iter().filter(|item| item.shown_in(stage)).peekable();
    if shown.peek().is_none() {
        return scene.view;
    }
    let margin = match scene.flavor {
        Flavor::Architecture => grid::MARGIN,
        Flavor::Timeline => timeline::MARGIN,
    };
    bounds(shown, margin)
}

/// The scene of laid-out `items`: the diagram's title, flavour and stages, and the view box
/// around everything drawn. Both layouts end here.
fn finish(ir: &Ir, items: Vec<super::scene::Item>, margin: f32) -> Scene {
    Scene {
        title: ir.title.clone(),
        flavor: ir.flavor,
        stages: ir.stages.clone(),
        view: bounds(&items, margin),
        items,
    }
}

/// The view box around everything drawn, with a margin.
pub fn bounds<'a>(
    scene_items: impl IntoIterator<Item = &'a super::scene::Item>,
    margin: f32,
) -> Rect {
    use super::scene::Shape;
    let mut acc: Option<Rect> = None;
    let mut add = |r: Rect| acc = Some(acc.map_or(r, |a| a.union(&r)));
    for item in scene_items {
        if let Some(r) = item.solid() {
            add(r);
        }
        if let Some(l) = item.label() {
            add(l.rect);
        }
        match &item.shape {
            Shape::Edge { points, .. } | Shape::Partition { points, .. } => {
                for p in points {
                    add(Rect {
                        x: p.x - 6.0,
                        y: p.y - 6.0,
                        w: 12.0,
                        h: 12.0,
                    });
                }
            }
            Shape::Group { rect, .. } | Shape::Period { rect, .. } => add(*rect),
            Shape::Lane { top, bottom, .. } => add(Rect {
                x: top.x,
                y: top.y,
                w: 1.0,
                h: bottom - top.y,
            }),
            Shape::Message { from, to, .. } => {
                add(Rect {
                    x: from.x.min(to.x),
                    y: from.y.min(to.y),
                    w: (from.x - to.x).abs(),
                    h: (from.y - to.y).abs(),
                });
            }
            Shape::Mark { at, .. } => add(Rect {
                x: at.x - 8.0,
                y: at.y - 8.0,
                w: 16.0,
                h: 16.0,
            }),
            Shape::Node { .. } | Shape::Log { .. } => {}
        }
    }
    let r = acc.unwrap_or_default();
    // Whole numbers keep the view box short and identical wherever it is printed.
    let x = (r.x - margin).floor();
    let y = (r.y - margin).floor();
    Rect {
        x,
        y,
        w: (r.right() + margin).ceil() - x,
        h: (r.bottom() + margin).ceil() - y,
    }
}
