//! The dev server's browser side: the hosted confirm page a CLI opens
//! (`/handler/cli-auth-confirm?login_code=…`, the core's
//! [`HostedPage`], as deployed), and two dev-only calls for tests and tools
//! that a real app provides itself: signing a person in as a dev user
//! (a session, as JSON), and reading an attempt's state.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use cli_auth_core::App;
use cli_auth_core::api::response;
use cli_auth_core::clock::{Clock, SystemClock};
use cli_auth_core::domain::login_attempt::{AttemptKey, AttemptState, CodeKind};
use cli_auth_core::domain::store::Store;
use cli_auth_core::pages::{HostedPage, looks_like_email};
use cli_auth_core::secret::LocatedSecret;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use serde_json::{Value, json};

pub use cli_auth_core::pages::CONFIRM_PATH;
pub const SIGN_IN_PATH: &str = "/handler/dev/sign-in";
pub const ATTEMPT_PATH: &str = "/handler/dev/cli-attempt";

/// Longest accepted email or display name (the API's own string limit is
/// larger; a person's name fits well within this).
const MAX_FIELD_CHARS: usize = 200;

/// The dev project's pages. Users signed in here are remembered by email
/// (or display name) for the life of the process.
pub struct ConfirmPages {
    hosted: HostedPage,
    app: Arc<App>,
    store: Arc<dyn Store>,
    project_id: String,
    secret_server_key: String,
    dev_users: Mutex<HashMap<String, String>>,
}

impl ConfirmPages {
    pub fn new(
        hosted: HostedPage,
        app: Arc<App>,
        store: Arc<dyn Store>,
        project_id: String,
        secret_server_key: String,
    ) -> Self {
        Self {
            hosted,
            app,
            store,
            project_id,
            secret_server_key,
            dev_users: Mutex::new(HashMap::new()),
        }
    }

    /// Answers the page routes; `None` for any other path. The dev server
    /// adds the conventions every answer carries (request id, `no-store`).
    pub async fn handle(&self, request: &Request<Bytes>) -> Option<Response<Bytes>> {
        if let Some(page) = self.hosted.handle(request).await {
            return Some(page);
        }
        let path = request.uri().path();
        let response = match (path, request.method()) {
            (SIGN_IN_PATH, &Method::POST) => match cross_site_refusal(request) {
                None => self.sign_in(request.body()).await,
                Some(refused) => refused,
            },
            (ATTEMPT_PATH, &Method::GET) => self.attempt(request.uri().query()).await,
            (SIGN_IN_PATH, _) => method_not_allowed("POST"),
            (ATTEMPT_PATH, _) => method_not_allowed("GET"),
            _ => return None,
        };
        Some(response)
    }

