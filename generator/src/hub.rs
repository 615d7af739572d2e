//! The topic hub and the tag pages, generated from the catalogue.
//!
//! In: the [`Catalog`] and the handlebars templates from `theme/` (`hub.hbs`, `tags.hbs`,
//! `tag.hbs`, and the `card.hbs` partial they share). Out: the HTML that replaces `{{#hub}}`
//! and `{{#tags}}`, and the content of one page per tag.
//!
//! The output is one raw HTML block with no blank lines, because CommonMark ends an HTML
//! block at the first blank line and would render the rest as Markdown.

use handlebars::Handlebars;
use serde::Serialize;

use crate::catalog::{Catalog, Format, Piece, tag_slug};

/// The four templates, as text. Loading them from disk is the caller's job.
pub struct Templates {
    /// `hub.hbs`: the landing page.
    pub hub: String,
    /// `tags.hbs`: the list of all tags.
    pub tags: String,
    /// `tag.hbs`: one tag's page.
    pub tag: String,
    /// `card.hbs`: one piece's card, a partial of the three above.
    pub card: String,
}

/// A registry holding the compiled templates.
pub struct Hub {
    registry: Handlebars<'static>,
}

#[derive(Serialize)]
struct Card<'a> {
    id: &'a str,
    title: &'a str,
    summary: &'a str,
    format: &'static str,
    href: Option<String>,
    tags: Vec<TagRef>,
    tag_slugs: String,
    level: u8,
}

#[derive(Serialize)]
struct TagRef {
    name: String,
    slug: String,
    href: String,
    count: usize,
}

#[derive(Serialize)]
struct Section<'a> {
    heading: &'static str,
    anchor: &'static str,
    count: usize,
    cards: Vec<Card<'a>>,
}

impl Hub {
    /// Compiles the templates; an error names the template and the line.
    pub fn new(templates: &Templates) -> Result<Hub, String> {
        let mut registry = Handlebars::new();
        registry.set_strict_mode(true);
        for (name, text) in [
            ("hub", &templates.hub),
            ("tags", &templates.tags),
            ("tag", &templates.tag),
            ("card", &templates.card),
        ] {
            registry
                .register_template_string(name, text)
                .map_err(|e| format!("theme/{name}.hbs: {e}"))?;
        }
        Ok(Hub { registry })
    }

    /// The hub's HTML, for a page at the root of the book.
    pub fn hub(&self, catalog: &Catalog) -> Result<String, String> {
        let sections: Vec<Section<'_>> = Format::ALL
            .into_iter()
            .map(|format| {
                let cards: Vec<Card<'_>> = catalog
                    .pieces
                    .iter()
                    .filter(|p| p.format == format)
                    .map(|p| card(catalog, p, "", 3))
                    .collect();
                Section {
                    heading: format.heading(),
                    anchor: format.folder(),
                    count: cards.len(),
                    cards,
                }
            })
            .collect();
        let published = catalog.pieces.iter().filter(|p| p.is_published()).count();
        let data = serde_json::json!({
            "topic": { "title": catalog.topic.title, "description": catalog.topic.description },
            "pieces": catalog.pieces.len(),
            "formats": sections.len(),
            "published": published,
            "sections": sections,
            "tags": tag_refs(catalog, ""),
        });
        self.render("hub", &data)
    }

    /// The list of all tags, for `tags/index.md`.
    pub fn tag_index(&self, catalog: &Catalog) -> Result<String, String> {
        self.render(
            "tags",
            &serde_json::json!({ "tags": tag_refs(catalog, "../") }),
        )
    }

    /// The page of one tag, by slug, for `tags/<slug>.md`; `None` for an unknown slug.
    pub fn tag_page(&self, catalog: &Catalog, slug: &str) -> Option<Result<String, String>> {
        let tags = catalog.tags();
        let (name, pieces) = tags.get(slug)?;
        let cards: Vec<Card<'_>> = pieces.iter().map(|p| card(catalog, p, "../", 2)).collect();
        let data =
            serde_json::json!({ "name": name, "slug": slug, "count": cards.len(), "cards": cards });
        Some(self.render("tag", &data))
    }

    fn render(&self, name: &str, data: &serde_json::Value) -> Result<String, String> {
        let html = self
            .registry
            .render(name, data)
            .map_err(|e| format!("theme/{name}.hbs: {e}"))?;
        Ok(without_blank_lines(&html))
    }
}

fn card<'a>(catalog: &Catalog, piece: &'a Piece, root: &str, level: u8) -> Card<'a> {
    let tags: Vec<TagRef> = piece
        .tags
        .iter()
        .map(|t| tag_ref(catalog, t, root))
        .collect();
    Card {
        id: &piece.id,
        title: &piece.title,
        summary: &piece.summary,
        format: piece.format.label(),
        href: piece
            .is_published()
            .then(|| format!("{root}{}", piece.chapter_path().replace(".md", ".html"))),
        tag_slugs: tags
            .iter()
            .map(|t| t.slug.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        tags,
        level,
    }
}

fn tag_ref(catalog: &Catalog, tag: &str, root: &str) -> TagRef {
    let slug = tag_slug(tag);
    let count = catalog
        .pieces
        .iter()
        .filter(|p| p.tags.iter().any(|t| tag_slug(t) == slug))
        .count();
    TagRef {
        name: tag.to_owned(),
        href: format!("{root}tags/{slug}.html"),
        slug,
        count,
    }
}

fn tag_refs(catalog: &Catalog, root: &str) -> Vec<TagRef> {
    catalog
        .tags()
        .values()
        .map(|(name, _)| tag_ref(catalog, name, root))
        .collect()
}

/// Drops blank and whitespace-only lines and trailing spaces, keeping one HTML block.
pub fn without_blank_lines(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    for line in html.lines() {
        let line = line.trim_end();
        if !line.trim().is_empty() {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}
