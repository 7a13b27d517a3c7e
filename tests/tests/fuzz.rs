//! Property-based fuzzing of the whole request pipeline (routing, body
//! parsing, header validation, every handler) on the in-memory store: no
//! input may panic or produce a 5xx.
//!
//! The test command runs a short pass from a fixed seed, so that it checks
//! the same 3,000 requests on every run; `scripts/fuzz.sh` runs a million
//! cases (`FUZZ_CASES=1000000`) from a fresh seed (`FUZZ_SEED`) in release
//! mode and prints the figures and the seed to replay a failure.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use cli_auth_core::App;
use cli_auth_core::api::endpoints;
use cli_auth_core::api::router::PREFIXES;
use cli_auth_core::clock::ManualClock;
use cli_auth_core::domain::store::Store;
use cli_auth_core::store::memory::MemoryStore;
use cli_auth_tests::{Seeded, T0, app, seed_project, seed_user};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// Values that reach deep into the handlers: real ids, keys and codes.
struct World {
    app: App,
    seeded: Seeded,
    known: Vec<String>,
}

fn world(rt: &tokio::runtime::Runtime) -> World {
    rt.block_on(async {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let seeded = seed_project(store.as_ref(), true).await;
        let user = seed_user(store.as_ref(), &seeded.project.id, false, T0, 3_600_000).await;
        let anon = seed_user(store.as_ref(), &seeded.project.id, true, T0, 3_600_000).await;
        let app = app(Arc::clone(&store), Arc::new(ManualClock::new(T0)));
        let req = cli_auth_tests::Req::post("/api/v1/auth/cli")
            .client(&seeded)
            .json(serde_json::json!({"anon_refresh_token": anon.refresh_token}));
        let attempt = req.send(&app).await.json;
        let access = app
            .tokens()
            .access_token(cli_auth_tests::BASE_URL, &user.user, &user.session.id, T0)
            .expect("token");
        let known = vec![
            seeded.project.id.clone(),
            seeded.client_key.clone(),
            seeded.server_key.clone(),
            seeded.admin_key.clone(),
            user.user.id.clone(),
            user.refresh_token.clone(),
            anon.refresh_token.clone(),
            access,
            attempt["polling_code"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            attempt["login_code"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            "true".into(),
            "client".into(),
            "server".into(),
            "admin".into(),
            "check".into(),
            "claim-anon-session".into(),
            "complete".into(),
        ];
        World { app, seeded, known }
    })
}

/// The headers the pipeline reads, in either spelling.
fn headers() -> Vec<String> {
    use cli_auth_core::api::headers::*;
    [
        &PROJECT_ID,
        &ACCESS_TYPE,
        &PUBLISHABLE_CLIENT_KEY,
        &SECRET_SERVER_KEY,
        &SUPER_SECRET_ADMIN_KEY,
        &ACCESS_TOKEN,
        &REFRESH_TOKEN,
        &ALLOW_ANONYMOUS_USER,
    ]
    .iter()
    .flat_map(|h| [h.stack.as_str(), h.hexclave.as_str()])
    .map(str::to_owned)
    .collect()
}

/// Every field any endpoint's body declares.
fn fields() -> Vec<&'static str> {
    let mut names: Vec<&str> = endpoints::ALL
        .iter()
        .flat_map(|e| e.body.iter().map(|f| f.name))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// A request, as raw parts.
#[derive(Debug, Clone)]
struct Input {
    method: &'static str,
    path: String,
    headers: Vec<(String, Vec<u8>)>,
    content_type: Option<String>,
    body: Vec<u8>,
}

fn value(known: usize) -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,40}".prop_map(Value::String),
        (0..known).prop_map(|i| Value::String(format!("@known{i}"))),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(".{0,8}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn input(known: usize) -> impl Strategy<Value = Input> {
    let any_method = prop::sample::select(vec![
        "GET", "POST", "PATCH", "DELETE", "PUT", "OPTIONS", "HEAD",
    ]);
    // Mostly the endpoint's own method, so requests get past routing.
    let routed = (
        prop::sample::select(PREFIXES.to_vec()),
        prop::sample::select(endpoints::ALL.iter().collect::<Vec<_>>()),
        prop_oneof![2 => (0..known).prop_map(|i| format!("@known{i}")), 1 => "[a-zA-Z0-9._-]{0,40}"],
        prop::option::of("[a-z_=&.]{0,30}"),
        prop::option::of(any_method.clone()),
    )
        .prop_map(|(prefix, e, param, query, other_method)| {
            let path = e.route.path.replace("{user_id}", &param).replace("{project_id}", &param);
            let path = match query {
                Some(q) => format!("{prefix}{path}?{q}"),
                None => format!("{prefix}{path}"),
            };
            let method = other_method.filter(|_| param.len() % 5 == 0).unwrap_or(method_name(&e.route.method));
            (method, path)
        });
    let stray = (any_method, "/[a-zA-Z0-9/._%-]{0,60}");
    let target = prop_oneof![6 => routed, 1 => stray];
    let header_value = prop_oneof![
        3 => (0..known).prop_map(|i| format!("@known{i}").into_bytes()),
        1 => prop::collection::vec(prop_oneof![0x20u8..0x7f, 0x80u8..=0xff], 0..60),
        1 => Just(Vec::new()),
    ];
    let header = (prop::sample::select(headers()), header_value);
    let body_object = prop::collection::btree_map(
        prop_oneof![4 => prop::sample::select(fields()).prop_map(str::to_owned), 1 => ".{0,10}"],
        value(known),
        0..5,
    )
    .prop_map(|m: BTreeMap<String, serde_json::Value>| serde_json::to_vec(&m).unwrap_or_default());
    let body = prop_oneof![
        4 => body_object,
        1 => value(known).prop_map(|v| serde_json::to_vec(&v).unwrap_or_default()),
        1 => prop::collection::vec(any::<u8>(), 0..200),
        1 => Just(Vec::new()),
    ];
    let content_type = prop::option::of(prop_oneof![
        6 => Just("application/json".to_owned()),
        1 => Just("application/json; charset=utf-8".to_owned()),
        1 => Just("text/plain".to_owned()),
        1 => Just("application/x-www-form-urlencoded".to_owned()),
        1 => "[a-z/+-]{0,30}",
    ]);
    // A coherent set of credentials most of the time, then stray headers.
    let credentials = prop::option::of(0usize..3).prop_map(|kind| match kind {
        Some(k) => {
            let (t, h, key) = [
                ("client", "publishable-client-key", 1),
                ("server", "secret-server-key", 2),
                ("admin", "super-secret-admin-key", 3),
            ][k];
            vec![
                ("x-stack-access-type".to_owned(), t.as_bytes().to_vec()),
                ("x-stack-project-id".to_owned(), b"@known0".to_vec()),
                (format!("x-stack-{h}"), format!("@known{key}").into_bytes()),
            ]
        }
        None => Vec::new(),
    });
    (
        target,
        credentials,
        prop::collection::vec(header, 0..5),
        content_type,
        body,
    )
        .prop_map(|((method, path), mut headers, extra, content_type, body)| {
            headers.extend(extra);
            Input {
                method,
                path,
                headers,
                content_type,
                body,
            }
        })
}

fn method_name(m: &http::Method) -> &'static str {
    match *m {
        http::Method::GET => "GET",
        http::Method::PATCH => "PATCH",
        http::Method::DELETE => "DELETE",
        _ => "POST",
    }
}

