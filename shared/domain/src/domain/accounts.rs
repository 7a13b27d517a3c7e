//! Users, sessions and access tokens (api.md §4): what the CLI flow
//! stands on.

use serde_json::Value;

use crate::clock::Millis;
use crate::domain::login_attempt::is_deceptive;
use crate::domain::session::Session;
use crate::domain::store::{Store, StoreError};
use crate::domain::tokens::Minter;
use crate::domain::tokens::TokenError;
use crate::domain::user::{Identity, User, UserPatch};
use crate::secret::{LocatedSecret, random_id};

/// Why an accounts operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The user is not in this project (or the id cannot be a user id).
    #[error("user not found")]
    UserNotFound,
    /// sessions create: the user to create a session for does not exist.
    #[error("user {0} does not exist")]
    UserIdDoesNotExist(String),
    /// The refresh token names no live session of this project.
    #[error("session not found or expired")]
    SessionNotFound,
    /// No session of this project, visible to the caller, has this id.
    #[error("no such session")]
    UnknownSession,
    /// A user may list only its own sessions.
    #[error("not the caller's own sessions")]
    OthersSessions,
    /// The session of the caller's own access token cannot be deleted by id
    /// (signing out is `DELETE /auth/sessions/current`).
    #[error("cannot delete the current session")]
    CannotDeleteCurrentSession,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Token(#[from] TokenError),
}

/// Default session lifetime: one year.
pub const DEFAULT_SESSION_MILLIS: i64 = 365 * 24 * 60 * 60 * 1000;
/// Longest session lifetime: 367 days.
pub const MAX_SESSION_MILLIS: i64 = 367 * 24 * 60 * 60 * 1000;

/// A user or session id we will look up at all: both are UUIDs.
fn is_user_id(id: &str) -> bool {
    uuid::Uuid::try_parse(id).is_ok()
}

pub fn new_user(project_id: &str, patch: &UserPatch, now: Millis) -> User {
    let mut user = User {
        id: random_id(),
        project_id: project_id.to_owned(),
        display_name: None,
        primary_email: None,
        profile_image_url: None,
        is_anonymous: false,
        signed_up_at_millis: now,
        client_metadata: Value::Null,
        server_metadata: Value::Null,
    };
    patch.apply(&mut user);
    user
}

pub async fn create_user(
    store: &dyn Store,
    project_id: &str,
    fields: &UserPatch,
    now: Millis,
) -> Result<User, AccountError> {
    let user = new_user(project_id, fields, now);
    store.put_user(&user).await?;
    Ok(user)
}

/// The user `user_id` of `project_id`, if there is one (ids that cannot be
/// user ids are not looked up).
async fn find_user(
    store: &dyn Store,
    project_id: &str,
    user_id: &str,
) -> Result<Option<User>, AccountError> {
    if !is_user_id(user_id) {
        return Ok(None);
    }
    Ok(store
        .user(user_id)
        .await?
        .filter(|u| u.project_id == project_id))
}

pub async fn get_user(
    store: &dyn Store,
    project_id: &str,
    user_id: &str,
) -> Result<User, AccountError> {
    find_user(store, project_id, user_id)
        .await?
        .ok_or(AccountError::UserNotFound)
}

pub async fn update_user(
    store: &dyn Store,
    project_id: &str,
    user_id: &str,
    patch: &UserPatch,
) -> Result<User, AccountError> {
    if !is_user_id(user_id) {
        return Err(AccountError::UserNotFound);
    }
    store
        .update_user(project_id, user_id, patch)
        .await?
        .ok_or(AccountError::UserNotFound)
}

/// Deletes a user: one conditional delete. Its sessions stop refreshing,
/// since a refresh needs the user.
pub async fn delete_user(
    store: &dyn Store,
    project_id: &str,
    user_id: &str,
) -> Result<(), AccountError> {
    if store.delete_user(project_id, user_id).await? {
        Ok(())
    } else {
        Err(AccountError::UserNotFound)
    }
}

/// A new session's tokens, to hand out once.
#[derive(Debug)]
pub struct Tokens {
    pub user_id: String,
    pub refresh_token: String,
    pub access_token: String,
}

impl Tokens {
    fn issue(
        minter: Minter<'_>,
        user: &User,
        session: &Session,
        refresh: &LocatedSecret,
        now: Millis,
    ) -> Result<Self, AccountError> {
        Ok(Self {
            user_id: user.id.clone(),
            access_token: minter.access_token(user, &session.id, now)?,
            refresh_token: refresh.expose(),
        })
    }
}

/// A new anonymous user with its first session, written together.
pub async fn anonymous_sign_up(
    store: &dyn Store,
    minter: Minter<'_>,
    project_id: &str,
    now: Millis,
) -> Result<Tokens, AccountError> {
    let patch = UserPatch {
        is_anonymous: Some(true),
        ..UserPatch::default()
    };
    let user = new_user(project_id, &patch, now);
    let (session, refresh) =
        Session::create(project_id, &user.id, now, DEFAULT_SESSION_MILLIS, false);
    store.create_user_with_session(&user, &session).await?;
    Tokens::issue(minter, &user, &session, &refresh, now)
}

/// What a server asks for when it opens a session for a user.
#[derive(Debug, Clone, Copy)]
pub struct SessionRequest<'a> {
    pub user_id: &'a str,
    /// Default: [`DEFAULT_SESSION_MILLIS`].
    pub lifetime_millis: Option<i64>,
    pub is_impersonation: bool,
}

