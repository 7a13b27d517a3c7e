//! poll: the agent asks whether it was approved; exactly one poll receives
//! its session.

use super::error::AgentError;
use crate::clock::Millis;
use crate::domain::accounts::Tokens;
use crate::domain::login_attempt::{
    AttemptKey, AttemptState, CliAttempt, PollAnswer, classify_poll, open_refresh_token,
};
use crate::domain::store::{PickUp, Store, StoreError};
use crate::domain::tokens::Minter;
use crate::secret::LocatedSecret;

/// What a poll answers (Hexclave's words).
#[derive(Debug)]
pub enum AgentPollAnswer {
    Waiting,
    Denied,
    Expired,
    Used,
    /// The agent's session, handed out once.
    Success(Tokens),
}

/// One read while nobody has decided. At the hand-off everything that can
/// fail comes before the once-only pickup, which cannot be retried: the
/// session is read through its one conditional use (it may have been
/// revoked since the approval) with its user, the access token minted,
/// and the agent's anonymous session ended; then the pickup decides which
/// poll gets the session. An approved session revoked before the first
/// poll is never handed out: the attempt is spent and the poll says
/// `expired`, as Hexclave's does.
pub async fn poll(
    store: &dyn Store,
    minter: Minter<'_>,
    project_id: &str,
    poll_token: &str,
    now: Millis,
) -> Result<AgentPollAnswer, AgentError> {
    let code = LocatedSecret::parse(poll_token).ok_or(AgentError::InvalidPollToken)?;
    let key = AttemptKey::agent_poll(project_id, &code);
    let attempt = store
        .attempt(&code.id)
        .await?
        .filter(|a| a.is_named_by(&key))
        .ok_or(AgentError::InvalidPollToken)?;
    match attempt.state(now) {
        AttemptState::Completed => hand_off(store, minter, &key, &code, &attempt, now).await,
        _ => Ok(classify(classify_poll(Some(&attempt), &key, now))),
    }
}

async fn hand_off(
    store: &dyn Store,
    minter: Minter<'_>,
    key: &AttemptKey,
    code: &LocatedSecret,
    attempt: &CliAttempt,
    now: Millis,
) -> Result<AgentPollAnswer, AgentError> {
    let unreadable = || StoreError::Corrupt("the agent's waiting session does not open".into());
    let refresh_token = attempt
        .refresh_token
        .as_deref()
        .and_then(|sealed| open_refresh_token(code, sealed))
        .ok_or_else(unreadable)?;
    let token = LocatedSecret::parse(&refresh_token).ok_or_else(unreadable)?;
    let session = store.use_session(&key.project_id, &token, now).await?;
    let user = match &session {
        Some(s) => store.user(&s.user_id).await?,
        None => None,
    };
    let (Some(session), Some(user)) = (session, user) else {
        // Revoked (or its person deleted) between approval and this poll.
        return Ok(match take(store, key, now).await? {
            Taken::Yes => AgentPollAnswer::Expired,
            Taken::No(answer) => answer,
        });
    };
    let access_token = minter.access_token(&user, &session.id, now)?;
    if let Some(details) = &attempt.agent {
        store
            .delete_session(
                &key.project_id,
                &details.anon_session_id,
                Some(&details.anon_user_id),
            )
            .await?;
    }
    Ok(match take(store, key, now).await? {
        Taken::Yes => AgentPollAnswer::Success(Tokens {
            user_id: user.id,
            refresh_token,
            access_token,
        }),
        Taken::No(answer) => answer,
    })
}

enum Taken {
    Yes,
    /// Another poll took it first (or the attempt expired meanwhile).
    No(AgentPollAnswer),
}

/// The pickup: one conditional write, once.
async fn take(store: &dyn Store, key: &AttemptKey, now: Millis) -> Result<Taken, AgentError> {
    let request = crate::secret::random_token(16);
    Ok(match store.pick_up(key, now, &request).await? {
        PickUp::Taken { .. } => Taken::Yes,
        PickUp::NotTaken(seen) => Taken::No(classify(classify_poll(seen.as_deref(), key, now))),
    })
}

fn classify(answer: PollAnswer) -> AgentPollAnswer {
    match answer {
        PollAnswer::Used => AgentPollAnswer::Used,
        PollAnswer::Refused(_) => AgentPollAnswer::Denied,
        PollAnswer::Expired => AgentPollAnswer::Expired,
        // Completed is answered by the hand-off; a pickup that lost found
        // it used. Invalid cannot follow a read that named it.
        _ => AgentPollAnswer::Waiting,
    }
}
