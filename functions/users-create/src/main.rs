//! Lambda function serving `users-create`; the endpoint lives in the core crate
//! (`shared/src/api/endpoints/users_create.rs`).

use cli_auth_core::api::endpoints::users_create::UsersCreate;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<UsersCreate>().await
}
