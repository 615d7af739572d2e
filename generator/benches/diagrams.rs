//! Benchmark: compiling each of the book's diagrams.
//!
//! In: every `diagrams/*.dsd`. Out: criterion timings per diagram for `compile` (parse,
//! resolve, layout) and for compile plus writing the all-stages SVG.

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use generator::diagram;

fn diagrams(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../diagrams");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the diagrams folder")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "dsd"))
        .collect();
    files.sort();
    for path in files {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("diagram")
            .to_string();
        let source = std::fs::read_to_string(&path).expect("a readable diagram");
        c.bench_function(&format!("compile {name}"), |b| {
            b.iter(|| diagram::compile("bench.dsd", std::hint::black_box(&source)))
        });
        c.bench_function(&format!("compile+svg {name}"), |b| {
            b.iter(|| {
                let compiled = diagram::compile("bench.dsd", std::hint::black_box(&source));
                compiled.diagram.map(|d| d.svg_all(&name))
            })
        });
    }
}

criterion_group!(benches, diagrams);
criterion_main!(benches);
