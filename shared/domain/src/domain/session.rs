//! Sessions: what a refresh token stands for.

use crate::clock::Millis;
use crate::domain::login_attempt::AskedBy;
use crate::secret::{LocatedSecret, SecretHash};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Also the first part of the refresh token, and the access token's
    /// `refresh_token_id` claim.
    pub id: String,
    pub project_id: String,
    pub user_id: String,
    pub refresh_token_hash: SecretHash,
    pub created_at_millis: Millis,
    /// When the session last gave out an access token (its creation, or its
    /// latest refresh).
    pub last_used_at_millis: Millis,
    pub expires_at_millis: Millis,
    pub is_impersonation: bool,
    /// Who asked for it, on a session minted for a CLI by the hosted
    /// confirm page (api.md §10): the attempt's who-is-asking, so that the
    /// session list shows "mytool on ada-laptop" (api.md §4).
    pub asked_by: Option<AskedBy>,
    /// The agent's name, on a session minted by agent auth (Hexclave's):
    /// the agent's anonymous session at registration, and the person's
    /// session an approval mints for it. The session list shows it.
    pub agent_name: Option<String>,
}

impl Session {
    /// A new session for `user_id`, and its refresh token (to hand out once).
    pub fn create(
        project_id: &str,
        user_id: &str,
        now: Millis,
        lifetime_millis: Millis,
        is_impersonation: bool,
    ) -> (Self, LocatedSecret) {
        let token = LocatedSecret::generate(&crate::secret::random_id());
        let session = Self {
            id: token.id.clone(),
            project_id: project_id.to_owned(),
            user_id: user_id.to_owned(),
            refresh_token_hash: token.hash(),
            created_at_millis: now,
            last_used_at_millis: now,
            expires_at_millis: now.saturating_add(lifetime_millis),
            is_impersonation,
            asked_by: None,
            agent_name: None,
        };
        (session, token)
    }

    pub fn is_expired(&self, now: Millis) -> bool {
        self.expires_at_millis <= now
    }

    /// True when `token` is this session's refresh token and the session is live.
    pub fn is_live_for(&self, token: &LocatedSecret, now: Millis) -> bool {
        self.id == token.id
            && self.refresh_token_hash.matches(&token.secret)
            && !self.is_expired(now)
    }
}
