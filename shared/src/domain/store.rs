//! The store port: everything the domain asks of persistence, at the level
//! of the domain's own decisions. Each once-only transition is one method,
//! and each adapter (`crate::store::memory`, `crate::store::dynamodb`) makes
//! it one atomic conditional write.

use async_trait::async_trait;

use crate::clock::Millis;
use crate::domain::access::AccessType;
use crate::domain::login_attempt::{AttemptKey, CliAttempt, Ending};
use crate::domain::project::Project;
use crate::domain::session::Session;
use crate::domain::user::{User, UserPatch};
use crate::secret::{LocatedSecret, SecretHash};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store could not be reached, timed out, or throttled: try again later.
    /// The text is for logs only, never for a response.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// A create found the record already there.
    #[error("record already exists")]
    AlreadyExists,
    /// An item in the store could not be read as a domain record.
    #[error("corrupt record: {0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Records to read together, in one round trip where the store allows it.
#[derive(Debug, Default, Clone, Copy)]
pub struct Lookup<'a> {
    pub attempt_id: Option<&'a str>,
    pub session_id: Option<&'a str>,
    pub user_id: Option<&'a str>,
}

/// What a [`Lookup`] found. Reads are strongly consistent.
#[derive(Debug, Default, Clone)]
pub struct Found {
    pub attempt: Option<CliAttempt>,
    pub session: Option<Session>,
    pub user: Option<User>,
}

/// A failure counter of the user-code look-up, kept until its window ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counter {
    pub key: String,
    /// When its window ends: the store may forget it then.
    pub limit_window_end_millis: Millis,
}

/// What the RFC 8628 grant's poll write found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DevicePoll {
    /// Named and due: the poll is recorded (the next one is due an interval
    /// later); the attempt as it was before.
    OnTime(Box<CliAttempt>),
    /// Not done: too early, expired or not named; the attempt, if any.
    Refused(Option<Box<CliAttempt>>),
}

/// What `complete` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finish {
    /// This request ended the attempt.
    Done,
    /// The condition failed; the attempt as it was (if it exists at all).
    NotPending(Option<Box<CliAttempt>>),
}

/// The outcome of the poll pickup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickUp {
    /// This caller, and only this caller, took the refresh token (as the
    /// attempt held it: sealed for the polling code); the attempt is now used
    /// and the token is gone from the store.
    /// `encrypted`: what was sealed is a JWE for the CLI's public key (the
    /// bound hand-off), not the token itself.
    Taken {
        refresh_token: String,
        encrypted: bool,
    },
    /// The condition failed; the attempt as it was (if it exists at all).
    NotTaken(Option<Box<CliAttempt>>),
}

/// The outcome of claiming an attempt's anonymous session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This caller detached the live anonymous session from the attempt:
    /// its refresh token as the attempt held it (sealed for the login code),
    /// its user as read before the detach (for the new access token's claims).
    Claimed {
        anon_refresh_token: String,
        anon_user: Box<User>,
        session_id: String,
    },
    /// The attempt is pending but carries no live anonymous session (none,
    /// already claimed, expired, revoked, or its user is no longer anonymous).
    NoLiveSession,
    /// No pending attempt is named by the key.
    NotPending,
}

#[async_trait]
pub trait Store: Send + Sync {
    // Projects.
    async fn get_project(&self, id: &str) -> StoreResult<Option<Project>>;
    /// Creates a project; [`StoreError::AlreadyExists`] if the id is taken.
    async fn create_project(&self, project: &Project) -> StoreResult<()>;
    /// Writes a whole project, created or replaced (the dev server's own).
    async fn save_project(&self, project: &Project) -> StoreResult<()>;
    /// Replaces one key of an existing project, and nothing else: one
    /// conditional write, so rotations of different keys never undo each
    /// other. `false` when there is no such project.
    async fn set_project_key(
        &self,
        project_id: &str,
        kind: AccessType,
        hash: &SecretHash,
    ) -> StoreResult<bool>;
    /// Sets (or, with `None`, clears) the project's app URL: one
    /// conditional write. `false` when there is no such project.
    async fn set_project_app_url(&self, project_id: &str, url: Option<&str>) -> StoreResult<bool>;
    async fn list_projects(&self) -> StoreResult<Vec<Project>>;

    // Users and sessions.
    async fn put_user(&self, user: &User) -> StoreResult<()>;
    async fn put_session(&self, session: &Session) -> StoreResult<()>;
    /// Creates a user and its first session together, atomically: both or
    /// neither.
    async fn create_user_with_session(&self, user: &User, session: &Session) -> StoreResult<()>;
    /// Applies `patch` to the user if it exists in `project_id`, atomically
    /// field by field; returns the user as it now is, or `None`.
    async fn update_user(
        &self,
        project_id: &str,
        user_id: &str,
        patch: &UserPatch,
    ) -> StoreResult<Option<User>>;
    /// Deletes the user if it exists in `project_id`; its sessions stay, but
    /// none refreshes without its user. Of racing deletes, exactly one
    /// returns `true`.
    async fn delete_user(&self, project_id: &str, user_id: &str) -> StoreResult<bool>;
    /// Deletes the session if it exists in `project_id` (and, when `user_id`
    /// is given, belongs to that user). Of racing deletes, exactly one
    /// returns `true`.
    async fn delete_session(
        &self,
        project_id: &str,
        session_id: &str,
        user_id: Option<&str>,
    ) -> StoreResult<bool>;

