//! What the directives mean: one chapter's Markdown in, the same Markdown with every
//! directive and ```` ```diagram ```` example expanded out, with every problem as a diagnostic.
//!
//! In: the book's [`Sources`] (catalogue, hub templates, snippets library, compiled
//! diagrams, the tool files `book.toml` lists), read once per build by the caller, and one
//! [`Chapter`]. Out: an [`Expanded`] chapter: its body, its diagnostics in reading order,
//! counts for the build report, and the diagram whose last stage is the page's social card.
//!
//! The chapter is scanned once ([`crate::directive::scan`]); the same code blocks feed the
//! lints ([`crate::snippet::lint`]), the diagram examples and the count of Rust blocks. No
//! mdBook types here: the preprocessor ([`crate::mdbook::preprocess`]) adapts mdBook's book
//! to these calls, and the snippet tests call [`snippet`] exactly as the book does.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use crate::catalog::Catalog;
use crate::diagnostic::{Diagnostic, closest};
use crate::diagram::Diagram;
use crate::directive::{self, Directive, Found, Kind, Word};
use crate::figure;
use crate::hub::Hub;
use crate::snippet::{self, Library};
use crate::tool::{self, Tool};

/// The table of `book.toml` that configures the preprocessor, for hints.
pub const TABLE: &str = "[preprocessor.dsbook]";

/// What directives draw on, read once per build.
pub struct Sources<'a> {
    /// The catalogue and the hub's templates; `None` when the book has no catalogue.
    pub catalog: Option<(&'a Catalog, &'a Hub)>,
    /// A catalogue is configured but could not be read: its own errors are reported, so
    /// `{{#hub}}` and `{{#tags}}` stay quiet instead of adding errors of their own.
    pub catalog_broken: bool,
    /// The snippets crate; `None` when none is configured.
    pub library: Option<&'a Library>,
    /// Where repository paths resolve, for the links under snippets.
    pub repo_url: &'a str,
    /// The compiled diagrams; `None` when no diagrams folder is configured.
    pub diagrams: Option<&'a Diagrams>,
    /// The files `book.toml` has mdBook load on every page (`additional-css` and
    /// `additional-js`, as written), and the theme folder they are under: a tool's files
    /// must be among them for a stock `mdbook build` to run it.
    pub page_assets: &'a PageAssets,
}

impl Default for Sources<'_> {
    /// Nothing configured: no catalogue, snippets or diagrams, and no page assets.
    fn default() -> Self {
        static NONE: PageAssets = PageAssets {
            theme: String::new(),
            css: Vec::new(),
            js: Vec::new(),
        };
        Sources {
            catalog: None,
            catalog_broken: false,
            library: None,
            repo_url: "",
            diagrams: None,
            page_assets: &NONE,
        }
    }
}

/// The `additional-css` and `additional-js` lists of `book.toml`, with `/` separators.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageAssets {
    /// The theme folder, relative to the book root (`theme`).
    pub theme: String,
    /// `additional-css`, in order.
    pub css: Vec<String>,
    /// `additional-js`, in order.
    pub js: Vec<String>,
}

impl PageAssets {
    /// The path, relative to the book root, of a tool file in the theme's `tools/` folder.
    pub fn tool_file(&self, file: &str) -> String {
        format!(
            "{}/{}/{file}",
            self.theme.trim_end_matches('/'),
            tool::FOLDER
        )
    }

    /// The lines `book.toml` is missing for `tool`: its stylesheets in `additional-css`
    /// and its scripts in `additional-js`, the scripts in their load order. Empty when it
    /// lists them all.
    pub fn missing(&self, tool: &Tool) -> Vec<String> {
        let mut missing = Vec::new();
        for file in tool.styles {
            if !self.css.contains(&self.tool_file(file)) {
                missing.push(format!("\"{}\" to additional-css", self.tool_file(file)));
            }
        }
        let positions: Vec<Option<usize>> = tool
            .scripts
            .iter()
            .map(|file| self.js.iter().position(|j| *j == self.tool_file(file)))
            .collect();
        let in_order = positions.windows(2).all(|w| w[0] < w[1]);
        if positions.iter().any(Option::is_none) || !in_order {
            let scripts: Vec<String> = tool
                .scripts
                .iter()
                .map(|f| format!("\"{}\"", self.tool_file(f)))
                .collect();
            missing.push(format!(
                "{} to additional-js, in this order",
                scripts.join(", ")
            ));
        }
        missing
    }
}

