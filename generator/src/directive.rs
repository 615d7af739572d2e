//! The syntax of a chapter: its code blocks and its directives, found in one scan.
//!
//! In: a chapter's display path and Markdown text. Out: a [`Scan`]: every code block
//! (fenced or indented) with its info string and spans, and every `{{#name args}}` directive
//! that stands outside code, parsed into a typed [`Directive`] or into the [`Diagnostic`]
//! that says why it does not parse. Spans are byte ranges in the chapter, so the
//! preprocessor can splice replacements in without re-serialising the author's Markdown.
//! What the directives mean (and the errors that depend on the book, such as an unknown
//! diagram) is [`crate::expand`]'s work; the lints on code blocks are [`crate::snippet::lint`]'s.
//!
//! The Markdown is parsed once, with mdBook's own options, so what counts as code here is
//! exactly what counts as code in the rendered page: a directive written inside backticks or
//! a fence is documentation, not a directive. `\{{#name}}` is mdBook's escape for writing a
//! directive literally.

use std::ops::Range;

use mdbook_markdown::pulldown_cmark::{CodeBlockKind, Event, Tag, TagEnd};
use mdbook_markdown::{MarkdownOptions, new_cmark_parser};

use crate::diagnostic::{Diagnostic, closest};
use crate::snippet;
use crate::tool;

/// What one scan of a chapter found.
#[derive(Debug, Clone, Default)]
pub struct Scan {
    /// Every code block, in order.
    pub blocks: Vec<CodeBlock>,
    /// Every directive outside code, in order.
    pub directives: Vec<Found>,
}

/// A code block as mdBook renders it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeBlock {
    /// The info string after the opening fence, trimmed (`rust,ignore`, `diagram`, …);
    /// `None` for an indented block.
    pub info: Option<String>,
    /// Byte span of the block, fences included.
    pub span: Range<usize>,
    /// Byte span of each content line (pulldown-cmark's text events): inside a quote or a
    /// list these skip the `> ` or indentation that Markdown strips.
    pub content: Vec<Range<usize>>,
    /// Byte span from the start of the first content line to the end of the last (empty
    /// after the opening line for an empty block).
    pub body: Range<usize>,
}

/// Rustdoc's attributes that make a block Rust without the word `rust`.
const RUSTDOC_ATTRIBUTES: [&str; 5] = [
    "should_panic",
    "no_run",
    "compile_fail",
    "test_harness",
    "standalone_crate",
];

impl CodeBlock {
    /// The words of the info string (split at commas and whitespace).
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.info
            .as_deref()
            .unwrap_or("")
            .split([',', ' ', '\t'])
            .filter(|w| !w.is_empty())
    }

    /// Whether rustdoc compiles this block as a doctest: a fence that says `rust`, or that
    /// carries a doctest attribute (rustdoc treats `ignore`, `no_run` and the like as Rust).
    /// An untagged fence or an indented block is compiled too, but those are refused by the
    /// lints, so they are not Rust blocks of the book.
    pub fn is_rust(&self) -> bool {
        self.words().any(|w| {
            w == "rust"
                || is_ignore(w)
                || w.starts_with("edition")
                || RUSTDOC_ATTRIBUTES.contains(&w)
        })
    }

    /// Whether this block is an example of the diagram language (```` ```diagram ````).
    pub fn is_diagram(&self) -> bool {
        self.info.as_deref() == Some("diagram")
    }
}

/// Whether an info-string word tells rustdoc to skip the block: `ignore`, `ignore-wasm`, ….
pub fn is_ignore(word: &str) -> bool {
    word == "ignore" || word.starts_with("ignore-")
}

/// The directives this book has, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `{{#hub}}`
    Hub,
    /// `{{#tags}}`
    Tags,
    /// `{{#snippet …}}`
    Snippet,
    /// `{{#diagram id}}`
    Diagram,
    /// `{{#stage n}}`
    Stage,
    /// `{{#figure id [n]}}`
    Figure,
    /// `{{#tool id}}`
    Tool,
}

impl Kind {
    /// Every kind, in the order hints list them.
    pub const ALL: [Kind; 7] = [
        Kind::Hub,
        Kind::Tags,
        Kind::Snippet,
        Kind::Diagram,
        Kind::Stage,
        Kind::Figure,
        Kind::Tool,
    ];