pub async fn create_session(
    store: &dyn Store,
    minter: Minter<'_>,
    project_id: &str,
    request: SessionRequest<'_>,
    now: Millis,
) -> Result<Tokens, AccountError> {
    let user = find_user(store, project_id, request.user_id)
        .await?
        .ok_or_else(|| AccountError::UserIdDoesNotExist(request.user_id.to_owned()))?;
    let lifetime = request.lifetime_millis.unwrap_or(DEFAULT_SESSION_MILLIS);
    let (session, refresh) = Session::create(
        project_id,
        &user.id,
        now,
        lifetime,
        request.is_impersonation,
    );
    store.put_session(&session).await?;
    Tokens::issue(minter, &user, &session, &refresh, now)
}

/// A fresh access token for a live session.
pub async fn refresh(
    store: &dyn Store,
    minter: Minter<'_>,
    project_id: &str,
    refresh_token: &str,
    now: Millis,
) -> Result<String, AccountError> {
    let token = LocatedSecret::parse(refresh_token).ok_or(AccountError::SessionNotFound)?;
    let session = store
        .use_session(project_id, &token, now)
        .await?
        .ok_or(AccountError::SessionNotFound)?;
    let user = store
        .user(&session.user_id)
        .await?
        .ok_or(AccountError::SessionNotFound)?;
    Ok(minter.access_token(&user, &session.id, now)?)
}

/// Revokes a session: one conditional delete, so of racing revokes exactly
/// one succeeds.
pub async fn revoke(
    store: &dyn Store,
    project_id: &str,
    session_id: &str,
) -> Result<(), AccountError> {
    if store.delete_session(project_id, session_id, None).await? {
        Ok(())
    } else {
        Err(AccountError::SessionNotFound)
    }
}

/// Whose sessions a caller may list and delete.
#[derive(Debug, Clone, Copy)]
pub struct SessionsAccess<'a> {
    /// Client access: the caller's own user, the only one whose sessions it
    /// may see. `None` for server and admin access, which see every user's.
    pub own_user: Option<&'a str>,
    /// The session of the caller's access token, if one was sent.
    pub current_session: Option<&'a str>,
    /// Admin access also sees impersonation sessions.
    pub sees_impersonation: bool,
}

/// The live sessions of `user_id` the caller may see, newest first.
pub async fn list_sessions(
    store: &dyn Store,
    project_id: &str,
    user_id: &str,
    access: SessionsAccess<'_>,
    now: Millis,
) -> Result<Vec<Session>, AccountError> {
    if access.own_user.is_some_and(|own| own != user_id) {
        return Err(AccountError::OthersSessions);
    }
    if !is_user_id(user_id) {
        return Ok(Vec::new());
    }
    let mut sessions = store.sessions_of_user(project_id, user_id, now).await?;
    sessions.retain(|s| access.sees_impersonation || !s.is_impersonation);
    Ok(sessions)
}

/// Deletes a session the caller may see, other than its current one: one
/// conditional delete (on the project, and for client access on its user).
pub async fn delete_session(
    store: &dyn Store,
    project_id: &str,
    session_id: &str,
    access: SessionsAccess<'_>,
) -> Result<(), AccountError> {
    if access.current_session == Some(session_id) {
        return Err(AccountError::CannotDeleteCurrentSession);
    }
    // Session ids are UUIDs, like user ids; anything else names none.
    if !is_user_id(session_id) {
        return Err(AccountError::UnknownSession);
    }
    if store
        .delete_session(project_id, session_id, access.own_user)
        .await?
    {
        Ok(())
    } else {
        Err(AccountError::UnknownSession)
    }
}

/// A person as the team's OpenID provider vouched for them in a verified
/// ID token (api.md §10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderPerson {
    pub identity: Identity,
    /// Their email, only when the provider says it verified it.
    pub verified_email: Option<String>,
    /// Their name, shown as the display name of a new user.
    pub name: Option<String>,
}

/// How often a first sign-in re-reads an identity that a racing sign-in
/// holds before giving up (503).
const IDENTITY_TRIES: usize = 5;

/// The user a provider's person is, created on their first sign-in:
/// exactly one user however many first sign-ins race, because the user is
/// written in one transaction with the identity, only if the identity is
/// new; a loser reads the winner's. Round trips: 2 for a returning person
/// (the identity, the user); 2 on a first sign-in (the identity, the
/// write), 2 more for each lost race.
pub async fn user_of_person(
    store: &dyn Store,
    person: &ProviderPerson,
    now: Millis,
) -> Result<User, AccountError> {
    let project_id = &person.identity.project_id;
    for _ in 0..IDENTITY_TRIES {
        if let Some(user_id) = store.identity_user(&person.identity).await? {
            // A user deleted since (DELETE /users/me) stays deleted.
            return store
                .user(&user_id)
                .await?
                .filter(|u| &u.project_id == project_id)
                .ok_or(AccountError::UserNotFound);
        }
        // A provider's name is shown on pages and terminals: without the
        // characters that could make them show something else (api.md §8).
        let name = person
            .name
            .as_deref()
            .map(|n| n.chars().filter(|c| !is_deceptive(*c)).collect::<String>())
            .filter(|n| !n.trim().is_empty());
        let patch = UserPatch {
            display_name: Some(name),
            primary_email: Some(person.verified_email.clone()),
            ..UserPatch::default()
        };
        let user = new_user(project_id, &patch, now);
        if store
            .create_user_with_identity(&user, &person.identity)
            .await?
        {
            return Ok(user);
        }
    }
    Err(StoreError::Unavailable("an identity stayed contended".into()).into())
}
