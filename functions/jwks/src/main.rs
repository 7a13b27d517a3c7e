//! Lambda function serving `jwks`; the endpoint lives in the core crate
//! (`shared/src/api/endpoints/jwks.rs`).

use cli_auth_core::api::endpoints::jwks::Jwks;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<Jwks>().await
}
