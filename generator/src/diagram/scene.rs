//! The laid-out scene: what [`super::layout`] produces and [`super::svg`] draws.
//!
//! In: nothing (types only). Out: [`Scene`], absolute geometry for every version of every
//! element, each tagged with the stages it is shown in. One scene serves every stage, which is
//! why nothing moves between stages. Also the geometry checks run by the tests
//! ([`Scene::violations`]) and the text dump used as an expected output ([`Scene::dump`]).

use std::fmt::Write as _;

use super::StageInfo;
use super::ir::{Arrow, EdgeStyle, Flavor, GroupKind, NodeKind};

/// A point in SVG user units.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Point {
    /// Horizontal, growing to the right.
    pub x: f32,
    /// Vertical, growing downwards.
    pub y: f32,
}

/// An axis-aligned rectangle.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rect {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Width.
    pub w: f32,
    /// Height.
    pub h: f32,
}

impl Rect {
    /// Right edge.
    pub fn right(&self) -> f32 {
        self.x + self.w
    }
    /// Bottom edge.
    pub fn bottom(&self) -> f32 {
        self.y + self.h
    }
    /// Centre point.
    pub fn center(&self) -> Point {
        Point {
            x: self.x + self.w / 2.0,
            y: self.y + self.h / 2.0,
        }
    }
    /// The rectangle grown by `d` on every side.
    pub fn inflate(&self, d: f32) -> Rect {
        Rect {
            x: self.x - d,
            y: self.y - d,
            w: self.w + 2.0 * d,
            h: self.h + 2.0 * d,
        }
    }
    /// Whether the interiors overlap.
    pub fn overlaps(&self, other: &Rect) -> bool {
        self.x < other.right()
            && other.x < self.right()
            && self.y < other.bottom()
            && other.y < self.bottom()
    }
    /// The smallest rectangle holding both.
    pub fn union(&self, other: &Rect) -> Rect {
        let x = self.x.min(other.x);
        let y = self.y.min(other.y);
        Rect {
            x,
            y,
            w: self.right().max(other.right()) - x,
            h: self.bottom().max(other.bottom()) - y,
        }
    }
    /// Whether the segment `a`–`b`, at any angle, passes through the rectangle (Liang–Barsky
    /// clipping). A segment that only touches the border counts as passing through.
    pub fn hit_by(&self, a: Point, b: Point) -> bool {
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let mut t0: f32 = 0.0;
        let mut t1: f32 = 1.0;
        for (p, q) in [
            (-dx, a.x - self.x),
            (dx, self.right() - a.x),
            (-dy, a.y - self.y),
            (dy, self.bottom() - a.y),
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
    /// Whether the axis-parallel segment `a`–`b` passes through the interior.
    pub fn cut_by(&self, a: Point, b: Point) -> bool {
        let (x0, x1) = (a.x.min(b.x), a.x.max(b.x));
        let (y0, y1) = (a.y.min(b.y), a.y.max(b.y));
        x0 < self.right() && x1 > self.x && y0 < self.bottom() && y1 > self.y
    }
}

/// A text label in a pill-shaped box.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    /// The text (not escaped).
    pub text: String,
    /// The box; the text is centred in it.
    pub rect: Rect,
}

/// One entry of a drawn log.
#[derive(Debug, Clone, PartialEq)]
pub struct LogCell {
    /// The entry's box.
    pub rect: Rect,
    /// Its index in the log, from 1 (drawn small above the box).
    pub index: usize,
    /// What it shows: a term, or a few characters.
    pub text: String,
    /// Whether the entry is committed (drawn filled).
    pub committed: bool,
    /// Whether this version added or changed the entry, or committed it; such entries carry the
    /// new-in-stage outline.
    pub changed: bool,
}

/// The geometry of one drawn thing.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// A node or note.
    Node {
        /// Kind (decides outline, glyph and colours).
        kind: NodeKind,
        /// The main shape's box (replica stacks extend up and right of it).
        rect: Rect,
        /// Label lines (one, except for notes).
        lines: Vec<String>,
        /// Smaller second line.
        sub: Option<String>,
        /// Replica count.
        replicas: u32,
    },
    /// A group outline around nodes.
    Group {
        /// Kind.
        kind: GroupKind,
        /// Outline.
        rect: Rect,
        /// Title shown at the top left.
        title: Label,
        /// Keys of the member nodes.
        members: Vec<String>,
    },
    /// An orthogonal edge.
    Edge {
        /// Line style.
        style: EdgeStyle,
        /// Bend points from source to target.
        points: Vec<Point>,
        /// Label.
        label: Option<Label>,
    },
    /// A timeline lane: header box and vertical line.
    Lane {
        /// Header box.
        header: Rect,
        /// Header text.
        text: String,
        /// Top of the line.
        top: Point,
        /// Bottom of the line.
        bottom: f32,
    },
    /// A message between lanes.
    Message {
        /// Send point.
        from: Point,
        /// Arrow tip (for lost messages, where the × is drawn).
        to: Point,
        /// Sync, async or lost.
        arrow: Arrow,
        /// Label.
        label: Option<Label>,
    },
    /// An event dot, crash cross or recovery ring on a lane.
    Mark {
        /// What it is: `event`, `crash` or `recover`.
        what: &'static str,
        /// Where.
        at: Point,
        /// For crashes: where the lane is drawn down until.
        down_to: Option<f32>,
        /// Label.
        label: Option<Label>,
    },
    /// A stretch of time on a lane.
    Period {
        /// The bar.
        rect: Rect,
        /// Label.
        label: Option<Label>,
    },
    /// A cut between two lanes.
    Partition {
        /// Zigzag points.
        points: Vec<Point>,
        /// Label.
        label: Option<Label>,
    },
    /// A lane's log: a row of entry boxes under its header, index numbers above them.
    Log {
        /// The box around the entries and their index numbers, whether or not every slot is
        /// filled, so that labels keep clear of the place the log grows into.
        area: Rect,
        /// The entries, index 1 first.
        cells: Vec<LogCell>,
    },
}

