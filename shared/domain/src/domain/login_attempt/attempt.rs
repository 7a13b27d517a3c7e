//! The login-attempt record and its state machine.
//!
//! An attempt is created by the CLI (*initiate*), completed by a signed-in
//! browser that hands over a refresh token (*complete*), and picked up by the
//! CLI exactly once (*poll*); or the browser denies it, or the CLI cancels
//! it. Its state is derived from its fields, in Hexclave's order: used
//! (checked first, so a used attempt says so even after it expired),
//! denied or cancelled, expired, completed, pending. Denying and cancelling end an
//! attempt the way completing does (the same once-only write, with a
//! refusal instead of a token), so every condition on "pending" covers them.

use super::asker::{AskedBy, Asker};
use super::ending::Refusal;
use super::pkce::Verifier;
use crate::clock::Millis;
use crate::domain::agent_auth::AgentDetails;
use crate::jwe::DerivedKeyPair;
use crate::secret::{LocatedSecret, SealingKey, SecretHash};

/// Default lifetime of an attempt: 2 minutes, as Hexclave since May 2026
/// (a short life is a phishing defence: RFC 10027's short-lived codes).
pub const DEFAULT_EXPIRES_IN_MILLIS: i64 = 2 * 60 * 1000;
/// Longest lifetime a CLI may ask for: 15 minutes.
pub const MAX_EXPIRES_IN_MILLIS: i64 = 15 * 60 * 1000;
/// How often a CLI should poll, in seconds: the advice initiate gives (Stack's
/// clients poll every 2 s already).
pub const POLL_INTERVAL_SECONDS: u32 = 2;
/// How long the store keeps an attempt after it expires, so that late polls
/// still hear "expired" rather than "invalid" (DynamoDB's TTL is lazy anyway).
pub const RETAIN_AFTER_EXPIRY_MILLIS: i64 = 24 * 60 * 60 * 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliAttempt {
    pub id: String,
    pub project_id: String,
    pub polling_code_hash: SecretHash,
    pub login_code_hash: SecretHash,
    pub created_at_millis: Millis,
    pub expires_at_millis: Millis,
    /// The public half (JWK text) of a key pair derived from the polling
    /// code's secret: `complete` encrypts the waiting refresh token to it,
    /// and only the polling code's holder can rebuild the private half.
    /// Nothing the store keeps, nor the login code, nor the server secret,
    /// opens the token (api.md §8).
    pub poll_public_key: String,
    /// The refresh token handed over by `complete`, a compact JWE to the
    /// poll key pair, until the one poll that picks it up.
    pub refresh_token: Option<String>,
    /// The id of the session whose refresh token `complete` handed over
    /// (kept after the pickup: the admin overview lists those sessions).
    pub handed_session_id: Option<String>,
    /// When the attempt was completed, denied or cancelled (once).
    pub completed_at_millis: Option<Millis>,
    /// Set when it was ended by a denial or cancellation instead of a token.
    pub refusal: Option<Refusal>,
    pub used_at_millis: Option<Millis>,
    /// The nonces of the requests that completed and picked up the attempt,
    /// so that a retry of the same write knows it succeeded.
    pub completed_by: Option<String>,
    pub used_by: Option<String>,
    /// The CLI's own anonymous session, sealed under the login code's key,
    /// until the browser claims it or the attempt is completed.
    pub anon_refresh_token: Option<String>,
    /// That session's id (not a secret: the store checks it is live).
    pub anon_session_id: Option<String>,
    pub anon_user_id: Option<String>,
    /// Who started it, shown to the person asked to approve it.
    pub asker: Asker,
    /// The login code, sealed under a key derived from the server secret
    /// (which the store never holds), so that the user-code look-up can hand
    /// it to the person who types the short code.
    pub sealed_login_code: Option<String>,
    /// The bound hand-off (api.md §8): the S256 challenge every poll's
    /// `code_verifier` must answer, and the CLI's public key (JWK text) the
    /// refresh token is encrypted to.
    pub code_challenge: Option<String>,
    pub public_key: Option<String>,
    /// The RFC 8628 grant's pacing: when its next poll is due, and the
    /// interval (it grows by 5 s with each `slow_down`).
    pub next_poll_at_millis: Option<Millis>,
    pub poll_interval_millis: Option<Millis>,
    /// Made by the RFC 8628 grant (`device_authorization`): polled only at
    /// its token endpoint, never by the Stack poll, so that its pacing
    /// cannot be side-stepped (api.md §8). Set at creation, never changed.
    pub device_grant: bool,
    /// An agent's registration (api.md §9): who the agent says it is and
    /// the anonymous session it was given. Agent attempts are confirmed by
    /// their claim code and polled by agent auth's poll only; the CLI
    /// flow's endpoints treat them as unknown. Set at creation, never
    /// changed.
    pub agent: Option<Box<AgentDetails>>,
}

