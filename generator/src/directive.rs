//! Directives and fenced blocks in chapter Markdown.
//!
//! In: a chapter's Markdown text. Out: the `{{#name args}}` directives that stand outside
//! code, and the fenced code blocks of a given language, each with its byte span, so the
//! preprocessor can splice replacements in without re-serialising the author's Markdown.
//!
//! Parsing uses mdBook's own Markdown options, so what counts as code here is exactly what
//! counts as code in the rendered page: a directive written inside backticks or a fence is
//! documentation, not a directive.

use std::ops::Range;

use mdbook_markdown::pulldown_cmark::{CodeBlockKind, Event, Tag, TagEnd};
use mdbook_markdown::{MarkdownOptions, new_cmark_parser};

/// One `{{#name args}}` directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// The word after `{{#`.
    pub name: String,
    /// Everything after the name, trimmed.
    pub args: String,
    /// Byte span of the whole directive, braces included.
    pub span: Range<usize>,
    /// Byte span of `args` within the text.
    pub args_span: Range<usize>,
}

/// One fenced code block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fence {
    /// The info string after the opening fence (`rust,ignore`, `diagram`, …).
    pub info: String,
    /// Byte span of the block, fences included.
    pub span: Range<usize>,
    /// Byte span of the block's content.
    pub body: Range<usize>,
}

/// Byte ranges of code (inline code spans, fenced and indented blocks) in `text`.
pub fn code_ranges(text: &str) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let mut block_start = None;
    for (event, range) in parser(text) {
        match event {
            Event::Code(_) => ranges.push(range),
            Event::Start(Tag::CodeBlock(_)) => block_start = Some(range.start),
            Event::End(TagEnd::CodeBlock) => {
                if let Some(start) = block_start.take() {
                    ranges.push(start..range.end);
                }
            }
            _ => {}
        }
    }
    ranges
}

/// Every directive outside code, in order.
pub fn find(text: &str) -> Vec<Directive> {
    let code = code_ranges(text);
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(rel) = text[from..].find("{{#") {
        let start = from + rel;
        let Some(len) = text[start..].find("}}") else {
            break;
        };
        let end = start + len + 2;
        from = start + 3;
        // `\{{#name}}` is mdBook's escape for writing a directive literally.
        if text[..start].ends_with('\\') || code.iter().any(|r| r.contains(&start)) {
            continue;
        }
        let inner = &text[start + 3..end - 2];
        let name_len = inner.find(char::is_whitespace).unwrap_or(inner.len());
        let name = &inner[..name_len];
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            continue;
        }
        let rest = &inner[name_len..];
        let lead = rest.len() - rest.trim_start().len();
        let args = rest.trim();
        let args_start = start + 3 + name_len + lead;
        found.push(Directive {
            name: name.to_owned(),
            args: args.to_owned(),
            span: start..end,
            args_span: args_start..args_start + args.len(),
        });
        from = end;
    }
    found
}

/// Every fenced code block, in order.
pub fn fences(text: &str) -> Vec<Fence> {
    let mut found = Vec::new();
    let mut open: Option<(String, usize)> = None;
    let mut body: Option<Range<usize>> = None;
    for (event, range) in parser(text) {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                open = Some((info.to_string(), range.start));
                body = None;
            }
            Event::Text(_) if open.is_some() => {
                body = Some(match body {
                    Some(b) => b.start..range.end,
                    None => range,
                });
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((info, start)) = open.take() {
                    let content_start = text[start..range.end]
                        .find('\n')
                        .map_or(range.end, |i| start + i + 1);
                    let body = body.take().unwrap_or(content_start..content_start);
                    found.push(Fence {
                        info,
                        span: start..range.end,
                        body,
                    });
                }
            }
            _ => {}
        }
    }
    found
}

/// Applies replacements (span → new text) to `text`. Spans must not overlap.
pub fn splice(text: &str, mut edits: Vec<(Range<usize>, String)>) -> String {
    edits.sort_by_key(|(r, _)| r.start);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (range, replacement) in edits {
        out.push_str(&text[at..range.start]);
        out.push_str(&replacement);
        at = range.end;
    }
    out.push_str(&text[at..]);
    out
}

fn parser(text: &str) -> impl Iterator<Item = (Event<'_>, Range<usize>)> {
    new_cmark_parser(text, &MarkdownOptions::default()).into_offset_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_in_code_are_documentation() {
        let text = "{{#hub}}\n\nUse `{{#diagram x}}` once, \\{{#tags}} too.\n\n```text\n{{#snippet a::b}}\n```\n\n{{#diagram  url-shortener }}\n";
        let found = find(text);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].name, "hub");
        assert_eq!(found[1].args, "url-shortener");
        assert_eq!(&text[found[1].args_span.clone()], "url-shortener");
    }

    #[test]
    fn fences_carry_info_and_body() {
        let text = "a\n\n```diagram\nnode a\n```\n";
        let f = fences(text);
        assert_eq!(f[0].info, "diagram");
        assert_eq!(&text[f[0].body.clone()], "node a\n");
        assert_eq!(
            splice(text, vec![(f[0].span.clone(), "X".into())]),
            "a\n\nX\n"
        );
    }
}
