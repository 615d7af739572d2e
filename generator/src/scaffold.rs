//! `cargo book new <format> <id>`: the files a new piece starts from.
//!
//! In: the format, id, title, tags and summary of a new piece, and the current catalogue.
//! Out: a [`Plan`] of files to create and text to append (pure), which [`apply`] writes.
//!
//! A new piece is a draft: it appears on the hub as not yet available and stays out of the
//! navigation until its author sets `status = "published"` and lists it in `SUMMARY.md`.

use std::path::{Path, PathBuf};

use crate::catalog::{Catalog, Format, tag_slug};

/// What a new piece is.
#[derive(Debug, Clone)]
pub struct NewPiece {
    /// Format: handbook, design or tool.
    pub format: Format,
    /// Catalogue id and file stem, like `web-crawler`.
    pub id: String,
    /// Title for the card and the page.
    pub title: String,
    /// One to three tags.
    pub tags: Vec<String>,
    /// One sentence for the card.
    pub summary: String,
}

/// One change to the project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// Create a file that must not exist yet.
    Create(PathBuf, String),
    /// Append text to an existing file.
    Append(PathBuf, String),
}

/// The edits that scaffold a piece, relative to the project root.
pub type Plan = Vec<Edit>;

/// Plans the files for `piece`; fails with a message when the id is taken or malformed.
pub fn plan(piece: &NewPiece, catalog: &Catalog) -> Result<Plan, String> {
    let id = &piece.id;
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        || id.starts_with('-')
        || id.ends_with('-')
    {
        return Err(format!(
            "`{id}` is not a valid id: use lower-case letters, digits and hyphens, like `web-crawler`"
        ));
    }
    // The catalogue lists every planned piece as a draft, so most new chapters start from an
    // existing entry; a piece not in the catalogue yet gets its entry too.
    let existing = catalog.piece(id);
    let title = match existing {
        Some(p) if p.format != piece.format => {
            return Err(format!(
                "`{id}` is a {} in the catalogue, not a {}",
                p.format.key(),
                piece.format.key()
            ));
        }
        Some(p) if p.is_published() => return Err(format!("`{id}` is already published")),
        Some(p) => p.title.clone(),
        None => {
            if piece.tags.is_empty() || piece.tags.iter().any(|t| tag_slug(t).is_empty()) {
                return Err("a piece new to the catalogue needs one to three tags, like --tags \"Caching, Sharding\"".to_owned());
            }
            if piece.title.trim().is_empty() || piece.summary.trim().is_empty() {
                return Err(
                    "a piece new to the catalogue needs a --title and a one-sentence --summary"
                        .to_owned(),
                );
            }
            piece.title.clone()
        }
    };
    let chapter = format!("{}/{id}.md", piece.format.folder());
    let module = id.replace('-', "_");
    let fill = |template: &str| {
        template
            .replace("{{id}}", id)
            .replace(
                "{{dsl_title}}",
                &title.replace('\\', "\\\\").replace('"', "\\\""),
            )
            .replace("{{title}}", &title)
            .replace("{{chapter}}", &chapter)
            .replace("{{module}}", &module)
            .replace("{{{{", "{{")
            .replace("}}}}", "}}")
    };
    let chapter_template = match piece.format {
        Format::Handbook => include_str!("../templates/handbook.md"),
        Format::Design => include_str!("../templates/design.md"),
        Format::Tool => include_str!("../templates/tool.md"),
    };
    let quote = |s: &str| toml::Value::String(s.to_owned()).to_string();
    let tags: Vec<String> = piece.tags.iter().map(|t| quote(t.trim())).collect();
    let entry = format!(
        "\n[[piece]]\nid = {}\ntitle = {}\nformat = {}\ntags = [{}]\nsummary = {}\nstatus = \"draft\"\n",
        quote(id),
        quote(&piece.title),
        quote(piece.format.key()),
        tags.join(", "),
        quote(&piece.summary),
    );
    let mut plan = Vec::new();
    if existing.is_none() {
        plan.push(Edit::Append(PathBuf::from("book/catalog.toml"), entry));
    }
    plan.extend([
        Edit::Create(
            PathBuf::from("book/src").join(&chapter),
            fill(chapter_template),
        ),
        // A folder, like every design's code (`snippets/src/url_shortener/mod.rs`), so the
        // piece's submodules have a place beside it.
        Edit::Create(
            PathBuf::from(format!("snippets/src/{module}/mod.rs")),
            fill(include_str!("../templates/snippet.rs")),
        ),
        Edit::Append(
            PathBuf::from("snippets/src/lib.rs"),
            format!("pub mod {module};\n"),
        ),
    ]);
    if piece.format == Format::Design {
        plan.push(Edit::Create(
            PathBuf::from(format!("diagrams/{id}.dsd")),
            fill(include_str!("../templates/diagram.dsd")),
        ));
    }
    Ok(plan)
}

