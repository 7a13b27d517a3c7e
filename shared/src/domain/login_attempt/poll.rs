//! poll: the CLI asks for its refresh token; exactly one poll receives it.

use super::attempt::{classify_failed_poll, open_refresh_token};
use super::{AttemptError, AttemptKey, CodeKind, PollAnswer, Verifier};
use crate::clock::Millis;
use crate::domain::store::{PickUp, Store, StoreError};
use crate::secret::LocatedSecret;

/// One conditional write in every state: the pickup, whose failed condition
/// hands back the attempt to tell waiting, used and expired apart. The token
/// it takes is sealed for the polling code, opened here.
/// `code_verifier`: the bound hand-off's proof (contract §8), required when
/// the attempt has a challenge; it is part of the write's condition.
pub async fn poll(
    store: &dyn Store,
    project_id: &str,
    polling_code: &str,
    code_verifier: Option<&str>,
    now: Millis,
) -> Result<PollAnswer, AttemptError> {
    let code = LocatedSecret::parse(polling_code).ok_or(AttemptError::InvalidPollingCode)?;
    let key = AttemptKey::new(project_id, &code, CodeKind::Polling)
        .with_verifier(Verifier::of(code_verifier));
    let request = crate::secret::random_token(16);
    let answer = match store.pick_up(&key, now, &request).await? {
        PickUp::Taken {
            refresh_token,
            encrypted,
        } => {
            let opened = open_refresh_token(&code, &refresh_token).ok_or_else(|| {
                StoreError::Corrupt("the picked-up refresh token does not open".into())
            })?;
            if encrypted {
                PollAnswer::Encrypted { jwe: opened }
            } else {
                PollAnswer::Success {
                    refresh_token: opened,
                }
            }
        }
        PickUp::NotTaken(attempt) => classify_failed_poll(attempt.as_deref(), &key, now),
    };
    if answer == PollAnswer::Invalid {
        return Err(AttemptError::InvalidPollingCode);
    }
    Ok(answer)
}