/// The CLI's anonymous session on an attempt: its refresh token (sealed
/// for the login code), the session's id and its user's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachedAnon {
    pub sealed_token: String,
    pub session_id: String,
    pub user_id: String,
}

/// What each sealed value is, bound into its seal with the attempt's id.
const ANON_REFRESH_TOKEN: &str = "anon-refresh-token";
const LOGIN_CODE: &str = "login-code";

fn context(attempt_id: &str, what: &str) -> String {
    format!("cli-attempt/{attempt_id}/{what}")
}

/// The key the login code's secret half seals with.
fn login_key(code: &LocatedSecret) -> SealingKey {
    SealingKey::derive(&code.secret, "cli-attempt/login-code")
}

/// The key pair the waiting refresh token is encrypted to, rebuilt from the
/// polling code's secret.
fn poll_key_pair(polling_code: &LocatedSecret) -> Option<DerivedKeyPair> {
    DerivedKeyPair::derive(polling_code.secret.as_bytes(), "cli-attempt/poll-key-pair")
}

/// The state of an attempt at a moment, in the order api.md §3 checks it
/// (used, refused, expired, completed, pending).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptState {
    Expired,
    Used,
    Refused(Refusal),
    Completed,
    Pending,
}

/// Which of the attempt's codes a caller presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    Polling,
    Login,
    /// An agent attempt's claim code (api.md §9): the attempt's id itself,
    /// which a person reads off the agent's screen. It names only agent
    /// attempts, and carries no secret half (the key's hash is not
    /// checked); guessing it is bounded by the confirm's counters.
    Claim,
}

/// Which flow's attempts: the CLI's (and the device grant's), or agent
/// auth's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Cli,
    Agent,
}

impl Flow {
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Cli, Self::Agent]
            .into_iter()
            .find(|k| k.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cli => "cli",
            Self::Agent => "agent",
        }
    }
}

/// What a store needs to find an attempt and check a code against it, all in
/// the one conditional write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptKey {
    pub attempt_id: String,
    pub project_id: String,
    pub kind: CodeKind,
    pub code_hash: SecretHash,
    /// What a poll proves beyond its code (the bound hand-off's PKCE).
    pub verifier: Verifier,
    /// Which flow's attempts the key names: agent auth's or the CLI's
    /// (api.md §9). Each flow's codes name only its own attempts, in the
    /// store's conditions too, so that no CLI endpoint ever moves an agent
    /// attempt, nor the reverse.
    pub flow: Flow,
}

impl AttemptKey {
    pub fn new(project_id: &str, code: &LocatedSecret, kind: CodeKind) -> Self {
        Self {
            attempt_id: code.id.clone(),
            project_id: project_id.to_owned(),
            kind,
            code_hash: code.hash(),
            verifier: Verifier::NotAsked,
            flow: Flow::Cli,
        }
    }

    /// The key of an agent attempt by its poll token (api.md §9).
    pub fn agent_poll(project_id: &str, poll_token: &LocatedSecret) -> Self {
        Self {
            flow: Flow::Agent,
            ..Self::new(project_id, poll_token, CodeKind::Polling)
        }
    }

    /// The key of the agent attempt whose claim code (normalised: its id)
    /// is `claim_code`.
    pub fn claim(project_id: &str, claim_code: &str) -> Self {
        Self {
            attempt_id: claim_code.to_owned(),
            project_id: project_id.to_owned(),
            kind: CodeKind::Claim,
            // Not checked for a claim code (it has no secret half).
            code_hash: SecretHash::of(""),
            verifier: Verifier::NotAsked,
            flow: Flow::Agent,
        }
    }

    /// This key, proving `verifier` too (a poll).
    pub fn with_verifier(mut self, verifier: Verifier) -> Self {
        self.verifier = verifier;
        self
    }
}

/// A new attempt and the two codes to hand to the CLI (once).
pub struct NewAttempt {
    pub attempt: CliAttempt,
    pub polling_code: LocatedSecret,
    pub login_code: LocatedSecret,
}

