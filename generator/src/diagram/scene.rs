//! The laid-out scene: what [`super::layout`] produces and [`super::svg`] draws.
//!
//! In: nothing (types only). Out: [`Scene`], absolute geometry for every version of every
//! element, each tagged with the stages it is shown in. One scene serves every stage, which is
//! why nothing moves between stages. Every text inside a node carries its own position,
//! anchor, size and measured width ([`Text`]), so the SVG writer only writes. Also the exact
//! outline of every node kind ([`outline`]), which the layout attaches edges to, the geometry
//! checks run by the tests ([`Scene::violations`]) and the text dump used as an expected output
//! ([`Scene::dump`]).

use std::fmt::Write as _;

use super::StageInfo;
use super::font::Weight;
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

impl Label {
    /// The label's text, centred in its box: the layout sizes the box so that 11.5 px text
    /// with its baseline 4 px below the middle sits centred in it.
    pub fn placed(&self, class: &'static str, size: f32, weight: Weight) -> Text {
        let c = self.rect.center();
        Text {
            x: c.x,
            y: c.y + 4.0,
            anchor: Anchor::Middle,
            size,
            weight,
            class,
            text: self.text.clone(),
            w: self.rect.w,
        }
    }
}

/// Which point of a text its `x` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// The start of the line.
    Start,
    /// The middle of the line.
    Middle,
}

/// One line of text, placed and measured by the layout; the SVG writer copies it out.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    /// Horizontal position of the anchor point.
    pub x: f32,
    /// Baseline.
    pub y: f32,
    /// What `x` names.
    pub anchor: Anchor,
    /// Font size in px.
    pub size: f32,
    /// Face.
    pub weight: Weight,
    /// CSS class (`ds-t` name, `ds-u` subtitle, `ds-rp` replica count, `ds-nt` note line).
    pub class: &'static str,
    /// The text (not escaped).
    pub text: String,
    /// Advance width in px, from the font's metrics.
    pub w: f32,
}

/// How far the tallest glyphs of Open Sans reach above the baseline, per px of font size
/// (ascenders and accented capitals stay below it; checked against the bundled font).
pub const ASCENT: f32 = 0.78;
/// How far descenders reach below the baseline, per px of font size.
pub const DESCENT: f32 = 0.25;
/// Smallest distance between a node's text and any line of its outline.
pub const TEXT_CLEARANCE: f32 = 4.0;

impl Text {
    /// The box the glyphs can cover.
    pub fn bounds(&self) -> Rect {
        let x = match self.anchor {
            Anchor::Start => self.x,
            Anchor::Middle => self.x - self.w / 2.0,
        };
        Rect {
            x,
            y: self.y - ASCENT * self.size,
            w: self.w,
            h: (ASCENT + DESCENT) * self.size,
        }
    }
}

/// Half the height of a database's lid ellipse.
pub const LID: f32 = 7.0;
/// How far a gateway's corners are cut.
pub const CHAMFER: f32 = 9.0;
/// Size of a note's folded corner.
pub const FOLD: f32 = 10.0;
/// Distance of a browser's title bar below its top.
pub const BROWSER_BAR: f32 = 9.0;

/// Corner radius of a node's outline (0 for the kinds drawn as paths).
pub fn corner_radius(kind: NodeKind, r: &Rect) -> f32 {
    match kind {
        NodeKind::Lb => r.h / 2.0,
        NodeKind::Browser | NodeKind::Queue => 6.0,
        NodeKind::Database | NodeKind::Gateway | NodeKind::Note => 0.0,
        _ => 8.0,
    }
}

/// The x of each of a queue's three message slots, right to left.
pub fn queue_slots(r: &Rect) -> [f32; 3] {
    [r.right() - 8.0, r.right() - 14.0, r.right() - 20.0]
}

/// Points of a quarter (or any) elliptic arc around `c`, from angle `a0` to `a1` (radians,
/// y down), both ends included.
fn arc(c: Point, rx: f32, ry: f32, a0: f32, a1: f32, steps: usize, out: &mut Vec<Point>) {
    for i in 0..=steps {
        let a = a0 + (a1 - a0) * i as f32 / steps as f32;
        out.push(Point {
            x: c.x + rx * a.cos(),
            y: c.y + ry * a.sin(),
        });
    }
}

