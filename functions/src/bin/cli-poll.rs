//! Lambda function `cli-poll`: the endpoint is `shared/src/api/endpoints/cli_poll.rs`.

use cli_auth_core::api::endpoints::cli_poll::CliPoll;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<CliPoll>().await
}
