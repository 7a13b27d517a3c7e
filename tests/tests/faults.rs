//! Faults in the store: every request answers a clean 503 known error, within
//! a time budget far below API Gateway's 29 s, and leaves no partial state.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cli_auth_core::App;
use cli_auth_core::clock::ManualClock;
use cli_auth_core::domain::access::AccessType;
use cli_auth_core::domain::store::Store;
use cli_auth_core::store::dynamodb::DynamoStore;
use cli_auth_tests::{
    FaultyStore, Req, Resp, Seeded, StoreKind, T0, app, seed_project, store, unique_tables,
};
use http::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

fn assert_unavailable(r: &Resp) {
    r.assert_known(503, "STORE_UNAVAILABLE");
    for leak in [
        "injected",
        "connection",
        "dispatch",
        "dynamodb",
        "Exception",
        "arn:",
    ] {
        assert!(!r.text.contains(leak), "{leak} leaked: {}", r.text);
    }
}

/// Sends the request once with the `k`-th store call failing, for k = 0, 1, …
/// until a run makes fewer than k+1 calls; every faulted run must be a clean
/// 503, and the final unfaulted run must succeed as if the faults never were.
async fn through_every_fault(faulty: &FaultyStore, app: &App, request: impl Fn() -> Req) -> Resp {
    for k in 0.. {
        faulty.fail_call(k);
        let before = faulty.calls();
        let r = request().send(app).await;
        let made = faulty.calls() - before;
        faulty.heal();
        if made <= k {
            return r;
        }
        assert_unavailable(&r);
        assert!(k < 10, "too many store calls for one request");
    }
    unreachable!()
}

async fn a_fault_at_any_step_leaves_no_partial_state(kind: StoreKind) {
    let inner = store(kind).await;
    let seeded: Seeded = seed_project(inner.as_ref(), true).await;
    let faulty = Arc::new(FaultyStore::new(inner));
    let app = app(
        Arc::clone(&faulty) as Arc<dyn Store>,
        Arc::new(ManualClock::new(T0)),
    );
    let server = |m: Method, p: &str| {
        Req::new(m, &format!("/api/v1{p}")).access(&seeded, AccessType::Server)
    };
    let client = |m: Method, p: &str| Req::new(m, &format!("/api/v1{p}")).client(&seeded);
    let s = |v: &Value| v.as_str().expect("string").to_owned();

    let user = through_every_fault(&faulty, &app, || {
        server(Method::POST, "/users").json(json!({"display_name": "F"}))
    })
    .await;
    assert_eq!(user.status, 201);
    let session = through_every_fault(&faulty, &app, || {
        server(Method::POST, "/auth/sessions").json(json!({"user_id": user.json["id"]}))
    })
    .await;
    assert_eq!(session.status, 200);
    let browser_refresh = s(&session.json["refresh_token"]);
    let anon = through_every_fault(&faulty, &app, || {
        client(Method::POST, "/auth/anonymous/sign-up")
    })
    .await;
    assert_eq!(anon.status, 200);
    let attempt = through_every_fault(&faulty, &app, || {
        client(Method::POST, "/auth/cli")
            .json(json!({"anon_refresh_token": anon.json["refresh_token"]}))
    })
    .await;
    assert_eq!(attempt.status, 200);
    let (polling, login) = (
        s(&attempt.json["polling_code"]),
        s(&attempt.json["login_code"]),
    );
    let complete =
        |body: Value| move || client(Method::POST, "/auth/cli/complete").json(body.clone());

    let check = through_every_fault(
        &faulty,
        &app,
        complete(json!({"login_code": login, "mode": "check"})),
    )
    .await;
    assert_eq!(check.json, json!({"cli_session_state": "anonymous"}));
    // A claim whose detach faulted did not detach: the retry still gets the session.
    let claim = through_every_fault(
        &faulty,
        &app,
        complete(json!({"login_code": login, "mode": "claim-anon-session"})),
    )
    .await;
    assert_eq!(claim.json["refresh_token"], anon.json["refresh_token"]);
    let done = through_every_fault(
        &faulty,
        &app,
        complete(json!({"login_code": login, "refresh_token": browser_refresh})),
    )
    .await;
    assert_eq!(done.json, json!({"success": true}));
    // A pickup that faulted did not consume the token.
    let poll = through_every_fault(&faulty, &app, || {
        client(Method::POST, "/auth/cli/poll").json(json!({"polling_code": polling}))
    })
    .await;
    assert_eq!(
        (poll.status, poll.json["refresh_token"].clone()),
        (201, json!(browser_refresh))
    );
    let refreshed = through_every_fault(&faulty, &app, || {
        client(Method::POST, "/auth/sessions/current/refresh")
            .header("x-stack-refresh-token", &browser_refresh)
    })
    .await;
    let access = s(&refreshed.json["access_token"]);
    let me = through_every_fault(&faulty, &app, || {
        client(Method::GET, "/users/me").header("x-stack-access-token", &access)
    })
    .await;
    assert_eq!(me.json["display_name"], "F");
    let patched = through_every_fault(&faulty, &app, || {
        server(Method::PATCH, &format!("/users/{}", s(&user.json["id"])))
            .json(json!({"display_name": "G"}))
    })
    .await;
    assert_eq!(patched.json["display_name"], "G");
    let revoked = through_every_fault(&faulty, &app, || {
        client(Method::DELETE, "/auth/sessions/current").header("x-stack-access-token", &access)
    })
    .await;
    assert_eq!(revoked.json, json!({"success": true}));
    let jwks = through_every_fault(&faulty, &app, || {
        Req::new(
            Method::GET,
            &format!(
                "/api/v1/projects/{}/.well-known/jwks.json",
                seeded.project.id
            ),
        )
    })
    .await;
    assert_eq!(jwks.status, 200);
}