    /// If `token` is the refresh token of a live session of `project_id`:
    /// records `now` as the session's last use and returns the session as it
    /// now is. One conditional write: a session revoked or expired a moment
    /// before is never used.
    async fn use_session(
        &self,
        project_id: &str,
        token: &LocatedSecret,
        now: Millis,
    ) -> StoreResult<Option<Session>>;

    /// The live sessions of `user_id` in `project_id`, newest (by creation)
    /// first. In DynamoDB one Query of the sessions-by-user index, which is
    /// eventually consistent: a session created a moment ago, or deleted,
    /// may not be seen yet.
    async fn sessions_of_user(
        &self,
        project_id: &str,
        user_id: &str,
        now: Millis,
    ) -> StoreResult<Vec<Session>>;

    /// Reads any of an attempt, a session and a user at once.
    async fn lookup(&self, what: Lookup<'_>) -> StoreResult<Found>;

    /// One user, by id.
    async fn user(&self, id: &str) -> StoreResult<Option<User>> {
        let what = Lookup {
            user_id: Some(id),
            ..Lookup::default()
        };
        Ok(self.lookup(what).await?.user)
    }

    /// One session, by id.
    async fn session(&self, id: &str) -> StoreResult<Option<Session>> {
        let what = Lookup {
            session_id: Some(id),
            ..Lookup::default()
        };
        Ok(self.lookup(what).await?.session)
    }

    /// One attempt, by id.
    async fn attempt(&self, id: &str) -> StoreResult<Option<CliAttempt>> {
        let what = Lookup {
            attempt_id: Some(id),
            ..Lookup::default()
        };
        Ok(self.lookup(what).await?.attempt)
    }

    // CLI attempts.
    /// Creates an attempt (its id is fresh and random, so this never collides).
    async fn create_attempt(&self, attempt: &CliAttempt) -> StoreResult<()>;
    /// If the attempt is named by `key`, unexpired, completed and unused:
    /// mark it used by `request` (a nonce of this one request) and return its
    /// (sealed) refresh token. Atomic. Idempotent for that request: a retry
    /// of the same write, whose first answer was lost after it committed,
    /// finds its own nonce and gets the token too; any other request hears
    /// the attempt is used.
    async fn pick_up(&self, key: &AttemptKey, now: Millis, request: &str) -> StoreResult<PickUp>;
    /// If the attempt is named by `key` and pending: end it as `ending`
    /// says (set its refresh token, or its refusal), mark it completed by
    /// `request`, and detach any anonymous session. Atomic: one write ends an
    /// attempt, whichever of complete, deny and cancel comes first. A retried
    /// write that finds its own nonce did it.
    async fn complete(
        &self,
        key: &AttemptKey,
        ending: &Ending,
        now: Millis,
        request: &str,
    ) -> StoreResult<Finish>;
    /// The RFC 8628 grant's poll: if the attempt is named by `key`,
    /// unexpired and due, record the poll (next due at `now` plus its
    /// interval, `default_interval_millis` until a `slow_down` raised it).
    /// One conditional write; the attempt as it was, either way.
    async fn device_poll(
        &self,
        key: &AttemptKey,
        now: Millis,
        default_interval_millis: Millis,
    ) -> StoreResult<DevicePoll>;
    /// `slow_down`: the attempt's interval becomes `interval_millis`, its
    /// next poll due that long after `now`.
    async fn slow_down(
        &self,
        key: &AttemptKey,
        now: Millis,
        interval_millis: Millis,
    ) -> StoreResult<()>;
    /// The counts of `counters` (0 for one never added to, or forgotten)
    /// and, when given, the attempt `attempt_id`: one round trip, strongly
    /// consistent.
    async fn counters_and_attempt(
        &self,
        counters: &[Counter],
        attempt_id: Option<&str>,
    ) -> StoreResult<(Vec<u64>, Option<CliAttempt>)>;
    /// Adds one to each of `counters`, creating it on first use.
    async fn add_to_counters(&self, counters: &[Counter]) -> StoreResult<()>;
    /// If the attempt is named by `key`, pending, and carries an anonymous
    /// session that is live (its session exists in the key's project,
    /// unexpired, and its user is still anonymous): detach that session and
    /// return it. The checks and the detach are one atomic step, so a fault
    /// can never detach a session without handing it out.
    async fn claim_anon_session(&self, key: &AttemptKey, now: Millis) -> StoreResult<Claim>;
}
