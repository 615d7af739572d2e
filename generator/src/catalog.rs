//! The catalogue: `book/catalog.toml`, the list of every piece of the book.
//!
//! In: the catalogue's text (and, for [`check_chapters`], the chapter files that exist and the
//! text of `SUMMARY.md`). Out: a [`Catalog`] and diagnostics pointing at the line to fix.
//!
//! The catalogue is the single source of truth for a piece's title, format, tags, summary and
//! status; chapters name their piece in front matter and the page head is filled from here.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::{Diagnostic, closest};

/// The whole catalogue.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// The topic the hub page presents.
    pub topic: Topic,
    /// Every piece, in hub order.
    pub pieces: Vec<Piece>,
}

/// The topic: the hub page's title and paragraph.
#[derive(Debug, Clone)]
pub struct Topic {
    /// Shown as the hub's heading.
    pub title: String,
    /// One paragraph under the heading, and the book's default page description.
    pub description: String,
}

/// One piece of the book: a handbook, a system design or an interactive tool.
#[derive(Debug, Clone)]
pub struct Piece {
    /// Stable identifier, also the chapter's file stem.
    pub id: String,
    /// Title on the card and the page.
    pub title: String,
    /// Which of the three formats.
    pub format: Format,
    /// Tags, as written (each has a page, see [`tag_slug`]).
    pub tags: Vec<String>,
    /// One sentence for the card and the page description.
    pub summary: String,
    /// Whether the piece has a chapter yet.
    pub status: Status,
    /// Byte span of the piece's `id` value, for diagnostics about the piece as a whole.
    pub span: Range<usize>,
}

/// The three formats of the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// Concept-first reference on one subject.
    Handbook,
    /// A system design taught stage by stage.
    Design,
    /// An interactive tool.
    Tool,
}

/// Whether a piece is readable yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Listed on the hub as not yet available; no chapter, no navigation entry.
    Draft,
    /// Has a chapter and appears in `SUMMARY.md`.
    Published,
}

impl Format {
    /// Every format, in hub order.
    pub const ALL: [Format; 3] = [Format::Handbook, Format::Design, Format::Tool];

    /// The word used in `catalog.toml`.
    pub fn key(self) -> &'static str {
        match self {
            Format::Handbook => "handbook",
            Format::Design => "design",
            Format::Tool => "tool",
        }
    }

    /// Folder of `book/src` that holds this format's chapters.
    pub fn folder(self) -> &'static str {
        match self {
            Format::Handbook => "handbooks",
            Format::Design => "designs",
            Format::Tool => "tools",
        }
    }

    /// Singular label shown on a card.
    pub fn label(self) -> &'static str {
        match self {
            Format::Handbook => "Handbook",
            Format::Design => "System design",
            Format::Tool => "Interactive tool",
        }
    }

    /// Plural heading of the format's hub section and `SUMMARY.md` part.
    pub fn heading(self) -> &'static str {
        match self {
            Format::Handbook => "Handbooks",
            Format::Design => "System Designs",
            Format::Tool => "Interactive Tools",
        }
    }

    fn parse(key: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.key() == key)
    }
}

impl Piece {
    /// The chapter's path relative to `book/src`.
    pub fn chapter_path(&self) -> String {
        format!("{}/{}.md", self.format.folder(), self.id)
    }

    /// Whether the piece is published.
    pub fn is_published(&self) -> bool {
        self.status == Status::Published
    }
}

impl Catalog {
    /// The piece with this id.
    pub fn piece(&self, id: &str) -> Option<&Piece> {
        self.pieces.iter().find(|p| p.id == id)
    }

    /// The piece whose chapter lives at `path` (relative to `book/src`).
    pub fn piece_at(&self, path: &str) -> Option<&Piece> {
        self.pieces.iter().find(|p| p.chapter_path() == path)
    }

    /// Every tag, keyed by slug, with its display name and pieces in hub order.
    pub fn tags(&self) -> BTreeMap<String, (String, Vec<&Piece>)> {
        let mut tags: BTreeMap<String, (String, Vec<&Piece>)> = BTreeMap::new();
        for piece in &self.pieces {
            for tag in &piece.tags {
                tags.entry(tag_slug(tag))
                    .or_insert_with(|| (tag.clone(), Vec::new()))
                    .1
                    .push(piece);
            }
        }
        tags
    }
}

