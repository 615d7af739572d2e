//! The book's one palette: every colour custom property (`--ds-*`) that the pages, the
//! diagrams and the social cards use, with its value in each of mdBook's five themes.
//!
//! In: nothing; this is a table. Out: [`PALETTE`], which `theme/dsbook.css` (page colours),
//! `theme/diagrams.css` (diagram colours in the dark themes) and the fallbacks inside every
//! SVG the diagram compiler writes (what a standalone SVG and the PNG card show) must agree
//! with; `generator/tests/palette.rs` parses those files and checks them against it.
//!
//! A colour has one value per theme and one fallback: the literal written into every
//! `var(--ds-name, fallback)`, which is the light theme's value (a standalone SVG and the PNG
//! card are drawn on white). The rust theme is a light theme: diagrams keep their light
//! colours there. The three dark themes share the diagram colours and differ in the page's.

/// mdBook's five themes, by the class it puts on `<html>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    /// `light`, also what a page shows without JavaScript (`html:not(.js)`).
    Light,
    /// `rust`: light, on a beige background.
    Rust,
    /// `coal`: dark.
    Coal,
    /// `navy`: dark.
    Navy,
    /// `ayu`: dark.
    Ayu,
}

impl Theme {
    /// Every theme, in the order of [`Colour::values`].
    pub const ALL: [Theme; 5] = [
        Theme::Light,
        Theme::Rust,
        Theme::Coal,
        Theme::Navy,
        Theme::Ayu,
    ];

    /// The class mdBook sets on `<html>` for this theme.
    pub fn class(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Rust => "rust",
            Theme::Coal => "coal",
            Theme::Navy => "navy",
            Theme::Ayu => "ayu",
        }
    }
}

/// The stylesheet that sets a colour per theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sheet {
    /// `theme/dsbook.css`: the page's own colours, set for all five themes.
    Page,
    /// `theme/diagrams.css`: the diagrams' colours, set for the dark themes; the light and
    /// rust themes use the SVG's fallbacks.
    Diagram,
}

impl Sheet {
    /// The file, relative to the project root.
    pub fn file(self) -> &'static str {
        match self {
            Sheet::Page => "theme/dsbook.css",
            Sheet::Diagram => "theme/diagrams.css",
        }
    }
}

/// One colour custom property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colour {
    /// The property's name without `--`: `ds-accent`.
    pub name: &'static str,
    /// The stylesheet that sets it.
    pub sheet: Sheet,
    /// Its value in each theme, in the order of [`Theme::ALL`], as CSS writes it.
    pub values: [&'static str; 5],
    /// The literal every `var()` that reads it falls back to: the light theme's colour.
    pub fallback: &'static str,
}

impl Colour {
    /// Its value in `theme`.
    pub fn value(&self, theme: Theme) -> &'static str {
        self.values[theme as usize]
    }
}

/// A page colour: one value per theme, the light one also the fallback.
const fn page(name: &'static str, values: [&'static str; 5]) -> Colour {
    Colour {
        name,
        sheet: Sheet::Page,
        values,
        fallback: values[0],
    }
}

/// A diagram colour: the light value in the light and rust themes, one value in the dark ones.
const fn diagram(name: &'static str, light: &'static str, dark: &'static str) -> Colour {
    Colour {
        name,
        sheet: Sheet::Diagram,
        values: [light, light, dark, dark, dark],
        fallback: light,
    }
}

/// The page's background in every theme, mdBook's `--bg`. Behind a diagram's labels.
pub const PAGE_BACKGROUND: &str = "var(--bg)";

/// mdBook's light `--bg` (`hsl(0, 0%, 100%)` in its `variables.css`): white.
const LIGHT_BACKGROUND: &str = "#ffffff";

