//! An attempt as the in-memory store keeps it: one heap block of postcard
//! bytes instead of a `CliAttempt` of two dozen fields (about 600 bytes
//! inline, plus a heap block per string). Base64url text (hashes, sealed
//! values) is kept as its bytes, and the project as an index into the
//! store's project names. The attempt's id comes first, so that the table
//! can compare ids without unpacking the rest.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::clock::Millis;
use crate::domain::agent_auth::{AgentDetails, AgentRequest};
use crate::domain::login_attempt::{Asker, CliAttempt, ClientDetails, Refusal};
use crate::secret::SecretHash;

/// Text that is usually unpadded base64url, kept as the bytes it encodes
/// when it round-trips, and as itself otherwise.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
enum Text {
    // As one block of bytes (serde would otherwise write them one by one).
    Base64(#[serde(with = "serde_bytes")] Vec<u8>),
    Plain(String),
}

impl Text {
    fn pack(text: &str) -> Self {
        match URL_SAFE_NO_PAD.decode(text) {
            Ok(bytes) if URL_SAFE_NO_PAD.encode(&bytes) == text => Self::Base64(bytes),
            _ => Self::Plain(text.to_owned()),
        }
    }

    fn unpack(self) -> String {
        match self {
            Self::Base64(bytes) => URL_SAFE_NO_PAD.encode(bytes),
            Self::Plain(text) => text,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Packed {
    // First: read alone by `id_of`.
    id: String,
    project: u32,
    polling_code_hash: Text,
    login_code_hash: Text,
    created_at_millis: Millis,
    expires_at_millis: Millis,
    poll_public_key: Text,
    refresh_token: Option<Text>,
    handed_session_id: Option<String>,
    completed_at_millis: Option<Millis>,
    refusal: Option<bool>,
    used_at_millis: Option<Millis>,
    completed_by: Option<String>,
    used_by: Option<String>,
    anon_refresh_token: Option<Text>,
    anon_session_id: Option<String>,
    anon_user_id: Option<String>,
    client: Option<(Option<String>, Option<String>)>,
    ip: Option<String>,
    user_agent: Option<String>,
    sealed_login_code: Option<Text>,
    code_challenge: Option<Text>,
    public_key: Option<String>,
    next_poll_at_millis: Option<Millis>,
    poll_interval_millis: Option<Millis>,
    device_grant: bool,
    agent: Option<PackedAgent>,
}

/// An agent attempt's own fields ([`AgentDetails`]), in their order.
#[derive(Serialize, Deserialize)]
struct PackedAgent {
    name: String,
    description: Option<String>,
    url: Option<String>,
    user_hint: Option<String>,
    anon_session_id: String,
    anon_user_id: String,
}

// Both conversions destructure without `..`: a field added to `CliAttempt`
// (or to `Packed`) fails to compile here until it is kept and read back.

/// `attempt` as bytes, written over `into`; its project is `project` (the
/// index of its name).
pub(super) fn pack(attempt: &CliAttempt, project: u32, into: &mut Vec<u8>) {
    let CliAttempt {
        id,
        // Kept as `project`, the index of its name.
        project_id: _,
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
        asker: Asker {
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
    } = attempt;
    let text = |t: &Option<String>| t.as_deref().map(Text::pack);
    let packed = Packed {
        id: id.clone(),
        project,
        polling_code_hash: Text::pack(polling_code_hash.as_str()),
        login_code_hash: Text::pack(login_code_hash.as_str()),
        created_at_millis: *created_at_millis,
        expires_at_millis: *expires_at_millis,
        poll_public_key: Text::pack(poll_public_key),
        refresh_token: text(refresh_token),
        handed_session_id: handed_session_id.clone(),
        completed_at_millis: *completed_at_millis,
        refusal: refusal.map(|r| r == Refusal::Denied),
        used_at_millis: *used_at_millis,
        completed_by: completed_by.clone(),
        used_by: used_by.clone(),
        anon_refresh_token: text(anon_refresh_token),
        anon_session_id: anon_session_id.clone(),
        anon_user_id: anon_user_id.clone(),
        client: client
            .as_ref()
            .map(|ClientDetails { name, hostname }| (name.clone(), hostname.clone())),
        ip: ip.clone(),
        user_agent: user_agent.clone(),
        sealed_login_code: text(sealed_login_code),
        code_challenge: text(code_challenge),
        public_key: public_key.clone(),
        next_poll_at_millis: *next_poll_at_millis,
        poll_interval_millis: *poll_interval_millis,
        device_grant: *device_grant,
        agent: agent.as_deref().map(|a| PackedAgent {
            name: a.agent.name.clone(),
            description: a.agent.description.clone(),
            url: a.agent.url.clone(),
            user_hint: a.agent.user_hint.clone(),
            anon_session_id: a.anon_session_id.clone(),
            anon_user_id: a.anon_user_id.clone(),
        }),
    };
    into.clear();
    // postcard takes the buffer and hands it back filled; serializing plain
    // data to a Vec cannot fail.
    if let Ok(bytes) = postcard::to_extend(&packed, std::mem::take(into)) {
        *into = bytes;
    }
}

/// The attempt `bytes` hold (from [`pack`]), and the index of its project.
pub(super) fn unpack(bytes: &[u8]) -> Option<(CliAttempt, u32)> {
    let Packed {
        id,
        project,
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
        client,
        ip,
        user_agent,
        sealed_login_code,
        code_challenge,
        public_key,
        next_poll_at_millis,
        poll_interval_millis,
        device_grant,
        agent,
    } = postcard::from_bytes(bytes).ok()?;
    let text = |t: Option<Text>| t.map(Text::unpack);
    let attempt = CliAttempt {
        id,
        // The caller names the project from `project`.
        project_id: String::new(),
        polling_code_hash: SecretHash::from_stored(polling_code_hash.unpack()),
        login_code_hash: SecretHash::from_stored(login_code_hash.unpack()),
        created_at_millis,
        expires_at_millis,
        poll_public_key: poll_public_key.unpack(),
        refresh_token: text(refresh_token),
        handed_session_id,
        completed_at_millis,
        refusal: refusal.map(|denied| {
            if denied {
                Refusal::Denied
            } else {
                Refusal::Cancelled
            }
        }),
        used_at_millis,
        completed_by,
        used_by,
        anon_refresh_token: text(anon_refresh_token),
        anon_session_id,
        anon_user_id,
        asker: Asker {
            client: client.map(|(name, hostname)| ClientDetails { name, hostname }),
            ip,
            user_agent,
        },
        sealed_login_code: text(sealed_login_code),
        code_challenge: text(code_challenge),
        public_key,
        next_poll_at_millis,
        poll_interval_millis,
        device_grant,
        agent: agent.map(|a| {
            Box::new(AgentDetails {
                agent: AgentRequest {
                    name: a.name,
                    description: a.description,
                    url: a.url,
                    user_hint: a.user_hint,
                },
                anon_session_id: a.anon_session_id,
                anon_user_id: a.anon_user_id,
            })
        }),
    };
    Some((attempt, project))
}

/// The id of the attempt `bytes` hold, read without unpacking the rest.
pub(super) fn id_of(bytes: &[u8]) -> Option<&str> {
    postcard::take_from_bytes::<&str>(bytes)
        .ok()
        .map(|(id, _)| id)
}

#[cfg(test)]
#[path = "tests/packed.rs"]
mod tests;
