//! Lambda function `users-update`: the endpoint is `shared/src/api/endpoints/users_update.rs`.

use cli_auth_core::api::endpoints::users_update::UsersUpdate;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<UsersUpdate>().await
}
