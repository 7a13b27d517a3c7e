//! Unit tests of `api/endpoint.rs` and the table: a handler is an ordinary
//! async function of a narrow `Context`, callable without an `App`.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, StatusCode};
use serde_json::json;

use super::*;
use crate::api::context::{Caller, RequestInfo};
use crate::api::endpoints::{self, cli_initiate::CliInitiate, cli_poll::CliPoll};
use crate::api::project_cache::ProjectCache;
use crate::domain::project::Project;
use crate::domain::tokens::{Minter, TokenIssuer};
use crate::store::memory::MemoryStore;

static LIMITS: crate::domain::login_attempt::UserCodeLimits =
    crate::domain::login_attempt::UserCodeLimits {
        failures_per_ip: 10,
        failures_per_user: 1_000,
    };

const NOW: i64 = 1_800_000_000_000;

struct Parts {
    store: MemoryStore,
    tokens: TokenIssuer,
    projects: ProjectCache,
    headers: HeaderMap,
    method: Method,
}

impl Parts {
    fn new() -> Self {
        Self {
            store: MemoryStore::new(),
            tokens: TokenIssuer::new(&[7; 32], 600).expect("issuer"),
            projects: ProjectCache::new(Duration::from_secs(1)),
            headers: HeaderMap::new(),
            method: Method::POST,
        }
    }

    fn context(&self, path: &'static str) -> Context<'_> {
        Context {
            store: &self.store,
            now: NOW,
            minter: Minter {
                tokens: &self.tokens,
                base_url: "http://test",
            },
            projects: &self.projects,
            caller: Caller {
                project: Some(Arc::new(Project::new("p", "P", false, NOW))),
                access_type: Some(AccessType::Client),
                user: None,
            },
            request: RequestInfo {
                method: &self.method,
                path,
                query: None,
                headers: &self.headers,
                params: Vec::new(),
                source_ip: None,
            },
            user_code_limits: &LIMITS,
        }
    }
}

#[tokio::test]
async fn a_handler_runs_on_a_context_alone() {
    let parts = Parts::new();
    let ctx = parts.context("/api/v1/auth/cli");
    let body = crate::api::body::read(&Method::POST, "/p", json!({}), false).expect("empty body");
    let answer = CliInitiate::handle(&ctx, body).await.expect("initiated");
    let answer: serde_json::Value = serde_json::from_slice(answer.body()).expect("JSON");
    let polling_code = answer["polling_code"].as_str().expect("polling code");

    let poll = endpoints::registered::<CliPoll>().expect("registered");
    let ctx = parts.context("/api/v1/auth/cli/poll");
    let waiting = poll
        .run(&ctx, json!({ "polling_code": polling_code }))
        .await
        .expect("polled");
    assert_eq!(waiting.status(), StatusCode::OK);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(waiting.body()).expect("JSON"),
        json!({ "status": "waiting" })
    );
}

#[tokio::test]
async fn run_reads_the_body_as_the_endpoints_type_first() {
    let parts = Parts::new();
    let ctx = parts.context("/api/v1/auth/cli/poll");
    let poll = endpoints::registered::<CliPoll>().expect("registered");
    let e = poll
        .run(&ctx, json!({ "polling_code": 5, "extra": true }))
        .await
        .expect_err("schema");
    assert_eq!(e.known_code(), Some("SCHEMA_ERROR"));
    let message = e.message();
    assert!(message.starts_with("Request validation failed on POST /api/v1/auth/cli/poll:"));
    assert!(
        message.contains("body contains unknown properties: extra"),
        "{message}"
    );
    assert!(message.contains("body.polling_code must be a string, but was a number"));
}

#[test]
fn the_table_names_each_function_and_route_once() {
    let functions: BTreeSet<&str> = endpoints::ALL.iter().map(|e| e.route.function).collect();
    assert_eq!(functions.len(), endpoints::ALL.len());
    let routes: BTreeSet<(String, &str)> = endpoints::ALL
        .iter()
        .map(|e| (e.route.method.to_string(), e.route.path))
        .collect();
    assert_eq!(routes.len(), endpoints::ALL.len());
    for e in &endpoints::ALL {
        assert_eq!(endpoints::by_function(e.route.function), Some(e));
        assert!(e.route.path.starts_with('/'), "{e:?}");
    }
}
