//! Code by name: the book shows the snippets crate's items, never pasted copies.
//!
//! In: the source files of `snippets/src` (as `(path, text)` pairs, or read from disk by
//! [`Library::load`]): Rust, and the other kinds of file listed in [`args::FILE_KINDS`]
//! (Lua scripts); and the argument text of `{{#snippet …}}` directives found in chapters.
//! Out: Markdown for each directive (a ```` ```rust ```` fence holding the item's source,
//! sliced from the original text so formatting and comments survive, or a ```` ```lua ````
//! fence holding a whole script or one region of it, then a footer linking to the file and
//! its tests), or a [`Diagnostic`] saying why the name does not resolve.
//! [`lint_chapter`] checks a chapter's own code fences, which are compiled as doctests.
//!
//! The directive, documented for authors in `book/src/appendix/tested-code.md`:
//!
//! ```text
//! {{#snippet quorum::majority}}                   an item, with its doc comment
//! {{#snippet quorum::Quorum::majority}}           one method of an impl (or of a trait)
//! {{#snippet quorum::majority signature}}         a function's doc comment and signature only
//! {{#snippet quorum#intersection}}                the lines between `// region: intersection`
//!                                                 and `// endregion: intersection`
//! {{#snippet quorum::majority context}}           the rest of the file as hidden `# ` lines
//! {{#snippet rate_limiter/token_bucket.lua}}      a whole Lua file, in a ```` ```lua ```` fence
//! {{#snippet rate_limiter/token_bucket.lua#script}}  the lines between `-- region: script`
//!                                                 and `-- endregion: script`
//! ```
//!
//! `#[cfg(test)]` items and region marker lines are never shown. The expanded fence is not
//! compiled again: doctests see chapters raw, with the directive unexpanded, and the item is
//! tested in the snippets crate itself.
//!
//! Modules: [`index`] finds the nameable items of one file with syn; [`args`] parses a
//! directive's arguments; [`lint`] checks chapter fences.

pub mod args;
pub mod index;
pub mod lint;

use std::fmt::Write as _;
use std::ops::Range;
use std::path::Path;

use crate::diagnostic::{Diagnostic, nearest};

pub use self::args::{FileKind, Request, Target};
pub use self::index::{IndexedItem, ItemKind};
pub use self::lint::lint_chapter;

/// The display path of the snippets crate's sources, relative to the repository root.
pub const SOURCE_ROOT: &str = "snippets/src";

/// How many existing names a "not found" error suggests.
const SUGGESTIONS: usize = 3;

/// Index of every nameable item in the snippets crate, built from (path relative to
/// `snippets/src`, file text) pairs.
#[derive(Debug, Clone, Default)]
pub struct Library {
    files: Vec<SourceFile>,
    /// Every item of every file, as (index into `files`, item), files in path order.
    items: Vec<(usize, IndexedItem)>,
}

#[derive(Debug, Clone)]
struct SourceFile {
    /// `snippets/src/quorum.rs`.
    path: String,
    /// `quorum`; empty for the crate root. For a file that is not Rust, its path under
    /// `snippets/src`: `rate_limiter/token_bucket.lua`.
    module: String,
    /// `None` for Rust; otherwise the kind of file, which gives its fence's language.
    kind: Option<FileKind>,
    text: String,
    lines: index::LineIndex,
    index: index::FileIndex,
}

/// The part of a file an excerpt shows.
struct Excerpt<'a> {
    file: &'a SourceFile,
    /// Bytes shown; whole lines are taken from the first to the last line they touch.
    shown: Range<usize>,
    /// For `signature`: the last shown line is cut at this byte (the end of `shown`) and the
    /// body elided.
    cut_at: Option<usize>,
}

