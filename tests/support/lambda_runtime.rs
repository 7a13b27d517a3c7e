//! A stand-in for the AWS Lambda Runtime API (`/2018-06-01/runtime/...`), so
//! tests can run a compiled function binary the way Lambda does: the binary
//! asks for the next invocation, handles it, and posts the response back.

use cli_auth_core::pages;
use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::sync::Notify;

use crate::secrets_manager::{FIXTURE_SECRET_ID, SecretsManagerStandIn};

/// What the function posted for an invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Response(Vec<u8>),
    Error(Vec<u8>),
}

impl Outcome {
    /// A response's API Gateway (payload 2.0) answer as HTTP: status,
    /// headers and body text; `None` for an error or a non-HTTP answer.
    pub fn http(&self) -> Option<(u16, http::HeaderMap, String)> {
        let Outcome::Response(raw) = self else {
            return None;
        };
        let response: serde_json::Value = serde_json::from_slice(raw).ok()?;
        let status = u16::try_from(response["statusCode"].as_u64()?).ok()?;
        let mut headers = http::HeaderMap::new();
        for (k, v) in response["headers"].as_object().into_iter().flatten() {
            if let (Ok(k), Some(Ok(v))) = (
                http::HeaderName::from_bytes(k.as_bytes()),
                v.as_str().map(http::HeaderValue::from_str),
            ) {
                headers.insert(k, v);
            }
        }
        let body = response["body"].as_str().unwrap_or_default().to_owned();
        Some((status, headers, body))
    }
}

#[derive(Default)]
struct State {
    queue: Mutex<VecDeque<(String, Vec<u8>)>>,
    queued: Notify,
    outcomes: Mutex<HashMap<String, Outcome>>,
    posted: Notify,
    next_id: Mutex<u64>,
    /// When the function first asked for an invocation: its init is over.
    first_next: Mutex<Option<Instant>>,
}

pub struct RuntimeApi {
    address: SocketAddr,
    state: Arc<State>,
}

const NEXT: &str = "/2018-06-01/runtime/invocation/next";
const INVOCATION: &str = "/2018-06-01/runtime/invocation/";

impl RuntimeApi {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        let state = Arc::new(State::default());
        let shared = Arc::clone(&state);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = Arc::clone(&shared);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let state = Arc::clone(&state);
                        async move { Ok::<_, Infallible>(serve(&state, request).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { address, state }
    }

    /// The value for `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        self.address.to_string()
    }

    /// When the function first asked for an invocation (its init finished),
    /// if it has.
    pub fn ready_at(&self) -> Option<Instant> {
        *self.state.first_next.lock().expect("lock")
    }

    /// Queues an event and waits for the function's outcome.
    pub async fn invoke(&self, event: &[u8], timeout: Duration) -> Option<Outcome> {
        self.invoke_later(event).wait(timeout).await
    }

    /// Queues an event; its outcome is waited for later (e.g. an event
    /// queued before the function starts, as Lambda holds the one that
    /// caused a cold start).
    pub fn invoke_later(&self, event: &[u8]) -> Pending<'_> {
        let id = {
            let mut next = self.state.next_id.lock().expect("lock");
            *next += 1;
            format!("00000000-0000-4000-8000-{:012}", *next)
        };
        self.state
            .queue
            .lock()
            .expect("lock")
            .push_back((id.clone(), event.to_vec()));
        self.state.queued.notify_waiters();
        self.state.queued.notify_one();
        Pending { api: self, id }
    }
}

/// A queued invocation.
pub struct Pending<'a> {
    api: &'a RuntimeApi,
    id: String,
}

impl Pending<'_> {
    /// Waits up to `timeout` for the function's outcome.
    pub async fn wait(self, timeout: Duration) -> Option<Outcome> {
        let state = &self.api.state;
        let deadline = Instant::now() + timeout;
        loop {
            let posted = state.posted.notified();
            if let Some(outcome) = state.outcomes.lock().expect("lock").remove(&self.id) {
                return Some(outcome);
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            let _ = tokio::time::timeout(left, posted).await;
        }
    }
}

