//! The layers hold (docs/architecture.md). Cargo holds the first rule: the
//! domain is its own crate (`shared/domain`), and its resolved dependency
//! graph has no HTTP and no AWS SDK crate, checked here on `cargo metadata`.
//! What Cargo cannot say is checked on the source, parsed with `syn`:
//! every path of every file (`use` trees, `pub use` re-exports and inline
//! paths in code, types and macro arguments), resolved through the file's
//! imports, so that inside the core the adapters never name the HTTP layer,
//! the HTTP layer never names an adapter or the AWS SDK, and no two files of
//! either crate import each other, directly or round a circle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use cli_auth_tests::template::repository_root;
use syn::visit::Visit;

/// Crates the domain may not depend on, directly or through another crate.
const NOT_IN_THE_DOMAIN: &[&str] = &["http", "hyper", "lambda_http", "aws-config", "serde_dynamo"];
const NOT_IN_THE_DOMAIN_PREFIXES: &[&str] = &["aws-sdk-", "aws-smithy-", "aws-sigv4", "lambda_"];

/// What each part of the core must not name (absolute paths, `crate::…`
/// for the core's own modules, a crate's name for another crate).
const CORE_RULES: &[(&str, &[&str])] = &[
    (
        "store/",
        &[
            "crate::api",
            "crate::lambda",
            "crate::config",
            "lambda_http",
            "http",
        ],
    ),
    (
        "api/",
        &[
            "crate::store",
            "crate::lambda",
            "crate::config",
            "aws_sdk_dynamodb",
            "aws_sdk_secretsmanager",
            "aws_config",
            "aws_smithy_types",
            "aws_smithy_runtime_api",
            "serde_dynamo",
        ],
    ),
    // What endpoints share sits below them.
    ("api/shapes/", &["crate::api::endpoints"]),
    ("aws.rs", &["crate::"]),
    (
        "server_secret.rs",
        &["crate::api", "crate::store", "crate::lambda"],
    ),
];

/// What each part of the domain crate must not name.
const DOMAIN_RULES: &[(&str, &[&str])] = &[
    ("clock.rs", &["crate::"]),
    ("secret.rs", &["crate::"]),
    ("jwe.rs", &["crate::"]),
];

/// A crate's source files below `src/` (unit-test files excluded), parsed.
struct Crate {
    files: BTreeMap<String, syn::File>,
}

impl Crate {
    fn read(src: &Path) -> Self {
        fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, syn::File>) {
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
                    let text = std::fs::read_to_string(&path).expect("read");
                    out.insert(name, syn::parse_file(&text).expect("parses"));
                }
            }
        }
        let mut files = BTreeMap::new();
        walk(src, src, &mut files);
        Self { files }
    }

    fn from_sources(sources: &[(&str, &str)]) -> Self {
        Self {
            files: sources
                .iter()
                .map(|(name, text)| ((*name).to_owned(), syn::parse_file(text).expect("parses")))
                .collect(),
        }
    }

    /// Every path each file names, absolute: `crate::a::b`, or an external
    /// crate's `name::…`.
    fn paths(&self) -> BTreeMap<&str, BTreeSet<Vec<String>>> {
        self.files
            .iter()
            .map(|(name, file)| {
                let here = module_of(name);
                let paths = paths_of(name, file)
                    .into_iter()
                    .map(|p| self.anchored(&here, p))
                    .collect();
                (name.as_str(), paths)
            })
            .collect()
    }

    /// A path that starts with a child module of `here` (`use inner::X`
    /// in the file that declares `mod inner`), as `crate::…`.
    fn anchored(&self, here: &[String], path: Vec<String>) -> Vec<String> {
        let Some(first) = path.first() else {
            return path;
        };
        let mut child = here[1..].to_vec();
        child.push(first.clone());
        if first != "crate" && self.file_of(&child).is_some() {
            here.iter().cloned().chain(path).collect()
        } else {
            path
        }
    }

    /// The file that defines module `path`.
    fn file_of(&self, path: &[String]) -> Option<String> {
        if path.is_empty() {
            return Some("lib.rs".to_owned());
        }
        let joined = path.join("/");
        [format!("{joined}.rs"), format!("{joined}/mod.rs")]
            .into_iter()
            .find(|f| self.files.contains_key(f))
    }

    /// The file an absolute `crate::` path reaches: the longest module
    /// prefix that is a file, then through that file's `pub use` of the next
    /// name to the file that defines it.
    fn file_reached(&self, path: &[String], depth: usize) -> Option<String> {
        let inside = path.strip_prefix(&["crate".to_owned()])?;
        for len in (0..=inside.len()).rev() {
            let module = &inside[..len];
            let Some(file) = self.file_of(module) else {
                continue;
            };
            let rest = &inside[len..];
            let target = rest
                .first()
                .filter(|_| depth < 8)
                .and_then(|name| reexports(&file, &self.files[&file]).get(name).cloned());
            if let Some(target) = target {
                let mut full = self.anchored(&module_of(&file), target);
                // Another crate's item, re-exported: no file of this crate.
                if full.first().is_none_or(|f| f != "crate") {
                    return None;
                }
                full.extend(rest[1..].iter().cloned());
                return self.file_reached(&full, depth + 1).or(Some(file));
            }
            return Some(file);
        }
        None
    }
}