impl Library {
    /// Indexes the given files: `(path relative to snippets/src, text)`. Pure. A file that
    /// cannot be parsed is left out, and region markers that do not pair up are ignored; each
    /// problem comes back as a diagnostic whose file is relative to the repository root
    /// (`snippets/src/…`).
    pub fn from_sources(mut files: Vec<(String, String)>) -> (Library, Vec<Diagnostic>) {
        files.sort();
        let mut library = Library::default();
        let mut diagnostics = Vec::new();
        for (relative, text) in files {
            let relative = relative.replace('\\', "/");
            let path = format!("{SOURCE_ROOT}/{relative}");
            if let Some(kind) = args::file_kind(&relative) {
                let (index, errors) = index::index_text_file(&path, &text, kind.comment);
                diagnostics.extend(errors);
                let lines = index::LineIndex::new(&text);
                library.files.push(SourceFile {
                    path,
                    module: relative,
                    kind: Some(kind),
                    text,
                    lines,
                    index,
                });
                continue;
            }
            let module = module_path(&relative);
            let (index, errors) = index::index_file(&path, &module, &text);
            diagnostics.extend(errors);
            let Some(index) = index else { continue };
            let file = library.files.len();
            library
                .items
                .extend(index.items.iter().cloned().map(|item| (file, item)));
            let lines = index::LineIndex::new(&text);
            let module = module.join("::");
            library.files.push(SourceFile {
                path,
                module,
                kind: None,
                text,
                lines,
                index,
            });
        }
        (library, diagnostics)
    }

