//! Compiles one diagram file and writes SVG to stdout, or PNGs of every stage to a folder.
//!
//! In: `render FILE.dsd` (all-stages SVG), `render FILE.dsd --stage N` (stage N, 1-based), or
//! `render FILE.dsd --png DIR [--scale S]` (one PNG per stage, `DIR/{stem}-{N}.png`).
//! Out: SVG on stdout or PNG files; rendered diagnostics on stderr and exit code 1 on errors.
//! Used for looking at diagrams while writing them and for timing against Graphviz.

use std::process::ExitCode;

use generator::diagram;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: render FILE.dsd [--stage N | --png DIR [--scale S]]");
        return ExitCode::FAILURE;
    };
    let option = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
    };
    let source = match std::fs::read_to_string(path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let compiled = diagram::compile(path, &source);
    for d in &compiled.diagnostics {
        eprint!("{}", d.render(&source));
    }
    let Some(diagram) = compiled.diagram else {
        return ExitCode::FAILURE;
    };
    let stem = std::path::Path::new(path)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("diagram");
    if let Some(dir) = option("--png") {
        let scale: f32 = option("--scale")
            .and_then(|s| s.parse().ok())
            .unwrap_or(2.0);
        for k in 0..diagram.stages().len() {
            let svg = diagram.svg_stage(k, stem);
            match diagram::raster::png(&svg, scale) {
                Ok(png) => {
                    let out = format!("{dir}/{stem}-{}.png", k + 1);
                    if let Err(e) = std::fs::write(&out, png) {
                        eprintln!("cannot write {out}: {e}");
                        return ExitCode::FAILURE;
                    }
                }
                Err(e) => {
                    eprintln!("stage {}: {e}", k + 1);
                    return ExitCode::FAILURE;
                }
            }
        }
        return ExitCode::SUCCESS;
    }
    match option("--stage").and_then(|s| s.parse::<usize>().ok()) {
        Some(n) => println!("{}", diagram.svg_stage(n.saturating_sub(1), stem)),
        None => println!("{}", diagram.svg_all(stem)),
    }
    ExitCode::SUCCESS
}
