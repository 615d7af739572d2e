//! Diagrams in pages: the HTML that chapters get for diagram directives and blocks.
//!
//! In: a compiled [`Diagram`], its id, and the stage a marker names. Out: HTML blocks (one
//! line each where Markdown could break them, never a blank line) for
//!
//! - a ```` ```diagram ```` example block: the source, then each stage as a figure;
//! - `{{#diagram id}}`: the stepper, one SVG holding every stage, which the page script shows
//!   beside the text on wide screens, switching stage as the reader scrolls;
//! - `{{#stage k}}`: stage k as its own figure with its caption, shown inline on narrow
//!   screens, without JavaScript, and in print;
//! - `{{#figure id}}` / `{{#figure id k}}`: every stage, or stage k, of another diagram as
//!   figures in the text, for chapters with several staged figures. The page script shows a
//!   sequence of stages one at a time on screen; print and readers without it get them all.
//!
//! Ids inside each SVG start with a prefix made from the diagram id and stage, so several
//! diagrams can share a page, and `print.html`, which holds every chapter, stays valid.

use crate::diagram::Diagram;
use crate::html::escape;

/// The prefix of every id inside one rendering of a diagram.
fn prefix(id: &str, part: &str) -> String {
    format!("ds-{id}-{part}")
}

/// Stage `index` (0-based) as a figure with its caption, for a `{{#stage}}` marker: the
/// stepper of the same diagram hides it while it shows the diagram itself.
pub fn stage_figure(diagram: &Diagram, id: &str, index: usize) -> String {
    figure(diagram, id, index, "s", "ds-stage-figure", index == 0)
}

/// `{{#figure id}}` and `{{#figure id N}}`: the given stages (1-based) as figures in the
/// text, which the page's stepper never hides. Several stages are grouped and labelled as one
/// sequence, which `stepper.js` steps through in place.
pub fn inline(diagram: &Diagram, id: &str, stages: std::ops::RangeInclusive<usize>) -> String {
    let (first, last) = (*stages.start(), *stages.end());
    let single = first == last;
    let figures: String = stages
        .map(|n| figure(diagram, id, n - 1, "f", "ds-inline-figure", single))
        .collect();
    if single {
        return figures;
    }
    format!(
        "<div class=\"ds-figure-series\" role=\"group\" aria-label=\"{}, stages {first} to {last}\">{figures}{}</div>",
        escape(diagram.title()),
        legend(diagram)
    )
}

/// The diagram's key as a list, or nothing when nothing in it needs one. Inline figures show
/// it as it is (it prints); the stepper folds it into a disclosure, where room is short.
pub fn legend(diagram: &Diagram) -> String {
    let entries = diagram.legend();
    if entries.is_empty() {
        return String::new();
    }
    let items: String = entries
        .iter()
        .map(|e| format!("<li>{}<span>{}</span></li>", e.swatch, escape(e.text)))
        .collect();
    format!("<ul class=\"ds-legend\" aria-label=\"Key\">{items}</ul>")
}

fn figure(
    diagram: &Diagram,
    id: &str,
    index: usize,
    part: &str,
    class: &str,
    with_key: bool,
) -> String {
    let stages = diagram.stages();
    let count = stages.len().max(1);
    let svg = one_block(&diagram.svg_stage(index, &prefix(id, &format!("{part}{}", index + 1))));
    let caption = match stages.get(index) {
        Some(stage) if count > 1 => format!(
            "<span class=\"ds-stage-number\">Stage {} of {count}:</span> <strong>{}</strong> {}",
            index + 1,
            escape(&stage.title),
            escape(&stage.caption)
        ),
        Some(stage) if !stage.caption.is_empty() => {
            format!(
                "<strong>{}</strong> {}",
                escape(&stage.title),
                escape(&stage.caption)
            )
        }
        _ => format!("<strong>{}</strong>", escape(diagram.title())),
    };
    format!(
        "<figure class=\"ds-figure {class}\" data-ds-diagram=\"{id}\" data-ds-stage=\"{}\">{}{}<figcaption>{caption}</figcaption></figure>",
        index + 1,
        scroller(&svg),
        // Before the caption: HTML allows a figure's caption only as its first or last child.
        if with_key { legend(diagram) } else { String::new() }
    )
}

