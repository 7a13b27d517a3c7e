//! What every endpoint needs besides its module, checked for every entry of
//! the endpoint table (`cli_auth_core::api::endpoints::ALL`). Adding an
//! endpoint is: its module, one line in the table, then this test names
//! each missing piece (function crate, template function with routes under
//! both prefixes and a log group, `cargo lambda watch` routes, `events/`
//! fixtures, OpenAPI operation) until there are none.

use std::path::PathBuf;

use cli_auth_core::api::endpoint::{Endpoint, Route};
use cli_auth_core::api::endpoints;
use cli_auth_core::api::router::PREFIXES;
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The template's resources: (logical id, block text), each block running
/// from its `  Name:` line to the next resource.
fn resources(template: &str) -> Vec<(String, String)> {
    let mut blocks: Vec<(String, String)> = Vec::new();
    let mut in_resources = false;
    for line in template.lines() {
        if !line.starts_with(' ') && !line.is_empty() {
            in_resources = line.trim_end() == "Resources:";
            continue;
        }
        if !in_resources {
            continue;
        }
        let is_resource =
            line.starts_with("  ") && !line.starts_with("   ") && line.trim_end().ends_with(':');
        if is_resource {
            let name = line.trim().trim_end_matches(':').to_owned();
            blocks.push((name, String::new()));
        }
        if let Some((_, block)) = blocks.last_mut() {
            block.push_str(line);
            block.push('\n');
        }
    }
    blocks
}

/// The pieces `e` lacks, each named so that the message says what to add.
fn missing(e: &Endpoint, template: &str, manifest: &str, openapi: &Value) -> Vec<String> {
    let name = e.route.function;
    let module = name.replace('-', "_");
    let mut missing = Vec::new();

    // A thin function crate whose main runs this endpoint.
    let main = std::fs::read_to_string(root().join(format!("functions/{name}/src/main.rs")));
    match main {
        Err(_) => missing.push(format!("the crate functions/{name} (with src/main.rs)")),
        Ok(main) if !main.contains(&format!("endpoints::{module}::")) => missing.push(format!(
            "functions/{name}/src/main.rs running a handler of endpoints::{module}"
        )),
        Ok(_) => {}
    }
    let manifest_of_crate =
        std::fs::read_to_string(root().join(format!("functions/{name}/Cargo.toml")))
            .unwrap_or_default();
    if !manifest_of_crate.contains(&format!("name = \"{name}\"")) {
        missing.push(format!(
            "functions/{name}/Cargo.toml with name = \"{name}\""
        ));
    }

    // A template function building this binary, with both routes, and its log group.
    let resources = resources(template);
    let function = resources.iter().find(|(_, block)| {
        block.contains("Type: AWS::Serverless::Function")
            && block.contains(&format!("Binary: {name}\n"))
    });
    match function {
        None => missing.push(format!(
            "a function in template.yaml with `BuildProperties: Binary: {name}`"
        )),
        Some((id, block)) => {
            for prefix in PREFIXES {
                let route = format!(
                    "Method: {}\n              Path: {prefix}{}\n",
                    e.route.method, e.route.path
                );
                let alt = format!(
                    "Method: {}\n            Path: {prefix}{}\n",
                    e.route.method, e.route.path
                );
                if !block.contains(&route) && !block.contains(&alt) {
                    missing.push(format!(
                        "an HttpApi event of {id} with Method: {} and Path: {prefix}{}",
                        e.route.method, e.route.path
                    ));
                }
            }
            let log_group = resources.iter().any(|(_, b)| {
                b.contains("Type: AWS::Logs::LogGroup")
                    && b.contains(&format!("LogGroupName: !Sub \"/aws/lambda/${{{id}}}\""))
            });
            if !log_group {
                missing.push(format!(
                    "a log group in template.yaml named \"/aws/lambda/${{{id}}}\""
                ));
            }
        }
    }

    // `cargo lambda watch` routes, under both prefixes.
    let router = manifest
        .split("[workspace.metadata.lambda.watch.router]")
        .nth(1)
        .unwrap_or_default();
    for prefix in PREFIXES {
        let entry = format!(
            "{{ method = \"{}\", function = \"{name}\" }}",
            e.route.method
        );
        let routed = router.lines().any(|l| {
            l.starts_with(&format!("\"{prefix}{}\" = ", e.route.path)) && l.contains(&entry)
        });
        if !routed {
            missing.push(format!(
                "the watch router line \"{prefix}{}\" = [{entry}] in Cargo.toml",
                e.route.path
            ));
        }
    }

    // Fixtures (tests/tests/fixtures.rs runs each, and wants an expectation for each).
    let fixtures = std::fs::read_dir(root().join(format!("events/{name}")))
        .map(|dir| {
            dir.filter_map(Result::ok)
                .filter(|f| f.path().extension().is_some_and(|x| x == "json"))
                .count()
        })
        .unwrap_or(0);
    if fixtures < 2 {
        missing.push(format!(
            "API Gateway fixtures in events/{name}/ (a success and a failure), with their \
             expectations in tests/support/fixtures.rs"
        ));
    }

    // An OpenAPI operation.
    let operation = &openapi["paths"][e.route.path][e.route.method.as_str().to_lowercase()];
    if !operation.is_object() {
        missing.push(format!(
            "the operation {} {} in docs/openapi.json",
            e.route.method.as_str().to_lowercase(),
            e.route.path
        ));
    }
    missing
}