    /// Reads every `.rs` file under `snippets_src`, and every file of a kind in
    /// [`args::FILE_KINDS`] (the IO edge), and indexes them.
    pub fn load(snippets_src: &Path) -> std::io::Result<(Library, Vec<Diagnostic>)> {
        let mut files = Vec::new();
        for entry in walkdir::WalkDir::new(snippets_src) {
            let entry = entry?;
            let path = entry.path();
            let shown = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e == "rs" || args::FILE_KINDS.iter().any(|k| k.extension == e));
            if !entry.file_type().is_file() || !shown {
                continue;
            }
            let relative = path.strip_prefix(snippets_src).unwrap_or(path);
            let relative: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            files.push((relative.join("/"), std::fs::read_to_string(path)?));
        }
        Ok(Library::from_sources(files))
    }

    /// The number of nameable items (regions are not counted).
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the library has no nameable item.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Every nameable item path, in file order then source order; a path that names two
    /// items appears twice.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.items.iter().map(|(_, item)| item.path.as_str())
    }

    /// Every region, as `module#name` (`path#name` for a file that is not Rust).
    pub fn regions(&self) -> impl Iterator<Item = String> {
        self.files.iter().flat_map(|f| {
            f.index
                .regions
                .iter()
                .map(move |r| format!("{}#{}", f.module, r.name))
        })
    }

    /// Expand the argument text of one `{{#snippet ARGS}}` directive into Markdown (a
    /// ```` ```rust ```` fence and a footer). `repo_url` is the address under which repository
    /// paths resolve, such as `https://github.com/org/book/blob/main`.
    ///
    /// On failure, the Diagnostic's span is relative to `args` and its `file` is left empty;
    /// the caller shifts it ([`Diagnostic::shifted`]) and fills in the chapter's path.
    pub fn expand(&self, args: &str, repo_url: &str) -> Result<String, Diagnostic> {
        self.expand_request(&args::parse(args)?, repo_url)
    }

    /// Expands a parsed request. A failure's span is where the request's target is written
    /// ([`Request::target_span`]), and its `file` is left empty.
    pub fn expand_request(&self, request: &Request, repo_url: &str) -> Result<String, Diagnostic> {
        let excerpt = self.resolve(request)?;
        Ok(render(&excerpt, request.context, repo_url))
    }

    /// Expands every `{{#snippet}}` directive of a chapter, through [`crate::expand::snippet`]
    /// as the book does, leaving every other directive as written. A directive that fails
    /// stays as written, and its diagnostic is located in `file`. Pure; the chapter's own
    /// fences are checked separately by [`lint_chapter`].
    pub fn expand_chapter(
        &self,
        file: &str,
        text: &str,
        repo_url: &str,
    ) -> (String, Vec<Diagnostic>) {
        let mut edits = Vec::new();
        let mut diagnostics = Vec::new();
        let scan = crate::directive::scan(file, text);
        for found in &scan.directives {
            match crate::expand::snippet(self, found, file, repo_url) {
                Some(Ok(markdown)) => edits.push((found.span.clone(), markdown)),
                Some(Err(diagnostic)) => diagnostics.push(diagnostic),
                None => {}
            }
        }
        (crate::directive::splice(text, edits), diagnostics)
    }

    fn resolve(&self, request: &Request) -> Result<Excerpt<'_>, Diagnostic> {
        let at = request.target_span.clone();
        match &request.target {
            Target::Item(path) => {
                let found: Vec<&(usize, IndexedItem)> =
                    self.items.iter().filter(|(_, i)| i.path == *path).collect();
                let (file, item) = match found.as_slice() {
                    [] => return Err(self.not_found(path, at)),
                    [one] => one,
                    many => return Err(self.ambiguous(path, many, at)),
                };
                let file = &self.files[*file];
                let mut shown = item.span.clone();
                let cut_at = if request.signature {
                    let Some(signature) = &item.signature else {
                        return Err(Diagnostic::error(
                            "",
                            at,
                            format!(
                                "`{path}` is a {}; `signature` applies to functions",
                                item.kind.describe()
                            ),
                        )
                        .with_hint("drop `signature` to show the whole item"));
                    };
                    shown = signature.clone();
                    Some(signature.end)
                } else {
                    None
                };
                Ok(Excerpt {
                    file,
                    shown,
                    cut_at,
                })
            }
            Target::File { path, region } => {
                let texts = || self.files.iter().filter(|f| f.kind.is_some());
                let Some(file) = texts().find(|f| f.module == *path) else {
                    let paths: Vec<&str> = texts().map(|f| f.module.as_str()).collect();
                    let hint = suggestion("files", &nearest(path, paths, SUGGESTIONS));
                    let at = at.start..at.start + path.len();
                    return Err(Diagnostic::error(
                        "",
                        at,
                        format!("no file `{path}` in {SOURCE_ROOT}"),
                    )
                    .with_hint(hint));
                };
                match region {
                    None => Ok(Excerpt {
                        file,
                        shown: 0..file.text.len(),
                        cut_at: None,
                    }),
                    Some(name) => self.region(file, name, at),
                }
            }
            Target::Region { module, name } => {
                let rust = || self.files.iter().filter(|f| f.kind.is_none());
                let Some(file) = rust().find(|f| f.module == *module) else {
                    let modules: Vec<&str> = rust().map(|f| f.module.as_str()).collect();
                    let hint = suggestion("modules", &nearest(module, modules, SUGGESTIONS));
                    let at = at.start..at.start + module.len();
                    return Err(Diagnostic::error(
                        "",
                        at,
                        format!("no module `{module}` in the snippets crate"),
                    )
                    .with_hint(hint));
                };
                self.region(file, name, at)
            }
        }
    }

    /// The region `name` of `file`; `at` is where the directive's target is written.
    fn region<'a>(
        &self,
        file: &'a SourceFile,
        name: &str,
        at: Range<usize>,
    ) -> Result<Excerpt<'a>, Diagnostic> {
        let Some(region) = file.index.regions.iter().find(|r| r.name == *name) else {
            let names: Vec<&str> = file.index.regions.iter().map(|r| r.name.as_str()).collect();
            let hint = if names.is_empty() {
                let comment = file.kind.map_or("//", |k| k.comment);
                format!(
                    "{} marks no regions; mark one with `{comment} region: {name}` … `{comment} endregion: {name}`",
                    file.path
                )
            } else {
                suggestion("regions", &nearest(name, names, SUGGESTIONS))
            };
            let at = at.end - name.len()..at.end;
            return Err(
                Diagnostic::error("", at, format!("no region `{name}` in {}", file.path))
                    .with_hint(hint),
            );
        };
        if region.span.is_empty() {
            return Err(Diagnostic::error(
                "",
                at,
                format!("region `{name}` in {} is empty", file.path),
            ));
        }
        Ok(Excerpt {
            file,
            shown: region.span.clone(),
            cut_at: None,
        })
    }

    fn not_found(&self, path: &str, at: Range<usize>) -> Diagnostic {
        // An item that moved to another module keeps its last segment: list those first,
        // then the names closest by spelling.
        let last = path.rsplit("::").next().unwrap_or(path);
        let mut names: Vec<&str> = self
            .names()
            .filter(|n| n.rsplit("::").next() == Some(last))
            .collect();
        names.sort_unstable();
        names.dedup();
        for near in nearest(path, self.names(), SUGGESTIONS + names.len()) {
            if !names.contains(&near) {
                names.push(near);
            }
        }
        names.truncate(SUGGESTIONS);
        Diagnostic::error("", at, format!("no item `{path}` in the snippets crate"))
            .with_hint(suggestion("names", &names))
    }

    fn ambiguous(
        &self,
        path: &str,
        found: &[&(usize, IndexedItem)],
        at: Range<usize>,
    ) -> Diagnostic {
        let candidates: Vec<String> = found
            .iter()
            .map(|(file, item)| {
                let file = &self.files[*file];
                let line = file.lines.line_of(item.span.start) + 1;
                let what = match &item.container {
                    Some(container) => format!("the {} in `{container}`", item.kind.describe()),
                    None => format!("the {}", item.kind.describe()),
                };
                format!("{what} ({}:{line})", file.path)
            })
            .collect();
        let module = &self.files[found[0].0].module;
        Diagnostic::error("", at, format!("`{path}` names {} items", found.len())).with_hint(format!(
            "it names {}; to show one, mark it with `// region: NAME` … `// endregion: NAME` and write `{{{{#snippet {module}#NAME}}}}`",
            candidates.join(" and ")
        ))
    }
}

