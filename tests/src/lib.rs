//! Helpers shared by the integration and end-to-end tests.

pub mod fixtures;
pub mod lambda_runtime;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use cli_auth_core::App;
use cli_auth_core::clock::{Clock, ManualClock, Millis};
use cli_auth_core::domain::access::AccessType;
use cli_auth_core::domain::project::{NewKey, Project};
use cli_auth_core::domain::session::Session;
use cli_auth_core::domain::store::Store;
use cli_auth_core::domain::tokens::TokenIssuer;
use cli_auth_core::domain::user::User;
use cli_auth_core::secret::{LocatedSecret, random_id, random_token};
use cli_auth_core::store::dynamodb::{DynamoStore, RequestCounter, TableNames};
use cli_auth_core::store::memory::MemoryStore;
use serde_json::Value;

pub const T0: Millis = 1_795_885_445_123;
pub const BASE_URL: &str = "http://localhost:8787";

/// The endpoint of the DynamoDB Local that `scripts/test.sh` started.
pub fn dynamodb_endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap_or_else(|_| {
        panic!(
            "AWS_ENDPOINT_URL_DYNAMODB is not set: the DynamoDB tests need DynamoDB Local. \
             Run them with scripts/test.sh, which starts it."
        )
    })
}

/// A fresh set of tables in DynamoDB Local, unique to this call.
pub fn unique_tables() -> TableNames {
    TableNames::with_prefix(&format!("t{}-", &random_id()[..8]))
}

/// A DynamoDB store on fresh tables, optionally counting round trips.
pub async fn dynamo_store(counter: Option<RequestCounter>) -> DynamoStore {
    dynamodb_endpoint();
    let client = cli_auth_core::store::dynamodb::client::from_env(counter.clone()).await;
    let store = DynamoStore::new(client, unique_tables());
    store
        .create_tables()
        .await
        .expect("create tables in DynamoDB Local");
    if let Some(c) = counter {
        c.reset();
    }
    store
}

/// Which store a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    Memory,
    Dynamo,
}

pub async fn store(kind: StoreKind) -> Arc<dyn Store> {
    match kind {
        StoreKind::Memory => Arc::new(MemoryStore::new()),
        StoreKind::Dynamo => Arc::new(dynamo_store(None).await),
    }
}

pub fn token_issuer() -> TokenIssuer {
    TokenIssuer::new(random_token(32).as_bytes(), 600).expect("issuer")
}

/// An app on `store` whose clock the test moves.
pub fn app(store: Arc<dyn Store>, clock: Arc<ManualClock>) -> App {
    App::new(
        store,
        clock as Arc<dyn Clock>,
        token_issuer(),
        Duration::from_secs(60),
        Some(BASE_URL.to_owned()),
    )
}

/// A seeded project (client key required) on a store, and an app over it
/// whose clock the test moves.
pub struct TestApp {
    pub store: Arc<dyn Store>,
    pub clock: Arc<ManualClock>,
    pub app: Arc<App>,
    pub seeded: Seeded,
}

pub async fn test_app(kind: StoreKind) -> TestApp {
    let store = store(kind).await;
    let clock = Arc::new(ManualClock::new(T0));
    let seeded = seed_project(store.as_ref(), true).await;
    let app = Arc::new(app(Arc::clone(&store), Arc::clone(&clock)));
    TestApp {
        store,
        clock,
        app,
        seeded,
    }
}

/// A project and its three keys (client, server, admin).
pub struct Seeded {
    pub project: Project,
    pub client_key: String,
    pub server_key: String,
    pub admin_key: String,
}

pub async fn seed_project(store: &dyn Store, requires_client_key: bool) -> Seeded {
    let (project, keys) = Project::create("Test", requires_client_key, T0);
    store
        .create_project(&project)
        .await
        .expect("create project");
    let [client, server, admin]: [NewKey; 3] = keys;
    Seeded {
        project,
        client_key: client.text,
        server_key: server.text,
        admin_key: admin.text,
    }
}

/// A user with a live session, as the sessions endpoints will make them.
pub struct SeededUser {
    pub user: User,
    pub session: Session,
    pub refresh_token: String,
}

