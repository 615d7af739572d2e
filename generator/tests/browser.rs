//! Browser tests of the built book: builds the book with the generator into a temporary folder,
//! then runs the Node test suite in `theme/tests/` (Chromium over file:// with the network
//! blocked, axe-core in all five themes, the Nu HTML checker, keyboard use of the hub, phone
//! layout) against it, with its output streamed to the terminal.
//!
//! Needs Debian's Chromium (`/usr/bin/chromium`, or the path in `DSBOOK_CHROMIUM`), Node 20,
//! Java 17 and the theme's npm packages. When one is missing the test is skipped with a loud
//! message, except when the environment variable `CI` is `true`: there a missing tool fails it.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use generator::mdbook::{BuildOptions, build};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Whether `program --version` runs.
fn runs(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// What is missing to run the browser tests, with how to install each.
fn missing_tools(theme: &Path) -> Vec<String> {
    let mut missing = Vec::new();
    let chromium = std::env::var_os("DSBOOK_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    if !chromium.exists() {
        missing.push(format!(
            "{} (install it with `apt-get install chromium`)",
            chromium.display()
        ));
    }
    if !runs("node") {
        missing.push("node, version 20 or later (`apt-get install nodejs npm`)".to_owned());
    }
    if !runs("java") {
        missing.push(
            "java, for the Nu HTML checker (`apt-get install default-jre-headless`)".to_owned(),
        );
    }
    for package in ["playwright-core", "axe-core", "vnu-jar"] {
        if !theme
            .join("node_modules")
            .join(package)
            .join("package.json")
            .exists()
        {
            missing.push(format!(
                "theme/node_modules/{package} (install the theme's packages with `npm ci --prefix theme`)"
            ));
        }
    }
    missing
}

#[test]
fn book_passes_the_browser_tests() {
    let theme = workspace().join("theme");
    let missing = missing_tools(&theme);
    if !missing.is_empty() {
        let list = missing.join("\n  - ");
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "the browser tests cannot run in CI because these are missing:\n  - {list}"
        );
        // Written to the process's stderr, not with eprintln!, which the test harness captures
        // and hides for a passing test: a skip must be seen.
        let message = format!(
            "\n\
             ************************************************************************\n\
             * SKIPPED: the browser tests (accessibility, HTML validity, offline,   *\n\
             * keyboard, phone layout) did NOT run. Missing:                        *\n\
             ************************************************************************\n  \
             - {list}\n\
             Install them and run `cargo test -p generator --test browser` again.\n\
             (With CI=true a missing tool fails this test instead.)\n"
        );
        let _ = std::io::stderr().write_all(message.as_bytes());
        return;
    }

    let dest = tempfile::tempdir().unwrap();
    let outcome = build(&BuildOptions {
        book_root: workspace().join("book"),
        dest: Some(dest.path().to_path_buf()),
        live_reload: None,
    })
    .unwrap_or_else(|e| panic!("building the book failed: {e:#}"));
    assert!(
        outcome.dest.join("index.html").exists(),
        "the build wrote no index.html into {}",
        outcome.dest.display()
    );

    // Inherited stdout/stderr: node's TAP report streams to the terminal as the tests run.
    let status = Command::new("node")
        .args(["--test", "tests/"])
        .current_dir(&theme)
        .env("DSBOOK_DIR", &outcome.dest)
        .status()
        .unwrap_or_else(|e| panic!("could not start node: {e}"));
    assert!(
        status.success(),
        "the browser tests failed ({status}); their report is above. To rerun only them:\n  \
         cargo book build --dest /tmp/book && DSBOOK_DIR=/tmp/book npm test --prefix theme"
    );
}
