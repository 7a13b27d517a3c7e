//! What every endpoint needs besides its module, checked for every entry of
//! the endpoint table (`cli_auth_core::api::endpoints::ALL`). Adding an
//! endpoint is: its module, one line in the table, then this test names
//! each missing piece (a binary of the functions package, a template
//! function with routes under both prefixes and a log group, `cargo lambda
//! watch` routes, `events/` fixtures, OpenAPI operation) until there are none.
//! The template and the manifests are read with parsers
//! (`cli_auth_tests::template`).

use cli_auth_core::api::endpoint::{Endpoint, Route};
use cli_auth_core::api::endpoints;
use cli_auth_core::api::router::PREFIXES;
use cli_auth_core::pages::{self, PageRoute};
use cli_auth_tests::template::{self, functions, log_groups_of_functions, manifest, read};
use serde_json::Value;

/// Everything the checklist reads, parsed once.
struct Layout {
    template: serde_yaml_ng::Value,
    /// The root manifest (its `cargo lambda watch` router).
    workspace: toml::Table,
    /// `functions/Cargo.toml`.
    functions: toml::Table,
    openapi: Value,
}

impl Layout {
    fn read() -> Self {
        Self {
            template: template::template(),
            workspace: manifest("Cargo.toml"),
            functions: manifest("functions/Cargo.toml"),
            openapi: serde_json::from_str(&read("docs/openapi.json")).expect("openapi JSON"),
        }
    }

    /// The functions package's binaries: (name, path, built for tests).
    fn binaries(&self) -> Vec<(String, String, bool)> {
        self.functions["bin"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|b| {
                (
                    b["name"].as_str().unwrap_or_default().to_owned(),
                    b["path"].as_str().unwrap_or_default().to_owned(),
                    b.get("test").and_then(toml::Value::as_bool).unwrap_or(true),
                )
            })
            .collect()
    }
}

/// The pieces `e` lacks, each named so that the message says what to add.
fn missing(e: &Endpoint, layout: &Layout) -> Vec<String> {
    let name = e.route.function;
    let module = name.replace('-', "_");
    let mut missing = Vec::new();

    // A binary of the functions package that runs this endpoint.
    match layout.binaries().into_iter().find(|(bin, ..)| bin == name) {
        None => missing.push(format!(
            "a [[bin]] named \"{name}\" in functions/Cargo.toml (src/bin/{name}.rs)"
        )),
        Some((_, path, test)) => {
            let main =
                std::fs::read_to_string(template::repository_root().join("functions").join(&path))
                    .unwrap_or_default();
            if !main.contains(&format!("endpoints::{module}::")) {
                missing.push(format!(
                    "functions/{path} running a handler of endpoints::{module}"
                ));
            }
            if test {
                missing.push(format!(
                    "test = false on the [[bin]] \"{name}\" (functions/tests/runtime.rs tests it)"
                ));
            }
        }
    }
    let runtime_test = read("functions/tests/runtime.rs");
    if !runtime_test.contains(&format!("{module}: \"{name}\"")) {
        missing.push(format!(
            "function_answers_its_fixtures!({module}: \"{name}\") in functions/tests/runtime.rs"
        ));
    }

    // A template function building this binary, with both routes, and its log group.
    let functions = functions(&layout.template);
    match functions.iter().find(|f| f.binary.as_deref() == Some(name)) {
        None => missing.push(format!(
            "a function in template.yaml with `BuildProperties: Binary: {name}`"
        )),
        Some(f) => {
            for prefix in PREFIXES {
                let route = (
                    e.route.method.to_string(),
                    format!("{prefix}{}", e.route.path),
                );
                if !f.routes.contains(&route) {
                    missing.push(format!(
                        "an HttpApi event of {} with Method: {} and Path: {}",
                        f.id, route.0, route.1
                    ));
                }
            }
            if !log_groups_of_functions(&layout.template).contains(&f.id) {
                missing.push(format!(
                    "a log group in template.yaml named \"/aws/lambda/${{{}}}\"",
                    f.id
                ));
            }
        }
    }

    // `cargo lambda watch` routes, under both prefixes.
    let router = &layout.workspace["workspace"]["metadata"]["lambda"]["watch"]["router"];
    for prefix in PREFIXES {
        let path = format!("{prefix}{}", e.route.path);
        let routed = router
            .get(&path)
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
            .any(|r| {
                r["method"].as_str() == Some(e.route.method.as_str())
                    && r["function"].as_str() == Some(name)
            });
        if !routed {
            missing.push(format!(
                "the watch router line \"{path}\" = [{{ method = \"{}\", function = \"{name}\" }}] in Cargo.toml",
                e.route.method
            ));
        }
    }

    // Fixtures (tests/tests/fixtures.rs runs each, and wants an expectation for each).
    let fixtures = std::fs::read_dir(template::repository_root().join(format!("events/{name}")))
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
    let operation = &layout.openapi["paths"][e.route.path][e.route.method.as_str().to_lowercase()];
    if !operation.is_object() {
        missing.push(format!(
            "the operation {} {} in docs/openapi.json",
            e.route.method.as_str().to_lowercase(),
            e.route.path
        ));
    }
    missing
}

