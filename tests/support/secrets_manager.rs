//! A stand-in for AWS Secrets Manager's `GetSecretValue` (JSON 1.1 over
//! HTTP), so tests and the cold-start bench can run a function's init the
//! way the template configures it: the server secret read from Secrets
//! Manager. It records every call, and can be told to fail.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

/// One request the stand-in received: its `X-Amz-Target` operation, and
/// the `SecretId` and `VersionStage` it asked for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Call {
    pub operation: String,
    pub secret_id: String,
    pub stage: String,
}

#[derive(Default)]
struct State {
    /// `SecretString` or `SecretBinary` (base64) field of the answer, by
    /// (secret id, version stage).
    values: HashMap<(String, String), (&'static str, String)>,
    calls: Vec<Call>,
    /// When set, every request answers this status.
    failing: Option<u16>,
}

/// The secret id under which [`SecretsManagerStandIn::with_fixture_secret`]
/// holds the fixtures' server secret.
pub const FIXTURE_SECRET_ID: &str = "cli-auth/server-secret";

pub struct SecretsManagerStandIn {
    address: SocketAddr,
    state: Arc<Mutex<State>>,
}

impl SecretsManagerStandIn {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        let state = Arc::new(Mutex::new(State::default()));
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

    /// A stand-in holding the fixtures' server secret as the current
    /// version of [`FIXTURE_SECRET_ID`], with no rotation under way.
    pub async fn with_fixture_secret() -> Self {
        let stand_in = Self::start().await;
        stand_in.put(
            FIXTURE_SECRET_ID,
            "AWSCURRENT",
            &String::from_utf8_lossy(crate::fixtures::FIXTURE_SECRET),
        );
        stand_in
    }

    /// The URL for `AWS_ENDPOINT_URL_SECRETS_MANAGER`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Gives secret `id` the string `value` at version stage `stage`.
    pub fn put(&self, id: &str, stage: &str, value: &str) {
        self.state().values.insert(
            (id.to_owned(), stage.to_owned()),
            ("SecretString", value.to_owned()),
        );
    }

    /// Gives secret `id` the binary `value` at version stage `stage`.
    pub fn put_binary(&self, id: &str, stage: &str, value: &[u8]) {
        use base64::Engine as _;
        let encoded = base64::engine::general_purpose::STANDARD.encode(value);
        self.state()
            .values
            .insert((id.to_owned(), stage.to_owned()), ("SecretBinary", encoded));
    }

    /// From now on every request answers `status` (e.g. 500).
    pub fn fail_with(&self, status: u16) {
        self.state().failing = Some(status);
    }

    pub fn calls(&self) -> Vec<Call> {
        self.state().calls.clone()
    }

    /// A client of the stand-in on the service's own AWS configuration
    /// (timeouts, retries), with test credentials.
    pub async fn client(&self) -> aws_sdk_secretsmanager::Client {
        use aws_sdk_secretsmanager::config::{Builder, Credentials, Region};
        let config = Builder::from(&cli_auth_core::aws::config_from_env().await)
            .endpoint_url(self.endpoint())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("test", "test", None, None, "stand-in"))
            .build();
        aws_sdk_secretsmanager::Client::from_conf(config)
    }
}

fn answer(status: u16, body: &Value) -> hyper::Response<Full<Bytes>> {
    hyper::Response::builder()
        .status(status)
        .header("content-type", "application/x-amz-json-1.1")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap_or_default()
}

async fn serve(
    state: &Mutex<State>,
    request: hyper::Request<hyper::body::Incoming>,
) -> hyper::Response<Full<Bytes>> {
    let operation = request
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = match request.into_body().collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let asked: Value = serde_json::from_slice(&body).unwrap_or_default();
    let secret_id = asked["SecretId"].as_str().unwrap_or_default().to_owned();
    let stage = asked["VersionStage"]
        .as_str()
        .unwrap_or("AWSCURRENT")
        .to_owned();
    let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
    state.calls.push(Call {
        operation: operation.clone(),
        secret_id: secret_id.clone(),
        stage: stage.clone(),
    });
    if let Some(status) = state.failing {
        return answer(
            status,
            &json!({"__type": "InternalServiceError", "Message": "stand-in failure"}),
        );
    }
    if operation != "secretsmanager.GetSecretValue" {
        return answer(
            400,
            &json!({"__type": "InvalidRequestException", "Message": "not in the stand-in"}),
        );
    }
    match state.values.get(&(secret_id.clone(), stage.clone())) {
        Some((field, value)) => {
            let mut found = json!({
                "ARN": format!("arn:aws:secretsmanager:us-east-1:123456789012:secret:{secret_id}"),
                "Name": secret_id,
                "VersionId": format!("{secret_id}-{stage}"),
                "VersionStages": [stage],
                "CreatedDate": 1_795_885_445.0,
            });
            found[*field] = json!(value);
            answer(200, &found)
        }
        None => answer(
            400,
            &json!({
                "__type": "ResourceNotFoundException",
                "Message": "Secrets Manager can't find the specified secret value for staging label",
            }),
        ),
    }
}
