//! Helpers shared by the integration tests: a guidance directory written to a temp dir.

#![allow(dead_code)]

use std::path::Path;

/// Front matter for a valid document with `slug` and `title`, ready to append a body to.
pub fn front_matter(slug: &str, title: &str, category: &str) -> String {
    format!(
        r#"+++
title = "{title}"
slug = "{slug}"
summary = "A short summary of {title}."
category = "{category}"
audience = ["candidate", "staff"]
owners = ["A Test Authority"]
last_reviewed = 2026-01-15

[[sources]]
title = "The official page"
url = "https://www.gov.uk/example"
+++
"#
    )
}

/// Write `files` (relative path → contents) under `dir`, creating directories.
pub fn write_files(dir: &Path, files: &[(&str, String)]) {
    for (relative, contents) in files {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create test directory");
        }
        std::fs::write(&path, contents).expect("write test file");
    }
}
