//! poll: the CLI asks for its refresh token; exactly one poll receives it.

use super::attempt::classify_failed_poll;
use super::{AttemptError, AttemptKey, CodeKind, PollAnswer};
use crate::clock::Millis;
use crate::domain::store::{PickUp, Store};
use crate::secret::LocatedSecret;

/// One conditional write in every state: the pickup, whose failed condition
/// hands back the attempt to tell waiting, used and expired apart.
pub async fn poll(
    store: &dyn Store,
    project_id: &str,
    polling_code: &str,
    now: Millis,
) -> Result<PollAnswer, AttemptError> {
    let code = LocatedSecret::parse(polling_code).ok_or(AttemptError::InvalidPollingCode)?;
    let key = AttemptKey::new(project_id, &code, CodeKind::Polling);
    let answer = match store.pick_up(&key, now).await? {
        PickUp::Taken { refresh_token } => PollAnswer::Success { refresh_token },
        PickUp::NotTaken(attempt) => classify_failed_poll(attempt.as_ref(), &key, now),
    };
    if answer == PollAnswer::Invalid {
        return Err(AttemptError::InvalidPollingCode);
    }
    Ok(answer)
}
