//! The repository explains itself: `docs/architecture.md`'s code map names every module of
//! `src/` and every path it names exists; no comment in `src/` cites a document or a tracker
//! that someone who clones the repository cannot read ("DESIGN §n", "issue n"); and the pure
//! layers name neither the terminal nor sled, which only the store names.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("readable source directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// Every directory under `dir`, as paths relative to the repository root with `/` separators.
fn module_dirs(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("readable source directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            out.push(relative(&path));
            out.extend(module_dirs(&path));
        }
    }
    out.sort();
    out
}

fn relative(path: &Path) -> String {
    let rel = path.strip_prefix(root()).expect("inside the repository");
    rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect::<Vec<_>>().join("/")
}

/// A line split into its code and its comment (from the first `//` on).
fn split_comment(line: &str) -> (&str, &str) {
    match line.find("//") {
        Some(i) => (&line[..i], &line[i..]),
        None => (line, ""),
    }
}

/// What in `comment` cites something outside the repository, if anything.
fn citation(comment: &str) -> Option<String> {
    let lower = comment.to_lowercase();
    for needle in ["design §", "design.md"] {
        if lower.contains(needle) {
            return Some(needle.to_string());
        }
    }
    // "issue 5", "issues 4", "issue #13", "Issue 7"
    let mut rest = lower.as_str();
    while let Some(i) = rest.find("issue") {
        let after =
            rest[i + "issue".len()..].trim_start_matches('s').trim_start_matches(' ').trim_start_matches('#');
        if after.starts_with(|c: char| c.is_ascii_digit()) {
            return Some(format!("issue{}", &rest[i + "issue".len()..].chars().take(6).collect::<String>()));
        }
        rest = &rest[i + "issue".len()..];
    }
    None
}

#[test]
fn the_citation_finder_finds_what_it_should() {
    assert!(citation("//! The command line of DESIGN §5: parsing").is_some());
    assert!(citation("// Tiers (issue 5), best first").is_some());
    assert!(citation("// see Issue #13").is_some());
    assert!(citation("// issues 4 and 5").is_some());
    assert!(citation("/// read shared/DESIGN.md").is_some());
    assert!(citation("// an issue with sled's log").is_none());
    assert!(citation("// the design of the journal").is_none());
}

#[test]
fn no_comment_in_src_cites_the_design_file_or_an_issue_number() {
    let mut found = Vec::new();
    for file in rust_files(&root().join("src")) {
        let text = std::fs::read_to_string(&file).expect("readable source");
        for (n, line) in text.lines().enumerate() {
            if let Some(what) = citation(split_comment(line).1) {
                found.push(format!("{}:{}: {what:?} in {}", relative(&file), n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "comments cite what a clone of the repository cannot read; say it in the comment or point to docs/architecture.md:\n{}",
        found.join("\n")
    );
}

/// The code map section of docs/architecture.md.
fn code_map() -> String {
    let doc = std::fs::read_to_string(root().join("docs/architecture.md")).expect("docs/architecture.md");
    let start = doc.find("\n## Code map").expect("a \"## Code map\" section");
    let rest = &doc[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3);
    rest[..end].to_string()
}

#[test]
fn the_code_map_names_every_module_of_src() {
    let map = code_map();
    let mut missing: Vec<String> =
        module_dirs(&root().join("src")).into_iter().filter(|d| !map.contains(&format!("`{d}/`"))).collect();
    // Top-level modules that are single files (intern.rs, pinyin.rs, text.rs…).
    for entry in std::fs::read_dir(root().join("src")).expect("src") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("a name").to_string_lossy().into_owned();
        if path.is_file() && name.ends_with(".rs") && !map.contains(&format!("`src/{name}`")) {
            missing.push(format!("src/{name}"));
        }
    }
    assert!(missing.is_empty(), "docs/architecture.md's code map does not name: {}", missing.join(", "));
}

#[test]
fn every_path_the_architecture_document_names_exists() {
    let doc = std::fs::read_to_string(root().join("docs/architecture.md")).expect("docs/architecture.md");
    let mut gone = Vec::new();
    for (i, _) in doc.match_indices('`') {
        let rest = &doc[i + 1..];
        let Some(end) = rest.find('`') else { break };
        let quoted = &rest[..end];
        let is_path = ["src/", "tests/", "benches/", "assets/", "scripts/", "docs/"]
            .iter()
            .any(|p| quoted.starts_with(p))
            && !quoted.contains(['*', ' ']);
        if is_path && !root().join(quoted).exists() {
            gone.push(quoted.to_string());
        }
    }
    gone.sort();
    gone.dedup();
    assert!(gone.is_empty(), "docs/architecture.md names paths that do not exist: {}", gone.join(", "));
}

/// Code (not comments) in `src/<module>` (a directory or a file) that names something the
/// module must not know.
fn naming(module: &str, forbidden: &[&str]) -> Vec<String> {
    let path = root().join("src").join(module);
    let files = if path.is_dir() { rust_files(&path) } else { vec![path] };
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable source");
        for (n, line) in text.lines().enumerate() {
            let code = split_comment(line).0;
            for f in forbidden {
                if code.contains(f) {
                    found.push(format!("{}:{}: {f}", relative(&file), n + 1));
                }
            }
        }
    }
    found
}

#[test]
fn the_layers_know_only_what_the_code_map_allows() {
    const TERMINAL: [&str; 3] = ["ratatui::", "crossterm::", "russh::"];
    const RUNTIME: [&str; 4] = ["crate::ui", "crate::tui", "crate::serve", "crate::cli"];
    let mut found = Vec::new();
    for module in ["domain", "classify", "predict", "search", "dedupe", "change", "demo", "i18n"] {
        found.extend(naming(module, &TERMINAL));
    }
    for module in ["domain", "classify", "predict", "search", "dedupe", "change", "demo", "store"] {
        found.extend(naming(module, &RUNTIME));
    }
    for module in ["domain", "classify", "predict", "search", "dedupe"] {
        found.extend(naming(module, &["crate::store"]));
    }
    found.extend(naming("predict", &["crate::domain", "crate::classify"]));
    found.extend(naming("store", &TERMINAL));
    // sled is the store's business alone; drawing progress, the command line's.
    for entry in std::fs::read_dir(root().join("src")).expect("src") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("a name").to_string_lossy().into_owned();
        if name != "store" {
            found.extend(naming(&name, &["sled::"]));
        }
        if name != "cli" {
            found.extend(naming(&name, &["indicatif"]));
        }
    }
    assert!(
        found.is_empty(),
        "a layer names what it must not know (see docs/architecture.md):\n{}",
        found.join("\n")
    );
}
