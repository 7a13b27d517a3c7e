//! Lambda function `users-me-delete`: the endpoint is `shared/src/api/endpoints/users_me_delete.rs`.

use cli_auth_core::api::endpoints::users_me_delete::UsersMeDelete;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<UsersMeDelete>().await
}