impl CliAttempt {
    /// A new attempt with fresh codes; `anon`: the CLI's anonymous session
    /// (its refresh token and user id), sealed for the login code's holder.
    /// Its id is a fresh user code (RFC 8628 §6.1): the short code a person
    /// can type is the attempt's key, so looking it up is one key read, and
    /// the store's "only if new" write keeps it unique.
    pub fn create(
        project_id: &str,
        now: Millis,
        expires_in_millis: i64,
        anon: Option<(String, String)>,
    ) -> NewAttempt {
        let id = crate::secret::random_user_code();
        let polling_code = LocatedSecret::generate(&id);
        let login_code = LocatedSecret::generate(&id);
        Self::with_codes(
            project_id,
            polling_code,
            login_code,
            now,
            expires_in_millis,
            anon,
        )
    }

    /// As [`CliAttempt::create`], with given codes (of the same id).
    pub fn with_codes(
        project_id: &str,
        polling_code: LocatedSecret,
        login_code: LocatedSecret,
        now: Millis,
        expires_in_millis: i64,
        anon: Option<(String, String)>,
    ) -> NewAttempt {
        let id = login_code.id.clone();
        let login_key = login_key(&login_code);
        let poll_public_key = poll_key_pair(&polling_code)
            .and_then(|pair| pair.public_jwk())
            .unwrap_or_default();
        let (anon_refresh_token, anon_session_id, anon_user_id) = match anon {
            Some((token, user_id)) => (
                login_key.seal(&context(&id, ANON_REFRESH_TOKEN), token.as_bytes()),
                LocatedSecret::parse(&token).map(|t| t.id),
                Some(user_id),
            ),
            None => (None, None, None),
        };
        let attempt = CliAttempt {
            id,
            project_id: project_id.to_owned(),
            polling_code_hash: polling_code.hash(),
            login_code_hash: login_code.hash(),
            created_at_millis: now,
            expires_at_millis: now.saturating_add(expires_in_millis),
            poll_public_key,
            refresh_token: None,
            handed_session_id: None,
            completed_at_millis: None,
            refusal: None,
            used_at_millis: None,
            completed_by: None,
            used_by: None,
            anon_refresh_token,
            anon_session_id,
            anon_user_id,
            asker: Asker::default(),
            sealed_login_code: None,
            code_challenge: None,
            public_key: None,
            next_poll_at_millis: None,
            poll_interval_millis: None,
            device_grant: false,
            agent: None,
        };
        NewAttempt {
            attempt,
            polling_code,
            login_code,
        }
    }

    /// `refresh_token` encrypted for the holder of the polling code (to the
    /// public half of its key pair); `None` on an attempt without one.
    pub fn seal_refresh_token(&self, refresh_token: &str) -> Option<String> {
        crate::jwe::encrypt_for(&self.poll_public_key, refresh_token.as_bytes())
    }

    /// Seals `login_code` under `key` (the server's at-rest key) on the
    /// attempt, for the user-code look-up.
    pub fn seal_login_code(&mut self, key: &SealingKey, login_code: &LocatedSecret) {
        self.sealed_login_code = key.seal(
            &context(&self.id, LOGIN_CODE),
            login_code.expose().as_bytes(),
        );
    }

    /// The login code sealed by [`CliAttempt::seal_login_code`], under any
    /// of `keys`.
    pub fn open_login_code(&self, keys: &[SealingKey]) -> Option<String> {
        let sealed = self.sealed_login_code.as_deref()?;
        keys.iter()
            .find_map(|key| key.open(&context(&self.id, LOGIN_CODE), sealed))
            .and_then(|plain| String::from_utf8(plain).ok())
    }

    /// The attempt's user code as people read it (`BDWP-HQPK`); `None` for
    /// attempts made before user codes (keyed by a UUID).
    pub fn user_code(&self) -> Option<String> {
        let code = crate::secret::normalize_user_code(&self.id)?;
        (code == self.id).then(|| crate::secret::display_user_code(&code))
    }

    /// The anonymous session the attempt still carries, as a claim detaches
    /// it: all three of its fields, or none.
    pub fn into_attached_anon(self) -> Option<AttachedAnon> {
        Some(AttachedAnon {
            sealed_token: self.anon_refresh_token?,
            session_id: self.anon_session_id?,
            user_id: self.anon_user_id?,
        })
    }

