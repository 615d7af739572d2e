//! The nameable pieces of one source file of the snippets crate.
//!
//! In: a file's module path (from its place under `snippets/src`) and its text.
//! Out: a [`FileIndex`]: every item a chapter can name, with byte spans into the original
//! text (doc comment included), the spans of `#[cfg(test)]` items (never shown), and the
//! marked regions (`// region: NAME` … `// endregion: NAME`); or the diagnostics that
//! explain why the file cannot be indexed. A file in another language ([`index_text_file`],
//! for example a Lua script) has no items, only regions, marked with its own line comment
//! (`-- region: NAME`).
//!
//! Spans come from syn with proc-macro2's `span-locations`: line and column pairs that
//! [`LineIndex`] turns into byte offsets, so the caller can slice the original text and keep
//! its formatting and comments, which a token stream would lose.

use std::ops::Range;

use proc_macro2::{LineColumn, Span};
use syn::spanned::Spanned;
use syn::{Attribute, ImplItem, Item, TraitItem, Type};

use crate::diagnostic::Diagnostic;

/// What kind of item a name refers to, for messages and for options that apply to some kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// A free function, or a function in an impl or a trait.
    Function,
    /// A struct.
    Struct,
    /// An enum.
    Enum,
    /// A union.
    Union,
    /// A trait.
    Trait,
    /// A type alias, or an associated type.
    Type,
    /// A constant, or an associated constant.
    Const,
    /// A static.
    Static,
    /// An inline module (`mod name { … }`).
    Module,
    /// A `macro_rules!` macro.
    Macro,
}

impl ItemKind {
    /// The word for this kind in messages ("`quorum::Quorum` is a struct").
    pub fn describe(self) -> &'static str {
        match self {
            ItemKind::Function => "function",
            ItemKind::Struct => "struct",
            ItemKind::Enum => "enum",
            ItemKind::Union => "union",
            ItemKind::Trait => "trait",
            ItemKind::Type => "type",
            ItemKind::Const => "constant",
            ItemKind::Static => "static",
            ItemKind::Module => "module",
            ItemKind::Macro => "macro",
        }
    }
}

/// One nameable item of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedItem {
    /// The full path, `quorum::Quorum::majority`.
    pub path: String,
    /// What it is.
    pub kind: ItemKind,
    /// Bytes of the whole item, from its first attribute or doc comment to its end.
    pub span: Range<usize>,
    /// For functions: bytes from the item's start to the end of its signature.
    pub signature: Option<Range<usize>>,
    /// For items inside an `impl` or `trait`: its header, `impl fmt::Display for Quorum`,
    /// which tells apart two methods of the same name.
    pub container: Option<String>,
}

/// A marked region of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// The name after `// region:`.
    pub name: String,
    /// Bytes of the lines between the two markers.
    pub span: Range<usize>,
}

/// Everything a chapter can name in one file, and what must never be shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileIndex {
    /// Nameable items, in source order.
    pub items: Vec<IndexedItem>,
    /// Marked regions, in source order.
    pub regions: Vec<Region>,
    /// Bytes of `#[cfg(test)]` items, at any depth.
    pub tests: Vec<Range<usize>>,
    /// Bytes of the region marker lines themselves, which are left out of every excerpt.
    pub markers: Vec<Range<usize>>,
}

/// Byte offsets of line starts, to turn proc-macro2's line/column pairs into byte offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the lines of `text`.
    pub fn new(text: &str) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts }
    }

    /// The byte offset of a proc-macro2 position (1-based line, 0-based column in characters).
    pub fn offset(&self, text: &str, at: LineColumn) -> usize {
        let Some(&start) = self.starts.get(at.line.saturating_sub(1)) else {
            return text.len();
        };
        text[start..]
            .char_indices()
            .nth(at.column)
            .map_or(text.len(), |(i, _)| start + i)
    }

    /// The 0-based line that holds byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset) - 1
    }

    /// The byte range of 0-based line `line`, without its line break.
    pub fn line(&self, text: &str, line: usize) -> Range<usize> {
        let start = self.starts[line];
        let end = self
            .starts
            .get(line + 1)
            .map_or(text.len(), |&next| next - 1);
        start..end.max(start)
    }

    /// How many lines the text has (a final line break does not start a new one).
    pub fn len(&self, text: &str) -> usize {
        if text.ends_with('\n') {
            self.starts.len() - 1
        } else {
            self.starts.len()
        }
    }
}

