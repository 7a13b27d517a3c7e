//! The admin overview of a project's recent device-style logins of one
//! kind, CLI or agent (Hexclave's `GET /internal/device-auth`): the newest
//! attempts with their status, and the sessions they led to with whose they
//! are. Bounded windows, never a scan of all history; no code, token or
//! hash leaves here (the endpoint shows ids, times and labels).
//!
//! Which sessions belong to a kind differs, as in Hexclave: an agent's
//! session carries the agent's name; a CLI's session is known only by the
//! attempt that handed it out (its `handed_session_id`), so the CLI's are
//! those of the newest [`SESSION_WINDOW`] attempts that were picked up.
//!
//! Round trips in DynamoDB: CLI 3 (the attempts, their sessions, the
//! users); agent 2 (the attempts and the agent sessions at once, then the
//! users).

use std::collections::HashMap;

use futures_util::future::try_join;
use sha2::{Digest, Sha256};

use crate::clock::Millis;
use crate::domain::login_attempt::{AttemptState, CliAttempt, Flow};
use crate::domain::session::Session;
use crate::domain::store::{Store, StoreResult};
use crate::domain::user::User;

/// How many attempts the overview lists (Hexclave's).
pub const ATTEMPT_WINDOW: usize = 50;
/// How many sessions it lists, and of how many CLI attempts it looks for
/// them (Hexclave's).
pub const SESSION_WINDOW: usize = 200;

/// An attempt's status in Hexclave's five words. A cancelled attempt (ours:
/// the CLI gave up) counts as `denied`: it ended refused, and Hexclave has
/// no sixth word for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Waiting,
    Success,
    Denied,
    Expired,
    Used,
}

impl Status {
    pub fn of(attempt: &CliAttempt, now: Millis) -> Self {
        match attempt.state(now) {
            AttemptState::Used => Self::Used,
            AttemptState::Refused(_) => Self::Denied,
            AttemptState::Expired => Self::Expired,
            AttemptState::Completed => Self::Success,
            AttemptState::Pending => Self::Waiting,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Success => "success",
            Self::Denied => "denied",
            Self::Expired => "expired",
            Self::Used => "used",
        }
    }
}

/// The id the overview shows for an attempt. Not its id, which is a code
/// (the CLI's user code, the agent's claim code): a UUID derived from the
/// hash of its polling code, stable and unique, from which neither code
/// nor hash can be recovered, and which opens nothing.
pub fn shown_id(attempt: &CliAttempt) -> String {
    let digest = Sha256::new()
        .chain_update(b"cli-auth/overview-id/")
        .chain_update(attempt.polling_code_hash.as_str().as_bytes())
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// A session the overview lists, with its user if the user still exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub session: Session,
    pub user: Option<User>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overview {
    /// The newest [`ATTEMPT_WINDOW`] attempts, newest first.
    pub attempts: Vec<(CliAttempt, Status)>,
    /// At most [`SESSION_WINDOW`] sessions, the most recently used first.
    pub sessions: Vec<Listed>,
}

impl Overview {
    pub fn count(&self, status: Status) -> usize {
        self.attempts.iter().filter(|(_, s)| *s == status).count()
    }

    pub fn active_sessions(&self, now: Millis) -> usize {
        self.sessions
            .iter()
            .filter(|l| !l.session.is_expired(now))
            .count()
    }
}

pub async fn overview(
    store: &dyn Store,
    project_id: &str,
    kind: Flow,
    now: Millis,
) -> StoreResult<Overview> {
    let (mut attempts, mut sessions) = match kind {
        Flow::Agent => {
            try_join(
                store.recent_attempts(project_id, kind, ATTEMPT_WINDOW),
                store.agent_sessions(project_id, SESSION_WINDOW),
            )
            .await?
        }
        Flow::Cli => {
            let attempts = store
                .recent_attempts(project_id, kind, SESSION_WINDOW)
                .await?;
            let handed: Vec<&str> = attempts
                .iter()
                .filter(|a| a.used_at_millis.is_some())
                .filter_map(|a| a.handed_session_id.as_deref())
                .collect();
            let sessions = if handed.is_empty() {
                Vec::new()
            } else {
                store.lookup_many(&handed, &[]).await?.sessions
            };
            (attempts, sessions)
        }
    };
    attempts.truncate(ATTEMPT_WINDOW);
    sessions.retain(|s| s.project_id == project_id);
    sessions.sort_by(|a, b| (b.last_used_at_millis, &b.id).cmp(&(a.last_used_at_millis, &a.id)));
    sessions.truncate(SESSION_WINDOW);

    let user_ids: Vec<&str> = sessions.iter().map(|s| s.user_id.as_str()).collect();
    let users = if user_ids.is_empty() {
        Vec::new()
    } else {
        store.lookup_many(&[], &user_ids).await?.users
    };
    let users: HashMap<String, User> = users
        .into_iter()
        .filter(|u| u.project_id == project_id)
        .map(|u| (u.id.clone(), u))
        .collect();
    Ok(Overview {
        attempts: attempts
            .into_iter()
            .map(|a| {
                let status = Status::of(&a, now);
                (a, status)
            })
            .collect(),
        sessions: sessions
            .into_iter()
            .map(|session| Listed {
                user: users.get(&session.user_id).cloned(),
                session,
            })
            .collect(),
    })
}
