//! Lambda function `sessions-refresh`: the endpoint is `shared/src/api/endpoints/sessions_refresh.rs`.

use cli_auth_core::api::endpoints::sessions_refresh::SessionsRefresh;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<SessionsRefresh>().await
}
