//! The HTML renderer: mdBook's own, plus each page's `<head>` metadata.
//!
//! In: the preprocessed book, whose chapters may start with a page-metadata comment
//! (see [`super::preprocess::meta_comment`]). Out: mdBook's HTML output, in which every such
//! page's description and Open Graph tags are its own instead of the book's.
//!
//! mdBook's templates see no per-page data beyond the title, so the comment is taken out of
//! the chapter before rendering and the tags are written into the page afterwards, between
//! the `dsbook:meta` markers of `theme/index.hbs`.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use mdbook_html::HtmlHandlebars;
use mdbook_preprocessor::book::BookItem;
use mdbook_renderer::{RenderContext, Renderer};

use super::preprocess::META_PREFIX;
use crate::frontmatter::PageMeta;

const META_START: &str = "<!-- dsbook:meta -->";
const META_END: &str = "<!-- /dsbook:meta -->";

/// The renderer; registered under mdBook's name for HTML, `html`, so it replaces the stock one.
#[derive(Default)]
pub struct DsHtml {
    inner: HtmlHandlebars,
}

impl DsHtml {
    /// A renderer wrapping mdBook's HTML renderer.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Renderer for DsHtml {
    fn name(&self) -> &str {
        "html"
    }

    fn render(&self, ctx: &RenderContext) -> Result<()> {
        let mut book = ctx.book.clone();
        let mut metas = BTreeMap::new();
        book.for_each_mut(|item| {
            if let BookItem::Chapter(chapter) = item
                && let (Some(path), Some((meta, rest))) = (&chapter.path, take_meta(&chapter.content)) {
                    metas.insert(path.with_extension("html"), meta);
                    chapter.content = rest;
                }
        });
        let mut inner_ctx = RenderContext::new(&ctx.root, book, ctx.config.clone(), &ctx.destination);
        inner_ctx.chapter_titles = ctx.chapter_titles.clone();
        self.inner.render(&inner_ctx)?;

        for (page, meta) in &metas {
            patch(&ctx.destination.join(page), |html| replace_meta(html, meta))?;
        }
        Ok(())
    }
}

fn take_meta(content: &str) -> Option<(PageMeta, String)> {
    let rest = content.strip_prefix(META_PREFIX)?;
    let end = rest.find(" -->")?;
    let meta = serde_json::from_str(&rest[..end]).ok()?;
    Some((meta, rest[end + 4..].trim_start_matches('\n').to_owned()))
}

fn patch(file: &Path, edit: impl FnOnce(&str) -> String) -> Result<()> {
    let html = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    std::fs::write(file, edit(&html)).with_context(|| format!("cannot write {}", file.display()))
}

/// Replaces the region between the `dsbook:meta` markers with the page's own tags.
fn replace_meta(html: &str, meta: &PageMeta) -> String {
    let (Some(start), Some(end)) = (html.find(META_START), html.find(META_END)) else { return html.to_owned() };
    let indent = "        ";
    let tags = [
        format!(r#"<meta name="description" content="{}">"#, escape(&meta.description)),
        format!(r#"<meta property="og:title" content="{}">"#, escape(&meta.title)),
        format!(r#"<meta property="og:description" content="{}">"#, escape(&meta.description)),
        format!(r#"<meta property="og:type" content="{}">"#, if meta.piece.is_some() { "article" } else { "website" }),
    ];
    let mut out = String::with_capacity(html.len() + 256);
    out.push_str(&html[..start + META_START.len()]);
    for tag in tags {
        out.push('\n');
        out.push_str(indent);
        out.push_str(&tag);
    }
    out.push('\n');
    out.push_str(indent);
    out.push_str(&html[end..]);
    out
}

/// Escapes text for an HTML attribute value.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
