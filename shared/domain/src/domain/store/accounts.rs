//! The users' and sessions' port.

use async_trait::async_trait;

use super::error::StoreResult;
use crate::clock::Millis;
use crate::domain::session::Session;
use crate::domain::user::{Identity, User, UserPatch};
use crate::secret::LocatedSecret;

#[async_trait]
pub trait AccountStore: Send + Sync {
    async fn put_user(&self, user: &User) -> StoreResult<()>;
    async fn put_session(&self, session: &Session) -> StoreResult<()>;
    /// Creates a user and its first session together, atomically: both or
    /// neither.
    async fn create_user_with_session(&self, user: &User, session: &Session) -> StoreResult<()>;
    /// The id of the user an identity at an OpenID provider names, if any
    /// (strongly consistent).
    async fn identity_user(&self, identity: &Identity) -> StoreResult<Option<String>>;
    /// Writes `user` and the identity naming it together, only if the
    /// identity is new: `true`. `false` when it is taken, or when a racing
    /// write held it (read it again); then nothing was written.
    async fn create_user_with_identity(
        &self,
        user: &User,
        identity: &Identity,
    ) -> StoreResult<bool>;
    /// Applies `patch` to the user if it exists in `project_id`, atomically
    /// field by field; returns the user as it now is, or `None`.
    async fn update_user(
        &self,
        project_id: &str,
        user_id: &str,
        patch: &UserPatch,
    ) -> StoreResult<Option<User>>;
    /// Deletes the user if it exists in `project_id`; its sessions stay, but
    /// none refreshes without its user. Of racing deletes, exactly one
    /// returns `true`.
    async fn delete_user(&self, project_id: &str, user_id: &str) -> StoreResult<bool>;
    /// Deletes the session if it exists in `project_id` (and, when `user_id`
    /// is given, belongs to that user). Of racing deletes, exactly one
    /// returns `true`.
    async fn delete_session(
        &self,
        project_id: &str,
        session_id: &str,
        user_id: Option<&str>,
    ) -> StoreResult<bool>;

    /// If `token` is the refresh token of a live session of `project_id`:
    /// records `now` as the session's last use and returns the session as it
    /// now is. One conditional write: a session revoked or expired a moment
    /// before is never used.
    async fn use_session(
        &self,
        project_id: &str,
        token: &LocatedSecret,
        now: Millis,
    ) -> StoreResult<Option<Session>>;

    /// The live sessions of `user_id` in `project_id`, newest (by creation)
    /// first. In DynamoDB one Query of the sessions-by-user index, which is
    /// eventually consistent: a session created a moment ago, or deleted,
    /// may not be seen yet.
    async fn sessions_of_user(
        &self,
        project_id: &str,
        user_id: &str,
        now: Millis,
    ) -> StoreResult<Vec<Session>>;

    /// The newest (by creation) `limit` sessions of `project_id` that agent
    /// auth minted (tagged with an agent's name), newest first, expired ones
    /// too until the store drops them, for the admin overview. In DynamoDB
    /// one Query of the agent-sessions-by-project index, eventually
    /// consistent.
    async fn agent_sessions(&self, project_id: &str, limit: usize) -> StoreResult<Vec<Session>>;
}
