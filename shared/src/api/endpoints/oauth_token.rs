//! `POST /auth/oauth/token`: the OAuth token endpoint Stack's SDK uses to
//! turn a refresh token into access tokens (api.md §7). The client (the
//! project, with its publishable key) authenticates in the body or with
//! HTTP Basic; there are no `x-stack-*` headers.

use http::header::{self, HeaderValue};
use serde::Serialize;

use super::prelude::*;
use crate::api::body::request_body;
use crate::api::body::values::Json;
use crate::api::errors::ApiError;
use crate::api::shapes::oauth_client::{client_project, oauth_parameter};
use crate::domain::accounts;
use crate::domain::login_attempt::{self, DeviceAnswer};

pub struct OAuthToken;

request_body! {
    #[ignore_unknown_fields]
    pub struct TokenBody {
        pub grant_type: String,
        pub client_id: Option<String>,
        pub client_secret: Option<String>,
        /// Checked by the grant (an OAuth `invalid_request`, not a schema error).
        pub refresh_token: Option<Json>,
        /// The RFC 8628 grant's device code (ours, api.md §8).
        pub device_code: Option<Json>,
    }
}

/// The grant types this endpoint serves.
pub const REFRESH_TOKEN_GRANT: &str = "refresh_token";
/// RFC 8628 §3.4 (ours, api.md §8).
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

#[derive(Serialize)]
struct TokenResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'static str>,
    /// The device grant hands over the browser's refresh token.
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
}

impl Handler for OAuthToken {
    const ROUTE: Route = Route::post("/auth/oauth/token", "oauth-token", NO_PROJECT);
    type Body = TokenBody;

    async fn handle(ctx: &Context<'_>, body: TokenBody) -> HandlerResult {
        let project = client_project(ctx, body.client_id, body.client_secret).await?;
        let token = match body.grant_type.as_str() {
            REFRESH_TOKEN_GRANT => {
                let refresh_token = oauth_parameter(body.refresh_token.as_ref(), "refresh_token")?;
                let access_token =
                    accounts::refresh(ctx.store, ctx.minter, &project.id, refresh_token, ctx.now)
                        .await?;
                TokenResponse {
                    access_token,
                    token_type: "Bearer",
                    expires_in: ctx.minter.tokens.ttl_seconds(),
                    scope: Some("legacy"),
                    refresh_token: None,
                }
            }
            DEVICE_CODE_GRANT => device_grant(ctx, &project.id, body.device_code.as_ref()).await?,
            _ => {
                return Err(ApiError::OAuth {
                    error: "unsupported_grant_type",
                    description: "Unsupported grant type: `grant_type` is invalid".to_owned(),
                });
            }
        };
        let mut response = response::json(StatusCode::OK, &token);
        let h = response.headers_mut();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        Ok(response)
    }
}

/// RFC 8628 §3.4–3.5: the device code polls its attempt; on success the
/// browser's refresh token and an access token minted from it.
async fn device_grant(
    ctx: &Context<'_>,
    project_id: &str,
    device_code: Option<&Json>,
) -> Result<TokenResponse, ApiError> {
    let device_code = oauth_parameter(device_code, "device_code")?;
    let oauth = |error: &'static str, description: &str| ApiError::OAuth {
        error,
        description: description.to_owned(),
    };
    match login_attempt::device_poll(ctx.store, project_id, device_code, ctx.now).await? {
        DeviceAnswer::Token { refresh_token } => {
            let access_token =
                accounts::refresh(ctx.store, ctx.minter, project_id, &refresh_token, ctx.now)
                    .await?;
            Ok(TokenResponse {
                access_token,
                token_type: "Bearer",
                expires_in: ctx.minter.tokens.ttl_seconds(),
                scope: None,
                refresh_token: Some(refresh_token),
            })
        }
        DeviceAnswer::AuthorizationPending => Err(oauth(
            "authorization_pending",
            "The user has not approved the login yet.",
        )),
        DeviceAnswer::SlowDown => Err(oauth(
            "slow_down",
            "Polling too fast: wait 5 seconds longer between requests.",
        )),
        DeviceAnswer::AccessDenied => Err(oauth("access_denied", "The login was denied.")),
        DeviceAnswer::ExpiredToken => Err(oauth("expired_token", "The device code has expired.")),
        DeviceAnswer::InvalidGrant => Err(oauth(
            "invalid_grant",
            "The device code is invalid or was already used.",
        )),
    }
}
