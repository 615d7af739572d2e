//! Rasterising: SVG text → PNG bytes, through resvg with the bundled Open Sans.
//!
//! In: an SVG written by [`super::svg`] (or any SVG) and a scale factor. Out: PNG bytes on a
//! white background. Fonts come only from the bytes embedded in [`super::font`], never from
//! the system, so a PNG is identical on every machine. This is the one place in the compiler
//! that builds runtime state (the font database), once per process.
//!
//! resvg does not implement CSS `var()`; [`resolve_vars`] first replaces every
//! `var(--name, fallback)` with its fallback, which is exactly what a browser shows when the
//! page defines none of the `--ds-*` properties: the light look.

use std::sync::{Arc, OnceLock};

use resvg::{tiny_skia, usvg};

use super::font;

/// Largest width or height of a PNG, in pixels, to keep memory bounded.
pub const MAX_SIDE: u32 = 8192;

/// Renders `svg` at `scale` (1.0 is one pixel per SVG unit) to PNG bytes.
pub fn png(svg: &str, scale: f32) -> Result<Vec<u8>, String> {
    if !(scale.is_finite() && scale > 0.0) {
        return Err(format!("scale must be a positive number, not {scale}"));
    }
    let resolved = resolve_vars(svg);
    let tree = parse(&resolved)?;
    let size = tree.size();
    let width = (size.width() * scale).ceil();
    let height = (size.height() * scale).ceil();
    if width > MAX_SIDE as f32 || height > MAX_SIDE as f32 {
        return Err(format!(
            "a {width}×{height} image is larger than {MAX_SIDE} pixels a side"
        ));
    }
    let mut pixmap = tiny_skia::Pixmap::new(width.max(1.0) as u32, height.max(1.0) as u32)
        .ok_or_else(|| "could not allocate the image".to_string())?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|e| e.to_string())
}

/// A social-card image: `svg` fitted, centred and padded on a white `width` × `height`
/// canvas (1200 × 630 is the size link previews expect).
pub fn card(svg: &str, width: u32, height: u32) -> Result<Vec<u8>, String> {
    let tree = parse(&resolve_vars(svg))?;
    let size = tree.size();
    let pad = width.min(height) as f32 * 0.06;
    let scale = ((width as f32 - 2.0 * pad) / size.width())
        .min((height as f32 - 2.0 * pad) / size.height());
    let dx = (width as f32 - size.width() * scale) / 2.0;
    let dy = (height as f32 - size.height() * scale) / 2.0;
    let mut pixmap = tiny_skia::Pixmap::new(width, height)
        .ok_or_else(|| "could not allocate the image".to_string())?;
    pixmap.fill(tiny_skia::Color::WHITE);
    let transform = tiny_skia::Transform::from_scale(scale, scale).post_translate(dx, dy);
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| e.to_string())
}

/// Parses SVG text with usvg, using only the bundled fonts.
pub fn parse(svg: &str) -> Result<usvg::Tree, String> {
    let mut options = usvg::Options {
        font_family: font::FAMILY.to_string(),
        ..usvg::Options::default()
    };
    options.fontdb = fonts();
    usvg::Tree::from_str(svg, &options).map_err(|e| e.to_string())
}

fn fonts() -> Arc<usvg::fontdb::Database> {
    static DB: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        db.load_font_data(font::REGULAR.to_vec());
        db.load_font_data(font::SEMIBOLD.to_vec());
        db.set_sans_serif_family(font::FAMILY);
        Arc::new(db)
    })
    .clone()
}

/// Replaces each `var(--name, fallback)` with its fallback (resolving nested `var()` inside
/// fallbacks too); a `var()` without a fallback becomes `currentColor`.
pub fn resolve_vars(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("var(") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 4..];
        // Find the matching parenthesis and the first top-level comma.
        let mut depth = 1;
        let mut comma = None;
        let mut end = None;
        for (i, c) in after.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(i);
                        break;
                    }
                }
                ',' if depth == 1 && comma.is_none() => comma = Some(i),
                _ => {}
            }
        }
        let Some(end) = end else {
            out.push_str(&rest[start..]);
            return out;
        };
        match comma {
            Some(c) => out.push_str(&resolve_vars(after[c + 1..end].trim())),
            None => out.push_str("currentColor"),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_has_the_requested_size() {
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100"><rect width="300" height="100" fill="var(--x, #123456)"/></svg>"#;
        let png = card(svg, 1200, 630).unwrap();
        // The PNG header stores width and height as big-endian u32 at bytes 16..24.
        assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 1200);
        assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), 630);
    }

    #[test]
    fn replaces_vars_with_their_fallbacks() {
        assert_eq!(resolve_vars("a{fill:var(--x, #fff)}"), "a{fill:#fff}");
        assert_eq!(resolve_vars("var(--a,var(--b,rgb(1,2,3)))"), "rgb(1,2,3)");
        assert_eq!(resolve_vars("var(--a)"), "currentColor");
        assert_eq!(resolve_vars("var(--broken"), "var(--broken");
    }

    #[test]
    fn renders_text_with_the_bundled_font() {
        let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"80\" height=\"20\"><text x=\"2\" y=\"15\" fill=\"var(--x,#000)\">Hello</text></svg>";
        let bytes = png(svg, 2.0).unwrap();
        assert_eq!(&bytes[1..4], b"PNG");
        assert!(png(svg, 0.0).is_err());
    }
}
