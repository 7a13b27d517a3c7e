//! Approve, as the hosted confirm page does it (api.md §10): the signed-in
//! person's browser never hands over its own sign-in. A **new** session of
//! the person is minted for the CLI, tagged with the attempt's who-is-asking
//! (so the session list shows "mytool on ada-laptop"), and handed to the
//! attempt by `complete`'s once-only write.

use super::complete::hand_over;
use super::{AttemptError, AttemptKey, CliAttempt, CodeKind};
use crate::clock::Millis;
use crate::domain::session::Session;
use crate::domain::store::Store;
use crate::secret::LocatedSecret;

/// Mints the CLI's session for `user_id` and hands it to the attempt of
/// `login_code`. Round trips: the attempt's read, the session's put, the
/// once-only write (3; the session is new, so unlike `complete` there is
/// no session to check). An attempt that is not pending gets no session;
/// one minted for an attempt that stopped being pending meanwhile (a
/// racing deny, an expiry) is deleted again, so nothing is left half-done.
pub async fn approve(
    store: &dyn Store,
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
    approve_read(
        store,
        login_code,
        &attempt,
        user_id,
        session_lifetime_millis,
        now,
    )
    .await
}

/// [`approve`] for a caller that has just read the attempt itself (the
/// hosted page, which shows it and checks proximity first): the session's
/// put and the once-only write (2 round trips). The write's condition, not
/// the read, decides: an attempt that stopped being pending since gets its
/// session deleted again.
pub async fn approve_read(
    store: &dyn Store,
    login_code: &str,
    attempt: &CliAttempt,
    user_id: &str,
    session_lifetime_millis: Millis,
    now: Millis,
) -> Result<(), AttemptError> {
    let code = LocatedSecret::parse(login_code).ok_or(AttemptError::InvalidLoginCode)?;
    let key = AttemptKey::new(&attempt.project_id, &code, CodeKind::Login);
    if !attempt.is_pending_for(&key, now) {
        return Err(AttemptError::InvalidLoginCode);
    }
    let (mut session, token) = Session::create(
        &key.project_id,
        user_id,
        now,
        session_lifetime_millis,
        false,
    );
    session.asked_by = Some(attempt.asked_by());
    hand_over_new_session(store, &key, attempt, &session, &token, now).await
}

/// Writes `session` (new, its refresh token `token`) and hands it to the
/// attempt `key` names by the once-only write: 2 round trips. The write's
/// condition, not an earlier read, decides; when the attempt stopped being
/// pending (a racing deny, an expiry) or the write fails, the session is
/// deleted again (one more), so nothing is left half-done. Agent auth's
/// approval uses it too (api.md §9).
pub async fn hand_over_new_session(
    store: &dyn Store,
    key: &AttemptKey,
    attempt: &CliAttempt,
    session: &Session,
    token: &LocatedSecret,
    now: Millis,
) -> Result<(), AttemptError> {
    store.put_session(session).await?;
    match hand_over(store, key, attempt, &token.expose(), &session.id, now).await {
        Ok(_) => Ok(()),
        Err(e) => {
            // The session must not outlive the approval that failed; if
            // even this delete fails, it is a session nobody holds.
            store
                .delete_session(&session.project_id, &session.id, Some(&session.user_id))
                .await?;
            Err(e)
        }
    }
}