/// The pieces a route of the hosted page lacks: as an endpoint's, without
/// the API prefixes and the OpenAPI operation (it is HTML, not the API).
fn missing_page_pieces(route: &PageRoute, layout: &Layout) -> Vec<String> {
    let name = route.function;
    let module = name.replace('-', "_");
    let mut missing = Vec::new();
    match layout.binaries().into_iter().find(|(bin, ..)| bin == name) {
        None => missing.push(format!(
            "a [[bin]] named \"{name}\" in functions/Cargo.toml"
        )),
        Some((_, path, test)) => {
            let main =
                std::fs::read_to_string(template::repository_root().join("functions").join(&path))
                    .unwrap_or_default();
            if !main.contains(&format!("run_page(\"{name}\")")) {
                missing.push(format!(
                    "functions/{path} calling lambda::run_page(\"{name}\")"
                ));
            }
            if test {
                missing.push(format!("test = false on the [[bin]] \"{name}\""));
            }
        }
    }
    if !read("functions/tests/runtime.rs").contains(&format!("{module}: \"{name}\"")) {
        missing.push(format!(
            "function_answers_its_fixtures!({module}: \"{name}\")"
        ));
    }
    let functions = functions(&layout.template);
    match functions.iter().find(|f| f.binary.as_deref() == Some(name)) {
        None => missing.push(format!("a template function with `Binary: {name}`")),
        Some(f) => {
            let route = (route.method.to_string(), route.path.to_owned());
            if !f.routes.contains(&route) {
                missing.push(format!(
                    "an HttpApi event of {} for {} {}",
                    f.id, route.0, route.1
                ));
            }
            if !log_groups_of_functions(&layout.template).contains(&f.id) {
                missing.push(format!("a log group for {}", f.id));
            }
        }
    }
    let router = &layout.workspace["workspace"]["metadata"]["lambda"]["watch"]["router"];
    let routed = router
        .get(route.path)
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .any(|r| {
            r["method"].as_str() == Some(route.method.as_str())
                && r["function"].as_str() == Some(name)
        });
    if !routed {
        missing.push(format!(
            "the watch router line \"{}\" for {name}",
            route.path
        ));
    }
    if cli_auth_tests::fixtures::fixtures_of(name).len() < 2 {
        missing.push(format!(
            "two fixtures in events/{name}/ with their page expectations"
        ));
    }
    missing
}

#[test]
fn every_page_route_has_everything_it_needs() {
    let layout = Layout::read();
    let report: Vec<String> = pages::ROUTES
        .iter()
        .flat_map(|r| {
            missing_page_pieces(r, &layout)
                .into_iter()
                .map(move |m| format!("{}: missing {m}", r.function))
        })
        .collect();
    assert!(report.is_empty(), "\n{}\n", report.join("\n"));
}

/// A function of the package: an endpoint's, or a route's of the page.
fn is_a_function(name: &str) -> bool {
    endpoints::by_function(name).is_some() || pages::route_by_function(name).is_some()
}

#[test]
fn every_endpoint_has_everything_it_needs() {
    let layout = Layout::read();
    let report: Vec<String> = endpoints::ALL
        .iter()
        .flat_map(|e| {
            missing(e, &layout)
                .into_iter()
                .map(move |m| format!("{}: missing {m}", e.route.function))
        })
        .collect();
    assert!(report.is_empty(), "\n{}\n", report.join("\n"));
}

#[test]
fn every_function_is_an_endpoint() {
    let layout = Layout::read();
    let binaries = layout.binaries();
    for (bin, ..) in &binaries {
        assert!(
            is_a_function(bin),
            "the binary {bin} of functions/Cargo.toml serves no endpoint"
        );
    }
    let in_folder = std::fs::read_dir(template::repository_root().join("functions/src/bin"))
        .expect("functions/src/bin")
        .count();
    assert_eq!(
        in_folder,
        binaries.len(),
        "every file of functions/src/bin is a [[bin]]"
    );
    let template_functions = functions(&layout.template);
    for f in &template_functions {
        let binary = f.binary.as_deref().unwrap_or_default();
        assert!(
            is_a_function(binary),
            "{} builds {binary:?}, which serves no endpoint",
            f.id
        );
    }
    let all = endpoints::ALL.len() + pages::ROUTES.len();
    assert_eq!(
        template_functions.len(),
        all,
        "one template function per endpoint and page route"
    );
    assert_eq!(
        binaries.len(),
        all,
        "one binary per endpoint and page route"
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
    let text = missing(&e, &Layout::read()).join("\n");
    for piece in [
        "[[bin]] named \"not-wired\"",
        "function_answers_its_fixtures!(not_wired: \"not-wired\")",
        "Binary: not-wired",
        "watch router line \"/api/v1/not/wired\"",
        "watch router line \"/api/latest/not/wired\"",
        "events/not-wired/",
        "post /not/wired in docs/openapi.json",
    ] {
        assert!(text.contains(piece), "{piece} in:\n{text}");
    }
}