/// The closed outline of one copy of a node's shape as a polygon (arcs as short chords, at
/// most 0.05 px from the curve the SVG draws). Every outline is convex.
pub fn outline(kind: NodeKind, r: &Rect) -> Vec<Point> {
    use std::f32::consts::{FRAC_PI_2, PI};
    let (x, y, w, h) = (r.x, r.y, r.w, r.h);
    let p = |x: f32, y: f32| Point { x, y };
    let mut pts = Vec::new();
    match kind {
        NodeKind::Database => {
            let c_top = p(x + w / 2.0, y + LID);
            let c_bottom = p(x + w / 2.0, y + h - LID);
            arc(c_top, w / 2.0, LID, PI, 2.0 * PI, 96, &mut pts);
            arc(c_bottom, w / 2.0, LID, 0.0, PI, 96, &mut pts);
        }
        NodeKind::Gateway => {
            let c = CHAMFER;
            pts = vec![
                p(x + c, y),
                p(x + w - c, y),
                p(x + w, y + c),
                p(x + w, y + h - c),
                p(x + w - c, y + h),
                p(x + c, y + h),
                p(x, y + h - c),
                p(x, y + c),
            ];
        }
        NodeKind::Note => {
            pts = vec![
                p(x, y),
                p(x + w - FOLD, y),
                p(x + w, y + FOLD),
                p(x + w, y + h),
                p(x, y + h),
            ];
        }
        _ => {
            let rad = corner_radius(kind, r).min(w / 2.0).min(h / 2.0);
            arc(
                p(x + w - rad, y + rad),
                rad,
                rad,
                -FRAC_PI_2,
                0.0,
                24,
                &mut pts,
            );
            arc(
                p(x + w - rad, y + h - rad),
                rad,
                rad,
                0.0,
                FRAC_PI_2,
                24,
                &mut pts,
            );
            arc(
                p(x + rad, y + h - rad),
                rad,
                rad,
                FRAC_PI_2,
                PI,
                24,
                &mut pts,
            );
            arc(p(x + rad, y + rad), rad, rad, PI, 1.5 * PI, 24, &mut pts);
        }
    }
    pts
}

/// Lines drawn inside a node's outline that text must keep clear of: a database's lid, a
/// queue's slots, a browser's title bar, a note's fold.
pub fn decorations(kind: NodeKind, r: &Rect) -> Vec<Vec<Point>> {
    use std::f32::consts::PI;
    let p = |x: f32, y: f32| Point { x, y };
    match kind {
        NodeKind::Database => {
            let mut lid = Vec::new();
            arc(
                p(r.x + r.w / 2.0, r.y + LID),
                r.w / 2.0,
                LID,
                0.0,
                PI,
                96,
                &mut lid,
            );
            vec![lid]
        }
        NodeKind::Queue => queue_slots(r)
            .iter()
            .map(|&sx| vec![p(sx, r.y + 8.0), p(sx, r.bottom() - 8.0)])
            .collect(),
        NodeKind::Browser => vec![vec![
            p(r.x, r.y + BROWSER_BAR),
            p(r.right(), r.y + BROWSER_BAR),
        ]],
        NodeKind::Note => vec![vec![
            p(r.right() - FOLD, r.y),
            p(r.right() - FOLD, r.y + FOLD),
            p(r.right(), r.y + FOLD),
        ]],
        _ => Vec::new(),
    }
}

/// The box of the `k`th copy of a replica stack (0 is the front copy).
pub fn stack_copy(r: &Rect, k: u32) -> Rect {
    let d = STACK_OFFSET * k as f32;
    Rect {
        x: r.x + d,
        y: r.y - d,
        ..*r
    }
}

/// Number of copies drawn for `replicas` (a stack shows at most three).
pub fn copies(replicas: u32) -> u32 {
    if replicas > 1 { 3 } else { 1 }
}

/// Distance from `p` to the segment `a`–`b`.
pub fn point_segment_distance(p: Point, a: Point, b: Point) -> f32 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (qx, qy) = (a.x + t * dx - p.x, a.y + t * dy - p.y);
    (qx * qx + qy * qy).sqrt()
}

/// Distance from `p` to the closed polygon's boundary.
pub fn boundary_distance(poly: &[Point], p: Point) -> f32 {
    (0..poly.len())
        .map(|i| point_segment_distance(p, poly[i], poly[(i + 1) % poly.len()]))
        .fold(f32::INFINITY, f32::min)
}

/// Whether `p` lies inside the closed polygon (even-odd rule).
pub fn inside(poly: &[Point], p: Point) -> bool {
    let mut odd = false;
    for i in 0..poly.len() {
        let (a, b) = (poly[i], poly[(i + 1) % poly.len()]);
        if (a.y > p.y) != (b.y > p.y) && p.x < a.x + (p.y - a.y) / (b.y - a.y) * (b.x - a.x) {
            odd = !odd;
        }
    }
    odd
}

