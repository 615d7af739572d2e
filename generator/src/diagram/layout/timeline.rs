//! Timeline layout: a resolved space-time diagram → a scene of lanes, logs, messages and marks.
//!
//! In: an [`Ir`] of flavor timeline. Out: a [`Scene`]. Lanes are columns with a header box and,
//! when the author gives one, the lane's log under the header. Time runs down the page in rows:
//! every distinct time the diagram uses is one row, [`PITCH`] pixels below the previous one, so
//! a gap between times the author wrote as 1 and 4 costs no more than one between 1 and 1.5.
//! Messages are straight arrows from the sender's lane at the send row to the receiver's lane
//! at the receive row.
//!
//! Labels try a few spots each (beside a mark; above or below a message near its tail, between
//! two lanes it crosses, or near its head) and take the first that overlaps no header, log, dot
//! or other label and that no line crosses: no lane, message, partition or crash line may run
//! through a label, its own message included. When some label finds no such spot, the rows
//! around its mark get more room and the layout runs again.
//!
//! Lane lines, crash lines and partitions are drawn once per stage, each only as long as that
//! stage's last row plus a small margin, so an early stage is a short figure at the top of the
//! view. Logs (`log s1 { 1 1 2 }`) sit between a lane's header and its line, one version per
//! `log` line, with the entries that changed since the previous stage marked.

use super::{LABEL_H, pill};
use crate::diagram::font::{self, Weight};
use crate::diagram::ir::{Arrow, Ir, MarkKind};
use crate::diagram::scene::{Item, Label, LogCell, Point, Rect, Scene, Shape};

/// Lane header text size.
pub const HEADER_PX: f32 = 13.0;
/// Lane header height.
pub const HEADER_H: f32 = 28.0;
/// Smallest distance between lanes.
pub const MIN_LANE_GAP: f32 = 132.0;
/// Pixels from one row of the timeline to the next.
pub const PITCH: f32 = 30.0;
/// Room added around a row when a label near it finds no place, per round.
pub const ROW_ROOM: f32 = 8.0;
/// How far a stage's lane lines run past its last row.
pub const STAGE_TAIL: f32 = 16.0;
/// Margin around the drawing.
pub const MARGIN: f32 = 12.0;
/// How far a lost message travels before its cross, as a share of the way.
pub const LOST_AT: f32 = 0.8;
/// Height of a log entry box.
pub const CELL_H: f32 = 20.0;
/// Smallest width of a log entry box.
pub const CELL_W: f32 = 20.0;
/// Space for the index numbers above a log's entries.
pub const INDEX_H: f32 = 14.0;
/// Log entry text size.
pub const ENTRY_PX: f32 = 12.0;
/// Most rounds of adding room before the layout settles for the best it has.
const ROUNDS: usize = 40;

/// Lays out a timeline.
pub fn layout(ir: &Ir) -> Scene {
    let rows = times(ir);
    let mut extra = vec![0.0f32; rows.len() + 1];
    for _ in 0..ROUNDS {
        let (items, crowded) = attempt(ir, &rows, &extra);
        if crowded.is_empty() {
            return finish(ir, items);
        }
        for r in crowded {
            extra[r.min(rows.len())] += ROW_ROOM;
        }
    }
    let (items, _) = attempt(ir, &rows, &extra);
    finish(ir, items)
}

fn finish(ir: &Ir, items: Vec<Item>) -> Scene {
    super::finish(ir, items, MARGIN)
}

/// The times a mark uses: where it starts and where it ends.
fn mark_times(kind: &MarkKind) -> (f64, f64) {
    match *kind {
        MarkKind::Message { sent, received, .. } => (sent, received),
        MarkKind::Event { at, .. } | MarkKind::Crash { at, .. } | MarkKind::Recover { at, .. } => {
            (at, at)
        }
        MarkKind::Period { from, to, .. } | MarkKind::Partition { from, to, .. } => (from, to),
    }
}

