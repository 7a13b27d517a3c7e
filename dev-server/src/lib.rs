//! The dev server: the same [`App`] the Lambda functions run, behind one
//! local HTTP listener, plus the browser's confirm page ([`confirm`]).

pub mod confirm;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use cli_auth_core::App;
use cli_auth_core::api::KnownError;
use cli_auth_core::api::context::SourceIp;
use cli_auth_core::domain::access::AccessType;
use cli_auth_core::domain::project::{NewKey, Project};
use cli_auth_core::domain::store::Store;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;

use crate::confirm::ConfirmPages;

/// The OpenAPI 3.1 description of every route, served at
/// `/api/v1/openapi.json` (and `/api/latest/openapi.json`).
pub const OPENAPI_JSON: &str = include_str!("../../docs/openapi.json");

/// Largest request body read: the core's limit, so a larger body gets the
/// core's own 413 answer.
pub use cli_auth_core::api::errors::MAX_BODY_BYTES;

/// The `Host` values the dev server answers (api.md §6): its port under
/// the loopback names, and the host of its public base URL. Any other is a
/// page that rebound its own name to the loopback address (DNS rebinding),
/// and hears 421 on every route.
#[derive(Debug, Clone)]
pub struct OwnHosts(Vec<String>);

impl OwnHosts {
    pub fn new(listening: SocketAddr, public_base_url: Option<&str>) -> Self {
        let port = listening.port();
        let mut names = vec![
            format!("127.0.0.1:{port}"),
            format!("localhost:{port}"),
            format!("[::1]:{port}"),
        ];
        // On port 80 a browser names the host alone.
        if port == 80 {
            names.extend(["127.0.0.1", "localhost", "[::1]"].map(String::from));
        }
        let public = public_base_url.and_then(|u| u.parse::<http::Uri>().ok());
        if let Some(uri) = public
            && let Some(authority) = uri.authority()
        {
            let host = authority.host().to_ascii_lowercase();
            match authority.port_u16() {
                Some(port) => names.push(format!("{host}:{port}")),
                None => {
                    let default = if uri.scheme_str() == Some("https") {
                        443
                    } else {
                        80
                    };
                    names.push(format!("{host}:{default}"));
                    names.push(host);
                }
            }
        }
        Self(names)
    }

    /// Whether a request naming `host` (its `Host` header, or HTTP/2's
    /// `:authority`) is for this server. Host names ignore case.
    pub fn allow(&self, host: Option<&str>) -> bool {
        host.is_some_and(|h| self.0.iter().any(|own| own.eq_ignore_ascii_case(h)))
    }
}

fn host_of(parts: &http::request::Parts) -> Option<&str> {
    match parts.headers.get(http::header::HOST) {
        Some(value) => value.to_str().ok(),
        None => parts.uri.authority().map(|a| a.as_str()),
    }
}

