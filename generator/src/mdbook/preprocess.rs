//! The `dsbook` mdBook preprocessor.
//!
//! In: mdBook's [`Book`] (after its `links` preprocessor) and the preprocessor's table in
//! `book.toml`. Out: the same book with front matter turned into page metadata, directives
//! expanded, one page per tag added under `tags/index.md`, and empty parts dropped from the
//! navigation; or an error listing every problem found, each with file:line:column.
//!
//! With `catalog = "catalog.toml"` in its table the preprocessor runs in book mode: every
//! chapter needs front matter, and the catalogue is checked against the chapters and
//! `SUMMARY.md`. Without it, other books can use the directives alone.
//!
//! This module adapts mdBook's book to the generator: it reads `book.toml` once
//! ([`Settings`]), loads the catalogue, the snippets crate and the diagrams once per run, and
//! hands each chapter to [`crate::expand::chapter`], which holds what the directives mean.
//! For the renderer it leaves each page's metadata in a leading comment, and the social-card
//! SVG of each page's diagram in a shared map ([`DsPreprocessor::cards_handle`]), so no
//! diagram is compiled twice.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Result, bail};
use mdbook_preprocessor::book::{Book, BookItem, Chapter, SectionNumber};
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};

pub use super::config::NAME;
use super::config::Settings;
use crate::catalog::{self, Catalog};
use crate::diagnostic::{Diagnostic, Severity};
use crate::diagram;
use crate::expand::{self, Diagrams, PageAssets, Sources};
use crate::frontmatter::{self, PageMeta};
use crate::hub::{Hub, Templates};
use crate::snippet::Library;

/// The first line of a preprocessed chapter carries its page metadata to the renderer.
pub const META_PREFIX: &str = "<!-- dsbook:page ";

/// Counts of what one run checked and produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Chapters read (tag pages not included).
    pub chapters: usize,
    /// Pieces in the catalogue.
    pub pieces: usize,
    /// Pieces published.
    pub published: usize,
    /// Tag pages added.
    pub tag_pages: usize,
    /// Directives expanded.
    pub directives: usize,
    /// Rust code blocks written in chapters (each is also a doctest of the snippets crate).
    pub code_blocks: usize,
    /// `{{#snippet}}` directives expanded.
    pub snippets: usize,
    /// Nameable items in the snippets crate.
    pub snippet_items: usize,
    /// Diagram files compiled from the diagrams folder.
    pub diagrams: usize,
    /// Stages placed in chapters by `{{#stage}}` markers, plus ```` ```diagram ```` examples.
    pub figures: usize,
    /// Rendered warnings, printed by the caller.
    pub warnings: Vec<String>,
}

/// A report shared between the preprocessor and the code that ran the build.
pub type SharedReport = Arc<Mutex<Report>>;

/// Social-card SVGs by diagram id: the last stage of each diagram that is some page's card,
/// drawn from the diagrams the preprocessor compiled, for the renderer to rasterise.
pub type Cards = BTreeMap<String, String>;

/// Cards shared between the preprocessor and the renderer of one in-process build.
pub type SharedCards = Arc<Mutex<Cards>>;

/// The id prefix of the SVG a card is drawn from.
pub const CARD_ID: &str = "ds-card";

/// The preprocessor; see the module documentation.
#[derive(Default)]
pub struct DsPreprocessor {
    report: SharedReport,
    cards: SharedCards,
}

impl DsPreprocessor {
    /// A preprocessor with an empty report.
    pub fn new() -> Self {
        Self::default()
    }

    /// A handle to the report the next run fills in.
    pub fn report_handle(&self) -> SharedReport {
        Arc::clone(&self.report)
    }

    /// A handle to the social cards the next run draws, for [`super::render::DsHtml`].
    pub fn cards_handle(&self) -> SharedCards {
        Arc::clone(&self.cards)
    }
}

impl Preprocessor for DsPreprocessor {
    fn name(&self) -> &str {
        NAME
    }

    fn supports_renderer(&self, renderer: &str) -> Result<bool> {
        Ok(matches!(renderer, "html" | "markdown" | "test"))
    }

