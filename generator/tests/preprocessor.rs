//! The external preprocessor: `mdbook-dsbook`, as a stock `mdbook` runs it.
//!
//! In: the built binary, a small book as mdBook's `[context, book]` JSON on stdin, and a
//! small book on disk for the pinned stock `mdbook` CLI. Out: assertions on the `supports`
//! handshake (exit codes), on the book JSON written back (directives expanded, everything
//! else untouched), on failure (non-zero exit, diagnostics on stderr), and on a stock build
//! of a page with an interactive tool (its files linked, in order, and present; or the build
//! refused when `book.toml` does not list them). Without the `mdbook` CLI that test is
//! skipped loudly, and under `CI=true` it fails.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::str::FromStr;

use mdbook_preprocessor::PreprocessorContext;
use mdbook_preprocessor::book::{Book, BookItem, Chapter};
use mdbook_preprocessor::config::Config;

const BIN: &str = env!("CARGO_BIN_EXE_mdbook-dsbook");

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn input(chapters: &[(&str, &str)]) -> (tempfile::TempDir, Vec<u8>, Book) {
    let root = tempfile::tempdir().unwrap();
    let snippets = common::project_root()
        .join("snippets/src")
        .canonicalize()
        .unwrap();
    let toml = format!(
        "[book]\ntitle = \"Small\"\n\n[preprocessor.dsbook]\nsnippets = {:?}\n",
        snippets.to_string_lossy()
    );
    let config = Config::from_str(&toml).unwrap();
    let ctx = PreprocessorContext::new(root.path().to_owned(), config, "html".to_owned());
    let mut book = Book::new();
    for (path, content) in chapters {
        book.items.push(BookItem::Chapter(Chapter::new(
            path,
            (*content).to_owned(),
            *path,
            Vec::new(),
        )));
    }
    let json = serde_json::to_vec(&(&ctx, &book)).unwrap();
    (root, json, book)
}

#[test]
fn answers_the_supports_handshake() {
    assert!(run(&["supports", "html"], b"").status.success());
    assert!(run(&["supports", "test"], b"").status.success());
    assert!(!run(&["supports", "pdf"], b"").status.success());
}

