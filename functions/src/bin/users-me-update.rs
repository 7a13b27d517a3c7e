//! Lambda function `users-me-update`: the endpoint is `shared/src/api/endpoints/users_me_update.rs`.

use cli_auth_core::api::endpoints::users_me_update::UsersMeUpdate;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<UsersMeUpdate>().await
}
