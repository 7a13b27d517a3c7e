//! Lambda function `oauth-token`: the endpoint is `shared/src/api/endpoints/oauth_token.rs`.

use cli_auth_core::api::endpoints::oauth_token::OAuthToken;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<OAuthToken>().await
}