/// Where a line coming from outside meets a node's visible outline: along the horizontal
/// through `p` for [`Side::Left`] and [`Side::Right`], along the vertical through `p` for
/// [`Side::Top`] and [`Side::Bottom`]. Replica stacks count every copy. `p` itself when the
/// line misses the node.
pub fn border_point(kind: NodeKind, r: &Rect, replicas: u32, side: Side, p: Point) -> Point {
    let mut best: Option<Point> = None;
    for k in 0..copies(replicas) {
        let poly = outline(kind, &stack_copy(r, k));
        for i in 0..poly.len() {
            let (a, b) = (poly[i], poly[(i + 1) % poly.len()]);
            let hit = match side {
                Side::Left | Side::Right => {
                    if (a.y - p.y) * (b.y - p.y) > 0.0 || (a.y - b.y).abs() < 1e-6 {
                        continue;
                    }
                    let t = (p.y - a.y) / (b.y - a.y);
                    Point {
                        x: a.x + t * (b.x - a.x),
                        y: p.y,
                    }
                }
                Side::Top | Side::Bottom => {
                    if (a.x - p.x) * (b.x - p.x) > 0.0 || (a.x - b.x).abs() < 1e-6 {
                        continue;
                    }
                    let t = (p.x - a.x) / (b.x - a.x);
                    Point {
                        x: p.x,
                        y: a.y + t * (b.y - a.y),
                    }
                }
            };
            let better = best.is_none_or(|q| match side {
                Side::Left => hit.x < q.x,
                Side::Right => hit.x > q.x,
                Side::Top => hit.y < q.y,
                Side::Bottom => hit.y > q.y,
            });
            if better {
                best = Some(hit);
            }
        }
    }
    best.unwrap_or(p)
}

/// A side of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    /// Facing left.
    Left,
    /// Facing right.
    Right,
    /// Facing up.
    Top,
    /// Facing down.
    Bottom,
}

