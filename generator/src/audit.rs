//! The site audit: what a reader would hit in the built book.
//!
//! In: a folder of built HTML (and the CSS next to it). Out: an [`Audit`] listing every
//! broken internal link, missing `#anchor`, and resource a page would load over the network,
//! with counts of what was checked.
//!
//! The scanner reads start tags and their attributes, skipping comments and the bodies of
//! `<script>` and `<style>`; that is all a link checker needs and keeps it dependency-free.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use crate::html::percent_decode;

/// The result of auditing a built book.
#[derive(Debug, Clone, Default)]
pub struct Audit {
    /// HTML pages read.
    pub pages: usize,
    /// Internal links and resource references whose target file was checked.
    pub links: usize,
    /// `#fragment`s whose target id was checked.
    pub anchors: usize,
    /// Loading references (scripts, stylesheets, images, fonts, frames) checked for being local.
    pub resources: usize,
    /// One line per problem: `page: what is wrong`.
    pub problems: Vec<String>,
}

impl Audit {
    /// Total number of individual checks made.
    pub fn checks(&self) -> usize {
        self.links + self.anchors + self.resources
    }
}

/// One start tag: its lower-cased name and attributes in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// Element name, lower case.
    pub name: String,
    /// Attribute names (lower case) and decoded values.
    pub attrs: Vec<(String, String)>,
}

impl Tag {
    /// The value of an attribute.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Audits every `.html` and `.css` file under `dir`.
pub fn audit_dir(dir: &Path) -> std::io::Result<Audit> {
    let mut pages = BTreeMap::new();
    let mut styles = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(std::io::Error::other)?;
        let path = entry.path();
        let rel = path.strip_prefix(dir).unwrap_or(path).to_path_buf();
        match path.extension().and_then(|e| e.to_str()) {
            Some("html") => {
                pages.insert(rel, std::fs::read_to_string(path)?);
            }
            Some("css") => {
                styles.insert(rel, std::fs::read_to_string(path)?);
            }
            _ => {}
        }
    }
    let files: BTreeSet<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.path().strip_prefix(dir).ok().map(Path::to_path_buf))
        .collect();
    Ok(audit(&pages, &styles, &files))
}

/// Audits pages and stylesheets given as text, against the set of files that exist. Pure.
pub fn audit(
    pages: &BTreeMap<PathBuf, String>,
    styles: &BTreeMap<PathBuf, String>,
    files: &BTreeSet<PathBuf>,
) -> Audit {
    let tags: BTreeMap<&PathBuf, Vec<Tag>> =
        pages.iter().map(|(p, html)| (p, tags(html))).collect();
    let ids: BTreeMap<&PathBuf, BTreeSet<&str>> = tags
        .iter()
        .map(|(p, ts)| {
            let set = ts
                .iter()
                .flat_map(|t| {
                    t.attr("id").into_iter().chain(if t.name == "a" {
                        t.attr("name")
                    } else {
                        None
                    })
                })
                .collect();
            (*p, set)
        })
        .collect();

    let mut audit = Audit {
        pages: pages.len(),
        ..Audit::default()
    };
    for (page, page_tags) in &tags {
        for tag in page_tags {
            for (attr, loads) in references(tag) {
                let Some(value) = tag.attr(attr) else {
                    continue;
                };
                let value = value.trim();
                if loads {
                    audit.resources += 1;
                    if is_remote(value) {
                        audit.problems.push(format!(
                            "{}: <{}> loads `{value}` over the network",
                            page.display(),
                            tag.name
                        ));
                        continue;
                    }
                }
                check_link(&mut audit, page, value, files, &ids);
            }
        }
    }
    for (sheet, css) in styles {
        for url in css_urls(css) {
            audit.resources += 1;
            if is_remote(&url) {
                audit.problems.push(format!(
                    "{}: url({url}) loads over the network",
                    sheet.display()
                ));
            } else if !url.starts_with("data:") && !url.starts_with('#') {
                audit.links += 1;
                let target = resolve(sheet, url.split(['?', '#']).next().unwrap_or(""));
                if !target.as_ref().is_some_and(|t| files.contains(t)) {
                    audit.problems.push(format!(
                        "{}: url({url}) points at a missing file",
                        sheet.display()
                    ));
                }
            }
        }
    }
    audit
}

