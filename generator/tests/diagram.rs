//! Tests of the diagram compiler over data files.
//!
//! In: fixtures in `tests/diagram/err/*.dsd` (each must fail), `tests/diagram/ok/*.dsd` and
//! the book's `diagrams/*.dsd` (each must compile cleanly). Out: pass or fail, comparing
//! against expected outputs beside each fixture: `.diagnostics` (rendered errors), `.layout`
//! (geometry dump) and `.svg` (the all-stages form). Run with `UPDATE_EXPECT=1` to rewrite
//! the expected outputs, then review the diff.

mod common;

use std::path::{Path, PathBuf};

use generator::diagram::scene::Shape;
use generator::diagram::{self, Diagram, raster};
use proptest::prelude::*;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn fixtures(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {dir}: {e}"))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "dsd"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {dir}");
    files
}

fn book_diagrams() -> Vec<PathBuf> {
    fixtures(root().join("../diagrams").to_str().unwrap())
}

fn ok_fixtures() -> Vec<PathBuf> {
    fixtures(root().join("tests/diagram/ok").to_str().unwrap())
}

/// Compares `actual` with the file at `path` (see [`common::check`]).
fn check(path: &Path, actual: &str) {
    common::check(path, actual);
}

fn display_name(path: &Path) -> String {
    let name = path.file_name().unwrap().to_str().unwrap();
    let dir = path
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_str()
        .unwrap();
    format!("{dir}/{name}")
}

fn compile_ok(path: &Path) -> Diagram {
    let source = std::fs::read_to_string(path).unwrap();
    let compiled = diagram::compile(&display_name(path), &source);
    let rendered: String = compiled
        .diagnostics
        .iter()
        .map(|d| d.render(&source))
        .collect();
    assert!(
        compiled.diagnostics.is_empty(),
        "{}:\n{rendered}",
        path.display()
    );
    compiled.diagram.expect("a diagram without diagnostics")
}

fn all_svgs(diagram: &Diagram, prefix: &str) -> Vec<String> {
    let mut svgs: Vec<String> = (0..diagram.stages().len())
        .map(|k| diagram.svg_stage(k, prefix))
        .collect();
    svgs.push(diagram.svg_all(prefix));
    svgs
}

#[test]
fn bad_input_renders_expected_diagnostics() {
    for path in fixtures(root().join("tests/diagram/err").to_str().unwrap()) {
        let source = std::fs::read_to_string(&path).unwrap();
        let compiled = diagram::compile(&display_name(&path), &source);
        assert!(
            compiled.diagram.is_none(),
            "{} compiled, but it is a fixture of bad input",
            path.display()
        );
        assert!(!compiled.diagnostics.is_empty(), "{}", path.display());
        let rendered: String = compiled
            .diagnostics
            .iter()
            .map(|d| d.render(&source) + "\n")
            .collect();
        check(&path.with_extension("diagnostics"), &rendered);
    }
}

#[test]
fn a_file_with_several_errors_reports_them_all() {
    let path = root().join("tests/diagram/err/several.dsd");
    let source = std::fs::read_to_string(&path).unwrap();
    let compiled = diagram::compile("several.dsd", &source);
    assert!(
        compiled.diagnostics.len() >= 5,
        "{:#?}",
        compiled.diagnostics
    );
    assert!(
        compiled
            .diagnostics
            .iter()
            .any(|d| d.hint.as_deref() == Some("did you mean `service`?"))
    );
    assert!(
        compiled
            .diagnostics
            .iter()
            .any(|d| d.hint.as_deref() == Some("did you mean `api`?"))
    );
}

#[test]
fn good_input_matches_expected_layout_and_svg() {
    for path in ok_fixtures() {
        let diagram = compile_ok(&path);
        check(&path.with_extension("layout"), &diagram.layout_dump());
        let stem = path.file_stem().unwrap().to_str().unwrap();
        check(&path.with_extension("svg"), &(diagram.svg_all(stem) + "\n"));
    }
}