/// Smallest distance between two edges that meet one side of one node.
pub const PORT_GAP: f32 = 24.0;

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
        /// Every text drawn in it, placed.
        texts: Vec<Text>,
        /// Top-left corner of the 16×16 glyph (unused for notes).
        glyph: Point,
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
                    ..
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
    /// overlaps another label or a solid box; no group outline cuts through a node; everything
    /// lies inside the view box. Architecture diagrams also promise: every edge end lies on its
    /// node's visible outline (within 0.5 px); edges sharing a node side are at least
    /// [`PORT_GAP`] apart; no edge passes through another edge's label or a group title; no
    /// note connector crosses an edge; no two edges run along one line; a chain is one row;
    /// node text keeps [`TEXT_CLEARANCE`] from its outline and inner lines. In a timeline, no
    /// line runs through a label ([`Scene::struck_labels`]). Items are compared only when some
    /// stage shows both, because the union of stages is laid out once.
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
        if self.flavor == Flavor::Architecture {
            found.extend(self.detached_ends());
            found.extend(self.crowded_ports());
            found.extend(self.struck_edge_labels());
            found.extend(self.crossed_note_links());
            found.extend(self.shared_stretches());
            found.extend(self.staircases());
            found.extend(self.cramped_texts());
        }
        found
    }

    /// The node item with `key` shown in `stage`.
    fn node_in(&self, key: &str, stage: usize) -> Option<(&Item, NodeKind, Rect, u32)> {
        self.items.iter().find_map(|i| match &i.shape {
            Shape::Node {
                kind,
                rect,
                replicas,
                ..
            } if i.key == key && i.shown_in(stage) => Some((i, *kind, *rect, *replicas)),
            _ => None,
        })
    }

    /// Each end of each edge with the node it attaches to, the side it leaves by (from the
    /// direction of its end segment) and the point, for every stage the edge is shown in.
    fn edge_ends(&self) -> Vec<(&Item, usize, &str, Side, Point)> {
        let mut ends = Vec::new();
        for item in &self.items {
            let (Shape::Edge { points, .. }, Some((from, to))) = (&item.shape, &item.ends) else {
                continue;
            };
            if points.len() < 2 {
                continue;
            }
            let n = points.len();
            for (node, end, next) in [
                (from, points[0], points[1]),
                (to, points[n - 1], points[n - 2]),
            ] {
                let side = if next.x > end.x + 0.5 {
                    Side::Right
                } else if next.x < end.x - 0.5 {
                    Side::Left
                } else if next.y < end.y {
                    Side::Top
                } else {
                    Side::Bottom
                };
                for stage in item.first..item.end {
                    ends.push((item, stage, node.as_str(), side, end));
                }
            }
        }
        ends
    }

    /// Edge ends that are not on their node's visible outline (within 0.5 px).
    fn detached_ends(&self) -> Vec<String> {
        let mut found = Vec::new();
        for (edge, stage, node, _, p) in self.edge_ends() {
            let Some((_, kind, rect, replicas)) = self.node_in(node, stage) else {
                continue;
            };
            let polys: Vec<Vec<Point>> = (0..copies(replicas))
                .map(|k| outline(kind, &stack_copy(&rect, k)))
                .collect();
            let near = polys
                .iter()
                .map(|poly| boundary_distance(poly, p))
                .fold(f32::INFINITY, f32::min);
            let hidden = polys
                .iter()
                .any(|poly| inside(poly, p) && boundary_distance(poly, p) > 0.5);
            let msg = format!("edge `{}` ends off the outline of `{node}`", edge.key);
            if (near > 0.5 || hidden) && !found.contains(&msg) {
                found.push(msg);
            }
        }
        found
    }

    /// Two edges shown together on one side of one node closer than [`PORT_GAP`].
    fn crowded_ports(&self) -> Vec<String> {
        let mut found = Vec::new();
        let ends = self.edge_ends();
        for (i, a) in ends.iter().enumerate() {
            for b in &ends[i + 1..] {
                if a.0.key == b.0.key || a.1 != b.1 || a.2 != b.2 || a.3 != b.3 {
                    continue;
                }
                let apart = match a.3 {
                    Side::Left | Side::Right => (a.4.y - b.4.y).abs(),
                    Side::Top | Side::Bottom => (a.4.x - b.4.x).abs(),
                };
                let msg = format!(
                    "edges `{}` and `{}` meet `{}` {} px apart",
                    a.0.key,
                    b.0.key,
                    a.2,
                    num(apart)
                );
                if apart < PORT_GAP - 0.5 && !found.contains(&msg) {
                    found.push(msg);
                }
            }
        }
        found
    }

    /// Edge segments that pass through a label box other than their own edge's.
    fn struck_edge_labels(&self) -> Vec<String> {
        let mut found = Vec::new();
        for edge in &self.items {
            let Shape::Edge { points, .. } = &edge.shape else {
                continue;
            };
            for other in &self.items {
                if other.key == edge.key || !(edge.first < other.end && other.first < edge.end) {
                    continue;
                }
                let Some(l) = other.label() else { continue };
                let msg = format!("edge `{}` strikes the label of `{}`", edge.key, other.key);
                if points.windows(2).any(|w| l.rect.cut_by(w[0], w[1])) && !found.contains(&msg) {
                    found.push(msg);
                }
            }
        }
        found
    }

    /// Note connectors that cross another edge shown with them.
    fn crossed_note_links(&self) -> Vec<String> {
        let mut found = Vec::new();
        for link in &self.items {
            let Shape::Edge {
                style: EdgeStyle::NoteLink,
                points: a,
                ..
            } = &link.shape
            else {
                continue;
            };
            for edge in &self.items {
                let Shape::Edge { points: b, .. } = &edge.shape else {
                    continue;
                };
                if edge.key == link.key || !(link.first < edge.end && edge.first < link.end) {
                    continue;
                }
                let crosses = a
                    .windows(2)
                    .any(|p| b.windows(2).any(|q| segments_cross(p[0], p[1], q[0], q[1])));
                let msg = format!("note link `{}` crosses edge `{}`", link.key, edge.key);
                if crosses && !found.contains(&msg) {
                    found.push(msg);
                }
            }
        }
        found
    }

    /// Two edges shown together that run along one line for more than a pixel, so a reader
    /// cannot tell where one ends.
    fn shared_stretches(&self) -> Vec<String> {
        let mut found = Vec::new();
        for (i, a) in self.items.iter().enumerate() {
            let Shape::Edge { points: pa, .. } = &a.shape else {
                continue;
            };
            for b in &self.items[i + 1..] {
                let Shape::Edge { points: pb, .. } = &b.shape else {
                    continue;
                };
                if a.key == b.key || !(a.first < b.end && b.first < a.end) {
                    continue;
                }
                let along = pa.windows(2).any(|p| {
                    pb.windows(2)
                        .any(|q| collinear_overlap(p[0], p[1], q[0], q[1]) > 1.0)
                });
                let msg = format!("edges `{}` and `{}` run along each other", a.key, b.key);
                if along && !found.contains(&msg) {
                    found.push(msg);
                }
            }
        }
        found
    }

    /// Chains drawn as staircases. In each stage, an edge `a -> b` is a link of a chain when it
    /// is the only edge leaving `a` and the only one entering `b` (note links aside) and `b`
    /// lies right of `a`; a run of two or more links must have all its centres on one y,
    /// unless the run is part of a ring.
    fn staircases(&self) -> Vec<String> {
        let mut found = Vec::new();
        for stage in 0..self.stages.len().max(1) {
            let edges: Vec<(&str, &str)> = self
                .items
                .iter()
                .filter(|i| i.shown_in(stage))
                .filter_map(|i| match (&i.shape, &i.ends) {
                    (Shape::Edge { style, .. }, Some((a, b))) if *style != EdgeStyle::NoteLink => {
                        Some((a.as_str(), b.as_str()))
                    }
                    _ => None,
                })
                .collect();
            let out_deg = |v: &str| edges.iter().filter(|e| e.0 == v).count();
            let in_deg = |v: &str| edges.iter().filter(|e| e.1 == v).count();
            let centre = |v: &str| self.node_in(v, stage).map(|(_, _, r, _)| r.center());
            let links: Vec<(&str, &str)> = edges
                .iter()
                .copied()
                .filter(|&(a, b)| {
                    out_deg(a) == 1
                        && in_deg(b) == 1
                        && match (centre(a), centre(b)) {
                            (Some(p), Some(q)) => q.x > p.x,
                            _ => false,
                        }
                })
                .collect();
            // A ring (every node with one edge in and one out, back to the start) is drawn
            // around a shape, not on one row: its rightward links are not a chain.
            let closes_a_ring = |run: &[&str]| {
                let mut at = *run.last().unwrap();
                for _ in 0..edges.len() {
                    if out_deg(at) != 1 || in_deg(at) != 1 {
                        return false;
                    }
                    at = edges.iter().find(|e| e.0 == at).unwrap().1;
                    if at == run[0] {
                        return true;
                    }
                }
                false
            };
            for &(a, b) in &links {
                // Start only at the head of a run.
                if links.iter().any(|l| l.1 == a) {
                    continue;
                }
                let mut run = vec![a, b];
                while let Some(&(_, next)) = links.iter().find(|l| l.0 == *run.last().unwrap()) {
                    if run.contains(&next) {
                        break;
                    }
                    run.push(next);
                }
                if run.len() < 3 || closes_a_ring(&run) {
                    continue;
                }
                let ys: Vec<f32> = run.iter().filter_map(|v| centre(v)).map(|c| c.y).collect();
                let msg = format!("chain {} is a staircase", run.join(" -> "));
                if ys.iter().any(|y| (y - ys[0]).abs() > 0.5) && !found.contains(&msg) {
                    found.push(msg);
                }
            }
        }
        found
    }

    /// Node texts closer than [`TEXT_CLEARANCE`] to their outline or its inner lines, or
    /// outside it.
    fn cramped_texts(&self) -> Vec<String> {
        let mut found = Vec::new();
        for item in &self.items {
            let Shape::Node {
                kind, rect, texts, ..
            } = &item.shape
            else {
                continue;
            };
            let poly = outline(*kind, rect);
            let lines = decorations(*kind, rect);
            for t in texts {
                let b = t.bounds();
                let corners = [
                    Point { x: b.x, y: b.y },
                    Point {
                        x: b.right(),
                        y: b.y,
                    },
                    Point {
                        x: b.x,
                        y: b.bottom(),
                    },
                    Point {
                        x: b.right(),
                        y: b.bottom(),
                    },
                ];
                // Outlines are convex, so the box is inside when its corners are, and its
                // nearest point to the outline is a corner.
                let outside = corners
                    .iter()
                    .any(|&c| !inside(&poly, c) || boundary_distance(&poly, c) < TEXT_CLEARANCE);
                let on_line = lines.iter().any(|line| {
                    line.windows(2)
                        .any(|w| rect_segment_distance(&b, w[0], w[1]) < TEXT_CLEARANCE)
                });
                if outside || on_line {
                    found.push(format!(
                        "text {:?} of `{}` touches its outline",
                        t.text, item.key
                    ));
                }
            }
        }
        found
    }
}

