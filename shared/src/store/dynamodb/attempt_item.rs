//! A CLI login attempt as a DynamoDB item of the attempts table, and back.

use serde::{Deserialize, Serialize};

use super::items::{ClientItem, Item, from_item, ttl_seconds};
use crate::domain::agent_auth::{AgentDetails, AgentRequest};
use crate::domain::login_attempt::{Asker, CliAttempt, ClientDetails, Flow, Refusal};
use crate::domain::store::{StoreError, StoreResult};
use crate::secret::SecretHash;

#[derive(Serialize, Deserialize)]
pub(super) struct AttemptItem {
    pub id: String,
    project_id: String,
    polling_code_hash: String,
    login_code_hash: String,
    created_at: i64,
    expires_at: i64,
    /// Empty on attempts written before the waiting token was encrypted to
    /// a key pair of the polling code's: they cannot be completed, and
    /// expire.
    #[serde(default)]
    poll_public_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    handed_session_id: Option<String>,
    /// `<project id>/cli` or `<project id>/agent`, the key of the index the
    /// admin overview reads (derived from the attempt; absent on attempts
    /// written before the overview, which it then does not list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    listing: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    completed_at: Option<i64>,
    /// `denied` or `cancelled` ([`Refusal`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refusal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    used_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    completed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    used_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    anon_refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    anon_session_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    anon_user_id: Option<String>,
    /// Who is asking: the CLI's `client` object (a map; present when it
    /// sent one), the source IP and the user agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client: Option<ClientItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user_agent: Option<String>,
    /// The login code under the server's at-rest key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sealed_login_code: Option<String>,
    /// The bound hand-off: S256 challenge, the CLI's public JWK.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    code_challenge: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    public_key: Option<String>,
    /// The RFC 8628 grant's pacing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    next_poll_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    poll_interval: Option<i64>,
    /// Made by the RFC 8628 grant; absent for the Stack flow's attempts.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    device_grant: bool,
    /// An agent's registration (api.md §9): its name (present on agent
    /// attempts only: the flows' conditions test it), what else it said,
    /// and its anonymous session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    agent_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    agent_description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    agent_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    agent_user_hint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    agent_anon_session_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    agent_anon_user_id: Option<String>,
    ttl: i64,
}

// Both conversions destructure without `..`: a field added to `CliAttempt`
// (or to the item) fails to compile here until it is stored and read back.
impl From<&CliAttempt> for AttemptItem {
    fn from(a: &CliAttempt) -> Self {
        let CliAttempt {
            id,
            project_id,
            polling_code_hash,
            login_code_hash,
            created_at_millis,
            expires_at_millis,
            poll_public_key,
            refresh_token,
            handed_session_id,
            completed_at_millis,
            refusal,
            used_at_millis,
            completed_by,
            used_by,
            anon_refresh_token,
            anon_session_id,
            anon_user_id,
            asker:
                Asker {
                    client,
                    ip,
                    user_agent,
                },
            sealed_login_code,
            code_challenge,
            public_key,
            next_poll_at_millis,
            poll_interval_millis,
            device_grant,
            agent,
        } = a;
        let agent = agent.as_deref();
        let request = agent.map(|a| &a.agent);
        Self {
            id: id.clone(),
            project_id: project_id.clone(),
            polling_code_hash: polling_code_hash.as_str().to_owned(),
            login_code_hash: login_code_hash.as_str().to_owned(),
            created_at: *created_at_millis,
            expires_at: *expires_at_millis,
            poll_public_key: poll_public_key.clone(),
            refresh_token: refresh_token.clone(),
            handed_session_id: handed_session_id.clone(),
            listing: Some(listing(project_id, a.flow())),
            completed_at: *completed_at_millis,
            refusal: refusal.map(|r| r.as_str().to_owned()),
            used_at: *used_at_millis,
            completed_by: completed_by.clone(),
            used_by: used_by.clone(),
            anon_refresh_token: anon_refresh_token.clone(),
            anon_session_id: anon_session_id.clone(),
            anon_user_id: anon_user_id.clone(),
            client: client.as_ref().map(ClientItem::from),
            ip: ip.clone(),
            user_agent: user_agent.clone(),
            sealed_login_code: sealed_login_code.clone(),
            code_challenge: code_challenge.clone(),
            public_key: public_key.clone(),
            next_poll_at: *next_poll_at_millis,
            poll_interval: *poll_interval_millis,
            device_grant: *device_grant,
            agent_name: request.map(|r| r.name.clone()),
            agent_description: request.and_then(|r| r.description.clone()),
            agent_url: request.and_then(|r| r.url.clone()),
            agent_user_hint: request.and_then(|r| r.user_hint.clone()),
            agent_anon_session_id: agent.map(|a| a.anon_session_id.clone()),
            agent_anon_user_id: agent.map(|a| a.anon_user_id.clone()),
            ttl: ttl_seconds(a.retain_until_millis()),
        }
    }
}

