//! Lambda function `cli-cancel`: the endpoint is `shared/src/api/endpoints/cli_cancel.rs`.

use cli_auth_core::api::endpoints::cli_cancel::CliCancel;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<CliCancel>().await
}
