//! Lambda function `oauth-discovery`: the endpoint is `shared/src/api/endpoints/oauth_discovery.rs`.

use cli_auth_core::api::endpoints::oauth_discovery::OAuthDiscovery;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<OAuthDiscovery>().await
}
