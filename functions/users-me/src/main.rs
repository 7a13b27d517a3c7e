//! Lambda function serving `users-me`; the endpoint lives in the core crate
//! (`shared/src/api/endpoints/users_me.rs`).

use cli_auth_core::api::endpoints::users_me::UsersMe;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<UsersMe>().await
}