async fn serve(state: &State, request: hyper::Request<Incoming>) -> hyper::Response<Full<Bytes>> {
    let path = request.uri().path().to_owned();
    if path == NEXT {
        state
            .first_next
            .lock()
            .expect("lock")
            .get_or_insert_with(Instant::now);
        loop {
            let queued = state.queued.notified();
            if let Some((id, event)) = state.queue.lock().expect("lock").pop_front() {
                let deadline = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_millis() + 30_000)
                    .unwrap_or_default();
                return hyper::Response::builder()
                    .header("lambda-runtime-aws-request-id", id)
                    .header("lambda-runtime-deadline-ms", deadline.to_string())
                    .header(
                        "lambda-runtime-invoked-function-arn",
                        "arn:aws:lambda:us-east-1:123456789012:function:test",
                    )
                    .header(
                        "lambda-runtime-trace-id",
                        "Root=1-00000000-000000000000000000000000;Sampled=0",
                    )
                    .header("content-type", "application/json")
                    .body(Full::new(Bytes::from(event)))
                    .expect("response");
            }
            queued.await;
        }
    }
    let body = request
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes().to_vec())
        .unwrap_or_default();
    if let Some(rest) = path.strip_prefix(INVOCATION) {
        let outcome = match rest.split_once('/') {
            Some((id, "response")) => Some((id.to_owned(), Outcome::Response(body))),
            Some((id, "error")) => Some((id.to_owned(), Outcome::Error(body))),
            _ => None,
        };
        if let Some((id, outcome)) = outcome {
            state.outcomes.lock().expect("lock").insert(id, outcome);
            state.posted.notify_waiters();
        }
    } else if path.ends_with("/init/error") {
        state
            .outcomes
            .lock()
            .expect("lock")
            .insert("init".to_owned(), Outcome::Error(body));
        state.posted.notify_waiters();
    }
    hyper::Response::builder()
        .status(202)
        .body(Full::new(Bytes::from_static(b"{\"status\":\"OK\"}")))
        .expect("response")
}

/// Runs every `events/<function>/` fixture through the compiled function
/// `binary` via the Runtime API stand-in, each on a freshly seeded fixture
/// world in DynamoDB Local, and checks each answer. Returns each fixture's
/// time from process start to its answer (cold start included).
pub async fn run_fixtures(binary: &str, function: &str) -> Vec<(String, Duration)> {
    use crate::fixtures;
    let mut timings = Vec::new();
    let is_page = pages::route_by_function(function).is_some();
    let mine = fixtures::fixtures_of(function);
    assert!(!mine.is_empty(), "no fixtures for {function}");
    for (name, text) in mine {
        let tables = fixture_world().await;

        let api = RuntimeApi::start().await;
        // As the template deploys it: the server secret from Secrets Manager.
        let secrets_manager = SecretsManagerStandIn::with_fixture_secret().await;
        let started = Instant::now();
        let _child =
            spawn_function_with_secrets_manager(binary, function, &api, &tables, &secrets_manager)
                .expect("start the function binary");
        let outcome = api.invoke(text.as_bytes(), Duration::from_secs(30)).await;
        timings.push((name.clone(), started.elapsed()));
        let Some((status, headers, body)) = outcome.as_ref().and_then(Outcome::http) else {
            panic!("{name}: no response from {function}: {outcome:?}");
        };
        fixtures::check_request_id(&name, &text, &headers);
        if is_page {
            fixtures::check_page(&name, status, &headers, &body);
        } else {
            fixtures::check_at_wall_clock(&name, &text, status, &headers, &body);
        }
        // Init read the secret once per stage, nothing else.
        let mut calls: Vec<String> = secrets_manager
            .calls()
            .iter()
            .map(|c| format!("{} {} {}", c.operation, c.secret_id, c.stage))
            .collect();
        calls.sort();
        let read =
            |stage: &str| format!("secretsmanager.GetSecretValue {FIXTURE_SECRET_ID} {stage}");
        assert_eq!(
            calls,
            [read("AWSCURRENT"), read("AWSPENDING"), read("AWSPREVIOUS")],
            "{name}: what {function} asked Secrets Manager"
        );
    }
    timings
}

/// Waits for a function whose init must fail: it exits with an error
/// without asking for an invocation. Returns what it printed (Lambda sends
/// both streams to the function's log).
async fn what_failed_init_said(
    child: tokio::process::Child,
    api: &RuntimeApi,
    function: &str,
) -> String {
    let output = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("init stops")
        .expect("output");
    assert!(!output.status.success(), "{function} exits with an error");
    assert!(
        api.ready_at().is_none(),
        "{function} never asked for an invocation"
    );
    String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
}

