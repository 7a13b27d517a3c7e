//! Lambda function serving `anonymous-sign-up`; the endpoint lives in the core crate
//! (`shared/src/api/endpoints/anonymous_sign_up.rs`).

use cli_auth_core::api::endpoints::anonymous_sign_up::AnonymousSignUp;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<AnonymousSignUp>().await
}