/// Replaces `@knownN` with the N-th known value.
fn resolve(bytes: &[u8], known: &[String]) -> Vec<u8> {
    let mut text = String::from_utf8_lossy(bytes).into_owned();
    if !text.contains("@known") {
        return bytes.to_vec();
    }
    for (i, k) in known.iter().enumerate().rev() {
        text = text.replace(&format!("@known{i}"), k);
    }
    text.into_bytes()
}

fn build(input: &Input, known: &[String]) -> Option<http::Request<Bytes>> {
    let mut b = http::Request::builder()
        .method(input.method)
        .uri(&input.path);
    for (name, value) in &input.headers {
        let v = http::HeaderValue::from_bytes(&resolve(value, known)).ok()?;
        b = b.header(name.as_str(), v);
    }
    if let Some(ct) = &input.content_type {
        b = b.header("content-type", ct.as_str());
    }
    b.body(Bytes::from(resolve(&input.body, known))).ok()
}

/// The generator's seed: `FUZZ_SEED`, or a fixed one. A random seed in the
/// test command made its reach check (a 201 among 3,000 requests) fail on
/// unlucky runs.
fn seed() -> u64 {
    std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_204)
}

fn run(cases: u32, seed: u64) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let w = world(&rt);
    let statuses: Arc<Mutex<BTreeMap<u16, u64>>> = Arc::default();
    let counted = Arc::clone(&statuses);
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let started = Instant::now();
    let result = runner.run(&input(w.known.len()), |input| {
        let Some(request) = build(&input, &w.known) else {
            return Ok(());
        };
        let response = rt.block_on(w.app.handle(request));
        let status = response.status().as_u16();
        *counted.lock().expect("lock").entry(status).or_default() += 1;
        prop_assert!(
            status < 500,
            "{status} for {input:?}: {:?}",
            response.body()
        );
        Ok(())
    });
    let took = started.elapsed();
    let statuses = statuses.lock().expect("lock").clone();
    let total: u64 = statuses.values().sum();
    println!(
        "fuzz: {total} requests in {:.1} s ({:.0}/s), seed {seed}, statuses {statuses:?}, project {}",
        took.as_secs_f64(),
        total as f64 / took.as_secs_f64().max(1e-9),
        w.seeded.project.id
    );
    if let Err(e) = result {
        panic!("{e}");
    }
    // The generator reaches past validation into the handlers.
    for reached in [200u16, 201, 400, 401, 404] {
        assert!(
            statuses.contains_key(&reached) || cases < 1000,
            "no {reached} in {statuses:?}"
        );
    }
}

#[test]
fn no_input_panics_or_yields_5xx() {
    let cases = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(3000);
    run(cases, seed());
}
