//! Users, sessions and identities as items of their tables, and back.

use serde::{Deserialize, Serialize};

use super::items::{ClientItem, Item, from_item, ttl_seconds};
use crate::domain::login_attempt::{AskedBy, Asker, ClientDetails};
use crate::domain::session::Session;
use crate::domain::store::{StoreError, StoreResult};
use crate::domain::user::{Identity, User};
use crate::secret::SecretHash;

#[derive(Serialize, Deserialize)]
pub(super) struct UserItem {
    pub id: String,
    project_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    primary_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    profile_image_url: Option<String>,
    is_anonymous: bool,
    signed_up_at: i64,
    /// JSON text: metadata is arbitrary JSON, kept exactly as given.
    client_metadata: String,
    server_metadata: String,
}

impl From<&User> for UserItem {
    fn from(u: &User) -> Self {
        let User {
            id,
            project_id,
            display_name,
            primary_email,
            profile_image_url,
            is_anonymous,
            signed_up_at_millis,
            client_metadata,
            server_metadata,
        } = u;
        Self {
            id: id.clone(),
            project_id: project_id.clone(),
            display_name: display_name.clone(),
            primary_email: primary_email.clone(),
            profile_image_url: profile_image_url.clone(),
            is_anonymous: *is_anonymous,
            signed_up_at: *signed_up_at_millis,
            client_metadata: client_metadata.to_string(),
            server_metadata: server_metadata.to_string(),
        }
    }
}

impl TryFrom<UserItem> for User {
    type Error = StoreError;

    fn try_from(i: UserItem) -> StoreResult<Self> {
        let json = |text: &str| {
            serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("metadata: {e}")))
        };
        Ok(Self {
            client_metadata: json(&i.client_metadata)?,
            server_metadata: json(&i.server_metadata)?,
            id: i.id,
            project_id: i.project_id,
            display_name: i.display_name,
            primary_email: i.primary_email,
            profile_image_url: i.profile_image_url,
            is_anonymous: i.is_anonymous,
            signed_up_at_millis: i.signed_up_at,
        })
    }
}

#[derive(Serialize, Deserialize)]
pub(super) struct SessionItem {
    pub id: String,
    project_id: String,
    user_id: String,
    refresh_token_hash: String,
    created_at: i64,
    /// Absent on sessions written before it existed: their creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_used_at: Option<i64>,
    expires_at: i64,
    is_impersonation: bool,
    /// Who asked for it (sessions minted by the hosted confirm page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    asked_by: Option<AskedByItem>,
    /// The agent's name (sessions minted by agent auth).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    agent_name: Option<String>,
    /// The project's id, on agent sessions only: the key of the sparse
    /// index the admin overview reads (derived from `agent_name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    agent_listing: Option<String>,
    ttl: i64,
}

/// An identity at an OpenID provider and the user it names (its key is
/// `Identity::key`; the parts are kept readable beside it).
#[derive(Serialize, Deserialize)]
pub(super) struct IdentityItem {
    id: String,
    project_id: String,
    issuer: String,
    subject: String,
    pub user_id: String,
}

impl IdentityItem {
    pub fn new(identity: &Identity, user_id: &str) -> Self {
        let Identity {
            project_id,
            issuer,
            subject,
        } = identity;
        Self {
            id: identity.key(),
            project_id: project_id.clone(),
            issuer: issuer.clone(),
            subject: subject.clone(),
            user_id: user_id.to_owned(),
        }
    }
}

/// Who asked for a session: the who-is-asking of the attempt it was minted
/// for (the attempt item keeps the same fields flat).
#[derive(Serialize, Deserialize)]
pub(super) struct AskedByItem {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client: Option<ClientItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user_agent: Option<String>,
    created_at: i64,
}

impl From<&AskedBy> for AskedByItem {
    fn from(a: &AskedBy) -> Self {
        let AskedBy {
            asker:
                Asker {
                    client,
                    ip,
                    user_agent,
                },
            created_at_millis,
        } = a;
        Self {
            client: client.as_ref().map(ClientItem::from),
            ip: ip.clone(),
            user_agent: user_agent.clone(),
            created_at: *created_at_millis,
        }
    }
}

impl From<AskedByItem> for AskedBy {
    fn from(i: AskedByItem) -> Self {
        Self {
            asker: Asker {
                client: i.client.map(ClientDetails::from),
                ip: i.ip,
                user_agent: i.user_agent,
            },
            created_at_millis: i.created_at,
        }
    }
}

impl From<&Session> for SessionItem {
    fn from(s: &Session) -> Self {
        let Session {
            id,
            project_id,
            user_id,
            refresh_token_hash,
            created_at_millis,
            last_used_at_millis,
            expires_at_millis,
            is_impersonation,
            asked_by,
            agent_name,
        } = s;
        Self {
            id: id.clone(),
            project_id: project_id.clone(),
            user_id: user_id.clone(),
            refresh_token_hash: refresh_token_hash.as_str().to_owned(),
            created_at: *created_at_millis,
            last_used_at: Some(*last_used_at_millis),
            expires_at: *expires_at_millis,
            is_impersonation: *is_impersonation,
            asked_by: asked_by.as_ref().map(AskedByItem::from),
            agent_name: agent_name.clone(),
            agent_listing: agent_name.as_ref().map(|_| project_id.clone()),
            ttl: ttl_seconds(*expires_at_millis),
        }
    }
}

impl From<SessionItem> for Session {
    fn from(i: SessionItem) -> Self {
        Self {
            id: i.id,
            project_id: i.project_id,
            user_id: i.user_id,
            refresh_token_hash: SecretHash::from_stored(i.refresh_token_hash),
            created_at_millis: i.created_at,
            last_used_at_millis: i.last_used_at.unwrap_or(i.created_at),
            expires_at_millis: i.expires_at,
            is_impersonation: i.is_impersonation,
            asked_by: i.asked_by.map(AskedBy::from),
            agent_name: i.agent_name,
        }
    }
}

pub(super) fn session_from(item: Option<Item>) -> StoreResult<Option<Session>> {
    item.map(|i| from_item::<SessionItem>(i).map(Session::from))
        .transpose()
}

pub(super) fn user_from(item: Option<Item>) -> StoreResult<Option<User>> {
    item.map(|i| from_item::<UserItem>(i).and_then(User::try_from))
        .transpose()
}
