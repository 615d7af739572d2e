//! Tests of code by name (`generator::snippet`): extraction, directive errors and chapter
//! lints, and the chapters-as-doctests set-up of the snippets crate.
//!
//! In: the fixture library `tests/snippet/library` (a stand-in for `snippets/src`), fixture
//! chapters in `tests/snippet/errors`, the real `snippets/` crate and `book/src`.
//! Out: rendered Markdown and rendered diagnostics, compared with the files beside the
//! fixtures by [`check`]. Run with `UPDATE_EXPECT=1` to rewrite those files, then review the diff.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use generator::diagnostic::Diagnostic;
use generator::snippet::{Library, lint_chapter};

const REPO: &str = "https://github.com/distributed-systems-book/book/blob/main";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snippet")
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Compares `actual` with the expected file `tests/snippet/<expected>` (see [`common::check`]).
fn check(expected: &str, actual: &str) {
    common::check(&fixtures().join(expected), actual);
}

fn fixture_library() -> Library {
    let (library, diagnostics) = Library::load(&fixtures().join("library")).unwrap();
    assert_eq!(diagnostics, []);
    library
}

/// Expands one directive against the fixture library and checks the Markdown.
fn expands(case: &str, args: &str) {
    let markdown = fixture_library()
        .expand(args, REPO)
        .unwrap_or_else(|d| panic!("{}", d.render(args)));
    check(
        &format!("expand/{case}.md"),
        &format!("<!-- {{{{#snippet {args}}}}} -->\n{markdown}"),
    );
}

/// Runs what the build runs on a chapter (directive expansion and fence lints) on the
/// fixture chapter `errors/<case>.md`, and checks the rendered diagnostics.
fn fails(case: &str) {
    let file = format!("errors/{case}.md");
    let text = std::fs::read_to_string(fixtures().join(&file)).unwrap();
    let (_, mut diagnostics) = fixture_library().expand_chapter(&file, &text, REPO);
    diagnostics.extend(lint_chapter(&file, &text));
    diagnostics.sort_by_key(|d| d.span.start);
    assert!(!diagnostics.is_empty(), "{file} raised no error");
    let rendered: Vec<String> = diagnostics.iter().map(|d| d.render(&text)).collect();
    check(&format!("errors/{case}.stderr"), &rendered.join("\n"));
}

#[test]
fn item_with_its_doc_comment() {
    expands("item-with-doc", "ledger::transfer");
}

#[test]
fn struct_with_attributes() {
    expands("struct", "ledger::Account");
}

#[test]
fn test_modules_are_left_out() {
    expands("module-without-tests", "ledger::audit");
}

#[test]
fn signature_only() {
    expands("signature", "ledger::transfer signature");
}

#[test]
fn signature_with_where_clause() {
    expands("signature-where", "ledger::Account::withdraw signature");
}

#[test]
fn signature_of_a_trait_method() {
    expands("signature-trait", "ledger::Audited::audit signature");
}

#[test]
fn one_method_of_an_impl() {
    expands("method", "ledger::Account::deposit");
}

#[test]
fn marked_region() {
    expands("region", "ledger#invariant");
}

#[test]
fn region_inside_a_method() {
    expands("region-in-method", "ledger#debit");
}

#[test]
fn hidden_context() {
    expands("context", "ledger::Account::deposit context");
}

#[test]
fn nested_module_paths() {
    expands("nested-module", "raft::log::append");
    expands("module-dir", "raft::Role");
}

#[test]
fn whole_file_that_is_not_rust() {
    expands("lua-file", "scripts/withdraw.lua");
}

#[test]
fn region_of_a_file_that_is_not_rust() {
    expands("lua-region", "scripts/withdraw.lua#check");
}

#[test]
fn missing_file_or_region_of_a_file_that_is_not_rust() {
    fails("missing-file");
}

/// Region markers in a Lua file use Lua's comment, and errors say so.
#[test]
fn unbalanced_markers_in_a_lua_file_are_reported() {
    let text = "-- region: a\nreturn 1\n-- endregion: b\n";
    let (library, diagnostics) = Library::from_sources(vec![("open.lua".into(), text.into())]);
    assert!(library.regions().next().is_none());
    let rendered: Vec<String> = diagnostics.iter().map(|d| d.render(text)).collect();
    check("errors/sources-lua.stderr", &rendered.join("\n"));
}

#[test]
fn stale_name_suggests_closest_names() {
    fails("stale-name");
}

#[test]
fn ambiguous_name_lists_candidates() {
    fails("ambiguous");
}

#[test]
fn bad_options() {
    fails("bad-option");
}

#[test]
fn missing_region_or_module() {
    fails("missing-region");
}

#[test]
fn ignore_without_reason() {
    fails("ignore-without-reason");
}

#[test]
fn include_inside_rust_fence() {
    fails("include-in-rust-fence");
}

#[test]
fn fence_without_info_string() {
    fails("fence-without-info");
}

#[test]
fn unparsable_and_unbalanced_files_are_reported() {
    let (library, diagnostics) = Library::from_sources(vec![
        ("good.rs".into(), "pub fn ok() {}\n".into()),
        ("bad.rs".into(), "pub fn broken( {}\n".into()),
        (
            "open.rs".into(),
            "// region: a\npub fn f() {}\n// endregion: b\n".into(),
        ),
    ]);
    assert_eq!(library.names().collect::<Vec<_>>(), ["good::ok", "open::f"]);
    let rendered: Vec<String> = diagnostics
        .iter()
        .map(|d| {
            let text = if d.file.ends_with("bad.rs") {
                "pub fn broken( {}\n"
            } else {
                "// region: a\npub fn f() {}\n// endregion: b\n"
            };
            d.render(text)
        })
        .collect();
    check("errors/sources.stderr", &rendered.join("\n"));
}

