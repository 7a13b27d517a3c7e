//! The Lambda entry point shared by every function binary: build the app
//! once (the server secret, DynamoDB client, keys, caches), then serve API
//! Gateway events.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use lambda_http::request::RequestContext;
use lambda_http::{Body, RequestExt as _, service_fn};

use crate::api::App;
use crate::api::context::{PublicOrigin, RequestId, SourceIp};
use crate::api::endpoint::{Endpoint, Handler};
use crate::api::endpoints;
use crate::clock::SystemClock;
use crate::config::{ConfigError, Settings};
use crate::server_secret;
use crate::store::dynamodb::DynamoStore;
use crate::store::dynamodb::client;

/// Runs the function of endpoint `H` until the runtime stops it.
pub async fn run<H: Handler>() -> Result<(), lambda_http::Error> {
    init_json_tracing();
    let endpoint = endpoints::registered::<H>().ok_or_else(|| {
        format!(
            "{} is not in the endpoint table (api/endpoints/mod.rs)",
            H::ROUTE.function
        )
    })?;
    let app = match app_from_env().await {
        Ok(app) => Arc::new(app),
        Err(e) => {
            // Lambda prints the returned error's debug form; say it plainly
            // first, in the function's log.
            tracing::error!(error = %e, "init failed");
            return Err(e);
        }
    };
    lambda_http::run(service_fn(move |request: lambda_http::Request| {
        let app = Arc::clone(&app);
        async move { Ok::<_, Infallible>(serve(&app, endpoint, request).await) }
    }))
    .await
}

/// The app on DynamoDB, configured from the environment.
pub async fn app_from_env() -> Result<App, lambda_http::Error> {
    let settings = Settings::from_env()?;
    let sdk = crate::aws::function_config_from_env(crate::config::function_trust_roots()?).await?;
    let tokens = server_secret::from_configured_source(Some(&sdk))
        .await?
        .ok_or(ConfigError::Missing(
            "CLI_AUTH_SERVER_SECRET_ID (or, for local work, CLI_AUTH_SERVER_SECRET)",
        ))?
        .token_issuer(settings.access_token_ttl_seconds)?;
    let store = DynamoStore::new(client::from_config(&sdk), settings.tables.clone());
    Ok(App::new(
        Arc::new(store),
        Arc::new(SystemClock),
        tokens,
        settings.project_cache_ttl,
        settings.public_base_url,
    )
    .with_user_code_limits(settings.user_code_limits))
}

/// Converts an API Gateway request, runs the endpoint, converts the answer.
pub async fn serve(
    app: &App,
    endpoint: &'static Endpoint,
    request: lambda_http::Request,
) -> http::Response<Body> {
    let (request_id, domain, source_ip) = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => (
            ctx.request_id.clone(),
            ctx.domain_name.clone(),
            ctx.http.source_ip.clone(),
        ),
        _ => (None, None, None),
    };
    let (mut parts, body) = request.into_parts();
    if let Some(id) = request_id {
        parts.extensions.insert(RequestId(id));
    }
    if let Some(ip) = source_ip {
        parts.extensions.insert(SourceIp(ip));
    }
    if let Some(domain) = domain {
        parts
            .extensions
            .insert(PublicOrigin(format!("https://{domain}")));
    }
    let bytes = match body {
        Body::Empty => Bytes::new(),
        Body::Text(text) => Bytes::from(text),
        Body::Binary(bytes) => Bytes::from(bytes),
        _ => Bytes::new(),
    };
    let response = app
        .handle_endpoint(endpoint, http::Request::from_parts(parts, bytes))
        .await;
    let (parts, body) = response.into_parts();
    let body = match String::from_utf8(body.to_vec()) {
        Ok(text) if text.is_empty() => Body::Empty,
        Ok(text) => Body::Text(text),
        Err(e) => Body::Binary(e.into_bytes()),
    };
    http::Response::from_parts(parts, body)
}

/// JSON logs for CloudWatch, levels from `RUST_LOG` (default `info`), other
/// crates never below `info` ([`crate::logging`]).
pub fn init_json_tracing() {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let _ = tracing_subscriber::registry()
        .with(json_log_layer(std::io::stdout))
        .try_init();
}

/// The functions' log lines (JSON, one per event, no timestamp: CloudWatch
/// stamps each), written to `writer`; the cost model measures their bytes
/// through it.
pub fn json_log_layer<S, W>(writer: W) -> impl tracing_subscriber::Layer<S> + Send + Sync
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    use tracing_subscriber::Layer as _;
    tracing_subscriber::fmt::layer()
        .json()
        .with_current_span(true)
        .with_target(false)
        .without_time()
        .with_writer(writer)
        .with_filter(crate::logging::filter_from_env())
}
