//! The one palette (`generator::palette`) against every place a colour is written.
//!
//! In: `theme/dsbook.css` and `theme/diagrams.css` as files, and an SVG the diagram compiler
//! writes (whose `var()` fallbacks are also what the PNG social cards show). Out: one
//! assertion per check, listing every property, file, current value and palette value that
//! disagree, so the sheets and the SVG cannot drift from the palette, or from each other.

mod common;

use std::collections::BTreeMap;

use generator::palette::{self, Colour, PALETTE, Theme};

/// One `--ds-*` declaration in a rule whose selectors are all theme classes.
#[derive(Debug)]
struct Declaration {
    file: &'static str,
    /// The theme the selector names; `None` for `html:not(.js)`, the page without scripts,
    /// which shows the light theme's colours.
    theme: Option<Theme>,
    selector: String,
    name: String,
    value: String,
}

/// The selectors that pick a theme.
fn theme_of(selector: &str) -> Option<Option<Theme>> {
    if selector == "html:not(.js)" {
        return Some(None);
    }
    let class = selector.strip_prefix('.')?;
    Theme::ALL
        .into_iter()
        .find(|t| t.class() == class)
        .map(Some)
}

fn without_comments(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        rest = rest[start + 2..]
            .find("*/")
            .map_or("", |end| &rest[start + 2 + end + 2..]);
    }
    out.push_str(rest);
    out
}

/// Every rule of a stylesheet as (selector list, body), at-rule blocks opened so the rules
/// inside `@media` are found too.
fn rules(css: &str) -> Vec<(String, String)> {
    let css = without_comments(css);
    let mut out = Vec::new();
    let mut prelude = String::new();
    let mut chars = css.chars();
    while let Some(c) = chars.next() {
        match c {
            '{' if prelude.trim_start().starts_with('@') => prelude.clear(),
            '{' => {
                let body: String = chars.by_ref().take_while(|&c| c != '}').collect();
                out.push((prelude.trim().to_owned(), body));
                prelude.clear();
            }
            '}' | ';' => prelude.clear(),
            c => prelude.push(c),
        }
    }
    out
}

/// The `--ds-*` declarations of the theme rules of `file`.
fn declarations(file: &'static str, css: &str) -> Vec<Declaration> {
    let mut out = Vec::new();
    for (selectors, body) in rules(css) {
        let themes: Vec<(String, Option<Option<Theme>>)> = selectors
            .split(',')
            .map(|s| (s.trim().to_owned(), theme_of(s.trim())))
            .collect();
        if themes.iter().any(|(_, t)| t.is_none()) {
            continue;
        }
        for declaration in body.split(';') {
            let Some((name, value)) = declaration.split_once(':') else {
                continue;
            };
            let Some(name) = name.trim().strip_prefix("--") else {
                continue;
            };
            if !name.starts_with("ds-") {
                continue;
            }
            for (selector, theme) in &themes {
                out.push(Declaration {
                    file,
                    theme: theme.flatten(),
                    selector: selector.clone(),
                    name: name.to_owned(),
                    value: value.trim().to_owned(),
                });
            }
        }
    }
    out
}

/// Every `var(--ds-name, fallback)` in `text`, as (name, fallback); `None` without one.
fn var_fallbacks(text: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let starts = text.match_indices("var(--").map(|(i, m)| i + m.len());
    for piece in starts.map(|at| &text[at..]) {
        // The argument runs to the parenthesis that closes `var(`.
        let mut depth = 0;
        let end = piece
            .char_indices()
            .find(|&(_, c)| {
                match c {
                    '(' => depth += 1,
                    ')' if depth == 0 => return true,
                    ')' => depth -= 1,
                    _ => {}
                }
                false
            })
            .map_or(piece.len(), |(i, _)| i);
        let inner = &piece[..end];
        let (name, fallback) = match inner.split_once(',') {
            Some((n, f)) => (n.trim(), Some(f.trim().to_owned())),
            None => (inner.trim(), None),
        };
        if name.starts_with("ds-") {
            out.push((name.to_owned(), fallback));
        }
    }
    out
}