/// The compiled diagrams of the diagrams folder, by id (the file name without `.dsd`).
#[derive(Default)]
pub struct Diagrams {
    /// Every diagram that compiled.
    pub compiled: BTreeMap<String, Diagram>,
    /// The ids of diagram files with errors, which are reported with the file: directives
    /// that show them stay quiet.
    pub broken: BTreeSet<String>,
}

impl Diagrams {
    fn ids(&self) -> impl Iterator<Item = &str> {
        self.compiled.keys().map(String::as_str)
    }

    /// The hint for an id that names no diagram.
    fn unknown(&self, id: &str) -> String {
        match closest(id, self.ids()) {
            Some(near) => format!("did you mean `{near}`?"),
            None => format!("add diagrams/{id}.dsd; the file name without .dsd is the id"),
        }
    }
}

/// One chapter to expand.
pub struct Chapter<'a> {
    /// Its path under the book's `src`, with `/` separators: `designs/url-shortener.md`.
    pub path: &'a str,
    /// The display path diagnostics name: `book/src/designs/url-shortener.md`.
    pub file: &'a str,
    /// The whole text, front matter included.
    pub text: &'a str,
    /// Where the body starts, after the front matter.
    pub body_start: usize,
}

/// Counts of what one chapter held.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Directives expanded.
    pub directives: usize,
    /// `{{#snippet}}` directives expanded.
    pub snippets: usize,
    /// Rust blocks written in the chapter (each one a doctest).
    pub code_blocks: usize,
    /// Stage figures placed, plus ```` ```diagram ```` examples.
    pub figures: usize,
}

/// A chapter, expanded.
pub struct Expanded {
    /// The body (the text after the front matter), every directive replaced.
    pub body: String,
    /// Every problem, in the order a reader meets them: lints, diagram examples, directives.
    pub diagnostics: Vec<Diagnostic>,
    /// What the chapter held.
    pub counts: Counts,
    /// The diagram the page places with `{{#diagram}}`, or else the first it shows with
    /// `{{#figure}}`: the page's social card.
    pub card: Option<String>,
}

