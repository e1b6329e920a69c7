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

/// The code of `text` without comments, string literals and character literals (each replaced
/// by a space), so that a word in a message or a comment is not taken for a call.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
            out.push(' ');
            continue;
        }
        // r"…", r#"…"#: no escapes, ends at the quote and as many #.
        let raw_start = (c == 'r' || (c == 'b' && next == Some('r')))
            && !out.ends_with(|p: char| p.is_alphanumeric() || p == '_');
        if raw_start {
            let mut j = i + if c == 'b' { 2 } else { 1 };
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) == Some(&'"') {
                let close: String = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
                let rest: String = chars[j + 1..].iter().collect();
                let end =
                    rest.find(&close).map_or(chars.len(), |e| j + 1 + rest[..e].chars().count() + 1 + hashes);
                out.push(' ');
                i = end;
                continue;
            }
        }
        if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push(' ');
            continue;
        }
        // 'x', '\n', '\u{1F600}' (a lifetime has no closing quote right after its name).
        if c == '\'' {
            let close = if next == Some('\\') {
                chars[i + 1..].iter().position(|&q| q == '\'').map(|p| i + 1 + p)
            } else {
                (chars.get(i + 2) == Some(&'\'')).then_some(i + 2)
            };
            if let Some(end) = close {
                out.push(' ');
                i = end + 1;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// The paths in `code` (`a::b::c`, whitespace allowed around `::`), with the line of each.
fn paths(code: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    let (mut line, mut word, mut joined) = (1, String::new(), false);
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            if !word.is_empty() {
                match out.last_mut() {
                    Some((_, last)) if joined => *last = format!("{last}::{word}"),
                    _ => out.push((line, word.clone())),
                }
                word.clear();
                joined = false;
            }
            if c == ':' && chars.get(i + 1) == Some(&':') {
                joined = true;
                i += 1;
            } else if c == '*' && joined {
                if let Some((_, last)) = out.last_mut() {
                    *last = format!("{last}::*");
                }
                joined = false;
            } else if !c.is_whitespace() {
                joined = false;
            }
            if c == '\n' {
                line += 1;
            }
        }
        i += 1;
    }
    out
}

/// Where `code` reaches the per-thread language: a call (or import) of `tr`, `trf`, `tr_dyn`,
/// `domain_error`, `set_current`, or `i18n::current`, or all of `i18n` by `*`. A method named
/// `current` (`list.current()`) is not the language and is allowed.
fn thread_language(code: &str) -> Vec<(usize, String)> {
    const READERS: [&str; 5] = ["tr", "trf", "tr_dyn", "domain_error", "set_current"];
    let code = code_only(code);
    let mut found: Vec<(usize, String)> = paths(&code)
        .into_iter()
        .filter(|(_, path)| {
            let last = path.rsplit("::").next().unwrap_or(path);
            READERS.contains(&last) || path.ends_with("i18n::current") || path.ends_with("i18n::*")
        })
        .collect();
    // `use crate::i18n::{self, current};` brings it in unqualified.
    let mut from = 0;
    while let Some(at) = code[from..].find("use ").map(|i| from + i) {
        let end = code[at..].find(';').map_or(code.len(), |e| at + e);
        let line = code[..at].matches('\n').count() + 1;
        let item = &code[at..end];
        let word = !code[..at].ends_with(|p: char| p.is_alphanumeric() || p == '_');
        if word && item.contains("i18n") && paths(item).iter().any(|(_, p)| p == "current") {
            found.push((line, "current".into()));
        }
        from = end;
    }
    found
}

#[test]
fn the_thread_language_finder_finds_what_it_should() {
    let found = |code: &str| thread_language(code).into_iter().map(|(_, p)| p).collect::<Vec<_>>();
    assert_eq!(found("let a = tr(\"x\");"), ["tr"]);
    assert_eq!(found("crate::i18n::trf(\"{}\", &[&n])"), ["crate::i18n::trf"]);
    assert_eq!(found("let l = crate::i18n :: current();"), ["crate::i18n::current"]);
    assert_eq!(found("use crate::i18n::{self, current, tr_in};"), ["current"]);
    assert_eq!(found("use crate::i18n::*;"), ["crate::i18n::*"]);
    assert_eq!(found("x.map(tr_dyn)"), ["tr_dyn"]);
    assert_eq!(found("i18n::domain_error(&e)"), ["i18n::domain_error"]);
    assert!(found("tr_in(lang, \"tr(x)\"); trf_in(lang, \"{}\", &[]); s.current(); // tr(\"y\")").is_empty());
    assert!(found("let c = 'x'; let q = '\"'; fn f<'a>(s: &'a str) {} let r = r#\"tr(\"a\")\"#;").is_empty());
    assert!(found("tr_dyn_in(lang, t); domain_error_in(lang, &e); self.current()").is_empty());
    assert!(found("use crate::i18n::{tr_in};\nfn f(s: &S) { s.current(); }").is_empty());
}

/// The console is drawn and updated with its App's language, passed down: nothing under
/// `src/ui` reads (or sets) the per-thread language the command line uses, so Apps in two
/// languages can share a thread.
#[test]
fn the_console_reads_no_per_thread_language() {
    let mut found = Vec::new();
    for file in rust_files(&root().join("src/ui")) {
        let text = std::fs::read_to_string(&file).expect("readable source");
        for (line, path) in thread_language(&text) {
            found.push(format!("{}:{line}: {path}", relative(&file)));
        }
    }
    assert!(
        found.is_empty(),
        "src/ui reads the per-thread language; pass the App's (tr_in, trf_in, tr_dyn_in, domain_error_in):\n{}",
        found.join("\n")
    );
}
