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
use crate::config::{ConfigError, HostedSettings, Settings};
use crate::pages::{self, HostedPage, SignInMethod};
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

/// Runs the function of the hosted page's route `function` (api.md §10)
/// until the runtime stops it.
pub async fn run_page(function: &str) -> Result<(), lambda_http::Error> {
    init_json_tracing();
    let route = pages::route_by_function(function)
        .ok_or_else(|| format!("{function} is not a route of the page (pages/mod.rs)"))?;
    let page = match page_from_env().await {
        Ok(page) => Arc::new(page),
        Err(e) => {
            tracing::error!(error = %e, "init failed");
            return Err(e);
        }
    };
    lambda_http::run(service_fn(move |request: lambda_http::Request| {
        let page = Arc::clone(&page);
        async move {
            let request = into_http(request);
            let mut response = page.serve(route, &request).await;
            // Pages are for this origin only: no CORS, but the request id.
            if let Some(id) = request.extensions().get::<RequestId>()
                && let Ok(id) = http::HeaderValue::from_str(&id.0)
            {
                response.headers_mut().insert("x-stack-request-id", id);
            }
            Ok::<_, Infallible>(into_lambda(response))
        }
    }))
    .await
}

/// The page on DynamoDB, configured from the environment: the app, the
/// project (`CLI_AUTH_HOSTED_PROJECT_ID`), the provider (or none: the page
/// then says sign-in is not set up).
async fn page_from_env() -> Result<HostedPage, lambda_http::Error> {
    let (app, sdk) = app_and_sdk_from_env().await?;
    let settings = HostedSettings::from_env()?;
    let project_id = settings
        .project_id
        .clone()
        .ok_or(ConfigError::Missing("CLI_AUTH_HOSTED_PROJECT_ID"))?;
    let sign_in =
        SignInMethod::from_settings(&settings, Some(&sdk), SignInMethod::Unconfigured).await?;
    Ok(HostedPage::new(Arc::new(app), project_id, sign_in))
}

/// The app on DynamoDB, configured from the environment.
pub async fn app_from_env() -> Result<App, lambda_http::Error> {
    app_and_sdk_from_env().await.map(|(app, _)| app)
}

async fn app_and_sdk_from_env() -> Result<(App, aws_config::SdkConfig), lambda_http::Error> {
    let settings = Settings::from_env()?;
    let sdk = crate::aws::function_config_from_env(crate::config::function_trust_roots()?).await?;
    let tokens = server_secret::from_configured_source(Some(&sdk))
        .await?
        .ok_or(ConfigError::Missing(
            "CLI_AUTH_SERVER_SECRET_ID (or, for local work, CLI_AUTH_SERVER_SECRET)",
        ))?
        .token_issuer(settings.access_token_ttl_seconds)?;
    let store = DynamoStore::new(client::from_config(&sdk), settings.tables.clone());
    let app = App::new(
        Arc::new(store),
        Arc::new(SystemClock),
        tokens,
        settings.project_cache_ttl,
        settings.public_base_url,
    )
    .with_user_code_limits(settings.user_code_limits);
    Ok((app, sdk))
}

/// Converts an API Gateway request, runs the endpoint, converts the answer.
pub async fn serve(
    app: &App,
    endpoint: &'static Endpoint,
    request: lambda_http::Request,
) -> http::Response<Body> {
    let response = app.handle_endpoint(endpoint, into_http(request)).await;
    into_lambda(response)
}

/// An API Gateway request as the core takes it: its request id, source IP
/// and domain as extensions, its body as bytes.
pub fn into_http(request: lambda_http::Request) -> http::Request<Bytes> {
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
    http::Request::from_parts(parts, bytes)
}

/// A core answer as API Gateway takes it.
pub fn into_lambda(response: http::Response<Bytes>) -> http::Response<Body> {
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
