//! Lambda function `cli-complete`: the endpoint is `shared/src/api/endpoints/cli_complete.rs`.

use cli_auth_core::api::endpoints::cli_complete::CliComplete;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<CliComplete>().await
}
