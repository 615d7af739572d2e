//! Timeline layout: a resolved space-time diagram → a scene of lanes, messages and marks.
//!
//! In: an [`Ir`] of flavor timeline. Out: a [`Scene`]. Lanes are columns with a header box,
//! time runs down the page (one time unit is a fixed number of pixels), messages are straight
//! arrows from the sender's lane at the send time to the receiver's lane at the receive time.
//! Labels try a few spots each (beside a mark, along a message) and take the first that
//! overlaps no header, dot or other label, preferring spots that cross no line; when some
//! label finds no spot, the time unit grows and the layout runs again.

use super::{LABEL_H, pill};
use crate::diagram::font::{self, Weight};
use crate::diagram::ir::{Arrow, Ir, MarkKind};
use crate::diagram::scene::{Item, Label, Point, Rect, Scene, Shape};

/// Lane header text size.
pub const HEADER_PX: f32 = 13.0;
/// Lane header height.
pub const HEADER_H: f32 = 28.0;
/// Smallest distance between lanes.
pub const MIN_LANE_GAP: f32 = 132.0;
/// Pixels per time unit to start with.
pub const UNIT: f32 = 30.0;
/// Margin around the drawing.
pub const MARGIN: f32 = 12.0;
/// How far a lost message travels before its cross, as a share of the way.
pub const LOST_AT: f32 = 0.8;

/// Lays out a timeline.
pub fn layout(ir: &Ir) -> Scene {
    let mut unit = UNIT;
    for _ in 0..8 {
        let (items, failures) = attempt(ir, unit);
        if failures == 0 {
            return finish(ir, items);
        }
        unit *= 1.2;
    }
    let (items, _) = attempt(ir, unit);
    finish(ir, items)
}

fn finish(ir: &Ir, items: Vec<Item>) -> Scene {
    let view = super::bounds(&items, MARGIN);
    Scene {
        title: ir.title.clone(),
        flavor: ir.flavor,
        stages: ir.stages.clone(),
        view,
        items,
    }
}

fn mark_label(ir: &Ir, m: usize) -> Option<&str> {
    ir.marks[m]
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
}

/// Whether segment `a`–`b` (any direction) passes through rectangle `r` (Liang–Barsky).
fn segment_hits(r: &Rect, a: Point, b: Point) -> bool {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let mut t0: f32 = 0.0;
    let mut t1: f32 = 1.0;
    for (p, q) in [
        (-dx, a.x - r.x),
        (dx, r.right() - a.x),
        (-dy, a.y - r.y),
        (dy, r.bottom() - a.y),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return false;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
            if t0 > t1 {
                return false;
            }
        }
    }
    true
}