/// Expands one chapter. Pure: every input is in `sources` and `chapter`.
pub fn chapter(sources: &Sources<'_>, chapter: &Chapter<'_>) -> Expanded {
    let Chapter {
        path,
        file,
        text,
        body_start,
    } = *chapter;
    let scan = directive::scan(file, text);
    let mut diagnostics = snippet::lint::lint_blocks(file, text, &scan.blocks);
    let mut counts = Counts {
        code_blocks: scan.blocks.iter().filter(|b| b.is_rust()).count(),
        ..Counts::default()
    };

    let mut edits = Vec::new();
    // A block that starts in the front matter is not the body's to replace.
    let examples = scan
        .blocks
        .iter()
        .filter(|b| b.is_diagram() && b.span.start >= body_start);
    for (n, block) in examples.enumerate() {
        let source = &text[block.body.clone()];
        let compiled = crate::diagram::compile(file, source);
        diagnostics.extend(
            compiled
                .diagnostics
                .into_iter()
                .map(|d| d.shifted(block.body.start)),
        );
        if let Some(d) = compiled.diagram {
            let id = format!(
                "{}-{}",
                path.trim_end_matches(".md").replace(['/', '.'], "-"),
                n + 1
            );
            edits.push((block.span.clone(), figure::example(&d, &id, source)));
            counts.figures += 1;
        }
    }

    let mut page = Page {
        sources,
        path,
        file,
        placed: None,
        next: 1,
        shown: BTreeSet::new(),
        first_figure: None,
        figures: 0,
    };
    for found in scan
        .directives
        .iter()
        .filter(|f| f.span.start >= body_start)
    {
        match page.expand(found) {
            Ok(html) => {
                counts.directives += 1;
                counts.snippets += usize::from(found.kind == Some(Kind::Snippet));
                edits.push((found.span.clone(), html));
            }
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
    diagnostics.extend(page.unexplained());
    counts.figures += page.figures;

    let edits = edits
        .into_iter()
        .map(|(r, s)| (r.start - body_start..r.end - body_start, s))
        .collect();
    Expanded {
        body: directive::splice(&text[body_start..], edits),
        diagnostics,
        counts,
        card: page
            .placed
            .filter(|p| !p.broken)
            .map(|p| p.id)
            .or(page.first_figure),
    }
}

/// Expands one `{{#snippet}}` directive against `library`: the only way a snippet is
/// expanded, by the book and by [`Library::expand_chapter`] alike. `None` when `found` is
/// another directive; a snippet directive that does not parse gives its own diagnostic back.
pub fn snippet(
    library: &Library,
    found: &Found,
    file: &str,
    repo_url: &str,
) -> Option<Result<String, Diagnostic>> {
    if found.kind != Some(Kind::Snippet) {
        return None;
    }
    Some(match &found.directive {
        Ok(Directive::Snippet(request)) => {
            library.expand_request(request, repo_url).map_err(|mut d| {
                d.file = file.to_owned();
                d
            })
        }
        Ok(_) => return None,
        Err(diagnostic) => Err(diagnostic.clone()),
    })
}

/// The state of one page while its directives are expanded in order.
struct Page<'s, 'a> {
    sources: &'s Sources<'a>,
    path: &'s str,
    file: &'s str,
    /// The diagram placed with `{{#diagram}}`.
    placed: Option<Placed>,
    /// The next stage of the placed diagram the text must explain.
    next: usize,
    /// Stages shown inline with `{{#figure}}`, as (diagram id, stage).
    shown: BTreeSet<(String, usize)>,
    /// The first diagram shown with `{{#figure}}`: the page's card when no stepper is placed.
    first_figure: Option<String>,
    /// Stage figures placed.
    figures: usize,
}

struct Placed {
    id: String,
    count: usize,
    span: Range<usize>,
    /// The diagram's file has errors of its own.
    broken: bool,
}

impl Page<'_, '_> {
    fn error(&self, at: Range<usize>, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(self.file, at, message)
    }

    fn expand(&mut self, found: &Found) -> Result<String, Diagnostic> {
        let sources = self.sources;
        // Errors that depend on the book's set-up, or on the page so far, come before those
        // of the arguments, and a directive that shows something broken stays quiet.
        match found.kind {
            Some(Kind::Hub | Kind::Tags) if sources.catalog_broken => return Ok(String::new()),
            Some(Kind::Diagram | Kind::Figure) if sources.diagrams.is_none() => {
                return Err(self.need_diagrams(found));
            }
            Some(Kind::Snippet) if sources.library.is_none() => {
                return Err(self.need_snippets(found));
            }
            Some(Kind::Stage) if self.placed.is_none() => {
                return Err(self
                    .error(found.span.clone(), "a stage marker before any diagram")
                    .with_hint("place the diagram first with `{{#diagram <id>}}`"));
            }
            Some(Kind::Stage) if self.placed.as_ref().is_some_and(|p| p.broken) => {
                return Ok(String::new());
            }
            _ => {}
        }
        match found.directive.as_ref().map_err(Clone::clone)? {
            Directive::Hub => {
                if self.path.contains('/') {
                    return Err(self
                        .error(
                            found.span.clone(),
                            "the hub must be on a page at the root of the book",
                        )
                        .with_hint("put `{{#hub}}` in book/src/index.md"));
                }
                let (catalog, hub) = self.catalog(found)?;
                hub.hub(catalog)
                    .map_err(|e| self.error(found.span.clone(), e))
            }
            Directive::Tags => {
                if self.path != "tags/index.md" {
                    return Err(self
                        .error(found.span.clone(), "the tag list belongs on tags/index.md")
                        .with_hint("move `{{#tags}}` to book/src/tags/index.md"));
                }
                let (catalog, hub) = self.catalog(found)?;
                hub.tag_index(catalog)
                    .map_err(|e| self.error(found.span.clone(), e))
            }
            Directive::Snippet(_) => sources
                .library
                .and_then(|library| snippet(library, found, self.file, sources.repo_url))
                .unwrap_or_else(|| Err(self.need_snippets(found))),
            Directive::Diagram(id) => match sources.diagrams {
                Some(diagrams) => self.diagram(found, id, diagrams),
                None => Err(self.need_diagrams(found)),
            },
            Directive::Figure { id, stage } => match sources.diagrams {
                Some(diagrams) => self.figure(found, id, stage.clone(), diagrams),
                None => Err(self.need_diagrams(found)),
            },
            Directive::Stage(n) => self.stage(found, *n),
            Directive::Tool(tool) => {
                let missing = sources.page_assets.missing(tool);
                if !missing.is_empty() {
                    return Err(self
                        .error(
                            found.span.clone(),
                            format!("the tool `{}` is missing from book.toml", tool.id),
                        )
                        .with_hint(format!(
                            "in [output.html], add {}: mdBook then copies these files and loads them on every page, so a stock `mdbook build` runs the tool too",
                            missing.join("; and ")
                        )));
                }
                Ok(tool::mount(tool))
            }
        }
    }

    /// The error for a directive whose part of the book is not configured.
    fn need(&self, found: &Found, what: &str, setting: &str) -> Diagnostic {
        let name = found.kind.map_or("", Kind::name);
        self.error(
            found.span.clone(),
            format!("`{{{{#{name}}}}}` needs {what}"),
        )
        .with_hint(format!("set `{setting}` in {TABLE} of book.toml"))
    }

    fn need_diagrams(&self, found: &Found) -> Diagnostic {
        self.need(found, "the diagrams folder", "diagrams = \"<path>\"")
    }

    fn need_snippets(&self, found: &Found) -> Diagnostic {
        self.need(
            found,
            "the snippets crate",
            "snippets = \"<path to the crate's src>\"",
        )
    }

    fn catalog(&self, found: &Found) -> Result<(&Catalog, &Hub), Diagnostic> {
        self.sources
            .catalog
            .ok_or_else(|| self.need(found, "the catalogue", "catalog = \"catalog.toml\""))
    }

    fn diagram(
        &mut self,
        found: &Found,
        id: &Word,
        diagrams: &Diagrams,
    ) -> Result<String, Diagnostic> {
        if let Some(placed) = &self.placed {
            return Err(self
                .error(found.span.clone(), "a chapter places one staged diagram")
                .with_hint(format!(
                    "`{}` is placed above; show other diagrams with `{{{{#figure <id>}}}}`",
                    placed.id
                )));
        }
        let Some(diagram) = diagrams.compiled.get(&id.text) else {
            // A diagram that exists but failed to compile has its own errors already; its
            // stage markers stay quiet too.
            if diagrams.broken.contains(&id.text) {
                self.placed = Some(Placed {
                    id: id.text.clone(),
                    count: 0,
                    span: found.span.clone(),
                    broken: true,
                });
                return Ok(String::new());
            }
            return Err(self
                .error(id.span.clone(), format!("no diagram `{}`", id.text))
                .with_hint(diagrams.unknown(&id.text)));
        };
        self.placed = Some(Placed {
            id: id.text.clone(),
            count: diagram.stages().len(),
            span: found.span.clone(),
            broken: false,
        });
        Ok(figure::stepper(diagram, &id.text))
    }

    fn stage(&mut self, found: &Found, n: usize) -> Result<String, Diagnostic> {
        // Checked before the arguments: a diagram is placed, and it compiled.
        let Some(placed) = self.placed.as_ref().filter(|p| !p.broken) else {
            return Ok(String::new());
        };
        let at = found.args_span.clone();
        if n == 0 || n > placed.count {
            return Err(self
                .error(at, format!("`{}` has no stage {n}", placed.id))
                .with_hint(format!("its stages are 1 to {}", placed.count)));
        }
        if n != self.next {
            let hint = if n < self.next {
                format!("stage {n} is already explained above; each stage is explained once")
            } else {
                format!(
                    "stages are explained in order: stage {} comes first",
                    self.next
                )
            };
            return Err(self
                .error(at, format!("stage {n} is out of order"))
                .with_hint(hint));
        }
        let Some(diagram) = self
            .sources
            .diagrams
            .and_then(|d| d.compiled.get(&placed.id))
        else {
            return Ok(String::new());
        };
        let html = figure::stage_figure(diagram, &placed.id, n - 1);
        self.next += 1;
        self.figures += 1;
        Ok(html)
    }

    /// `{{#figure id}}` shows every stage of a diagram file in the text, in order;
    /// `{{#figure id N}}` shows stage N alone. No stepper: this is how a chapter shows the
    /// staged figures beside the one it places with `{{#diagram}}`, or instead of it.
    fn figure(
        &mut self,
        found: &Found,
        id: &Word,
        stage: Option<(usize, Range<usize>)>,
        diagrams: &Diagrams,
    ) -> Result<String, Diagnostic> {
        let Some(diagram) = diagrams.compiled.get(&id.text) else {
            if diagrams.broken.contains(&id.text) {
                return Ok(String::new());
            }
            return Err(self
                .error(id.span.clone(), format!("no diagram `{}`", id.text))
                .with_hint(diagrams.unknown(&id.text)));
        };
        let count = diagram.stages().len().max(1);
        let stages = match stage {
            None => 1..=count,
            Some((n, at)) if n == 0 || n > count => {
                return Err(self
                    .error(at, format!("`{}` has no stage {n}", id.text))
                    .with_hint(format!("its stages are 1 to {count}")));
            }
            Some((n, _)) => n..=n,
        };
        for n in stages.clone() {
            if !self.shown.insert((id.text.clone(), n)) {
                return Err(self
                    .error(
                        found.span.clone(),
                        format!("stage {n} of `{}` is already shown above", id.text),
                    )
                    .with_hint("a page shows each stage of a diagram once"));
            }
        }
        self.figures += stages.clone().count();
        self.first_figure.get_or_insert_with(|| id.text.clone());
        Ok(figure::inline(diagram, &id.text, stages))
    }

    /// The error for stages of the placed diagram that no `{{#stage}}` marker explains.
    fn unexplained(&self) -> Option<Diagnostic> {
        let placed = self.placed.as_ref().filter(|p| !p.broken)?;
        if self.next > placed.count {
            return None;
        }
        let missing = if self.next == placed.count {
            format!("stage {}", placed.count)
        } else {
            format!("stages {} to {}", self.next, placed.count)
        };
        Some(
            self.error(
                placed.span.clone(),
                format!("{missing} of `{}` explained nowhere", placed.id),
            )
            .with_hint(format!(
                "put `{{{{#stage {}}}}}` under the heading of the section that explains it",
                self.next
            )),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(sources: &Sources<'_>, text: &str) -> Expanded {
        chapter(
            sources,
            &Chapter {
                path: "designs/a.md",
                file: "book/src/designs/a.md",
                text,
                body_start: 0,
            },
        )
    }

    #[test]
    fn stages_follow_the_placed_diagram_and_the_card_is_its_id() {
        let source = "diagram \"Pair\"\nstage \"One\"\ncaption \"A alone.\"\nclient a \"A\"\nstage \"Two\"\ncaption \"A calls B.\"\nservice b \"B\"\na -> b\n";
        let compiled = crate::diagram::compile("diagrams/pair.dsd", source);
        let diagram = compiled
            .diagram
            .unwrap_or_else(|| panic!("{:?}", compiled.diagnostics));
        let diagrams = Diagrams {
            compiled: BTreeMap::from([("pair".to_owned(), diagram)]),
            broken: BTreeSet::from(["torn".to_owned()]),
        };
        let assets = PageAssets::default();
        let sources = Sources {
            diagrams: Some(&diagrams),
            page_assets: &assets,
            ..Sources::default()
        };
        let done = expand(
            &sources,
            "{{#diagram pair}}\n\n{{#stage 1}}\n\n{{#stage 2}}\n",
        );
        assert_eq!(done.diagnostics, []);
        assert_eq!((done.counts.directives, done.counts.figures), (3, 2));
        assert_eq!(done.card.as_deref(), Some("pair"));

        let short = expand(&sources, "{{#diagram pair}}\n\n{{#stage 2}}\n");
        let messages: Vec<&str> = short
            .diagnostics
            .iter()
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(
            messages,
            [
                "stage 2 is out of order",
                "stages 1 to 2 of `pair` explained nowhere"
            ]
        );

        // A broken diagram's own errors are enough: its markers stay quiet, and it is no card.
        let broken = expand(&sources, "{{#diagram torn}}\n\n{{#stage 1}}\n");
        assert_eq!(broken.diagnostics, []);
        assert_eq!(broken.card, None);
    }

    #[test]
    fn code_in_the_front_matter_is_left_alone() {
        let text = "+++\n```diagram\n+++\n{{#hub}}\n";
        let expanded = chapter(
            &Sources::default(),
            &Chapter {
                path: "a.md",
                file: "a.md",
                text,
                body_start: text.find("+++\n{{").unwrap(),
            },
        );
        assert_eq!(expanded.counts.figures, 0);
        assert!(expanded.body.starts_with("+++\n"), "{}", expanded.body);
    }

    #[test]
    fn a_tool_needs_its_files_listed_for_stock_mdbook() {
        let tool = tool::find("ring-explorer").unwrap();
        let mut assets = PageAssets {
            theme: "theme".into(),
            ..PageAssets::default()
        };
        fn sources(assets: &PageAssets) -> Sources<'_> {
            Sources {
                page_assets: assets,
                ..Sources::default()
            }
        }
        let missing = expand(&sources(&assets), "{{#tool ring-explorer}}\n");
        assert_eq!(missing.diagnostics.len(), 1);
        let hint = missing.diagnostics[0].hint.clone().unwrap_or_default();
        assert!(
            hint.contains("\"theme/tools/ring-explorer.css\" to additional-css"),
            "{hint}"
        );

        let listed = |files: &[&str]| -> Vec<String> {
            files.iter().map(|f| format!("theme/tools/{f}")).collect()
        };
        assets.css = listed(tool.styles);
        assets.js = listed(tool.scripts);
        assets.js.reverse();
        assert_eq!(assets.missing(tool).len(), 1, "scripts in the wrong order");
        assets.js.reverse();
        assert_eq!(assets.missing(tool), Vec::<String>::new());
        let mounted = expand(&sources(&assets), "{{#tool ring-explorer}}\n");
        assert_eq!(mounted.diagnostics, []);
        assert!(mounted.body.contains("data-ds-tool=\"ring-explorer\""));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 300, ..Default::default() })]

        /// Any chapter text, built from the pieces directives and fences are made of, is
        /// scanned and expanded without a panic, and every diagnostic points inside it.
        #[test]
        fn any_chapter_expands_without_panicking(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "{{#", "}}", "stage ", "figure ", "diagram ", "tool ", "snippet ", "hub",
                "pair", " 2", " x", "\\", "`", "```", "```diagram\n", "```rust,ignore\n",
                "\n", "    ", "> ", "+++\n", "é", "a::b", "#r",
            ]), 0..40),
            cut in 0usize..200,
        ) {
            let text: String = pieces.concat();
            let body_start = text.char_indices().map(|(i, _)| i).find(|&i| i >= cut.min(text.len())).unwrap_or(text.len());
            let assets = PageAssets::default();
            let diagrams = Diagrams::default();
            let sources = Sources { diagrams: Some(&diagrams), page_assets: &assets, ..Sources::default() };
            let expanded = chapter(&sources, &Chapter { path: "a.md", file: "a.md", text: &text, body_start });
            for d in &expanded.diagnostics {
                proptest::prop_assert!(d.span.end <= text.len() && d.span.start <= d.span.end, "{d:?}");
            }
        }
    }
}
