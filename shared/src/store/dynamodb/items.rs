//! Item shapes: how each domain record is laid out in its table, the
//! attribute names every expression uses ([`attr`]), and the conversions.
//! A unit test serializes each shape and checks that it carries every name
//! the expressions use, so expressions and items cannot drift apart.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use crate::clock::Millis;
use crate::domain::hosted_page::proximity::ProximityPolicy;
use crate::domain::login_attempt::{AskedBy, Asker, ClientDetails};
use crate::domain::project::Project;
use crate::domain::session::Session;
use crate::domain::store::{StoreError, StoreResult};
use crate::domain::user::{Identity, User};
use crate::secret::SecretHash;

pub(super) type Item = HashMap<String, AttributeValue>;

/// The sessions table's index of sessions by user, newest first.
pub(super) const SESSIONS_BY_USER: &str = "sessions-by-user";

/// The attribute names the expressions use. The unit tests serialize a full
/// item of each shape and check that it carries every name its table lists.
pub(super) mod attr {
    /// The key of every table.
    pub const ID: &str = "id";
    // Projects: the hash of each kind of key.
    pub const PUBLISHABLE_CLIENT_KEY_HASH: &str = "publishable_client_key_hash";
    pub const SECRET_SERVER_KEY_HASH: &str = "secret_server_key_hash";
    pub const SUPER_SECRET_ADMIN_KEY_HASH: &str = "super_secret_admin_key_hash";
    /// Epoch seconds after which DynamoDB may delete the item (sessions, attempts).
    pub const TTL: &str = "ttl";
    pub const PROJECT_ID: &str = "project_id";
    pub const EXPIRES_AT: &str = "expires_at";
    pub const USER_ID: &str = "user_id";
    pub const CREATED_AT: &str = "created_at";
    // Users.
    pub const DISPLAY_NAME: &str = "display_name";
    pub const PRIMARY_EMAIL: &str = "primary_email";
    pub const PROFILE_IMAGE_URL: &str = "profile_image_url";
    pub const IS_ANONYMOUS: &str = "is_anonymous";
    pub const CLIENT_METADATA: &str = "client_metadata";
    pub const SERVER_METADATA: &str = "server_metadata";
    // Sessions.
    pub const REFRESH_TOKEN_HASH: &str = "refresh_token_hash";
    pub const LAST_USED_AT: &str = "last_used_at";
    // Projects.
    pub const APP_URL: &str = "app_url";
    pub const PROXIMITY: &str = "proximity";
    // CLI attempts.
    pub const POLLING_CODE_HASH: &str = "polling_code_hash";
    pub const LOGIN_CODE_HASH: &str = "login_code_hash";
    pub const REFRESH_TOKEN: &str = "refresh_token";
    pub const COMPLETED_AT: &str = "completed_at";
    pub const REFUSAL: &str = "refusal";
    pub const USED_AT: &str = "used_at";
    pub const COMPLETED_BY: &str = "completed_by";
    pub const USED_BY: &str = "used_by";
    pub const ANON_REFRESH_TOKEN: &str = "anon_refresh_token";
    pub const ANON_SESSION_ID: &str = "anon_session_id";
    pub const ANON_USER_ID: &str = "anon_user_id";
    pub const CODE_CHALLENGE: &str = "code_challenge";
    pub const NEXT_POLL_AT: &str = "next_poll_at";
    pub const POLL_INTERVAL: &str = "poll_interval";
    /// User-code failure counters (items of the attempts table).
    pub const COUNT: &str = "count";

    /// What the expressions name in each table.
    #[cfg(test)]
    pub const PROJECT: &[&str] = &[
        ID,
        PUBLISHABLE_CLIENT_KEY_HASH,
        SECRET_SERVER_KEY_HASH,
        SUPER_SECRET_ADMIN_KEY_HASH,
    ];
    #[cfg(test)]
    pub const USER: &[&str] = &[
        ID,
        PROJECT_ID,
        DISPLAY_NAME,
        PRIMARY_EMAIL,
        PROFILE_IMAGE_URL,
        IS_ANONYMOUS,
        CLIENT_METADATA,
        SERVER_METADATA,
    ];
    #[cfg(test)]
    pub const SESSION: &[&str] = &[
        ID,
        PROJECT_ID,
        USER_ID,
        CREATED_AT,
        REFRESH_TOKEN_HASH,
        LAST_USED_AT,
        EXPIRES_AT,
        TTL,
    ];
    #[cfg(test)]
    pub const ATTEMPT: &[&str] = &[
        ID,
        PROJECT_ID,
        POLLING_CODE_HASH,
        LOGIN_CODE_HASH,
        EXPIRES_AT,
        REFRESH_TOKEN,
        COMPLETED_AT,
        REFUSAL,
        USED_AT,
        COMPLETED_BY,
        USED_BY,
        ANON_REFRESH_TOKEN,
        ANON_SESSION_ID,
        ANON_USER_ID,
        CODE_CHALLENGE,
        NEXT_POLL_AT,
        POLL_INTERVAL,
        TTL,
    ];
}

