//! SVG writing: [`Scene`] → SVG text, one stage or all stages at once.
//!
//! In: a laid-out scene, a stage (or all of them) and an id prefix. Out: an `<svg>` element as
//! a string. The writer measures nothing: every text's position comes from the scene, and
//! outlines use the shape constants of [`super::scene`], the same ones the layout attaches
//! edges to. Deterministic: items in scene order, attributes in a fixed order, coordinates with
//! at most one decimal. No XML prolog and no blank line anywhere (a blank line would end
//! mdBook's HTML block and turn the rest into Markdown). Every author text is escaped. Ids are
//! `{prefix}-title` and `{prefix}-desc`; nothing refers to an id with `url(#…)`, so renamed
//! duplicates on mdBook's print page break nothing.
//!
//! Colours come from CSS custom properties with light-theme fallbacks, in the `<style>` the
//! writer puts in each SVG; the book's CSS sets them per theme. The PNG renderer does not
//! know `var()`, so [`super::raster`] replaces each `var(--x, fallback)` with its fallback.
//!
//! Custom properties (all optional; fallback in brackets):
//!
//! - `--ds-text` (#0f172a) labels; `--ds-muted` (#555b61) subtitles, group titles, notes
//! - `--ds-line` (#64748b) edges, messages and arrowheads
//! - `--ds-label-bg` (#ffffff) behind edge and mark labels
//! - `--ds-accent` (#20609f) new-in-stage outline, overlay and badge; `--ds-accent-text` (#ffffff)
//! - node colours `--ds-{family}-bg` / `--ds-{family}-line` for the families
//!   `client` (#f1f5f9/#475569), `net` (#f5f3ff/#7c3aed), `compute` (#eff6ff/#2563eb),
//!   `data` (#ecfdf5/#059669), `cache` (#fff7ed/#ea580c), `queue` (#fdf2f8/#db2777),
//!   `ext` (#ffffff/#64748b), `note` (#fefce8/#a16207)
//! - `--ds-group-bg` (#f8fafc) and `--ds-group-line` (#94a3b8)
//! - timelines: `--ds-lane` (#94a3b8), `--ds-crash` (#dc2626), `--ds-recover` (#059669),
//!   `--ds-period-bg` (#dbeafe), `--ds-period-line` (#3b82f6), `--ds-partition` (#ea580c)
//!
//! Class names (see the module docs of [`super`] for the stage classes): `ds` on the root,
//! `ds-n` node, `ds-k-{kind}` its kind, `ds-e` edge line, `ds-h` arrowhead, `ds-lb` label,
//! `ds-g` group, `ds-hl` new-in-stage decoration, `ds-new` (stage form) on new elements.

use std::fmt::Write as _;

use super::font::{FAMILY, Weight};
use super::ir::{Arrow, EdgeStyle, Flavor, GroupKind, NodeKind};
use super::layout::LABEL_PX;
use super::layout::grid::GROUP_PX;
use super::layout::stage_view;
use super::scene::{
    Anchor, BROWSER_BAR, CHAMFER, FOLD, Item, LID, Label, LogCell, Point, Rect, STACK_OFFSET,
    Scene, Shape, Text, corner_radius, num, queue_slots,
};

/// Colour rules shared by both forms. One line, so it never contains a blank line.
const STYLE: &str = concat!(
    ".ds text{fill:var(--ds-text,#0f172a);font-size:11.5px}",
    ".ds .ds-t{font-size:14px;font-weight:600}",
    ".ds .ds-u,.ds .ds-gt,.ds .ds-nt{fill:var(--ds-muted,#555b61)}",
    ".ds .ds-gt{font-weight:600}",
    ".ds .ds-lt{font-size:13px;font-weight:600}",
    ".ds .ds-rp{font-size:12.5px;font-weight:600}",
    ".ds-e{fill:none;stroke:var(--ds-line,#64748b);stroke-width:1.6}",
    ".ds-h{fill:var(--ds-line,#64748b)}",
    ".ds-p{fill:var(--ds-label-bg,#fff)}",
    ".ds-sh,.ds-gl{stroke-width:1.5}",
    ".ds-gl{fill:none}",
    ".ds-g{fill:var(--ds-group-bg,#f8fafc);stroke:var(--ds-group-line,#94a3b8);stroke-width:1.2}",
    ".ds-hl{fill:none;stroke:var(--ds-accent,#20609f);stroke-width:2.5}",
    ".ds-hb{fill:var(--ds-accent,#20609f)}",
    ".ds .ds-ht{fill:var(--ds-accent-text,#fff);font-size:10px;font-weight:700}",
    ".ds-ha{fill:var(--ds-accent,#20609f)}",
    ".ds-ln{stroke:var(--ds-lane,#94a3b8);stroke-width:1.5}",
    ".ds-lh{fill:var(--ds-client-bg,#f1f5f9);stroke:var(--ds-client-line,#475569);stroke-width:1.5}",
    ".ds-x{fill:none;stroke:var(--ds-crash,#dc2626);stroke-width:2.5}",
    ".ds-dn{stroke:var(--ds-label-bg,#fff);stroke-width:4}",
    ".ds-rc{fill:var(--ds-label-bg,#fff);stroke:var(--ds-recover,#059669);stroke-width:2}",
    ".ds-dot{fill:var(--ds-text,#0f172a)}",
    ".ds-pd{fill:var(--ds-period-bg,#dbeafe);stroke:var(--ds-period-line,#3b82f6);stroke-width:1.2}",
    ".ds-pt{fill:none;stroke:var(--ds-partition,#ea580c);stroke-width:2}",
);

