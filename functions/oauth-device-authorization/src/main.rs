//! Lambda function serving `oauth-device-authorization`; the endpoint lives in the core crate
//! (`shared/src/api/endpoints/oauth_device_authorization.rs`).

use cli_auth_core::api::endpoints::oauth_device_authorization::OAuthDeviceAuthorization;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<OAuthDeviceAuthorization>().await
}
