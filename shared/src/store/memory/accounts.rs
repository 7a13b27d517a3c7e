//! Users and sessions on the in-memory store.

use std::collections::HashMap;

use async_trait::async_trait;

use super::MemoryStore;
use crate::clock::Millis;
use crate::domain::session::Session;
use crate::domain::store::{AccountStore, StoreError, StoreResult};
use crate::domain::user::{Identity, User, UserPatch};
use crate::secret::LocatedSecret;

#[async_trait]
impl AccountStore for MemoryStore {
    async fn put_user(&self, user: &User) -> StoreResult<()> {
        self.tables().users.insert(user.id.clone(), user.clone());
        Ok(())
    }

    async fn put_session(&self, session: &Session) -> StoreResult<()> {
        self.tables()
            .sessions
            .insert(session.id.clone(), session.clone());
        Ok(())
    }

    async fn create_user_with_session(&self, user: &User, session: &Session) -> StoreResult<()> {
        let mut t = self.tables();
        if t.users.contains_key(&user.id) || t.sessions.contains_key(&session.id) {
            return Err(StoreError::AlreadyExists);
        }
        t.users.insert(user.id.clone(), user.clone());
        t.sessions.insert(session.id.clone(), session.clone());
        Ok(())
    }

    async fn identity_user(&self, identity: &Identity) -> StoreResult<Option<String>> {
        Ok(self.tables().identities.get(&identity.key()).cloned())
    }

    async fn create_user_with_identity(
        &self,
        user: &User,
        identity: &Identity,
    ) -> StoreResult<bool> {
        let mut t = self.tables();
        let key = identity.key();
        if t.identities.contains_key(&key) {
            return Ok(false);
        }
        if t.users.contains_key(&user.id) {
            return Err(StoreError::AlreadyExists);
        }
        t.identities.insert(key, user.id.clone());
        t.users.insert(user.id.clone(), user.clone());
        Ok(true)
    }

    async fn update_user(
        &self,
        project_id: &str,
        user_id: &str,
        patch: &UserPatch,
    ) -> StoreResult<Option<User>> {
        let mut t = self.tables();
        match t.users.get_mut(user_id) {
            Some(user) if user.project_id == project_id => {
                patch.apply(user);
                Ok(Some(user.clone()))
            }
            _ => Ok(None),
        }
    }

    async fn delete_user(&self, project_id: &str, user_id: &str) -> StoreResult<bool> {
        let mut t = self.tables();
        Ok(remove_in_project(&mut t.users, user_id, project_id, |u| {
            &u.project_id
        }))
    }

    async fn delete_session(
        &self,
        project_id: &str,
        session_id: &str,
        user_id: Option<&str>,
    ) -> StoreResult<bool> {
        let mut t = self.tables();
        let others = t
            .sessions
            .get(session_id)
            .is_some_and(|s| user_id.is_some_and(|u| u != s.user_id));
        Ok(
            !others
                && remove_in_project(&mut t.sessions, session_id, project_id, |s| &s.project_id),
        )
    }

    async fn use_session(
        &self,
        project_id: &str,
        token: &LocatedSecret,
        now: Millis,
    ) -> StoreResult<Option<Session>> {
        let mut t = self.tables();
        let Some(session) = t
            .sessions
            .get_mut(&token.id)
            .filter(|s| s.project_id == project_id && s.is_live_for(token, now))
        else {
            return Ok(None);
        };
        session.last_used_at_millis = now;
        Ok(Some(session.clone()))
    }

    async fn sessions_of_user(
        &self,
        project_id: &str,
        user_id: &str,
        now: Millis,
    ) -> StoreResult<Vec<Session>> {
        let mut found: Vec<Session> = self
            .tables()
            .sessions
            .values()
            .filter(|s| s.user_id == user_id && s.project_id == project_id && !s.is_expired(now))
            .cloned()
            .collect();
        found.sort_by_key(|s| std::cmp::Reverse(s.created_at_millis));
        Ok(found)
    }

    async fn agent_sessions(&self, project_id: &str, limit: usize) -> StoreResult<Vec<Session>> {
        let mut found: Vec<Session> = self
            .tables()
            .sessions
            .values()
            .filter(|s| s.project_id == project_id && s.agent_name.is_some())
            .cloned()
            .collect();
        found.sort_by_key(|s| std::cmp::Reverse(s.created_at_millis));
        found.truncate(limit);
        Ok(found)
    }
}

/// Removes the record `id` if it belongs to `project_id`; whether it did.
fn remove_in_project<T>(
    records: &mut HashMap<String, T>,
    id: &str,
    project_id: &str,
    project_of: impl Fn(&T) -> &String,
) -> bool {
    let ours = records.get(id).is_some_and(|r| project_of(r) == project_id);
    if ours {
        records.remove(id);
    }
    ours
}
