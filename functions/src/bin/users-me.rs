//! Lambda function `users-me`: the endpoint is `shared/src/api/endpoints/users_me.rs`.

use cli_auth_core::api::endpoints::users_me::UsersMe;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<UsersMe>().await
}
