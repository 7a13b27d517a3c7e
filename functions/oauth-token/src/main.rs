//! Lambda function serving `oauth-token`; the endpoint lives in the core crate
//! (`shared/src/api/endpoints/oauth_token.rs`).

use cli_auth_core::api::endpoints::oauth_token::OAuthToken;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<OAuthToken>().await
}