    /// The CLI's anonymous refresh token, for the holder of the login code.
    pub fn anon_refresh_token(&self, login_code: &LocatedSecret) -> Option<String> {
        open_anon_refresh_token(login_code, self.anon_refresh_token.as_deref()?)
    }

    /// Whether its lifetime is over (whatever else became of it).
    pub fn is_expired(&self, now: Millis) -> bool {
        self.expires_at_millis <= now
    }

    pub fn state(&self, now: Millis) -> AttemptState {
        if self.used_at_millis.is_some() {
            AttemptState::Used
        } else if let Some(refusal) = self.refusal {
            AttemptState::Refused(refusal)
        } else if self.is_expired(now) {
            AttemptState::Expired
        } else if self.completed_at_millis.is_some() {
            AttemptState::Completed
        } else {
            AttemptState::Pending
        }
    }

    /// Whether the RFC 8628 grant made this attempt (it is polled only at
    /// the token endpoint, never by the Stack poll: api.md §8).
    pub fn is_device_grant(&self) -> bool {
        self.device_grant
    }

    /// Whether agent auth made this attempt (api.md §9).
    pub fn is_agent(&self) -> bool {
        self.agent.is_some()
    }

    /// The flow that made this attempt.
    pub fn flow(&self) -> Flow {
        if self.is_agent() {
            Flow::Agent
        } else {
            Flow::Cli
        }
    }

    /// Whether `key` names this attempt: same id, same project, right code
    /// (a claim code names an agent attempt by its id alone).
    pub fn is_named_by(&self, key: &AttemptKey) -> bool {
        let code_matches = match key.kind {
            CodeKind::Polling => self.polling_code_hash == key.code_hash,
            CodeKind::Login => self.login_code_hash == key.code_hash,
            // Only agent attempts have claim codes (checked below).
            CodeKind::Claim => true,
        };
        let verified = match &key.verifier {
            Verifier::NotAsked => true,
            Verifier::Absent => self.code_challenge.is_none(),
            Verifier::Challenge(c) => self.code_challenge.as_ref().is_none_or(|cc| cc == c),
        };
        self.id == key.attempt_id
            && self.project_id == key.project_id
            && self.flow() == key.flow
            && code_matches
            && verified
    }

    /// The condition of the poll pickup: named, unexpired, completed, unused.
    pub fn can_be_picked_up(&self, key: &AttemptKey, now: Millis) -> bool {
        self.is_named_by(key)
            && self.state(now) == AttemptState::Completed
            && self.refresh_token.is_some()
    }

    /// Whether the request `request`, presenting `key`, already picked this
    /// attempt up (a retry of a write whose answer was lost).
    pub fn was_picked_up_by(&self, key: &AttemptKey, request: &str) -> bool {
        self.is_named_by(key) && self.used_by.as_deref() == Some(request)
    }

    /// Whether the request `request`, presenting `key`, already completed
    /// (or denied, or cancelled) it.
    pub fn was_completed_by(&self, key: &AttemptKey, request: &str) -> bool {
        self.is_named_by(key) && self.completed_by.as_deref() == Some(request)
    }

    /// The condition shared by every mode of `complete`: named and pending.
    pub fn is_pending_for(&self, key: &AttemptKey, now: Millis) -> bool {
        self.is_named_by(key) && self.state(now) == AttemptState::Pending
    }

    /// Who is asking.
    pub fn asked_by(&self) -> AskedBy {
        AskedBy {
            asker: self.asker.clone(),
            created_at_millis: self.created_at_millis,
        }
    }

    /// When the store may forget this attempt.
    pub fn retain_until_millis(&self) -> Millis {
        self.expires_at_millis
            .saturating_add(RETAIN_AFTER_EXPIRY_MILLIS)
    }
}

/// A refresh token sealed by [`CliAttempt::seal_refresh_token`], opened by
/// the holder of the polling code.
pub fn open_refresh_token(polling_code: &LocatedSecret, sealed: &str) -> Option<String> {
    let plain = poll_key_pair(polling_code)?.open(sealed)?;
    String::from_utf8(plain).ok()
}

/// An anonymous refresh token sealed at creation, opened by the holder of
/// the login code.
pub fn open_anon_refresh_token(login_code: &LocatedSecret, sealed: &str) -> Option<String> {
    let key = login_key(login_code);
    let plain = key.open(&context(&login_code.id, ANON_REFRESH_TOKEN), sealed)?;
    String::from_utf8(plain).ok()
}

#[cfg(test)]
#[path = "tests/attempt.rs"]
mod tests;
