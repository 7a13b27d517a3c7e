//! The in-memory store: the dev server's default and the tests' workhorse.
//! Each transition runs under one lock, which makes it as atomic as the
//! DynamoDB adapter's conditional writes; the conformance suite holds the two
//! to the same semantics. Each trait of the port is implemented in the file
//! of its aggregate: `projects.rs`, `accounts.rs` (users and sessions),
//! `transitions.rs` (the attempts' once-only transitions; the attempts
//! themselves are kept packed, `attempts.rs`, and dropped a day after they
//! expire), `counters.rs`; the read that spans them is here.

mod accounts;
mod attempts;
mod counters;
mod packed;
mod projects;
mod transitions;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;

use crate::clock::Millis;
use crate::domain::project::Project;
use crate::domain::session::Session;
use crate::domain::store::{Found, FoundMany, Lookup, Store, StoreResult};
use crate::domain::user::User;

#[derive(Default)]
struct Tables {
    projects: HashMap<String, Project>,
    users: HashMap<String, User>,
    sessions: HashMap<String, Session>,
    attempts: attempts::Attempts,
    /// User-code failure counters: count and window end.
    counters: HashMap<String, (u64, Millis)>,
    /// Identities at OpenID providers (by `Identity::key`): the user id.
    identities: HashMap<String, String>,
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

#[async_trait]
impl Store for MemoryStore {
    async fn lookup(&self, what: Lookup<'_>) -> StoreResult<Found> {
        let t = self.tables();
        Ok(Found {
            attempt: what.attempt_id.and_then(|id| t.attempts.get(id)),
            session: what.session_id.and_then(|id| t.sessions.get(id).cloned()),
            user: what.user_id.and_then(|id| t.users.get(id).cloned()),
        })
    }

    async fn lookup_many(&self, session_ids: &[&str], user_ids: &[&str]) -> StoreResult<FoundMany> {
        // Each record once, however often it is named (as in DynamoDB).
        let sessions: BTreeSet<&str> = session_ids.iter().copied().collect();
        let users: BTreeSet<&str> = user_ids.iter().copied().collect();
        let t = self.tables();
        Ok(FoundMany {
            sessions: sessions
                .into_iter()
                .filter_map(|id| t.sessions.get(id).cloned())
                .collect(),
            users: users
                .into_iter()
                .filter_map(|id| t.users.get(id).cloned())
                .collect(),
        })
    }
}
