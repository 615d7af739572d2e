//! Whole-book tests: the real book, built by the generator, as a reader gets it.
//!
//! In: the project's `book/`, `theme/` and `snippets/`, and the error fixtures in
//! `tests/book-errors/`. Out: assertions that the book builds, that the hub lists every
//! catalogue piece with its format and tags, that no link, anchor or resource is broken or
//! remote, and that two builds are byte-identical; and, for each fixture, the rendered
//! errors compared with the `.stderr` file beside it (`UPDATE_EXPECT=1` rewrites them).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use generator::audit::audit_dir;
use generator::catalog;
use generator::mdbook::{BuildOptions, build};

fn build_into(book_root: &Path, dest: &Path) -> anyhow::Result<generator::mdbook::BuildOutcome> {
    build(&BuildOptions {
        book_root: book_root.to_owned(),
        dest: Some(dest.to_owned()),
        live_reload: None,
    })
}

fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_book_builds_with_every_piece_and_no_broken_link() {
    let root = common::project_root();
    let tmp = tempfile::tempdir().unwrap();
    let (first, second) = (tmp.path().join("first"), tmp.path().join("second"));
    let outcome = build_into(&root.join("book"), &first).unwrap_or_else(|e| panic!("{e:#}"));
    build_into(&root.join("book"), &second).unwrap_or_else(|e| panic!("{e:#}"));

    // Two builds are byte-identical.
    let (a, b) = (tree(&first), tree(&second));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "the two builds wrote different files"
    );
    let differing: Vec<&PathBuf> = a
        .iter()
        .filter(|(k, v)| b[*k] != **v)
        .map(|(k, _)| k)
        .collect();
    assert!(
        differing.is_empty(),
        "files differ between two builds: {differing:?}"
    );

    // The hub lists every piece with its format, tags and status.
    let text = std::fs::read_to_string(root.join("book/catalog.toml")).unwrap();
    let (catalog, diags) = catalog::parse("book/catalog.toml", &text);
    assert_eq!(diags, []);
    let catalog = catalog.unwrap();
    let hub = std::fs::read_to_string(first.join("index.html")).unwrap();
    let cards: Vec<&str> = hub.split("<li class=\"ds-card").skip(1).collect();
    assert_eq!(
        cards.len(),
        catalog.pieces.len(),
        "the hub shows one card per piece"
    );
    assert!(hub.contains(&format!("{} pieces · 3 formats", catalog.pieces.len())));
    let mut checks = 2;
    for piece in &catalog.pieces {
        let card = cards
            .iter()
            .find(|c| c.contains(&format!(">{}<", piece.title.replace('&', "&amp;"))))
            .unwrap_or_else(|| panic!("no card for `{}`", piece.title));
        let slugs: Vec<String> = piece.tags.iter().map(|t| catalog::tag_slug(t)).collect();
        assert!(
            card.contains(&format!("data-tags=\"{}\"", slugs.join(" "))),
            "tags of `{}`",
            piece.id
        );
        assert!(
            card.contains(piece.format.label()),
            "format of `{}`",
            piece.id
        );
        for tag in &piece.tags {
            assert!(
                card.contains(&format!(">{tag}</a>")),
                "tag chip `{tag}` of `{}`",
                piece.id
            );
        }
        let link = format!("href=\"{}\"", piece.chapter_path().replace(".md", ".html"));
        assert_eq!(
            card.contains(&link),
            piece.is_published(),
            "link of `{}`",
            piece.id
        );
        assert_eq!(
            card.contains("Not yet available"),
            !piece.is_published(),
            "status of `{}`",
            piece.id
        );
        checks += 5 + piece.tags.len();
    }
    // Every tag has its page, listing exactly its pieces.
    for (slug, (_, pieces)) in catalog.tags() {
        let page = std::fs::read_to_string(first.join(format!("tags/{slug}.html")))
            .unwrap_or_else(|_| panic!("no page for tag `{slug}`"));
        assert_eq!(
            page.matches("<li class=\"ds-card").count(),
            pieces.len(),
            "cards on tags/{slug}.html"
        );
        checks += 2;
    }
    // Drafts stay out of the navigation.
    let toc = std::fs::read_to_string(first.join("toc.html")).unwrap();
    for piece in catalog.pieces.iter().filter(|p| !p.is_published()) {
        assert!(
            !toc.contains(&piece.chapter_path().replace(".md", ".html")),
            "draft `{}` in the sidebar",
            piece.id
        );
        checks += 1;
    }
    // Pages name their own description.
    let appendix = std::fs::read_to_string(first.join("appendix/index.html")).unwrap();
    assert!(appendix.contains("<meta property=\"og:title\" content=\"How this book is built\">"));

    let audit = audit_dir(&first).unwrap();
    assert!(audit.problems.is_empty(), "{}", audit.problems.join("\n"));
    assert!(
        audit.pages > 20 && audit.links > 100 && audit.anchors > 0 && audit.resources > 100,
        "{audit:?}"
    );
    eprintln!(
        "whole-book test: {} chapters, {} pages; {} hub and tag checks, {} link, {} anchor and {} resource checks, {} files compared across two builds",
        outcome.report.chapters,
        audit.pages,
        checks,
        audit.links,
        audit.anchors,
        audit.resources,
        a.len()
    );
}