    /// The name written after `{{#`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Hub => "hub",
            Kind::Tags => "tags",
            Kind::Snippet => "snippet",
            Kind::Diagram => "diagram",
            Kind::Stage => "stage",
            Kind::Figure => "figure",
            Kind::Tool => "tool",
        }
    }

    /// The kind named `name`.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// One directive, parsed. Every span is a byte range in the chapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Directive {
    /// `{{#hub}}`: the topic hub.
    Hub,
    /// `{{#tags}}`: the list of tags.
    Tags,
    /// `{{#snippet ARGS}}`: code from the snippets crate; the request's target span is in
    /// the chapter.
    Snippet(snippet::Request),
    /// `{{#diagram ID}}`: the page's stepper.
    Diagram(Word),
    /// `{{#stage N}}`: where the text explains stage `N` (from 1) of the page's stepper.
    Stage(usize),
    /// `{{#figure ID}}` (every stage) or `{{#figure ID N}}` (stage `N` alone).
    Figure {
        /// The diagram.
        id: Word,
        /// The stage, from 1, and where its number is written.
        stage: Option<(usize, Range<usize>)>,
    },
    /// `{{#tool ID}}`: an interactive tool.
    Tool(&'static tool::Tool),
}

/// A word of a directive's arguments and where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The text.
    pub text: String,
    /// Its byte span in the chapter.
    pub span: Range<usize>,
}

/// One `{{#name args}}` as written, with its parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The kind named after `{{#`; `None` for a name this book does not have.
    pub kind: Option<Kind>,
    /// Byte span of the whole directive, braces included.
    pub span: Range<usize>,
    /// Byte span of the arguments (everything after the name, trimmed).
    pub args_span: Range<usize>,
    /// The directive, or why it does not parse (located in the chapter).
    pub directive: Result<Directive, Diagnostic>,
}

/// Scans a chapter once: its code blocks, then the directives outside them.
pub fn scan(file: &str, text: &str) -> Scan {
    let (blocks, inline_code) = code(text);
    let mut code = inline_code;
    code.extend(blocks.iter().map(|b| b.span.clone()));
    let directives = written(text, &code)
        .into_iter()
        .map(|(name, span, args_span)| {
            let kind = Kind::from_name(name);
            let written = Written {
                file,
                args: &text[args_span.clone()],
                span: span.clone(),
                args_span: args_span.clone(),
            };
            let directive = match kind {
                Some(kind) => parse(kind, &written),
                None => Err(unknown(file, name, &span)),
            };
            Found {
                kind,
                span,
                args_span,
                directive,
            }
        })
        .collect();
    Scan { blocks, directives }
}

/// Code blocks, and the spans of inline code, from one pass of mdBook's Markdown parser.
fn code(text: &str) -> (Vec<CodeBlock>, Vec<Range<usize>>) {
    let mut blocks: Vec<CodeBlock> = Vec::new();
    let mut inline = Vec::new();
    let mut open = false;
    let parser = new_cmark_parser(text, &MarkdownOptions::default()).into_offset_iter();
    for (event, range) in parser {
        match event {
            Event::Code(_) => inline.push(range),
            Event::Start(Tag::CodeBlock(kind)) => {
                let info = match kind {
                    CodeBlockKind::Fenced(info) => Some(info.trim().to_owned()),
                    CodeBlockKind::Indented => None,
                };
                blocks.push(CodeBlock {
                    info,
                    span: range.clone(),
                    content: Vec::new(),
                    body: range.start..range.start,
                });
                open = true;
            }
            Event::Text(_) if open => {
                if let Some(block) = blocks.last_mut() {
                    block.content.push(range);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                open = false;
                if let Some(block) = blocks.last_mut() {
                    // pulldown-cmark's end event may stop short of the closing fence.
                    block.span.end = block.span.end.max(range.end);
                    block.body = match (block.content.first(), block.content.last()) {
                        (Some(first), Some(last)) => first.start..last.end,
                        _ => {
                            let start = block.span.start;
                            let after_opening = text[start..block.span.end]
                                .find('\n')
                                .map_or(block.span.end, |i| start + i + 1);
                            after_opening..after_opening
                        }
                    };
                }
            }
            _ => {}
        }
    }
    (blocks, inline)
}

/// Every `{{#name args}}` outside `code`, as (name, span, args span).
fn written<'t>(text: &'t str, code: &[Range<usize>]) -> Vec<(&'t str, Range<usize>, Range<usize>)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(rel) = text[from..].find("{{#") {
        let start = from + rel;
        let Some(len) = text[start..].find("}}") else {
            break;
        };
        let end = start + len + 2;
        from = start + 3;
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
        let args_start = start + 3 + name_len + lead;
        found.push((name, start..end, args_start..args_start + rest.trim().len()));
        from = end;
    }
    found
}