#[tokio::test]
async fn memory_faults_leave_no_partial_state() {
    a_fault_at_any_step_leaves_no_partial_state(StoreKind::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_faults_leave_no_partial_state() {
    a_fault_at_any_step_leaves_no_partial_state(StoreKind::Dynamo).await;
}

/// How a fake DynamoDB endpoint misbehaves.
#[derive(Clone, Copy)]
enum Misbehaviour {
    Throttle(&'static str),
    Hang,
}

/// A local HTTP server standing in for DynamoDB; returns its URL and a
/// counter of requests it received.
async fn fake_dynamodb(how: Misbehaviour) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let seen = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                let mut got = Vec::new();
                // Read the request head and body (Content-Length).
                loop {
                    let Ok(n) = socket.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    got.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&got).to_lowercase();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let len = text
                            .lines()
                            .find_map(|l| {
                                l.strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if got.len() >= end + 4 + len {
                            break;
                        }
                    }
                }
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                match how {
                    Misbehaviour::Hang => tokio::time::sleep(Duration::from_secs(60)).await,
                    Misbehaviour::Throttle(kind) => {
                        let body = format!(
                            r#"{{"__type":"com.amazonaws.dynamodb.v20120810#{kind}","message":"Rate exceeded"}}"#
                        );
                        let response = format!(
                            "HTTP/1.1 400 Bad Request\r\ncontent-type: application/x-amz-json-1.0\r\nx-amzn-errortype: {kind}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                            body.len()
                        );
                        let _ = socket.write_all(response.as_bytes()).await;
                    }
                }
            });
        }
    });
    (url, seen)
}

async fn app_on(url: &str) -> App {
    let client = cli_auth_core::store::dynamodb::client::with_endpoint(Some(url), Vec::new()).await;
    let store: Arc<dyn Store> = Arc::new(DynamoStore::new(client, unique_tables()));
    app(store, Arc::new(ManualClock::new(T0)))
}

