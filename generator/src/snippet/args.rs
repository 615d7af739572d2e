//! The argument text of one `{{#snippet ARGS}}` directive.
//!
//! In: `ARGS`, for example `quorum::Quorum::majority signature` or `quorum#intersection context`.
//! Out: a [`Request`] (what to show, and how), or a [`Diagnostic`] whose span is relative to
//! `ARGS` and whose file is empty, for the caller to place in the chapter.
//!
//! Grammar: `TARGET OPTION*`, separated by whitespace, where `TARGET` is an item path
//! (`module::Item`, `module::Type::method`), a region (`module#name`), or a file that is not
//! Rust, by its path under `snippets/src`, whole or one region (`rate_limiter/bucket.lua`,
//! `rate_limiter/bucket.lua#script`); and `OPTION` is `signature` or `context`, which apply
//! to Rust only.

use std::ops::Range;

use crate::diagnostic::{Diagnostic, closest};

use super::index::is_region_name;

/// The options a directive accepts, in the order the documentation lists them.
pub const OPTIONS: [&str; 2] = ["signature", "context"];

/// A kind of file, other than Rust, that a chapter can show: how its name ends, the language
/// of the fence that shows it, and how its line comments (and so its region markers) start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileKind {
    /// The extension, without the dot: `lua`.
    pub extension: &'static str,
    /// The fence's language tag: `lua`.
    pub fence: &'static str,
    /// What starts a line comment: `--`, so regions are `-- region: NAME`.
    pub comment: &'static str,
}

/// The non-Rust files the snippets crate can show. Add a kind here to show another language.
pub const FILE_KINDS: [FileKind; 1] = [FileKind {
    extension: "lua",
    fence: "lua",
    comment: "--",
}];

/// The kind of the file at `path`, by its extension.
pub fn file_kind(path: &str) -> Option<FileKind> {
    let (_, extension) = path.rsplit_once('.')?;
    FILE_KINDS.into_iter().find(|k| k.extension == extension)
}

/// What a directive asks to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An item by path: `quorum::majority`, `quorum::Quorum::majority`.
    Item(String),
    /// A marked region of a module file: `quorum#intersection` is `module: "quorum"`,
    /// `name: "intersection"`; an empty module is the crate root.
    Region {
        /// The module's path.
        module: String,
        /// The region's name.
        name: String,
    },
    /// A file that is not Rust, by its path under `snippets/src`, whole or one region.
    File {
        /// `rate_limiter/token_bucket.lua`.
        path: String,
        /// The region to show; `None` shows the whole file.
        region: Option<String>,
    },
}

/// A parsed directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// What to show.
    pub target: Target,
    /// Where the target is written in the argument text, for "not found" errors.
    pub target_span: Range<usize>,
    /// Show only a function's signature (its doc comment, attributes and `fn` line).
    pub signature: bool,
    /// Bring the rest of the file along as hidden lines, so the block is complete Rust.
    pub context: bool,
}

/// Parses the argument text of a `{{#snippet …}}` directive.
pub fn parse(args: &str) -> Result<Request, Diagnostic> {
    let mut words = words(args);
    let Some((target_span, target)) = words.next() else {
        let at = args.len()..args.len();
        return Err(Diagnostic::error("", at, "`{{#snippet}}` names nothing")
            .with_hint("write the item's path, for example `{{#snippet quorum::majority}}`"));
    };
    let target = parse_target(target, target_span.clone())?;
    let mut request = Request {
        target,
        target_span,
        signature: false,
        context: false,
    };
    let mut seen: Vec<&str> = Vec::new();
    for (span, word) in words {
        let flag = match word {
            "signature" => &mut request.signature,
            "context" => &mut request.context,
            _ => {
                let known = OPTIONS.map(|o| format!("`{o}`")).join(" and ");
                let hint = match closest(word, OPTIONS) {
                    Some(near) => format!("did you mean `{near}`? The options are {known}"),
                    None => format!("the options are {known}"),
                };
                return Err(
                    Diagnostic::error("", span, format!("unknown option `{word}`")).with_hint(hint),
                );
            }
        };
        if seen.contains(&word) {
            return Err(Diagnostic::error(
                "",
                span,
                format!("option `{word}` is given twice"),
            ));
        }
        seen.push(word);
        *flag = true;
        if request.signature && request.context {
            return Err(
                Diagnostic::error("", span, "`signature` and `context` do not combine")
                    .with_hint("a signature is shown on its own; drop one of the two options"),
            );
        }
        if let Target::File { path, .. } = &request.target {
            return Err(Diagnostic::error(
                "",
                span,
                format!("`{word}` applies to Rust items, not to `{path}`"),
            )
            .with_hint("a file that is not Rust is shown as it is; drop the option"));
        }
        if request.signature && matches!(request.target, Target::Region { .. }) {
            return Err(Diagnostic::error(
                "",
                span,
                "`signature` applies to an item, not to a region",
            )
            .with_hint(
                "name the function instead, for example `{{#snippet quorum::majority signature}}`",
            ));
        }
    }
    Ok(request)
}

/// The whitespace-separated words of `args` with their byte ranges.
fn words(args: &str) -> impl Iterator<Item = (Range<usize>, &str)> {
    args.split_whitespace().map(move |word| {
        // `split_whitespace` yields subslices of `args`, so the pointer difference is the offset.
        let start = word.as_ptr() as usize - args.as_ptr() as usize;
        (start..start + word.len(), word)
    })
}