/// One drawn version of one element.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The element's author id or key (`api`, `api->db`, `s1@2->s2@3`).
    pub key: String,
    /// Endpoint keys, for edges (the geometry checks allow an edge to touch its own ends).
    pub ends: Option<(String, String)>,
    /// First stage shown (0-based).
    pub first: usize,
    /// One past the last stage shown.
    pub end: usize,
    /// Whether this version is new (added or changed) in its first stage. Nothing is new in
    /// stage 1, where everything is.
    pub is_new: bool,
    /// Geometry.
    pub shape: Shape,
}

impl Item {
    /// Whether the item is shown in `stage`.
    pub fn shown_in(&self, stage: usize) -> bool {
        (self.first..self.end).contains(&stage)
    }
    /// Whether the item is new in `stage`.
    pub fn new_in(&self, stage: usize) -> bool {
        self.is_new && self.first == stage
    }
    /// The label, if any.
    pub fn label(&self) -> Option<&Label> {
        match &self.shape {
            Shape::Group { title, .. } => Some(title),
            Shape::Edge { label, .. }
            | Shape::Message { label, .. }
            | Shape::Mark { label, .. }
            | Shape::Period { label, .. }
            | Shape::Partition { label, .. } => label.as_ref(),
            Shape::Node { .. } | Shape::Lane { .. } | Shape::Log { .. } => None,
        }
    }
    /// The box that nothing else may overlap: nodes and lane headers.
    pub fn solid(&self) -> Option<Rect> {
        match &self.shape {
            Shape::Node { rect, replicas, .. } => {
                let stack = if *replicas > 1 {
                    STACK_OFFSET * 2.0
                } else {
                    0.0
                };
                Some(Rect {
                    x: rect.x,
                    y: rect.y - stack,
                    w: rect.w + stack,
                    h: rect.h + stack,
                })
            }
            Shape::Lane { header, .. } => Some(*header),
            Shape::Log { area, .. } => Some(*area),
            _ => None,
        }
    }
}

/// How far each copy in a replica stack is offset.
pub const STACK_OFFSET: f32 = 4.0;

/// A laid-out diagram.
#[derive(Debug, Clone, PartialEq)]
pub struct Scene {
    /// Title.
    pub title: String,
    /// Architecture or timeline.
    pub flavor: Flavor,
    /// Stage titles and captions.
    pub stages: Vec<StageInfo>,
    /// The view box, the same for every stage.
    pub view: Rect,
    /// Items in drawing order.
    pub items: Vec<Item>,
}