/// One directive as written, before its arguments are parsed.
struct Written<'t> {
    file: &'t str,
    args: &'t str,
    span: Range<usize>,
    args_span: Range<usize>,
}

impl Written<'_> {
    fn error(&self, at: Range<usize>, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(self.file, at, message)
    }
}

/// Parses the arguments of a directive of a known kind.
fn parse(kind: Kind, w: &Written<'_>) -> Result<Directive, Diagnostic> {
    let args = w.args;
    match kind {
        Kind::Hub | Kind::Tags if !args.is_empty() => Err(w.error(
            w.args_span.clone(),
            format!("`{{{{#{}}}}}` takes no arguments", kind.name()),
        )),
        Kind::Hub => Ok(Directive::Hub),
        Kind::Tags => Ok(Directive::Tags),
        Kind::Snippet => {
            let shift = |mut d: Diagnostic| {
                d = d.shifted(w.args_span.start);
                d.file = w.file.to_owned();
                d
            };
            let mut request = snippet::args::parse(args).map_err(shift)?;
            let at = &mut request.target_span;
            *at = at.start + w.args_span.start..at.end + w.args_span.start;
            Ok(Directive::Snippet(request))
        }
        Kind::Diagram if args.is_empty() => Err(w
            .error(w.span.clone(), "`{{#diagram}}` needs the id of a diagram")
            .with_hint("write `{{#diagram <id>}}` for the diagram in diagrams/<id>.dsd")),
        // The id is the whole argument text: `{{#diagram a b}}` names no diagram `a b`.
        Kind::Diagram => Ok(Directive::Diagram(Word {
            text: args.to_owned(),
            span: w.args_span.clone(),
        })),
        Kind::Stage => args.parse::<usize>().map(Directive::Stage).map_err(|_| {
            w.error(
                w.args_span.clone(),
                format!("`{args}` is not a stage number"),
            )
            .with_hint("stages are numbered from 1, as in `{{#stage 2}}`")
        }),
        Kind::Figure => parse_figure(w),
        Kind::Tool => parse_tool(w),
    }
}

/// `{{#figure ID}}` or `{{#figure ID N}}`.
fn parse_figure(w: &Written<'_>) -> Result<Directive, Diagnostic> {
    let usage = "write `{{#figure <id>}}` for every stage, or `{{#figure <id> <stage>}}` for one";
    let arity = || {
        w.error(
            w.span.clone(),
            "`{{#figure}}` takes a diagram id and an optional stage number",
        )
        .with_hint(usage)
    };
    let words = words(w.args, w.args_span.start);
    let stage = match words.as_slice() {
        [_] => None,
        [_, n] => match n.text.parse::<usize>() {
            Ok(value) => Some((value, n.span.clone())),
            Err(_) => {
                return Err(w
                    .error(
                        n.span.clone(),
                        format!("`{}` is not a stage number", n.text),
                    )
                    .with_hint(usage));
            }
        },
        _ => return Err(arity()),
    };
    let id = words.into_iter().next().ok_or_else(arity)?;
    Ok(Directive::Figure { id, stage })
}