pub async fn seed_user(
    store: &dyn Store,
    project_id: &str,
    anonymous: bool,
    now: Millis,
    lifetime: Millis,
) -> SeededUser {
    let user = User {
        id: random_id(),
        project_id: project_id.to_owned(),
        display_name: (!anonymous).then(|| "Ada".to_owned()),
        primary_email: None,
        is_anonymous: anonymous,
        signed_up_at_millis: now,
        client_metadata: Value::Null,
        server_metadata: Value::Null,
    };
    store.put_user(&user).await.expect("put user");
    let (session, token): (Session, LocatedSecret) =
        Session::create(project_id, &user.id, now, lifetime, false);
    store.put_session(&session).await.expect("put session");
    SeededUser {
        user,
        session,
        refresh_token: token.expose(),
    }
}

/// Builds a request the way a client sends it.
pub struct Req {
    builder: http::request::Builder,
    body: Bytes,
}

impl Req {
    pub fn post(path: &str) -> Self {
        Self::new(http::Method::POST, path)
    }

    pub fn new(method: http::Method, path: &str) -> Self {
        Self {
            builder: http::Request::builder().method(method).uri(path),
            body: Bytes::new(),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.builder = self.builder.header(name, value);
        self
    }

    /// `client` access with the project's publishable key.
    pub fn client(self, s: &Seeded) -> Self {
        self.access(s, AccessType::Client)
    }

    pub fn access(self, s: &Seeded, kind: AccessType) -> Self {
        let key = match kind {
            AccessType::Client => &s.client_key,
            AccessType::Server => &s.server_key,
            AccessType::Admin => &s.admin_key,
        };
        self.header("x-stack-access-type", kind.as_str())
            .header("x-stack-project-id", &s.project.id)
            .header(
                &format!("x-stack-{}", cli_auth_core::api::headers::key_header(kind)),
                key,
            )
    }

    pub fn json(mut self, body: Value) -> Self {
        self.builder = self.builder.header("content-type", "application/json");
        self.body = Bytes::from(body.to_string());
        self
    }

    pub fn raw(mut self, content_type: Option<&str>, body: &[u8]) -> Self {
        if let Some(ct) = content_type {
            self.builder = self.builder.header("content-type", ct);
        }
        self.body = Bytes::copy_from_slice(body);
        self
    }

    pub fn build(self) -> http::Request<Bytes> {
        self.builder.body(self.body).expect("valid request")
    }

    pub async fn send(self, app: &App) -> Resp {
        Resp::from(app.handle(self.build()).await)
    }
}

/// A response, with its body read as JSON when it is JSON.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub text: String,
    pub json: Value,
}

impl From<http::Response<Bytes>> for Resp {
    fn from(r: http::Response<Bytes>) -> Self {
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = String::from_utf8_lossy(r.body()).into_owned();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Self {
            status,
            headers,
            text,
            json,
        }
    }
}

impl Resp {
    /// The known-error code, checked against both headers.
    pub fn known_error(&self) -> Option<&str> {
        let header = self.headers.get("x-stack-known-error")?.to_str().ok()?;
        assert_eq!(
            self.headers
                .get("x-hexclave-known-error")
                .and_then(|v| v.to_str().ok()),
            Some(header),
            "both known-error headers"
        );
        assert_eq!(
            self.json["code"].as_str(),
            Some(header),
            "body code matches header"
        );
        assert!(
            self.headers["content-type"]
                .to_str()
                .is_ok_and(|c| c.starts_with("application/json")),
            "known errors are JSON"
        );
        Some(header)
    }

    /// Asserts a plain-text error with this status and message.
    pub fn assert_plain(&self, status: u16, message: &str) {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(self.text, message, "{self:?}");
        assert!(self.headers.get("x-stack-known-error").is_none());
        assert!(
            self.headers["content-type"]
                .to_str()
                .is_ok_and(|c| c.starts_with("text/plain")),
            "plain errors are text"
        );
    }

    /// Asserts a known error with this status and code.
    pub fn assert_known(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(self.known_error(), Some(code), "{self:?}");
    }
}