    fn run(&self, ctx: &PreprocessorContext, book: Book) -> Result<Book> {
        let settings = Settings::read(&ctx.config)?;
        let mut run = Run::new(ctx, &settings)?;
        let book = run.process(book);
        run.load_missing_texts(&ctx.root);
        let (errors, warnings): (Vec<_>, Vec<_>) = run
            .diagnostics
            .iter()
            .partition(|d| d.severity == Severity::Error);
        let render = |d: &Diagnostic| {
            let text = run.files.get(&d.file).map_or("", String::as_str);
            d.render(text)
        };
        run.report.warnings = warnings.iter().map(|d| render(d)).collect();
        if let Ok(mut shared) = self.report.lock() {
            *shared = run.report.clone();
        }
        if let Ok(mut shared) = self.cards.lock() {
            *shared = std::mem::take(&mut run.cards);
        }
        if !errors.is_empty() {
            let mut message: String = errors.iter().map(|d| render(d) + "\n").collect();
            message.push_str(&format!(
                "the book has {} error{}; fix {} and build again",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" },
                if errors.len() == 1 { "it" } else { "them" }
            ));
            bail!(message);
        }
        Ok(book)
    }
}

/// State of one preprocessor run.
struct Run {
    /// Project-relative display path of `book/src`, like `book/src`.
    src_display: String,
    catalog: Option<Catalog>,
    /// The catalogue is configured but could not be read; its error is already reported.
    catalog_broken: bool,
    hub: Option<Hub>,
    library: Option<Library>,
    /// The compiled diagrams; `None` when no diagrams folder is configured.
    diagrams: Option<Diagrams>,
    /// Where repository paths resolve, for the links under snippets.
    repo_url: String,
    page_assets: PageAssets,
    /// Display path → text, for rendering diagnostics.
    files: BTreeMap<String, String>,
    diagnostics: Vec<Diagnostic>,
    report: Report,
    cards: Cards,
}

impl Run {
    fn new(ctx: &PreprocessorContext, settings: &Settings) -> Result<Run> {
        let config = &settings.table;
        let base = ctx.root.parent().map(Path::to_path_buf).unwrap_or_default();
        let display = |p: &Path| {
            let p = normalize(p);
            p.strip_prefix(&base)
                .unwrap_or(&p)
                .to_string_lossy()
                .replace('\\', "/")
        };
        let src_dir = ctx.root.join(&ctx.config.book.src);
        let mut run = Run {
            src_display: display(&src_dir),
            catalog: None,
            catalog_broken: false,
            hub: None,
            library: None,
            diagrams: None,
            repo_url: String::new(),
            page_assets: settings.page_assets.clone(),
            files: BTreeMap::new(),
            diagnostics: Vec::new(),
            report: Report::default(),
            cards: Cards::new(),
        };
        if let Some(snippets) = &config.snippets {
            let dir = ctx.root.join(snippets);
            let (library, diags) = Library::load(&dir).map_err(|e| {
                anyhow::anyhow!("cannot read the snippets crate at {}: {e}", dir.display())
            })?;
            run.diagnostics.extend(diags);
            run.report.snippet_items = library.len();
            run.library = Some(library);
            run.repo_url = settings
                .repository_url
                .as_ref()
                .map(|r| format!("{}/blob/main", r.trim_end_matches('/')))
                .unwrap_or_default();
        }
        if let Some(dir) = &config.diagrams {
            run.load_diagrams(&ctx.root.join(dir), &display);
        }
        let Some(catalog_path) = &config.catalog else {
            return Ok(run);
        };

        let catalog_path = ctx.root.join(catalog_path);
        let catalog_file = display(&catalog_path);
        let text = std::fs::read_to_string(&catalog_path).map_err(|e| {
            anyhow::anyhow!("cannot read the catalogue {}: {e}", catalog_path.display())
        })?;
        let (catalog, diags) = catalog::parse(&catalog_file, &text);
        run.diagnostics.extend(diags);

        let summary_path = src_dir.join("SUMMARY.md");
        let summary_text = std::fs::read_to_string(&summary_path).unwrap_or_default();
        let summary_file = display(&summary_path);
        if let Some(catalog) = &catalog {
            let chapters = markdown_files(&src_dir);
            run.diagnostics.extend(catalog::check_chapters(
                catalog,
                &catalog::Sources {
                    catalog_file: &catalog_file,
                    catalog_text: &text,
                    summary_file: &summary_file,
                    summary_text: &summary_text,
                    src_dir: &run.src_display,
                    chapters: &chapters,
                },
            ));
            run.report.pieces = catalog.pieces.len();
            run.report.published = catalog.pieces.iter().filter(|p| p.is_published()).count();
            let theme = ctx.root.join(&settings.theme);
            let read = |name: &str| {
                std::fs::read_to_string(theme.join(name)).map_err(|e| {
                    anyhow::anyhow!("cannot read template {}: {e}", theme.join(name).display())
                })
            };
            let templates = Templates {
                hub: read("hub.hbs")?,
                tags: read("tags.hbs")?,
                tag: read("tag.hbs")?,
                card: read("card.hbs")?,
            };
            run.hub = Some(Hub::new(&templates).map_err(anyhow::Error::msg)?);
        }
        run.files.insert(catalog_file, text);
        run.files.insert(summary_file, summary_text);
        run.catalog_broken = catalog.is_none();
        run.catalog = catalog;
        Ok(run)
    }

