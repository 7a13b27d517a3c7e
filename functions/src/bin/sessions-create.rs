//! Lambda function `sessions-create`: the endpoint is `shared/src/api/endpoints/sessions_create.rs`.

use cli_auth_core::api::endpoints::sessions_create::SessionsCreate;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<SessionsCreate>().await
}
