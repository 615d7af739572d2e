//! Helpers shared by the integration tests.
//!
//! In: expected-output files beside the fixtures. Out: [`check`], which compares a test's
//! actual output with the file, or rewrites the file when `UPDATE_EXPECT=1` is set.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The project root (the folder with `book/`).
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Whether expected outputs should be rewritten instead of compared.
pub fn updating() -> bool {
    std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v == "1")
}

/// Compares `actual` with the file at `expected`; with `UPDATE_EXPECT=1`, writes it instead.
pub fn check(expected: &Path, actual: &str) {
    if updating() {
        std::fs::write(expected, actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(expected).unwrap_or_else(|_| {
        panic!(
            "{} is missing; run with UPDATE_EXPECT=1 to create it",
            expected.display()
        )
    });
    if want == actual {
        return;
    }
    if want.len() + actual.len() < 4000 {
        panic!(
            "{} differs (UPDATE_EXPECT=1 rewrites it)\n--- expected\n{want}\n--- actual\n{actual}",
            expected.display()
        );
    }
    // Long outputs (SVG, layout dumps): show the first line that differs.
    let line = want
        .lines()
        .zip(actual.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| want.lines().count().min(actual.lines().count()));
    panic!(
        "{} differs from the output (first at line {}):\nexpected: {:?}\nactual:   {:?}\nUPDATE_EXPECT=1 rewrites it",
        expected.display(),
        line + 1,
        want.lines().nth(line),
        actual.lines().nth(line)
    );
}