fn attempt(ir: &Ir, unit: f32) -> (Vec<Item>, usize) {
    let header_w: Vec<f32> = ir
        .lanes
        .iter()
        .map(|l| {
            let w = l
                .versions
                .iter()
                .map(|v| font::width(&v.props, HEADER_PX, Weight::Semibold))
                .fold(0.0, f32::max);
            (w + 24.0).max(48.0).ceil()
        })
        .collect();
    let gap = header_w.iter().fold(MIN_LANE_GAP, |g, w| g.max(w + 24.0));
    let first_x = MARGIN + header_w.first().copied().unwrap_or(48.0) / 2.0 + 4.0;
    let lane_x: Vec<f32> = (0..ir.lanes.len())
        .map(|i| (first_x + i as f32 * gap).round())
        .collect();
    let top = MARGIN;
    let t0 = top + HEADER_H + 22.0;
    let y = |t: f64| (t0 + t as f32 * unit).round();
    let max_t = ir
        .marks
        .iter()
        .map(|m| match m.kind {
            MarkKind::Message { received, .. } => received,
            MarkKind::Event { at, .. }
            | MarkKind::Crash { at, .. }
            | MarkKind::Recover { at, .. } => at,
            MarkKind::Period { to, .. } | MarkKind::Partition { to, .. } => to,
        })
        .fold(0.0f64, f64::max);
    let bottom = y(max_t) + 26.0;

    let headers: Vec<Rect> = (0..ir.lanes.len())
        .map(|i| Rect {
            x: lane_x[i] - header_w[i] / 2.0,
            y: top,
            w: header_w[i],
            h: HEADER_H,
        })
        .collect();
    // Obstacles every label must avoid: headers, dots, and labels placed so far.
    let mut hard: Vec<Rect> = headers.clone();
    // Lines a label should rather not cover.
    let mut lines: Vec<(Point, Point)> = (0..ir.lanes.len())
        .map(|i| {
            (
                Point {
                    x: lane_x[i],
                    y: top + HEADER_H,
                },
                Point {
                    x: lane_x[i],
                    y: bottom,
                },
            )
        })
        .collect();
    let mut geometry: Vec<(Point, Point)> = Vec::with_capacity(ir.marks.len());
    for m in &ir.marks {
        let g = match m.kind {
            MarkKind::Message {
                from,
                sent,
                to,
                received,
                arrow,
            } => {
                let a = Point {
                    x: lane_x[from],
                    y: y(sent),
                };
                let mut b = Point {
                    x: lane_x[to],
                    y: y(received),
                };
                if arrow == Arrow::Lost {
                    b = Point {
                        x: (a.x + (b.x - a.x) * LOST_AT).round(),
                        y: (a.y + (b.y - a.y) * LOST_AT).round(),
                    };
                }
                lines.push((a, b));
                (a, b)
            }
            MarkKind::Event { lane, at }
            | MarkKind::Crash { lane, at }
            | MarkKind::Recover { lane, at } => {
                let p = Point {
                    x: lane_x[lane],
                    y: y(at),
                };
                hard.push(Rect {
                    x: p.x - 7.0,
                    y: p.y - 7.0,
                    w: 14.0,
                    h: 14.0,
                });
                (p, p)
            }
            MarkKind::Period { lane, from, to } => (
                Point {
                    x: lane_x[lane],
                    y: y(from),
                },
                Point {
                    x: lane_x[lane],
                    y: y(to),
                },
            ),
            MarkKind::Partition {
                left,
                right,
                from,
                to,
            } => {
                let x = ((lane_x[left] + lane_x[right]) / 2.0).round();
                let (a, b) = (Point { x, y: y(from) }, Point { x, y: y(to) });
                lines.push((a, b));
                (a, b)
            }
        };
        geometry.push(g);
    }

    let mut labels: Vec<Option<Label>> = vec![None; ir.marks.len()];
    let mut failures = 0;
    // Marks on lanes first: their spots are few; messages have the whole line to choose from.
    let mut order: Vec<usize> = (0..ir.marks.len()).collect();
    order.sort_by_key(|&m| usize::from(matches!(ir.marks[m].kind, MarkKind::Message { .. })));
    for m in order {
        let Some(text) = mark_label(ir, m) else {
            continue;
        };
        let (a, b) = geometry[m];
        let w = pill(text, 0.0, 0.0).rect.w;
        let mut candidates: Vec<Point> = Vec::new();
        match ir.marks[m].kind {
            MarkKind::Message { .. } => {
                for f in [0.5f32, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78] {
                    candidates.push(Point {
                        x: a.x + (b.x - a.x) * f,
                        y: a.y + (b.y - a.y) * f,
                    });
                }
            }
            MarkKind::Period { .. } => {
                let mid = (a.y + b.y) / 2.0;
                for cy in [mid, a.y + LABEL_H, b.y - LABEL_H] {
                    candidates.push(Point {
                        x: a.x + 10.0 + w / 2.0,
                        y: cy,
                    });
                    candidates.push(Point {
                        x: a.x - 10.0 - w / 2.0,
                        y: cy,
                    });
                }
            }
            MarkKind::Partition { .. } => {
                candidates.push(Point {
                    x: a.x,
                    y: a.y - LABEL_H / 2.0 - 3.0,
                });
                candidates.push(Point {
                    x: a.x,
                    y: (a.y + b.y) / 2.0,
                });
                candidates.push(Point {
                    x: b.x,
                    y: b.y + LABEL_H / 2.0 + 3.0,
                });
            }
            _ => {
                for dy in [0.0f32, -LABEL_H, LABEL_H] {
                    candidates.push(Point {
                        x: a.x + 11.0 + w / 2.0,
                        y: a.y + dy,
                    });
                    candidates.push(Point {
                        x: a.x - 11.0 - w / 2.0,
                        y: a.y + dy,
                    });
                }
            }
        }
        let mut best: Option<(usize, Label)> = None;
        for c in candidates {
            let label = pill(text, c.x.round(), c.y.round());
            let r = label.rect;
            if r.x < MARGIN || r.y < top || hard.iter().any(|h| h.inflate(2.0).overlaps(&r)) {
                continue;
            }
            let own = matches!(
                ir.marks[m].kind,
                MarkKind::Message { .. } | MarkKind::Partition { .. }
            );
            let crossings = lines
                .iter()
                .filter(|(p, q)| !(own && *p == a && *q == b))
                .filter(|(p, q)| segment_hits(&r.inflate(1.0), *p, *q))
                .count();
            if best.as_ref().is_none_or(|(c0, _)| crossings < *c0) {
                best = Some((crossings, label));
            }
            if crossings == 0 {
                break;
            }
        }
        match best {
            // A label that has to sit on two or more lines is unreadable: try more room.
            Some((crossings, label)) => {
                if crossings > 1 {
                    failures += 1;
                }
                hard.push(label.rect);
                labels[m] = Some(label);
            }
            None => failures += 1,
        }
    }

    let mut items = Vec::new();
    let is_new = |first: usize| first > 0;
    for (i, lane) in ir.lanes.iter().enumerate() {
        for v in &lane.versions {
            items.push(Item {
                key: lane.id.clone(),
                ends: None,
                first: v.first,
                end: v.end,
                is_new: is_new(v.first),
                shape: Shape::Lane {
                    header: headers[i],
                    text: v.props.clone(),
                    top: Point {
                        x: lane_x[i],
                        y: top + HEADER_H,
                    },
                    bottom,
                },
            });
        }
    }
    // Periods and partitions under messages, marks on top.
    let layer = |k: &MarkKind| match k {
        // A crash draws its lane as down, which must not hide messages crossing the lane.
        MarkKind::Period { .. } | MarkKind::Partition { .. } | MarkKind::Crash { .. } => 0,
        MarkKind::Message { .. } => 1,
        _ => 2,
    };
    let mut order: Vec<usize> = (0..ir.marks.len()).collect();
    order.sort_by_key(|&m| (layer(&ir.marks[m].kind), m));
    for m in order {
        let mark = &ir.marks[m];
        let (a, b) = geometry[m];
        for v in &mark.versions {
            let label = match (&labels[m], &v.props) {
                (Some(spot), Some(text)) => {
                    let c = spot.rect.center();
                    Some(pill(text, c.x, c.y))
                }
                _ => None,
            };
            let shape = match mark.kind {
                MarkKind::Message { arrow, .. } => Shape::Message {
                    from: a,
                    to: b,
                    arrow,
                    label,
                },
                MarkKind::Event { .. } => Shape::Mark {
                    what: "event",
                    at: a,
                    down_to: None,
                    label,
                },
                MarkKind::Recover { .. } => Shape::Mark {
                    what: "recover",
                    at: a,
                    down_to: None,
                    label,
                },
                MarkKind::Crash { lane, at } => {
                    let until = ir
                        .marks
                        .iter()
                        .filter_map(|o| match o.kind {
                            MarkKind::Recover { lane: l, at: t } if l == lane && t > at => Some(t),
                            _ => None,
                        })
                        .fold(None, |acc: Option<f64>, t| {
                            Some(acc.map_or(t, |x| x.min(t)))
                        });
                    Shape::Mark {
                        what: "crash",
                        at: a,
                        down_to: Some(until.map_or(bottom, y)),
                        label,
                    }
                }
                MarkKind::Period { .. } => Shape::Period {
                    rect: Rect {
                        x: a.x - 5.0,
                        y: a.y,
                        w: 10.0,
                        h: b.y - a.y,
                    },
                    label,
                },
                MarkKind::Partition { .. } => {
                    let mut points = Vec::new();
                    let mut yy = a.y;
                    let mut left = true;
                    while yy < b.y {
                        points.push(Point {
                            x: a.x + if left { -5.0 } else { 5.0 },
                            y: yy,
                        });
                        yy += 8.0;
                        left = !left;
                    }
                    points.push(Point {
                        x: a.x + if left { -5.0 } else { 5.0 },
                        y: b.y,
                    });
                    Shape::Partition { points, label }
                }
            };
            items.push(Item {
                key: mark.key.clone(),
                ends: None,
                first: v.first,
                end: v.end,
                is_new: is_new(v.first),
                shape,
            });
        }
    }
    (items, failures)
}