/// The URL-safe form of a tag: lower case, words joined by `-` ("Low-latency" → "low-latency").
pub fn tag_slug(tag: &str) -> String {
    let mut slug = String::new();
    for c in tag.chars() {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    topic: Spanned<RawTopic>,
    #[serde(default)]
    piece: Vec<Spanned<RawPiece>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTopic {
    title: Spanned<String>,
    description: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPiece {
    id: Spanned<String>,
    title: Spanned<String>,
    format: Spanned<String>,
    tags: Spanned<Vec<Spanned<String>>>,
    summary: Spanned<String>,
    status: Spanned<String>,
}

/// Parses and validates the catalogue. Returns `None` when the file cannot be read as a
/// catalogue at all; otherwise the catalogue, possibly with diagnostics for individual pieces.
pub fn parse(file: &str, text: &str) -> (Option<Catalog>, Vec<Diagnostic>) {
    let raw: RawCatalog = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            let message = e.message().trim_end_matches('.').replace('\n', " ");
            let hint = if message.contains("unknown field") {
                "a piece has the keys id, title, format, tags, summary and status"
            } else if message.contains("missing field") {
                "every piece needs id, title, format, tags, summary and status; [topic] needs title and description"
            } else {
                "see the comment at the top of catalog.toml for the expected shape"
            };
            return (
                None,
                vec![Diagnostic::error(file, span, message).with_hint(hint)],
            );
        }
    };

    let mut diags = Vec::new();
    let topic = raw.topic.into_inner();
    for field in [&topic.title, &topic.description] {
        if field.get_ref().trim().is_empty() {
            diags.push(Diagnostic::error(
                file,
                field.span(),
                "the topic needs a non-empty title and description",
            ));
        }
    }

    let mut seen: BTreeMap<String, Range<usize>> = BTreeMap::new();
    let mut tag_spelling: BTreeMap<String, String> = BTreeMap::new();
    let mut pieces = Vec::new();
    for raw in raw.piece {
        let raw = raw.into_inner();
        let id = raw.id.get_ref().clone();
        if !is_valid_id(&id) {
            diags.push(
                Diagnostic::error(
                    file,
                    raw.id.span(),
                    format!("`{id}` is not a valid piece id"),
                )
                .with_hint(
                    "use lower-case letters, digits and single hyphens, like `url-shortener`",
                ),
            );
        }
        if let Some(first) = seen.get(&id) {
            let (line, _) = crate::diagnostic::line_column(text, first.start);
            diags.push(
                Diagnostic::error(file, raw.id.span(), format!("duplicate piece id `{id}`"))
                    .with_hint(format!(
                        "`{id}` is already used on line {line}; ids must be unique"
                    )),
            );
        } else {
            seen.insert(id.clone(), raw.id.span());
        }
        let format = match Format::parse(raw.format.get_ref()) {
            Some(f) => f,
            None => {
                let keys = Format::ALL.map(Format::key);
                let hint = match closest(raw.format.get_ref(), keys) {
                    Some(k) => {
                        format!("did you mean `{k}`? The formats are handbook, design and tool")
                    }
                    None => "the formats are handbook, design and tool".to_owned(),
                };
                diags.push(
                    Diagnostic::error(
                        file,
                        raw.format.span(),
                        format!("unknown format `{}`", raw.format.get_ref()),
                    )
                    .with_hint(hint),
                );
                continue;
            }
        };
        let status = match raw.status.get_ref().as_str() {
            "draft" => Status::Draft,
            "published" => Status::Published,
            other => {
                diags.push(
                    Diagnostic::error(file, raw.status.span(), format!("unknown status `{other}`"))
                        .with_hint("a piece is either \"draft\" or \"published\""),
                );
                continue;
            }
        };
        for (value, what) in [(&raw.title, "title"), (&raw.summary, "summary")] {
            if value.get_ref().trim().is_empty() {
                diags.push(Diagnostic::error(
                    file,
                    value.span(),
                    format!("piece `{id}` has an empty {what}"),
                ));
            }
        }
        if raw.summary.get_ref().contains('\n') {
            diags.push(
                Diagnostic::error(
                    file,
                    raw.summary.span(),
                    format!("the summary of `{id}` spans several lines"),
                )
                .with_hint("a summary is one sentence on one line"),
            );
        }
        if raw.tags.get_ref().is_empty() {
            diags.push(
                Diagnostic::error(file, raw.tags.span(), format!("piece `{id}` has no tags"))
                    .with_hint("give it one to three tags, like [\"Caching\", \"Sharding\"]"),
            );
        }
        let mut tags = Vec::new();
        for tag in raw.tags.into_inner() {
            let slug = tag_slug(tag.get_ref());
            if slug.is_empty() {
                diags.push(Diagnostic::error(
                    file,
                    tag.span(),
                    "a tag needs at least one letter or digit",
                ));
                continue;
            }
            match tag_spelling.get(&slug) {
                Some(existing) if existing != tag.get_ref() => diags.push(
                    Diagnostic::error(
                        file,
                        tag.span(),
                        format!("tag `{}` is spelled `{existing}` elsewhere", tag.get_ref()),
                    )
                    .with_hint(format!(
                        "write `{existing}` so both pieces share one tag page"
                    )),
                ),
                Some(_) => {}
                None => {
                    tag_spelling.insert(slug, tag.get_ref().clone());
                }
            }
            tags.push(tag.into_inner());
        }
        pieces.push(Piece {
            span: raw.id.span(),
            id,
            title: raw.title.into_inner(),
            format,
            tags,
            summary: raw.summary.into_inner(),
            status,
        });
    }
    let catalog = Catalog {
        topic: Topic {
            title: topic.title.into_inner(),
            description: topic.description.into_inner(),
        },
        pieces,
    };
    (Some(catalog), diags)
}

fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// What [`check_chapters`] needs to know about the book's sources.
pub struct Sources<'a> {
    /// Display path of the catalogue, for diagnostics.
    pub catalog_file: &'a str,
    /// Text of the catalogue.
    pub catalog_text: &'a str,
    /// Display path of `SUMMARY.md`.
    pub summary_file: &'a str,
    /// Text of `SUMMARY.md`.
    pub summary_text: &'a str,
    /// Display path of the source folder, like `book/src`.
    pub src_dir: &'a str,
    /// Every Markdown file under `book/src`, relative to it, with `/` separators.
    pub chapters: &'a BTreeSet<String>,
}