#[test]
fn every_endpoint_has_everything_it_needs() {
    let template = read("template.yaml");
    let manifest = read("Cargo.toml");
    let openapi: Value = serde_json::from_str(&read("docs/openapi.json")).expect("openapi JSON");
    let report: Vec<String> = endpoints::ALL
        .iter()
        .flat_map(|e| {
            missing(e, &template, &manifest, &openapi)
                .into_iter()
                .map(move |m| format!("{}: missing {m}", e.route.function))
        })
        .collect();
    assert!(report.is_empty(), "\n{}\n", report.join("\n"));
}

#[test]
fn every_function_is_an_endpoint() {
    let crates: Vec<String> = std::fs::read_dir(root().join("functions"))
        .expect("functions/")
        .map(|d| d.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    for c in &crates {
        assert!(
            endpoints::by_function(c).is_some(),
            "functions/{c} serves no endpoint"
        );
    }
    let template = read("template.yaml");
    let functions = resources(&template)
        .into_iter()
        .filter(|(_, b)| b.contains("Type: AWS::Serverless::Function"))
        .count();
    assert_eq!(
        functions,
        endpoints::ALL.len(),
        "one template function per endpoint"
    );
    assert_eq!(
        crates.len(),
        endpoints::ALL.len(),
        "one function crate per endpoint"
    );
}

/// The checklist notices what it should: an endpoint nobody wired up is
/// reported piece by piece.
#[test]
fn an_unwired_endpoint_is_reported_piece_by_piece() {
    struct Unwired;
    impl cli_auth_core::api::endpoint::Handler for Unwired {
        const ROUTE: Route = Route::new(http::Method::POST, "/not/wired", "not-wired", &[]);
        type Body = cli_auth_core::api::body::NoBody;
        async fn handle(
            _: &cli_auth_core::api::context::Context<'_>,
            _: Self::Body,
        ) -> cli_auth_core::api::endpoint::HandlerResult {
            unreachable!("never called")
        }
    }
    let e = Endpoint::of::<Unwired>();
    let openapi: Value = serde_json::from_str(&read("docs/openapi.json")).expect("openapi JSON");
    let missing = missing(&e, &read("template.yaml"), &read("Cargo.toml"), &openapi);
    let text = missing.join("\n");
    for piece in [
        "functions/not-wired",
        "Binary: not-wired",
        "watch router line \"/api/v1/not/wired\"",
        "watch router line \"/api/latest/not/wired\"",
        "events/not-wired/",
        "post /not/wired in docs/openapi.json",
    ] {
        assert!(text.contains(piece), "{piece} in:\n{text}");
    }
}