/// Every distinct time the diagram uses, in order: one row each.
fn times(ir: &Ir) -> Vec<f64> {
    let mut all: Vec<f64> = ir
        .marks
        .iter()
        .flat_map(|m| {
            let (a, b) = mark_times(&m.kind);
            [a, b]
        })
        .collect();
    all.sort_by(f64::total_cmp);
    all.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
    all
}

/// The row of time `t` (every time a mark uses has one).
fn row_of(rows: &[f64], t: f64) -> usize {
    rows.iter()
        .position(|&r| (r - t).abs() < 1e-9)
        .unwrap_or(rows.len())
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

/// Where a message's label may go: beside the line near its tail, between each pair of lanes
/// it crosses, and near its head; above the line first, then below it. Each spot is the label's
/// centre, with the box just clear of the line.
fn message_spots(a: Point, b: Point, w: f32, lane_x: &[f32]) -> Vec<Point> {
    let dir = if b.x >= a.x { 1.0 } else { -1.0 };
    let (lo, hi) = (a.x.min(b.x), a.x.max(b.x));
    let line_y = |x: f32| {
        let x = x.clamp(lo, hi);
        if (b.x - a.x).abs() < f32::EPSILON {
            a.y
        } else {
            a.y + (b.y - a.y) * (x - a.x) / (b.x - a.x)
        }
    };
    let mut spans: Vec<f32> = Vec::new();
    // Near the tail, where a reader starts following the arrow.
    spans.push(if dir > 0.0 { a.x + 8.0 } else { a.x - 8.0 - w });
    let mut inner: Vec<f32> = lane_x
        .windows(2)
        .filter(|p| p[0] >= lo - 0.5 && p[1] <= hi + 0.5)
        .map(|p| (p[0] + p[1]) / 2.0 - w / 2.0)
        .collect();
    if dir < 0.0 {
        inner.reverse();
    }
    spans.extend(inner);
    let head = if dir > 0.0 { b.x - 14.0 - w } else { b.x + 14.0 };
    spans.push(head);
    // Then every place along the line, from the tail on, for crowded stretches.
    let tail = spans[0];
    let steps = ((head - tail).abs() / 8.0).floor() as usize;
    spans.extend((1..steps).map(|i| tail + (head - tail).signum() * 8.0 * i as f32));
    let mut spots = Vec::new();
    // Just clear of the line first; a little further off where other lines meet it.
    for clear in [2.0, 7.0] {
        for &x0 in &spans {
            let (ya, yb) = (line_y(x0), line_y(x0 + w));
            let cx = x0 + w / 2.0;
            spots.push(Point {
                x: cx,
                y: ya.min(yb) - clear - LABEL_H / 2.0,
            });
            spots.push(Point {
                x: cx,
                y: ya.max(yb) + clear + LABEL_H / 2.0,
            });
        }
    }
    spots
}

/// One try at the layout with `extra[r]` pixels of room added above row `r`. Returns the items
/// and the rows around labels that found no free spot.
fn attempt(ir: &Ir, rows: &[f64], extra: &[f32]) -> (Vec<Item>, Vec<usize>) {
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
    // Log entry boxes share one width, wide enough for the widest entry.
    let cell_w = ir
        .logs
        .iter()
        .flat_map(|l| l.versions.iter().flat_map(|v| v.props.entries.iter()))
        .map(|e| (font::width(e, ENTRY_PX, Weight::Semibold) + 8.0).ceil())
        .fold(CELL_W, f32::max);
    let max_entries = ir
        .logs
        .iter()
        .flat_map(|l| l.versions.iter().map(|v| v.props.entries.len()))
        .max()
        .unwrap_or(0);
    let log_w = max_entries as f32 * (cell_w + 2.0) - 2.0;
    // Every label must fit between two neighbouring lanes, clear of both lines.
    let widest_label = (0..ir.marks.len())
        .filter_map(|m| mark_label(ir, m))
        .map(|t| pill(t, 0.0, 0.0).rect.w + 24.0)
        .fold(0.0, f32::max);
    let gap = header_w
        .iter()
        .fold(MIN_LANE_GAP.max(log_w + 24.0).max(widest_label), |g, w| {
            g.max(w + 24.0)
        })
        .ceil();
    let first_x = MARGIN + header_w.first().copied().unwrap_or(48.0).max(log_w) / 2.0 + 4.0;
    let lane_x: Vec<f32> = (0..ir.lanes.len())
        .map(|i| (first_x + i as f32 * gap).round())
        .collect();
    let top = MARGIN;
    let log_top = top + HEADER_H + 6.0;
    let has_log: Vec<bool> = (0..ir.lanes.len())
        .map(|i| ir.logs.iter().any(|l| l.lane == i))
        .collect();
    let line_top = |i: usize| {
        if has_log[i] {
            log_top + INDEX_H + CELL_H + 4.0
        } else {
            top + HEADER_H
        }
    };
    let t0 = if !ir.logs.is_empty() {
        log_top + INDEX_H + CELL_H + 24.0
    } else {
        top + HEADER_H + 22.0
    };
    let mut row_y = Vec::with_capacity(rows.len() + 1);
    let mut acc = t0;
    for r in 0..=rows.len() {
        acc += extra.get(r).copied().unwrap_or(0.0);
        row_y.push(acc.round());
        acc += PITCH;
    }
    let y = |t: f64| row_y[row_of(rows, t).min(rows.len())];

    let headers: Vec<Rect> = (0..ir.lanes.len())
        .map(|i| Rect {
            x: lane_x[i] - header_w[i] / 2.0,
            y: top,
            w: header_w[i],
            h: HEADER_H,
        })
        .collect();
    let log_areas: Vec<Option<Rect>> = (0..ir.lanes.len())
        .map(|i| {
            has_log[i].then(|| Rect {
                x: (lane_x[i] - log_w / 2.0).round(),
                y: log_top,
                w: log_w.max(CELL_W),
                h: INDEX_H + CELL_H,
            })
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
                (a, b)
            }
            MarkKind::Event { lane, at }
            | MarkKind::Crash { lane, at }
            | MarkKind::Recover { lane, at } => {
                let p = Point {
                    x: lane_x[lane],
                    y: y(at),
                };
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
                (Point { x, y: y(from) }, Point { x, y: y(to) })
            }
        };
        geometry.push(g);
    }
    // How far down each stage reaches: its lane lines end a little below that. A partition
    // counts from where it starts: it is cut off at the stage's end like the lanes.
    let n = ir.stages.len();
    let stage_bottom: Vec<f32> = (0..n)
        .map(|k| {
            let last = ir
                .marks
                .iter()
                .zip(&geometry)
                .filter(|(m, _)| m.versions.iter().any(|v| (v.first..v.end).contains(&k)))
                .map(|(m, (a, b))| match m.kind {
                    MarkKind::Partition { .. } => a.y,
                    _ => a.y.max(b.y),
                })
                .fold(f32::NEG_INFINITY, f32::max);
            if last.is_finite() {
                last + STAGE_TAIL
            } else {
                t0
            }
        })
        .collect();
    let bottom = stage_bottom.iter().copied().fold(t0, f32::max);

    // Obstacles every label must avoid: headers, logs, dots, bars, and labels placed so far,
    // each with the stages it is shown in. A label avoids only what it is shown together
    // with, so a mark that replaces another at the same spot in a later stage may sit there.
    let always = 0..usize::MAX;
    let span = |m: usize| {
        let versions = &ir.marks[m].versions;
        let first = versions.iter().map(|v| v.first).min().unwrap_or(0);
        let end = versions.iter().map(|v| v.end).max().unwrap_or(0);
        first..end
    };
    let meet = |a: &std::ops::Range<usize>, b: &std::ops::Range<usize>| {
        a.start < b.end && b.start < a.end
    };
    let mut hard: Vec<(Rect, std::ops::Range<usize>)> =
        headers.iter().map(|&h| (h, always.clone())).collect();
    hard.extend(
        log_areas
            .iter()
            .flatten()
            .map(|&area| (area, always.clone())),
    );
    // Lines no label may sit on.
    let mut lines: Vec<(Point, Point, std::ops::Range<usize>)> = (0..ir.lanes.len())
        .map(|i| {
            (
                Point {
                    x: lane_x[i],
                    y: line_top(i),
                },
                Point {
                    x: lane_x[i],
                    y: bottom,
                },
                always.clone(),
            )
        })
        .collect();
    for (m, (mark, &(a, b))) in ir.marks.iter().zip(&geometry).enumerate() {
        let shown = span(m);
        match mark.kind {
            MarkKind::Message { .. } => lines.push((a, b, shown)),
            MarkKind::Partition { .. } => {
                for dx in [-5.0, 5.0] {
                    lines.push((
                        Point { x: a.x + dx, y: a.y },
                        Point { x: b.x + dx, y: b.y },
                        shown.clone(),
                    ));
                }
            }
            MarkKind::Period { .. } => hard.push((
                Rect {
                    x: a.x - 5.0,
                    y: a.y,
                    w: 10.0,
                    h: b.y - a.y,
                },
                shown,
            )),
            _ => hard.push((
                Rect {
                    x: a.x - 7.0,
                    y: a.y - 7.0,
                    w: 14.0,
                    h: 14.0,
                },
                shown,
            )),
        }
    }

    let mut labels: Vec<Option<Label>> = vec![None; ir.marks.len()];
    let mut crowded = Vec::new();
    // Points on lanes first, then stretches: their spots are few; messages have the whole
    // line to choose from.
    let mut order: Vec<usize> = (0..ir.marks.len()).collect();
    order.sort_by_key(|&m| match ir.marks[m].kind {
        MarkKind::Message { .. } => 2,
        MarkKind::Period { .. } | MarkKind::Partition { .. } => 1,
        _ => 0,
    });
    for m in order {
        let Some(text) = mark_label(ir, m) else {
            continue;
        };
        let (a, b) = geometry[m];
        let w = pill(text, 0.0, 0.0).rect.w;
        let mut candidates: Vec<Point> = Vec::new();
        match ir.marks[m].kind {
            MarkKind::Message { .. } => candidates = message_spots(a, b, w, &lane_x),
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
                    x: b.x,
                    y: b.y + LABEL_H / 2.0 + 3.0,
                });
            }
            _ => {
                for dy in [0.0f32, -LABEL_H / 2.0 - 3.0, LABEL_H / 2.0 + 3.0] {
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
            let shown = span(m);
            if r.x < MARGIN
                || r.y < top
                || hard
                    .iter()
                    .any(|(h, with)| meet(with, &shown) && h.inflate(1.0).overlaps(&r))
            {
                continue;
            }
            let crossings = lines
                .iter()
                .filter(|(p, q, with)| meet(with, &shown) && r.inflate(0.5).hit_by(*p, *q))
                .count();
            if best.as_ref().is_none_or(|(c0, _)| crossings < *c0) {
                best = Some((crossings, label));
            }
            if crossings == 0 {
                break;
            }
        }
        // Room goes between the rows a message or a stretch spans, which makes a message
        // steeper and a bar longer; a point on a lane gets room above and below its row.
        let (first, last) = mark_times(&ir.marks[m].kind);
        let (r0, r1) = (row_of(rows, first), row_of(rows, last));
        let room: Vec<usize> = match ir.marks[m].kind {
            MarkKind::Message { .. } | MarkKind::Period { .. } | MarkKind::Partition { .. }
                if r1 > r0 =>
            {
                (r0 + 1..=r1).collect()
            }
            _ => vec![r0, r1 + 1],
        };
        match best {
            Some((0, label)) => {
                hard.push((label.rect, span(m)));
                labels[m] = Some(label);
            }
            Some((_, label)) => {
                crowded.extend(room);
                hard.push((label.rect, span(m)));
                labels[m] = Some(label);
            }
            None => crowded.extend(room),
        }
    }
    crowded.sort_unstable();
    crowded.dedup();

    let mut items = Vec::new();
    let is_new = |first: usize| first > 0;
    for (i, lane) in ir.lanes.iter().enumerate() {
        for v in &lane.versions {
            // One item per run of stages whose lane lines end at the same place.
            for (first, end, bottom) in runs(v.first, v.end, |k| stage_bottom[k]) {
                items.push(Item {
                    key: lane.id.clone(),
                    ends: None,
                    first,
                    end,
                    is_new: is_new(v.first) && first == v.first,
                    shape: Shape::Lane {
                        header: headers[i],
                        text: v.props.clone(),
                        top: Point {
                            x: lane_x[i],
                            y: line_top(i),
                        },
                        bottom: bottom.max(line_top(i)),
                    },
                });
            }
        }
    }
    for log in &ir.logs {
        let Some(area) = log_areas[log.lane] else {
            continue;
        };
        for (j, v) in log.versions.iter().enumerate() {
            let before = j
                .checked_sub(1)
                .map(|p| &log.versions[p])
                .filter(|p| p.end == v.first);
            let cells = v
                .props
                .entries
                .iter()
                .enumerate()
                .map(|(e, text)| {
                    let committed = e < v.props.commit;
                    let changed = before.is_none_or(|p| {
                        p.props.entries.get(e) != Some(text) || (e < p.props.commit) != committed
                    });
                    LogCell {
                        rect: Rect {
                            x: area.x + e as f32 * (cell_w + 2.0),
                            y: area.y + INDEX_H,
                            w: cell_w,
                            h: CELL_H,
                        },
                        index: e + 1,
                        text: text.clone(),
                        committed,
                        changed,
                    }
                })
                .collect();
            items.push(Item {
                key: format!("log {}", ir.lanes[log.lane].id),
                ends: None,
                first: v.first,
                end: v.end,
                is_new: is_new(v.first),
                shape: Shape::Log { area, cells },
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
            let item = |first: usize, end: usize, shape: Shape| Item {
                key: mark.key.clone(),
                ends: None,
                first,
                end,
                is_new: is_new(v.first) && first == v.first,
                shape,
            };
            match mark.kind {
                MarkKind::Message { arrow, .. } => items.push(item(
                    v.first,
                    v.end,
                    Shape::Message {
                        from: a,
                        to: b,
                        arrow,
                        label,
                    },
                )),
                MarkKind::Event { .. } | MarkKind::Recover { .. } => {
                    let what = if matches!(mark.kind, MarkKind::Event { .. }) {
                        "event"
                    } else {
                        "recover"
                    };
                    items.push(item(
                        v.first,
                        v.end,
                        Shape::Mark {
                            what,
                            at: a,
                            down_to: None,
                            label,
                        },
                    ));
                }
                MarkKind::Crash { lane, at } => {
                    // The lane is down until the first later recovery shown in the stage, or
                    // to the end of the stage's lane lines.
                    let down_to = |k: usize| {
                        ir.marks
                            .iter()
                            .filter(|o| o.versions.iter().any(|w| (w.first..w.end).contains(&k)))
                            .filter_map(|o| match o.kind {
                                MarkKind::Recover { lane: l, at: t } if l == lane && t > at => {
                                    Some(y(t))
                                }
                                _ => None,
                            })
                            .fold(stage_bottom[k].max(a.y), f32::min)
                    };
                    for (first, end, d) in runs(v.first, v.end, down_to) {
                        items.push(item(
                            first,
                            end,
                            Shape::Mark {
                                what: "crash",
                                at: a,
                                down_to: Some(d),
                                label: label.clone(),
                            },
                        ));
                    }
                }
                MarkKind::Period { .. } => items.push(item(
                    v.first,
                    v.end,
                    Shape::Period {
                        rect: Rect {
                            x: a.x - 5.0,
                            y: a.y,
                            w: 10.0,
                            h: b.y - a.y,
                        },
                        label,
                    },
                )),
                MarkKind::Partition { .. } => {
                    // Drawn per stage, down to where the cut ends or the stage's lanes end.
                    let until = |k: usize| b.y.min(stage_bottom[k].max(a.y + 8.0));
                    for (first, end, last) in runs(v.first, v.end, until) {
                        let mut points = Vec::new();
                        let mut yy = a.y;
                        let mut left = true;
                        while yy < last {
                            points.push(Point {
                                x: a.x + if left { -5.0 } else { 5.0 },
                                y: yy,
                            });
                            yy += 8.0;
                            left = !left;
                        }
                        points.push(Point {
                            x: a.x + if left { -5.0 } else { 5.0 },
                            y: last,
                        });
                        items.push(item(
                            first,
                            end,
                            Shape::Partition {
                                points,
                                label: label.clone(),
                            },
                        ));
                    }
                }
            }
        }
    }
    (items, crowded)
}

/// Splits the stages `first..end` into runs over which `value` stays the same.
fn runs(first: usize, end: usize, value: impl Fn(usize) -> f32) -> Vec<(usize, usize, f32)> {
    let mut out: Vec<(usize, usize, f32)> = Vec::new();
    for k in first..end {
        let v = value(k);
        match out.last_mut() {
            Some(last) if last.2 == v => last.1 = k + 1,
            _ => out.push((k, k + 1, v)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagram::compile;
    use crate::diagram::scene::Scene;

    fn scene(source: &str) -> Scene {
        let compiled = compile("t.dsd", source);
        assert!(compiled.diagnostics.is_empty(), "{:?}", compiled.diagnostics);
        compiled.diagram.expect("a diagram").scene().clone()
    }

    /// The y of every row a scene's marks sit on (lost messages end between rows).
    fn rows(scene: &Scene) -> Vec<f32> {
        let mut ys: Vec<f32> = Vec::new();
        for item in &scene.items {
            match &item.shape {
                Shape::Message {
                    from, to, arrow, ..
                } => {
                    ys.push(from.y);
                    if *arrow != Arrow::Lost {
                        ys.push(to.y);
                    }
                }
                Shape::Mark { at, .. } => ys.push(at.y),
                Shape::Period { rect, .. } => ys.extend([rect.y, rect.bottom()]),
                // A partition's end is cut off at each stage's end, so only its start is a row.
                Shape::Partition { points, .. } => ys.extend(points.first().map(|p| p.y)),
                _ => {}
            }
        }
        ys.sort_by(f32::total_cmp);
        ys.dedup();
        ys
    }

    #[test]
    fn far_apart_times_cost_one_row() {
        let s = scene("timeline \"t\"\nlane a\nlane b\na@0 -> b@1\na@50 -> b@200\n");
        let ys = rows(&s);
        assert_eq!(ys.len(), 4, "{ys:?}");
        for pair in ys.windows(2) {
            assert_eq!(pair[1] - pair[0], PITCH, "{ys:?}");
        }
    }

    #[test]
    fn a_mark_replaced_at_the_same_spot_keeps_its_row_and_its_label() {
        let s = scene(
            "timeline \"t\"\nstage \"one\"\ncaption \"c\"\nlane a\nlane b\na@0 -> b@1\nevent a@2 \"total 1,100\"\n\
             stage \"two\"\ncaption \"c\"\nremove event a@2\nevent a@2 \"total 1,000\"\n",
        );
        // The two events are never shown together, so neither pushes the other away.
        assert_eq!(rows(&s).len(), 3, "{:?}", rows(&s));
        for (stage, text) in [(0, "total 1,100"), (1, "total 1,000")] {
            assert!(
                s.items
                    .iter()
                    .filter(|i| i.shown_in(stage))
                    .filter_map(|i| i.label())
                    .any(|l| l.text == text),
                "stage {stage} lost its label {text:?}"
            );
        }
    }

    #[test]
    fn the_books_timelines_are_compact_and_stage_by_stage() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../diagrams");
        let mut checked = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let source = std::fs::read_to_string(&path).unwrap();
            if !source.lines().any(|l| l.starts_with("timeline ")) {
                continue;
            }
            checked += 1;
            let s = scene(&source);
            let ys = rows(&s);
            let mean = (ys[ys.len() - 1] - ys[0]) / (ys.len() - 1) as f32;
            assert!(
                (PITCH..=32.0).contains(&mean),
                "{}: {mean} px per row, rows at {ys:?}",
                path.display()
            );
            assert!(ys.windows(2).all(|p| p[1] - p[0] >= PITCH));
            assert!(s.struck_labels().is_empty(), "{:?}", s.struck_labels());
            // Each stage's lane lines end just below the last thing the stage shows.
            for k in 0..s.stages.len() {
                let last = s
                    .items
                    .iter()
                    .filter(|i| i.shown_in(k))
                    .filter_map(|i| match &i.shape {
                        Shape::Message { from, to, .. } => Some(from.y.max(to.y)),
                        Shape::Mark { at, .. } => Some(at.y),
                        Shape::Period { rect, .. } => Some(rect.bottom()),
                        Shape::Partition { points, .. } => points.last().map(|p| p.y),
                        _ => None,
                    })
                    .fold(0.0, f32::max);
                for item in s.items.iter().filter(|i| i.shown_in(k)) {
                    if let Shape::Lane { bottom, .. } = item.shape {
                        assert!(
                            bottom <= last + STAGE_TAIL,
                            "{} stage {}: lane `{}` runs to {bottom}, last row at {last}",
                            path.display(),
                            k + 1,
                            item.key
                        );
                    }
                }
            }
        }
        assert!(checked >= 5);
    }

    #[test]
    fn a_label_moved_onto_a_line_is_reported() {
        let source = "timeline \"t\"\nlane a\nlane b\nlane c\na@0 -> b@1 \"first\"\na@0 -> c@2 \"second\"\n";
        let good = scene(source);
        assert!(good.struck_labels().is_empty());
        assert!(good.violations().is_empty(), "{:?}", good.violations());
        // Put the first label back where the old layout put it: centred on its own arrow.
        let mut bad = good.clone();
        for item in &mut bad.items {
            if let Shape::Message {
                from,
                to,
                label: Some(label),
                ..
            } = &mut item.shape
                && label.text == "first"
            {
                let mid = Point {
                    x: (from.x + to.x) / 2.0,
                    y: (from.y + to.y) / 2.0,
                };
                *label = pill("first", mid.x, mid.y);
            }
        }
        let struck = bad.struck_labels();
        assert!(
            struck.contains(&"label of `a@0->b@1` is struck through by `a@0->b@1`".to_string()),
            "{struck:?}"
        );
        assert!(!bad.violations().is_empty());
    }

    #[test]
    fn a_log_sits_under_its_header_and_marks_what_changed() {
        let s = scene(
            "timeline \"t\"\nstage \"A\"\ncaption \"a\"\nlane a\nlog a { 1 2 }\nevent a@0 \"x\"\nstage \"B\"\ncaption \"b\"\nlog a { 1 3 4 } commit 1\n",
        );
        let logs: Vec<&Item> = s
            .items
            .iter()
            .filter(|i| matches!(i.shape, Shape::Log { .. }))
            .collect();
        assert_eq!(logs.len(), 2);
        let Shape::Log { area, cells } = &logs[1].shape else {
            unreachable!()
        };
        let changed: Vec<bool> = cells.iter().map(|c| c.changed).collect();
        assert_eq!(changed, [true, true, true], "entry 1 is newly committed");
        assert!(cells[0].committed && !cells[1].committed);
        let header = s
            .items
            .iter()
            .find_map(|i| match i.shape {
                Shape::Lane { header, .. } => Some(header),
                _ => None,
            })
            .unwrap();
        assert!(area.y >= header.bottom() && area.w >= 3.0 * CELL_W);
        assert!(logs[1].is_new && logs[1].first == 1);
    }
}