/// Indexes one file whose module path is `module` (empty for the crate root). `file` is the
/// display path used in diagnostics.
pub fn index_file(
    file: &str,
    module: &[String],
    text: &str,
) -> (Option<FileIndex>, Vec<Diagnostic>) {
    let lines = LineIndex::new(text);
    let parsed = match syn::parse_file(text) {
        Ok(parsed) => parsed,
        Err(e) => {
            let at = span_bytes(text, &lines, e.span());
            let error =
                Diagnostic::error(file, at, format!("this file does not parse as Rust: {e}"))
                    .with_hint("the snippets crate must compile; run `cargo check -p snippets`");
            return (None, vec![error]);
        }
    };
    let mut indexer = Indexer {
        text,
        lines: &lines,
        out: FileIndex::default(),
    };
    indexer.items(module, &parsed.items);
    // A marker that does not pair up is reported, but the file's items stay nameable, so
    // one bad marker does not turn every directive naming this file into an error.
    let (regions, markers, errors) = regions(file, text, &lines, "//");
    indexer.out.regions = regions;
    indexer.out.markers = markers;
    (Some(indexer.out), errors)
}

/// Indexes a file that is not Rust, whose line comments start with `comment` (`--` for
/// Lua): no items, only its regions. Marker errors come back as diagnostics, and the
/// well-formed regions stay nameable.
pub fn index_text_file(file: &str, text: &str, comment: &str) -> (FileIndex, Vec<Diagnostic>) {
    let lines = LineIndex::new(text);
    let (regions, markers, errors) = regions(file, text, &lines, comment);
    let index = FileIndex {
        regions,
        markers,
        ..FileIndex::default()
    };
    (index, errors)
}

/// The byte range of a span in `text`.
fn span_bytes(text: &str, lines: &LineIndex, span: Span) -> Range<usize> {
    let start = lines.offset(text, span.start());
    let end = lines.offset(text, span.end());
    start..end.max(start)
}

struct Indexer<'a> {
    text: &'a str,
    lines: &'a LineIndex,
    out: FileIndex,
}

