//! Lambda function `cli-initiate`: the endpoint is `shared/src/api/endpoints/cli_initiate.rs`.

use cli_auth_core::api::endpoints::cli_initiate::CliInitiate;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<CliInitiate>().await
}