impl TryFrom<AttemptItem> for CliAttempt {
    type Error = StoreError;

    fn try_from(item: AttemptItem) -> StoreResult<Self> {
        let AttemptItem {
            id,
            project_id,
            polling_code_hash,
            login_code_hash,
            created_at,
            expires_at,
            poll_public_key,
            refresh_token,
            handed_session_id,
            // Derived from the project and the kind.
            listing: _,
            completed_at,
            refusal,
            used_at,
            completed_by,
            used_by,
            anon_refresh_token,
            anon_session_id,
            anon_user_id,
            client,
            ip,
            user_agent,
            sealed_login_code,
            code_challenge,
            public_key,
            next_poll_at,
            poll_interval,
            device_grant,
            agent_name,
            agent_description,
            agent_url,
            agent_user_hint,
            agent_anon_session_id,
            agent_anon_user_id,
            // Derived from the expiry: DynamoDB's deletion time, not the attempt's.
            ttl: _,
        } = item;
        let agent = match (agent_name, agent_anon_session_id, agent_anon_user_id) {
            (None, None, None) => None,
            (Some(name), Some(anon_session_id), Some(anon_user_id)) => {
                Some(Box::new(AgentDetails {
                    agent: AgentRequest {
                        name,
                        description: agent_description,
                        url: agent_url,
                        user_hint: agent_user_hint,
                    },
                    anon_session_id,
                    anon_user_id,
                }))
            }
            _ => {
                return Err(StoreError::Corrupt(format!(
                    "attempt {id}: an agent's fields in part"
                )));
            }
        };
        let refusal = match refusal.as_deref() {
            None => None,
            Some(text) => Some(Refusal::parse(text).ok_or_else(|| {
                StoreError::Corrupt(format!("attempt {id}: unknown refusal {text:?}"))
            })?),
        };
        Ok(Self {
            id,
            project_id,
            polling_code_hash: SecretHash::from_stored(polling_code_hash),
            login_code_hash: SecretHash::from_stored(login_code_hash),
            created_at_millis: created_at,
            expires_at_millis: expires_at,
            poll_public_key,
            refresh_token,
            handed_session_id,
            completed_at_millis: completed_at,
            refusal,
            used_at_millis: used_at,
            completed_by,
            used_by,
            anon_refresh_token,
            anon_session_id,
            anon_user_id,
            asker: Asker {
                client: client.map(ClientDetails::from),
                ip,
                user_agent,
            },
            sealed_login_code,
            code_challenge,
            public_key,
            next_poll_at_millis: next_poll_at,
            poll_interval_millis: poll_interval,
            device_grant,
            agent,
        })
    }
}

/// The listing index's key of a project's attempts of one kind.
pub(super) fn listing(project_id: &str, kind: Flow) -> String {
    format!("{project_id}/{}", kind.as_str())
}

pub(super) fn attempt_from(item: Option<Item>) -> StoreResult<Option<CliAttempt>> {
    item.map(|i| from_item::<AttemptItem>(i).and_then(CliAttempt::try_from))
        .transpose()
}