/// Whether two segments share a point (crossing, touching or overlapping), ignoring contacts
/// within 0.5 px of an end of both.
pub fn segments_cross(a: Point, b: Point, c: Point, d: Point) -> bool {
    let shared_end = [a, b].iter().any(|p| {
        [c, d]
            .iter()
            .any(|q| (p.x - q.x).abs() < 0.5 && (p.y - q.y).abs() < 0.5)
    });
    if shared_end {
        return false;
    }
    let orient =
        |p: Point, q: Point, r: Point| (q.x - p.x) * (r.y - p.y) - (q.y - p.y) * (r.x - p.x);
    let on = |p: Point, q: Point, r: Point| {
        r.x >= p.x.min(q.x) - 0.01
            && r.x <= p.x.max(q.x) + 0.01
            && r.y >= p.y.min(q.y) - 0.01
            && r.y <= p.y.max(q.y) + 0.01
    };
    let (d1, d2, d3, d4) = (
        orient(c, d, a),
        orient(c, d, b),
        orient(a, b, c),
        orient(a, b, d),
    );
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0))
        && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0))
    {
        return true;
    }
    (d1 == 0.0 && on(c, d, a))
        || (d2 == 0.0 && on(c, d, b))
        || (d3 == 0.0 && on(a, b, c))
        || (d4 == 0.0 && on(a, b, d))
}

