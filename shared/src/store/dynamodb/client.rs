//! The DynamoDB client: the standard AWS configuration chain (which honours
//! `AWS_ENDPOINT_URL_DYNAMODB`), with a time budget far below API Gateway's
//! 29 s and retries for throttling and transient errors.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::Client;
use aws_smithy_runtime_api::client::interceptors::SharedInterceptor;

/// Each attempt ≤ 2 s, the whole call with retries ≤ 6 s.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
const OPERATION_TIMEOUT: Duration = Duration::from_secs(6);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// Three attempts, jittered exponential backoff from 100 ms, at most 1 s.
const MAX_ATTEMPTS: u32 = 3;
const INITIAL_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// A client from the environment, with `interceptors` watching its requests
/// (the tests count round trips and record what each endpoint does; none in
/// production).
pub async fn from_env(interceptors: Vec<SharedInterceptor>) -> Client {
    with_endpoint(None, interceptors).await
}

/// As [`from_env`], with an explicit endpoint (tests point it at fakes that
/// throttle or hang).
pub async fn with_endpoint(endpoint: Option<&str>, interceptors: Vec<SharedInterceptor>) -> Client {
    let shared = aws_config::load_from_env().await;
    let mut builder = aws_sdk_dynamodb::config::Builder::from(&shared)
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
        )
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(MAX_ATTEMPTS)
                .with_initial_backoff(INITIAL_BACKOFF)
                .with_max_backoff(MAX_BACKOFF),
        );
    if let Some(url) = endpoint {
        builder = builder.endpoint_url(url);
    }
    for interceptor in interceptors {
        builder.push_interceptor(interceptor);
    }
    Client::from_conf(builder.build())
}
