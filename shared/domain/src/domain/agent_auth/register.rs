//! register: the agent describes itself and receives an anonymous session
//! to act with at once, a claim code to show a person, and a poll token.

use super::details::{AgentDetails, AgentRequest, DEFAULT_EXPIRES_IN_MILLIS};
use super::error::AgentError;
use crate::clock::Millis;
use crate::domain::accounts::{DEFAULT_SESSION_MILLIS, Tokens, new_user};
use crate::domain::login_attempt::CliAttempt;
use crate::domain::session::Session;
use crate::domain::store::{Store, StoreError};
use crate::domain::tokens::Minter;
use crate::domain::user::UserPatch;
use crate::secret::{LocatedSecret, display_user_code, random_claim_code};

/// What register hands the agent (once).
#[derive(Debug)]
pub struct Registered {
    /// As people read it: `K7PQ-3XWM`.
    pub claim_code: String,
    pub poll_token: String,
    pub expires_at_millis: Millis,
    /// The agent's anonymous session, tagged with its name.
    pub anonymous: Tokens,
}

/// How many fresh claim codes register tries before it gives up (the code
/// is the attempt's key, so a taken one is refused by the store).
const CLAIM_CODE_TRIES: usize = 4;

/// Writes the anonymous user with its session (one transaction), then the
/// attempt (one more; again for a claim code already taken). An attempt
/// that cannot be written takes the session with it: nobody could ever
/// end it through the flow.
pub async fn register(
    store: &dyn Store,
    minter: Minter<'_>,
    project_id: &str,
    agent: AgentRequest,
    expires_in_millis: Option<i64>,
    now: Millis,
) -> Result<Registered, AgentError> {
    let patch = UserPatch {
        is_anonymous: Some(true),
        ..UserPatch::default()
    };
    let user = new_user(project_id, &patch, now);
    let (mut session, refresh) =
        Session::create(project_id, &user.id, now, DEFAULT_SESSION_MILLIS, false);
    session.agent_name = Some(agent.name.clone());
    // Minted before anything is written: nothing can fail after the writes
    // but the attempt's own.
    let access_token = minter.access_token(&user, &session.id, now)?;
    store.create_user_with_session(&user, &session).await?;
    let details = AgentDetails {
        agent,
        anon_session_id: session.id.clone(),
        anon_user_id: user.id.clone(),
    };
    let lifetime = expires_in_millis.unwrap_or(DEFAULT_EXPIRES_IN_MILLIS);
    match create_attempt(store, project_id, details, lifetime, now).await {
        Ok((attempt, poll_token)) => Ok(Registered {
            claim_code: display_user_code(&attempt.id),
            poll_token: poll_token.expose(),
            expires_at_millis: attempt.expires_at_millis,
            anonymous: Tokens {
                user_id: user.id,
                refresh_token: refresh.expose(),
                access_token,
            },
        }),
        Err(e) => {
            store
                .delete_session(project_id, &session.id, Some(&user.id))
                .await?;
            Err(e)
        }
    }
}

/// The agent's attempt under a fresh claim code, and its poll token. Its
/// login code is drawn too (every attempt has one) and never handed out:
/// a person confirms an agent by its claim code.
async fn create_attempt(
    store: &dyn Store,
    project_id: &str,
    details: AgentDetails,
    lifetime: Millis,
    now: Millis,
) -> Result<(CliAttempt, LocatedSecret), AgentError> {
    for _ in 0..CLAIM_CODE_TRIES {
        let id = random_claim_code();
        let poll_token = LocatedSecret::generate(&id);
        let mut created = CliAttempt::with_codes(
            project_id,
            poll_token,
            LocatedSecret::generate(&id),
            now,
            lifetime,
            None,
        );
        created.attempt.agent = Some(Box::new(details.clone()));
        match store.create_attempt(&created.attempt).await {
            Ok(()) => return Ok((created.attempt, created.polling_code)),
            Err(StoreError::AlreadyExists) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::Unavailable("no free claim code after several tries".into()).into())
}
