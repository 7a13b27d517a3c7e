//! The store port: everything the domain asks of persistence, at the level
//! of the domain's own decisions, one trait per aggregate: [`ProjectStore`],
//! [`AccountStore`] (users and sessions), [`AttemptStore`] (CLI login
//! attempts) and [`CounterStore`] (the user-code look-up's guess
//! counters). [`Store`] is all of them, plus the reads that span them.
//! Each once-only transition is one method, and each adapter
//! (`crate::store::memory`, `crate::store::dynamodb`) makes it one atomic
//! conditional write, implementing each trait in the file of its aggregate.

mod accounts;
mod attempts;
mod counters;
mod error;
mod projects;

use async_trait::async_trait;

pub use accounts::AccountStore;
pub use attempts::{AttemptStore, Claim, DevicePoll, Finish, PickUp};
pub use counters::{Counter, CounterStore, Reservation};
pub use error::{StoreError, StoreResult};
pub use projects::ProjectStore;

use crate::domain::login_attempt::CliAttempt;
use crate::domain::session::Session;
use crate::domain::user::User;

/// Records to read together, in one round trip where the store allows it.
#[derive(Debug, Default, Clone, Copy)]
pub struct Lookup<'a> {
    pub attempt_id: Option<&'a str>,
    pub session_id: Option<&'a str>,
    pub user_id: Option<&'a str>,
}

/// What a [`Lookup`] found. Reads are strongly consistent.
#[derive(Debug, Default, Clone)]
pub struct Found {
    pub attempt: Option<CliAttempt>,
    pub session: Option<Session>,
    pub user: Option<User>,
}

/// What [`Store::lookup_many`] found.
#[derive(Debug, Default, Clone)]
pub struct FoundMany {
    pub sessions: Vec<Session>,
    pub users: Vec<User>,
}

/// The whole port: every aggregate's store, and the read that spans them.
#[async_trait]
pub trait Store: ProjectStore + AccountStore + AttemptStore + CounterStore + Send + Sync {
    /// Reads any of an attempt, a session and a user at once.
    async fn lookup(&self, what: Lookup<'_>) -> StoreResult<Found>;

    /// Many sessions and users by id at once (those that exist, each once
    /// however often named, in no particular order), strongly consistent: in DynamoDB `BatchGetItem`s
    /// of at most 100 keys.
    async fn lookup_many(&self, session_ids: &[&str], user_ids: &[&str]) -> StoreResult<FoundMany>;

    /// One user, by id.
    async fn user(&self, id: &str) -> StoreResult<Option<User>> {
        let what = Lookup {
            user_id: Some(id),
            ..Lookup::default()
        };
        Ok(self.lookup(what).await?.user)
    }

    /// One session, by id.
    async fn session(&self, id: &str) -> StoreResult<Option<Session>> {
        let what = Lookup {
            session_id: Some(id),
            ..Lookup::default()
        };
        Ok(self.lookup(what).await?.session)
    }

    /// One attempt, by id.
    async fn attempt(&self, id: &str) -> StoreResult<Option<CliAttempt>> {
        let what = Lookup {
            attempt_id: Some(id),
            ..Lookup::default()
        };
        Ok(self.lookup(what).await?.attempt)
    }
}
