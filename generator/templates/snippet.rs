//! {{title}}: the algorithms that `book/src/{{chapter}}` shows.
//!
//! Each item here is included in the chapter by name with `{{{{#snippet {{module}}::Item}}}}`;
//! its tests sit beside it.
