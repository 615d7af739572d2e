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

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Result, bail};
use mdbook_preprocessor::book::{Book, BookItem, Chapter, SectionNumber};
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};
use serde::Deserialize;

use crate::catalog::{self, Catalog};
use crate::diagnostic::{Diagnostic, Severity, closest};
use crate::diagram::{self, Diagram};
use crate::directive;
use crate::figure;
use crate::frontmatter::{self, PageMeta};
use crate::hub::{Hub, Templates};
use crate::snippet::{self, Library};
use crate::tool;

/// The preprocessor's name, and its table in `book.toml`: `[preprocessor.dsbook]`.
pub const NAME: &str = "dsbook";

/// Directives this preprocessor expands.
pub const DIRECTIVES: [&str; 7] = [
    "hub", "tags", "snippet", "diagram", "stage", "figure", "tool",
];

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

/// The preprocessor; see the module documentation.
#[derive(Default)]
pub struct DsPreprocessor {
    report: SharedReport,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
struct Config {
    catalog: Option<PathBuf>,
    snippets: Option<PathBuf>,
    diagrams: Option<PathBuf>,
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
}

impl Preprocessor for DsPreprocessor {
    fn name(&self) -> &str {
        NAME
    }

    fn supports_renderer(&self, renderer: &str) -> Result<bool> {
        Ok(matches!(renderer, "html" | "markdown" | "test"))
    }

    fn run(&self, ctx: &PreprocessorContext, book: Book) -> Result<Book> {
        let config: Config = ctx
            .config
            .get(&format!("preprocessor.{NAME}"))?
            .unwrap_or_default();
        let mut run = Run::new(ctx, config)?;
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
    /// The catalogue is configured but could not be read; its error is already reported,
    /// so directives that need it stay quiet instead of adding errors of their own.
    catalog_broken: bool,
    hub: Option<Hub>,
    library: Option<Library>,
    /// Compiled diagrams by id (file stem); a file with errors is absent.
    diagrams: BTreeMap<String, Diagram>,
    /// Whether a diagrams folder is configured.
    diagrams_configured: bool,
    /// Where repository paths resolve, for the links under snippets.
    repo_url: String,
    /// Display path → text, for rendering diagnostics.
    files: BTreeMap<String, String>,
    diagnostics: Vec<Diagnostic>,
    report: Report,
}

impl Run {
    fn new(ctx: &PreprocessorContext, config: Config) -> Result<Run> {
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
            diagrams: BTreeMap::new(),
            diagrams_configured: false,
            repo_url: String::new(),
            files: BTreeMap::new(),
            diagnostics: Vec::new(),
            report: Report::default(),
        };
        if let Some(snippets) = config.snippets {
            let dir = ctx.root.join(snippets);
            let (library, diags) = Library::load(&dir).map_err(|e| {
                anyhow::anyhow!("cannot read the snippets crate at {}: {e}", dir.display())
            })?;
            run.diagnostics.extend(diags);
            run.report.snippet_items = library.len();
            run.library = Some(library);
            let repo: Option<String> = ctx.config.get("output.html.git-repository-url")?;
            run.repo_url = repo
                .map(|r| format!("{}/blob/main", r.trim_end_matches('/')))
                .unwrap_or_default();
        }
        if let Some(dir) = config.diagrams {
            run.diagrams_configured = true;
            run.load_diagrams(&ctx.root.join(dir), &display);
        }
        let Some(catalog_path) = config.catalog else {
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
            let theme = theme_dir(ctx);
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
            if let Some(d) = compiled.diagram {
                self.diagrams.insert(id, d);
            }
            self.report.diagrams += 1;
            self.files.insert(file, text);
        }
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

        self.diagnostics.extend(snippet::lint_chapter(&file, &text));
        self.report.code_blocks += directive::fences(&text)
            .iter()
            .filter(|f| f.info.split([',', ' ']).next() == Some("rust"))
            .count();

