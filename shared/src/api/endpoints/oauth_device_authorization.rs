//! `POST /auth/oauth/device_authorization`: RFC 8628 §3.1–3.2 over the CLI
//! login attempts (api.md §8), so that any standard device-flow client
//! logs in. The device code is the attempt's polling code, the user code its
//! short code; the person approves at the project's confirm page.

use serde::Serialize;

use super::prelude::*;
use crate::api::body::request_body;
use crate::api::errors::ApiError;
use crate::api::shapes::asked_by;
use crate::api::shapes::oauth_client::client_project;
use crate::domain::login_attempt::{
    self, DEVICE_CODE_EXPIRES_IN_MILLIS, DEVICE_INTERVAL_MILLIS, InitiateRequest,
};

pub struct OAuthDeviceAuthorization;

request_body! {
    #[ignore_unknown_fields]
    pub struct DeviceAuthorizationBody {
        pub client_id: Option<String>,
        pub client_secret: Option<String>,
        /// Accepted and ignored: a session is the whole user.
        pub scope: Option<String>,
    }
}

#[derive(Serialize)]
struct DeviceAuthorization {
    device_code: String,
    user_code: String,
    verification_uri: String,
    verification_uri_complete: String,
    expires_in: i64,
    interval: i64,
}

/// The confirm page of an app (the path Stack Auth's SDKs use).
pub fn confirm_page(app_url: &str) -> String {
    format!("{}/handler/cli-auth-confirm", app_url.trim_end_matches('/'))
}

impl Handler for OAuthDeviceAuthorization {
    const ROUTE: Route = Route::post(
        "/auth/oauth/device_authorization",
        "oauth-device-authorization",
        NO_PROJECT,
    );
    type Body = DeviceAuthorizationBody;

    async fn handle(ctx: &Context<'_>, body: DeviceAuthorizationBody) -> HandlerResult {
        let project = client_project(ctx, body.client_id, body.client_secret).await?;
        let Some(app_url) = project.app_url.as_deref() else {
            return Err(ApiError::OAuth {
                error: "unauthorized_client",
                description:
                    "This project has no app URL for its confirm page (cli-auth-admin set-app-url)."
                        .to_owned(),
            });
        };
        let at_rest = ctx.minter.tokens.login_code_sealing_key();
        let request = InitiateRequest {
            expires_in_millis: Some(DEVICE_CODE_EXPIRES_IN_MILLIS),
            asker: asked_by::asker(ctx, None),
            device_grant: true,
            ..InitiateRequest::default()
        };
        let initiated =
            login_attempt::initiate(ctx.store, at_rest, &project.id, request, ctx.now).await?;
        let page = confirm_page(app_url);
        // Login codes are URL-safe by construction (letters, digits, `-`,
        // `_`, `.`): the link carries one as it is, as Stack's SDKs do.
        let complete = format!("{page}?login_code={}", initiated.login_code);
        let mut response = response::json(
            StatusCode::OK,
            &DeviceAuthorization {
                device_code: initiated.polling_code,
                user_code: initiated.user_code,
                verification_uri: page,
                verification_uri_complete: complete,
                expires_in: DEVICE_CODE_EXPIRES_IN_MILLIS / 1000,
                interval: DEVICE_INTERVAL_MILLIS / 1000,
            },
        );
        response.headers_mut().insert(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static("no-store"),
        );
        Ok(response)
    }
}
