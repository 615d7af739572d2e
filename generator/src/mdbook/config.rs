//! What the generator reads from `book.toml`, in one typed struct.
//!
//! In: mdBook's parsed configuration. Out: [`Settings`]: the preprocessor's own table
//! (`[preprocessor.dsbook]`) and the few `[output.html]` keys the preprocessor and the
//! renderer both need, read by one function so the two never disagree on a key's name.

use std::path::PathBuf;

use anyhow::Result;
use mdbook_preprocessor::config::Config;
use serde::Deserialize;

use crate::expand::PageAssets;

/// The preprocessor's name, and its table in `book.toml`: `[preprocessor.dsbook]`.
pub const NAME: &str = "dsbook";

/// `[preprocessor.dsbook]`: where the book's sources are, relative to the book root. Other
/// keys of the table (`command`, `after`) are mdBook's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Table {
    /// The catalogue; with it, the preprocessor runs in book mode (front matter, hub, tags).
    pub catalog: Option<PathBuf>,
    /// The snippets crate's `src` folder, for `{{#snippet}}`.
    pub snippets: Option<PathBuf>,
    /// The diagrams folder, for `{{#diagram}}`, `{{#stage}}` and `{{#figure}}`.
    pub diagrams: Option<PathBuf>,
}

/// Every setting the generator reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// `[preprocessor.dsbook]`.
    pub table: Table,
    /// `output.html.theme`, relative to the book root (`theme` when unset).
    pub theme: PathBuf,
    /// `output.html.site-url`: where the book is published, for absolute card URLs.
    pub site_url: Option<String>,
    /// `output.html.git-repository-url`, for the links under snippets.
    pub repository_url: Option<String>,
    /// `output.html.additional-css` and `additional-js`, which mdBook loads on every page.
    pub page_assets: PageAssets,
}

/// The keys of `[output.html]` that list files loaded on every page.
pub const ADDITIONAL_CSS: &str = "output.html.additional-css";
/// See [`ADDITIONAL_CSS`].
pub const ADDITIONAL_JS: &str = "output.html.additional-js";

impl Settings {
    /// Reads the settings; fails when a key holds a value of the wrong type.
    pub fn read(config: &Config) -> Result<Settings> {
        let theme: PathBuf = config
            .get("output.html.theme")?
            .unwrap_or_else(|| PathBuf::from("theme"));
        let paths = |key: &str| -> Result<Vec<String>> {
            let list: Vec<PathBuf> = config.get(key)?.unwrap_or_default();
            Ok(list.iter().map(|p| slashed(p)).collect())
        };
        Ok(Settings {
            table: config
                .get(&format!("preprocessor.{NAME}"))?
                .unwrap_or_default(),
            page_assets: PageAssets {
                theme: slashed(&theme),
                css: paths(ADDITIONAL_CSS)?,
                js: paths(ADDITIONAL_JS)?,
            },
            theme,
            site_url: config.get("output.html.site-url")?,
            repository_url: config.get("output.html.git-repository-url")?,
        })
    }
}

/// A relative path with `/` separators, as `book.toml` writes it.
fn slashed(path: &std::path::Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn reads_the_table_and_the_shared_html_keys() {
        let config = Config::from_str(
            "[preprocessor.dsbook]\ncommand = \"mdbook-dsbook\"\ndiagrams = \"../diagrams\"\n\n[output.html]\nadditional-js = [\"theme/a.js\"]\nsite-url = \"/book/\"\n",
        )
        .unwrap();
        let settings = Settings::read(&config).unwrap();
        assert_eq!(settings.table.diagrams, Some(PathBuf::from("../diagrams")));
        assert_eq!(settings.table.catalog, None);
        assert_eq!(settings.theme, PathBuf::from("theme"));
        assert_eq!(settings.page_assets.js, ["theme/a.js"]);
        assert_eq!(settings.site_url.as_deref(), Some("/book/"));
        let wrong = Config::from_str("[preprocessor.dsbook]\ndiagrams = 3\n").unwrap();
        assert!(Settings::read(&wrong).is_err());
    }
}
