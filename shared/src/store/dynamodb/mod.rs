//! The DynamoDB adapter of the store port.
//!
//! Four tables, each keyed by the string attribute `id`: projects, users,
//! sessions, CLI attempts. Every once-only transition is a single
//! conditional write (`attempts.rs`). Items that die carry `ttl` (epoch
//! seconds) and the tables have TTL enabled; expiry is still checked in
//! code, since DynamoDB deletes late.
//!
//! - `client.rs`: the SDK client, its timeouts and retries
//! - `items.rs`: item shapes and attribute names
//! - `attempts.rs`: login attempts and their transitions
//! - `accounts.rs`: projects, users, sessions
//! - `lookup.rs`: reads by key, batched
//! - `provision.rs`: creating the tables
//! - `round_trips.rs`: the request counter the round-trip tests read

mod accounts;
mod attempt_item;
mod attempts;
pub mod client;
mod counters;
mod item_size;
mod items;
mod lookup;
mod provision;
mod round_trips;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;

pub use item_size::{attempt_item_bytes, item_bytes};
use items::attr;
pub use provision::{IndexSpec, Provisioned, SESSIONS_BY_USER_INDEX, TableSpec};
pub use round_trips::RequestCounter;

use crate::clock::Millis;
use crate::domain::access::AccessType;
use crate::domain::login_attempt::{AttemptKey, CliAttempt, Ending};
use crate::domain::project::Project;
use crate::domain::session::Session;
use crate::domain::store::{
    Claim, Counter, DevicePoll, Finish, Found, Lookup, PickUp, Store, StoreResult,
};
use crate::domain::user::{User, UserPatch};
use crate::secret::{LocatedSecret, SecretHash};

/// The four table names (from the environment in Lambda; see [`crate::config`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableNames {
    pub projects: String,
    pub users: String,
    pub sessions: String,
    pub attempts: String,
}

impl TableNames {
    /// `<prefix>projects`, `<prefix>users`, `<prefix>sessions`, `<prefix>cli-attempts`.
    pub fn with_prefix(prefix: &str) -> Self {
        Self {
            projects: format!("{prefix}projects"),
            users: format!("{prefix}users"),
            sessions: format!("{prefix}sessions"),
            attempts: format!("{prefix}cli-attempts"),
        }
    }
}

pub struct DynamoStore {
    client: Client,
    tables: TableNames,
}

impl DynamoStore {
    pub fn new(client: Client, tables: TableNames) -> Self {
        Self { client, tables }
    }

    pub fn tables(&self) -> &TableNames {
        &self.tables
    }
}

/// The port, method by method, onto the modules that implement it.
#[async_trait]
impl Store for DynamoStore {
    async fn get_project(&self, id: &str) -> StoreResult<Option<Project>> {
        self.get_project_item(id).await
    }

    async fn create_project(&self, project: &Project) -> StoreResult<()> {
        self.put_project(project, true).await
    }

    async fn save_project(&self, project: &Project) -> StoreResult<()> {
        self.put_project(project, false).await
    }

    async fn set_project_key(
        &self,
        project_id: &str,
        kind: AccessType,
        hash: &SecretHash,
    ) -> StoreResult<bool> {
        self.update_project_key(project_id, kind, hash).await
    }

    async fn set_project_app_url(&self, project_id: &str, url: Option<&str>) -> StoreResult<bool> {
        self.update_project_app_url(project_id, url).await
    }

    async fn list_projects(&self) -> StoreResult<Vec<Project>> {
        self.scan_projects().await
    }

    async fn put_user(&self, user: &User) -> StoreResult<()> {
        self.put_user_item(user).await
    }

    async fn put_session(&self, session: &Session) -> StoreResult<()> {
        self.put_session_item(session).await
    }

    async fn create_user_with_session(&self, user: &User, session: &Session) -> StoreResult<()> {
        self.put_user_with_session(user, session).await
    }

    async fn update_user(
        &self,
        project: &str,
        id: &str,
        patch: &UserPatch,
    ) -> StoreResult<Option<User>> {
        self.patch_user(project, id, patch).await
    }

    async fn delete_user(&self, project_id: &str, user_id: &str) -> StoreResult<bool> {
        let table = &self.tables.users;
        self.delete_in_project(table, project_id, user_id, None)
            .await
    }

    async fn delete_session(
        &self,
        project_id: &str,
        session_id: &str,
        user_id: Option<&str>,
    ) -> StoreResult<bool> {
        let table = &self.tables.sessions;
        let owner = user_id.map(|u| (attr::USER_ID, u));
        self.delete_in_project(table, project_id, session_id, owner)
            .await
    }

    async fn use_session(
        &self,
        project_id: &str,
        token: &LocatedSecret,
        now: Millis,
    ) -> StoreResult<Option<Session>> {
        self.touch_session(project_id, token, now).await
    }

    async fn sessions_of_user(
        &self,
        project_id: &str,
        user_id: &str,
        now: Millis,
    ) -> StoreResult<Vec<Session>> {
        self.query_sessions_of_user(project_id, user_id, now).await
    }

    async fn lookup(&self, what: Lookup<'_>) -> StoreResult<Found> {
        self.read(what).await
    }

    async fn create_attempt(&self, attempt: &CliAttempt) -> StoreResult<()> {
        self.put_attempt(attempt).await
    }

    async fn pick_up(&self, key: &AttemptKey, now: Millis, request: &str) -> StoreResult<PickUp> {
        self.pick_up_token(key, now, request).await
    }

    async fn complete(
        &self,
        key: &AttemptKey,
        ending: &Ending,
        now: Millis,
        request: &str,
    ) -> StoreResult<Finish> {
        self.complete_attempt(key, ending, now, request).await
    }

    async fn device_poll(
        &self,
        key: &AttemptKey,
        now: Millis,
        default_interval_millis: Millis,
    ) -> StoreResult<DevicePoll> {
        self.device_poll_write(key, now, default_interval_millis)
            .await
    }

    async fn slow_down(
        &self,
        key: &AttemptKey,
        now: Millis,
        interval_millis: Millis,
    ) -> StoreResult<()> {
        self.slow_down_write(key, now, interval_millis).await
    }

    async fn counters_and_attempt(
        &self,
        counters: &[Counter],
        attempt_id: Option<&str>,
    ) -> StoreResult<(Vec<u64>, Option<CliAttempt>)> {
        self.read_counters_and_attempt(counters, attempt_id).await
    }

    async fn add_to_counters(&self, counters: &[Counter]) -> StoreResult<()> {
        self.add_to_counter_items(counters).await
    }

    async fn claim_anon_session(&self, key: &AttemptKey, now: Millis) -> StoreResult<Claim> {
        self.claim_anon(key, now).await
    }
}