fn any_request() -> Req {
    Req::post("/api/v1/auth/cli")
        .header("x-stack-access-type", "client")
        .header("x-stack-project-id", "00000000-0000-4000-8000-000000000000")
        .header("x-stack-publishable-client-key", "pck_x")
}

#[tokio::test]
async fn throttling_is_retried_then_answered_503_quickly() {
    for kind in [
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
    ] {
        let (url, seen) = fake_dynamodb(Misbehaviour::Throttle(kind)).await;
        let app = app_on(&url).await;
        let started = Instant::now();
        let r = any_request().send(&app).await;
        let took = started.elapsed();
        assert_unavailable(&r);
        assert_eq!(
            seen.load(std::sync::atomic::Ordering::SeqCst),
            3,
            "{kind}: retried, 3 attempts in all"
        );
        assert!(took < Duration::from_secs(7), "{kind}: {took:?}");
        println!("faults: {kind}: 503 after {took:?} and 3 attempts");
    }
}

#[tokio::test]
async fn a_hanging_store_is_cut_off_by_the_time_budget() {
    let (url, _) = fake_dynamodb(Misbehaviour::Hang).await;
    let app = app_on(&url).await;
    let started = Instant::now();
    let r = any_request().send(&app).await;
    let took = started.elapsed();
    assert_unavailable(&r);
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(8),
        "{took:?}"
    );
    println!("faults: hanging store: 503 after {took:?}");
}

#[tokio::test]
async fn an_unreachable_store_is_503() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let app = app_on(&format!("http://127.0.0.1:{port}")).await;
    let started = Instant::now();
    let r = any_request().send(&app).await;
    assert_unavailable(&r);
    assert!(started.elapsed() < Duration::from_secs(8));
    println!(
        "faults: unreachable store: 503 after {:?}",
        started.elapsed()
    );
}

