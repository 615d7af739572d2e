//! Text measurement with the bundled Open Sans.
//!
//! In: a string, a font size and a weight. Out: its advance width in pixels, summed from the
//! font's horizontal advances with ttf-parser (no shaping). mdBook serves the same family to
//! readers, with identical advances, so a box sized here fits the text the browser draws.
//!
//! The font files are embedded with `include_bytes!`, so measurement (and the PNG renderer in
//! [`super::raster`]) never depends on the fonts of the machine that builds the book.

use std::sync::OnceLock;

/// Open Sans Regular 1.11 (Apache-2.0, see `generator/fonts/`).
pub const REGULAR: &[u8] = include_bytes!("../../fonts/OpenSans-Regular.ttf");
/// Open Sans Semibold 1.11 (Apache-2.0, see `generator/fonts/`).
pub const SEMIBOLD: &[u8] = include_bytes!("../../fonts/OpenSans-Semibold.ttf");

/// The family name written into SVG and registered with the PNG renderer.
pub const FAMILY: &str = "Open Sans";

/// Which of the two bundled faces a text uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    /// Body text: subtitles, notes, edge labels.
    Regular,
    /// Node names, lane headers and group titles.
    Semibold,
}

/// One parsed face; each is parsed once per process.
struct Metrics {
    face: ttf_parser::Face<'static>,
    units_per_em: f32,
    /// Advance of a character missing from the font: browsers fall back to another font,
    /// whose width we cannot know, so we assume a wide glyph rather than zero.
    missing: f32,
}

impl Metrics {
    fn load(bytes: &'static [u8]) -> Option<Metrics> {
        let face = ttf_parser::Face::parse(bytes, 0).ok()?;
        let units_per_em = f32::from(face.units_per_em());
        let missing = units_per_em * 0.9;
        Some(Metrics {
            face,
            units_per_em,
            missing,
        })
    }

    fn advance(&self, c: char) -> f32 {
        if c.is_control() || is_zero_width(c) {
            return 0.0;
        }
        match self.face.glyph_index(c) {
            Some(glyph) => self
                .face
                .glyph_hor_advance(glyph)
                .map_or(self.missing, f32::from),
            // Emoji and CJK come from a fallback font, wider than Open Sans's notdef box.
            None if is_wide(c) => self.units_per_em * 1.2,
            None => self.missing,
        }
    }
}

fn is_zero_width(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FE0F}')
}

fn is_wide(c: char) -> bool {
    let c = u32::from(c);
    (0x1F000..=0x1FAFF).contains(&c)
        || (0x2E80..=0x9FFF).contains(&c)
        || (0xAC00..=0xD7AF).contains(&c)
}

fn metrics(weight: Weight) -> Option<&'static Metrics> {
    static REG: OnceLock<Option<Metrics>> = OnceLock::new();
    static SEMI: OnceLock<Option<Metrics>> = OnceLock::new();
    match weight {
        Weight::Regular => REG.get_or_init(|| Metrics::load(REGULAR)).as_ref(),
        Weight::Semibold => SEMI.get_or_init(|| Metrics::load(SEMIBOLD)).as_ref(),
    }
}

/// Width in pixels of `text` set in Open Sans at `size` pixels.
///
/// The embedded fonts always parse; if they somehow did not, a conservative estimate of
/// 0.6 em per character keeps layout working instead of panicking.
pub fn width(text: &str, size: f32, weight: Weight) -> f32 {
    match metrics(weight) {
        Some(m) => text.chars().map(|c| m.advance(c)).sum::<f32>() * size / m.units_per_em,
        None => text.chars().count() as f32 * size * 0.6,
    }
}

/// Breaks `text` into lines no wider than `max_width` at spaces (a single long word stays
/// whole on its own line).
pub fn wrap(text: &str, size: f32, weight: Weight, max_width: f32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if !line.is_empty() && width(&candidate, size, weight) > max_width {
            lines.push(std::mem::take(&mut line));
            line = word.to_string();
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_widths_measured_with_the_browser_font() {
        // Research measured "Load Balancer" at 14 px regular as 92.74 px.
        let w = width("Load Balancer", 14.0, Weight::Regular);
        assert!((w - 92.74).abs() < 0.05, "{w}");
        assert!(width("Load Balancer", 14.0, Weight::Semibold) > w);
    }

    #[test]
    fn wraps_at_spaces() {
        let lines = wrap("one two three four five six", 12.0, Weight::Regular, 60.0);
        assert!(lines.len() > 2);
        assert!(
            lines
                .iter()
                .all(|l| width(l, 12.0, Weight::Regular) <= 60.0 || !l.contains(' '))
        );
        assert_eq!(wrap("", 12.0, Weight::Regular, 60.0), vec![String::new()]);
    }
}
