//! The DynamoDB client, on the service's shared AWS configuration
//! ([`crate::aws`]: timeouts and retries).

use aws_config::SdkConfig;
use aws_sdk_dynamodb::Client;
use aws_smithy_runtime_api::client::interceptors::SharedInterceptor;

/// A client from the environment, with `interceptors` watching its requests
/// (the tests count round trips and record what each endpoint does; none in
/// production).
pub async fn from_env(interceptors: Vec<SharedInterceptor>) -> Client {
    with_endpoint(None, interceptors).await
}

/// As [`from_env`], with an explicit endpoint (tests point it at fakes that
/// throttle or hang).
pub async fn with_endpoint(endpoint: Option<&str>, interceptors: Vec<SharedInterceptor>) -> Client {
    let mut builder = aws_sdk_dynamodb::config::Builder::from(&crate::aws::config_from_env().await);
    if let Some(url) = endpoint {
        builder = builder.endpoint_url(url);
    }
    for interceptor in interceptors {
        builder.push_interceptor(interceptor);
    }
    Client::from_conf(builder.build())
}

/// A client of an already loaded configuration (a function's init loads it
/// once for every client it makes).
pub fn from_config(config: &SdkConfig) -> Client {
    Client::new(config)
}
