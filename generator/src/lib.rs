//! The generator behind the Distributed Systems book.
//!
//! In: the book's sources (`book/`), diagram files (`diagrams/`), the `snippets` crate and
//! `theme/`. Out: the HTML book (through mdBook), and on request single diagrams as SVG or PNG.

pub mod diagnostic;
pub mod diagram;
