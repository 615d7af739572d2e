//! The HTML renderer: mdBook's own, plus each page's `<head>` metadata.
//!
//! In: the preprocessed book, whose chapters may start with a page-metadata comment
//! (see [`super::preprocess::meta_comment`]). Out: mdBook's HTML output, in which every such
//! page's description and Open Graph tags are its own instead of the book's, and every page
//! that mounts an interactive tool links the tool's files, copied from `theme/tools/`.
//!
//! mdBook's templates see no per-page data beyond the title, so the comment is taken out of
//! the chapter before rendering and the tags are written into the page afterwards, between
//! the `dsbook:meta` markers of `theme/index.hbs`.
//!
//! The social card of a page is the SVG the preprocessor drew from the diagram it compiled
//! ([`super::preprocess::SharedCards`]), rasterised here; nothing is compiled twice. A tool's
//! files are listed in `additional-css` and `additional-js` of `book.toml`, so a stock
//! `mdbook build` loads them on every page; this renderer takes them out of those lists and
//! links them only into the pages that mount the tool.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use mdbook_html::HtmlHandlebars;
use mdbook_preprocessor::book::BookItem;
use mdbook_renderer::{RenderContext, Renderer};

use super::config::{ADDITIONAL_CSS, ADDITIONAL_JS, Settings};
use super::preprocess::{META_PREFIX, SharedCards};
use crate::frontmatter::PageMeta;
use crate::html::escape;
use crate::tool;

const META_START: &str = "<!-- dsbook:meta -->";
const META_END: &str = "<!-- /dsbook:meta -->";

/// The renderer; registered under mdBook's name for HTML, `html`, so it replaces the stock one.
#[derive(Default)]
pub struct DsHtml {
    inner: HtmlHandlebars,
    cards: SharedCards,
}

impl DsHtml {
    /// A renderer wrapping mdBook's HTML renderer, with no social cards: a page whose
    /// metadata names a card diagram fails to render.
    pub fn new() -> Self {
        Self::default()
    }

    /// A renderer that takes each page's social card from the preprocessor's run
    /// ([`super::preprocess::DsPreprocessor::cards_handle`]).
    pub fn with_cards(cards: SharedCards) -> Self {
        Self {
            inner: HtmlHandlebars::default(),
            cards,
        }
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
                && let (Some(path), Some((meta, rest))) =
                    (&chapter.path, take_meta(&chapter.content))
            {
                metas.insert(path.with_extension("html"), meta);
                chapter.content = rest;
            }
        });
        let settings = Settings::read(&ctx.config)?;
        // A tool's files go only into the pages that mount it (`link_tools`), not every page.
        let mut config = ctx.config.clone();
        let tool_files: Vec<String> = tool::TOOLS
            .iter()
            .flat_map(|t| t.styles.iter().chain(t.scripts))
            .map(|file| settings.page_assets.tool_file(file))
            .collect();
        for (key, listed) in [
            (ADDITIONAL_CSS, &settings.page_assets.css),
            (ADDITIONAL_JS, &settings.page_assets.js),
        ] {
            let kept: Vec<&String> = listed.iter().filter(|f| !tool_files.contains(f)).collect();
            config.set(key, kept)?;
        }
        let mut inner_ctx = RenderContext::new(&ctx.root, book, config, &ctx.destination);
        inner_ctx.chapter_titles = ctx.chapter_titles.clone();
        self.inner.render(&inner_ctx)?;

        let toc = ctx.destination.join("toc.html");
        if toc.exists() {
            patch(&toc, valid_toc)?;
        }
        link_tools(ctx, &ctx.root.join(&settings.theme))?;
        let cards = self.cards.lock().map(|c| c.clone()).unwrap_or_default();
        for (page, meta) in &metas {
            let image = match &meta.diagram {
                Some(id) => {
                    let svg = cards.get(id).with_context(|| {
                        format!("no social card for the diagram `{id}`: the dsbook preprocessor did not run in this build")
                    })?;
                    Some(write_card(svg, id, &ctx.destination)?)
                }
                None => None,
            };
            let image_url = image.map(|rel| match &settings.site_url {
                Some(site) if site.starts_with("http") => {
                    format!("{}/{rel}", site.trim_end_matches('/'))
                }
                _ => format!("{}{rel}", "../".repeat(page.components().count() - 1)),
            });
            patch(&ctx.destination.join(page), |html| {
                replace_meta(html, meta, image_url.as_deref())
            })?;
        }
        Ok(())
    }
}

