//! Approve, as the hosted confirm page does it (api.md §10): the signed-in
//! person's browser never hands over its own sign-in. A **new** session of
//! the person is minted for the CLI, tagged with the attempt's who-is-asking
//! (so the session list shows "mytool on ada-laptop"), and the attempt is
//! completed with it: the same once-only write as `complete`.

use super::{AttemptError, AttemptKey, CodeKind, CompleteMode, Completed, complete};
use crate::clock::Millis;
use crate::domain::session::Session;
use crate::domain::store::Store;
use crate::domain::tokens::Minter;
use crate::secret::LocatedSecret;

/// Mints the CLI's session for `user_id` and completes the attempt of
/// `login_code` with it. Round trips: the attempt's read, the session's
/// put, then `complete`'s read and write (4). An attempt that is no longer
/// pending gets no session: one minted for an attempt that stopped being
/// pending meanwhile (a racing deny, an expiry) is deleted again, so
/// nothing is left half-done.
pub async fn approve(
    store: &dyn Store,
    minter: Minter<'_>,
    project_id: &str,
    login_code: &str,
    user_id: &str,
    session_lifetime_millis: Millis,
    now: Millis,
) -> Result<(), AttemptError> {
    let code = LocatedSecret::parse(login_code).ok_or(AttemptError::InvalidLoginCode)?;
    let key = AttemptKey::new(project_id, &code, CodeKind::Login);
    let attempt = store
        .attempt(&code.id)
        .await?
        .filter(|a| a.is_pending_for(&key, now))
        .ok_or(AttemptError::InvalidLoginCode)?;
    let (mut session, token) =
        Session::create(project_id, user_id, now, session_lifetime_millis, false);
    session.asked_by = Some(attempt.asked_by());
    store.put_session(&session).await?;
    let mode = CompleteMode::Complete {
        refresh_token: Some(token.expose()),
    };
    match complete(store, minter, project_id, login_code, mode, now).await {
        Ok(Completed::Success) => Ok(()),
        Ok(_) => Err(AttemptError::InvalidLoginCode),
        Err(e) => {
            // The session must not outlive the approval that failed; if
            // even this delete fails, it is a session nobody holds.
            store
                .delete_session(project_id, &session.id, Some(user_id))
                .await?;
            Err(e)
        }
    }
}
