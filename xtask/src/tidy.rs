//! Tidy tests: rules about the shipped code (the page `src/`, `index.html`, the core
//! `core/src/` and the hand-off module `handoff/src/`) that no compiler checks, run with xtask's own tests (`cargo test -p xtask`).
//! Test code (files named `tests.rs`, folders named `tests/`, modules after `#[cfg(test)]`) and
//! comments are exempt.

#![cfg(test)]

use std::path::{Path, PathBuf};

/// A pattern the shipped code must not contain, and why.
struct Rule {
    pattern: &'static str,
    why: &'static str,
}

const RULES: &[Rule] = &[
    Rule {
        pattern: "from_html_unchecked",
        why: "raw HTML rendering: text from Graph or config.json would become markup",
    },
    Rule {
        pattern: "inner_html",
        why: "raw HTML rendering: text from Graph or config.json would become markup",
    },
    Rule {
        pattern: "insertAdjacentHTML",
        why: "raw HTML rendering",
    },
    Rule {
        pattern: "local_storage",
        why: "localStorage outlives the tab: nothing of a setup may stay in the browser",
    },
    Rule {
        pattern: "localStorage",
        why: "localStorage outlives the tab: nothing of a setup may stay in the browser",
    },
    Rule {
        pattern: "document.cookie",
        why: "the page sets no cookies",
    },
    Rule {
        pattern: ".unwrap()",
        why: "a panic is a blank page: return an error the admin can act on",
    },
    Rule {
        pattern: ".expect(",
        why: "a panic is a blank page: return an error the admin can act on",
    },
    Rule {
        pattern: "console::",
        why: "the page logs nothing: a log line is where secrets leak",
    },
    Rule {
        pattern: "println!",
        why: "the page logs nothing: a log line is where secrets leak",
    },
    Rule {
        pattern: "eprintln!",
        why: "the page logs nothing: a log line is where secrets leak",
    },
    Rule {
        pattern: "dbg!",
        why: "the page logs nothing: a log line is where secrets leak",
    },
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a source folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            // A `tests/` folder is test code (`mod tests;` with its submodules).
            if path.file_name().is_some_and(|n| n != "tests") {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs")
            && path.file_name().is_some_and(|n| n != "tests.rs")
        {
            out.push(path);
        }
    }
}

/// The lines of `text` that ship: `(line number, line)`, without comments and test modules.
fn shipped(text: &str) -> Vec<(usize, &str)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim();
        if line == "#[cfg(test)]" {
            let next = lines[i + 1..]
                .iter()
                .map(|l| l.trim())
                .find(|l| !l.is_empty())
                .unwrap_or("");
            let item = next
                .trim_start_matches("pub(crate) ")
                .trim_start_matches("pub ");
            if item.starts_with("mod ") && item.ends_with(';') {
                i += 2;
                continue;
            }
            if item.starts_with("mod ") {
                break;
            }
        }
        if !line.starts_with("//") {
            out.push((i + 1, lines[i]));
        }
        i += 1;
    }
    out
}

/// Every breach of `rules` in `text`, as `file:line: pattern (why)`.
fn breaches(file: &str, text: &str, rules: &[Rule]) -> Vec<String> {
    let mut found = Vec::new();
    for (n, line) in shipped(text) {
        for rule in rules {
            if line.contains(rule.pattern) {
                found.push(format!("{file}:{n}: `{}` ({})", rule.pattern, rule.why));
            }
        }
    }
    found
}

#[test]
fn the_shipped_code_keeps_the_rules() {
    let root = root();
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    rust_files(&root.join("core/src"), &mut files);
    rust_files(&root.join("handoff/src"), &mut files);
    files.push(root.join("index.html"));
    assert!(files.len() > 50, "found only {} files", files.len());
    let mut found = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("a source file");
        let name = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        found.extend(breaches(&name, &text, RULES));
    }
    assert!(found.is_empty(), "\n{}", found.join("\n"));
}

#[test]
fn the_check_finds_what_it_looks_for_and_skips_tests_and_comments() {
    let text = "\
fn a() { x.unwrap(); }
// y.unwrap() in a comment
#[cfg(test)]
mod helpers;
fn b() { web_sys::window().local_storage(); }
#[cfg(test)]
mod tests {
    fn c() { z.unwrap(); }
}
";
    let found = breaches("f.rs", text, RULES);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].starts_with("f.rs:1: `.unwrap()`"), "{found:?}");
    assert!(found[1].starts_with("f.rs:5: `local_storage`"), "{found:?}");
}
