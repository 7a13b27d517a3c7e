//! Lambda function serving `cli-initiate`; the endpoint lives in the core crate
//! (`shared/src/api/endpoints/cli_initiate.rs`).

use cli_auth_core::api::endpoints::cli_initiate::CliInitiate;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<CliInitiate>().await
}