impl Indexer<'_> {
    fn bytes(&self, span: Span) -> Range<usize> {
        span_bytes(self.text, self.lines, span)
    }

    fn items(&mut self, module: &[String], items: &[Item]) {
        for item in items {
            if is_cfg_test(item_attrs(item)) {
                self.out.tests.push(self.bytes(item.span()));
                continue;
            }
            self.item(module, item);
        }
    }

    fn push(
        &mut self,
        path: String,
        kind: ItemKind,
        whole: Span,
        signature: Option<Span>,
        container: Option<String>,
    ) {
        let span = self.bytes(whole);
        let signature = signature.map(|s| span.start..self.bytes(s).end);
        self.out.items.push(IndexedItem {
            path,
            kind,
            span,
            signature,
            container,
        });
    }

    fn item(&mut self, module: &[String], item: &Item) {
        let path = |name: &syn::Ident| join(module, &[name.to_string()]);
        let (name, kind) = match item {
            Item::Fn(f) => {
                self.push(
                    path(&f.sig.ident),
                    ItemKind::Function,
                    item.span(),
                    Some(f.sig.span()),
                    None,
                );
                return;
            }
            Item::Struct(s) => (&s.ident, ItemKind::Struct),
            Item::Enum(e) => (&e.ident, ItemKind::Enum),
            Item::Union(u) => (&u.ident, ItemKind::Union),
            Item::Type(t) => (&t.ident, ItemKind::Type),
            Item::Const(c) => (&c.ident, ItemKind::Const),
            Item::Static(s) => (&s.ident, ItemKind::Static),
            Item::Macro(m) => match &m.ident {
                Some(ident) => (ident, ItemKind::Macro),
                None => return,
            },
            Item::Trait(t) => {
                self.push(path(&t.ident), ItemKind::Trait, item.span(), None, None);
                let container = format!("trait {}", t.ident);
                for inner in &t.items {
                    self.trait_item(module, &t.ident.to_string(), &container, inner);
                }
                return;
            }
            Item::Mod(m) => {
                // `mod name;` only points at another file, which is indexed on its own.
                let Some((_, content)) = &m.content else {
                    return;
                };
                self.push(path(&m.ident), ItemKind::Module, item.span(), None, None);
                let mut inner = module.to_vec();
                inner.push(m.ident.to_string());
                self.items(&inner, content);
                return;
            }
            Item::Impl(imp) => {
                let Some(owner) = type_name(&imp.self_ty) else {
                    return;
                };
                let header_end = self.bytes(imp.brace_token.span.open()).start;
                let header_start = self.bytes(imp.impl_token.span).start;
                let container = collapse_whitespace(&self.text[header_start..header_end]);
                for inner in &imp.items {
                    self.impl_item(module, &owner, &container, inner);
                }
                return;
            }
            _ => return,
        };
        if name == "_" {
            return;
        }
        self.push(path(name), kind, item.span(), None, None);
    }

    fn impl_item(&mut self, module: &[String], owner: &str, container: &str, item: &ImplItem) {
        let attrs = match item {
            ImplItem::Fn(f) => &f.attrs,
            ImplItem::Const(c) => &c.attrs,
            ImplItem::Type(t) => &t.attrs,
            _ => return,
        };
        if is_cfg_test(attrs) {
            self.out.tests.push(self.bytes(item.span()));
            return;
        }
        let (name, kind, signature) = match item {
            ImplItem::Fn(f) => (&f.sig.ident, ItemKind::Function, Some(f.sig.span())),
            ImplItem::Const(c) => (&c.ident, ItemKind::Const, None),
            ImplItem::Type(t) => (&t.ident, ItemKind::Type, None),
            _ => return,
        };
        let path = join(module, &[owner.to_string(), name.to_string()]);
        self.push(
            path,
            kind,
            item.span(),
            signature,
            Some(container.to_string()),
        );
    }

    fn trait_item(&mut self, module: &[String], owner: &str, container: &str, item: &TraitItem) {
        let (name, kind, signature) = match item {
            TraitItem::Fn(f) => (&f.sig.ident, ItemKind::Function, Some(f.sig.span())),
            TraitItem::Const(c) => (&c.ident, ItemKind::Const, None),
            TraitItem::Type(t) => (&t.ident, ItemKind::Type, None),
            _ => return,
        };
        let path = join(module, &[owner.to_string(), name.to_string()]);
        self.push(
            path,
            kind,
            item.span(),
            signature,
            Some(container.to_string()),
        );
    }
}

/// `module::rest`, or just `rest` at the crate root.
fn join(module: &[String], rest: &[String]) -> String {
    module
        .iter()
        .chain(rest)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join("::")
}

/// The name an impl's methods are reached through: `Quorum` for `impl<T> Quorum<T>` and
/// for `impl fmt::Display for Quorum`. Impls on references, tuples and the like have none.
fn type_name(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        Type::Group(g) => type_name(&g.elem),
        Type::Paren(p) => type_name(&p.elem),
        _ => None,
    }
}

