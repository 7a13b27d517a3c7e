//! Lambda function `sessions-delete`: the endpoint is `shared/src/api/endpoints/sessions_delete.rs`.

use cli_auth_core::api::endpoints::sessions_delete::SessionsDelete;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<SessionsDelete>().await
}