/// Starts the compiled function with a Secrets Manager that does not hold
/// its secret: init must stop (the process exits, as Lambda then reports
/// it) with a message that names the secret.
pub async fn assert_init_stops_without_its_secret(binary: &str, function: &str) {
    let tables = fixture_world().await;
    let api = RuntimeApi::start().await;
    let empty = SecretsManagerStandIn::start().await;
    let child = command(binary, function, &api, &tables, Some(&empty), "info", true)
        .spawn()
        .expect("start the function binary");
    let said = what_failed_init_said(child, &api, function).await;
    assert!(
        said.contains(FIXTURE_SECRET_ID) && said.contains("AWSCURRENT"),
        "{function} says which secret: {said}"
    );
}

/// Starts the compiled function with `CLI_AUTH_TLS_ROOTS` set to a value
/// it does not know: init must stop naming the variable, rather than trust
/// something other than what was asked.
pub async fn assert_init_refuses_unknown_trust_roots(binary: &str, function: &str) {
    let tables = fixture_world().await;
    let api = RuntimeApi::start().await;
    let secrets_manager = SecretsManagerStandIn::with_fixture_secret().await;
    let child = command(
        binary,
        function,
        &api,
        &tables,
        Some(&secrets_manager),
        "info",
        true,
    )
    .env("CLI_AUTH_TLS_ROOTS", "pinned")
    .spawn()
    .expect("start the function binary");
    let said = what_failed_init_said(child, &api, function).await;
    assert!(
        said.contains("CLI_AUTH_TLS_ROOTS") && said.contains("pinned"),
        "{function} names the variable and its value: {said}"
    );
}

/// Runs every `events/<function>/` fixture through the compiled function
/// with `RUST_LOG=trace`, on DynamoDB Local, and asserts that nothing the
/// process printed (its logs: the runtime's, the AWS SDK's, ours) carries a
/// key, code or token of a fixture or of an answer.
pub async fn assert_trace_logs_carry_no_secret(binary: &str, function: &str) {
    use crate::fixtures;
    let all = fixtures::fixtures();
    let mine = all
        .iter()
        .filter(|(name, _)| name.split('/').next() == Some(function));
    let mut logs = String::new();
    let mut secrets: Vec<String> = [
        // Read from Secrets Manager at init, as deployed: the SDK's trace
        // logs would print the answer.
        String::from_utf8_lossy(fixtures::FIXTURE_SECRET).into_owned(),
        fixtures::CLIENT_KEY.to_owned(),
        fixtures::SERVER_KEY.to_owned(),
        // The secret halves of the fixtures' polling, login and refresh codes.
        "P".repeat(16),
        "L".repeat(16),
        "R".repeat(16),
        "Q".repeat(16),
        "M".repeat(16),
    ]
    .into();
    for (name, (_, text)) in mine {
        let event: serde_json::Value = serde_json::from_str(text).expect("fixture JSON");
        if let Some(token) = event["headers"]["x-stack-access-token"].as_str() {
            secrets.push(token.to_owned());
        }
        let tables = fixture_world().await;
        let api = RuntimeApi::start().await;
        let secrets_manager = SecretsManagerStandIn::with_fixture_secret().await;
        let mut child = command(
            binary,
            function,
            &api,
            &tables,
            Some(&secrets_manager),
            "trace",
            true,
        )
        .spawn()
        .expect("start the function binary");
        // Read the output while the function runs: a full pipe would stall it.
        let stdout = drain(child.stdout.take());
        let stderr = drain(child.stderr.take());
        let outcome = api.invoke(text.as_bytes(), Duration::from_secs(30)).await;
        let Some((_, _, body)) = outcome.as_ref().and_then(Outcome::http) else {
            panic!("{name}: no response from {function}: {outcome:?}");
        };
        let answer: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        for field in [
            "access_token",
            "refresh_token",
            "login_code",
            "polling_code",
        ] {
            if let Some(token) = answer[field].as_str() {
                secrets.push(token.to_owned());
            }
        }
        let _ = child.kill().await;
        for output in [stdout.await, stderr.await] {
            logs.push_str(&String::from_utf8_lossy(&output.expect("output")));
        }
    }
    assert!(
        logs.contains("answered"),
        "{function}: the logs were captured, at trace level: {logs}"
    );
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "{function}: a secret starting {:?} is in the trace logs",
            &secret[..8.min(secret.len())]
        );
    }
}

/// Reads a child's pipe to its end, in the background.
fn drain<R>(pipe: Option<R>) -> tokio::task::JoinHandle<Vec<u8>>
where
    R: tokio::io::AsyncRead + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let mut out = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = tokio::io::AsyncReadExt::read_to_end(&mut pipe, &mut out).await;
        }
        out
    })
}