/// The module path of a file: `api/endpoints/mod.rs` is `crate::api::endpoints`.
fn module_of(file: &str) -> Vec<String> {
    let mut parts = vec!["crate".to_owned()];
    parts.extend(file.trim_end_matches(".rs").split('/').map(str::to_owned));
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// A use tree, flattened: (the name it binds, the path it names).
fn flatten(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<(String, Vec<String>)>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            flatten(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) if n.ident == "self" => {
            out.push((prefix.last().cloned().unwrap_or_default(), prefix.clone()));
        }
        syn::UseTree::Name(n) => {
            let mut path = prefix.clone();
            path.push(n.ident.to_string());
            out.push((n.ident.to_string(), path));
        }
        syn::UseTree::Rename(r) => {
            let mut path = prefix.clone();
            path.push(r.ident.to_string());
            out.push((r.rename.to_string(), path));
        }
        syn::UseTree::Glob(_) => out.push(("*".to_owned(), prefix.clone())),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                flatten(t, prefix, out);
            }
        }
    }
}

/// `path` as written in the module `here`, made absolute: `crate::…`,
/// `super::…` and `self::…` from the module, a name the file imports
/// through its import, anything else as written (another crate, or a local
/// name, which names no other file).
fn absolute(
    path: &[String],
    here: &[String],
    imports: &BTreeMap<String, Vec<String>>,
) -> Vec<String> {
    let Some(first) = path.first() else {
        return Vec::new();
    };
    match first.as_str() {
        "crate" => path.to_vec(),
        "self" => here.iter().chain(&path[1..]).cloned().collect(),
        "super" => {
            let mut base = here.to_vec();
            let mut rest = path;
            while rest.first().is_some_and(|s| s == "super") {
                base.pop();
                rest = &rest[1..];
            }
            base.into_iter().chain(rest.iter().cloned()).collect()
        }
        name => match imports.get(name) {
            Some(target) if target.first() != Some(first) => {
                let mut full = absolute(target, here, &BTreeMap::new());
                full.extend(path[1..].iter().cloned());
                full
            }
            _ => path.to_vec(),
        },
    }
}

/// The names a file's `pub use` declarations re-export, with what each names.
fn reexports(file: &str, parsed: &syn::File) -> BTreeMap<String, Vec<String>> {
    let here = module_of(file);
    let mut out = BTreeMap::new();
    for item in &parsed.items {
        if let syn::Item::Use(u) = item
            && !matches!(u.vis, syn::Visibility::Inherited)
        {
            let mut flat = Vec::new();
            flatten(&u.tree, &mut Vec::new(), &mut flat);
            for (name, path) in flat {
                out.insert(name, absolute(&path, &here, &BTreeMap::new()));
            }
        }
    }
    out
}

/// Every path a file names, absolute (see [`absolute`]).
fn paths_of(file: &str, parsed: &syn::File) -> BTreeSet<Vec<String>> {
    let here = module_of(file);
    let mut collector = Paths::default();
    collector.visit_file(parsed);
    let imports: BTreeMap<String, Vec<String>> = collector
        .uses
        .iter()
        .map(|(name, path)| (name.clone(), absolute(path, &here, &BTreeMap::new())))
        .collect();
    collector
        .uses
        .iter()
        .map(|(_, path)| absolute(path, &here, &BTreeMap::new()))
        .chain(
            collector
                .inline
                .iter()
                .map(|path| absolute(path, &here, &imports)),
        )
        .collect()
}

/// Collects use trees and every other path, macro arguments included.
#[derive(Default)]
struct Paths {
    uses: Vec<(String, Vec<String>)>,
    inline: Vec<Vec<String>>,
}