    /// Compiles every `.dsd` file of the diagrams folder, so a broken diagram fails the
    /// build even before a chapter shows it.
    fn load_diagrams(&mut self, dir: &Path, display: &dyn Fn(&Path) -> String) {
        let mut diagrams = Diagrams::default();
        let files = walkdir::WalkDir::new(dir)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok);
        for entry in files.filter(|e| e.path().extension().is_some_and(|x| x == "dsd")) {
            let Some(id) = entry
                .path()
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
            else {
                continue;
            };
            let file = display(entry.path());
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            let compiled = diagram::compile(&file, &text);
            self.diagnostics.extend(compiled.diagnostics);
            match compiled.diagram {
                Some(d) => {
                    diagrams.compiled.insert(id, d);
                }
                None => {
                    diagrams.broken.insert(id);
                }
            }
            self.report.diagrams += 1;
            self.files.insert(file, text);
        }
        self.diagrams = Some(diagrams);
    }

    /// Reads, for rendering, the files diagnostics point at that no chapter brought in
    /// (a chapter missing from `SUMMARY.md`, for example).
    fn load_missing_texts(&mut self, book_root: &Path) {
        let base = book_root.parent().unwrap_or(book_root);
        for d in &self.diagnostics {
            if !self.files.contains_key(&d.file) {
                let text = std::fs::read_to_string(base.join(&d.file)).unwrap_or_default();
                self.files.insert(d.file.clone(), text);
            }
        }
    }

    fn process(&mut self, mut book: Book) -> Book {
        book.for_each_chapter_mut(|chapter| self.chapter(chapter));
        if self.catalog.is_some() {
            self.add_tag_pages(&mut book);
        }
        drop_empty_parts(&mut book.items);
        book
    }

    fn chapter(&mut self, chapter: &mut Chapter) {
        let Some(path) = chapter
            .path
            .as_ref()
            .map(|p| p.to_string_lossy().replace('\\', "/"))
        else {
            return;
        };
        self.report.chapters += 1;
        let file = format!("{}/{path}", self.src_display);
        let text = std::mem::take(&mut chapter.content);

        let (meta, body_start) = match &self.catalog {
            Some(catalog) => {
                let (meta, start, diags) =
                    frontmatter::parse(&file, &path, &text, &chapter.name, catalog);
                self.diagnostics.extend(diags);
                (meta, start)
            }
            None => (None, 0),
        };

        let sources = Sources {
            catalog: self.catalog.as_ref().zip(self.hub.as_ref()),
            catalog_broken: self.catalog_broken,
            library: self.library.as_ref(),
            repo_url: &self.repo_url,
            diagrams: self.diagrams.as_ref(),
            page_assets: &self.page_assets,
        };
        let expanded = expand::chapter(
            &sources,
            &expand::Chapter {
                path: &path,
                file: &file,
                text: &text,
                body_start,
            },
        );
        self.diagnostics.extend(expanded.diagnostics);
        let counts = expanded.counts;
        self.report.directives += counts.directives;
        self.report.snippets += counts.snippets;
        self.report.code_blocks += counts.code_blocks;
        self.report.figures += counts.figures;
        let body = expanded.body;
        let meta = meta.map(|mut m| {
            m.diagram = expanded.card;
            m
        });
        if let Some(id) = meta.as_ref().and_then(|m| m.diagram.clone()) {
            self.draw_card(&id);
        }
        chapter.content = match meta {
            Some(meta) => format!("{}\n\n{body}", meta_comment(&meta)),
            None => body,
        };
        self.files.insert(file, text);
    }

    /// Draws the social card of diagram `id` once: the last stage of the compiled diagram.
    fn draw_card(&mut self, id: &str) {
        if self.cards.contains_key(id) {
            return;
        }
        let Some(diagram) = self.diagrams.as_ref().and_then(|d| d.compiled.get(id)) else {
            return;
        };
        let last = diagram.stages().len().saturating_sub(1);
        self.cards
            .insert(id.to_owned(), diagram.svg_stage(last, CARD_ID));
    }

    fn add_tag_pages(&mut self, book: &mut Book) {
        let (Some(catalog), Some(hub)) = (&self.catalog, &self.hub) else {
            return;
        };
        let mut pages = Vec::new();
        for (slug, (name, pieces)) in catalog.tags() {
            let body = match hub.tag_page(catalog, &slug) {
                Some(Ok(html)) => html,
                Some(Err(e)) => {
                    self.diagnostics
                        .push(Diagnostic::error("theme/tag.hbs", 0..0, e));
                    continue;
                }
                None => continue,
            };
            let titles: Vec<&str> = pieces.iter().map(|p| p.title.as_str()).collect();
            let meta = PageMeta {
                title: format!("Tag: {name}"),
                description: format!("Pieces of the book tagged {name}: {}.", titles.join(", ")),
                piece: None,
                diagram: None,
            };
            let content = format!("{}\n\n# {name}\n\n{body}", meta_comment(&meta));
            pages.push((name.clone(), format!("tags/{slug}.md"), content));
        }
        let mut added = 0;
        let mut found = false;
        for_each_chapter_item(&mut book.items, &mut |chapter: &mut Chapter| {
            if chapter.path.as_deref() != Some(Path::new("tags/index.md")) {
                return;
            }
            found = true;
            let mut parents = chapter.parent_names.clone();
            parents.push(chapter.name.clone());
            for (i, (name, path, content)) in pages.drain(..).enumerate() {
                let mut page = Chapter::new(&name, content, path, parents.clone());
                page.number = chapter.number.as_ref().map(|n| {
                    let mut parts: Vec<u32> = n.to_vec();
                    parts.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
                    SectionNumber::new(parts)
                });
                chapter.sub_items.push(BookItem::Chapter(page));
                added += 1;
            }
        });
        if !found {
            self.diagnostics.push(
                Diagnostic::error(format!("{}/SUMMARY.md", self.src_display), 0..0, "SUMMARY.md has no tag index")
                    .with_hint("add `- [Browse by tag](tags/index.md)`: the hub's tag links point at its pages"),
            );
        }
        self.report.tag_pages = added;
    }
}

