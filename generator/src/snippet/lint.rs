//! Checks on a chapter's own code blocks, which are compiled as doctests.
//!
//! In: a chapter's path and Markdown text, and its code blocks as the chapter's one scan
//! found them ([`crate::directive::scan`], with mdBook's own Markdown options), so the blocks
//! linted are the blocks mdBook renders and the blocks the build counts as Rust.
//! Out: [`lint_blocks`]'s diagnostics (byte spans in the text).
//!
//! Why these lints: every Rust block of a chapter is compiled as a doctest, with the chapter
//! included raw. rustdoc compiles a block with no language tag (and an indented block) as
//! Rust, sees `{{#include …}}` as literal text, and reports `ignore`d blocks as passing, so a
//! block may only be ignored with its reason written on its first line: `// ignore: <reason>`.

use std::ops::Range;

use crate::diagnostic::Diagnostic;
use crate::directive::{self, CodeBlock, is_ignore};

/// How a block states why it is ignored: its first line (a hidden `# ` line counts too).
pub const IGNORE_REASON: &str = "// ignore:";

/// Scans `text` and lints its code blocks: [`lint_blocks`] for a chapter not scanned yet.
pub fn lint_chapter(file: &str, text: &str) -> Vec<Diagnostic> {
    lint_blocks(file, text, &directive::scan(file, text).blocks)
}

/// Lints on a chapter's own code fences: `ignore` without a stated reason, `{{#include …}}`
/// (or any `{{#…}}`) inside a rust fence, a fence with no info string, an indented code
/// block. `blocks` are the code blocks of `text`; spans are byte ranges in `text`; `file` is
/// the chapter path. Pure.
pub fn lint_blocks(file: &str, text: &str, blocks: &[CodeBlock]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for block in blocks {
        let opening = first_line(text, block.span.clone());
        // pulldown-cmark starts a fence's span at its marker, even inside a quote or a list.
        let Some(info) = block.info.as_deref() else {
            out.push(
                Diagnostic::error(file, opening, "indented code block")
                    .with_hint("rustdoc compiles indented blocks as Rust; use a fence with a language tag, such as ```text"),
            );
            continue;
        };
        if info.is_empty() {
            let marker = text[opening.clone()].trim();
            let start = opening.start + text[opening.clone()].find(marker).unwrap_or(0);
            out.push(
                Diagnostic::error(file, start..start + marker.len(), "code fence without a language tag")
                    .with_hint("rustdoc compiles untagged fences as Rust; tag it: ```text, ```console, ```rust, …"),
            );
            continue;
        }
        if !block.is_rust() {
            continue;
        }
        // The info string's position in the text, to point at one of its words.
        let info_start = opening.start + text[opening.clone()].find(info).unwrap_or(0);
        if let Some(word) = block.words().find(|w| is_ignore(w)) {
            let first = block
                .content
                .iter()
                .map(|r| text[r.clone()].trim())
                .find(|l| !l.is_empty());
            if !first.is_some_and(states_reason) {
                let at = info_start + text[info_start..].find(word).unwrap_or(0);
                out.push(
                    Diagnostic::error(file, at..at + word.len(), format!("`{word}` without a stated reason"))
                        .with_hint(format!(
                            "write why on the block's first line, `{IGNORE_REASON} <reason>`; use `no_run` if it compiles but must not run, `compile_fail` if it must not compile"
                        )),
                );
            }
        }
        for line in &block.content {
            let mut from = line.start;
            while let Some(i) = text[from..line.end].find("{{#") {
                let start = from + i;
                let end = text[start..line.end]
                    .find("}}")
                    .map_or(line.end, |j| start + j + 2);
                let name: String = text[start + 3..end]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                out.push(
                    Diagnostic::error(file, start..end, format!("`{{{{#{name}}}}}` inside a rust fence"))
                        .with_hint("doctests compile the chapter with directives unexpanded; show crate code with `{{#snippet path}}` on its own line outside the fence, or write the code in the block"),
                );
                from = end;
            }
        }
    }
    out
}

/// The first line of `span`, without its line break.
fn first_line(text: &str, span: Range<usize>) -> Range<usize> {
    let end = text[span.clone()]
        .find('\n')
        .map_or(span.end, |i| span.start + i);
    span.start..end
}

/// Whether a block's first line states why it is ignored: `// ignore: <reason>`, or the
/// same as a hidden line, `# // ignore: <reason>`.
fn states_reason(first: &str) -> bool {
    let line = first.strip_prefix("# ").unwrap_or(first).trim_start();
    line.strip_prefix(IGNORE_REASON)
        .is_some_and(|reason| !reason.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_found_inside_quotes_and_lists() {
        let quoted = "> ```rust,ignore\n> // ignore: needs a network\n> let x = 1;\n> ```\n";
        let listed = "- item\n\n  ```rust,ignore\n  // ignore: needs a network\n  ```\n";
        assert_eq!(lint_chapter("q.md", quoted), []);
        assert_eq!(lint_chapter("l.md", listed), []);
        assert_eq!(
            lint_chapter("l.md", &listed.replace("// ignore: needs a network", "x")).len(),
            1
        );
    }

    #[test]
    fn a_reason_must_be_written() {
        assert!(states_reason("// ignore: needs a running Redis"));
        assert!(states_reason("# // ignore: needs a running Redis"));
        assert!(!states_reason("// ignore:"));
        assert!(!states_reason("let x = 1;"));
    }
}