/// The store is unreachable, slow, or refused: the SDK's whole error
/// context, for the logs only.
pub(super) fn unavailable(e: impl std::error::Error) -> StoreError {
    StoreError::Unavailable(DisplayErrorContext(e).to_string())
}

pub(super) fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

pub(super) fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub(super) fn ttl_seconds(millis: Millis) -> i64 {
    millis.div_euclid(1000) + 1
}

pub(super) fn to_item<T: Serialize>(record: &T) -> StoreResult<Item> {
    serde_dynamo::to_item(record).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(super) fn from_item<T: for<'de> Deserialize<'de>>(item: Item) -> StoreResult<T> {
    serde_dynamo::from_item(item).map_err(|e| StoreError::Corrupt(e.to_string()))
}

#[derive(Serialize, Deserialize)]
pub(super) struct ProjectItem {
    pub id: String,
    display_name: String,
    requires_publishable_client_key: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    publishable_client_key_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    secret_server_key_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    super_secret_admin_key_hash: Option<String>,
    created_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    app_url: Option<String>,
    /// `block`, or absent for the default (`warn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    proximity: Option<String>,
}

// The write conversions destructure without `..`: a field added to a record
// fails to compile here until it is stored (attempts: `attempt_item.rs`).
impl From<&Project> for ProjectItem {
    fn from(p: &Project) -> Self {
        let Project {
            id,
            display_name,
            requires_publishable_client_key,
            publishable_client_key_hash,
            secret_server_key_hash,
            super_secret_admin_key_hash,
            created_at_millis,
            app_url,
            proximity,
        } = p;
        let text = |h: &Option<SecretHash>| h.as_ref().map(|h| h.as_str().to_owned());
        Self {
            id: id.clone(),
            display_name: display_name.clone(),
            requires_publishable_client_key: *requires_publishable_client_key,
            publishable_client_key_hash: text(publishable_client_key_hash),
            secret_server_key_hash: text(secret_server_key_hash),
            super_secret_admin_key_hash: text(super_secret_admin_key_hash),
            created_at: *created_at_millis,
            app_url: app_url.clone(),
            proximity: (*proximity != ProximityPolicy::Warn).then(|| proximity.as_str().to_owned()),
        }
    }
}

impl From<ProjectItem> for Project {
    fn from(i: ProjectItem) -> Self {
        Self {
            id: i.id,
            display_name: i.display_name,
            requires_publishable_client_key: i.requires_publishable_client_key,
            publishable_client_key_hash: i.publishable_client_key_hash.map(SecretHash::from_stored),
            secret_server_key_hash: i.secret_server_key_hash.map(SecretHash::from_stored),
            super_secret_admin_key_hash: i.super_secret_admin_key_hash.map(SecretHash::from_stored),
            created_at_millis: i.created_at,
            app_url: i.app_url,
            // An unknown name reads as the default: a policy added later
            // must not make older functions fail on the project.
            proximity: i
                .proximity
                .as_deref()
                .and_then(ProximityPolicy::parse)
                .unwrap_or_default(),
        }
    }
}

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
    ttl: i64,
}

/// What a CLI said about itself (api.md §8): on an attempt, and on the
/// session minted for it.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct ClientItem {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hostname: Option<String>,
}

impl From<&ClientDetails> for ClientItem {
    fn from(ClientDetails { name, hostname }: &ClientDetails) -> Self {
        Self {
            name: name.clone(),
            hostname: hostname.clone(),
        }
    }
}

impl From<ClientItem> for ClientDetails {
    fn from(ClientItem { name, hostname }: ClientItem) -> Self {
        Self { name, hostname }
    }
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

pub(super) fn project_from(item: Option<Item>) -> StoreResult<Option<Project>> {
    item.map(|i| from_item::<ProjectItem>(i).map(Project::from))
        .transpose()
}

#[cfg(test)]
#[path = "tests/items.rs"]
mod tests;