/// `quorum.rs` → `[quorum]`; `raft/mod.rs` → `[raft]`; `raft/log.rs` → `[raft, log]`;
/// `lib.rs` → `[]` (the crate root).
fn module_path(relative: &str) -> Vec<String> {
    let mut segments: Vec<String> = relative
        .trim_end_matches(".rs")
        .split('/')
        .map(String::from)
        .collect();
    if matches!(
        segments.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        segments.pop();
    }
    segments
}

fn suggestion(what: &str, names: &[&str]) -> String {
    match names {
        [] => format!("the snippets crate has no {what} yet"),
        [one] => format!("the closest existing name is `{one}`"),
        _ => format!(
            "the closest existing {what} are {}",
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The Markdown for an excerpt: the fence, then a footer linking to the shown lines and to
/// the file's tests.
fn render(excerpt: &Excerpt<'_>, context: bool, repo_url: &str) -> String {
    let file = excerpt.file;
    let (text, lines) = (&file.text, &file.lines);
    let first = lines.line_of(excerpt.shown.start);
    let last = lines.line_of(excerpt.shown.end.saturating_sub(1).max(excerpt.shown.start));
    let touches = |line: usize, spans: &[Range<usize>]| {
        let range = lines.line(text, line);
        spans
            .iter()
            .any(|r| r.start <= range.end && range.start < r.end.max(r.start + 1))
    };
    let is_test = |line: usize| touches(line, &file.index.tests);
    // A test item takes the blank line above it along, so no gap is left where it was.
    let never_shown = |line: usize| {
        touches(line, &file.index.markers)
            || is_test(line)
            || (text[lines.line(text, line)].trim().is_empty()
                && line + 1 < lines.len(text)
                && is_test(line + 1))
    };

    // (visible, line text) for every line the fence holds.
    let mut body: Vec<(bool, &str)> = Vec::new();
    let all = 0..lines.len(text);
    for line in if context { all } else { first..last + 1 } {
        if never_shown(line) {
            continue;
        }
        let mut range = lines.line(text, line);
        let visible = (first..=last).contains(&line);
        if let Some(cut) = excerpt.cut_at.filter(|_| visible && line == last) {
            range.end = cut;
        }
        body.push((visible, &text[range]));
    }
    while body
        .last()
        .is_some_and(|(visible, l)| !visible && l.trim().is_empty())
    {
        body.pop();
    }

    let indent = if context {
        0
    } else {
        body.iter()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(_, l)| l.len() - l.trim_start().len())
            .min()
            .unwrap_or(0)
    };
    let mut code = String::new();
    for (i, (visible, line)) in body.iter().enumerate() {
        let line = line.trim_end();
        if *visible {
            let line = line.get(indent..).unwrap_or(line.trim_start());
            // Only a Rust block hides `# ` lines; other languages are shown as written.
            match file.kind {
                None => code.push_str(&escape_hidden_marker(line)),
                Some(_) => code.push_str(line),
            }
            // `signature` never combines with `context`, so its cut line is the last one.
            if let Some(cut) = excerpt.cut_at.filter(|_| i + 1 == body.len()) {
                code.push_str(elided_body(&text[cut..]));
            }
        } else if line.is_empty() {
            code.push('#');
        } else {
            code.push_str("# ");
            code.push_str(line);
        }
        code.push('\n');
    }

    let fence = "`".repeat(longest_backtick_run(&code).max(2) + 1);
    let url = format!("{}/{}", repo_url.trim_end_matches('/'), file.path);
    let mut out = String::new();
    let info = file.kind.map_or("rust,noplayground", |k| k.fence);
    let _ = write!(out, "{fence}{info}\n{code}{fence}\n\n");
    let anchor = if first == last {
        format!("L{}", first + 1)
    } else {
        format!("L{}-L{}", first + 1, last + 1)
    };
    let _ = write!(
        out,
        "<p class=\"snippet-source\"><a href=\"{}#{anchor}\">{}</a>",
        crate::html::escape(&url),
        crate::html::escape(&file.path),
    );
    if let Some(tests) = file.index.tests.first() {
        let _ = write!(
            out,
            " · <a href=\"{}#L{}\">tests</a>",
            crate::html::escape(&url),
            lines.line_of(tests.start) + 1
        );
    }
    out.push_str("</p>\n");
    out
}

/// What stands for a function's body after its signature, given the source that follows the
/// signature: `;` for a trait method without a body, the elided body on its own line when
/// the source puts the brace there (after a `where` clause), and ` { ... }` otherwise.
fn elided_body(after: &str) -> &'static str {
    let rest = after.trim_start();
    if rest.starts_with(';') {
        ";"
    } else if after[..after.len() - rest.len()].contains('\n') {
        "\n{ ... }"
    } else {
        " { ... }"
    }
}

/// mdBook hides lines of a Rust block that start with `#` followed by a space or nothing,
/// and shows `##` as `#`; a visible source line of that shape gets one more `#`.
fn escape_hidden_marker(line: &str) -> String {
    let trimmed = line.trim_start();
    let after = trimmed.strip_prefix('#');
    match after {
        Some(rest) if rest.is_empty() || rest.starts_with([' ', '#']) => {
            let indent = &line[..line.len() - trimmed.len()];
            format!("{indent}#{trimmed}")
        }
        _ => line.to_string(),
    }
}

/// The longest run of backticks that starts a line (after indentation), which the fence must
/// outdo so a doc comment's or string's backticks cannot close it.
fn longest_backtick_run(code: &str) -> usize {
    code.lines()
        .map(|l| l.trim_start().chars().take_while(|&c| c == '`').count())
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_paths_follow_rust_file_layout() {
        assert_eq!(module_path("quorum.rs"), ["quorum"]);
        assert_eq!(module_path("raft/mod.rs"), ["raft"]);
        assert_eq!(module_path("raft/log.rs"), ["raft", "log"]);
        assert!(module_path("lib.rs").is_empty());
    }

    #[test]
    fn visible_lines_that_look_hidden_are_escaped() {
        assert_eq!(escape_hidden_marker("# x"), "## x");
        assert_eq!(escape_hidden_marker("  #"), "  ##");
        assert_eq!(escape_hidden_marker("#[derive(Debug)]"), "#[derive(Debug)]");
        assert_eq!(escape_hidden_marker("## x"), "### x");
    }

    #[test]
    fn fences_outdo_backticks_in_the_code() {
        assert_eq!(longest_backtick_run("/// ```\nx\n"), 0);
        assert_eq!(longest_backtick_run("````\n  ```\n"), 4);
    }
}