/// The attributes of `tag` that reference another resource, and whether the browser loads
/// that resource by itself (as opposed to a link the reader may follow).
fn references(tag: &Tag) -> Vec<(&'static str, bool)> {
    match tag.name.as_str() {
        "a" | "area" => vec![("href", false)],
        "link" => {
            let rel = tag.attr("rel").unwrap_or("");
            let loads = rel.split_whitespace().any(|r| {
                matches!(
                    r,
                    "stylesheet" | "icon" | "preload" | "prefetch" | "manifest" | "modulepreload"
                ) || r == "shortcut"
            });
            vec![("href", loads)]
        }
        "script" | "img" | "iframe" | "source" | "audio" | "video" | "track" | "embed"
        | "input" => vec![("src", true)],
        "object" => vec![("data", true)],
        "image" | "use" => vec![("href", true), ("xlink:href", true)],
        _ => vec![],
    }
}

fn is_remote(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("http:")
        || lower.starts_with("https:")
        || lower.starts_with("//")
        || lower.starts_with("ws:")
        || lower.starts_with("wss:")
}

fn check_link(
    audit: &mut Audit,
    page: &Path,
    value: &str,
    files: &BTreeSet<PathBuf>,
    ids: &BTreeMap<&PathBuf, BTreeSet<&str>>,
) {
    if value.is_empty() || is_remote(value) || value.contains(':') && !value.starts_with('#') {
        // Absolute URLs to other sites are citations; `mailto:` and `data:` need no file.
        return;
    }
    let (path_part, fragment) = match value.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (value, None),
    };
    let path_part = path_part.split('?').next().unwrap_or("");
    let target = if path_part.is_empty() {
        Some(page.to_path_buf())
    } else {
        audit.links += 1;
        let decoded = percent_decode(path_part);
        let mut target = resolve(page, &decoded);
        if let Some(t) = &target
            && (decoded.ends_with('/') || t.as_os_str().is_empty())
        {
            target = Some(t.join("index.html"));
        }
        match &target {
            Some(t) if files.contains(t) => target,
            _ => {
                audit.problems.push(format!(
                    "{}: link to `{value}` points at a missing file",
                    page.display()
                ));
                return;
            }
        }
    };
    if let (Some(fragment), Some(target)) = (fragment, target) {
        if fragment.is_empty() || target.extension().is_none_or(|e| e != "html") {
            return;
        }
        audit.anchors += 1;
        let fragment = percent_decode(fragment);
        if !ids
            .get(&target)
            .is_some_and(|set| set.contains(fragment.as_str()))
        {
            audit.problems.push(format!(
                "{}: link to `{value}`: no element with id `{fragment}`",
                page.display()
            ));
        }
    }
}