fn parse_target(text: &str, span: Range<usize>) -> Result<Target, Diagnostic> {
    let shape_hint = "write `module::Item`, `module::Type::method` or `module#region`";
    let (before_hash, _) = text.split_once('#').unwrap_or((text, ""));
    if before_hash.contains(['/', '.']) {
        return parse_file_target(text, span);
    }
    if let Some((module, name)) = text.split_once('#') {
        if !(module.is_empty() || is_path(module)) {
            return Err(Diagnostic::error(
                "",
                span.start..span.start + module.len(),
                format!("`{module}` is not a module path"),
            )
            .with_hint(shape_hint));
        }
        if !is_region_name(name) {
            let at = span.start + module.len() + 1..span.end;
            return Err(
                Diagnostic::error("", at, format!("`{name}` is not a region name")).with_hint(
                    "region names use letters, digits, `_` and `-`, as in `quorum#intersection`",
                ),
            );
        }
        return Ok(Target::Region {
            module: module.to_string(),
            name: name.to_string(),
        });
    }
    if !is_path(text) {
        return Err(
            Diagnostic::error("", span, format!("`{text}` is not an item path"))
                .with_hint(shape_hint),
        );
    }
    Ok(Target::Item(text.to_string()))
}

/// A file target: `dir/name.ext` or `dir/name.ext#region`, relative to `snippets/src`.
fn parse_file_target(text: &str, span: Range<usize>) -> Result<Target, Diagnostic> {
    let (path, region) = match text.split_once('#') {
        Some((path, region)) => (path, Some(region)),
        None => (text, None),
    };
    let path_span = span.start..span.start + path.len();
    let well_formed = path.split('/').all(|segment| {
        !segment.is_empty()
            && segment != "."
            && segment != ".."
            && segment
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
    });
    if !well_formed {
        return Err(Diagnostic::error(
            "",
            path_span,
            format!("`{path}` is not a file path under snippets/src"),
        )
        .with_hint(
            "write the path relative to snippets/src, as in `rate_limiter/token_bucket.lua`",
        ));
    }
    if path.ends_with(".rs") {
        return Err(Diagnostic::error(
            "",
            path_span,
            format!("`{path}` is Rust; name its items instead"),
        )
        .with_hint(
            "write `module::Item` or `module#region`, as in `{{#snippet quorum::majority}}`",
        ));
    }
    if file_kind(path).is_none() {
        let known = FILE_KINDS.map(|k| format!("`.{}`", k.extension)).join(", ");
        return Err(Diagnostic::error(
            "",
            path_span,
            format!("`{path}` is not a kind of file the book can show"),
        )
        .with_hint(format!(
            "besides Rust items, the snippets crate shows files ending in {known}"
        )));
    }
    if let Some(name) = region.filter(|name| !is_region_name(name)) {
        let at = path_span.end + 1..span.end;
        return Err(
            Diagnostic::error("", at, format!("`{name}` is not a region name")).with_hint(
                "region names use letters, digits, `_` and `-`, as in `bucket.lua#script`",
            ),
        );
    }
    Ok(Target::File {
        path: path.to_string(),
        region: region.map(String::from),
    })
}

/// Whether `text` is `ident(::ident)*`.
fn is_path(text: &str) -> bool {
    text.split("::").all(|segment| {
        let mut chars = segment.chars();
        chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
            && chars.all(|c| c.is_alphanumeric() || c == '_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_targets_and_options() {
        let r = parse("  quorum::Quorum::majority signature ").unwrap();
        assert_eq!(r.target, Target::Item("quorum::Quorum::majority".into()));
        assert_eq!(r.target_span, 2..26);
        assert!(r.signature && !r.context);
        let r = parse("quorum#intersection context").unwrap();
        assert_eq!(
            r.target,
            Target::Region {
                module: "quorum".into(),
                name: "intersection".into()
            }
        );
        assert!(r.context);
        assert!(
            matches!(parse("#root").unwrap().target, Target::Region { module, .. } if module.is_empty())
        );
    }

    #[test]
    fn rejects_bad_arguments_at_the_right_place() {
        let span = |args: &str| parse(args).unwrap_err().span;
        assert_eq!(span(""), 0..0);
        assert_eq!(span("quorum:: x"), 0..8);
        assert_eq!(span("quorum::majority signatur"), 17..25);
        assert_eq!(span("quorum::majority context context"), 25..32);
        assert_eq!(span("quorum#two words"), 11..16);
        assert_eq!(span("quorum#bad! "), 7..11);
        assert_eq!(span("quorum#x signature"), 9..18);
        assert_eq!(span("quorum::f signature context"), 20..27);
        assert_eq!(span("a/../b.lua"), 0..10);
        assert_eq!(span("a/b.py#x"), 0..6);
        assert_eq!(span("a/b.rs"), 0..6);
        assert_eq!(span("a/b.lua#x!"), 8..10);
        assert_eq!(span("a/b.lua context"), 8..15);
    }

    #[test]
    fn parses_file_targets() {
        let r = parse("rate_limiter/bucket.lua#script").unwrap();
        assert_eq!(
            r.target,
            Target::File {
                path: "rate_limiter/bucket.lua".into(),
                region: Some("script".into())
            }
        );
        let r = parse("top.lua").unwrap();
        assert_eq!(
            r.target,
            Target::File {
                path: "top.lua".into(),
                region: None
            }
        );
    }
}
