//! The key of a diagram: what its shapes, lines and marks mean.
//!
//! In: a laid-out [`Scene`]. Out: the entries of its legend, each a small SVG swatch drawn by
//! [`super::svg`] with the same marks as the diagram, and the words that explain it. Only
//! what the diagram uses is listed, in a fixed order, so two diagrams with the same
//! vocabulary get the same key. The page wraps the entries in HTML ([`crate::figure`]).
//!
//! Node kinds are listed by their glyph and colour; line styles, timeline marks and the
//! "NEW" badge by a short sample. Labels the author wrote (group titles, notes) explain
//! themselves and are not repeated here.

use super::ir::{Arrow, EdgeStyle, Flavor, NodeKind};
use super::scene::{Item, Point, Rect, Scene, Shape, num};
use super::svg;

/// One entry of the key.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// A standalone `<svg>` of [`SWATCH_W`] × [`SWATCH_H`], hidden from assistive technology
    /// (the words say it all).
    pub swatch: String,
    /// What the swatch stands for.
    pub text: &'static str,
}

/// Swatch width in CSS pixels.
pub const SWATCH_W: f32 = 34.0;
/// Swatch height in CSS pixels.
pub const SWATCH_H: f32 = 20.0;

/// The entries for everything `scene` draws that needs a key.
pub fn entries(scene: &Scene) -> Vec<Entry> {
    let mut out = Vec::new();
    let uses = |pred: &dyn Fn(&Shape) -> bool| scene.items.iter().any(|i| pred(&i.shape));
    // WORDS lists aliases too (`db`, `log`): each kind once, in the order of its first word.
    let mut seen = Vec::new();
    for &(_, kind) in NodeKind::WORDS {
        if kind == NodeKind::Note || seen.contains(&kind) {
            continue;
        }
        seen.push(kind);
        if uses(&|s| matches!(s, Shape::Node { kind: k, .. } if *k == kind)) {
            out.push(Entry {
                swatch: node_swatch(kind),
                text: kind_text(kind),
            });
        }
    }
    let edge_styles = [
        (EdgeStyle::Sync, "request, waits for the answer"),
        (EdgeStyle::Async, "message, does not wait"),
        (EdgeStyle::Replicate, "copies data (replication)"),
        (EdgeStyle::Both, "both directions"),
    ];
    for (style, text) in edge_styles {
        if uses(&|s| matches!(s, Shape::Edge { style: st, .. } if *st == style)) {
            out.push(Entry {
                swatch: line_swatch(Shape::Edge {
                    style,
                    points: vec![pt(3.0, 10.0), pt(SWATCH_W - 3.0, 10.0)],
                    label: None,
                }),
                text,
            });
        }
    }
    let arrows = [
        (Arrow::Sync, "message"),
        (Arrow::Async, "message, not waited for"),
        (Arrow::Lost, "message lost"),
    ];
    for (arrow, text) in arrows {
        let same = |a: Arrow| match arrow {
            Arrow::Sync => matches!(a, Arrow::Sync | Arrow::Both | Arrow::Replicate),
            _ => a == arrow,
        };
        if uses(&|s| matches!(s, Shape::Message { arrow: a, .. } if same(*a))) {
            out.push(Entry {
                swatch: line_swatch(Shape::Message {
                    from: pt(3.0, 10.0),
                    to: pt(SWATCH_W - 5.0, 10.0),
                    arrow,
                    label: None,
                }),
                text,
            });
        }
    }
    for (what, text) in [("crash", "crash"), ("recover", "restart")] {
        if uses(&|s| matches!(s, Shape::Mark { what: w, .. } if *w == what)) {
            out.push(Entry {
                swatch: line_swatch(Shape::Mark {
                    what,
                    at: pt(SWATCH_W / 2.0, 10.0),
                    down_to: None,
                    label: None,
                }),
                text,
            });
        }
    }
    // A log: the term in each box, its index above; committed entries filled.
    for (committed, text) in [
        (false, "log entry: term, index above"),
        (true, "committed entry"),
    ] {
        if uses(&|s| matches!(s, Shape::Log { cells, .. } if cells.iter().any(|c| c.committed == committed))) {
            out.push(Entry {
                swatch: format!(
                    "{}<rect class=\"ds-lc{}\" x=\"9\" y=\"2\" width=\"16\" height=\"16\" rx=\"3\"/><text class=\"ds-lv\" x=\"17\" y=\"14\" text-anchor=\"middle\">2</text></svg>",
                    open(),
                    if committed { " ds-lcc" } else { "" }
                ),
                text,
            });
        }
    }
    if uses(&|s| matches!(s, Shape::Partition { .. })) {
        out.push(Entry {
            swatch: line_swatch(Shape::Partition {
                points: (0..5)
                    .map(|i| pt(SWATCH_W / 2.0 + if i % 2 == 0 { -3.0 } else { 3.0 }, 2.0 + i as f32 * 4.0))
                    .collect(),
                label: None,
            }),
            text: "network partition",
        });
    }
    if scene.flavor == Flavor::Architecture && scene.stages.len() > 1 && scene.items.iter().any(|i| i.is_new) {
        out.push(Entry {
            swatch: badge_swatch(),
            text: "new in this stage",
        });
    }
    out
}

