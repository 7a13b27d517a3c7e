//! Lambda function serving `cli-complete`; the endpoint lives in the core crate
//! (`shared/src/api/endpoints/cli_complete.rs`).

use cli_auth_core::api::endpoints::cli_complete::CliComplete;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<CliComplete>().await
}
