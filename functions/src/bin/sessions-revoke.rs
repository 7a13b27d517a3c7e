//! Lambda function `sessions-revoke`: the endpoint is `shared/src/api/endpoints/sessions_revoke.rs`.

use cli_auth_core::api::endpoints::sessions_revoke::SessionsRevoke;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<SessionsRevoke>().await
}