fn read(file: &str) -> String {
    std::fs::read_to_string(common::project_root().join(file))
        .unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn report(problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{} disagreement(s) with generator/src/palette.rs:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Each theme's colour in the two stylesheets is the palette's, set by the colour's own
/// sheet; and every `var()` fallback in them is the palette's light colour.
#[test]
fn the_stylesheets_follow_the_palette() {
    let files = [palette::Sheet::Page.file(), palette::Sheet::Diagram.file()];
    let texts: BTreeMap<&str, String> = files.iter().map(|f| (*f, read(f))).collect();
    let declared: Vec<Declaration> = files
        .iter()
        .flat_map(|f| declarations(f, &texts[f]))
        .collect();
    assert!(
        declared.len() > 50,
        "the stylesheets set no colours: {declared:?}"
    );
    let mut problems = Vec::new();
    for d in &declared {
        match palette::find(&d.name) {
            None => problems.push(format!(
                "{}: `{}` sets --{}, which is not in the palette",
                d.file, d.selector, d.name
            )),
            Some(colour) if colour.sheet.file() != d.file => problems.push(format!(
                "{}: `{}` sets --{}, which belongs to {}",
                d.file,
                d.selector,
                d.name,
                colour.sheet.file()
            )),
            Some(_) => {}
        }
    }
    // The page without scripts (`html:not(.js)`) shows the light theme.
    let themes = Theme::ALL
        .into_iter()
        .map(|t| (Some(t), t))
        .chain([(None, Theme::Light)]);
    for (selector_theme, theme) in themes {
        for colour in PALETTE {
            let set: Vec<&Declaration> = declared
                .iter()
                .filter(|d| d.theme == selector_theme && d.name == colour.name)
                .collect();
            let (value, whence) = match set.as_slice() {
                [] => (
                    colour.fallback.to_owned(),
                    "unset, so the fallback".to_owned(),
                ),
                [one] => (
                    one.value.clone(),
                    format!("{} `{}`", one.file, one.selector),
                ),
                many => {
                    problems.push(format!(
                        "--{} is set {} times for the {} theme: {many:?}",
                        colour.name,
                        many.len(),
                        theme.class()
                    ));
                    continue;
                }
            };
            if palette::normalize(&value) != palette::normalize(colour.value(theme)) {
                let theme_name = match selector_theme {
                    Some(t) => t.class(),
                    None => "no-script (light)",
                };
                problems.push(format!(
                    "--{} in the {theme_name} theme: {whence} is {value}, the palette says {}",
                    colour.name,
                    colour.value(theme)
                ));
            }
        }
    }
    for (file, text) in &texts {
        problems.extend(fallback_problems(file, &without_comments(text)));
    }
    report(&problems);
}

/// The problems with the `var()` fallbacks of `text`: each must be the palette's light colour.
fn fallback_problems(file: &str, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, fallback) in var_fallbacks(text) {
        let (Some(colour), Some(fallback)) = (palette::find(&name), fallback) else {
            continue;
        };
        if palette::normalize(&fallback) != palette::normalize(colour.fallback) {
            problems.push(format!(
                "{file}: var(--{name}, …) falls back to {fallback}, the palette says {}",
                colour.fallback
            ));
        }
    }
    problems
}

/// An SVG as the book and the social cards get it, with the whole diagram stylesheet.
fn compiled_svg() -> String {
    let source = "diagram \"Palette\"\nstage \"All\"\ncaption \"Every family.\"\nclient c \"C\"\nservice s \"S\"\nc -> s\n";
    let compiled = generator::diagram::compile("palette.dsd", source);
    let diagram = compiled
        .diagram
        .unwrap_or_else(|| panic!("{:?}", compiled.diagnostics));
    diagram.svg_stage(0, "ds-palette")
}

/// Every colour an SVG reads is in the palette, so the dark themes can set it.
#[test]
fn the_svg_reads_only_palette_colours() {
    let svg = compiled_svg();
    let read: Vec<(String, Option<String>)> = var_fallbacks(&svg);
    assert!(read.len() > 20, "the SVG reads no colours:\n{svg}");
    let mut problems = Vec::new();
    for (name, fallback) in &read {
        if palette::find(name).is_none() {
            problems.push(format!(
                "the SVG reads --{name}, which is not in the palette"
            ));
        }
        if fallback.is_none() {
            problems.push(format!(
                "the SVG reads --{name} without a fallback, so a PNG card has no colour for it"
            ));
        }
    }
    // Every diagram colour is read by the SVG: a palette entry nothing uses is stale.
    for colour in PALETTE
        .iter()
        .filter(|c| c.sheet == palette::Sheet::Diagram)
    {
        if !read.iter().any(|(name, _)| name == colour.name) {
            problems.push(format!("no SVG reads --{}", colour.name));
        }
    }
    report(&problems);
}

/// The SVG's fallbacks, which a standalone SVG and the PNG card show, are the palette's
/// light colours, the same the light page shows.
#[test]
fn the_svg_fallbacks_are_the_palette_light_colours() {
    report(&fallback_problems(
        "an SVG from generator/src/diagram/svg.rs",
        &compiled_svg(),
    ));
}

#[test]
fn the_parsers_find_what_they_look_for() {
    let css = "/* .light { --ds-x: #000; } */\n.light, html:not(.js) { --ds-a: #FFF; --links: red; }\n@media print { .coal { --ds-b: var(--bg); } }\n.ds-figure { color: var(--ds-muted, #555b61); }\n";
    let found = declarations("t.css", css);
    let seen: Vec<(Option<Theme>, &str, &str)> = found
        .iter()
        .map(|d| (d.theme, d.name.as_str(), d.value.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            (Some(Theme::Light), "ds-a", "#FFF"),
            (None, "ds-a", "#FFF"),
            (Some(Theme::Coal), "ds-b", "var(--bg)"),
        ]
    );
    assert_eq!(
        var_fallbacks("fill:var(--ds-x,var(--y,#123));stroke:var(--ds-z)"),
        [
            ("ds-x".to_owned(), Some("var(--y,#123)".to_owned())),
            ("ds-z".to_owned(), None)
        ]
    );
    assert_eq!(
        fallback_problems("f", "a{color:var(--ds-accent, #0284c7)}"),
        ["f: var(--ds-accent, …) falls back to #0284c7, the palette says #20609f"]
    );
    let _: &Colour = &PALETTE[0];
}
