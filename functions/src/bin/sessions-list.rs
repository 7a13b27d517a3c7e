//! Lambda function `sessions-list`: the endpoint is `shared/src/api/endpoints/sessions_list.rs`.

use cli_auth_core::api::endpoints::sessions_list::SessionsList;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<SessionsList>().await
}