#[test]
fn expanded_chapter_keeps_text_around_directives() {
    let text = "Before.\n\n{{#snippet raft::log::append signature}}\n\nAfter `{{#snippet x}}`.\n";
    let (out, diagnostics) = fixture_library().expand_chapter("ch.md", text, REPO);
    assert_eq!(diagnostics, []);
    assert!(
        out.starts_with("Before.\n\n```rust,noplayground\n/// Appends"),
        "{out}"
    );
    assert!(
        out.ends_with("</p>\n\n\nAfter `{{#snippet x}}`.\n"),
        "{out}"
    );
}

/// The real snippets crate parses, and every chapter of the real book passes the lints and
/// names only items that exist.
#[test]
fn real_book_and_snippets_are_consistent() {
    let (library, diagnostics) = Library::load(&workspace().join("snippets/src")).unwrap();
    assert_eq!(diagnostics, []);
    assert!(!library.is_empty());
    let book = workspace().join("book/src");
    let mut problems: Vec<Diagnostic> = Vec::new();
    let mut texts = std::collections::HashMap::new();
    for entry in walkdir::WalkDir::new(&book) {
        let entry = entry.unwrap();
        if entry.path().extension().is_some_and(|e| e == "md") {
            let file = entry
                .path()
                .strip_prefix(workspace())
                .unwrap()
                .display()
                .to_string();
            let text = std::fs::read_to_string(entry.path()).unwrap();
            problems.extend(lint_chapter(&file, &text));
            problems.extend(library.expand_chapter(&file, &text, REPO).1);
            texts.insert(file, text);
        }
    }
    let rendered: Vec<String> = problems.iter().map(|d| d.render(&texts[&d.file])).collect();
    assert!(rendered.is_empty(), "{}", rendered.join("\n"));
}

/// A chapter block that fails makes `cargo test` fail, naming the chapter file and the
/// block's line. Runs `cargo test --doc` on a copy of the snippets crate beside the fixture
/// chapter, in a target directory kept under `target/tmp` so reruns stay warm.
#[test]
fn broken_chapter_block_fails_with_its_file_and_line() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("broken-doctest");
    let crate_dir = root.join("snippets");
    let snippets = workspace().join("snippets");
    for entry in walkdir::WalkDir::new(snippets.join("src")) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let relative = entry.path().strip_prefix(&snippets).unwrap();
            copy_if_changed(
                &std::fs::read(entry.path()).unwrap(),
                &crate_dir.join(relative),
            );
        }
    }
    copy_if_changed(
        &std::fs::read(snippets.join("build.rs")).unwrap(),
        &crate_dir.join("build.rs"),
    );
    // The real manifest inherits from the workspace; the copy stands alone, with the same
    // dependencies at the versions the workspace's lock file pins.
    copy_if_changed(
        standalone_manifest().as_bytes(),
        &crate_dir.join("Cargo.toml"),
    );
    copy_if_changed(
        &std::fs::read(workspace().join("Cargo.lock")).unwrap(),
        &crate_dir.join("Cargo.lock"),
    );
    let chapter = fixtures().join("broken-doctest/book/src/broken.md");
    let text = std::fs::read_to_string(&chapter).unwrap();
    copy_if_changed(text.as_bytes(), &root.join("book/src/broken.md"));

    let output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["test", "--doc", "--offline", "--quiet", "--manifest-path"])
        .arg(crate_dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", root.join("target"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "the broken block passed:\n{stdout}\n{stderr}"
    );

    let fence_line = text.lines().position(|l| l.starts_with("```rust")).unwrap() + 1;
    let expected = format!("book/src/broken.md - chapters::broken (line {fence_line})");
    assert!(
        stdout.contains(&expected),
        "no `{expected}` in the output:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("half of four is not a majority"),
        "{stdout}"
    );
}

/// A manifest for a copy of the snippets crate outside the workspace: the real crate's
/// `[dependencies]`, with each `name.workspace = true` replaced by the workspace's entry.
fn standalone_manifest() -> String {
    let read = |path: PathBuf| -> toml::Table {
        toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    };
    let root = read(workspace().join("Cargo.toml"));
    let snippets = read(workspace().join("snippets/Cargo.toml"));
    let shared = &root["workspace"]["dependencies"];
    let mut dependencies = toml::Table::new();
    if let Some(own) = snippets.get("dependencies").and_then(|d| d.as_table()) {
        for (name, spec) in own {
            let inherited = spec.get("workspace").and_then(|w| w.as_bool()) == Some(true);
            let spec = if inherited {
                shared[name.as_str()].clone()
            } else {
                spec.clone()
            };
            dependencies.insert(name.clone(), spec);
        }
    }
    let mut manifest: toml::Table = toml::from_str(
        "workspace = {}\n[package]\nname = \"snippets\"\nversion = \"0.0.0\"\nedition = \"2024\"\n",
    )
    .unwrap();
    manifest.insert("dependencies".into(), toml::Value::Table(dependencies));
    toml::to_string(&manifest).unwrap()
}

/// Writes `bytes` to `path` unless it already holds them, so file times stay put and the
/// copied crate is not rebuilt on every run.
fn copy_if_changed(bytes: &[u8], path: &Path) {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return;
    }
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}
