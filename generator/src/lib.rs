//! The generator behind the Distributed Systems book.
//!
//! In: the book's sources (`book/`), diagram files (`diagrams/`), the `snippets` crate and
//! `theme/`. Out: the HTML book (through mdBook), and on request single diagrams as SVG or PNG.
//!
//! The pipeline, each stage a pure function over the previous stage's type:
//!
//! 1. [`catalog`]: `book/catalog.toml` → the 21 pieces, with diagnostics.
//! 2. [`frontmatter`]: a chapter's `+++` header → page metadata, checked against the catalogue.
//! 3. [`hub`]: catalogue → the topic hub and the per-tag pages (handlebars).
//! 4. [`diagram`]: a `.dsd` file → a laid-out staged diagram → SVG (and PNG through resvg).
//! 5. [`directive`] and [`expand`]: a chapter's one scan (code blocks, typed directives),
//!    then what each directive becomes, with every problem as a diagnostic.
//! 6. [`snippet`]: the `snippets` crate's sources → items by name, for `{{#snippet …}}`; and
//!    the lints on code written in chapters.
//! 7. [`mdbook`]: the boundary with mdBook, the only module that imports its types: the
//!    preprocessor (directives, front matter, hub), the HTML renderer wrapper, and `build`.
//! 8. [`audit`]: a built book → broken links, missing anchors, remote resources.
//!
//! IO happens only in [`mdbook`], [`serve`], [`scaffold`] and the binaries.

pub mod audit;
pub mod catalog;
pub mod diagnostic;
pub mod diagram;
pub mod directive;
pub mod expand;
pub mod figure;
pub mod frontmatter;
pub mod html;
pub mod hub;
pub mod mdbook;
pub mod palette;
pub mod scaffold;
pub mod serve;
pub mod snippet;
pub mod tool;
