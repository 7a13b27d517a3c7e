//! The RFC 8628 device authorization grant over the same attempts: the
//! device code is the polling code; the token request polls the attempt
//! with RFC 8628 §3.5 answers, paced by its interval, and shares the Stack
//! poll's once-only pickup.

use super::attempt::open_refresh_token;
use super::poll::classify_poll;
use super::{AttemptError, AttemptKey, AttemptState, CodeKind, PollAnswer, Verifier};
use crate::clock::Millis;
use crate::domain::store::{DevicePoll, PickUp, Store, StoreError};
use crate::secret::LocatedSecret;

/// How long a device code lives: RFC 8628's examples use 15 to 30 minutes.
pub const DEVICE_CODE_EXPIRES_IN_MILLIS: i64 = 15 * 60 * 1000;
/// The interval a device client is told, and held to (RFC 8628 §3.2: 5 s).
pub const DEVICE_INTERVAL_MILLIS: Millis = 5_000;
/// What each `slow_down` adds to the interval (RFC 8628 §3.5).
pub const SLOW_DOWN_MILLIS: Millis = 5_000;

/// A token request's outcome, as RFC 8628 §3.5 names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceAnswer {
    AuthorizationPending,
    SlowDown,
    AccessDenied,
    ExpiredToken,
    /// Unknown, already used, or not a plain device code.
    InvalidGrant,
    /// The browser's refresh token, handed out once.
    Token {
        refresh_token: String,
    },
}

/// One token request with a device code. A waiting poll is one write (it
/// records the poll, so the interval is enforced by that same write); a
/// `slow_down` adds one (the longer interval); the pickup adds one, once.
pub async fn device_poll(
    store: &dyn Store,
    project_id: &str,
    device_code: &str,
    now: Millis,
) -> Result<DeviceAnswer, AttemptError> {
    let Some(code) = LocatedSecret::parse(device_code) else {
        return Ok(DeviceAnswer::InvalidGrant);
    };
    // An attempt bound to a CLI (a PKCE challenge) is not a device code.
    let key = AttemptKey::new(project_id, &code, CodeKind::Polling).with_verifier(Verifier::Absent);
    let attempt = match store.device_poll(&key, now, DEVICE_INTERVAL_MILLIS).await? {
        DevicePoll::OnTime(attempt) => attempt,
        DevicePoll::Refused(Some(a)) if a.is_named_by(&key) => {
            // RFC 8628 §3.5: past its lifetime a device code is expired,
            // whatever became of it.
            if a.is_expired(now) {
                return Ok(DeviceAnswer::ExpiredToken);
            }
            let interval = a.poll_interval_millis.unwrap_or(DEVICE_INTERVAL_MILLIS);
            store
                .slow_down(&key, now, interval + SLOW_DOWN_MILLIS)
                .await?;
            return Ok(DeviceAnswer::SlowDown);
        }
        DevicePoll::Refused(_) => return Ok(DeviceAnswer::InvalidGrant),
    };
    Ok(match attempt.state(now) {
        AttemptState::Pending => DeviceAnswer::AuthorizationPending,
        AttemptState::Refused(_) => DeviceAnswer::AccessDenied,
        AttemptState::Expired => DeviceAnswer::ExpiredToken,
        AttemptState::Used => DeviceAnswer::InvalidGrant,
        // A token encrypted to a CLI's key is no device client's.
        AttemptState::Completed if attempt.public_key.is_some() => DeviceAnswer::InvalidGrant,
        AttemptState::Completed => pick_up(store, &key, &code, now).await?,
    })
}

/// The Stack poll's once-only pickup, for the device code.
async fn pick_up(
    store: &dyn Store,
    key: &AttemptKey,
    code: &LocatedSecret,
    now: Millis,
) -> Result<DeviceAnswer, AttemptError> {
    let request = crate::secret::random_token(16);
    match store.pick_up(key, now, &request).await? {
        PickUp::Taken {
            refresh_token,
            encrypted: false,
        } => Ok(DeviceAnswer::Token {
            refresh_token: open_refresh_token(code, &refresh_token).ok_or_else(|| {
                StoreError::Corrupt("the picked-up refresh token does not open".into())
            })?,
        }),
        PickUp::Taken { .. } => Ok(DeviceAnswer::InvalidGrant),
        PickUp::NotTaken(attempt) => Ok(match classify_poll(attempt.as_deref(), key, now) {
            PollAnswer::Expired => DeviceAnswer::ExpiredToken,
            PollAnswer::Refused(_) => DeviceAnswer::AccessDenied,
            PollAnswer::Waiting => DeviceAnswer::AuthorizationPending,
            _ => DeviceAnswer::InvalidGrant,
        }),
    }
}
