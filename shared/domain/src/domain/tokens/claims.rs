//! What an access token says: its claims, its audiences, and the errors of
//! minting one.

use serde::{Deserialize, Serialize};

use crate::domain::user::RestrictedReason;

/// Default lifetime of an access token: 10 minutes.
pub const DEFAULT_ACCESS_TOKEN_TTL_SECONDS: i64 = 600;
/// The shortest server secret accepted: 32 bytes.
pub const MIN_SERVER_SECRET_BYTES: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the server secret must be at least {MIN_SERVER_SECRET_BYTES} bytes")]
    SecretTooShort,
    #[error("could not sign an access token")]
    Signing,
}

/// The claims of an access token (api.md §4): the JWT's own, Stack's,
/// and the user's values Stack's SDK validates before it uses a token (its
/// `accessTokenPayloadSchema`). The user claims default when absent, so a
/// token minted before they existed still verifies until it expires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    pub project_id: String,
    pub branch_id: String,
    pub refresh_token_id: String,
    pub role: String,
    pub is_anonymous: bool,
    /// The display name, or null.
    #[serde(default)]
    pub name: Option<String>,
    /// The primary e-mail, or null.
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub email_verified: bool,
    #[serde(default)]
    pub selected_team_id: Option<String>,
    /// Epoch seconds.
    #[serde(default)]
    pub signed_up_at: i64,
    #[serde(default)]
    pub is_restricted: bool,
    #[serde(default)]
    pub restricted_reason: Option<RestrictedReason>,
    #[serde(default)]
    pub requires_totp_mfa: bool,
}

pub fn audience(project_id: &str, is_anonymous: bool) -> String {
    if is_anonymous {
        format!("{project_id}:anon")
    } else {
        project_id.to_owned()
    }
}
