//! Lambda function `hosted-oidc-callback`: a route of the hosted confirm page, `shared/src/pages/` (`pages::ROUTES`).

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run_page("hosted-oidc-callback").await
}
