//! Lambda function serving `anonymous-sign-up`; the handler lives in the core crate.

use cli_auth_core::http::routes::Endpoint;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run(Endpoint::AnonymousSignUp).await
}
