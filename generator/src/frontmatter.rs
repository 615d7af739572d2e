//! Chapter front matter: the TOML header between `+++` lines at the top of every chapter.
//!
//! In: a chapter's path (relative to `book/src`), its text and the catalogue.
//! Out: the page's [`PageMeta`] (what goes into `<head>`), the byte offset where the body
//! starts, and diagnostics.
//!
//! A piece's chapter names its piece (`piece = "url-shortener"`); its title and description
//! then come from the catalogue, so the two can never disagree. Any other page (the hub, the
//! appendix) gives its own `description`.

use serde::Deserialize;
use toml::Spanned;

use crate::catalog::{Catalog, Format};
use crate::diagnostic::{Diagnostic, closest};

/// What a page's `<head>` says about it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PageMeta {
    /// `og:title`: the piece's title, or the chapter's own.
    pub title: String,
    /// `<meta name="description">` and `og:description`.
    pub description: String,
    /// The catalogue id when the page is a piece's chapter.
    pub piece: Option<String>,
    /// The id of the staged diagram the page places (or, without one, of the first diagram
    /// it shows with `{{#figure}}`), whose last stage becomes its social-card image.
    #[serde(default)]
    pub diagram: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    piece: Option<Spanned<String>>,
    description: Option<Spanned<String>>,
}

const DELIMITER: &str = "+++";

/// Reads the front matter of the chapter at `path`. `chapter_title` is the title mdBook
/// gives the chapter (from `SUMMARY.md`), used for pages that are not pieces.
pub fn parse(
    file: &str,
    path: &str,
    text: &str,
    chapter_title: &str,
    catalog: &Catalog,
) -> (Option<PageMeta>, usize, Vec<Diagnostic>) {
    let example_piece = "start the chapter with\n+++\npiece = \"<catalogue id>\"\n+++";
    let Some(first_line_end) = text.find('\n') else {
        return (None, 0, vec![missing(file, example_piece)]);
    };
    if text[..first_line_end].trim_end() != DELIMITER {
        return (None, 0, vec![missing(file, example_piece)]);
    }
    let body_start = first_line_end + 1;
    let mut offset = body_start;
    let mut close = None;
    for line in text[body_start..].split_inclusive('\n') {
        if line.trim_end() == DELIMITER {
            close = Some((offset, offset + line.len()));
            break;
        }
        offset += line.len();
    }
    let Some((toml_end, content_start)) = close else {
        return (
            None,
            0,
            vec![
                Diagnostic::error(file, 0..DELIMITER.len(), "front matter is not closed")
                    .with_hint("end the front matter with a line containing only +++"),
            ],
        );
    };

    let raw: Raw = match toml::from_str(&text[body_start..toml_end]) {
        Ok(raw) => raw,
        Err(e) => {
            let span = e
                .span()
                .map_or(0..0, |s| s.start + body_start..s.end + body_start);
            let d = Diagnostic::error(file, span, e.message().trim_end_matches('.').replace('\n', " "))
                .with_hint("front matter has `piece = \"<id>\"` for a catalogue piece, or `description = \"...\"` for any other page");
            return (None, content_start, vec![d]);
        }
    };
    let shift = |s: std::ops::Range<usize>| s.start + body_start..s.end + body_start;

    let folder_format = path
        .split_once('/')
        .and_then(|(dir, _)| Format::ALL.into_iter().find(|f| f.folder() == dir));
    let mut diags = Vec::new();
    let meta = match (folder_format, raw.piece) {
        (Some(_), None) => {
            let stem = path
                .rsplit('/')
                .next()
                .unwrap_or(path)
                .trim_end_matches(".md");
            diags.push(
                Diagnostic::error(
                    file,
                    0..DELIMITER.len(),
                    "this chapter does not name its piece",
                )
                .with_hint(format!("add `piece = \"{stem}\"` to the front matter")),
            );
            None
        }
        (None, Some(piece)) => {
            diags.push(
                Diagnostic::error(
                    file,
                    shift(piece.span()),
                    "only chapters in handbooks/, designs/ or tools/ are pieces",
                )
                .with_hint("remove `piece`, or move the chapter into its format's folder"),
            );
            None
        }
        (Some(_), Some(piece)) => match catalog.piece(piece.get_ref()) {
            None => {
                let ids = catalog.pieces.iter().map(|p| p.id.as_str());
                let hint = match closest(piece.get_ref(), ids) {
                    Some(id) => format!("did you mean `{id}`?"),
                    None => "add the piece to book/catalog.toml first (`cargo book new` does both)"
                        .to_owned(),
                };
                diags.push(
                    Diagnostic::error(
                        file,
                        shift(piece.span()),
                        format!("unknown piece `{}`", piece.get_ref()),
                    )
                    .with_hint(hint),
                );
                None
            }
            Some(p) if p.chapter_path() != path => {
                diags.push(
                    Diagnostic::error(
                        file,
                        shift(piece.span()),
                        format!("piece `{}` lives at `{}`, not here", p.id, p.chapter_path()),
                    )
                    .with_hint("a piece's chapter is book/src/<format folder>/<id>.md"),
                );
                None
            }
            Some(p) => {
                if let Some(d) = &raw.description {
                    diags.push(
                        Diagnostic::error(
                            file,
                            shift(d.span()),
                            "a piece's description comes from its catalogue summary",
                        )
                        .with_hint(
                            "remove `description` here and edit `summary` in book/catalog.toml",
                        ),
                    );
                }
                Some(PageMeta {
                    title: p.title.clone(),
                    description: p.summary.clone(),
                    piece: Some(p.id.clone()),
                    diagram: None,
                })
            }
        },
        (None, None) => match raw.description {
            Some(d) if !d.get_ref().trim().is_empty() => Some(PageMeta {
                title: chapter_title.to_owned(),
                description: d.into_inner(),
                piece: None,
                diagram: None,
            }),
            Some(d) => {
                diags.push(Diagnostic::error(
                    file,
                    shift(d.span()),
                    "the description is empty",
                ));
                None
            }
            None => {
                diags.push(
                    Diagnostic::error(file, 0..DELIMITER.len(), "this page has no description")
                        .with_hint("add `description = \"<one sentence>\"` to the front matter"),
                );
                None
            }
        },
    };
    (meta, content_start, diags)
}

fn missing(file: &str, example: &str) -> Diagnostic {
    Diagnostic::error(file, 0..0, "chapter has no front matter").with_hint(format!(
        "{example}\nor, for a page that is not a piece, `description = \"<one sentence>\"`"
    ))
}