/// Log entries of a timeline: open boxes, committed ones filled in the data family's colours,
/// small index numbers above.
const LOG_STYLE: &str = concat!(
    ".ds-lc{fill:var(--ds-label-bg,#fff);stroke:var(--ds-lane,#94a3b8);stroke-width:1.2}",
    ".ds-lc.ds-lcc{fill:var(--ds-data-bg,#ecfdf5);stroke:var(--ds-data-line,#059669)}",
    ".ds .ds-li{fill:var(--ds-muted,#555b61);font-size:11.5px}",
    ".ds .ds-lv{font-size:12px;font-weight:600}",
);

/// Node colour families: the kinds in each, the custom property stem, and the light fallbacks.
const FAMILIES: &[(&[&str], &str, &str, &str)] = &[
    (
        &["client", "browser", "mobile"],
        "client",
        "#f1f5f9",
        "#475569",
    ),
    (
        &["cdn", "dns", "lb", "gateway"],
        "net",
        "#f5f3ff",
        "#7c3aed",
    ),
    (
        &["service", "worker", "scheduler", "coordinator"],
        "compute",
        "#eff6ff",
        "#2563eb",
    ),
    (
        &["database", "bucket", "search"],
        "data",
        "#ecfdf5",
        "#059669",
    ),
    (&["cache"], "cache", "#fff7ed", "#ea580c"),
    (&["queue", "stream"], "queue", "#fdf2f8", "#db2777"),
    (&["external"], "ext", "#fff", "#64748b"),
    (&["note"], "note", "#fefce8", "#a16207"),
];

/// The whole stylesheet of a diagram. Each family's rule names its custom properties
/// directly (no intermediate property), so replacing every `var()` by its fallback, as the
/// PNG renderer does, still gives each family its colours.
fn stylesheet() -> String {
    let mut css = String::from(STYLE);
    for (kinds, stem, bg, line) in FAMILIES {
        let shapes: Vec<String> = kinds.iter().map(|k| format!(".ds-k-{k} .ds-sh")).collect();
        let glyphs: Vec<String> = kinds.iter().map(|k| format!(".ds-k-{k} .ds-gl")).collect();
        let _ = write!(
            css,
            "{}{{fill:var(--ds-{stem}-bg,{bg});stroke:var(--ds-{stem}-line,{line})}}{}{{stroke:var(--ds-{stem}-line,{line})}}",
            shapes.join(","),
            glyphs.join(",")
        );
    }
    css
}

/// Which form is being written.
#[derive(Clone, Copy)]
enum Form {
    /// One stage, 0-based.
    Stage(usize),
    /// Every stage, with classes.
    All,
}

/// Restricts an id prefix to `[a-z0-9-]`, so it is safe in attributes and CSS.
pub fn clean_prefix(prefix: &str) -> String {
    let cleaned: String = prefix
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    if cleaned.is_empty() {
        "ds".to_string()
    } else {
        cleaned
    }
}

/// Escapes text for XML content and attribute values. Characters XML cannot hold (most
/// control characters, U+FFFE, U+FFFF) are dropped; `{` is escaped so that mdBook's
/// `{{#…}}` preprocessing never sees it in a label.
pub fn esc(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .filter_map(|c| match c {
            '\t' | '\n' | '\r' => Some(' '),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => None,
            c => Some(c),
        })
        .collect();
    crate::html::escape(&cleaned).replace('{', "&#123;")
}

/// The CSS that shows one stage of the all-stages form: with `data-ds-stage="k"` (1-based) on
/// the `<svg>` or any ancestor, elements not in stage k are hidden and the new-in-stage
/// decorations of stage k appear. `stages` is the largest stage count the rules cover.
///
/// With the class `ds-animate` on the same ancestor, what is new in the stage fades in. The
/// page script sets that class only when the reader has not asked for reduced motion.
pub fn stage_css(stages: usize) -> String {
    let mut css = String::from(
        ".ds-all .ds-hl,.ds-all .ds-hb,.ds-all .ds-ht,.ds-all .ds-ha{display:none}@keyframes ds-stage-in{from{opacity:0}to{opacity:1}}",
    );
    for k in 1..=stages {
        let _ = write!(
            css,
            "[data-ds-stage=\"{k}\"] .ds-s:not(.ds-in{k}){{display:none}}[data-ds-stage=\"{k}\"] .ds-new{k} :is(.ds-hl,.ds-hb,.ds-ht,.ds-ha){{display:inline}}.ds-animate[data-ds-stage=\"{k}\"] .ds-new{k}{{animation:ds-stage-in .45s ease-out}}"
        );
    }
    css
}