fn misdirected() -> http::Response<Bytes> {
    let mut response = http::Response::new(Bytes::from_static(
        b"Misdirected Request: this dev server answers only its own address \
          (127.0.0.1, localhost or [::1] with its port, or the host of \
          CLI_AUTH_PUBLIC_BASE_URL)",
    ));
    *response.status_mut() = http::StatusCode::MISDIRECTED_REQUEST;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Serves `app` (and the confirm `pages`, when given) on `listener` to
/// requests for one of `hosts`, until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    pages: Option<Arc<ConfirmPages>>,
    hosts: OwnHosts,
    shutdown: impl Future<Output = ()>,
) {
    let hosts = Arc::new(hosts);
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => return,
        };
        let Ok((stream, peer)) = accepted else {
            continue;
        };
        let app = Arc::clone(&app);
        let pages = pages.clone();
        let hosts = Arc::clone(&hosts);
        // The socket's peer is the caller's address here, as API Gateway's
        // sourceIp is in AWS; formatted once per connection.
        let source_ip = peer.ip().to_string();
        tokio::spawn(async move {
            let service =
                hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
                    let app = Arc::clone(&app);
                    let pages = pages.clone();
                    let hosts = Arc::clone(&hosts);
                    request.extensions_mut().insert(SourceIp(source_ip.clone()));
                    async move {
                        Ok::<_, Infallible>(handle(&app, pages.as_deref(), &hosts, request).await)
                    }
                });
            // A client that hangs up mid-request is not our error to report.
            let _ = auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn handle(
    app: &App,
    pages: Option<&ConfirmPages>,
    hosts: &OwnHosts,
    request: hyper::Request<Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    if !hosts.allow(host_of(&parts)) {
        let override_status =
            cli_auth_core::api::response::wants_error_status_override(&parts.headers);
        return cli_auth_core::api::response::finish(
            misdirected(),
            &cli_auth_core::secret::random_id(),
            override_status,
        )
        .map(Full::new);
    }
    let is_page = parts.uri.path().starts_with("/handler/");
    // The API answers by itself; the dev server's own answers (too large a
    // body, the OpenAPI document, the confirm pages) follow the same
    // conventions (request id, caching, CORS, the error-status override).
    let override_status = cli_auth_core::api::response::wants_error_status_override(&parts.headers);
    let local = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => {
            let request = http::Request::from_parts(parts, collected.to_bytes());
            let local = match pages {
                _ if is_openapi(&request) => Some(openapi()),
                Some(pages) => pages.handle(&request).await,
                None => None,
            };
            match local {
                Some(response) => response,
                None => return app.handle(request).await.map(Full::new),
            }
        }
        // Read no further than the core would accept: the same answer.
        Err(_) => cli_auth_core::api::response::error(&KnownError::RequestBodyTooLarge.into()),
    };
    let mut response = cli_auth_core::api::response::finish(
        local,
        &cli_auth_core::secret::random_id(),
        override_status,
    );
    // The dev pages and their helpers are for this origin only: no CORS.
    if is_page {
        let headers = response.headers_mut();
        for name in [
            http::header::ACCESS_CONTROL_ALLOW_ORIGIN,
            http::header::ACCESS_CONTROL_ALLOW_METHODS,
            http::header::ACCESS_CONTROL_ALLOW_HEADERS,
            http::header::ACCESS_CONTROL_EXPOSE_HEADERS,
            http::header::ACCESS_CONTROL_MAX_AGE,
        ] {
            headers.remove(name);
        }
    }
    response.map(Full::new)
}

fn is_openapi(request: &http::Request<Bytes>) -> bool {
    request.method() == http::Method::GET
        && cli_auth_core::api::router::strip_prefix(request.uri().path()) == Some("/openapi.json")
}

fn openapi() -> http::Response<Bytes> {
    let mut response = http::Response::new(Bytes::from_static(OPENAPI_JSON.as_bytes()));
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    headers.insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("public, max-age=300"),
    );
    response
}

/// The environment variables that fix the dev project's keys, by access type.
pub fn key_variable(kind: AccessType) -> &'static str {
    match kind {
        AccessType::Client => "CLI_AUTH_DEV_PUBLISHABLE_CLIENT_KEY",
        AccessType::Server => "CLI_AUTH_DEV_SECRET_SERVER_KEY",
        AccessType::Admin => "CLI_AUTH_DEV_SUPER_SECRET_ADMIN_KEY",
    }
}

/// One key of the dev project: its text, and whether it was generated now
/// (and so must be shown) or given by the environment.
pub struct DevKey {
    pub kind: AccessType,
    pub text: String,
    pub generated: bool,
}

/// Makes sure the dev project exists with the given id and keys (generating
/// those not given), and returns the keys.
pub async fn ensure_dev_project(
    store: &dyn Store,
    project_id: &str,
    given: [Option<String>; 3],
    now: i64,
) -> Result<Vec<DevKey>, cli_auth_core::domain::store::StoreError> {
    let mut project = match store.get_project(project_id).await? {
        Some(p) => p,
        None => Project::new(project_id, "Dev project", true, now),
    };
    let mut keys = Vec::new();
    for (kind, given) in AccessType::ALL.into_iter().zip(given) {
        let generated = given.is_none();
        let key = match given {
            Some(text) => NewKey::from_text(text),
            None => NewKey::generate(kind),
        };
        project.set_key_hash(kind, key.hash);
        keys.push(DevKey {
            kind,
            text: key.text,
            generated,
        });
    }
    store.save_project(&project).await?;
    Ok(keys)
}
