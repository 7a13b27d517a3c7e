//! The in-memory store: the dev server's default and the tests' workhorse.
//! Each transition runs under one lock, which makes it as atomic as the
//! DynamoDB adapter's conditional writes; the conformance suite holds the two
//! to the same semantics. Attempts are kept packed (`attempts.rs`), and
//! dropped a day after they expire; their once-only transitions are in
//! `transitions.rs`.

mod attempts;
mod packed;
mod transitions;

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;

use crate::clock::Millis;
use crate::domain::access::AccessType;
use crate::domain::login_attempt::{AttemptKey, CliAttempt, Ending};
use crate::domain::project::Project;
use crate::domain::session::Session;
use crate::domain::store::{
    Claim, Counter, DevicePoll, Finish, Found, Lookup, PickUp, Store, StoreError, StoreResult,
};
use crate::domain::user::{User, UserPatch};
use crate::secret::{LocatedSecret, SecretHash};

#[derive(Default)]
struct Tables {
    projects: HashMap<String, Project>,
    users: HashMap<String, User>,
    sessions: HashMap<String, Session>,
    attempts: attempts::Attempts,
    /// User-code failure counters: count and window end.
    counters: HashMap<String, (u64, Millis)>,
}

/// How long past its window's end a counter is kept (windows are minutes).
const COUNTER_RETENTION_MILLIS: Millis = 60 * 60 * 1000;

#[derive(Default)]
pub struct MemoryStore {
    tables: Mutex<Tables>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn tables(&self) -> MutexGuard<'_, Tables> {
        // No code path panics while holding the lock, and every transition
        // leaves the tables consistent before it returns, so a poisoned lock
        // still guards consistent data.
        self.tables
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
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

#[async_trait]
impl Store for MemoryStore {
    async fn get_project(&self, id: &str) -> StoreResult<Option<Project>> {
        Ok(self.tables().projects.get(id).cloned())
    }

    async fn create_project(&self, project: &Project) -> StoreResult<()> {
        let mut t = self.tables();
        if t.projects.contains_key(&project.id) {
            return Err(StoreError::AlreadyExists);
        }
        t.projects.insert(project.id.clone(), project.clone());
        Ok(())
    }

    async fn save_project(&self, project: &Project) -> StoreResult<()> {
        self.tables()
            .projects
            .insert(project.id.clone(), project.clone());
        Ok(())
    }

    async fn set_project_key(
        &self,
        project_id: &str,
        kind: AccessType,
        hash: &SecretHash,
    ) -> StoreResult<bool> {
        let mut t = self.tables();
        let Some(project) = t.projects.get_mut(project_id) else {
            return Ok(false);
        };
        project.set_key_hash(kind, hash.clone());
        Ok(true)
    }

    async fn set_project_app_url(&self, project_id: &str, url: Option<&str>) -> StoreResult<bool> {
        let mut t = self.tables();
        let Some(project) = t.projects.get_mut(project_id) else {
            return Ok(false);
        };
        project.app_url = url.map(str::to_owned);
        Ok(true)
    }

    async fn list_projects(&self) -> StoreResult<Vec<Project>> {
        let mut all: Vec<Project> = self.tables().projects.values().cloned().collect();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(all)
    }

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

    async fn lookup(&self, what: Lookup<'_>) -> StoreResult<Found> {
        let t = self.tables();
        Ok(Found {
            attempt: what.attempt_id.and_then(|id| t.attempts.get(id)),
            session: what.session_id.and_then(|id| t.sessions.get(id).cloned()),
            user: what.user_id.and_then(|id| t.users.get(id).cloned()),
        })
    }

    async fn create_attempt(&self, attempt: &CliAttempt) -> StoreResult<()> {
        self.tables().attempts.create(attempt)
    }

    async fn pick_up(&self, key: &AttemptKey, now: Millis, request: &str) -> StoreResult<PickUp> {
        Ok(self.tables().attempts.pick_up(key, now, request))
    }

    async fn complete(
        &self,
        key: &AttemptKey,
        ending: &Ending,
        now: Millis,
        request: &str,
    ) -> StoreResult<Finish> {
        Ok(self.tables().attempts.complete(key, ending, now, request))
    }

    async fn device_poll(
        &self,
        key: &AttemptKey,
        now: Millis,
        default_interval_millis: Millis,
    ) -> StoreResult<DevicePoll> {
        Ok(self
            .tables()
            .attempts
            .device_poll(key, now, default_interval_millis))
    }

    async fn slow_down(
        &self,
        key: &AttemptKey,
        now: Millis,
        interval_millis: Millis,
    ) -> StoreResult<()> {
        self.tables().attempts.slow_down(key, now, interval_millis);
        Ok(())
    }

    async fn counters_and_attempt(
        &self,
        counters: &[Counter],
        attempt_id: Option<&str>,
    ) -> StoreResult<(Vec<u64>, Option<CliAttempt>)> {
        let t = self.tables();
        let counts = counters
            .iter()
            .map(|c| t.counters.get(&c.key).map_or(0, |(n, _)| *n))
            .collect();
        Ok((counts, attempt_id.and_then(|id| t.attempts.get(id))))
    }

    async fn add_to_counters(&self, counters: &[Counter]) -> StoreResult<()> {
        let mut t = self.tables();
        // Counters of windows long over are never read again: drop them, as
        // DynamoDB's TTL does.
        if let Some(oldest) = counters.iter().map(|c| c.limit_window_end_millis).min() {
            t.counters
                .retain(|_, (_, end)| *end + COUNTER_RETENTION_MILLIS > oldest);
        }
        for c in counters {
            t.counters
                .entry(c.key.clone())
                .or_insert((0, c.limit_window_end_millis))
                .0 += 1;
        }
        Ok(())
    }

    async fn claim_anon_session(&self, key: &AttemptKey, now: Millis) -> StoreResult<Claim> {
        let mut t = self.tables();
        let Some(attempt) = t.attempts.get(&key.attempt_id) else {
            return Ok(Claim::NotPending);
        };
        if !attempt.is_pending_for(key, now) {
            return Ok(Claim::NotPending);
        }
        let (Some(token), Some(session_id), Some(user_id)) = (
            attempt.anon_refresh_token,
            attempt.anon_session_id,
            attempt.anon_user_id,
        ) else {
            return Ok(Claim::NoLiveSession);
        };
        let session_live = t.sessions.get(&session_id).is_some_and(|s| {
            !s.is_expired(now) && s.project_id == key.project_id && s.user_id == user_id
        });
        let user = t
            .users
            .get(&user_id)
            .filter(|u| u.is_anonymous && u.project_id == key.project_id);
        let (true, Some(user)) = (session_live, user) else {
            return Ok(Claim::NoLiveSession);
        };
        let claim = Claim::Claimed {
            anon_refresh_token: token,
            anon_user: Box::new(user.clone()),
            session_id,
        };
        t.attempts.detach_anon_session(&key.attempt_id);
        Ok(claim)
    }
}
