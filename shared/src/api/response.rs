//! Building responses, and the conventions every response follows.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use serde::Serialize;

use super::errors::{ApiError, KnownError};

pub type HttpResponse = Response<Bytes>;

const JSON: &str = "application/json; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

/// Request headers browsers may send cross-origin: every header either
/// version of Stack's JS SDK sends (api.md §2).
pub const CORS_ALLOW_HEADERS: &str = "content-type, authorization, ngrok-skip-browser-warning, baggage, \
sentry-trace, x-stack-project-id, x-stack-access-type, \
x-stack-publishable-client-key, x-stack-secret-server-key, \
x-stack-super-secret-admin-key, x-stack-access-token, x-stack-refresh-token, \
x-stack-admin-access-token, x-stack-allow-anonymous-user, \
x-stack-override-error-status, x-stack-random-nonce, x-stack-client-version, \
x-stack-branch-id, x-hexclave-project-id, x-hexclave-access-type, \
x-hexclave-publishable-client-key, x-hexclave-secret-server-key, \
x-hexclave-super-secret-admin-key, x-hexclave-access-token, \
x-hexclave-refresh-token, x-hexclave-admin-access-token, \
x-hexclave-allow-anonymous-user, x-hexclave-override-error-status, \
x-hexclave-random-nonce, x-hexclave-client-version, x-hexclave-branch-id";
pub const CORS_ALLOW_METHODS: &str = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
pub const CORS_EXPOSE_HEADERS: &str = "x-stack-actual-status, x-stack-known-error, \
x-stack-request-id, x-hexclave-actual-status, x-hexclave-known-error, x-hexclave-request-id";

/// Whether a request asks for its 4xx answers as 200
/// (`x-stack-override-error-status` or its `x-hexclave-` alias, any value).
pub fn wants_error_status_override(headers: &http::HeaderMap) -> bool {
    let names = &super::headers::OVERRIDE_ERROR_STATUS;
    headers.contains_key(&names.stack) || headers.contains_key(&names.hexclave)
}

/// Headers an answer carries once [`finish`]ed: its own few, the request id,
/// caching and CORS. Room for them up front spares the map two regrowths.
const HEADERS_CAPACITY: usize = 12;

fn build(status: StatusCode, content_type: &'static str, body: Bytes) -> HttpResponse {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().reserve(HEADERS_CAPACITY);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A JSON response.
pub fn json<T: Serialize>(status: StatusCode, value: &T) -> HttpResponse {
    match serde_json::to_vec(value) {
        Ok(body) => build(status, JSON, Bytes::from(body)),
        // Our response types are plain structs of strings and numbers.
        Err(_) => error(&ApiError::Plain {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "An internal error occurred.".into(),
        }),
    }
}

/// A Markdown document (agent auth's `auth.md`).
pub fn markdown(status: StatusCode, text: String) -> HttpResponse {
    build(status, "text/markdown; charset=utf-8", Bytes::from(text))
}

/// The one place an [`ApiError`] becomes an HTTP answer.
pub fn error(e: &ApiError) -> HttpResponse {
    let status = e.status();
    if let ApiError::OAuth { error, description } = e {
        let body = serde_json::json!({ "error": error, "error_description": description });
        return build(status, JSON, Bytes::from(body.to_string()));
    }
    match (e.known_code(), e.known_body()) {
        (Some(code), Some(body)) => {
            let mut response = build(status, JSON, Bytes::from(body.to_string()));
            let value = HeaderValue::from_static(code);
            let h = response.headers_mut();
            let names = &super::headers::KNOWN_ERROR;
            h.insert(names.stack.clone(), value.clone());
            h.insert(names.hexclave.clone(), value);
            if let ApiError::Known(
                KnownError::TooManyUserCodeAttempts {
                    retry_after_seconds,
                }
                | KnownError::TooManyClaimCodeAttempts {
                    retry_after_seconds,
                },
            ) = e
            {
                h.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_seconds));
            }
            response
        }
        _ => {
            let mut response = build(status, TEXT, Bytes::from(e.message()));
            if let ApiError::MethodNotAllowed { allow } = e
                && let Ok(value) = HeaderValue::from_str(allow)
            {
                response.headers_mut().insert(header::ALLOW, value);
            }
            response
        }
    }
}

/// An empty 204 answer to a CORS preflight.
pub fn preflight() -> HttpResponse {
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = StatusCode::NO_CONTENT;
    response.headers_mut().insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("86400"),
    );
    response
}

/// Adds what every response carries: the request id, `no-store` caching
/// (unless the handler chose otherwise), CORS headers, and the
/// `x-stack-override-error-status` rewrite of 4xx answers to 200.
pub fn finish(
    mut response: HttpResponse,
    request_id: &str,
    override_error_status: bool,
) -> HttpResponse {
    let status = response.status();
    let h = response.headers_mut();
    if let Ok(id) = HeaderValue::from_str(request_id) {
        h.insert("x-stack-request-id", id);
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store, max-age=0"),
        );
    }
    for (name, value) in [
        (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        (header::ACCESS_CONTROL_ALLOW_METHODS, CORS_ALLOW_METHODS),
        (header::ACCESS_CONTROL_ALLOW_HEADERS, CORS_ALLOW_HEADERS),
        (header::ACCESS_CONTROL_EXPOSE_HEADERS, CORS_EXPOSE_HEADERS),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    if override_error_status && status.is_client_error() {
        h.insert("x-stack-actual-status", HeaderValue::from(status.as_u16()));
        *response.status_mut() = StatusCode::OK;
    }
    response
}

#[cfg(test)]
#[path = "tests/response.rs"]
mod tests;