/// Every colour, page colours first.
pub const PALETTE: &[Colour] = &[
    // Text and borders chosen for WCAG AA against each theme's background (theme/dsbook.css).
    page(
        "ds-muted",
        ["#555b61", "#4d4a45", "#a3adb6", "#a9abc4", "#a9adb3"],
    ),
    page(
        "ds-card-bg",
        ["#ffffff", "#ecece6", "#1b1e20", "#1e2232", "#131a22"],
    ),
    page(
        "ds-card-border",
        ["#c4c9ce", "#a39d90", "#50575e", "#4e5575", "#3d4a57"],
    ),
    page(
        "ds-chip-bg",
        ["#eef3f8", "#f6f5f1", "#23282c", "#262c42", "#18222d"],
    ),
    page(
        "ds-chip-fg",
        ["#1d4f80", "#6b3316", "#9fd0ee", "#a8d4f2", "#ffb454"],
    ),
    page(
        "ds-chip-border",
        ["#8aa8c6", "#b38f6b", "#4f6b80", "#52698f", "#6b5a3d"],
    ),
    page(
        "ds-accent",
        ["#20609f", "#8c3a14", "#4aa3d4", "#5aaee0", "#ffb454"],
    ),
    page(
        "ds-draft-fg",
        ["#6a4a00", "#5e4200", "#f0cf7a", "#f0cf7a", "#e6c07b"],
    ),
    page(
        "ds-draft-bg",
        ["#fff4d6", "#f5e9c4", "#3a3120", "#3a3322", "#2b2618"],
    ),
    // Diagrams: labels, edges, the badge on what is new in a stage.
    diagram("ds-text", "#0f172a", "#e2e8f0"),
    diagram("ds-line", "#64748b", "#94a3b8"),
    Colour {
        name: "ds-label-bg",
        sheet: Sheet::Diagram,
        values: [PAGE_BACKGROUND; 5],
        fallback: LIGHT_BACKGROUND,
    },
    diagram("ds-accent-text", "#ffffff", "#0b1220"),
    // Node families: fill and outline.
    diagram("ds-client-bg", "#f1f5f9", "#1e293b"),
    diagram("ds-client-line", "#475569", "#94a3b8"),
    diagram("ds-net-bg", "#f5f3ff", "#2a1b4d"),
    diagram("ds-net-line", "#7c3aed", "#a78bfa"),
    diagram("ds-compute-bg", "#eff6ff", "#162447"),
    diagram("ds-compute-line", "#2563eb", "#60a5fa"),
    diagram("ds-data-bg", "#ecfdf5", "#0b2e22"),
    diagram("ds-data-line", "#059669", "#34d399"),
    diagram("ds-cache-bg", "#fff7ed", "#3a1d0c"),
    diagram("ds-cache-line", "#ea580c", "#fb923c"),
    diagram("ds-queue-bg", "#fdf2f8", "#3d1028"),
    diagram("ds-queue-line", "#db2777", "#f472b6"),
    diagram("ds-ext-bg", "#ffffff", "#1a1f2b"),
    diagram("ds-ext-line", "#64748b", "#94a3b8"),
    diagram("ds-note-bg", "#fefce8", "#332e10"),
    diagram("ds-note-line", "#a16207", "#eab308"),
    diagram("ds-group-bg", "#f8fafc", "#1a2130"),
    diagram("ds-group-line", "#94a3b8", "#64748b"),
    // Timelines.
    diagram("ds-lane", "#94a3b8", "#64748b"),
    diagram("ds-crash", "#dc2626", "#f87171"),
    diagram("ds-recover", "#059669", "#34d399"),
    diagram("ds-period-bg", "#dbeafe", "#1e3a5f"),
    diagram("ds-period-line", "#3b82f6", "#60a5fa"),
    diagram("ds-partition", "#ea580c", "#fb923c"),
];

/// The colour named `name` (without `--`).
pub fn find(name: &str) -> Option<&'static Colour> {
    PALETTE.iter().find(|c| c.name == name)
}

/// A colour as CSS may write it, in one spelling: lower case, `#abc` as `#aabbcc`, no
/// spaces. Anything else (`var(--bg)`, `transparent`) is returned trimmed and lower-cased.
pub fn normalize(value: &str) -> String {
    let value = value.trim().to_ascii_lowercase().replace(' ', "");
    match value.strip_prefix('#') {
        Some(hex) if hex.len() == 3 && hex.chars().all(|c| c.is_ascii_hexdigit()) => hex
            .chars()
            .flat_map(|c| [c, c])
            .fold(String::from("#"), |mut s, c| {
                s.push(c);
                s
            }),
        _ => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_fallbacks_are_the_light_colours() {
        for (i, colour) in PALETTE.iter().enumerate() {
            assert!(
                PALETTE[..i].iter().all(|c| c.name != colour.name),
                "{} is listed twice",
                colour.name
            );
            let fallback = normalize(colour.fallback);
            assert!(
                fallback.len() == 7 && fallback.starts_with('#'),
                "{}: a fallback must be a literal colour",
                colour.name
            );
            let light = colour.value(Theme::Light);
            if light != PAGE_BACKGROUND {
                assert_eq!(normalize(light), fallback, "{}", colour.name);
            }
        }
        assert_eq!(
            find("ds-accent").map(|c| c.value(Theme::Coal)),
            Some("#4aa3d4")
        );
    }

    #[test]
    fn colours_have_one_spelling() {
        assert_eq!(normalize("#FFF"), "#ffffff");
        assert_eq!(normalize(" #20609F "), "#20609f");
        assert_eq!(normalize("var( --bg )"), "var(--bg)");
    }
}
