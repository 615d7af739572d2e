//! `mdbook-dsbook`: the book's preprocessor as an external mdBook preprocessor.
//!
//! In: `supports <renderer>` (answered by the exit code), or mdBook's `[context, book]` JSON
//! on stdin. Out: the preprocessed book as JSON on stdout; diagnostics on stderr.
//!
//! This lets a stock `mdbook build` use the directives: add `[preprocessor.dsbook]` with
//! `command = "mdbook-dsbook"` to its `book.toml`.

use std::process::ExitCode;

use generator::mdbook::DsPreprocessor;
use mdbook_preprocessor::Preprocessor;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let preprocessor = DsPreprocessor::new();
    match args.first().map(String::as_str) {
        Some("supports") => {
            let renderer = args.get(1).map(String::as_str).unwrap_or("");
            match preprocessor.supports_renderer(renderer) {
                Ok(true) => ExitCode::SUCCESS,
                _ => ExitCode::FAILURE,
            }
        }
        Some(other) => {
            eprintln!("usage: mdbook-dsbook [supports <renderer>]  (unknown argument `{other}`)");
            ExitCode::from(2)
        }
        None => match process() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{e:#}");
                ExitCode::FAILURE
            }
        },
    }
}

fn process() -> anyhow::Result<()> {
    let (ctx, book) = mdbook_preprocessor::parse_input(std::io::stdin())?;
    if ctx.mdbook_version != mdbook_preprocessor::MDBOOK_VERSION {
        eprintln!(
            "warning: mdbook-dsbook was built against mdBook {}, but is called by mdBook {}",
            mdbook_preprocessor::MDBOOK_VERSION,
            ctx.mdbook_version
        );
    }
    let processed = DsPreprocessor::new().run(&ctx, book)?;
    serde_json::to_writer(std::io::stdout().lock(), &processed)?;
    Ok(())
}
