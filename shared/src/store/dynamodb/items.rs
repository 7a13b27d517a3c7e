//! What every item shape shares: the attribute names every expression uses
//! ([`attr`]), the value and conversion helpers, and the CLI's `client`
//! object (on attempts and on sessions). The shapes themselves:
//! `project_item.rs`, `account_items.rs` (users, sessions, identities),
//! `attempt_item.rs`.
//! A unit test serializes each shape and checks that it carries every name
//! the expressions use, so expressions and items cannot drift apart.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use crate::clock::Millis;
use crate::domain::login_attempt::ClientDetails;
use crate::domain::store::{StoreError, StoreResult};

pub(super) type Item = HashMap<String, AttributeValue>;

/// The sessions table's index of sessions by user, newest first.
pub(super) const SESSIONS_BY_USER: &str = "sessions-by-user";
/// The sessions table's index of a project's agent sessions, newest first
/// (sparse: only sessions with an `agent_listing`).
pub(super) const AGENT_SESSIONS_BY_PROJECT: &str = "agent-sessions-by-project";
/// The attempts table's index of a project's attempts of one kind, newest
/// first (by `listing`; the guess counters have none).
pub(super) const ATTEMPTS_BY_PROJECT: &str = "attempts-by-project";

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
    /// The project's id, on agent sessions only (the sparse index's key).
    pub const AGENT_LISTING: &str = "agent_listing";
    // Projects.
    pub const APP_URL: &str = "app_url";
    pub const PROXIMITY: &str = "proximity";
    pub const AGENT_AUTH: &str = "agent_auth";
    // CLI attempts.
    pub const POLLING_CODE_HASH: &str = "polling_code_hash";
    pub const LOGIN_CODE_HASH: &str = "login_code_hash";
    pub const REFRESH_TOKEN: &str = "refresh_token";
    pub const HANDED_SESSION_ID: &str = "handed_session_id";
    /// `<project id>/cli` or `<project id>/agent`: the listing index's key.
    pub const LISTING: &str = "listing";
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
    /// Present on agent attempts only (api.md §9).
    pub const AGENT_NAME: &str = "agent_name";
    /// User-code failure counters (items of the attempts table).
    pub const COUNT: &str = "count";

    /// What the expressions name in each table.
    #[cfg(test)]
    pub const PROJECT: &[&str] = &[
        AGENT_AUTH,
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
        AGENT_LISTING,
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
        HANDED_SESSION_ID,
        LISTING,
        CREATED_AT,
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
        AGENT_NAME,
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

#[cfg(test)]
#[path = "tests/items.rs"]
mod tests;
