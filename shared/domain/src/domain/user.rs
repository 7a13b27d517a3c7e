//! Users, as far as the CLI flow needs them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::clock::Millis;

/// A change to a user: `None` keeps a field, `Some(x)` sets it (for the
/// nullable fields, `Some(None)` clears it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserPatch {
    pub display_name: Option<Option<String>>,
    pub primary_email: Option<Option<String>>,
    pub profile_image_url: Option<Option<String>>,
    pub is_anonymous: Option<bool>,
    pub client_metadata: Option<Value>,
    pub server_metadata: Option<Value>,
}

impl UserPatch {
    pub fn apply(&self, user: &mut User) {
        if let Some(v) = &self.display_name {
            user.display_name.clone_from(v);
        }
        if let Some(v) = &self.primary_email {
            user.primary_email.clone_from(v);
        }
        if let Some(v) = &self.profile_image_url {
            user.profile_image_url.clone_from(v);
        }
        if let Some(v) = self.is_anonymous {
            user.is_anonymous = v;
        }
        if let Some(v) = &self.client_metadata {
            user.client_metadata.clone_from(v);
        }
        if let Some(v) = &self.server_metadata {
            user.server_metadata.clone_from(v);
        }
    }
}

/// Why a user may use only part of the product (Stack's `restricted_reason`):
/// `{"type": "anonymous"}` for anonymous users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestrictedReason {
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub project_id: String,
    pub display_name: Option<String>,
    pub primary_email: Option<String>,
    pub profile_image_url: Option<String>,
    pub is_anonymous: bool,
    pub signed_up_at_millis: Millis,
    pub client_metadata: Value,
    pub server_metadata: Value,
}

impl User {
    /// Anonymous users are restricted; nobody else is.
    pub fn restricted_reason(&self) -> Option<RestrictedReason> {
        self.is_anonymous.then(|| RestrictedReason {
            kind: "anonymous".to_owned(),
        })
    }
}

/// Who a person is at an OpenID provider, in one project: the issuer and
/// its `sub` (OpenID Connect Core §5.7: unique and never reassigned within
/// the issuer), which the hosted page maps to one user (api.md §10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub project_id: String,
    pub issuer: String,
    pub subject: String,
}

impl Identity {
    /// The store's key: SHA-256 of the three parts, each length-prefixed
    /// (so no choice of characters makes two identities collide), as
    /// base64url. Fixed length, whatever the issuer and `sub`.
    pub fn key(&self) -> String {
        use base64::Engine as _;
        use sha2::Digest as _;
        let mut hash = sha2::Sha256::new();
        for part in [&self.project_id, &self.issuer, &self.subject] {
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part.as_bytes());
        }
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(hash.finalize())
    }
}
