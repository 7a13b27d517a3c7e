//! The OpenAPI document the dev server serves matches the real routes: every
//! route is documented, and every documented operation exists on the
//! running server (neither 404 nor 405), under both prefixes; each request
//! body is documented with exactly the fields its body type declares.

use std::collections::BTreeSet;
use std::sync::Arc;

use cli_auth_core::api::endpoints;
use cli_auth_core::api::router::PREFIXES;
use cli_auth_core::clock::ManualClock;
use cli_auth_core::domain::store::Store;
use cli_auth_core::store::memory::MemoryStore;
use cli_auth_tests::T0;
use serde_json::Value;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

#[tokio::test]
async fn documents_exactly_the_routes_that_exist() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let app = Arc::new(cli_auth_tests::app(store, Arc::new(ManualClock::new(T0))));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let base = format!("http://{address}");
    tokio::spawn(cli_auth_dev::serve(
        listener,
        app,
        None,
        cli_auth_dev::OwnHosts::new(address, None),
        std::future::pending(),
    ));
    let http = reqwest::Client::new();

    for prefix in PREFIXES {
        let response = http
            .get(format!("{base}{prefix}/openapi.json"))
            .send()
            .await
            .expect("GET openapi.json");
        assert_eq!(response.status(), 200, "{prefix}");
        assert!(response.headers().contains_key("x-stack-request-id"));
        let served: Value = response.json().await.expect("JSON");
        assert_eq!(
            served,
            serde_json::from_str::<Value>(cli_auth_dev::OPENAPI_JSON).expect("JSON")
        );
    }

    let doc: Value = serde_json::from_str(cli_auth_dev::OPENAPI_JSON).expect("JSON");
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1.")),
        "OpenAPI 3.1"
    );
    let servers: BTreeSet<&str> = doc["servers"]
        .as_array()
        .expect("servers")
        .iter()
        .filter_map(|s| s["url"].as_str())
        .collect();
    assert_eq!(servers, PREFIXES.into_iter().collect());

    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .into_iter()
                .filter(|m| item.get(*m).is_some())
                .map(|m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let real: BTreeSet<(String, String)> = endpoints::ALL
        .iter()
        .map(|e| (e.route.method.to_string(), e.route.path.to_owned()))
        .collect();
    assert_eq!(
        documented, real,
        "every route documented, every documented route real"
    );

    // And the running server agrees: each documented operation is routed.
    for (method, path) in &documented {
        let concrete = path
            .replace("{user_id}", "00000000-0000-4000-8000-000000000000")
            .replace("{project_id}", "some-project");
        for prefix in PREFIXES {
            let response = http
                .request(
                    method.parse().expect("method"),
                    format!("{base}{prefix}{concrete}"),
                )
                .send()
                .await
                .expect("request");
            let status = response.status().as_u16();
            assert!(
                status != 404 || response.headers().contains_key("x-stack-known-error"),
                "{method} {prefix}{concrete}: no such route"
            );
            assert_ne!(status, 405, "{method} {prefix}{concrete}");
        }
    }
}

/// The request body schema of each operation documents exactly the fields
/// of the endpoint's body type: names, which are required, and their types.
#[test]
fn documents_each_request_body_as_its_type_declares() {
    let doc: Value = serde_json::from_str(cli_auth_dev::OPENAPI_JSON).expect("JSON");
    let resolve = |schema: &Value| -> Value {
        match schema["$ref"].as_str() {
            Some(r) => {
                let name = r.rsplit('/').next().expect("ref name");
                doc["components"]["schemas"][name].clone()
            }
            None => schema.clone(),
        }
    };
    for e in &endpoints::ALL {
        let operation = &doc["paths"][e.route.path][e.route.method.as_str().to_lowercase()];
        let schema = resolve(&operation["requestBody"]["content"]["application/json"]["schema"]);
        let name = e.route.function;
        let documented: BTreeSet<&str> = schema["properties"]
            .as_object()
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let declared: BTreeSet<&str> = e.body.iter().map(|f| f.name).collect();
        assert_eq!(documented, declared, "{name}: body fields");
        if !e.body.is_empty() {
            assert_eq!(
                schema["additionalProperties"],
                Value::Bool(e.ignores_unknown_fields),
                "{name}: unknown fields are errors, or ignored where the body says so"
            );
        }
        let required: BTreeSet<&str> = schema["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let declared_required: BTreeSet<&str> = e
            .body
            .iter()
            .filter(|f| f.required)
            .map(|f| f.name)
            .collect();
        assert_eq!(required, declared_required, "{name}: required fields");
        for field in e.body {
            let property = &schema["properties"][field.name];
            if field.server_only {
                assert!(
                    property["description"]
                        .as_str()
                        .is_some_and(|d| d.contains("Server and admin access only")),
                    "{name}.{}: documented as server-only",
                    field.name
                );
            }
            let types: Vec<&str> = match &property["type"] {
                Value::String(t) => vec![t.as_str()],
                Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            match field.json_type {
                Some(t) if !types.is_empty() || property.get("enum").is_none() => {
                    assert!(
                        types.contains(&t),
                        "{name}.{}: {t} in {types:?}",
                        field.name
                    );
                }
                _ => {}
            }
        }
    }
}