/// The smallest size a text may be shown at on screen, in CSS pixels, and the smallest for
/// the "NEW" badges. Pages never scale a diagram below [`min_scale`], the scale that keeps
/// every text at or above these; a diagram too wide for the column at that scale scrolls.
pub const LEGIBLE_TEXT_PX: f32 = 11.0;
/// See [`LEGIBLE_TEXT_PX`].
pub const LEGIBLE_BADGE_PX: f32 = 9.0;
/// The smallest font size any text in a diagram is written with (edge, note, group and
/// subtitle labels, log indexes), and the badge's; a test checks them against [`STYLE`] and
/// [`LOG_STYLE`].
const SMALLEST_TEXT_PX: f32 = 11.5;
const BADGE_PX: f32 = 10.0;

/// The smallest scale at which every text of a diagram stays legible.
pub fn min_scale() -> f32 {
    (LEGIBLE_TEXT_PX / SMALLEST_TEXT_PX).max(LEGIBLE_BADGE_PX / BADGE_PX)
}

/// Writes one stage (0-based) as a standalone SVG.
pub fn stage(scene: &Scene, stage: usize, id_prefix: &str) -> String {
    write(
        scene,
        Form::Stage(stage.min(scene.stages.len().saturating_sub(1))),
        id_prefix,
    )
}

/// Writes the all-stages form.
pub fn all(scene: &Scene, id_prefix: &str) -> String {
    write(scene, Form::All, id_prefix)
}

fn write(scene: &Scene, form: Form, id_prefix: &str) -> String {
    let p = clean_prefix(id_prefix);
    let mut out = String::with_capacity(8192);
    let (v, root_class, extra) = match form {
        Form::Stage(k) => (
            stage_view(scene, k),
            match scene.flavor {
                Flavor::Architecture => "ds",
                Flavor::Timeline => "ds ds-time",
            },
            format!(" data-ds-stage-shown=\"{}\"", k + 1),
        ),
        Form::All => (
            scene.view,
            match scene.flavor {
                Flavor::Architecture => "ds ds-all",
                Flavor::Timeline => "ds ds-all ds-time",
            },
            format!(
                " data-ds-stages=\"{}\" data-ds-views=\"{}\"",
                scene.stages.len(),
                views_attr(scene)
            ),
        ),
    };
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{p}\" class=\"{root_class}\" viewBox=\"{} {} {} {}\" width=\"{}\" height=\"{}\" role=\"img\" aria-labelledby=\"{p}-title {p}-desc\" font-family=\"'{FAMILY}',sans-serif\"{extra}>",
        num(v.x),
        num(v.y),
        num(v.w),
        num(v.h),
        num(v.w),
        num(v.h)
    );
    let (title, desc) = describe(scene, form);
    let _ = writeln!(out, "<title id=\"{p}-title\">{}</title>", esc(&title));
    let _ = writeln!(out, "<desc id=\"{p}-desc\">{}</desc>", esc(&desc));
    let mut style = stylesheet();
    if scene.flavor == Flavor::Timeline {
        style.push_str(LOG_STYLE);
    }
    if let Form::All = form {
        style.push_str(&stage_css(scene.stages.len()));
    }
    let _ = writeln!(out, "<style>{style}</style>");
    for item in &scene.items {
        let (show, new) = match form {
            Form::Stage(k) => (item.shown_in(k), item.new_in(k)),
            Form::All => (true, item.is_new),
        };
        if !show {
            continue;
        }
        let mut class = class_of(&item.shape);
        match form {
            Form::Stage(_) => {
                if new {
                    class.push_str(" ds-new");
                }
            }
            Form::All => {
                class.push_str(" ds-s");
                for k in item.first..item.end {
                    let _ = write!(class, " ds-in{}", k + 1);
                }
                if item.is_new {
                    let _ = write!(class, " ds-new{}", item.first + 1);
                }
            }
        }
        let _ = writeln!(out, "<g class=\"{class}\" data-ds=\"{}\">", esc(&item.key));
        draw(&mut out, item, new);
        out.push_str("</g>\n");
    }
    out.push_str("</svg>");
    out
}