/// The comment line that carries a page's metadata to [`super::render::DsHtml`].
pub fn meta_comment(meta: &PageMeta) -> String {
    let json = serde_json::to_string(meta).unwrap_or_default();
    // `<` and `>` are escaped so the JSON can never close the comment early.
    let json = json.replace('<', "\\u003c").replace('>', "\\u003e");
    format!("{META_PREFIX}{json} -->")
}

fn for_each_chapter_item(items: &mut [BookItem], f: &mut dyn FnMut(&mut Chapter)) {
    for item in items {
        if let BookItem::Chapter(chapter) = item {
            f(chapter);
            for_each_chapter_item(&mut chapter.sub_items, f);
        }
    }
}

/// Removes part titles with no chapters under them (every piece of the part is a draft).
fn drop_empty_parts(items: &mut Vec<BookItem>) {
    let mut keep = vec![true; items.len()];
    for i in 0..items.len() {
        if let BookItem::PartTitle(_) = items[i] {
            keep[i] = matches!(items.get(i + 1), Some(BookItem::Chapter(_)));
        }
    }
    let mut flags = keep.into_iter();
    items.retain(|_| flags.next().unwrap_or(true));
}

/// Removes `.` and `name/..` from a path without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// Every `.md` file under `src`, relative to it, with `/` separators.
pub fn markdown_files(src: &Path) -> BTreeSet<String> {
    walkdir::WalkDir::new(src)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md"))
        .filter_map(|e| {
            e.path()
                .strip_prefix(src)
                .ok()
                .map(|p| p.to_string_lossy().replace('\\', "/"))
        })
        .filter(|p| p != "SUMMARY.md")
        .collect()
}