/// DynamoDB Local itself, stopped in the middle of a flow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_local_stopped_mid_run() {
    let dir = std::env::var("CLI_AUTH_DYNAMODB_LOCAL_DIR")
        .expect("CLI_AUTH_DYNAMODB_LOCAL_DIR is not set: run the tests with scripts/test.sh");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let mut java = tokio::process::Command::new("java")
        .arg(format!("-Djava.library.path={dir}/DynamoDBLocal_lib"))
        .args([
            "-jar",
            &format!("{dir}/DynamoDBLocal.jar"),
            "-inMemory",
            "-port",
            &port.to_string(),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start DynamoDB Local");
    let url = format!("http://127.0.0.1:{port}");
    let client =
        cli_auth_core::store::dynamodb::client::with_endpoint(Some(&url), Vec::new()).await;
    let store = DynamoStore::new(client, unique_tables());
    let deadline = Instant::now() + Duration::from_secs(30);
    while store.create_tables().await.is_err() {
        assert!(Instant::now() < deadline, "DynamoDB Local did not start");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let store: Arc<dyn Store> = Arc::new(store);
    let seeded = seed_project(store.as_ref(), true).await;
    let app = app(Arc::clone(&store), Arc::new(ManualClock::new(T0)));
    let r = Req::post("/api/v1/auth/cli")
        .client(&seeded)
        .send(&app)
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let polling = r.json["polling_code"].clone();

    java.kill().await.expect("stop DynamoDB Local");
    let started = Instant::now();
    let r = Req::post("/api/v1/auth/cli/poll")
        .client(&seeded)
        .json(json!({"polling_code": polling}))
        .send(&app)
        .await;
    assert_unavailable(&r);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    println!(
        "faults: DynamoDB Local stopped: 503 after {:?}",
        started.elapsed()
    );
    let r = Req::post("/api/v1/auth/cli")
        .client(&seeded)
        .send(&app)
        .await;
    assert_unavailable(&r);
}

/// Turns the answer of the next `UpdateItem` into a 500 after DynamoDB
/// committed it: the write happened, its answer is lost, and the SDK
/// retries the very same request.
#[derive(Debug, Clone, Default)]
struct LoseNextUpdateAnswer {
    armed: Arc<std::sync::atomic::AtomicBool>,
    this_one: Arc<std::sync::atomic::AtomicBool>,
    lost: Arc<std::sync::atomic::AtomicUsize>,
}

impl aws_smithy_runtime_api::client::interceptors::Intercept for LoseNextUpdateAnswer {
    fn name(&self) -> &'static str {
        "LoseNextUpdateAnswer"
    }

    fn read_before_transmit(
        &self,
        context: &aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef<'_>,
        _: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        _: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        use std::sync::atomic::Ordering::SeqCst;
        let update = context
            .request()
            .headers()
            .get("x-amz-target")
            .is_some_and(|t| t.ends_with(".UpdateItem"));
        self.this_one
            .store(update && self.armed.swap(false, SeqCst), SeqCst);
        Ok(())
    }

    fn modify_before_deserialization(
        &self,
        context: &mut aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextMut<'_>,
        _: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        _: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        use std::sync::atomic::Ordering::SeqCst;
        if self.this_one.swap(false, SeqCst) {
            *context.response_mut().status_mut() = 500u16.try_into()?;
            self.lost.fetch_add(1, SeqCst);
        }
        Ok(())
    }
}

/// Exactly once survives a lost answer: when DynamoDB commits the pickup or
/// the complete and the answer is lost (the SDK then retries the same
/// write), the request still succeeds, with the token, instead of hearing
/// `used` or "Invalid login code" for its own success.
#[tokio::test]
async fn a_committed_write_whose_answer_is_lost_still_succeeds() {
    use aws_smithy_runtime_api::client::interceptors::SharedInterceptor;
    use std::sync::atomic::Ordering::SeqCst;
    cli_auth_tests::dynamodb_endpoint();
    let fault = LoseNextUpdateAnswer::default();
    let client = cli_auth_core::store::dynamodb::client::from_env(vec![SharedInterceptor::new(
        fault.clone(),
    )])
    .await;
    let store = DynamoStore::new(client, unique_tables());
    store.create_tables().await.expect("tables");
    let store: Arc<dyn Store> = Arc::new(store);
    let seeded = seed_project(store.as_ref(), true).await;
    let app = app(Arc::clone(&store), Arc::new(ManualClock::new(T0)));
    let browser =
        cli_auth_tests::seed_user(store.as_ref(), &seeded.project.id, false, T0, 3_600_000).await;
    let post = |path: &str, body: Value| Req::post(path).client(&seeded).json(body);
    let attempt = post("/api/v1/auth/cli", json!({})).send(&app).await;
    let (polling, login) = (attempt.string("polling_code"), attempt.string("login_code"));

    fault.armed.store(true, SeqCst);
    let r = post(
        "/api/v1/auth/cli/complete",
        json!({"login_code": login, "refresh_token": browser.refresh_token}),
    )
    .send(&app)
    .await;
    assert_eq!(fault.lost.load(SeqCst), 1, "the complete's answer was lost");
    assert_eq!(
        (r.status, &r.json),
        (200, &json!({"success": true})),
        "{r:?}"
    );

    fault.armed.store(true, SeqCst);
    let r = post("/api/v1/auth/cli/poll", json!({"polling_code": polling}))
        .send(&app)
        .await;
    assert_eq!(fault.lost.load(SeqCst), 2, "the pickup's answer was lost");
    assert_eq!(
        (r.status, &r.json),
        (
            201,
            &json!({"status": "success", "refresh_token": browser.refresh_token})
        ),
        "{r:?}"
    );
    // Another poll, another request: the token was handed out once.
    let r = post("/api/v1/auth/cli/poll", json!({"polling_code": polling}))
        .send(&app)
        .await;
    assert_eq!(r.json["status"], json!("used"));
}
