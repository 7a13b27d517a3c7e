//! Lambda function `users-get`: the endpoint is `shared/src/api/endpoints/users_get.rs`.

use cli_auth_core::api::endpoints::users_get::UsersGet;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<UsersGet>().await
}