/// Length of the stretch two axis-parallel segments share on one line (0 when they are not on
/// one line).
pub fn collinear_overlap(a: Point, b: Point, c: Point, d: Point) -> f32 {
    let horizontal = |p: Point, q: Point| (p.y - q.y).abs() < 0.5;
    let vertical = |p: Point, q: Point| (p.x - q.x).abs() < 0.5;
    let shared = |a0: f32, a1: f32, b0: f32, b1: f32| {
        (a0.max(a1).min(b0.max(b1)) - a0.min(a1).max(b0.min(b1))).max(0.0)
    };
    if horizontal(a, b) && horizontal(c, d) && (a.y - c.y).abs() < 0.5 {
        shared(a.x, b.x, c.x, d.x)
    } else if vertical(a, b) && vertical(c, d) && (a.x - c.x).abs() < 0.5 {
        shared(a.y, b.y, c.y, d.y)
    } else {
        0.0
    }
}

/// Distance between a rectangle and a segment (0 when they meet).
pub fn rect_segment_distance(r: &Rect, a: Point, b: Point) -> f32 {
    let corners = [
        Point { x: r.x, y: r.y },
        Point {
            x: r.right(),
            y: r.y,
        },
        Point {
            x: r.right(),
            y: r.bottom(),
        },
        Point {
            x: r.x,
            y: r.bottom(),
        },
    ];
    let inside_rect = |p: Point| p.x >= r.x && p.x <= r.right() && p.y >= r.y && p.y <= r.bottom();
    if inside_rect(a) || inside_rect(b) {
        return 0.0;
    }
    if (0..4).any(|i| segments_cross(corners[i], corners[(i + 1) % 4], a, b)) {
        return 0.0;
    }
    let mut d = f32::INFINITY;
    for i in 0..4 {
        d = d
            .min(point_segment_distance(corners[i], a, b))
            .min(point_segment_distance(a, corners[i], corners[(i + 1) % 4]))
            .min(point_segment_distance(b, corners[i], corners[(i + 1) % 4]));
    }
    d
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
    use crate::diagram::font::Weight;
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
                texts: Vec::new(),
                glyph: Point { x, y },
            },
        }
    }

    fn scene(items: Vec<Item>) -> Scene {
        Scene {
            title: String::new(),
            flavor: Flavor::Architecture,
            stages: Vec::new(),
            view: Rect {
                x: -100.0,
                y: -100.0,
                w: 1100.0,
                h: 1100.0,
            },
            items,
        }
    }

    fn edge(key: &str, style: EdgeStyle, points: &[(f32, f32)], label: Option<Label>) -> Item {
        let (a, b) = key.split_once("->").unwrap();
        Item {
            key: key.into(),
            ends: Some((a.into(), b.into())),
            first: 0,
            end: 1,
            is_new: false,
            shape: Shape::Edge {
                style,
                points: points.iter().map(|&(x, y)| Point { x, y }).collect(),
                label,
            },
        }
    }

    fn with_kind(mut item: Item, new_kind: NodeKind, h: f32) -> Item {
        if let Shape::Node { kind, rect, .. } = &mut item.shape {
            *kind = new_kind;
            rect.h = h;
        }
        item
    }

    #[test]
    fn edge_ends_must_lie_on_the_outline() {
        // a: 10..110 × 10..60; b: 300..400 × 10..60.
        let on = edge(
            "a->b",
            EdgeStyle::Sync,
            &[(110.0, 35.0), (300.0, 35.0)],
            None,
        );
        assert!(
            scene(vec![
                node("a", 10.0, 10.0, 0, 1),
                node("b", 300.0, 10.0, 0, 1),
                on
            ])
            .violations()
            .is_empty()
        );
        let short = edge(
            "a->b",
            EdgeStyle::Sync,
            &[(110.0, 35.0), (296.0, 35.0)],
            None,
        );
        assert_eq!(
            scene(vec![
                node("a", 10.0, 10.0, 0, 1),
                node("b", 300.0, 10.0, 0, 1),
                short
            ])
            .violations(),
            vec!["edge `a->b` ends off the outline of `b`".to_string()]
        );
        // A cylinder's top is its lid arc: a tenth of its width in, the arc is below the box.
        let db = with_kind(node("b", 300.0, 100.0, 0, 1), NodeKind::Database, 60.0);
        let onto_box = edge(
            "a->b",
            EdgeStyle::Sync,
            &[(310.0, 60.0), (310.0, 100.0)],
            None,
        );
        assert_eq!(
            scene(vec![node("a", 275.0, 10.0, 0, 1), db.clone(), onto_box]).violations(),
            vec!["edge `a->b` ends off the outline of `b`".to_string()]
        );
        let Shape::Node { rect, .. } = &db.shape else {
            unreachable!()
        };
        let tip = border_point(
            NodeKind::Database,
            rect,
            1,
            Side::Top,
            Point { x: 310.0, y: 60.0 },
        );
        assert!(tip.y > 102.0, "{tip:?}");
        let onto_lid = edge(
            "a->b",
            EdgeStyle::Sync,
            &[(310.0, 60.0), (310.0, tip.y)],
            None,
        );
        assert!(
            scene(vec![node("a", 275.0, 10.0, 0, 1), db, onto_lid])
                .violations()
                .is_empty()
        );
    }

    #[test]
    fn edges_sharing_a_side_keep_the_port_gap() {
        let items = |dy: f32| {
            vec![
                node("a", 10.0, 10.0, 0, 1),
                node("c", 10.0, 200.0, 0, 1),
                node("b", 300.0, 60.0, 0, 1),
                edge(
                    "a->b",
                    EdgeStyle::Sync,
                    &[(110.0, 35.0), (200.0, 35.0), (200.0, 75.0), (300.0, 75.0)],
                    None,
                ),
                edge(
                    "c->b",
                    EdgeStyle::Sync,
                    &[
                        (110.0, 225.0),
                        (210.0, 225.0),
                        (210.0, 75.0 + dy),
                        (300.0, 75.0 + dy),
                    ],
                    None,
                ),
            ]
        };
        assert_eq!(
            scene(items(14.0)).violations(),
            vec!["edges `a->b` and `c->b` meet `b` 14 px apart".to_string()]
        );
        assert!(scene(items(24.0)).violations().is_empty());
    }

    #[test]
    fn no_edge_strikes_a_label_and_no_note_link_crosses_an_edge() {
        let label = Label {
            text: "x".into(),
            rect: Rect {
                x: 180.0,
                y: 26.0,
                w: 40.0,
                h: 17.0,
            },
        };
        let labelled = edge(
            "a->b",
            EdgeStyle::Sync,
            &[(110.0, 35.0), (300.0, 35.0)],
            Some(label),
        );
        let striking = edge(
            "c->d",
            EdgeStyle::Sync,
            &[(200.0, 110.0), (200.0, 10.0)],
            None,
        );
        let base = vec![
            node("a", 10.0, 10.0, 0, 1),
            node("b", 300.0, 10.0, 0, 1),
            node("c", 150.0, 110.0, 0, 1),
            node("d", 150.0, -40.0, 0, 1),
        ];
        let mut items = base.clone();
        items.push(labelled.clone());
        items.push(striking);
        let found = scene(items).violations();
        assert_eq!(
            found,
            vec!["edge `c->d` strikes the label of `a->b`".to_string()]
        );
        let link = edge(
            "d->c",
            EdgeStyle::NoteLink,
            &[(200.0, 10.0), (200.0, 110.0)],
            None,
        );
        let unlabelled = edge(
            "a->b",
            EdgeStyle::Sync,
            &[(110.0, 35.0), (300.0, 35.0)],
            None,
        );
        let mut items = base;
        items.push(unlabelled);
        items.push(link);
        assert_eq!(
            scene(items).violations(),
            vec!["note link `d->c` crosses edge `a->b`".to_string()]
        );
    }

    #[test]
    fn edges_never_share_a_stretch() {
        let items = |dy: f32| {
            vec![
                node("a", 10.0, 10.0, 0, 1),
                node("b", 10.0, 200.0, 0, 1),
                with_kind(node("c", 400.0, 100.0, 0, 1), NodeKind::Service, 80.0),
                edge(
                    "a->c",
                    EdgeStyle::Sync,
                    &[(110.0, 35.0), (200.0, 35.0), (200.0, 125.0), (400.0, 125.0)],
                    None,
                ),
                edge(
                    "b->c",
                    EdgeStyle::Sync,
                    &[
                        (110.0, 225.0),
                        (210.0, 225.0),
                        (210.0, 125.0 + dy),
                        (400.0, 125.0 + dy),
                    ],
                    None,
                ),
            ]
        };
        // Both edges enter `c` at one point: their last two runs lie on each other.
        let found = scene(items(0.0)).violations();
        assert!(
            found.contains(&"edges `a->c` and `b->c` run along each other".to_string()),
            "{found:?}"
        );
        assert_eq!(scene(items(24.0)).violations(), Vec::<String>::new());
    }

    #[test]
    fn a_chain_is_one_row() {
        let chain = |dy: f32| {
            vec![
                node("a", 10.0, 10.0, 0, 1),
                node("b", 200.0, 10.0, 0, 1),
                node("c", 400.0, 10.0 + dy, 0, 1),
                edge(
                    "a->b",
                    EdgeStyle::Sync,
                    &[(110.0, 35.0), (200.0, 35.0)],
                    None,
                ),
                edge(
                    "b->c",
                    EdgeStyle::Sync,
                    &[
                        (300.0, 35.0),
                        (350.0, 35.0),
                        (350.0, 35.0 + dy),
                        (400.0, 35.0 + dy),
                    ],
                    None,
                ),
            ]
        };
        assert!(scene(chain(0.0)).violations().is_empty());
        assert_eq!(
            scene(chain(100.0)).violations(),
            vec!["chain a -> b -> c is a staircase".to_string()]
        );
    }

    #[test]
    fn a_ring_around_a_diamond_is_not_a_chain() {
        let diamond = |closed: bool| {
            let mut items = vec![
                node("d", 10.0, 110.0, 0, 1),
                node("a", 200.0, 10.0, 0, 1),
                node("b", 400.0, 110.0, 0, 1),
                node("c", 200.0, 210.0, 0, 1),
            ];
            let links: &[&str] = if closed {
                &["d->a", "a->b", "b->c", "c->d"]
            } else {
                &["d->a", "a->b", "b->c"]
            };
            // Only the ends matter to this check; the routes are not looked at.
            items.extend(
                links
                    .iter()
                    .map(|key| edge(key, EdgeStyle::Sync, &[(0.0, 0.0), (1.0, 1.0)], None)),
            );
            scene(items)
        };
        assert_eq!(diamond(true).staircases(), Vec::<String>::new());
        assert_eq!(
            diamond(false).staircases(),
            vec!["chain d -> a -> b is a staircase".to_string()]
        );
    }

    #[test]
    fn node_text_keeps_clear_of_the_outline_and_the_lid() {
        let db = |baseline: f32| {
            let mut item = with_kind(node("db", 10.0, 10.0, 0, 1), NodeKind::Database, 60.0);
            if let Shape::Node { texts, .. } = &mut item.shape {
                texts.push(Text {
                    x: 46.0,
                    y: baseline,
                    anchor: Anchor::Start,
                    size: 14.0,
                    weight: Weight::Semibold,
                    class: "ds-t",
                    text: "Orders".into(),
                    w: 45.0,
                });
            }
            item
        };
        // The lid's lower arc reaches y = 24 in the middle; 14 px text with its baseline at
        // 33 reaches up to 33 - 10.9 = 22.1, into the lid.
        assert_eq!(
            scene(vec![db(33.0)]).violations(),
            vec!["text \"Orders\" of `db` touches its outline".to_string()]
        );
        assert!(scene(vec![db(42.0)]).violations().is_empty());
        // Near the bottom the text leaves the outline.
        assert_eq!(scene(vec![db(70.0)]).violations().len(), 1);
    }

    #[test]
    fn text_extents_cover_the_bundled_fonts_glyphs() {
        for bytes in [
            crate::diagram::font::REGULAR,
            crate::diagram::font::SEMIBOLD,
        ] {
            let face = ttf_parser::Face::parse(bytes, 0).unwrap();
            let em = f32::from(face.units_per_em());
            for c in (' '..='~').chain("×⁷≈·".chars()) {
                let Some(g) = face.glyph_index(c) else {
                    continue;
                };
                let Some(b) = face.glyph_bounding_box(g) else {
                    continue;
                };
                assert!(
                    f32::from(b.y_max) / em <= ASCENT,
                    "{c:?} reaches {}",
                    f32::from(b.y_max) / em
                );
                assert!(
                    f32::from(b.y_min) / em >= -DESCENT,
                    "{c:?} reaches {}",
                    f32::from(b.y_min) / em
                );
            }
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
