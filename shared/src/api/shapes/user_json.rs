//! A user in and out of the users endpoints: the body of POST and PATCH
//! `/users`, and the user as the API shows it.

use serde_json::{Value, json};

use crate::api::body::values::{DisplayName, Email, Json};
use crate::api::body::{Nullable, ServerOnly, request_body};
use crate::api::context::Context;
use crate::domain::user::{User, UserPatch};

request_body! {
    /// The body of POST and PATCH /users: a field left out is kept, a field
    /// sent as `null` is cleared.
    pub struct UserBody {
        pub display_name: Nullable<DisplayName>,
        pub primary_email: Nullable<Email>,
        pub is_anonymous: Option<bool>,
        pub client_metadata: Nullable<Json>,
        pub server_metadata: Nullable<Json>,
    }
}

impl From<UserBody> for UserPatch {
    fn from(b: UserBody) -> Self {
        MeBody {
            display_name: b.display_name,
            profile_image_url: Nullable::Absent,
            client_metadata: b.client_metadata,
            primary_email: ServerOnly(b.primary_email),
            is_anonymous: ServerOnly(b.is_anonymous),
            server_metadata: ServerOnly(b.server_metadata),
        }
        .into()
    }
}

request_body! {
    /// The body of PATCH /users/me: client access may set only
    /// `display_name`, `profile_image_url` and `client_metadata`; server and
    /// admin access may also set what PATCH /users/{user_id} sets.
    pub struct MeBody {
        pub display_name: Nullable<DisplayName>,
        pub profile_image_url: Nullable<String>,
        pub client_metadata: Nullable<Json>,
        pub primary_email: ServerOnly<Nullable<Email>>,
        pub is_anonymous: ServerOnly<Option<bool>>,
        pub server_metadata: ServerOnly<Nullable<Json>>,
    }
}

impl From<MeBody> for UserPatch {
    fn from(b: MeBody) -> Self {
        let metadata = |m: Nullable<Json>| m.into_patch().map(|v| v.map_or(Value::Null, |j| j.0));
        Self {
            display_name: b.display_name.into_patch().map(|n| n.map(|n| n.0)),
            primary_email: b.primary_email.0.into_patch().map(|e| e.map(|e| e.0)),
            profile_image_url: b.profile_image_url.into_patch(),
            is_anonymous: b.is_anonymous.0,
            client_metadata: metadata(b.client_metadata),
            server_metadata: metadata(b.server_metadata.0),
        }
    }
}

/// A user as the API shows it: every field of Stack's client read schema,
/// with defaults where this service has no such feature (api.md §4);
/// server and admin access also see `server_metadata` and
/// `last_active_at_millis`.
pub fn user_json(user: &User, ctx: &Context<'_>) -> Value {
    let restricted_reason = user.restricted_reason();
    let mut body = json!({
        "id": user.id,
        "display_name": user.display_name,
        "primary_email": user.primary_email,
        "primary_email_verified": false,
        "profile_image_url": user.profile_image_url,
        "is_anonymous": user.is_anonymous,
        "is_restricted": restricted_reason.is_some(),
        "restricted_reason": restricted_reason,
        "restricted_by_admin": false,
        "restricted_by_admin_reason": null,
        "signed_up_at_millis": user.signed_up_at_millis,
        "client_metadata": user.client_metadata,
        "client_read_only_metadata": null,
        "has_password": false,
        "auth_with_email": false,
        "otp_auth_enabled": false,
        "passkey_auth_enabled": false,
        "requires_totp_mfa": false,
        "oauth_providers": [],
        "selected_team_id": null,
        "selected_team": null,
    });
    if ctx.is_server() {
        body["server_metadata"] = user.server_metadata.clone();
        body["last_active_at_millis"] = json!(user.signed_up_at_millis);
    }
    body
}
