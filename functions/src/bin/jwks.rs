//! Lambda function `jwks`: the endpoint is `shared/src/api/endpoints/jwks.rs`.

use cli_auth_core::api::endpoints::jwks::Jwks;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<Jwks>().await
}
