//! Lambda function serving `users-create`; the endpoint lives in the core crate
//! (`shared/src/api/endpoints/users_create.rs`).

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run(&cli_auth_core::api::endpoints::users_create::ENDPOINT).await
}
