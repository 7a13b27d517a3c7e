//! Lambda function `hosted-agent-confirm`: a route of the hosted confirm page, `shared/src/pages/` (`pages::ROUTES`).

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run_page("hosted-agent-confirm").await
}
