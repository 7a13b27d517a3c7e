//! Requests as clients send them, and their answers.

use bytes::Bytes;
use cli_auth_core::App;
use cli_auth_core::api::router;
use cli_auth_core::domain::access::AccessType;
use serde_json::Value;

use crate::test_app::Seeded;

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

    /// The caller's address as the front end reports it (API Gateway's
    /// `sourceIp`, the dev server's socket peer).
    pub fn source_ip(mut self, ip: &str) -> Self {
        self.builder = self
            .builder
            .extension(cli_auth_core::api::context::SourceIp(ip.to_owned()));
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
                cli_auth_core::api::headers::key_header(kind).stack.as_str(),
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

    /// Sends the request through the app; its store requests are recorded
    /// as its endpoint's ([`crate::iam`]).
    pub async fn send(self, app: &App) -> Resp {
        let request = self.build();
        let function = match router::route(request.method(), request.uri().path()) {
            Ok(router::Route::Call(endpoint, _)) => endpoint.route.function,
            _ => "",
        };
        Resp::from(
            crate::iam::FUNCTION
                .scope(function, app.handle(request))
                .await,
        )
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
    /// A string field of the JSON body (panics, naming it, when absent).
    pub fn string(&self, field: &str) -> String {
        self.json[field]
            .as_str()
            .unwrap_or_else(|| panic!("{field} in {self:?}"))
            .to_owned()
    }

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