/// Every stage's camera as `x y w h` view boxes separated by `;`, in stage order: the page
/// script moves the all-stages SVG's view box between them.
fn views_attr(scene: &Scene) -> String {
    (0..scene.stages.len().max(1))
        .map(|k| {
            let v = stage_view(scene, k);
            format!("{} {} {} {}", num(v.x), num(v.y), num(v.w), num(v.h))
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// Draws one item on its own, as the [`super::legend`] swatches do: the same marks the
/// diagram uses, so the key cannot disagree with the figure.
pub(super) fn draw_alone(item: &Item) -> String {
    let mut out = String::new();
    draw(&mut out, item, false);
    out.lines().collect()
}

fn describe(scene: &Scene, form: Form) -> (String, String) {
    let n = scene.stages.len();
    match form {
        Form::Stage(k) => {
            let info = &scene.stages[k];
            let title = if n > 1 && !info.title.is_empty() {
                format!("{}: {}", scene.title, info.title)
            } else {
                scene.title.clone()
            };
            let mut desc = if n > 1 {
                format!("Stage {} of {n}: {}.", k + 1, info.title)
            } else {
                String::new()
            };
            if !info.caption.is_empty() {
                if !desc.is_empty() {
                    desc.push(' ');
                }
                desc.push_str(&info.caption);
            }
            let mut added: Vec<String> = Vec::new();
            for item in scene.items.iter().filter(|i| i.new_in(k)) {
                if let Shape::Node { lines, .. } = &item.shape
                    && item.ends.is_none()
                {
                    added.push(lines.join(" "));
                }
            }
            if !added.is_empty() {
                let _ = write!(desc, " New: {}.", added.join(", "));
            }
            (title, desc.trim().to_string())
        }
        Form::All => {
            let list: Vec<String> = scene
                .stages
                .iter()
                .enumerate()
                .map(|(i, s)| format!("{}. {}", i + 1, s.title))
                .collect();
            let desc = if n > 1 {
                format!("A diagram in {n} stages: {}.", list.join("; "))
            } else {
                scene.stages[0].caption.clone()
            };
            (scene.title.clone(), desc)
        }
    }
}

fn class_of(shape: &Shape) -> String {
    match shape {
        Shape::Node { kind, .. } => format!("ds-n ds-k-{}", kind.word()),
        Shape::Group { kind, .. } => format!("ds-grp ds-grp-{}", kind.word()),
        Shape::Edge { style, .. } => format!("ds-ed ds-ed-{}", style_word(*style)),
        Shape::Lane { .. } => "ds-lane".to_string(),
        Shape::Message { arrow, .. } => format!("ds-msg ds-msg-{}", arrow_word(*arrow)),
        Shape::Mark { what, .. } => format!("ds-mark ds-mark-{what}"),
        Shape::Period { .. } => "ds-period".to_string(),
        Shape::Partition { .. } => "ds-partition".to_string(),
        Shape::Log { .. } => "ds-log".to_string(),
    }
}

fn style_word(style: EdgeStyle) -> &'static str {
    match style {
        EdgeStyle::Sync => "sync",
        EdgeStyle::Async => "async",
        EdgeStyle::Replicate => "replicate",
        EdgeStyle::Both => "both",
        EdgeStyle::NoteLink => "note",
    }
}

fn arrow_word(arrow: Arrow) -> &'static str {
    match arrow {
        Arrow::Sync | Arrow::Both | Arrow::Replicate => "sync",
        Arrow::Async => "async",
        Arrow::Lost => "lost",
    }
}

fn rect_attrs(r: &Rect) -> String {
    format!(
        "x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"",
        num(r.x),
        num(r.y),
        num(r.w),
        num(r.h)
    )
}

fn pt(p: Point) -> String {
    format!("{} {}", num(p.x), num(p.y))
}

fn draw(out: &mut String, item: &Item, new: bool) {
    match &item.shape {
        Shape::Node {
            kind,
            rect,
            texts,
            glyph,
            replicas,
            ..
        } => draw_node(out, *kind, rect, texts, *glyph, *replicas, new),
        Shape::Group {
            kind, rect, title, ..
        } => {
            let dash = match kind {
                GroupKind::Region | GroupKind::Datacenter => " stroke-dasharray=\"6 4\"",
                GroupKind::Zone => " stroke-dasharray=\"2 3\"",
                _ => "",
            };
            let _ = writeln!(
                out,
                "<rect class=\"ds-g\" {} rx=\"10\"{dash}/>",
                rect_attrs(rect)
            );
            draw_text(out, &title.placed("ds-gt", GROUP_PX, Weight::Semibold));
            if new {
                let _ = writeln!(
                    out,
                    "<rect class=\"ds-hl\" {} rx=\"12\"/>",
                    rect_attrs(&rect.inflate(2.0))
                );
            }
        }
        Shape::Edge {
            style,
            points,
            label,
        } => {
            let dash = match style {
                EdgeStyle::Async => " stroke-dasharray=\"6 4\"",
                EdgeStyle::Replicate => " stroke-dasharray=\"2 3\"",
                EdgeStyle::NoteLink => " stroke-dasharray=\"1 3\" stroke-width=\"1.2\"",
                _ => "",
            };
            let head_end = *style != EdgeStyle::NoteLink;
            let head_start = *style == EdgeStyle::Both;
            let d = edge_path(points, head_start, head_end);
            let _ = writeln!(out, "<path class=\"ds-e\" d=\"{d}\"{dash}/>");
            let mut heads = String::new();
            if head_end && points.len() >= 2 {
                heads.push_str(&arrowhead(
                    points[points.len() - 2],
                    points[points.len() - 1],
                ));
            }
            if head_start && points.len() >= 2 {
                heads.push_str(&arrowhead(points[1], points[0]));
            }
            if !heads.is_empty() {
                let _ = writeln!(out, "<path class=\"ds-h\" d=\"{heads}\"/>");
            }
            if new {
                // The accent keeps the edge's dash pattern, so a new async or replication
                // edge still reads as one.
                let hl_dash = match style {
                    EdgeStyle::NoteLink => " stroke-dasharray=\"1 3\"",
                    _ => dash,
                };
                let _ = writeln!(
                    out,
                    "<path class=\"ds-hl\" d=\"{d}\" stroke-width=\"2.2\"{hl_dash}/>"
                );
                if !heads.is_empty() {
                    let _ = writeln!(out, "<path class=\"ds-ha\" d=\"{heads}\"/>");
                }
            }
            if let Some(label) = label {
                draw_label(out, label);
            }
        }
        Shape::Lane {
            header,
            text,
            top,
            bottom,
        } => {
            let _ = writeln!(
                out,
                "<line class=\"ds-ln\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
                num(top.x),
                num(top.y),
                num(top.x),
                num(*bottom)
            );
            let _ = writeln!(
                out,
                "<rect class=\"ds-lh\" {} rx=\"6\"/>",
                rect_attrs(header)
            );
            let c = header.center();
            let _ = writeln!(
                out,
                "<text class=\"ds-lt\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                num(c.x),
                num(c.y + 4.5),
                esc(text)
            );
            if new {
                let _ = writeln!(
                    out,
                    "<rect class=\"ds-hl\" {} rx=\"8\"/>",
                    rect_attrs(&header.inflate(3.0))
                );
            }
        }
        Shape::Message {
            from,
            to,
            arrow,
            label,
        } => {
            let dash = if *arrow == Arrow::Async {
                " stroke-dasharray=\"6 4\""
            } else {
                ""
            };
            let lost = *arrow == Arrow::Lost;
            let end = if lost { *to } else { shorten(*from, *to, 7.0) };
            let d = format!("M{}L{}", pt(*from), pt(end));
            let _ = writeln!(out, "<path class=\"ds-e\" d=\"{d}\"{dash}/>");
            if lost {
                let _ = writeln!(out, "<path class=\"ds-x\" d=\"{}\"/>", cross(*to, 5.0));
            } else {
                let _ = writeln!(
                    out,
                    "<path class=\"ds-h\" d=\"{}\"/>",
                    arrowhead(*from, *to)
                );
            }
            if new {
                let _ = writeln!(
                    out,
                    "<path class=\"ds-hl\" d=\"{d}\" stroke-width=\"2.2\"/>"
                );
                if !lost {
                    let _ = writeln!(
                        out,
                        "<path class=\"ds-ha\" d=\"{}\"/>",
                        arrowhead(*from, *to)
                    );
                }
            }
            if let Some(label) = label {
                draw_label(out, label);
            }
        }
        Shape::Mark {
            what,
            at,
            down_to,
            label,
        } => {
            match *what {
                "crash" => {
                    if let Some(d) = down_to {
                        let _ = writeln!(
                            out,
                            "<line class=\"ds-dn\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
                            num(at.x),
                            num(at.y),
                            num(at.x),
                            num(*d)
                        );
                        let _ = writeln!(
                            out,
                            "<line class=\"ds-ln\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke-dasharray=\"3 4\"/>",
                            num(at.x),
                            num(at.y),
                            num(at.x),
                            num(*d)
                        );
                    }
                    let _ = writeln!(out, "<path class=\"ds-x\" d=\"{}\"/>", cross(*at, 6.0));
                }
                "recover" => {
                    let _ = writeln!(
                        out,
                        "<circle class=\"ds-rc\" cx=\"{}\" cy=\"{}\" r=\"5\"/>",
                        num(at.x),
                        num(at.y)
                    );
                }
                _ => {
                    let _ = writeln!(
                        out,
                        "<circle class=\"ds-dot\" cx=\"{}\" cy=\"{}\" r=\"4.5\"/>",
                        num(at.x),
                        num(at.y)
                    );
                }
            }
            if new {
                let _ = writeln!(
                    out,
                    "<circle class=\"ds-hl\" cx=\"{}\" cy=\"{}\" r=\"10\"/>",
                    num(at.x),
                    num(at.y)
                );
            }
            if let Some(label) = label {
                draw_label(out, label);
            }
        }
        Shape::Period { rect, label } => {
            let _ = writeln!(out, "<rect class=\"ds-pd\" {} rx=\"5\"/>", rect_attrs(rect));
            if new {
                let _ = writeln!(
                    out,
                    "<rect class=\"ds-hl\" {} rx=\"7\"/>",
                    rect_attrs(&rect.inflate(2.5))
                );
            }
            if let Some(label) = label {
                draw_label(out, label);
            }
        }
        Shape::Log { cells, .. } => draw_log(out, cells, new),
        Shape::Partition { points, label } => {
            let d: Vec<String> = points.iter().map(|p| pt(*p)).collect();
            let _ = writeln!(out, "<path class=\"ds-pt\" d=\"M{}\"/>", d.join("L"));
            if new {
                let _ = writeln!(
                    out,
                    "<path class=\"ds-hl\" d=\"M{}\" stroke-width=\"1.5\" stroke-dasharray=\"3 3\"/>",
                    d.join("L")
                );
            }
            if let Some(label) = label {
                draw_label(out, label);
            }
        }
    }
}

/// A lane's log: one box per entry, its index above it; changed entries outlined when new.
fn draw_log(out: &mut String, cells: &[LogCell], new: bool) {
    for cell in cells {
        let r = cell.rect;
        let c = r.center();
        let class = if cell.committed {
            "ds-lc ds-lcc"
        } else {
            "ds-lc"
        };
        let _ = writeln!(
            out,
            "<rect class=\"{class}\" {} rx=\"3\"/>",
            rect_attrs(&r)
        );
        let _ = writeln!(
            out,
            "<text class=\"ds-lv\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            num(c.x),
            num(c.y + 4.0),
            esc(&cell.text)
        );
        let _ = writeln!(
            out,
            "<text class=\"ds-li\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            num(c.x),
            num(r.y - 3.0),
            cell.index
        );
        if new && cell.changed {
            let _ = writeln!(
                out,
                "<rect class=\"ds-hl\" {} rx=\"4\"/>",
                rect_attrs(&r.inflate(1.5))
            );
        }
    }
}

fn draw_label(out: &mut String, label: &Label) {
    let r = label.rect;
    let _ = writeln!(
        out,
        "<rect class=\"ds-p\" {} rx=\"{}\"/>",
        rect_attrs(&r),
        num(r.h / 2.0)
    );
    draw_text(out, &label.placed("ds-lb", LABEL_PX, Weight::Regular));
}

fn shorten(from: Point, to: Point, by: f32) -> Point {
    let (dx, dy) = (to.x - from.x, to.y - from.y);
    let len = (dx * dx + dy * dy).sqrt().max(0.001);
    Point {
        x: to.x - dx / len * by,
        y: to.y - dy / len * by,
    }
}

fn arrowhead(from: Point, tip: Point) -> String {
    let (dx, dy) = (tip.x - from.x, tip.y - from.y);
    let len = (dx * dx + dy * dy).sqrt().max(0.001);
    let (ux, uy) = (dx / len, dy / len);
    let base = Point {
        x: tip.x - ux * 9.0,
        y: tip.y - uy * 9.0,
    };
    let a = Point {
        x: base.x - uy * 4.5,
        y: base.y + ux * 4.5,
    };
    let b = Point {
        x: base.x + uy * 4.5,
        y: base.y - ux * 4.5,
    };
    format!("M{}L{}L{}Z", pt(tip), pt(a), pt(b))
}

fn cross(at: Point, r: f32) -> String {
    format!(
        "M{}L{}M{}L{}",
        pt(Point {
            x: at.x - r,
            y: at.y - r
        }),
        pt(Point {
            x: at.x + r,
            y: at.y + r
        }),
        pt(Point {
            x: at.x - r,
            y: at.y + r
        }),
        pt(Point {
            x: at.x + r,
            y: at.y - r
        })
    )
}

/// An orthogonal path with rounded corners, its ends pulled back under the arrowheads.
fn edge_path(points: &[Point], head_start: bool, head_end: bool) -> String {
    let mut pts: Vec<Point> = points.to_vec();
    let n = pts.len();
    if n < 2 {
        return String::new();
    }
    if head_end {
        pts[n - 1] = shorten(pts[n - 2], pts[n - 1], 7.0);
    }
    if head_start {
        pts[0] = shorten(pts[1], pts[0], 7.0);
    }
    let mut d = format!("M{}", pt(pts[0]));
    for i in 1..n - 1 {
        let (a, b, c) = (pts[i - 1], pts[i], pts[i + 1]);
        let len_in = (b.x - a.x).abs() + (b.y - a.y).abs();
        let len_out = (c.x - b.x).abs() + (c.y - b.y).abs();
        let r = 6.0f32.min(len_in / 2.0).min(len_out / 2.0);
        if r < 0.5 {
            let _ = write!(d, "L{}", pt(b));
            continue;
        }
        let p_in = shorten(a, b, r);
        let p_out = shorten(c, b, r);
        let _ = write!(d, "L{}Q{} {}", pt(p_in), pt(b), pt(p_out));
    }
    let _ = write!(d, "L{}", pt(pts[n - 1]));
    d
}

/// The 16×16 glyph drawn left of a node's label.
pub(super) fn glyph(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Client => "M2 3h12v8H2zM0 13.5h16",
        NodeKind::Browser => "M1 2h14v12H1zM1 5.5h14M3.5 3.7h.1M5.5 3.7h.1",
        NodeKind::Mobile => "M4.5 1h7v14h-7zM7 12.5h2",
        NodeKind::Cdn => "M4.5 13a3.5 3.5 0 0 1-.5-7 4.5 4.5 0 0 1 8.6 1A3 3 0 0 1 12 13z",
        NodeKind::Dns => {
            "M8 1a7 7 0 1 0 0 14A7 7 0 1 0 8 1zM1 8h14M8 1c-3 3.5-3 10.5 0 14M8 1c3 3.5 3 10.5 0 14"
        }
        NodeKind::Lb => "M1 8h5M6 8l4-5h5M6 8l4 5h5M12.5 1l2.5 2-2.5 2M12.5 11l2.5 2-2.5 2",
        NodeKind::Gateway => "M8 1l6 2.5V8c0 3.5-2.5 6-6 7-3.5-1-6-3.5-6-7V3.5z",
        NodeKind::Service => "M8 1l6.5 3.5v7L8 15l-6.5-3.5v-7zM1.5 4.5L8 8l6.5-3.5M8 8v7",
        NodeKind::Worker => {
            "M8 5a3 3 0 1 0 0 6 3 3 0 1 0 0-6zM8 0.5v2.5M8 13v2.5M0.5 8H3M13 8h2.5M2.7 2.7l1.8 1.8M11.5 11.5l1.8 1.8M2.7 13.3l1.8-1.8M11.5 4.5l1.8-1.8"
        }
        NodeKind::Database => {
            "M2 3.5c0-2 12-2 12 0v9c0 2-12 2-12 0zM2 3.5c0 2 12 2 12 0M2 8c0 2 12 2 12 0"
        }
        NodeKind::Cache => "M9.5 1L3 9.5h4.5L6.5 15 13 6.5H8.5z",
        NodeKind::Queue => "M1 4h14v8H1zM5 4v8M8.5 4v8M12 4v8",
        NodeKind::Stream => "M1 4.5q3.5-3 7 0t7 0M1 8.5q3.5-3 7 0t7 0M1 12.5q3.5-3 7 0t7 0",
        NodeKind::Bucket => "M1.5 3.5h13l-1.8 11H3.3zM1.5 3.5c0-2 13-2 13 0",
        NodeKind::Search => "M6.5 1.5a5 5 0 1 0 0 10 5 5 0 1 0 0-10zM10.2 10.2L15 15",
        NodeKind::Scheduler => "M8 1a7 7 0 1 0 0 14A7 7 0 1 0 8 1zM8 4v4.5l3 2",
        NodeKind::Coordinator => "M1.5 13l1-9 3.5 4 2-6 2 6 3.5-4 1 9z",
        NodeKind::External => "M9 1.5h5.5V7M14.5 1.5L7.5 8.5M12 10v4.5H1.5V4H6",
        NodeKind::Note => "",
    }
}