/// Checks the catalogue against the chapters on disk and `SUMMARY.md`: a published piece needs
/// its chapter and a navigation entry under its format's part; a draft has neither; every
/// chapter in a format folder belongs to a piece.
pub fn check_chapters(catalog: &Catalog, src: &Sources<'_>) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let summary = summary_links(src.summary_text);
    for piece in &catalog.pieces {
        let path = piece.chapter_path();
        let entry = summary.iter().find(|l| l.path == path);
        match piece.status {
            Status::Published => {
                if !src.chapters.contains(&path) {
                    diags.push(
                        Diagnostic::error(
                            src.catalog_file,
                            piece.span.clone(),
                            format!("published piece `{}` has no chapter", piece.id),
                        )
                        .with_hint(format!(
                            "write book/src/{path}, or set status = \"draft\" until it exists"
                        )),
                    );
                }
                match entry {
                    None => diags.push(
                        Diagnostic::error(
                            src.catalog_file,
                            piece.span.clone(),
                            format!("published piece `{}` is missing from SUMMARY.md", piece.id),
                        )
                        .with_hint(format!(
                            "add `- [{}]({path})` under `# {}` in SUMMARY.md",
                            piece.title,
                            piece.format.heading()
                        )),
                    ),
                    Some(link) if link.part.as_deref() != Some(piece.format.heading()) => diags
                        .push(
                            Diagnostic::error(
                                src.summary_file,
                                link.span.clone(),
                                format!(
                                    "`{path}` is listed outside the `# {}` part",
                                    piece.format.heading()
                                ),
                            )
                            .with_hint(format!(
                                "move this line under `# {}`",
                                piece.format.heading()
                            )),
                        ),
                    Some(_) => {}
                }
            }
            Status::Draft => {
                if let Some(link) = entry {
                    diags.push(
                        Diagnostic::error(src.summary_file, link.span.clone(), format!("draft piece `{}` is listed in SUMMARY.md", piece.id))
                            .with_hint(format!("drafts stay out of the navigation: remove this line, or set status = \"published\" in {}", src.catalog_file)),
                    );
                }
            }
        }
    }
    for path in src.chapters {
        let Some((folder, rest)) = path.split_once('/') else {
            continue;
        };
        let Some(format) = Format::ALL.into_iter().find(|f| f.folder() == folder) else {
            continue;
        };
        if catalog.piece_at(path).is_none() {
            let stem = rest.trim_end_matches(".md");
            diags.push(
                Diagnostic::error(
                    format!("{}/{path}", src.src_dir),
                    0..0,
                    "this chapter is not in the catalogue",
                )
                .with_hint(format!(
                    "add a [[piece]] with id = \"{stem}\" and format = \"{}\" to {}",
                    format.key(),
                    src.catalog_file
                )),
            );
        }
    }
    diags
}

/// A chapter link in `SUMMARY.md`, with the part it sits under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryLink {
    /// The link target, relative to `book/src`.
    pub path: String,
    /// The `# Part` heading above it, if any.
    pub part: Option<String>,
    /// Byte span of the target in `SUMMARY.md`.
    pub span: Range<usize>,
}

/// The chapter links of a `SUMMARY.md`, in order. Only the shapes mdBook accepts are read:
/// `# Part` headings and `[Title](path)` links, one per line.
pub fn summary_links(text: &str) -> Vec<SummaryLink> {
    let mut links = Vec::new();
    let mut part = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if let Some(title) = trimmed.strip_prefix("# ") {
            part = Some(title.trim().to_owned());
        } else if let Some(open) = line.find("](")
            && let Some(close) = line[open + 2..].find(')')
        {
            let path = &line[open + 2..open + 2 + close];
            if !path.is_empty() {
                let start = offset + open + 2;
                links.push(SummaryLink {
                    path: path.to_owned(),
                    part: part.clone(),
                    span: start..start + path.len(),
                });
            }
        }
        offset += line.len();
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_and_hyphenated() {
        assert_eq!(tag_slug("Distributed Systems"), "distributed-systems");
        assert_eq!(tag_slug("Low-latency"), "low-latency");
        assert_eq!(tag_slug("  Real  time! "), "real-time");
    }

    #[test]
    fn summary_links_remember_their_part() {
        let text = "[Hub](index.md)\n\n# Handbooks\n\n- [Consensus](handbooks/consensus.md)\n";
        let links = summary_links(text);
        assert_eq!(links.len(), 2);
        assert_eq!(links[0].part, None);
        assert_eq!(links[1].part.as_deref(), Some("Handbooks"));
        assert_eq!(&text[links[1].span.clone()], "handbooks/consensus.md");
    }
}