#[test]
fn the_books_diagrams_compile_without_diagnostics() {
    for path in book_diagrams() {
        let diagram = compile_ok(&path);
        assert!(diagram.stages().len() > 1, "{}", path.display());
        for stage in diagram.stages() {
            assert!(!stage.caption.is_empty());
        }
    }
}

#[test]
fn geometry_invariants_hold_for_every_diagram() {
    for path in ok_fixtures().into_iter().chain(book_diagrams()) {
        let diagram = compile_ok(&path);
        let problems = diagram.scene().violations();
        assert!(
            problems.is_empty(),
            "{}:\n{}",
            path.display(),
            problems.join("\n")
        );
    }
}

/// The `viewBox` and, for each element, the first drawing line after its opening tag.
fn positions(svg: &str) -> (String, Vec<(String, String)>) {
    let view = svg
        .split("viewBox=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let lines: Vec<&str> = svg.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if let Some(rest) = line.split(" data-ds=\"").nth(1) {
            let key = rest.split('"').next().unwrap().to_string();
            out.push((key, lines[i + 1].to_string()));
        }
    }
    (view, out)
}

/// The numbers of a `viewBox` or of one `data-ds-views` entry.
fn view_numbers(text: &str) -> [f32; 4] {
    let n: Vec<f32> = text.split_whitespace().map(|v| v.parse().unwrap()).collect();
    [n[0], n[1], n[2], n[3]]
}