/// Starts a compiled function binary the way Lambda does: pointed at the
/// Runtime API stand-in `api`, configured for the fixture world in `tables`
/// (DynamoDB Local from the environment, the fixtures' server secret). The
/// process is killed when the returned child is dropped.
pub fn spawn_function(
    binary: &str,
    function: &str,
    api: &RuntimeApi,
    tables: &cli_auth_core::store::dynamodb::TableNames,
) -> std::io::Result<tokio::process::Child> {
    command(binary, function, api, tables, None, "warn", false).spawn()
}

/// As [`spawn_function`], configured as the template configures it: the
/// server secret is read from Secrets Manager (`secrets`, a stand-in
/// holding [`FIXTURE_SECRET_ID`](crate::secrets_manager::FIXTURE_SECRET_ID)).
pub fn spawn_function_with_secrets_manager(
    binary: &str,
    function: &str,
    api: &RuntimeApi,
    tables: &cli_auth_core::store::dynamodb::TableNames,
    secrets: &SecretsManagerStandIn,
) -> std::io::Result<tokio::process::Child> {
    command(binary, function, api, tables, Some(secrets), "warn", false).spawn()
}

/// The command that starts a function as [`spawn_function`] does, at the
/// log level `rust_log`, its output captured when `capture` (else stdout
/// dropped, stderr inherited); a test may add to its environment.
fn command(
    binary: &str,
    function: &str,
    api: &RuntimeApi,
    tables: &cli_auth_core::store::dynamodb::TableNames,
    secrets: Option<&SecretsManagerStandIn>,
    rust_log: &str,
    capture: bool,
) -> tokio::process::Command {
    let (stdout, stderr) = if capture {
        (std::process::Stdio::piped(), std::process::Stdio::piped())
    } else {
        (std::process::Stdio::null(), std::process::Stdio::inherit())
    };
    let mut command = tokio::process::Command::new(binary);
    match secrets {
        None => command
            .env(
                "CLI_AUTH_SERVER_SECRET",
                String::from_utf8_lossy(crate::fixtures::FIXTURE_SECRET).as_ref(),
            )
            .env_remove("CLI_AUTH_SERVER_SECRET_ID"),
        Some(stand_in) => command
            .env("CLI_AUTH_SERVER_SECRET_ID", FIXTURE_SECRET_ID)
            .env("AWS_ENDPOINT_URL_SECRETS_MANAGER", stand_in.endpoint())
            .env_remove("CLI_AUTH_SERVER_SECRET"),
    };
    command
        .env("AWS_LAMBDA_RUNTIME_API", api.address())
        .env("AWS_LAMBDA_FUNCTION_NAME", function)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
        .env(
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/{function}"),
        )
        .env_remove("CLI_AUTH_PREVIOUS_SERVER_SECRET")
        .env("CLI_AUTH_PROJECTS_TABLE", &tables.projects)
        .env("CLI_AUTH_USERS_TABLE", &tables.users)
        .env("CLI_AUTH_SESSIONS_TABLE", &tables.sessions)
        .env("CLI_AUTH_ATTEMPTS_TABLE", &tables.attempts)
        .env("CLI_AUTH_IDENTITIES_TABLE", &tables.identities)
        // The hosted page's project (its functions need one; the others ignore it).
        .env("CLI_AUTH_HOSTED_PROJECT_ID", crate::fixtures::PROJECT)
        .env_remove("CLI_AUTH_OIDC_ISSUER")
        .env_remove("CLI_AUTH_PUBLIC_BASE_URL")
        .env("RUST_LOG", rust_log)
        .env_remove("CLI_AUTH_TLS_ROOTS")
        // Lambda sets neither; a shell's would make the SDK's default
        // client read a whole certificate directory at every start.
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR")
        .stdout(stdout)
        .stderr(stderr)
        .kill_on_drop(true);
    command
}

/// Fresh tables in DynamoDB Local (from the environment) seeded with the
/// fixtures' world at the wall clock's now.
pub async fn fixture_world() -> cli_auth_core::store::dynamodb::TableNames {
    use cli_auth_core::store::dynamodb::DynamoStore;
    crate::dynamodb_endpoint();
    let tables = crate::unique_tables();
    let store = DynamoStore::new(
        cli_auth_core::store::dynamodb::client::from_env(Vec::new()).await,
        tables.clone(),
    );
    store.create_tables().await.expect("tables");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default();
    crate::fixtures::seed(&store, now).await;
    tables
}
