//! Lambda function `users-create`: the endpoint is `shared/src/api/endpoints/users_create.rs`.

use cli_auth_core::api::endpoints::users_create::UsersCreate;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<UsersCreate>().await
}
