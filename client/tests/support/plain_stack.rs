//! A plain Stack Auth server, as far as the CLI can tell: a proxy to the
//! dev server that refuses the fields of api.md §8 in initiate and poll
//! bodies with `SCHEMA_ERROR` (as Stack's schemas refuse unknown fields) and
//! answers without §8's `user_code` and `interval`. It records every
//! initiate body it was sent.

use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

/// The body fields Stack Auth's own endpoints know.
const STACK_FIELDS: [(&str, &[&str]); 2] = [
    (
        "/api/v1/auth/cli",
        &["expires_in_millis", "anon_refresh_token"],
    ),
    ("/api/v1/auth/cli/poll", &["polling_code"]),
];

pub struct PlainStack {
    pub base_url: String,
    initiates: Arc<Mutex<Vec<Value>>>,
}

impl PlainStack {
    /// Starts a proxy in front of the service at `upstream`.
    pub async fn start(upstream: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base_url = format!("http://{}", listener.local_addr().expect("address"));
        let initiates = Arc::new(Mutex::new(Vec::new()));
        let (recorded, upstream) = (Arc::clone(&initiates), upstream.to_owned());
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            while let Ok((stream, _)) = listener.accept().await {
                let (http, upstream, recorded) =
                    (http.clone(), upstream.clone(), Arc::clone(&recorded));
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let (http, upstream, recorded) =
                            (http.clone(), upstream.clone(), Arc::clone(&recorded));
                        async move {
                            Ok::<_, Infallible>(forward(&http, &upstream, &recorded, request).await)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self {
            base_url,
            initiates,
        }
    }

    /// Every initiate body sent, in order.
    pub fn initiates(&self) -> Vec<Value> {
        self.initiates
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

async fn forward(
    http: &reqwest::Client,
    upstream: &str,
    initiates: &Mutex<Vec<Value>>,
    request: hyper::Request<hyper::body::Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let path = parts.uri.path().to_owned();
    let known = STACK_FIELDS
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, f)| *f);
    if let Some(known) = known {
        let fields: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        if path == "/api/v1/auth/cli" {
            initiates
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(fields.clone());
        }
        let unknown = fields
            .as_object()
            .is_some_and(|o| o.keys().any(|k| !known.contains(&k.as_str())));
        if unknown {
            let error = json!({"code": "SCHEMA_ERROR", "error": "Request validation failed: body contains unknown properties"});
            return hyper::Response::builder()
                .status(400)
                .header("x-stack-known-error", "SCHEMA_ERROR")
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(error.to_string())))
                .expect("response");
        }
    }
    let mut call = http.request(parts.method, format!("{upstream}{}", parts.uri));
    for (name, value) in &parts.headers {
        if name != hyper::header::HOST {
            call = call.header(name, value);
        }
    }
    let answer = call
        .body(body)
        .send()
        .await
        .expect("the dev server answers");
    let mut response = hyper::Response::builder().status(answer.status());
    for (name, value) in answer.headers() {
        if name != hyper::header::CONTENT_LENGTH {
            response = response.header(name, value);
        }
    }
    let mut bytes = answer.bytes().await.expect("body");
    if path == "/api/v1/auth/cli"
        && let Ok(Value::Object(mut fields)) = serde_json::from_slice::<Value>(&bytes)
    {
        fields.remove("user_code");
        fields.remove("interval");
        bytes = Bytes::from(Value::Object(fields).to_string());
    }
    response.body(Full::new(bytes)).expect("response")
}
