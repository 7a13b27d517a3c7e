//! confirm: the signed-in person looks up the claim code the agent shows,
//! sees who is asking, and approves or denies. The person is always the
//! approver: the session an approval mints is theirs.

use super::details::{AGENT_SESSION_MILLIS, AgentDetails, AgentRequest};
use super::error::AgentError;
use crate::clock::Millis;
use crate::domain::login_attempt::{
    AttemptKey, CliAttempt, Ending, Guesses, Looker, Refusal, RetryAfter, UserCodeLimits,
    hand_over_new_session,
};
use crate::domain::session::Session;
use crate::domain::store::{Finish, Store};
use crate::secret::normalize_claim_code;

/// What the person does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Shows who is asking, before the person commits.
    Inspect,
    Approve,
    Deny,
}

/// Where the attempt stands after the action, in the poll's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Waiting,
    Success,
    Denied,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Waiting => "waiting",
            Outcome::Success => "success",
            Outcome::Denied => "denied",
        }
    }
}

/// What the confirm page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmed {
    pub agent: AgentRequest,
    pub expires_at_millis: Millis,
    pub outcome: Outcome,
}

/// Reserves a guess (one round trip), reads the attempt of the typed
/// claim code (one), gives the guess back when it is a waiting agent
/// attempt of this project (one), then acts: inspect does nothing more;
/// approve mints the agent's session and hands it over (two, three when a
/// racing deny or expiry won); deny ends the attempt and the agent's
/// anonymous session (two).
pub async fn confirm(
    store: &dyn Store,
    limits: &UserCodeLimits,
    who: Looker<'_>,
    typed_claim_code: &str,
    action: Action,
    now: Millis,
) -> Result<Confirmed, AgentError> {
    let guesses = Guesses::of("claim-code", who, limits, now);
    if let Err(RetryAfter(retry_after_seconds)) = guesses.reserve(store, now).await? {
        return Err(AgentError::TooManyClaimCodeAttempts {
            retry_after_seconds,
        });
    }
    let claim_code = normalize_claim_code(typed_claim_code).ok_or(AgentError::InvalidClaimCode)?;
    let key = AttemptKey::claim(who.project_id, &claim_code);
    let attempt = store
        .attempt(&claim_code)
        .await?
        .filter(|a| a.is_pending_for(&key, now))
        .ok_or(AgentError::InvalidClaimCode)?;
    let details = attempt
        .agent
        .as_deref()
        .cloned()
        .ok_or(AgentError::InvalidClaimCode)?;
    guesses.release(store).await?;
    let outcome = match action {
        Action::Inspect => Outcome::Waiting,
        Action::Approve => {
            approve(store, &key, &attempt, &details, who.user_id, now).await?;
            Outcome::Success
        }
        Action::Deny => {
            deny(store, &key, &details, now).await?;
            Outcome::Denied
        }
    };
    Ok(Confirmed {
        agent: details.agent,
        expires_at_millis: attempt.expires_at_millis,
        outcome,
    })
}

/// A new 90-day session of the person, tagged with the agent's name,
/// handed to the attempt by the once-only write that also decides against
/// a racing deny. The browser's own session is never shared.
async fn approve(
    store: &dyn Store,
    key: &AttemptKey,
    attempt: &CliAttempt,
    details: &AgentDetails,
    user_id: &str,
    now: Millis,
) -> Result<(), AgentError> {
    let (mut session, token) =
        Session::create(&key.project_id, user_id, now, AGENT_SESSION_MILLIS, false);
    session.agent_name = Some(details.agent.name.clone());
    Ok(hand_over_new_session(store, key, attempt, &session, &token, now).await?)
}

/// The once-only write that ends the attempt with a denial (a racing
/// approval that won makes it refused), then the end of the agent's
/// anonymous session: the agent is signed out, not only refused.
async fn deny(
    store: &dyn Store,
    key: &AttemptKey,
    details: &AgentDetails,
    now: Millis,
) -> Result<(), AgentError> {
    let request = crate::secret::random_token(16);
    match store
        .complete(key, &Ending::Refused(Refusal::Denied), now, &request)
        .await?
    {
        Finish::Done => {
            store
                .delete_session(
                    &key.project_id,
                    &details.anon_session_id,
                    Some(&details.anon_user_id),
                )
                .await?;
            Ok(())
        }
        Finish::NotPending(_) => Err(AgentError::InvalidClaimCode),
    }
}
