//! The CLI login attempts' port: their creation and each once-only
//! transition, and what each transition found.

use async_trait::async_trait;

use super::error::StoreResult;
use crate::clock::Millis;
use crate::domain::login_attempt::{AttemptKey, CliAttempt, Ending, Flow};
use crate::domain::user::User;

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
pub trait AttemptStore: Send + Sync {
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
    /// If the attempt is named by `key`, pending, and carries an anonymous
    /// session that is live (its session exists in the key's project,
    /// unexpired, and its user is still anonymous): detach that session and
    /// return it. The checks and the detach are one atomic step, so a fault
    /// can never detach a session without handing it out.
    async fn claim_anon_session(&self, key: &AttemptKey, now: Millis) -> StoreResult<Claim>;
    /// The newest (by creation) `limit` attempts of `project_id` of one
    /// kind (agent auth's, or the CLI's and the device grant's), newest
    /// first, as long as the store keeps them (a day past expiry), for the
    /// admin overview. In DynamoDB one Query of the attempts-by-project
    /// index, eventually consistent.
    async fn recent_attempts(
        &self,
        project_id: &str,
        kind: Flow,
        limit: usize,
    ) -> StoreResult<Vec<CliAttempt>>;
}