/// `{{#tool ID}}`, where the id must name one of [`tool::TOOLS`].
fn parse_tool(w: &Written<'_>) -> Result<Directive, Diagnostic> {
    if let Some(found) = tool::find(w.args) {
        return Ok(Directive::Tool(found));
    }
    let hint = match closest(w.args, tool::ids()) {
        Some(near) => format!("did you mean `{near}`?"),
        None => format!(
            "the tools are {}",
            tool::ids()
                .map(|t| format!("`{t}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let error = if w.args.is_empty() {
        w.error(w.span.clone(), "`{{#tool}}` needs the id of a tool")
    } else {
        w.error(w.args_span.clone(), format!("no tool `{}`", w.args))
    };
    Err(error.with_hint(hint))
}

fn unknown(file: &str, name: &str, span: &Range<usize>) -> Diagnostic {
    let names = Kind::ALL.map(Kind::name);
    let hint = match closest(name, names) {
        Some(near) => format!("did you mean `{{{{#{near}}}}}`?"),
        None => format!(
            "the directives are {}",
            names.map(|n| format!("`{{{{#{n}}}}}`")).join(", ")
        ),
    };
    Diagnostic::error(
        file,
        span.clone(),
        format!("unknown directive `{{{{#{name}}}}}`"),
    )
    .with_hint(hint)
}

/// The whitespace-separated words of `args`, which starts at byte `at` of the chapter.
fn words(args: &str, at: usize) -> Vec<Word> {
    let mut out = Vec::new();
    let mut rest = args;
    while let Some(start) = rest.find(|c: char| !c.is_whitespace()) {
        let len = rest[start..]
            .find(char::is_whitespace)
            .unwrap_or(rest.len() - start);
        let offset = at + (args.len() - rest.len()) + start;
        out.push(Word {
            text: rest[start..start + len].to_owned(),
            span: offset..offset + len,
        });
        rest = &rest[start + len..];
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_in_code_are_documentation() {
        let text = "{{#hub}}\n\nUse `{{#diagram x}}` once, \\{{#tags}} too.\n\n```text\n{{#snippet a::b}}\n```\n\n{{#diagram  url-shortener }}\n";
        let found = scan("c.md", text).directives;
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].directive, Ok(Directive::Hub));
        let Ok(Directive::Diagram(id)) = &found[1].directive else {
            panic!("{:?}", found[1])
        };
        assert_eq!(id.text, "url-shortener");
        assert_eq!(&text[id.span.clone()], "url-shortener");
    }

    #[test]
    fn blocks_carry_info_and_body() {
        let text = "a\n\n```diagram\nnode a\n```\n\n    indented\n\n```rust , no_run\n```\n";
        let blocks = scan("c.md", text).blocks;
        assert_eq!(blocks.len(), 3);
        assert!(blocks[0].is_diagram() && !blocks[0].is_rust());
        assert_eq!(&text[blocks[0].body.clone()], "node a\n");
        assert_eq!(blocks[1].info, None);
        assert!(blocks[2].is_rust() && blocks[2].body.is_empty());
        assert!(
            splice(text, vec![(blocks[0].span.clone(), "X".into())])
                .starts_with("a\n\nX\n\n    indented")
        );
    }

    #[test]
    fn rust_blocks_are_recognised_as_rustdoc_does() {
        let block = |info: &str| CodeBlock {
            info: Some(info.to_owned()),
            span: 0..0,
            content: Vec::new(),
            body: 0..0,
        };
        for rust in [
            "rust",
            "rust,ignore",
            "no_run",
            "edition2021",
            "ignore-wasm",
        ] {
            assert!(block(rust).is_rust(), "{rust}");
        }
        for other in ["text", "console", "toml", "diagram", "rusty"] {
            assert!(!block(other).is_rust(), "{other}");
        }
    }

    #[test]
    fn arguments_are_parsed_once_with_their_spans() {
        let text = "{{#figure pair 2}} {{#stage x}} {{#figure}} {{#tool ring-explorr}} {{#hub now}} {{#snipet a}}";
        let found = scan("c.md", text).directives;
        let Ok(Directive::Figure { id, stage }) = &found[0].directive else {
            panic!("{:?}", found[0])
        };
        assert_eq!((id.text.as_str(), &text[id.span.clone()]), ("pair", "pair"));
        assert_eq!(
            stage.as_ref().map(|(n, at)| (*n, &text[at.clone()])),
            Some((2, "2"))
        );
        let messages: Vec<String> = found[1..]
            .iter()
            .map(|f| f.directive.clone().unwrap_err().message)
            .collect();
        assert_eq!(
            messages,
            [
                "`x` is not a stage number",
                "`{{#figure}}` takes a diagram id and an optional stage number",
                "no tool `ring-explorr`",
                "`{{#hub}}` takes no arguments",
                "unknown directive `{{#snipet}}`",
            ]
        );
        assert_eq!(found[5].kind, None);
        assert_eq!(found[3].kind, Some(Kind::Tool));
    }

    #[test]
    fn every_kind_is_listed_and_named_once() {
        // A kind added to the enum but not to `ALL` could never be parsed.
        let index = |k: Kind| match k {
            Kind::Hub => 0,
            Kind::Tags => 1,
            Kind::Snippet => 2,
            Kind::Diagram => 3,
            Kind::Stage => 4,
            Kind::Figure => 5,
            Kind::Tool => 6,
        };
        for (i, kind) in Kind::ALL.into_iter().enumerate() {
            assert_eq!(index(kind), i);
            assert_eq!(Kind::from_name(kind.name()), Some(kind));
        }
    }
}
