//! The SAM template, the function crates and the route table agree: every
//! endpoint has its function crate, and a function in the template with the
//! right binary and a route under both prefixes.

use std::path::PathBuf;

use cli_auth_core::http::routes::{Endpoint, PREFIXES};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The template's function blocks: each starts at a resource of type
/// `AWS::Serverless::Function` and runs to the next resource.
fn function_blocks(template: &str) -> Vec<String> {
    let mut blocks: Vec<String> = Vec::new();
    let mut current: Option<String> = None;
    for line in template.lines() {
        let is_resource =
            line.starts_with("  ") && !line.starts_with("   ") && line.trim_end().ends_with(':');
        if is_resource {
            if let Some(block) = current.take() {
                blocks.push(block);
            }
            current = Some(String::new());
        }
        if let Some(block) = current.as_mut() {
            block.push_str(line);
            block.push('\n');
        }
    }
    blocks.extend(current);
    blocks.retain(|b| b.contains("Type: AWS::Serverless::Function"));
    blocks
}

#[test]
fn every_endpoint_is_a_function_with_both_routes() {
    let template = std::fs::read_to_string(root().join("template.yaml")).expect("template.yaml");
    let blocks = function_blocks(&template);
    assert_eq!(
        blocks.len(),
        Endpoint::ALL.len(),
        "one function per endpoint"
    );
    for e in Endpoint::ALL {
        let name = e.function_name();
        assert!(
            root()
                .join("functions")
                .join(name)
                .join("Cargo.toml")
                .exists(),
            "functions/{name}"
        );
        let block = blocks
            .iter()
            .find(|b| b.contains(&format!("Binary: {name}\n")))
            .unwrap_or_else(|| panic!("{name} in template.yaml"));
        assert!(
            block.contains(&format!("Method: {}\n", e.method())),
            "{name} method"
        );
        for prefix in PREFIXES {
            assert!(
                block.contains(&format!("Path: {prefix}{}\n", e.path())),
                "{name} under {prefix}"
            );
        }
    }
}

#[test]
fn every_function_crate_is_an_endpoint() {
    let crates: Vec<String> = std::fs::read_dir(root().join("functions"))
        .expect("functions/")
        .map(|d| d.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    for c in &crates {
        assert!(
            Endpoint::ALL.iter().any(|e| e.function_name() == c),
            "{c} serves no endpoint"
        );
    }
    assert_eq!(crates.len(), Endpoint::ALL.len());
}

/// `cargo lambda watch`'s router (in the workspace Cargo.toml) maps every
/// route under both prefixes to its function, as API Gateway does.
#[test]
fn the_watch_router_serves_every_route() {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).expect("Cargo.toml");
    let router = manifest
        .split("[workspace.metadata.lambda.watch.router]")
        .nth(1)
        .expect("a watch router");
    for e in Endpoint::ALL {
        for prefix in PREFIXES {
            let line = router
                .lines()
                .find(|l| l.starts_with(&format!("\"{prefix}{}\" = ", e.path())))
                .unwrap_or_else(|| panic!("{prefix}{} in the router", e.path()));
            let entry = format!(
                "{{ method = \"{}\", function = \"{}\" }}",
                e.method(),
                e.function_name()
            );
            assert!(line.contains(&entry), "{line} routes {entry}");
        }
    }
}