/// Resolves `reference` relative to the folder of `from`; `None` if it climbs above the root.
fn resolve(from: &Path, reference: &str) -> Option<PathBuf> {
    let mut parts: Vec<String> = from
        .parent()
        .map(|p| {
            p.components()
                .filter_map(|c| match c {
                    Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let reference = reference.strip_prefix('/').map_or(reference, |r| {
        parts.clear();
        r
    });
    for segment in reference.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s.to_owned()),
        }
    }
    Some(parts.iter().collect())
}

/// The `url(…)` references and `@import` strings of a stylesheet.
fn css_urls(css: &str) -> Vec<String> {
    let mut urls = Vec::new();
    let mut rest = css;
    while let Some(i) = rest.find("url(") {
        rest = &rest[i + 4..];
        let end = rest.find(')').unwrap_or(rest.len());
        let url = rest[..end].trim().trim_matches(['"', '\'']).to_owned();
        if !url.is_empty() {
            urls.push(url);
        }
        rest = &rest[end..];
    }
    let mut rest = css;
    while let Some(i) = rest.find("@import") {
        rest = &rest[i + 7..];
        let trimmed = rest.trim_start();
        if let Some(q) = trimmed.chars().next().filter(|c| *c == '"' || *c == '\'')
            && let Some(end) = trimmed[1..].find(q)
        {
            urls.push(trimmed[1..1 + end].to_owned());
        }
    }
    urls
}

/// Every start tag of an HTML document, in order.
pub fn tags(html: &str) -> Vec<Tag> {
    let mut out = Vec::new();
    let bytes = html.as_bytes();
    let mut i = 0;
    while let Some(rel) = html[i..].find('<') {
        i += rel + 1;
        if html[i..].starts_with("!--") {
            i = html[i..].find("-->").map_or(html.len(), |e| i + e + 3);
            continue;
        }
        if i >= bytes.len() || !bytes[i].is_ascii_alphabetic() {
            continue;
        }
        let name_end = html[i..]
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .map_or(html.len(), |e| i + e);
        let name = html[i..name_end].to_ascii_lowercase();
        let (attrs, end) = attributes(html, name_end);
        i = end;
        if name == "script" || name == "style" {
            let close = format!("</{name}");
            i = html[i..]
                .to_ascii_lowercase()
                .find(&close)
                .map_or(html.len(), |e| i + e);
        }
        out.push(Tag { name, attrs });
    }
    out
}

/// Parses attributes from `start` up to the end of the tag; returns them and the offset after `>`.
fn attributes(html: &str, start: usize) -> (Vec<(String, String)>, usize) {
    let bytes = html.as_bytes();
    let mut attrs = Vec::new();
    let mut i = start;
    loop {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            i += 1;
        }
        if i >= bytes.len() {
            return (attrs, i);
        }
        if bytes[i] == b'>' {
            return (attrs, i + 1);
        }
        let name_start = i;
        while i < bytes.len()
            && !bytes[i].is_ascii_whitespace()
            && !matches!(bytes[i], b'=' | b'>' | b'/')
        {
            i += 1;
        }
        let name = html[name_start..i].to_ascii_lowercase();
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < bytes.len() && bytes[i] == b'=' {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < bytes.len() && (bytes[i] == b'"' || bytes[i] == b'\'') {
                let quote = bytes[i] as char;
                let end = html[i + 1..].find(quote).map_or(html.len(), |e| i + 1 + e);
                value = decode_entities(&html[i + 1..end]);
                i = (end + 1).min(html.len());
            } else {
                let end = html[i..]
                    .find(|c: char| c.is_whitespace() || c == '>')
                    .map_or(html.len(), |e| i + e);
                value = decode_entities(&html[i..end]);
                i = end;
            }
        }
        if name.is_empty() {
            i += 1;
        } else {
            attrs.push((name, value));
        }
    }
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(page: &str, html: &str, extra: &[&str]) -> Audit {
        let pages = BTreeMap::from([(PathBuf::from(page), html.to_owned())]);
        let mut files: BTreeSet<PathBuf> = extra.iter().map(PathBuf::from).collect();
        files.insert(PathBuf::from(page));
        audit(&pages, &BTreeMap::new(), &files)
    }

    #[test]
    fn finds_missing_files_anchors_and_remote_loads() {
        let html = r##"<a href="#top">x</a><h1 id="top">T</h1><a href="#nope">y</a>
            <a href="../b.html">b</a><script src="https://cdn.example/x.js"></script>
            <link rel="stylesheet" href="css/a.css"><a href="https://example.com/paper">cite</a>"##;
        let a = one("d/p.html", html, &["b.html"]);
        assert_eq!(a.problems.len(), 3, "{:?}", a.problems);
        assert!(a.problems[0].contains("#nope"));
        assert!(a.problems[1].contains("network"));
        assert!(a.problems[2].contains("css/a.css"));
    }

    #[test]
    fn skips_script_bodies_and_comments() {
        let t = tags(r#"<!-- <a href="x"> --><script>let s = "<a href='y'>";</script><p id=q>"#);
        assert_eq!(
            t.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
            ["script", "p"]
        );
        assert_eq!(t[1].attr("id"), Some("q"));
    }

    #[test]
    fn resolves_relative_paths() {
        assert_eq!(
            resolve(Path::new("a/b.html"), "../c/d.html"),
            Some(PathBuf::from("c/d.html"))
        );
        assert_eq!(resolve(Path::new("b.html"), "../x"), None);
    }
}