    /// What a login code's attempt is doing, for the page to explain an
    /// unusable code: `pending` (with `expires_at`), `approved` (completed,
    /// maybe already picked up), `expired` or `invalid`.
    async fn attempt(&self, query: Option<&str>) -> Response<Bytes> {
        let code = query.and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "login_code")
                .map(|(_, v)| v.into_owned())
        });
        let Some(code) = code.as_deref().and_then(LocatedSecret::parse) else {
            return response::json(StatusCode::OK, &json!({ "state": "invalid" }));
        };
        let attempt = match self.store.attempt(&code.id).await {
            Ok(attempt) => attempt,
            Err(_) => {
                return response::json(
                    StatusCode::SERVICE_UNAVAILABLE,
                    &json!({ "error": "The store is unavailable; try again." }),
                );
            }
        };
        let key = AttemptKey::new(&self.project_id, &code, CodeKind::Login);
        let body = match attempt.filter(|a| a.is_named_by(&key)) {
            None => json!({ "state": "invalid" }),
            Some(a) => {
                let state = match a.state(SystemClock.now_millis()) {
                    AttemptState::Expired => "expired",
                    AttemptState::Used | AttemptState::Completed => "approved",
                    AttemptState::Refused(refusal) => refusal.as_str(),
                    AttemptState::Pending => "pending",
                };
                json!({
                    "state": state,
                    "expires_at": cli_auth_core::clock::iso_millis(a.expires_at_millis),
                })
            }
        };
        response::json(StatusCode::OK, &body)
    }

    /// Signs a person in as a dev user, created on first use of an email
    /// (or, without one, a display name), and returns a new session of that
    /// user. Each call is a new session, so the page hands the CLI a session
    /// of its own rather than the browser's.
    async fn sign_in(&self, body: &Bytes) -> Response<Bytes> {
        let Ok(input) = serde_json::from_slice::<Value>(body) else {
            return bad_request("Send JSON: {\"email\": ..., \"display_name\": ...}.");
        };
        let field = |name: &str| {
            input
                .get(name)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let (email, display_name) = (field("email"), field("display_name"));
        if email.is_none() && display_name.is_none() {
            return bad_request("Give an email or a display name.");
        }
        if [&email, &display_name]
            .into_iter()
            .flatten()
            .any(|s| s.chars().count() > MAX_FIELD_CHARS)
        {
            return bad_request("Keep the email and display name under 200 characters.");
        }
        if email.as_deref().is_some_and(|e| !looks_like_email(e)) {
            return bad_request("That email does not look like an email address.");
        }
        let who = email
            .as_deref()
            .map(|e| format!("email:{}", e.to_lowercase()))
            .or_else(|| display_name.as_deref().map(|n| format!("name:{n}")))
            .unwrap_or_default();

        let known = self
            .dev_users
            .lock()
            .ok()
            .and_then(|m| m.get(&who).cloned());
        let mut user = None;
        if let Some(id) = known {
            let (status, found) = self.call(Method::GET, &format!("/users/{id}"), None).await;
            if status == StatusCode::OK {
                user = Some(found);
            }
        }
        let user = match user {
            Some(user) => user,
            None => {
                let (status, created) = self
                    .call(
                        Method::POST,
                        "/users",
                        Some(json!({ "primary_email": email, "display_name": display_name })),
                    )
                    .await;
                if status != StatusCode::CREATED {
                    return response::json(status, &created);
                }
                if let (Some(id), Ok(mut users)) = (
                    created.get("id").and_then(Value::as_str),
                    self.dev_users.lock(),
                ) {
                    users.insert(who, id.to_owned());
                }
                created
            }
        };
        let user_id = user.get("id").cloned().unwrap_or(Value::Null);
        let (status, session) = self
            .call(
                Method::POST,
                "/auth/sessions",
                Some(json!({ "user_id": user_id })),
            )
            .await;
        if !status.is_success() {
            return response::json(status, &session);
        }
        response::json(
            StatusCode::OK,
            &json!({
                "user": user,
                "refresh_token": session.get("refresh_token"),
                "access_token": session.get("access_token"),
            }),
        )
    }

    /// Calls the API in-process with the dev project's server key.
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let body = body.map(|b| Bytes::from(b.to_string())).unwrap_or_default();
        let mut builder = Request::builder()
            .method(method)
            .uri(format!("/api/v1{path}"))
            .header("x-stack-project-id", &self.project_id)
            .header("x-stack-access-type", "server")
            .header("x-stack-secret-server-key", &self.secret_server_key);
        if !body.is_empty() {
            builder = builder.header(header::CONTENT_TYPE, "application/json");
        }
        let Ok(request) = builder.body(body) else {
            return (StatusCode::BAD_REQUEST, Value::Null);
        };
        let response = self.app.handle(request).await;
        let status = response.status();
        let value = serde_json::from_slice(response.body()).unwrap_or_else(
            |_| json!({ "error": String::from_utf8_lossy(response.body()).into_owned() }),
        );
        (status, value)
    }
}

fn bad_request(message: &str) -> Response<Bytes> {
    response::json(StatusCode::BAD_REQUEST, &json!({ "error": message }))
}

/// The dev sign-in hands out sessions to anyone who asks, so only this
/// server's own page may ask: a JSON body (which no other site can send
/// without a CORS preflight, and `/handler/*` answers none), and no Origin
/// but this server's own (`http://<Host>`). The refusal, if it is refused.
fn cross_site_refusal(request: &Request<Bytes>) -> Option<Response<Bytes>> {
    let headers = request.headers();
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if media_type.as_deref() != Some("application/json") {
        let mut r = bad_request("Send JSON (content-type: application/json).");
        *r.status_mut() = StatusCode::UNSUPPORTED_MEDIA_TYPE;
        return Some(r);
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let own = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(|host| format!("http://{host}"));
        if own.as_deref().map(str::as_bytes) != Some(origin.as_bytes()) {
            let mut r = bad_request("The dev sign-in only answers this server's own page.");
            *r.status_mut() = StatusCode::FORBIDDEN;
            return Some(r);
        }
    }
    None
}

fn method_not_allowed(allow: &'static str) -> Response<Bytes> {
    let mut response = response::json(
        StatusCode::METHOD_NOT_ALLOWED,
        &json!({ "error": "Method not allowed" }),
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    response
}