        let mut edits = Vec::new();
        for (n, fence) in directive::fences(&text)
            .into_iter()
            .filter(|f| f.info.trim() == "diagram")
            .enumerate()
        {
            let source = &text[fence.body.clone()];
            let compiled = diagram::compile(&file, source);
            self.diagnostics.extend(
                compiled
                    .diagnostics
                    .into_iter()
                    .map(|d| d.shifted(fence.body.start)),
            );
            if let Some(d) = compiled.diagram {
                let id = format!(
                    "{}-{}",
                    path.trim_end_matches(".md").replace(['/', '.'], "-"),
                    n + 1
                );
                edits.push((fence.span, figure::example(&d, &id, source)));
                self.report.figures += 1;
            }
        }
        let mut state = Stepping {
            placed: None,
            next: 1,
            shown: BTreeSet::new(),
            first_figure: None,
        };
        for d in directive::find(&text)
            .into_iter()
            .filter(|d| d.span.start >= body_start)
        {
            match self.expand(&d, &path, &file, &mut state) {
                Ok(html) => {
                    self.report.directives += 1;
                    self.report.snippets += usize::from(d.name == "snippet");
                    edits.push((d.span, html));
                }
                Err(diag) => self.diagnostics.push(diag),
            }
        }
        if let Some(placed) = state.placed.as_ref().filter(|p| !p.broken)
            && state.next <= placed.count
        {
            let missing = if state.next == placed.count {
                format!("stage {}", placed.count)
            } else {
                format!("stages {} to {}", state.next, placed.count)
            };
            self.diagnostics.push(
                Diagnostic::error(
                    &file,
                    placed.span.clone(),
                    format!("{missing} of `{}` explained nowhere", placed.id),
                )
                .with_hint(format!(
                    "put `{{{{#stage {}}}}}` under the heading of the section that explains it",
                    state.next
                )),
            );
        }
        let body = directive::splice(&text[body_start..], shift_edits(edits, body_start));
        let meta = meta.map(|mut m| {
            m.diagram = state
                .placed
                .as_ref()
                .filter(|p| !p.broken)
                .map(|p| p.id.clone())
                .or(state.first_figure.clone());
            m
        });
        chapter.content = match meta {
            Some(meta) => format!("{}\n\n{body}", meta_comment(&meta)),
            None => body,
        };
        self.files.insert(file, text);
    }