fn item_attrs(item: &Item) -> &[Attribute] {
    match item {
        Item::Const(i) => &i.attrs,
        Item::Enum(i) => &i.attrs,
        Item::ExternCrate(i) => &i.attrs,
        Item::Fn(i) => &i.attrs,
        Item::ForeignMod(i) => &i.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Macro(i) => &i.attrs,
        Item::Mod(i) => &i.attrs,
        Item::Static(i) => &i.attrs,
        Item::Struct(i) => &i.attrs,
        Item::Trait(i) => &i.attrs,
        Item::TraitAlias(i) => &i.attrs,
        Item::Type(i) => &i.attrs,
        Item::Union(i) => &i.attrs,
        Item::Use(i) => &i.attrs,
        _ => &[],
    }
}

/// Whether the attributes hold `#[cfg(test)]`, or a `cfg(all(test, …))` that implies it.
fn is_cfg_test(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("cfg")
            && attr
                .parse_args::<syn::Meta>()
                .is_ok_and(|meta| implies_test(&meta))
    })
}

fn implies_test(meta: &syn::Meta) -> bool {
    match meta {
        syn::Meta::Path(p) => p.is_ident("test"),
        syn::Meta::List(list) if list.path.is_ident("all") => list
            .parse_args_with(
                syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
            )
            .is_ok_and(|metas| metas.iter().any(implies_test)),
        _ => false,
    }
}

fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A file's well-formed regions, the byte ranges of all its marker lines, and the errors
/// for markers that do not pair up.
type Marked = (Vec<Region>, Vec<Range<usize>>, Vec<Diagnostic>);

/// The regions of a file and the byte ranges of their marker lines, which are line comments
/// starting with `comment`; a marker that does not pair up is an error, because a region
/// that silently runs to the end of the file would show the wrong code.
fn regions(file: &str, text: &str, lines: &LineIndex, comment: &str) -> Marked {
    let (start_marker, end_marker) = (
        format!("{comment} region:"),
        format!("{comment} endregion:"),
    );
    let mut open: Vec<(String, usize, Range<usize>)> = Vec::new();
    let mut done: Vec<Region> = Vec::new();
    let mut markers = Vec::new();
    let mut errors = Vec::new();
    for line in 0..lines.len(text) {
        let range = lines.line(text, line);
        let trimmed = text[range.clone()].trim();
        let (is_start, rest) = if let Some(rest) = trimmed.strip_prefix(&start_marker) {
            (true, rest)
        } else if let Some(rest) = trimmed.strip_prefix(&end_marker) {
            (false, rest)
        } else {
            continue;
        };
        let name = rest.trim().to_string();
        markers.push(range.clone());
        if !is_region_name(&name) {
            errors.push(
                Diagnostic::error(file, range, format!("`{name}` is not a region name")).with_hint(
                    format!("name regions with letters, digits, `_` and `-`: `{start_marker} intersection`"),
                ),
            );
            continue;
        }
        let whole_line = range.start..(range.end + 1).min(text.len());
        if is_start {
            if open.iter().any(|(n, ..)| *n == name) || done.iter().any(|r| r.name == name) {
                errors.push(Diagnostic::error(
                    file,
                    range,
                    format!("region `{name}` is marked twice"),
                ));
            } else {
                open.push((name, whole_line.end, range));
            }
        } else if let Some(i) = open.iter().position(|(n, ..)| *n == name) {
            let (name, body_start, _) = open.remove(i);
            done.push(Region {
                name,
                span: body_start..range.start,
            });
        } else {
            errors.push(
                Diagnostic::error(
                    file,
                    range,
                    format!("`{end_marker} {name}` closes no open region"),
                )
                .with_hint(format!(
                    "start the region with `{start_marker} {name}` above it"
                )),
            );
        }
    }
    for (name, _, range) in open {
        errors.push(
            Diagnostic::error(file, range, format!("region `{name}` is never closed"))
                .with_hint(format!("end it with `{end_marker} {name}`")),
        );
    }
    done.sort_by_key(|r| r.span.start);
    (done, markers, errors)
}

/// Whether `name` can name a region: non-empty, letters, digits, `_` and `-`.
pub fn is_region_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}
