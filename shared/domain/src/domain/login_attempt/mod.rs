//! CLI login attempts: the three-party flow of api.md §3.
//!
//! The CLI creates an attempt ([`initiate`]), a signed-in browser completes
//! it by handing over a refresh token ([`complete`]), and the CLI picks the
//! token up exactly once ([`poll`]). The record and its states are in
//! [`attempt`]; every once-only step is one conditional write in the store.
//!
//! Round trips to the store: initiate 1 (3 with an anonymous session to
//! validate), poll 1 in every state, complete 2 (check, complete) or 3
//! (claim-anon-session: the attempt, its anonymous user, then the transaction
//! that detaches the session, last, so that no fault can follow it), deny
//! and cancel 1 (the once-only write of complete, ending the attempt with a
//! refusal instead of a token).

mod approve;
mod asker;
mod attempt;
mod cancel;
mod complete;
mod device;
mod ending;
mod error;
mod guesses;
mod initiate;
mod pkce;
mod poll;
mod user_code;

// Each type of the flow has this one path: `domain::login_attempt::<Name>`.
pub use approve::{approve, approve_read, hand_over_new_session};
pub use asker::{
    AskedBy, Asker, ClientDetails, MAX_CLIENT_FIELD_CHARS, MAX_USER_AGENT_CHARS, is_deceptive,
};
pub use attempt::{
    AttachedAnon, AttemptKey, AttemptState, CliAttempt, CodeKind, DEFAULT_EXPIRES_IN_MILLIS, Flow,
    MAX_EXPIRES_IN_MILLIS, NewAttempt, POLL_INTERVAL_SECONDS, RETAIN_AFTER_EXPIRY_MILLIS,
    open_anon_refresh_token, open_refresh_token,
};
pub use cancel::cancel;
pub use complete::{CompleteMode, Completed, complete};
pub use device::{
    DEVICE_CODE_EXPIRES_IN_MILLIS, DEVICE_INTERVAL_MILLIS, DeviceAnswer, SLOW_DOWN_MILLIS,
    device_poll,
};
pub use ending::{Ending, Refusal};
pub use error::AttemptError;
pub use guesses::{Guesses, Looker, RetryAfter, UserCodeLimits, WINDOW_MILLIS};
pub use initiate::{InitiateRequest, Initiated, initiate};
pub use pkce::{Verifier, is_code_challenge, s256};
pub use poll::{PollAnswer, classify_poll, poll};
pub use user_code::{LOOK_UP_WINDOW_MILLIS, LookedUp, look_up as look_up_user_code};