/// Writes the base fixture book, overlaid with the case's files, under `dir`.
fn materialise(case: &str, dir: &Path) {
    let root = common::project_root().canonicalize().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/book-errors");
    let mut files = BTreeMap::new();
    for name in ["base.txt", case] {
        let text = std::fs::read_to_string(fixtures.join(name)).unwrap();
        for section in text.split("=== ").skip(1) {
            let (path, body) = section.split_once('\n').unwrap();
            files.insert(path.trim().to_owned(), body.to_owned());
        }
    }
    for (path, body) in files {
        let body = body
            .replace("{theme}", &root.join("theme").to_string_lossy())
            .replace("{snippets}", &root.join("snippets/src").to_string_lossy());
        let file = dir.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, body).unwrap();
    }
}

#[test]
fn the_base_fixture_book_builds() {
    let tmp = tempfile::tempdir().unwrap();
    materialise("base.txt", tmp.path());
    build_into(&tmp.path().join("book"), &tmp.path().join("out"))
        .unwrap_or_else(|e| panic!("{e:#}"));
    let audit = audit_dir(&tmp.path().join("out")).unwrap();
    assert!(audit.problems.is_empty(), "{}", audit.problems.join("\n"));
    // `{{#figure pair}}` shows both stages as one labelled series; `{{#figure tiny 2}}` one
    // stage of the stepper's diagram, with ids of its own and a class the stepper ignores.
    let page = std::fs::read_to_string(tmp.path().join("out/designs/alpha.html")).unwrap();
    assert_eq!(page.matches("ds-inline-figure").count(), 3);
    assert!(page.contains(
        r#"<div class="ds-figure-series" role="group" aria-label="A request and its reply, stages 1 to 2">"#
    ));
    assert!(page.contains(r#"id="ds-tiny-f2"#) && page.contains(r#"id="ds-tiny-s2"#));
    // The page's social card is its stepper's last stage, drawn from the SVG the
    // preprocessor made of the diagram it compiled: a 1200 × 630 PNG.
    assert!(page.contains(r#"<meta property="og:image" content="../cards/tiny.png">"#));
    let card = std::fs::read(tmp.path().join("out/cards/tiny.png")).unwrap();
    assert!(
        card.starts_with(b"\x89PNG\r\n\x1a\n"),
        "cards/tiny.png is not a PNG"
    );
    let size = |at: usize| u32::from_be_bytes(card[at..at + 4].try_into().unwrap());
    assert_eq!((size(16), size(20)), (1200, 630));
}

#[test]
fn every_error_fixture_fails_with_its_expected_message() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/book-errors");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt") && !p.ends_with("base.txt"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 15, "fixtures went missing");
    for case in cases {
        let name = case.file_name().unwrap().to_str().unwrap();
        let tmp = tempfile::tempdir().unwrap();
        materialise(name, tmp.path());
        let result = build_into(&tmp.path().join("book"), &tmp.path().join("out"));
        let message = match result {
            Ok(_) => panic!("{name}: the build succeeded but should have failed"),
            Err(e) => format!("{e:#}\n"),
        };
        // The fixture's theme is the project's, by absolute path: keep the files portable.
        let theme = common::project_root().canonicalize().unwrap().join("theme");
        let message = message.replace(&*theme.to_string_lossy(), "{theme}");
        common::check(&case.with_extension("stderr"), &message);
    }
}
