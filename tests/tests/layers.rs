//! The core crate's layers hold (docs/architecture.md): each layer imports
//! only the layers inside it, the domain sees neither HTTP nor AWS, and no
//! two files of the core import each other, directly or round a circle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/src")
}

/// Every source file of the core crate except unit tests, by path below `src/`.
fn sources() -> BTreeMap<String, String> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "tests") {
                    walk(&path, root, out);
                }
            } else if path.extension().is_some_and(|x| x == "rs") {
                let name = path
                    .strip_prefix(root)
                    .expect("below src")
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(name, std::fs::read_to_string(&path).expect("read"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&src(), &src(), &mut out);
    out
}

/// The `use` declarations of a file (re-exports `pub use` included), each
/// joined onto one line, up to the first `#[cfg(test)]`.
fn uses(text: &str) -> Vec<String> {
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let trimmed = line.trim();
        if current.is_none()
            && (trimmed.starts_with("use ")
                || trimmed.starts_with("pub use ")
                || trimmed.starts_with("pub(crate) use "))
        {
            current = Some(String::new());
        }
        if let Some(c) = current.as_mut() {
            c.push_str(trimmed);
            c.push(' ');
            if trimmed.ends_with(';') {
                out.extend(current.take());
            }
        }
    }
    out
}

/// What each layer must not import.
const RULES: &[(&str, &[&str])] = &[
    (
        "domain/",
        &[
            "crate::api",
            "crate::store",
            "crate::lambda",
            "crate::config",
            "http::",
            "lambda_http",
            "aws_sdk",
            "aws_config",
            "aws_smithy",
            "serde_dynamo",
        ],
    ),
    (
        "store/",
        &[
            "crate::api",
            "crate::lambda",
            "crate::config",
            "lambda_http",
        ],
    ),
    (
        "api/",
        &[
            "crate::store",
            "crate::lambda",
            "crate::config",
            "aws_sdk",
            "aws_config",
            "serde_dynamo",
        ],
    ),
    ("clock.rs", &["crate::"]),
    ("secret.rs", &["crate::"]),
    ("aws.rs", &["crate::"]),
    ("jwe.rs", &["crate::"]),
    (
        "server_secret.rs",
        &["crate::api", "crate::store", "crate::lambda"],
    ),
];

#[test]
fn each_layer_imports_only_the_layers_inside_it() {
    let mut broken = Vec::new();
    for (file, text) in sources() {
        for (prefix, forbidden) in RULES {
            if !file.starts_with(prefix) {
                continue;
            }
            for line in uses(&text) {
                for f in *forbidden {
                    if line.contains(f) {
                        broken.push(format!("{file}: `{}` imports {f}", line.trim()));
                    }
                }
            }
        }
    }
    assert!(broken.is_empty(), "\n{}\n", broken.join("\n"));
}

/// The module path of a file: `api/endpoints/mod.rs` is `api::endpoints`.
fn module_of(file: &str) -> Vec<String> {
    let trimmed = file.trim_end_matches(".rs");
    let mut parts: Vec<String> = trimmed.split('/').map(str::to_owned).collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The file that defines module `path`, if there is one.
fn file_of(path: &[String], files: &BTreeMap<String, String>) -> Option<String> {
    if path.is_empty() {
        return Some("lib.rs".to_owned());
    }
    let joined = path.join("/");
    [format!("{joined}.rs"), format!("{joined}/mod.rs")]
        .into_iter()
        .find(|f| files.contains_key(f))
}

/// The files a `use` line of `file` reaches: the longest module prefix of
/// each imported path, through the re-exports of a `mod.rs` to the child
/// that defines the item.
fn targets(file: &str, line: &str, files: &BTreeMap<String, String>) -> BTreeSet<String> {
    let body = line
        .trim_start_matches("pub(crate) ")
        .trim_start_matches("pub ")
        .trim_start_matches("use ")
        .trim_end()
        .trim_end_matches(';');
    let here = module_of(file);
    let (base, rest) = if let Some(rest) = body.strip_prefix("crate::") {
        (Vec::new(), rest)
    } else if body.starts_with("super::") {
        let mut base = here.clone();
        if !file.ends_with("mod.rs") {
            base.pop();
        }
        let mut rest = body;
        while let Some(r) = rest.strip_prefix("super::") {
            rest = r;
            if r.starts_with("super::") {
                base.pop();
            }
        }
        // `super::` of a non-mod file is its parent module.
        (base, rest)
    } else {
        return BTreeSet::new();
    };
    // Expand one level of braces: `a::{b, c::D}` → `a::b`, `a::c::D`.
    let paths: Vec<String> = match rest.split_once('{') {
        Some((prefix, group)) => group
            .trim_end_matches('}')
            .split(',')
            .map(|p| format!("{prefix}{}", p.trim()))
            .collect(),
        None => vec![rest.to_owned()],
    };
    let mut out = BTreeSet::new();
    for path in paths {
        let mut parts: Vec<String> = base.clone();
        parts.extend(
            path.split("::")
                .map(|p| p.split(" as ").next().unwrap_or(p).trim().to_owned())
                .filter(|p| !p.is_empty() && p != "self" && !p.contains('{') && !p.contains('}')),
        );
        let item = parts.last().cloned().unwrap_or_default();
        while !parts.is_empty() {
            if let Some(target) = file_of(&parts, files) {
                let target = through_reexport(&target, &parts, &item, files).unwrap_or(target);
                if target != file {
                    out.insert(target);
                }
                break;
            }
            parts.pop();
        }
    }
    out
}

/// If `item` reaches `target` (a `mod.rs`) only as a re-export of one of its
/// children, that child's file.
fn through_reexport(
    target: &str,
    module: &[String],
    item: &str,
    files: &BTreeMap<String, String>,
) -> Option<String> {
    let text = files.get(target)?;
    uses(text).into_iter().find_map(|line| {
        let body = line.trim().strip_prefix("pub use ")?;
        let (child, names) = body.split_once("::")?;
        let listed = names
            .trim_end_matches(';')
            .trim_matches(|c| c == '{' || c == '}' || c == ' ')
            .split(',')
            .any(|n| n.trim() == item);
        if !listed {
            return None;
        }
        let mut path = module.to_vec();
        if path.last().is_some_and(|l| l == item) {
            path.pop();
        }
        path.push(child.to_owned());
        file_of(&path, files)
    })
}

#[test]
fn no_two_files_of_the_core_import_each_other() {
    let files = sources();
    let graph: BTreeMap<String, BTreeSet<String>> = files
        .iter()
        .map(|(file, text)| {
            let reached = uses(text)
                .iter()
                .filter(|l| !l.trim_start().starts_with("pub use"))
                .flat_map(|l| targets(file, l, &files))
                .collect();
            (file.clone(), reached)
        })
        .collect();
    // Depth-first search for a back edge; report the circle it closes.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut circle = stack[at..].to_vec();
            circle.push(node.to_owned());
            return Some(circle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(circle) = visit(next, graph, stack, done) {
                return Some(circle);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        let circle = visit(node, &graph, &mut Vec::new(), &mut done);
        assert!(
            circle.is_none(),
            "an import circle: {}",
            circle.unwrap_or_default().join(" → ")
        );
    }
    // The graph is not empty: the test reads real imports.
    assert!(
        graph["api/pipeline.rs"].contains("api/router.rs"),
        "{:?}",
        graph["api/pipeline.rs"]
    );
    let poll = &graph["domain/login_attempt/poll.rs"];
    assert!(
        poll.iter().any(|f| f.starts_with("domain/store/")),
        "{poll:?}"
    );
}