/// Links each tool's stylesheet and scripts into every page that mounts it (print.html
/// included), and copies those files from the theme's `tools/` folder into the book.
fn link_tools(ctx: &RenderContext, theme: &Path) -> Result<()> {
    let dest = &ctx.destination;
    let mut used = std::collections::BTreeSet::new();
    let pages = walkdir::WalkDir::new(dest)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "html"));
    for entry in pages {
        let html = std::fs::read_to_string(entry.path())
            .with_context(|| format!("cannot read {}", entry.path().display()))?;
        let tools = tool::tools_in(&html);
        if tools.is_empty() {
            continue;
        }
        let depth = entry
            .path()
            .strip_prefix(dest)
            .map_or(0, |p| p.components().count() - 1);
        std::fs::write(
            entry.path(),
            tool::link_assets(&html, &tools, &"../".repeat(depth)),
        )
        .with_context(|| format!("cannot write {}", entry.path().display()))?;
        used.extend(tools.iter().map(|t| t.id));
    }
    let from: PathBuf = theme.join(tool::FOLDER);
    let to = dest.join(tool::ASSET_DIR);
    for id in used {
        let Some(found) = tool::find(id) else {
            continue;
        };
        std::fs::create_dir_all(&to)?;
        for file in found.styles.iter().chain(found.scripts) {
            std::fs::copy(from.join(file), to.join(file)).with_context(|| {
                format!(
                    "cannot copy {} for the tool `{id}`",
                    from.join(file).display()
                )
            })?;
        }
    }
    Ok(())
}

/// Size of social-card images, the one link previews expect.
const CARD: (u32, u32) = (1200, 630);

/// Rasterises the card SVG of diagram `id` as `cards/<id>.png` under `dest`; returns that path.
fn write_card(svg: &str, id: &str, dest: &Path) -> Result<String> {
    let png = crate::diagram::raster::card(svg, CARD.0, CARD.1).map_err(anyhow::Error::msg)?;
    let rel = format!("cards/{id}.png");
    std::fs::create_dir_all(dest.join("cards"))?;
    std::fs::write(dest.join(&rel), png)?;
    Ok(rel)
}

/// Repairs two pieces of invalid markup that mdBook 0.5.4's table-of-contents helper writes
/// into `toc.html`, the sidebar shown without JavaScript: a part title nested as an `<li>`
/// inside another `<li>`, and a `<div>` inside the fold toggle's `<a>`. (The same markup in
/// `toc.js` is repaired by the browser's DOM; `toc.html` is parsed as written.)
fn valid_toc(html: &str) -> String {
    let mut out = html.replace(
        "<a class=\"chapter-fold-toggle\"><div>❱</div></a>",
        "<a class=\"chapter-fold-toggle\"><span>❱</span></a>",
    );
    let open = "<li class=\"chapter-item \"><li class=\"part-title\">";
    while let Some(start) = out.find(open) {
        let title_start = start + open.len();
        let Some(end) = out[title_start..].find("</li></li>") else {
            break;
        };
        let title = out[title_start..title_start + end].to_owned();
        out.replace_range(
            start..title_start + end + "</li></li>".len(),
            &format!("<li class=\"part-title\">{title}</li>"),
        );
    }
    out
}

fn take_meta(content: &str) -> Option<(PageMeta, String)> {
    let rest = content.strip_prefix(META_PREFIX)?;
    let end = rest.find(" -->")?;
    let meta = serde_json::from_str(&rest[..end]).ok()?;
    Some((meta, rest[end + 4..].trim_start_matches('\n').to_owned()))
}

fn patch(file: &Path, edit: impl FnOnce(&str) -> String) -> Result<()> {
    let html =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    std::fs::write(file, edit(&html)).with_context(|| format!("cannot write {}", file.display()))
}

/// Replaces the region between the `dsbook:meta` markers with the page's own tags.
fn replace_meta(html: &str, meta: &PageMeta, image: Option<&str>) -> String {
    let (Some(start), Some(end)) = (html.find(META_START), html.find(META_END)) else {
        return html.to_owned();
    };
    let indent = "        ";
    let mut tags = vec![
        format!(
            r#"<meta name="description" content="{}">"#,
            escape(&meta.description)
        ),
        format!(
            r#"<meta property="og:title" content="{}">"#,
            escape(&meta.title)
        ),
        format!(
            r#"<meta property="og:description" content="{}">"#,
            escape(&meta.description)
        ),
        format!(
            r#"<meta property="og:type" content="{}">"#,
            if meta.piece.is_some() {
                "article"
            } else {
                "website"
            }
        ),
    ];
    if let Some(url) = image {
        tags.push(format!(
            r#"<meta property="og:image" content="{}">"#,
            escape(url)
        ));
        tags.push(format!(
            r#"<meta property="og:image:width" content="{}">"#,
            CARD.0
        ));
        tags.push(format!(
            r#"<meta property="og:image:height" content="{}">"#,
            CARD.1
        ));
        tags.push(format!(
            r#"<meta property="og:image:alt" content="{}">"#,
            escape(&format!("Diagram: {}", meta.title))
        ));
        tags.push(r#"<meta name="twitter:card" content="summary_large_image">"#.to_owned());
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repairs_the_toc_helpers_markup() {
        let html = "<ol><li class=\"chapter-item \"><li class=\"part-title\">Appendix</li></li><li><span><a href=\"a.html\">A</a><a class=\"chapter-fold-toggle\"><div>❱</div></a></span></li></ol>";
        assert_eq!(
            valid_toc(html),
            "<ol><li class=\"part-title\">Appendix</li><li><span><a href=\"a.html\">A</a><a class=\"chapter-fold-toggle\"><span>❱</span></a></span></li></ol>"
        );
    }
}
