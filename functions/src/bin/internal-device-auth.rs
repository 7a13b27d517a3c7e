//! Lambda function `internal-device-auth`: the endpoint is `shared/src/api/endpoints/internal_device_auth.rs`.

use cli_auth_core::api::endpoints::internal_device_auth::InternalDeviceAuth;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<InternalDeviceAuth>().await
}
