//! Diagnostics: problems found in an author's input, kept as data.
//!
//! In: a file's display path, its text, and byte spans found by a parser or checker.
//! Out: `Diagnostic` values; `render` turns one into the text an author reads
//! (`file:line:column`, the source line, a caret underline and a hint).
//!
//! Parsers never print or fail: they return diagnostics beside their result, and
//! only the edges (the CLI, the preprocessor) render them.

use std::fmt::Write as _;
use std::ops::Range;

/// How bad a diagnostic is. Errors fail the build; warnings are printed only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The input cannot be published as it is.
    Error,
    /// The input works but is probably not what the author meant.
    Warning,
}

/// One problem in one file, with the byte range it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The file's path as the author knows it (relative to the project root).
    pub file: String,
    /// Byte range in the file's text; an empty range points at one position.
    pub span: Range<usize>,
    /// What is wrong, in one sentence without a trailing period.
    pub message: String,
    /// How to fix it, when the checker can tell.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// An error at `span` of `file`.
    pub fn error(file: impl Into<String>, span: Range<usize>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: file.into(),
            span,
            message: message.into(),
            hint: None,
        }
    }

    /// A warning at `span` of `file`.
    pub fn warning(
        file: impl Into<String>,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(file, span, message)
        }
    }

    /// Adds a hint.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Moves the span by `offset` bytes, for input embedded in a larger file.
    #[must_use]
    pub fn shifted(mut self, offset: usize) -> Self {
        self.span = self.span.start + offset..self.span.end + offset;
        self
    }

    /// `file:line:column` of the span's start (1-based; columns count characters).
    pub fn location(&self, text: &str) -> String {
        let (line, column) = line_column(text, self.span.start);
        format!("{}:{line}:{column}", self.file)
    }

    /// Renders the diagnostic against the text of its file, in the style of rustc:
    ///
    /// ```text
    /// error: unknown node `cahce`
    ///   --> diagrams/url-shortener.dsd:12:5
    ///    |
    /// 12 |     cahce -> db
    ///    |     ^^^^^
    ///    = hint: did you mean `cache`?
    /// ```
    pub fn render(&self, text: &str) -> String {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let start = self.span.start.min(text.len());
        let (line_no, column) = line_column(text, start);
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = text[line_start..line_end].trim_end_matches('\r');
        let gutter = line_no.to_string().len();
        let pad = " ".repeat(gutter);
        let mut out = String::new();
        let _ = writeln!(out, "{label}: {}", self.message);
        let _ = writeln!(out, "{pad}--> {}:{line_no}:{column}", self.file);
        let _ = writeln!(out, "{pad} |");
        let _ = writeln!(out, "{line_no} | {}", line.replace('\t', " "));
        let end = self.span.end.clamp(start, line_end.max(start));
        let width = text[start..end].chars().count().max(1);
        let _ = writeln!(
            out,
            "{pad} | {}{}",
            " ".repeat(column - 1),
            "^".repeat(width)
        );
        if let Some(hint) = &self.hint {
            // Continuation lines of a multi-line hint line up under its first word.
            let mut lines = hint.lines();
            let _ = writeln!(out, "{pad} = hint: {}", lines.next().unwrap_or(""));
            for line in lines {
                let _ = writeln!(out, "{pad}         {line}");
            }
        }
        out
    }
}

/// 1-based line and character column of byte `offset` in `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// The candidate closest to `name` by edit distance, if it is close enough to be a
/// plausible typo (at most a third of the name's length, and at least one edit).
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|&(d, _)| d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// The `n` candidates closest to `name`, best first (for "the closest existing names are …").
pub fn nearest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    n: usize,
) -> Vec<&'a str> {
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .collect();
    scored.sort();
    scored.dedup();
    scored.into_iter().take(n).map(|(_, c)| c).collect()
}

/// Levenshtein distance over characters, with adjacent transpositions counted as one edit.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev2: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = cur[j].min(prev2[j - 2] + 1);
            }
        }
        prev2 = std::mem::replace(&mut prev, cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_line_and_caret() {
        let text = "node a\nnode cahce\n";
        let d = Diagnostic::error("x.dsd", 12..17, "unknown node `cahce`")
            .with_hint("did you mean `cache`?");
        assert_eq!(
            d.render(text),
            "error: unknown node `cahce`\n --> x.dsd:2:6\n  |\n2 | node cahce\n  |      ^^^^^\n  = hint: did you mean `cache`?\n"
        );
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        assert_eq!(line_column("é→x", "é→".len()), (1, 3));
        assert_eq!(line_column("ab", 99), (1, 3));
    }

    #[test]
    fn suggests_only_plausible_typos() {
        assert_eq!(closest("cahce", ["cache", "db", "lb"]), Some("cache"));
        assert_eq!(closest("queue", ["cache", "db"]), None);
        assert_eq!(edit_distance("ab", "ba"), 1);
    }
}
