//! Lambda function `cli-user-code`: the endpoint is `shared/src/api/endpoints/cli_user_code.rs`.

use cli_auth_core::api::endpoints::cli_user_code::CliUserCode;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<CliUserCode>().await
}