impl<'ast> Visit<'ast> for Paths {
    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        flatten(&u.tree, &mut Vec::new(), &mut self.uses);
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        self.inline
            .push(p.segments.iter().map(|s| s.ident.to_string()).collect());
        syn::visit::visit_path(self, p);
    }

    // `pub(super)` names a module's visibility, not something it uses.
    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {}

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        syn::visit::visit_macro(self, m);
        // Arguments that parse as expressions (format!, assert!, vec!,
        // tracing's macros) are code too.
        let parser = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
        if let Ok(args) = m.parse_body_with(parser) {
            for arg in &args {
                self.visit_expr(arg);
            }
        }
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        // Unit tests may use anything.
        let is_test = m.attrs.iter().any(|a| {
            a.path().is_ident("cfg") && a.parse_args::<syn::Ident>().is_ok_and(|i| i == "test")
        });
        if !is_test {
            syn::visit::visit_item_mod(self, m);
        }
    }
}

/// What breaks `rules`, one line each.
fn violations(krate: &Crate, rules: &[(&str, &[&str])]) -> Vec<String> {
    let mut broken = BTreeSet::new();
    for (file, paths) in krate.paths() {
        let here = module_of(file);
        // A file naming its own items (`crate::clock::Millis` in clock.rs).
        let paths: Vec<&Vec<String>> = paths.iter().filter(|p| !p.starts_with(&here)).collect();
        for (prefix, forbidden) in rules {
            if !file.starts_with(prefix) {
                continue;
            }
            for path in &paths {
                let text = path.join("::");
                for f in *forbidden {
                    let hit = match f.strip_suffix("::") {
                        Some(root) => path.len() > 1 && path[0] == root,
                        None => text == *f || text.starts_with(&format!("{f}::")),
                    };
                    if hit {
                        broken.insert(format!("{file}: names `{text}` ({f} is outside its layer)"));
                    }
                }
            }
        }
    }
    broken.into_iter().collect()
}

/// The files each file reaches through `crate::` paths.
fn graph(krate: &Crate) -> BTreeMap<String, BTreeSet<String>> {
    krate
        .paths()
        .into_iter()
        .map(|(file, paths)| {
            let reached = paths
                .iter()
                .filter_map(|p| krate.file_reached(p, 0))
                .filter(|target| target != file)
                .collect();
            (file.to_owned(), reached)
        })
        .collect()
}

