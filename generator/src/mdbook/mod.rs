//! The boundary with mdBook: the only module that imports mdBook's types.
//!
//! In: a book root (the folder holding `book.toml`). Out: the built HTML book, or every
//! problem found in the sources, rendered for the author.
//!
//! - [`preprocess`]: the `dsbook` preprocessor. It reads the catalogue, checks front matter
//!   and `SUMMARY.md`, expands directives and adds the tag pages. The same code runs
//!   in-process (here) and as the external `mdbook-dsbook` binary.
//! - [`render`]: wraps mdBook's HTML renderer to write each page's own `<head>` metadata.
//! - [`build`] and [`check`]: the two entry points the CLI uses.

pub mod config;
pub mod preprocess;
pub mod render;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use mdbook_driver::MDBook;

pub use preprocess::{DsPreprocessor, Report};

/// What to build and where.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The book root: the folder with `book.toml`.
    pub book_root: PathBuf,
    /// Output folder; `None` uses `build.build-dir` from `book.toml`.
    pub dest: Option<PathBuf>,
    /// Set only by `serve`: the path the page polls for reload events.
    pub live_reload: Option<String>,
}

/// What a build did.
#[derive(Debug, Clone)]
pub struct BuildOutcome {
    /// Where the HTML went.
    pub dest: PathBuf,
    /// What the preprocessor checked.
    pub report: Report,
    /// Wall-clock time of the whole build.
    pub elapsed: Duration,
}

/// The project root for a command run in `start`: the nearest folder, `start` itself or
/// one above it, that holds `book/book.toml`. `None` when no folder up to the file system's
/// root does.
pub fn find_project_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join("book").join("book.toml").is_file())
        .map(Path::to_path_buf)
}

/// Loads the book with the in-process preprocessor and renderer registered.
fn load(opts: &BuildOptions) -> Result<(MDBook, preprocess::SharedReport)> {
    let mut book = MDBook::load(&opts.book_root)
        .with_context(|| format!("cannot load the book at {}", opts.book_root.display()))?;
    if let Some(dest) = &opts.dest {
        book.config.build.build_dir = dest.clone();
    }
    if let Some(endpoint) = &opts.live_reload {
        book.config
            .set("output.html.live-reload-endpoint", endpoint)?;
    }
    let preprocessor = DsPreprocessor::new();
    let report = preprocessor.report_handle();
    let cards = preprocessor.cards_handle();
    book.with_preprocessor(preprocessor);
    book.with_renderer(render::DsHtml::with_cards(cards));
    Ok((book, report))
}

/// Builds the book into its output folder. Fails, with every problem rendered, when any
/// source has an error.
pub fn build(opts: &BuildOptions) -> Result<BuildOutcome> {
    let started = Instant::now();
    let (book, report) = load(opts)?;
    book.build()?;
    let dest = book.build_dir_for("html");
    let report = report.lock().map(|r| r.clone()).unwrap_or_default();
    Ok(BuildOutcome {
        dest,
        report,
        elapsed: started.elapsed(),
    })
}

/// Runs every validation of the build without touching the output folder: the book is
/// rendered into a temporary folder, audited for broken links and remote resources, and
/// the folder is removed.
pub fn check(book_root: &Path) -> Result<(BuildOutcome, crate::audit::Audit)> {
    let scratch = std::env::temp_dir().join(format!("dsbook-check-{}", std::process::id()));
    let opts = BuildOptions {
        book_root: book_root.to_owned(),
        dest: Some(scratch.clone()),
        live_reload: None,
    };
    let outcome = build(&opts);
    let audit = outcome
        .as_ref()
        .ok()
        .map(|o| crate::audit::audit_dir(&o.dest));
    let _ = std::fs::remove_dir_all(&scratch);
    let outcome = outcome?;
    Ok((outcome, audit.transpose()?.unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_project_root_is_the_nearest_folder_with_a_book() {
        let tmp = tempfile::tempdir().unwrap();
        let outer = tmp.path();
        let inner = outer.join("nested/checkout");
        for root in [outer, inner.as_path()] {
            std::fs::create_dir_all(root.join("book")).unwrap();
            std::fs::write(root.join("book/book.toml"), "[book]\n").unwrap();
        }
        let deep = inner.join("snippets/src");
        std::fs::create_dir_all(&deep).unwrap();
        assert_eq!(find_project_root(&deep).as_deref(), Some(inner.as_path()));
        assert_eq!(find_project_root(&inner).as_deref(), Some(inner.as_path()));
        assert_eq!(
            find_project_root(&outer.join("nested")).as_deref(),
            Some(outer)
        );
        // A folder named `book` without `book.toml` is not a book.
        std::fs::remove_file(outer.join("book/book.toml")).unwrap();
        assert_eq!(find_project_root(&outer.join("nested")), None);
    }
}