/// Formats a coordinate with one decimal, without a trailing `.0`: short and deterministic.
pub fn num(v: f32) -> String {
    let r = (v * 10.0).round() / 10.0;
    let r = if r == 0.0 { 0.0 } else { r };
    if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

fn rect_str(r: &Rect) -> String {
    format!("{},{} {}x{}", num(r.x), num(r.y), num(r.w), num(r.h))
}

impl Scene {
    /// One line per item: key, stages, geometry. Used as an expected output in tests, so that
    /// a layout change shows up as a readable diff.
    pub fn dump(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "view {}", rect_str(&self.view));
        for item in &self.items {
            let stages = format!(
                "s{}-{}{}",
                item.first + 1,
                item.end,
                if item.is_new { " new" } else { "" }
            );
            let label = |l: &Option<Label>| {
                l.as_ref().map_or(String::new(), |l| {
                    format!(" label {:?} @{}", l.text, rect_str(&l.rect))
                })
            };
            let _ = match &item.shape {
                Shape::Node {
                    kind,
                    rect,
                    lines,
                    sub,
                    replicas,
                } => writeln!(
                    out,
                    "node {} {} {stages} {} {:?}{}{}",
                    item.key,
                    kind.word(),
                    rect_str(rect),
                    lines.join(" / "),
                    sub.as_ref()
                        .map_or(String::new(), |s| format!(" sub {s:?}")),
                    if *replicas > 1 {
                        format!(" x{replicas}")
                    } else {
                        String::new()
                    }
                ),
                Shape::Group {
                    kind, rect, title, ..
                } => {
                    writeln!(
                        out,
                        "group {} {} {stages} {} {:?}",
                        item.key,
                        kind.word(),
                        rect_str(rect),
                        title.text
                    )
                }
                Shape::Edge {
                    style,
                    points,
                    label: l,
                } => writeln!(
                    out,
                    "edge {} {:?} {stages} {}{}",
                    item.key,
                    style,
                    points
                        .iter()
                        .map(|p| format!("{},{}", num(p.x), num(p.y)))
                        .collect::<Vec<_>>()
                        .join(" "),
                    label(l)
                ),
                Shape::Lane {
                    header,
                    text,
                    bottom,
                    ..
                } => {
                    writeln!(
                        out,
                        "lane {} {stages} {} {text:?} to y={}",
                        item.key,
                        rect_str(header),
                        num(*bottom)
                    )
                }
                Shape::Message {
                    from,
                    to,
                    arrow,
                    label: l,
                } => writeln!(
                    out,
                    "message {} {} {stages} {},{} -> {},{}{}",
                    item.key,
                    arrow.symbol(),
                    num(from.x),
                    num(from.y),
                    num(to.x),
                    num(to.y),
                    label(l)
                ),
                Shape::Mark {
                    what,
                    at,
                    down_to,
                    label: l,
                } => writeln!(
                    out,
                    "{what} {} {stages} {},{}{}{}",
                    item.key,
                    num(at.x),
                    num(at.y),
                    down_to.map_or(String::new(), |d| format!(" down to y={}", num(d))),
                    label(l)
                ),
                Shape::Period { rect, label: l } => {
                    writeln!(
                        out,
                        "period {} {stages} {}{}",
                        item.key,
                        rect_str(rect),
                        label(l)
                    )
                }
                Shape::Partition { points, label: l } => writeln!(
                    out,
                    "partition {} {stages} {},{} to {},{}{}",
                    item.key,
                    num(points.first().map_or(0.0, |p| p.x)),
                    num(points.first().map_or(0.0, |p| p.y)),
                    num(points.last().map_or(0.0, |p| p.x)),
                    num(points.last().map_or(0.0, |p| p.y)),
                    label(l)
                ),
                Shape::Log { area, cells } => writeln!(
                    out,
                    "{} {stages} {} [{}]",
                    item.key,
                    rect_str(area),
                    cells
                        .iter()
                        .map(|c| format!(
                            "{}{}{}",
                            c.text,
                            if c.committed { "+" } else { "" },
                            if c.changed { "*" } else { "" }
                        ))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            };
        }
        out
    }

    /// Checks the layout's promises and describes each broken one (empty when all hold):
    /// no two solid boxes overlap; no edge runs through a node other than its own ends; no label
    /// overlaps another label or a solid box; no group outline cuts through a node; in a
    /// timeline, no line runs through a label ([`Scene::struck_labels`]); everything lies
    /// inside the view box. Items are
    /// compared only when some stage shows both, because the union of stages is laid out once.
    pub fn violations(&self) -> Vec<String> {
        let mut found = Vec::new();
        let together = |a: &Item, b: &Item| a.first < b.end && b.first < a.end;
        let same_element = |a: &Item, b: &Item| a.key == b.key;
        for (i, a) in self.items.iter().enumerate() {
            for b in &self.items[i + 1..] {
                if !together(a, b) || same_element(a, b) {
                    continue;
                }
                if let (Some(ra), Some(rb)) = (a.solid(), b.solid())
                    && ra.overlaps(&rb)
                {
                    found.push(format!("`{}` overlaps `{}`", a.key, b.key));
                }
                for (x, y) in [(a, b), (b, a)] {
                    if let Some(l) = x.label()
                        && let Some(r) = y.solid()
                        && l.rect.overlaps(&r)
                    {
                        found.push(format!("label of `{}` overlaps `{}`", x.key, y.key));
                    }
                }
                if let (Some(la), Some(lb)) = (a.label(), b.label())
                    && la.rect.overlaps(&lb.rect)
                {
                    found.push(format!(
                        "label of `{}` overlaps label of `{}`",
                        a.key, b.key
                    ));
                }
            }
        }
        for edge in &self.items {
            let (Shape::Edge { points, .. }, Some((from, to))) = (&edge.shape, &edge.ends) else {
                continue;
            };
            for node in &self.items {
                if !together(edge, node) || &node.key == from || &node.key == to {
                    continue;
                }
                let Some(r) = node.solid() else { continue };
                if points.windows(2).any(|w| r.cut_by(w[0], w[1])) {
                    found.push(format!("edge `{}` runs through `{}`", edge.key, node.key));
                }
            }
        }
        for group in &self.items {
            let Shape::Group { rect, members, .. } = &group.shape else {
                continue;
            };
            for node in &self.items {
                let Some(r) = node.solid() else { continue };
                let inside = r.x >= rect.x
                    && r.right() <= rect.right()
                    && r.y >= rect.y
                    && r.bottom() <= rect.bottom();
                let member = members.contains(&node.key);
                if together(group, node) && ((member && !inside) || (!member && rect.overlaps(&r)))
                {
                    found.push(format!(
                        "group `{}` and `{}` overlap wrongly",
                        group.key, node.key
                    ));
                }
            }
        }
        if self.flavor == Flavor::Timeline {
            found.extend(self.struck_labels());
        }
        for item in &self.items {
            let boxes = item.solid().into_iter().chain(item.label().map(|l| l.rect));
            for r in boxes {
                if r.x < self.view.x
                    || r.y < self.view.y
                    || r.right() > self.view.right()
                    || r.bottom() > self.view.bottom()
                {
                    found.push(format!("`{}` sticks out of the view box", item.key));
                }
            }
        }
        found
    }
}

impl Item {
    /// The lines a timeline item draws that a label must not sit on: the lane line, the
    /// message, the partition's zigzag, the lane drawn down after a crash.
    pub fn segments(&self) -> Vec<(Point, Point)> {
        match &self.shape {
            Shape::Lane { top, bottom, .. } => vec![(*top, Point { x: top.x, y: *bottom })],
            Shape::Message { from, to, .. } => vec![(*from, *to)],
            Shape::Partition { points, .. } => points.windows(2).map(|w| (w[0], w[1])).collect(),
            Shape::Mark {
                at,
                down_to: Some(d),
                ..
            } => vec![(*at, Point { x: at.x, y: *d })],
            _ => Vec::new(),
        }
    }
}

impl Scene {
    /// Timeline labels that a line runs through: every message, lane, partition and crash line
    /// shown in a stage must miss every label box shown in that stage, the label's own message
    /// included (labels sit beside their arrow, not on it).
    pub fn struck_labels(&self) -> Vec<String> {
        let mut found = Vec::new();
        for labelled in &self.items {
            let Some(label) = labelled.label() else {
                continue;
            };
            // Half a unit of slack: a line that grazes the pill's border does not strike it.
            let r = label.rect.inflate(-0.5);
            for liner in &self.items {
                if !(labelled.first < liner.end && liner.first < labelled.end) {
                    continue;
                }
                if liner.segments().iter().any(|&(a, b)| r.hit_by(a, b)) {
                    found.push(format!(
                        "label of `{}` is struck through by `{}`",
                        labelled.key, liner.key
                    ));
                }
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagram::ir::{EdgeStyle, Flavor, GroupKind, NodeKind};

    fn node(key: &str, x: f32, y: f32, first: usize, end: usize) -> Item {
        Item {
            key: key.to_string(),
            ends: None,
            first,
            end,
            is_new: false,
            shape: Shape::Node {
                kind: NodeKind::Service,
                rect: Rect {
                    x,
                    y,
                    w: 100.0,
                    h: 50.0,
                },
                lines: vec![key.to_string()],
                sub: None,
                replicas: 1,
            },
        }
    }

    fn scene(items: Vec<Item>) -> Scene {
        Scene {
            title: String::new(),
            flavor: Flavor::Architecture,
            stages: Vec::new(),
            view: Rect {
                x: 0.0,
                y: 0.0,
                w: 1000.0,
                h: 1000.0,
            },
            items,
        }
    }

    #[test]
    fn a_segment_hits_a_box_at_any_angle() {
        let r = Rect {
            x: 10.0,
            y: 10.0,
            w: 20.0,
            h: 10.0,
        };
        let p = |x: f32, y: f32| Point { x, y };
        assert!(r.hit_by(p(0.0, 0.0), p(40.0, 30.0)), "a diagonal through the middle");
        assert!(r.hit_by(p(20.0, 15.0), p(100.0, 100.0)), "starting inside");
        assert!(!r.hit_by(p(0.0, 0.0), p(40.0, 8.0)), "passing above");
        assert!(!r.hit_by(p(0.0, 30.0), p(9.0, 0.0)), "ending before the box");
        assert!(!r.hit_by(p(35.0, 0.0), p(35.0, 40.0)), "a vertical line beside it");
    }

    #[test]
    fn finds_each_kind_of_broken_promise() {
        let overlapping = scene(vec![
            node("a", 10.0, 10.0, 0, 2),
            node("b", 60.0, 30.0, 1, 3),
        ]);
        assert_eq!(
            overlapping.violations(),
            vec!["`a` overlaps `b`".to_string()]
        );
        // Nodes that never share a stage may share a place.
        assert!(
            scene(vec![
                node("a", 10.0, 10.0, 0, 1),
                node("b", 10.0, 10.0, 1, 2)
            ])
            .violations()
            .is_empty()
        );
        let through = Item {
            key: "a->c".into(),
            ends: Some(("a".into(), "c".into())),
            first: 0,
            end: 1,
            is_new: false,
            shape: Shape::Edge {
                style: EdgeStyle::Sync,
                points: vec![Point { x: 110.0, y: 35.0 }, Point { x: 600.0, y: 35.0 }],
                label: None,
            },
        };
        let blocked = scene(vec![
            node("a", 10.0, 10.0, 0, 1),
            node("b", 300.0, 10.0, 0, 1),
            node("c", 600.0, 10.0, 0, 1),
            through,
        ]);
        assert_eq!(
            blocked.violations(),
            vec!["edge `a->c` runs through `b`".to_string()]
        );
        let group = Item {
            key: "g".into(),
            ends: None,
            first: 0,
            end: 1,
            is_new: false,
            shape: Shape::Group {
                kind: GroupKind::Region,
                rect: Rect {
                    x: 0.0,
                    y: 0.0,
                    w: 500.0,
                    h: 100.0,
                },
                title: Label {
                    text: "G".into(),
                    rect: Rect {
                        x: 5.0,
                        y: 2.0,
                        w: 10.0,
                        h: 6.0,
                    },
                },
                members: vec!["a".into()],
            },
        };
        let stranger = scene(vec![
            group,
            node("a", 10.0, 20.0, 0, 1),
            node("b", 300.0, 20.0, 0, 1),
        ]);
        assert_eq!(
            stranger.violations(),
            vec!["group `g` and `b` overlap wrongly".to_string()]
        );
    }
}