#[test]
fn round_trips_a_small_book() {
    let plain = "# Plain\n\nNo directives here, and `{{#snippet in::code}}` is text.\n";
    let with_snippet = "# Quorums\n\n{{#snippet quorum::majority}}\n\nAfter.\n";
    let (_root, json, original) = input(&[("plain.md", plain), ("quorums.md", with_snippet)]);
    let out = run(&[], &json);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let book: Book = serde_json::from_slice(&out.stdout).unwrap();
    let chapters: Vec<&Chapter> = book
        .iter()
        .filter_map(|i| {
            if let BookItem::Chapter(c) = i {
                Some(c)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(chapters.len(), 2);
    let BookItem::Chapter(first) = &original.items[0] else {
        unreachable!()
    };
    assert_eq!(
        chapters[0], first,
        "a chapter without directives comes back unchanged"
    );
    assert_eq!(chapters[1].name, "quorums.md");
    assert!(
        chapters[1].content.contains("```rust"),
        "{}",
        chapters[1].content
    );
    assert!(
        chapters[1].content.contains("fn majority("),
        "{}",
        chapters[1].content
    );
    assert!(chapters[1].content.ends_with("\n\nAfter.\n"));
    assert!(!chapters[1].content.contains("{{#snippet"));
}

#[test]
fn fails_with_diagnostics_on_stderr() {
    let (_root, json, _) = input(&[("bad.md", "# Bad\n\n{{#snippet quorum::nope}}\n")]);
    let out = run(&[], &json);
    assert!(!out.status.success());
    assert!(
        out.stdout.is_empty(),
        "nothing on stdout when the book has errors"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no item `quorum::nope`"), "{stderr}");
    assert!(stderr.contains("bad.md:3:12"), "{stderr}");
}

/// The pinned stock `mdbook` CLI (`cargo install mdbook --version =0.5.4 --locked`), or
/// `None` after saying loudly why the test is skipped; under `CI=true` its absence fails.
fn stock_mdbook() -> Option<&'static str> {
    let version = Command::new("mdbook")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let problem = match version.as_deref() {
        Some("mdbook v0.5.4") => return Some("mdbook"),
        Some(other) => format!("`mdbook --version` says `{other}`, not `mdbook v0.5.4`"),
        None => "`mdbook` is not installed".to_owned(),
    };
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "the stock mdBook test cannot run in CI: {problem}"
    );
    eprintln!(
        "\n**********\nSKIPPED: the stock mdBook test needs the pinned CLI: {problem} \
         (cargo install mdbook --version =0.5.4 --locked). With CI=true this fails instead.\n**********\n"
    );
    None
}

/// Writes a small book that mounts the ring explorer, run through `mdbook-dsbook`, with
/// the tool's files listed in `book.toml` when `listed`.
fn tool_book(listed: bool) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let tool = generator::tool::find("ring-explorer").unwrap();
    let quoted = |files: &[&str]| {
        files
            .iter()
            .map(|f| format!("\"theme/tools/{f}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let assets = if listed {
        format!(
            "additional-css = [{}]\nadditional-js = [{}]\n",
            quoted(tool.styles),
            quoted(tool.scripts)
        )
    } else {
        String::new()
    };
    let toml = format!(
        "[book]\ntitle = \"Stock\"\n\n[preprocessor.dsbook]\ncommand = {BIN:?}\n\n[output.html]\n{assets}\n[output.html.print]\nenable = true\n"
    );
    let write = |path: &str, text: &[u8]| {
        let file = root.path().join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    };
    write("book.toml", toml.as_bytes());
    write(
        "src/SUMMARY.md",
        b"# Summary\n\n- [Intro](intro.md)\n- [Ring](tools/ring.md)\n",
    );
    write("src/intro.md", b"# Intro\n\nNo tool here.\n");
    write(
        "src/tools/ring.md",
        b"# Ring\n\n{{#tool ring-explorer}}\n\nAfter the tool.\n",
    );
    let theme = common::project_root().join("theme/tools");
    for file in tool.styles.iter().chain(tool.scripts) {
        write(
            &format!("theme/tools/{file}"),
            &std::fs::read(theme.join(file)).unwrap(),
        );
    }
    root
}

/// The `src` or `href` of every tag in `html` whose value mentions `file`, in page order.
fn references<'a>(html: &'a str, attr: &str, file: &str) -> Vec<&'a str> {
    html.split(&format!("{attr}=\""))
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|value| value.contains(file.trim_end_matches(".js").trim_end_matches(".css")))
        .collect()
}

/// A stock `mdbook build` with this preprocessor runs a tool: the tool's page (and the print
/// page) link its stylesheet and its scripts in load order, and the linked files exist. A
/// book that does not list the tool's files fails to build, naming what to add, instead of
/// publishing a page that shows only the fallback.
#[test]
fn a_stock_mdbook_build_links_and_copies_a_tools_files() {
    let Some(mdbook) = stock_mdbook() else {
        return;
    };
    let tool = generator::tool::find("ring-explorer").unwrap();
    let book = tool_book(true);
    let out = Command::new(mdbook)
        .arg("build")
        .arg(book.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let built = book.path().join("book");
    for page in ["tools/ring.html", "print.html"] {
        let path = built.join(page);
        let html = std::fs::read_to_string(&path).unwrap();
        assert!(
            html.contains("data-ds-tool=\"ring-explorer\""),
            "{page} has no mount"
        );
        let mut order = Vec::new();
        for (attr, files) in [("href", tool.styles), ("src", tool.scripts)] {
            for file in files {
                let found = references(&html, attr, file);
                assert_eq!(found.len(), 1, "{page}: {attr} of {file}: {found:?}");
                let linked = path
                    .parent()
                    .unwrap()
                    .join(found[0].split('?').next().unwrap());
                assert!(
                    linked.is_file(),
                    "{page} links {} but {} is missing",
                    found[0],
                    linked.display()
                );
                order.push(html.find(found[0]).unwrap());
            }
        }
        let scripts = &order[tool.styles.len()..];
        assert!(
            scripts.windows(2).all(|w| w[0] < w[1]),
            "{page}: the scripts load out of order"
        );
    }

    let unlisted = tool_book(false);
    let out = Command::new(mdbook)
        .arg("build")
        .arg(unlisted.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "a book without the tool's files built"
    );
    assert!(
        stderr.contains("the tool `ring-explorer` is missing from book.toml")
            && stderr.contains(
                "\"theme/tools/ring-core.js\", \"theme/tools/ring-explorer.js\" to additional-js"
            ),
        "{stderr}"
    );
}