fn outline(kind: NodeKind, r: &Rect) -> String {
    let (x, y, w, h) = (r.x, r.y, r.w, r.h);
    match kind {
        NodeKind::Database => {
            let e = LID;
            format!(
                "<path class=\"ds-sh\" d=\"M{} {}A{} {e} 0 0 1 {} {}V{}A{} {e} 0 0 1 {} {}ZM{} {}A{} {e} 0 0 0 {} {}\"/>",
                num(x),
                num(y + e),
                num(w / 2.0),
                num(x + w),
                num(y + e),
                num(y + h - e),
                num(w / 2.0),
                num(x),
                num(y + h - e),
                num(x),
                num(y + e),
                num(w / 2.0),
                num(x + w),
                num(y + e)
            )
        }
        NodeKind::Gateway => {
            let c = CHAMFER;
            format!(
                "<path class=\"ds-sh\" d=\"M{} {}H{}L{} {}V{}L{} {}H{}L{} {}V{}Z\"/>",
                num(x + c),
                num(y),
                num(x + w - c),
                num(x + w),
                num(y + c),
                num(y + h - c),
                num(x + w - c),
                num(y + h),
                num(x + c),
                num(x),
                num(y + h - c),
                num(y + c)
            )
        }
        NodeKind::Note => {
            let f = FOLD;
            format!(
                "<path class=\"ds-sh\" d=\"M{} {}H{}L{} {}V{}H{}ZM{} {}V{}H{}\"/>",
                num(x),
                num(y),
                num(x + w - f),
                num(x + w),
                num(y + f),
                num(y + h),
                num(x),
                num(x + w - f),
                num(y),
                num(y + f),
                num(x + w)
            )
        }
        NodeKind::External => format!(
            "<rect class=\"ds-sh\" {} rx=\"{}\" stroke-dasharray=\"5 3\"/>",
            rect_attrs(r),
            num(corner_radius(kind, r))
        ),
        NodeKind::Browser => format!(
            "<rect class=\"ds-sh\" {} rx=\"{}\"/><path class=\"ds-gl\" d=\"M{} {}H{}\"/>",
            rect_attrs(r),
            num(corner_radius(kind, r)),
            num(x),
            num(y + BROWSER_BAR),
            num(x + w)
        ),
        NodeKind::Queue => {
            let mut s = format!(
                "<rect class=\"ds-sh\" {} rx=\"{}\"/><path class=\"ds-gl\" d=\"",
                rect_attrs(r),
                num(corner_radius(kind, r))
            );
            for sx in queue_slots(r) {
                let _ = write!(s, "M{} {}V{}", num(sx), num(y + 8.0), num(y + h - 8.0));
            }
            s.push_str("\"/>");
            s
        }
        _ => format!(
            "<rect class=\"ds-sh\" {} rx=\"{}\"/>",
            rect_attrs(r),
            num(corner_radius(kind, r))
        ),
    }
}