/// A store that fails on demand: the `n`-th call from now (0 = the next one),
/// or every call, answers [`StoreError::Unavailable`] without reaching the
/// store behind it. Proves that a fault at any step leaves no partial state.
pub struct FaultyStore {
    inner: Arc<dyn Store>,
    calls: std::sync::atomic::AtomicUsize,
    fail_at: std::sync::atomic::AtomicUsize,
}

const NEVER: usize = usize::MAX;

impl FaultyStore {
    pub fn new(inner: Arc<dyn Store>) -> Self {
        Self {
            inner,
            calls: 0.into(),
            fail_at: NEVER.into(),
        }
    }

    /// Fails the `n`-th store call from now, and only that one.
    pub fn fail_call(&self, n: usize) {
        use std::sync::atomic::Ordering::SeqCst;
        self.fail_at.store(self.calls.load(SeqCst) + n, SeqCst);
    }

    pub fn heal(&self) {
        self.fail_at
            .store(NEVER, std::sync::atomic::Ordering::SeqCst);
    }

    /// Store calls made so far.
    pub fn calls(&self) -> usize {
        self.calls.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn check(&self) -> StoreResult<()> {
        use std::sync::atomic::Ordering::SeqCst;
        let n = self.calls.fetch_add(1, SeqCst);
        if n == self.fail_at.load(SeqCst) {
            Err(StoreError::Unavailable(
                "injected fault: connection reset by peer".into(),
            ))
        } else {
            Ok(())
        }
    }
}

use cli_auth_core::domain::login_attempt::{AttemptKey, CliAttempt};
use cli_auth_core::domain::store::{Claim, Found, Lookup, PickUp, StoreError, StoreResult};
use cli_auth_core::domain::user::UserPatch;

#[async_trait::async_trait]
impl Store for FaultyStore {
    async fn get_project(&self, id: &str) -> StoreResult<Option<Project>> {
        self.check()?;
        self.inner.get_project(id).await
    }
    async fn create_project(&self, p: &Project) -> StoreResult<()> {
        self.check()?;
        self.inner.create_project(p).await
    }
    async fn save_project(&self, p: &Project) -> StoreResult<()> {
        self.check()?;
        self.inner.save_project(p).await
    }
    async fn list_projects(&self) -> StoreResult<Vec<Project>> {
        self.check()?;
        self.inner.list_projects().await
    }
    async fn put_user(&self, u: &User) -> StoreResult<()> {
        self.check()?;
        self.inner.put_user(u).await
    }
    async fn put_session(&self, s: &Session) -> StoreResult<()> {
        self.check()?;
        self.inner.put_session(s).await
    }
    async fn create_user_with_session(&self, u: &User, s: &Session) -> StoreResult<()> {
        self.check()?;
        self.inner.create_user_with_session(u, s).await
    }
    async fn update_user(&self, p: &str, id: &str, patch: &UserPatch) -> StoreResult<Option<User>> {
        self.check()?;
        self.inner.update_user(p, id, patch).await
    }
    async fn delete_session(&self, p: &str, id: &str) -> StoreResult<bool> {
        self.check()?;
        self.inner.delete_session(p, id).await
    }
    async fn lookup(&self, what: Lookup<'_>) -> StoreResult<Found> {
        self.check()?;
        self.inner.lookup(what).await
    }
    async fn create_attempt(&self, a: &CliAttempt) -> StoreResult<()> {
        self.check()?;
        self.inner.create_attempt(a).await
    }
    async fn pick_up(&self, key: &AttemptKey, now: Millis) -> StoreResult<PickUp> {
        self.check()?;
        self.inner.pick_up(key, now).await
    }
    async fn complete(&self, key: &AttemptKey, rt: &str, now: Millis) -> StoreResult<bool> {
        self.check()?;
        self.inner.complete(key, rt, now).await
    }
    async fn claim_anon_session(&self, key: &AttemptKey, now: Millis) -> StoreResult<Claim> {
        self.check()?;
        self.inner.claim_anon_session(key, now).await
    }
}

/// Runs each named `async fn(StoreKind)` as two tests, `memory::name` and
/// `dynamodb::name`.
#[macro_export]
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::StoreKind::Memory).await;
                }
            )*
        }
        mod dynamodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name($crate::StoreKind::Dynamo).await;
                }
            )*
        }
    };
}