fn kind_text(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Client => "client",
        NodeKind::Browser => "browser",
        NodeKind::Mobile => "mobile app",
        NodeKind::Cdn => "CDN",
        NodeKind::Dns => "DNS",
        NodeKind::Lb => "load balancer",
        NodeKind::Gateway => "gateway",
        NodeKind::Service => "service",
        NodeKind::Worker => "worker",
        NodeKind::Database => "database",
        NodeKind::Cache => "cache",
        NodeKind::Queue => "queue or log",
        NodeKind::Stream => "stream",
        NodeKind::Bucket => "object store",
        NodeKind::Search => "search index",
        NodeKind::Scheduler => "scheduler",
        NodeKind::Coordinator => "coordinator",
        NodeKind::External => "external party",
        NodeKind::Note => "note",
    }
}

fn pt(x: f32, y: f32) -> Point {
    Point { x, y }
}

fn open() -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"ds ds-key\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" aria-hidden=\"true\" focusable=\"false\">",
        w = num(SWATCH_W),
        h = num(SWATCH_H)
    )
}

fn node_swatch(kind: NodeKind) -> String {
    let frame = Rect { x: 5.5, y: 0.5, w: 23.0, h: 19.0 };
    format!(
        "{}<g class=\"ds-n ds-k-{}\"><rect class=\"ds-sh\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"4\"/><path class=\"ds-gl\" d=\"{}\" transform=\"translate(9 2)\"/></g></svg>",
        open(),
        kind.word(),
        num(frame.x),
        num(frame.y),
        num(frame.w),
        num(frame.h),
        svg::glyph(kind)
    )
}

fn line_swatch(shape: Shape) -> String {
    let item = Item {
        key: String::new(),
        ends: None,
        first: 0,
        end: 1,
        is_new: false,
        shape,
    };
    format!("{}<g>{}</g></svg>", open(), svg::draw_alone(&item))
}

fn badge_swatch() -> String {
    format!(
        "{}<rect class=\"ds-hb\" x=\"2\" y=\"3\" width=\"30\" height=\"14\" rx=\"7\"/><text class=\"ds-ht\" x=\"17\" y=\"13.5\" text-anchor=\"middle\">NEW</text></svg>",
        open()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagram::compile;

    fn texts(src: &str) -> Vec<&'static str> {
        let diagram = compile("t.dsd", src).diagram.expect("compiles");
        entries(diagram.scene()).into_iter().map(|e| e.text).collect()
    }

    #[test]
    fn lists_only_what_the_diagram_uses() {
        let src = "diagram \"t\"\nstage \"One\"\ncaption \"c\"\nservice a \"A\"\ndatabase b \"B\"\na -> b\nstage \"Two\"\ncaption \"c\"\ncache k \"K\"\na ~> k\n";
        assert_eq!(
            texts(src),
            ["service", "database", "cache", "request, waits for the answer", "message, does not wait", "new in this stage"]
        );
    }

    #[test]
    fn a_timeline_keys_its_marks() {
        let src = "timeline \"t\"\nlane a \"A\"\nlane b \"B\"\na@1 -> b@2 \"m\"\na@2 -x b@3 \"lost\"\ncrash b@4 \"down\"\n";
        let got = texts(src);
        assert!(got.contains(&"message") && got.contains(&"message lost") && got.contains(&"crash"), "{got:?}");
    }

    #[test]
    fn swatches_are_standalone_hidden_svgs() {
        let src = "diagram \"t\"\nservice a \"A\"\nqueue q \"Q\"\na ~> q\n";
        let diagram = compile("t.dsd", src).diagram.expect("compiles");
        for e in entries(diagram.scene()) {
            assert!(e.swatch.starts_with("<svg ") && e.swatch.ends_with("</svg>"), "{}", e.swatch);
            assert!(e.swatch.contains("aria-hidden=\"true\""));
            assert!(!e.swatch.contains('\n'), "one line, so Markdown cannot split it");
        }
    }
}