/// An import circle among the files, if there is one.
fn circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
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
            if let Some(found) = visit(next, graph, stack, done) {
                return Some(found);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

fn core() -> Crate {
    Crate::read(&repository_root().join("shared/src"))
}

fn domain() -> Crate {
    Crate::read(&repository_root().join("shared/domain/src"))
}

#[test]
fn the_domain_crate_depends_on_no_http_and_no_aws_sdk() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .current_dir(repository_root())
        .output()
        .expect("cargo metadata");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let nodes = meta["resolve"]["nodes"].as_array().expect("resolve");
    let name_of = |id: &str| {
        meta["packages"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["id"] == id)
            .and_then(|p| p["name"].as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let domain = nodes
        .iter()
        .find(|n| name_of(n["id"].as_str().unwrap_or_default()) == "cli-auth-domain")
        .expect("the cli-auth-domain package");
    // Everything it builds with, through normal (not dev or build) edges.
    let mut seen = BTreeSet::new();
    let mut todo = vec![domain["id"].as_str().unwrap_or_default().to_owned()];
    while let Some(id) = todo.pop() {
        let node = nodes.iter().find(|n| n["id"] == id.as_str()).expect("node");
        for dep in node["deps"].as_array().into_iter().flatten() {
            let normal = dep["dep_kinds"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|k| k["kind"].is_null());
            let dep_id = dep["pkg"].as_str().unwrap_or_default().to_owned();
            if normal && seen.insert(dep_id.clone()) {
                todo.push(dep_id);
            }
        }
    }
    let names: BTreeSet<String> = seen.iter().map(|id| name_of(id)).collect();
    let forbidden: Vec<&String> = names
        .iter()
        .filter(|n| {
            NOT_IN_THE_DOMAIN.contains(&n.as_str())
                || NOT_IN_THE_DOMAIN_PREFIXES.iter().any(|p| n.starts_with(p))
        })
        .collect();
    assert!(forbidden.is_empty(), "the domain builds with {forbidden:?}");
    // The walk saw the real graph.
    assert!(
        names.contains("serde_json") && names.contains("async-trait"),
        "{names:?}"
    );
}

#[test]
fn each_layer_of_the_core_names_only_the_layers_inside_it() {
    let broken = violations(&core(), CORE_RULES);
    assert!(broken.is_empty(), "\n{}\n", broken.join("\n"));
    let broken = violations(&domain(), DOMAIN_RULES);
    assert!(broken.is_empty(), "\n{}\n", broken.join("\n"));
}

#[test]
fn no_two_files_import_each_other() {
    for krate in [core(), domain()] {
        let graph = graph(&krate);
        if let Some(found) = circle(&graph) {
            panic!("an import circle: {}", found.join(" → "));
        }
    }
    // The graphs are not empty: the test reads real imports, through
    // re-exports to the file that defines an item.
    let core = graph(&core());
    assert!(
        core["api/pipeline.rs"].contains("api/router.rs"),
        "{:?}",
        core["api/pipeline.rs"]
    );
    let domain = graph(&domain());
    let poll = &domain["domain/login_attempt/poll.rs"];
    assert!(poll.contains("domain/store/attempts.rs"), "{poll:?}");
}

/// `api/endpoints/` is one module per endpoint: every file but the table
/// and the prelude implements `Handler`; what endpoints share goes in
/// `api/shapes/`.
#[test]
fn the_endpoints_folder_holds_one_module_per_endpoint() {
    let core = core();
    let mut endpoints = 0;
    for (name, file) in &core.files {
        let Some(module) = name.strip_prefix("api/endpoints/") else {
            continue;
        };
        if module == "mod.rs" || module == "prelude.rs" {
            continue;
        }
        let handlers = file
            .items
            .iter()
            .filter(|item| match item {
                syn::Item::Impl(i) => i
                    .trait_
                    .as_ref()
                    .and_then(|(_, path, _)| path.segments.last())
                    .is_some_and(|s| s.ident == "Handler"),
                _ => false,
            })
            .count();
        assert_eq!(
            handlers, 1,
            "{name}: a module of endpoints/ implements Handler once"
        );
        endpoints += 1;
    }
    assert!(endpoints >= 20, "only {endpoints} endpoint modules read");
}

/// The checks see what a text match missed: an inline path in code, a path
/// reached through an import of its module, a macro's argument, a `pub use`,
/// and a circle closed through a re-export.
#[test]
fn the_checks_see_every_kind_of_path() {
    let krate = Crate::from_sources(&[
        ("lib.rs", "pub mod api; pub mod store;"),
        (
            "store/mod.rs",
            "pub mod memory; pub use memory::MemoryStore;",
        ),
        (
            "store/memory.rs",
            "pub struct MemoryStore; pub fn f() -> http::StatusCode { todo!() }",
        ),
        (
            "api/inline.rs",
            "fn f() { let _ = crate::store::memory::MemoryStore; }",
        ),
        (
            "api/through_import.rs",
            "use crate::store; fn f() { store::f(); }",
        ),
        (
            "api/in_macro.rs",
            "fn f() { println!(\"{}\", aws_sdk_dynamodb::VERSION); }",
        ),
        (
            "api/reexport.rs",
            "pub use crate::store::MemoryStore as Store;",
        ),
        (
            "api/tested.rs",
            "#[cfg(test)] mod tests { use crate::store::MemoryStore; }",
        ),
    ]);
    let text = violations(&krate, CORE_RULES).join("\n");
    for expected in [
        "store/memory.rs: names `http::StatusCode`",
        "api/inline.rs: names `crate::store::memory::MemoryStore`",
        "api/through_import.rs: names `crate::store::f`",
        "api/in_macro.rs: names `aws_sdk_dynamodb::VERSION`",
        "api/reexport.rs: names `crate::store::MemoryStore`",
    ] {
        assert!(text.contains(expected), "{expected} in:\n{text}");
    }
    assert!(
        !text.contains("api/tested.rs"),
        "unit tests may name anything:\n{text}"
    );

    let circular = Crate::from_sources(&[
        ("lib.rs", "pub mod a; pub mod b;"),
        ("a/mod.rs", "mod inner; pub use inner::Thing;"),
        ("a/inner.rs", "pub struct Thing; fn f() { crate::b::g(); }"),
        ("b.rs", "use crate::a::Thing; pub fn g() {}"),
    ]);
    let found = circle(&graph(&circular)).expect("a circle");
    assert!(
        found.contains(&"a/inner.rs".to_owned()) && found.contains(&"b.rs".to_owned()),
        "{found:?}"
    );
}
