//! The external preprocessor: `mdbook-dsbook`, as a stock `mdbook` runs it.
//!
//! In: the built binary, a small book as mdBook's `[context, book]` JSON on stdin.
//! Out: assertions on the `supports` handshake (exit codes), on the book JSON written back
//! (directives expanded, everything else untouched), and on failure (non-zero exit,
//! diagnostics on stderr).

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