fn draw_text(out: &mut String, t: &Text) {
    let anchor = match t.anchor {
        Anchor::Start => "",
        Anchor::Middle => " text-anchor=\"middle\"",
    };
    let _ = writeln!(
        out,
        "<text class=\"{}\" x=\"{}\" y=\"{}\"{anchor}>{}</text>",
        t.class,
        num(t.x),
        num(t.y),
        esc(&t.text)
    );
}

fn draw_node(
    out: &mut String,
    kind: NodeKind,
    r: &Rect,
    texts: &[Text],
    glyph_at: Point,
    replicas: u32,
    new: bool,
) {
    let shape = outline(kind, r);
    if replicas > 1 {
        for k in [2.0f32, 1.0] {
            let d = STACK_OFFSET * k;
            let _ = writeln!(
                out,
                "<g transform=\"translate({} -{})\">{shape}</g>",
                num(d),
                num(d)
            );
        }
    }
    let _ = writeln!(out, "{shape}");
    if kind != NodeKind::Note {
        let _ = writeln!(
            out,
            "<path class=\"ds-gl\" d=\"{}\" transform=\"translate({} {})\"/>",
            glyph(kind),
            num(glyph_at.x),
            num(glyph_at.y)
        );
    }
    for t in texts {
        draw_text(out, t);
    }
    if new {
        let stack = if replicas > 1 {
            STACK_OFFSET * 2.0
        } else {
            0.0
        };
        let halo = Rect {
            x: r.x - 4.0,
            y: r.y - 4.0 - stack,
            w: r.w + 8.0 + stack,
            h: r.h + 8.0 + stack,
        };
        let _ = writeln!(
            out,
            "<rect class=\"ds-hl\" {} rx=\"11\"/>",
            rect_attrs(&halo)
        );
        let bx = r.x + 8.0;
        let by = r.y - 4.0 - stack - 7.0;
        let _ = writeln!(
            out,
            "<rect class=\"ds-hb\" x=\"{}\" y=\"{}\" width=\"30\" height=\"14\" rx=\"7\"/><text class=\"ds-ht\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">NEW</text>",
            num(bx),
            num(by),
            num(bx + 15.0),
            num(by + 10.3)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The legibility floor rests on the smallest sizes the stylesheet writes; keep them true.
    #[test]
    fn smallest_sizes_match_the_stylesheet() {
        let sheet = format!("{STYLE}{LOG_STYLE}");
        let sizes = |rule_filter: fn(&str) -> bool| -> Vec<f32> {
            sheet
                .split('}')
                .filter(|rule| rule_filter(rule))
                .filter_map(|rule| rule.split("font-size:").nth(1))
                .map(|v| v.trim_end_matches(|c: char| !c.is_ascii_digit()).split("px").next().unwrap_or(""))
                .map(|v| v.parse::<f32>().unwrap())
                .collect()
        };
        let text = sizes(|rule| !rule.contains(".ds-ht"));
        let badge = sizes(|rule| rule.contains(".ds-ht"));
        assert_eq!(text.iter().copied().fold(f32::INFINITY, f32::min), SMALLEST_TEXT_PX);
        assert_eq!(badge, vec![BADGE_PX]);
        assert!((min_scale() - 11.0 / 11.5).abs() < 1e-6);
    }

    #[test]
    fn each_stage_has_its_own_camera() {
        let src = "diagram \"t\"\nstage \"One\"\ncaption \"c\"\nservice a \"A\"\nstage \"Two\"\ncaption \"c\"\ndatabase b \"B\"\na -> b\n";
        let compiled = crate::diagram::compile("t.dsd", src);
        let diagram = compiled.diagram.expect("compiles");
        let first = stage_view(diagram.scene(), 0);
        let last = stage_view(diagram.scene(), 1);
        assert!(first.w < last.w, "stage 1 {first:?} should be narrower than stage 2 {last:?}");
        let all = diagram.svg_all("t");
        assert!(all.contains("data-ds-views=\""), "{all}");
        let one = diagram.svg_stage(0, "t");
        assert!(one.contains(&format!("viewBox=\"{} {} {} {}\"", num(first.x), num(first.y), num(first.w), num(first.h))), "{one}");
    }
}
