//! Lambda function serving `users-get`; the endpoint lives in the core crate
//! (`shared/src/api/endpoints/users_get.rs`).

use cli_auth_core::api::endpoints::users_get::UsersGet;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<UsersGet>().await
}