/// The stepper for `{{#diagram id}}`: every stage in one SVG plus the controls' markup. It is
/// `hidden` until the page script decides the screen is wide enough to show it.
pub fn stepper(diagram: &Diagram, id: &str) -> String {
    let stages = diagram.stages();
    let first = stages.first();
    let svg = one_block(&diagram.svg_all(&prefix(id, "all")));
    let options: String = stages
        .iter()
        .enumerate()
        .map(|(i, s)| {
            format!(
                "<option value=\"{}\">{}. {}</option>",
                i + 1,
                i + 1,
                escape(&s.title)
            )
        })
        .collect();
    format!(
        concat!(
            "<div class=\"ds-stepper\" role=\"group\" data-ds-diagram=\"{id}\" data-ds-stages=\"{count}\" data-ds-floor=\"{floor}\" aria-label=\"{title}, stage by stage\" hidden>",
            "<div class=\"ds-stepper-frame\"><div class=\"ds-stepper-view\" data-ds-stage=\"1\">{svg}</div><span class=\"ds-stepper-cue\" aria-hidden=\"true\">More to see: drag or use the arrow keys</span></div>",
            "<p class=\"ds-stepper-caption\"><span class=\"ds-stage-number\">Stage 1 of {count}:</span> <strong>{stage_title}</strong> <span class=\"ds-stepper-text\">{stage_caption}</span></p>",
            "<div class=\"ds-stepper-controls\">",
            "<button type=\"button\" class=\"ds-stepper-prev\" aria-label=\"Previous stage\">Previous</button>",
            "<select class=\"ds-stepper-list\" aria-label=\"Stage\">{options}</select>",
            "<button type=\"button\" class=\"ds-stepper-next\" aria-label=\"Next stage\">Next</button>",
            "{key}",
            "<button type=\"button\" class=\"ds-stepper-full\" aria-pressed=\"false\">Full screen</button>",
            "</div>",
            "<p class=\"ds-stepper-live ds-visually-hidden\" aria-live=\"polite\"></p>",
            "</div>"
        ),
        id = id,
        count = stages.len(),
        title = escape(diagram.title()),
        svg = svg,
        stage_title = escape(first.map_or("", |s| s.title.as_str())),
        stage_caption = escape(first.map_or("", |s| s.caption.as_str())),
        options = options,
        floor = floor(),
        key = match legend(diagram) {
            key if key.is_empty() => key,
            key => format!("<details class=\"ds-stepper-key\"><summary>Key</summary>{key}</details>"),
        },
    )
}

/// A ```` ```diagram ```` example: the source as a code block, then every stage as a figure.
pub fn example(diagram: &Diagram, id: &str, source: &str) -> String {
    let figures: String = (0..diagram.stages().len().max(1))
        .map(|i| stage_figure(diagram, id, i))
        .collect();
    format!(
        "<div class=\"ds-example\"><pre><code class=\"language-text\">{}</code></pre>{figures}</div>",
        escape(source.trim_end()).replace('\n', "&#10;")
    )
}

/// Wraps an SVG so that it never shrinks below the scale at which its text stays legible
/// and scrolls sideways instead. `--ds-w` carries its natural width and `--ds-floor` the
/// smallest scale (see [`crate::diagram::svg::min_scale`]).
fn scroller(svg: &str) -> String {
    let width = svg
        .split_once(" width=\"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map_or("800", |(w, _)| w);
    format!(
        "<div class=\"ds-figure-scroll\" style=\"--ds-w:{width}px;--ds-floor:{}\">{svg}</div>",
        floor()
    )
}

/// The legible floor as the pages write it: three decimals, rounded up so that rounding
/// never takes a text below the floor.
fn floor() -> String {
    format!("{:.3}", (crate::diagram::svg::min_scale() * 1000.0).ceil() / 1000.0)
}

/// Joins the SVG's lines so no blank line can end the HTML block early.
fn one_block(svg: &str) -> String {
    svg.lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}