    fn expand(
        &mut self,
        d: &directive::Directive,
        path: &str,
        file: &str,
        state: &mut Stepping,
    ) -> Result<String, Diagnostic> {
        if self.catalog_broken && matches!(d.name.as_str(), "hub" | "tags") {
            return Ok(String::new());
        }
        let need_catalog = || {
            Diagnostic::error(
                file,
                d.span.clone(),
                format!("`{{{{#{}}}}}` needs the catalogue", d.name),
            )
            .with_hint(format!(
                "set `catalog = \"catalog.toml\"` in [preprocessor.{NAME}] of book.toml"
            ))
        };
        match d.name.as_str() {
            "hub" => {
                if path.contains('/') {
                    return Err(Diagnostic::error(
                        file,
                        d.span.clone(),
                        "the hub must be on a page at the root of the book",
                    )
                    .with_hint("put `{{#hub}}` in book/src/index.md"));
                }
                let (Some(hub), Some(catalog)) = (&self.hub, &self.catalog) else {
                    return Err(need_catalog());
                };
                hub.hub(catalog)
                    .map_err(|e| Diagnostic::error(file, d.span.clone(), e))
            }
            "tags" => {
                if path != "tags/index.md" {
                    return Err(Diagnostic::error(
                        file,
                        d.span.clone(),
                        "the tag list belongs on tags/index.md",
                    )
                    .with_hint("move `{{#tags}}` to book/src/tags/index.md"));
                }
                let (Some(hub), Some(catalog)) = (&self.hub, &self.catalog) else {
                    return Err(need_catalog());
                };
                hub.tag_index(catalog)
                    .map_err(|e| Diagnostic::error(file, d.span.clone(), e))
            }
            "diagram" => {
                if !self.diagrams_configured {
                    return Err(need_diagrams(file, d));
                }
                if let Some(placed) = &state.placed {
                    return Err(Diagnostic::error(
                        file,
                        d.span.clone(),
                        "a chapter places one staged diagram",
                    )
                    .with_hint(format!(
                        "`{}` is placed above; show other diagrams with `{{{{#figure <id>}}}}`",
                        placed.id
                    )));
                }
                let id = d.args.as_str();
                let Some(diagram) = self.diagrams.get(id) else {
                    let ids = self.diagrams.keys().map(String::as_str);
                    let hint = match closest(id, ids) {
                        Some(near) => format!("did you mean `{near}`?"),
                        None => {
                            format!("add diagrams/{id}.dsd; the file name without .dsd is the id")
                        }
                    };
                    // A diagram that exists but failed to compile has its own errors already;
                    // its stage markers stay quiet too.
                    if self
                        .files
                        .keys()
                        .any(|f| f.ends_with(&format!("/{id}.dsd")))
                    {
                        state.placed = Some(Placed {
                            id: id.to_owned(),
                            count: 0,
                            span: d.span.clone(),
                            broken: true,
                        });
                        return Ok(String::new());
                    }
                    return Err(Diagnostic::error(
                        file,
                        d.args_span.clone(),
                        format!("no diagram `{id}`"),
                    )
                    .with_hint(hint));
                };
                state.placed = Some(Placed {
                    id: id.to_owned(),
                    count: diagram.stages().len(),
                    span: d.span.clone(),
                    broken: false,
                });
                Ok(figure::stepper(diagram, id))
            }
            "stage" => {
                let Some(placed) = &state.placed else {
                    return Err(Diagnostic::error(
                        file,
                        d.span.clone(),
                        "a stage marker before any diagram",
                    )
                    .with_hint("place the diagram first with `{{#diagram <id>}}`"));
                };
                if placed.broken {
                    return Ok(String::new());
                }
                let Ok(n) = d.args.parse::<usize>() else {
                    return Err(Diagnostic::error(
                        file,
                        d.args_span.clone(),
                        format!("`{}` is not a stage number", d.args),
                    )
                    .with_hint("stages are numbered from 1, as in `{{#stage 2}}`"));
                };
                if n == 0 || n > placed.count {
                    return Err(Diagnostic::error(
                        file,
                        d.args_span.clone(),
                        format!("`{}` has no stage {n}", placed.id),
                    )
                    .with_hint(format!("its stages are 1 to {}", placed.count)));
                }
                if n != state.next {
                    let hint = if n < state.next {
                        format!(
                            "stage {n} is already explained above; each stage is explained once"
                        )
                    } else {
                        format!(
                            "stages are explained in order: stage {} comes first",
                            state.next
                        )
                    };
                    return Err(Diagnostic::error(
                        file,
                        d.args_span.clone(),
                        format!("stage {n} is out of order"),
                    )
                    .with_hint(hint));
                }
                state.next += 1;
                let diagram = &self.diagrams[&placed.id];
                self.report.figures += 1;
                Ok(figure::stage_figure(diagram, &placed.id, n - 1))
            }
            "figure" => self.inline_figure(d, file, state),
            "tool" => {
                let id = d.args.as_str();
                let Some(found) = tool::find(id) else {
                    let hint = match closest(id, tool::ids()) {
                        Some(near) => format!("did you mean `{near}`?"),
                        None => format!(
                            "the tools are {}",
                            tool::ids()
                                .map(|t| format!("`{t}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    };
                    if id.is_empty() {
                        return Err(Diagnostic::error(
                            file,
                            d.span.clone(),
                            "`{{#tool}}` needs the id of a tool",
                        )
                        .with_hint(hint));
                    }
                    return Err(Diagnostic::error(
                        file,
                        d.args_span.clone(),
                        format!("no tool `{id}`"),
                    )
                    .with_hint(hint));
                };
                Ok(tool::mount(found))
            }
            "snippet" => {
                let Some(library) = &self.library else {
                    return Err(Diagnostic::error(file, d.span.clone(), "`{{#snippet}}` needs the snippets crate")
                        .with_hint(format!("set `snippets = \"<path to the crate's src>\"` in [preprocessor.{NAME}] of book.toml")));
                };
                library.expand(&d.args, &self.repo_url).map_err(|mut diag| {
                    diag = diag.shifted(d.args_span.start);
                    diag.file = file.to_owned();
                    diag
                })
            }
            other => {
                let hint = match closest(other, DIRECTIVES) {
                    Some(name) => format!("did you mean `{{{{#{name}}}}}`?"),
                    None => format!(
                        "the directives are {}",
                        DIRECTIVES.map(|n| format!("`{{{{#{n}}}}}`")).join(", ")
                    ),
                };
                Err(Diagnostic::error(
                    file,
                    d.span.clone(),
                    format!("unknown directive `{{{{#{other}}}}}`"),
                )
                .with_hint(hint))
            }
        }
    }

    /// `{{#figure id}}` shows every stage of a diagram file in the text, in order;
    /// `{{#figure id N}}` shows stage N alone. No stepper: this is how a chapter shows the
    /// staged figures beside the one it places with `{{#diagram}}`, or instead of it.
    fn inline_figure(
        &mut self,
        d: &directive::Directive,
        file: &str,
        state: &mut Stepping,
    ) -> Result<String, Diagnostic> {
        if !self.diagrams_configured {
            return Err(need_diagrams(file, d));
        }
        let mut words = d.args.split_whitespace();
        let id = words.next().unwrap_or("");
        let stage_arg = words.next();
        let usage =
            "write `{{#figure <id>}}` for every stage, or `{{#figure <id> <stage>}}` for one";
        if id.is_empty() || words.next().is_some() {
            return Err(Diagnostic::error(
                file,
                d.span.clone(),
                "`{{#figure}}` takes a diagram id and an optional stage number",
            )
            .with_hint(usage));
        }
        let id_start = d.args_span.start + (d.args.len() - d.args.trim_start().len());
        let id_span = id_start..id_start + id.len();
        let Some(diagram) = self.diagrams.get(id) else {
            if self
                .files
                .keys()
                .any(|f| f.ends_with(&format!("/{id}.dsd")))
            {
                // The diagram's own errors are reported already.
                return Ok(String::new());
            }
            let hint = match closest(id, self.diagrams.keys().map(String::as_str)) {
                Some(near) => format!("did you mean `{near}`?"),
                None => format!("add diagrams/{id}.dsd; the file name without .dsd is the id"),
            };
            return Err(
                Diagnostic::error(file, id_span, format!("no diagram `{id}`")).with_hint(hint),
            );
        };
        let count = diagram.stages().len().max(1);
        let stages = match stage_arg {
            None => 1..=count,
            Some(word) => {
                let start = d.args_span.start + d.args.rfind(word).unwrap_or(0);
                let span = start..start + word.len();
                let Ok(n) = word.parse::<usize>() else {
                    return Err(Diagnostic::error(
                        file,
                        span,
                        format!("`{word}` is not a stage number"),
                    )
                    .with_hint(usage));
                };
                if n == 0 || n > count {
                    return Err(
                        Diagnostic::error(file, span, format!("`{id}` has no stage {n}"))
                            .with_hint(format!("its stages are 1 to {count}")),
                    );
                }
                n..=n
            }
        };
        for n in stages.clone() {
            if !state.shown.insert((id.to_owned(), n)) {
                return Err(Diagnostic::error(
                    file,
                    d.span.clone(),
                    format!("stage {n} of `{id}` is already shown above"),
                )
                .with_hint("a page shows each stage of a diagram once"));
            }
        }
        self.report.figures += stages.clone().count();
        state.first_figure.get_or_insert_with(|| id.to_owned());
        Ok(figure::inline(diagram, id, stages))
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

fn shift_edits(
    edits: Vec<(std::ops::Range<usize>, String)>,
    by: usize,
) -> Vec<(std::ops::Range<usize>, String)> {
    edits
        .into_iter()
        .map(|(r, s)| (r.start - by..r.end - by, s))
        .collect()
}

/// The diagram a chapter placed with `{{#diagram}}`, and how far its stages are explained;
/// and the stages of other diagrams already shown inline with `{{#figure}}`.
struct Stepping {
    placed: Option<Placed>,
    next: usize,
    shown: BTreeSet<(String, usize)>,
    /// The first diagram shown with `{{#figure}}`: the page's card when no stepper is placed.
    first_figure: Option<String>,
}

struct Placed {
    id: String,
    count: usize,
    span: std::ops::Range<usize>,
    /// The diagram's file has errors of its own.
    broken: bool,
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

fn theme_dir(ctx: &PreprocessorContext) -> PathBuf {
    let configured: Option<PathBuf> = ctx.config.get("output.html.theme").ok().flatten();
    ctx.root
        .join(configured.unwrap_or_else(|| PathBuf::from("theme")))
}

/// The error for a diagram directive in a book whose `book.toml` names no diagrams folder.
fn need_diagrams(file: &str, d: &directive::Directive) -> Diagnostic {
    Diagnostic::error(
        file,
        d.span.clone(),
        format!("`{{{{#{}}}}}` needs the diagrams folder", d.name),
    )
    .with_hint(format!(
        "set `diagrams = \"<path>\"` in [preprocessor.{NAME}] of book.toml"
    ))
}