#[test]
fn positions_are_the_same_in_every_stage_and_each_stage_has_its_camera() {
    for path in ok_fixtures().into_iter().chain(book_diagrams()) {
        let diagram = compile_ok(&path);
        let all = diagram.svg_all("p");
        let (view_all, shapes_all) = positions(&all);
        let [ax, ay, aw, ah] = view_numbers(&view_all);
        let cameras: Vec<&str> = all
            .split("data-ds-views=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("{}: no data-ds-views", path.display()))
            .split(';')
            .collect();
        assert_eq!(cameras.len(), diagram.stages().len(), "{}", path.display());
        for (k, camera) in cameras.iter().enumerate() {
            let (view, shapes) = positions(&diagram.svg_stage(k, "p"));
            // A stage's figure is framed by its camera, the same one the stepper moves to,
            // and never reaches outside the whole diagram.
            assert_eq!(view, *camera, "{} stage {}", path.display(), k + 1);
            let [x, y, w, h] = view_numbers(&view);
            assert!(
                x >= ax && y >= ay && x + w <= ax + aw && y + h <= ay + ah,
                "{} stage {}: camera {view} outside {view_all}",
                path.display(),
                k + 1
            );
            for (key, first_line) in shapes {
                assert!(
                    shapes_all
                        .iter()
                        .any(|(k2, l2)| *k2 == key && *l2 == first_line),
                    "{} stage {}: `{key}` is drawn differently from the all-stages form: {first_line}",
                    path.display(),
                    k + 1
                );
            }
        }
    }
}

#[test]
fn every_svg_parses_with_usvg_and_has_no_blank_line() {
    for path in ok_fixtures().into_iter().chain(book_diagrams()) {
        let diagram = compile_ok(&path);
        for svg in all_svgs(&diagram, "fig-1") {
            raster::parse(&svg).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(
                !svg.contains("\n\n") && !svg.starts_with("<?xml"),
                "{}",
                path.display()
            );
            assert!(svg.contains("role=\"img\"") && svg.contains("<title id=\"fig-1-title\">"));
            assert!(svg.contains("<desc id=\"fig-1-desc\">"));
            assert!(
                !svg.contains("url(#"),
                "no references by id, which print pages rename"
            );
            // Colours come only from the stylesheet, each as a custom property with a fallback.
            let (style, body) = svg.split_once("</style>").unwrap();
            assert!(
                !body.contains("=\"#") && !body.contains("rgb("),
                "a hard-coded colour in the drawing"
            );
            let fallbacks = style.matches(",#").count();
            assert!(
                fallbacks > 20 && fallbacks == style.matches("var(--ds-").count(),
                "{}",
                path.display()
            );
        }
    }
}

#[test]
fn compiling_twice_gives_identical_output() {
    for path in ok_fixtures().into_iter().chain(book_diagrams()) {
        let source = std::fs::read_to_string(&path).unwrap();
        let a = diagram::compile("x.dsd", &source).diagram.unwrap();
        let b = diagram::compile("x.dsd", &source).diagram.unwrap();
        assert_eq!(all_svgs(&a, "x"), all_svgs(&b, "x"));
        assert_eq!(a.layout_dump(), b.layout_dump());
    }
}

#[test]
fn hostile_labels_are_escaped_and_render() {
    let diagram = compile_ok(&root().join("tests/diagram/ok/hostile.dsd"));
    for svg in all_svgs(&diagram, "evil\" onload=\"x") {
        for bad in [
            "<script",
            "<b>",
            "<img",
            "<p>",
            "</text></svg>",
            "{{#include",
            "onload=\"x",
        ] {
            assert!(!svg.contains(bad), "unescaped `{bad}`");
        }
        assert!(
            svg.contains("&lt;script&gt;")
                && svg.contains("&amp; co")
                && svg.contains("&quot;quoted&quot;")
        );
        assert!(svg.contains("שלום עולם") && svg.contains("🚀"));
        let png = raster::png(&svg, 1.0).unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }
}

#[test]
fn every_stage_renders_to_png() {
    for path in book_diagrams() {
        let diagram = compile_ok(&path);
        for k in 0..diagram.stages().len() {
            let png = raster::png(&diagram.svg_stage(k, "x"), 1.0).unwrap();
            assert_eq!(&png[1..4], b"PNG");
        }
    }
}

#[test]
fn new_elements_are_marked_in_both_forms() {
    let diagram = compile_ok(&root().join("tests/diagram/ok/stages.dsd"));
    let stage2 = diagram.svg_stage(1, "s");
    assert!(stage2.contains("class=\"ds-n ds-k-cache ds-new\""));
    assert!(
        !diagram.svg_stage(0, "s").contains("ds-new"),
        "nothing is new in stage 1"
    );
    let all = diagram.svg_all("s");
    assert!(all.contains("ds-n ds-k-cache ds-s ds-in2 ds-in3 ds-new2\""));
    assert!(all.contains("[data-ds-stage=\"4\"] .ds-s:not(.ds-in4){display:none}"));
    // The removed cache is not drawn in stage 4.
    assert!(!diagram.svg_stage(3, "s").contains("data-ds=\"k\""));
}

#[test]
fn the_all_stages_form_of_the_url_shortener_is_small() {
    use std::io::Write as _;
    for path in book_diagrams() {
        let svg = compile_ok(&path).svg_all("x");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(svg.as_bytes()).unwrap();
        let size = gz.finish().unwrap().len();
        assert!(
            size <= 12 * 1024,
            "{}: {size} bytes gzipped",
            path.display()
        );
    }
}

/// Lines from the fixtures and diagrams, and fragments of them, to build inputs from.
fn corpus() -> Vec<String> {
    let mut lines = Vec::new();
    for path in ok_fixtures().into_iter().chain(book_diagrams()) {
        let text = std::fs::read_to_string(path).unwrap();
        lines.extend(text.lines().map(str::to_string));
    }
    lines
}

fn assert_sane(source: &str) {
    let compiled = diagram::compile("fuzz.dsd", source);
    for d in &compiled.diagnostics {
        assert!(
            d.span.start <= d.span.end && d.span.end <= source.len(),
            "{d:?} in {source:?}"
        );
        let _ = d.render(source);
    }
    if let Some(diagram) = compiled.diagram {
        let _ = diagram.svg_all("f");
        let _ = diagram.svg_stage(0, "f");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(source in "\\PC{0,200}") {
        assert_sane(&source);
    }

    #[test]
    fn random_lines_of_the_language_never_panic(
        picks in proptest::collection::vec((0usize..10_000, 0usize..64, any::<u8>(), 0u8..4), 0..40)
    ) {
        let corpus = corpus();
        let mut source = String::from("diagram \"x\"\n");
        for (line, cut, byte, how) in picks {
            let mut text = corpus[line % corpus.len()].clone();
            match how {
                // Cut the line at a character boundary.
                0 => {
                    let at = text.char_indices().map(|(i, _)| i).nth(cut).unwrap_or(text.len());
                    text.truncate(at);
                }
                // Replace one byte with an ASCII character.
                1 if !text.is_empty() => {
                    let at = text.char_indices().map(|(i, _)| i).nth(cut % text.chars().count()).unwrap_or(0);
                    let c = text[at..].chars().next().unwrap();
                    text.replace_range(at..at + c.len_utf8(), &char::from(byte % 128).to_string());
                }
                _ => {}
            }
            source.push_str(&text);
            source.push('\n');
        }
        assert_sane(&source);
    }
}

/// The fenced `diagram` blocks of the language reference, with their first line numbers.
fn reference_examples() -> Vec<(usize, String)> {
    let page =
        std::fs::read_to_string(root().join("../book/src/appendix/diagram-language.md")).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, line) in page.lines().enumerate() {
        match &mut current {
            None if line.trim() == "```diagram" => current = Some((i + 2, String::new())),
            Some(_) if line.trim() == "```" => blocks.push(current.take().unwrap()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
            None => {}
        }
    }
    blocks
}

#[test]
fn every_example_in_the_language_reference_compiles_and_lays_out_cleanly() {
    let examples = reference_examples();
    assert!(examples.len() >= 7, "found {} examples", examples.len());
    for (line, source) in examples {
        let compiled = diagram::compile("diagram-language.md", &source);
        let rendered: String = compiled
            .diagnostics
            .iter()
            .map(|d| d.render(&source))
            .collect();
        assert!(
            compiled.diagnostics.is_empty(),
            "example at line {line}:\n{rendered}"
        );
        let diagram = compiled.diagram.unwrap();
        let problems = diagram.scene().violations();
        assert!(
            problems.is_empty(),
            "example at line {line}:\n{}",
            problems.join("\n")
        );
        raster::parse(&diagram.svg_all("x")).unwrap();
    }
}

#[test]
fn a_chain_is_laid_out_on_one_row_even_when_later_stages_branch() {
    let source = "diagram \"x\"\nstage \"one\"\ncaption \"c\"\nclient a \"A\"\nservice b \"B\"\nservice c \"C\"\ndatabase d \"D\"\na -> b\nb -> c\nc -> d\nstage \"two\"\ncaption \"c\"\ncache e \"E\"\nqueue f \"F\"\nb -> e\nb ~> f\nnote n \"a note\" on e\n";
    let diagram = diagram::compile("chain.dsd", source).diagram.unwrap();
    let centres: Vec<f32> = diagram
        .scene()
        .items
        .iter()
        .filter(|i| ["a", "b", "c", "d"].contains(&i.key.as_str()))
        .filter_map(|i| i.solid().map(|_| i))
        .map(|i| match &i.shape {
            Shape::Node { rect, .. } => rect.center().y,
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(centres.len(), 4);
    assert!(
        centres.iter().all(|y| (y - centres[0]).abs() < 0.5),
        "{centres:?}"
    );
    assert!(
        diagram.scene().violations().is_empty(),
        "{:?}",
        diagram.scene().violations()
    );
}

#[test]
fn new_edges_keep_their_dash_pattern() {
    let diagram = compile_ok(&root().join("../diagrams/url-shortener.dsd"));
    // Stage 7 adds the asynchronous click events: the accent over them is dashed too.
    let svg = diagram.svg_stage(6, "u");
    let block = svg
        .split("<g class=\"ds-ed ds-ed-async ds-new\" data-ds=\"api-&gt;clicks\">")
        .nth(1)
        .expect("the new click-event edge")
        .split("</g>")
        .next()
        .unwrap();
    let accent = block
        .lines()
        .find(|l| l.contains("class=\"ds-hl\""))
        .unwrap();
    assert!(accent.contains("stroke-dasharray=\"6 4\""), "{accent}");
}
