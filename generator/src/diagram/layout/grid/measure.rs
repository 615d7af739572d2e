//! Step 1, measure: node sizes from the font's advance widths.
//!
//! In: one node of the [`Ir`] (all its versions). Out: the width and height that fit every
//! version's text, and, for notes, each version's wrapped lines.

use crate::diagram::font::{self, Weight};
use crate::diagram::ir::NodeKind;

use super::*;

/// Width, height and, for notes, the wrapped lines of each version.
pub(super) fn measure(node: &crate::diagram::ir::Node) -> (f32, f32, Vec<Vec<String>>) {
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
    let h = if node.kind == NodeKind::Database {
        DATABASE_H
    } else {
        NODE_H
    };
    (w, h, lines)
}

/// Width of the ` ×N` written after a replicated node's name, gap included.
pub fn replica_badge_width(replicas: u32) -> f32 {
    REPLICA_GAP + font::width(&format!("×{replicas}"), REPLICA_PX, Weight::Semibold)
}

/// Space between a node's name and its replica count.
pub const REPLICA_GAP: f32 = 5.0;
/// Size of a replica count.
pub const REPLICA_PX: f32 = 12.5;
