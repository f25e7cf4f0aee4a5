//! The house keeps its shape: each folder of `engine/` is one stage and
//! imports only the stages below it. This reads every `engine/**/*.rs`,
//! collects the `crate::<folder>` paths its non-test code names, and fails
//! on any edge against the order below (test code may reach across to
//! build fixtures; it ships in no binary).
//!
//! ```text
//! util ← kind ← {input, numbering, dk1} ← trust ← model ← pdf ← output ← issue
//!                               dk1, trust, model, pdf ← verify
//!                                           dk1, trust ← clerk_page
//!                       dk1, trust, model, pdf, verify ← archive
//! ```
//!
//! `trust` (roots, signed lists, bundles, PDF-signing certificates, the
//! verifier's trust store and the rules of publishing them) builds on
//! `dk1`'s envelope. `model` (a document's values and the two directions between them and
//! its signed record) is shared by the issuer and the auditor.
//!
//! `verify` reads pages back with the renderer's own geometry and font
//! program (`pdf`): the check is exact because it is the same code, not a
//! copy of it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each folder and the folders it may import. `error` (the library's error
/// type) may be used by every stage.
const ALLOWED: &[(&str, &[&str])] = &[
    ("util", &[]),
    ("kind", &["util"]),
    ("input", &["util", "kind"]),
    ("numbering", &["util", "kind"]),
    ("dk1", &["util", "kind"]),
    ("trust", &["util", "kind", "dk1"]),
    ("model", &["util", "kind", "dk1"]),
    ("pdf", &["util", "kind", "dk1", "trust", "model"]),
    ("output", &["util", "kind", "input", "numbering", "dk1", "trust", "model", "pdf"]),
    ("issue", &["util", "kind", "input", "numbering", "dk1", "trust", "model", "pdf", "output"]),
    ("verify", &["util", "kind", "dk1", "trust", "model", "pdf"]),
    ("clerk_page", &["util", "kind", "dk1", "trust"]),
    ("archive", &["util", "kind", "dk1", "trust", "model", "pdf", "verify"]),
];

/// Files of the library outside the stage folders.
const ROOT_FILES: &[&str] = &["lib.rs", "error.rs", "main.rs"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source without `#[cfg(test)]` items (a module or item block, or a
/// `mod x;` line) and without comments.
fn production_code(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() == "#[cfg(test)]" {
            i += 1;
            // Further attributes of the same item.
            while i < lines.len() && lines[i].trim_start().starts_with("#[") {
                i += 1;
            }
            if i < lines.len() && lines[i].trim_end().ends_with(';') {
                i += 1;
                continue;
            }
            let mut depth = 0i64;
            let mut opened = false;
            while i < lines.len() {
                let l = lines[i];
                depth += l.matches('{').count() as i64 - l.matches('}').count() as i64;
                opened |= l.contains('{');
                i += 1;
                if opened && depth <= 0 {
                    break;
                }
            }
            continue;
        }
        let line = lines[i];
        let code = line.split("//").next().unwrap_or("");
        out.push_str(code);
        out.push('\n');
        i += 1;
    }
    out
}

/// The `crate::<name>` first segments named in `code`.
fn crate_paths(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        // `terbit::` paths in the binary go through the public API.
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &code[at + 7..];
        // `crate::{a::x, b}`: every first segment inside the braces.
        let group = rest.strip_prefix('{').map(|inner| {
            let mut depth = 1;
            let end = inner.char_indices().find(|(_, c)| {
                depth += match c { '{' => 1, '}' => -1, _ => 0 };
                depth == 0
            });
            &inner[..end.map_or(inner.len(), |(i, _)| i)]
        });
        let starts: Vec<&str> = match group {
            Some(g) => top_level_items(g),
            None => vec![rest],
        };
        for s in starts {
            let name: String = s.trim_start().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

/// The comma-separated items of a brace group, nested groups kept whole.
fn top_level_items(g: &str) -> Vec<&str> {
    let (mut items, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in g.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&g[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&g[start..]);
    items
}

#[test]
fn stages_import_only_the_stages_below_them() {
    let engine = Path::new(env!("CARGO_MANIFEST_DIR")).join("engine");
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut files = Vec::new();
    rust_files(&engine, &mut files);
    let mut wrong = Vec::new();
    let mut seen = BTreeSet::new();
    for path in &files {
        let rel = path.strip_prefix(&engine).unwrap().to_string_lossy().replace('\\', "/");
        let Some((folder, _)) = rel.split_once('/') else {
            assert!(ROOT_FILES.contains(&rel.as_str()), "engine/{rel}: a file outside the stage folders");
            continue;
        };
        // The binary's own screens (engine/cli) use the library's public API.
        if folder == "cli" {
            continue;
        }
        let Some(may) = allowed.get(folder) else {
            panic!("engine/{folder}/ is not a stage this test knows: add it to ALLOWED in its place");
        };
        // Files included only as test modules (`#[cfg(test)] mod x;`).
        if rel.ends_with("_tests.rs") {
            continue;
        }
        seen.insert(folder.to_string());
        let text = std::fs::read_to_string(path).unwrap();
        for used in crate_paths(&production_code(&text)) {
            let ok = used == folder || used == "error" || used == "Error" || used == "Result" || may.contains(&used.as_str());
            if !ok {
                wrong.push(format!("engine/{rel}: {folder} → {used}"));
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the order of stages:\n{}", wrong.join("\n"));
    assert_eq!(seen.len(), ALLOWED.len(), "every stage has code: {seen:?}");
}

#[test]
fn the_reader_sees_imports_and_skips_test_code() {
    let code = "use crate::kind::schema;\nuse crate::{util::fs, pdf::{a, b}};\nfn f() { crate::dk1::seal(); }\n// crate::issue in a comment\n#[cfg(test)]\nmod tests {\n    use crate::issue::x;\n}\n#[cfg(test)]\nmod more;\nterbit::issue::y();\n";
    let paths = crate_paths(&production_code(code));
    assert_eq!(paths, ["dk1", "kind", "pdf", "util"].iter().map(|s| s.to_string()).collect());
}

/// The command files (engine/cli/) are called by main.rs's dispatch and
/// never reach back into it: they name one another (`super::`) and the
/// library (`terbit::`), and no `crate::` item outside `cli`.
#[test]
fn the_command_files_never_import_from_main() {
    let cli = Path::new(env!("CARGO_MANIFEST_DIR")).join("engine/cli");
    let mut files = Vec::new();
    rust_files(&cli, &mut files);
    assert!(files.len() > 10, "{files:?}");
    let mut wrong = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        for used in crate_paths(&production_code(&text)) {
            if used != "cli" {
                wrong.push(format!("{}: crate::{used}", path.display()));
            }
        }
    }
    assert!(wrong.is_empty(), "engine/cli imports from main.rs:\n{}", wrong.join("\n"));
}
