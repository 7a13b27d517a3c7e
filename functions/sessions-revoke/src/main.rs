//! Lambda function serving `sessions-revoke`; the handler lives in the core crate.

use cli_auth_core::http::routes::Endpoint;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run(Endpoint::SessionsRevoke).await
}
