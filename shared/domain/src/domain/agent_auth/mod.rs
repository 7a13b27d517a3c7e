//! Agent auth (api.md §9, Hexclave's): the CLI flow's attempt machinery
//! for AI agents that need their own session on a person's account.
//!
//! The agent [`register`]s and gets an anonymous session to act with at
//! once, a short claim code and a secret poll token; a signed-in person
//! [`confirm`]s the claim code (inspects, approves or denies); the agent
//! [`poll`]s and receives, exactly once, a **new** 90-day session of that
//! person tagged with its name (never the browser's), and its anonymous
//! session ends. Each once-only step is one conditional write of the
//! attempt store, as in the CLI flow: approve against deny (the write that
//! ends a pending attempt), the hand-off (the pickup), the anonymous
//! session's end (a conditional delete). Claim-code guessing is bounded as
//! user codes are.
//!
//! Round trips: register 2 (the anonymous user with its session, the
//! attempt); a waiting poll 1; the hand-off poll 5 (the attempt, the
//! session's use, its user, the anonymous session's end, the pickup);
//! inspect 3 (reserve, read, release); approve 5 (and the session's put
//! and the once-only write: a lost race deletes the session again, one
//! more); deny 5 (the once-only write, the anonymous session's end).

mod confirm;
mod details;
mod error;
mod poll;
mod register;

pub use confirm::{Action, Confirmed, Outcome, confirm};
pub use details::{
    AGENT_SESSION_MILLIS, AgentDetails, AgentRequest, CLAIM_CODE_FORMAT, DEFAULT_EXPIRES_IN_MILLIS,
    MAX_EXPIRES_IN_MILLIS, MIN_EXPIRES_IN_MILLIS,
};
pub use error::AgentError;
pub use poll::{AgentPollAnswer, poll};
pub use register::{Registered, register};