/// Writes a plan under `root`. Checks every `Create` target first, so nothing is written
/// when any file already exists, or when a module folder's `mod.rs` would sit beside a
/// file of the same module (`x/mod.rs` and `x.rs`, which Rust refuses to compile).
pub fn apply(root: &Path, plan: &Plan) -> std::io::Result<()> {
    for edit in plan {
        let Edit::Create(path, _) = edit else {
            continue;
        };
        let flat = (path.file_name() == Some("mod.rs".as_ref()))
            .then(|| path.parent().map(|dir| dir.with_extension("rs")))
            .flatten();
        for taken in std::iter::once(path).chain(flat.as_ref()) {
            if root.join(taken).exists() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    format!("{} already exists", taken.display()),
                ));
            }
        }
    }
    for edit in plan {
        match edit {
            Edit::Create(path, text) => {
                let path = root.join(path);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(path, text)?;
            }
            Edit::Append(path, text) => {
                use std::io::Write;
                std::fs::OpenOptions::new()
                    .append(true)
                    .open(root.join(path))?
                    .write_all(text.as_bytes())?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        let text = "[topic]\ntitle = \"T\"\ndescription = \"D\"\n";
        crate::catalog::parse("catalog.toml", text).0.unwrap()
    }

    fn piece(format: Format) -> NewPiece {
        NewPiece {
            format,
            id: "web-crawler".into(),
            title: "Design a \"Web\" Crawler".into(),
            tags: vec!["Scalability".into(), "Storage".into()],
            summary: "A frontier, politeness and dedup.".into(),
        }
    }

    #[test]
    fn a_new_design_starts_from_files_that_build() {
        let plan = plan(&piece(Format::Design), &catalog()).unwrap();
        let created = |suffix: &str| {
            plan.iter()
                .find_map(|e| match e {
                    Edit::Create(p, text) if p.to_string_lossy().ends_with(suffix) => {
                        Some(text.clone())
                    }
                    _ => None,
                })
                .unwrap()
        };
        let compiled = crate::diagram::compile("diagrams/web-crawler.dsd", &created(".dsd"));
        assert!(
            compiled.diagnostics.is_empty(),
            "{:?}",
            compiled.diagnostics
        );
        let chapter = created("designs/web-crawler.md");
        assert!(chapter.starts_with("+++\npiece = \"web-crawler\"\n+++\n"));
        assert!(chapter.contains("{{#diagram web-crawler}}") && chapter.contains("{{#stage 1}}"));
        let Edit::Append(_, entry) = &plan[0] else {
            panic!("the catalogue entry comes first")
        };
        let mut text = "[topic]\ntitle = \"T\"\ndescription = \"D\"\n".to_owned();
        text.push_str(entry);
        let (cat, diags) = crate::catalog::parse("catalog.toml", &text);
        assert_eq!(diags, []);
        let cat = cat.unwrap();
        assert_eq!(cat.pieces[0].title, "Design a \"Web\" Crawler");
        assert_eq!(cat.pieces[0].status, crate::catalog::Status::Draft);
    }

    #[test]
    fn a_pieces_code_is_a_module_folder_like_every_design() {
        let plan = plan(&piece(Format::Design), &catalog()).unwrap();
        let code: Vec<&PathBuf> = plan
            .iter()
            .filter_map(|e| match e {
                Edit::Create(p, _) if p.starts_with("snippets") => Some(p),
                _ => None,
            })
            .collect();
        assert_eq!(code, [&PathBuf::from("snippets/src/web_crawler/mod.rs")]);
        assert!(plan.contains(&Edit::Append(
            PathBuf::from("snippets/src/lib.rs"),
            "pub mod web_crawler;\n".into()
        )));
    }

    #[test]
    fn apply_writes_the_folder_and_refuses_a_flat_file_of_the_same_module() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        for dir in ["book/src", "snippets/src"] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
        std::fs::write(root.join("book/catalog.toml"), "").unwrap();
        std::fs::write(root.join("snippets/src/lib.rs"), "").unwrap();
        let plan = plan(&piece(Format::Handbook), &catalog()).unwrap();

        std::fs::write(root.join("snippets/src/web_crawler.rs"), "").unwrap();
        let refused = apply(root, &plan).unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("web_crawler.rs already exists"),
            "{refused}"
        );
        assert_eq!(
            std::fs::read_to_string(root.join("snippets/src/lib.rs")).unwrap(),
            "",
            "nothing is written when one target is taken"
        );

        std::fs::remove_file(root.join("snippets/src/web_crawler.rs")).unwrap();
        apply(root, &plan).unwrap();
        let module = std::fs::read_to_string(root.join("snippets/src/web_crawler/mod.rs")).unwrap();
        assert!(
            module.starts_with("//! Design a \"Web\" Crawler: "),
            "{module}"
        );
        assert!(root.join("book/src/handbooks/web-crawler.md").is_file());
    }

    #[test]
    fn starts_listed_drafts_and_refuses_what_it_cannot_start() {
        let mut text = "[topic]\ntitle = \"T\"\ndescription = \"D\"\n".to_owned();
        let Edit::Append(_, entry) = &plan(&piece(Format::Tool), &catalog()).unwrap()[0] else {
            unreachable!()
        };
        text.push_str(entry);
        let listed = crate::catalog::parse("c", &text).0.unwrap();
        // A draft already in the catalogue gets its files, and no second entry.
        let files = plan(&piece(Format::Tool), &listed).unwrap();
        assert!(
            files
                .iter()
                .all(|e| !matches!(e, Edit::Append(p, _) if p.ends_with("catalog.toml")))
        );
        assert!(
            plan(&piece(Format::Design), &listed)
                .unwrap_err()
                .contains("is a tool")
        );
        let published = text.replace("status = \"draft\"", "status = \"published\"");
        let published = crate::catalog::parse("c", &published).0.unwrap();
        assert!(
            plan(&piece(Format::Tool), &published)
                .unwrap_err()
                .contains("already published")
        );
        let mut no_tags = piece(Format::Handbook);
        no_tags.tags.clear();
        assert!(plan(&no_tags, &catalog()).is_err());
        let mut bad_id = piece(Format::Handbook);
        bad_id.id = "Web Crawler".into();
        assert!(plan(&bad_id, &catalog()).is_err());
    }
}
