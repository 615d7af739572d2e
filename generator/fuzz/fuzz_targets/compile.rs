//! Fuzz target: arbitrary bytes → the diagram parser, resolver and layout.
//!
//! In: any byte string (as UTF-8, lossily). Out: nothing; it fails if compiling panics or a
//! diagnostic's span falls outside the input. Run with
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run compile` from `generator/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let source = String::from_utf8_lossy(data);
    let compiled = generator::diagram::compile("fuzz.dsd", &source);
    for d in &compiled.diagnostics {
        assert!(d.span.start <= d.span.end && d.span.end <= source.len());
        let _ = d.render(&source);
    }
    if let Some(diagram) = compiled.diagram {
        let _ = diagram.svg_all("f");
    }
});
