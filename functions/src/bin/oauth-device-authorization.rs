//! Lambda function `oauth-device-authorization`: the endpoint is `shared/src/api/endpoints/oauth_device_authorization.rs`.

use cli_auth_core::api::endpoints::oauth_device_authorization::OAuthDeviceAuthorization;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<OAuthDeviceAuthorization>().await
}
