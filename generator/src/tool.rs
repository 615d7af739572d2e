//! Interactive tools, placed in a chapter by `{{#tool id}}`.
//!
//! In: a tool id from a directive; later, a rendered page. Out: the tool's mount point (a
//! `div` its script fills in, holding a text fallback for readers without JavaScript), and,
//! for each page that has a mount, the page with the tool's stylesheet and classic scripts
//! linked relative to the page ([`link_assets`]).
//!
//! The assets live in `theme/tools/` and are copied to `theme/tools/` of the built book. They
//! are not linked by the directive, because mdBook's print page moves every chapter to the
//! book's root and rewrites only the paths of links and images: a `<script src>` written
//! into a chapter would point outside the book there. Instead `book.toml` lists them in
//! `additional-css` and `additional-js` (the preprocessor refuses a `{{#tool}}` whose files
//! it does not list), so a stock `mdbook build` with the `mdbook-dsbook` preprocessor copies
//! them and loads them on every page, `print.html` included, where each tool's view mounts
//! itself into the mounts it finds. The book's own renderer narrows that to the pages that
//! mount a tool ([`link_assets`]).

use crate::html::escape;

/// One interactive tool: its id, the files it needs, and what a reader without scripts sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tool {
    /// The id used in `{{#tool id}}` and in the mount's `data-ds-tool` attribute.
    pub id: &'static str,
    /// Stylesheets in `theme/tools/`, linked in `<head>`.
    pub styles: &'static [&'static str],
    /// Classic scripts in `theme/tools/`, in load order, linked at the end of `<body>`.
    pub scripts: &'static [&'static str],
    /// The text shown where the tool would be, without JavaScript.
    pub fallback: &'static str,
}

/// Every tool the book has.
pub const TOOLS: &[Tool] = &[Tool {
    id: "ring-explorer",
    styles: &["ring-explorer.css"],
    scripts: &["ring-core.js", "ring-explorer.js"],
    fallback: "The Consistent-Hash Ring Explorer runs in your browser and needs JavaScript. \
        Without it, here is what it shows: keys and nodes hashed onto a ring of 2³² positions, \
        each key owned by the first node token clockwise from it; when a fifth node joins a \
        ring of four with 100 virtual nodes each, about 1/5 of the keys move, all to the new \
        node, where placement by hash mod n would move about 4/5.",
}];

/// Where the assets are, under the theme folder and under the built book.
pub const ASSET_DIR: &str = "theme/tools";

/// The assets' folder inside the theme folder.
pub const FOLDER: &str = "tools";

/// The attribute that marks a tool's mount point; its value is the tool id.
const MOUNT_ATTR: &str = "data-ds-tool";

/// The tool with this id.
pub fn find(id: &str) -> Option<&'static Tool> {
    TOOLS.iter().find(|t| t.id == id)
}

/// The ids of every tool, for "did you mean" hints.
pub fn ids() -> impl Iterator<Item = &'static str> {
    TOOLS.iter().map(|t| t.id)
}

/// The HTML a `{{#tool}}` directive becomes: the mount, holding the no-JavaScript fallback.
/// It has no blank line, so Markdown keeps it as one HTML block.
pub fn mount(tool: &Tool) -> String {
    format!(
        "<div class=\"ds-tool\" {MOUNT_ATTR}=\"{id}\">\n<p class=\"ds-tool-fallback\">{text}</p>\n</div>",
        id = tool.id,
        text = escape(tool.fallback),
    )
}

/// The tools mounted in a rendered page, in the order of [`TOOLS`].
pub fn tools_in(html: &str) -> Vec<&'static Tool> {
    TOOLS
        .iter()
        .filter(|t| html.contains(&format!("{MOUNT_ATTR}=\"{}\"", t.id)))
        .collect()
}

/// `html` with the stylesheets of `tools` linked before `</head>` and their scripts before
/// `</body>`, as paths from the page to the book's root (`root` is `""` or `"../"`, …).
pub fn link_assets(html: &str, tools: &[&Tool], root: &str) -> String {
    let mut head = String::new();
    let mut body = String::new();
    for tool in tools {
        for file in tool.styles {
            head.push_str(&format!(
                "    <link rel=\"stylesheet\" href=\"{root}{ASSET_DIR}/{file}\">\n"
            ));
        }
        for file in tool.scripts {
            body.push_str(&format!(
                "    <script src=\"{root}{ASSET_DIR}/{file}\"></script>\n"
            ));
        }
    }
    let mut out = html.to_owned();
    // Each tag goes on its own line, before the line that closes the element.
    let line_start = |text: &str, at: usize| text[..at].rfind('\n').map_or(at, |n| n + 1);
    if let Some(at) = out.rfind("</body>") {
        out.insert_str(line_start(&out, at), &body);
    }
    if let Some(at) = out.find("</head>") {
        out.insert_str(line_start(&out, at), &head);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mount_is_found_again_in_the_page_and_gets_its_assets() {
        let tool = find("ring-explorer").unwrap();
        let page = format!(
            "<html><head><title>t</title>\n</head><body>{}\n</body></html>",
            mount(tool)
        );
        assert!(!mount(tool).contains("\n\n"));
        assert_eq!(tools_in(&page), vec![tool]);
        let linked = link_assets(&page, &[tool], "../");
        assert!(linked.contains(
            "<link rel=\"stylesheet\" href=\"../theme/tools/ring-explorer.css\">\n</head>"
        ));
        let core = linked.find("../theme/tools/ring-core.js").unwrap();
        let view = linked.find("../theme/tools/ring-explorer.js").unwrap();
        assert!(core < view, "the core loads before the view");
        assert!(tools_in("<p>no tool here</p>").is_empty());
    }
}
