//! cancel: the CLI gives up on its attempt (e.g. Ctrl-C), so that the
//! browser can no longer complete it (api.md §8).

use super::{AttemptError, AttemptKey, CodeKind, Ending, Refusal};
use crate::clock::Millis;
use crate::domain::store::{Finish, Store};
use crate::secret::LocatedSecret;

/// One conditional write: complete's, ending the attempt with a refusal.
/// Its failed condition hands back the attempt, to tell an unknown polling
/// code from an attempt that is no longer pending.
pub async fn cancel(
    store: &dyn Store,
    project_id: &str,
    polling_code: &str,
    now: Millis,
) -> Result<(), AttemptError> {
    let code = LocatedSecret::parse(polling_code).ok_or(AttemptError::InvalidPollingCode)?;
    let key = AttemptKey::new(project_id, &code, CodeKind::Polling);
    let request = crate::secret::random_token(16);
    match store
        .complete(&key, &Ending::Refused(Refusal::Cancelled), now, &request)
        .await?
    {
        Finish::Done => Ok(()),
        // Named but not pending: completed, denied, cancelled, used or
        // expired.
        Finish::NotPending(Some(attempt)) if attempt.is_named_by(&key) => {
            Err(AttemptError::NotPending)
        }
        Finish::NotPending(_) => Err(AttemptError::InvalidPollingCode),
    }
}
