//! Lambda function `anonymous-sign-up`: the endpoint is `shared/src/api/endpoints/anonymous_sign_up.rs`.

use cli_auth_core::api::endpoints::anonymous_sign_up::AnonymousSignUp;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<AnonymousSignUp>().await
}
