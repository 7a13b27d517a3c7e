//! A store that fails on demand, to prove that a fault at any step leaves
//! no partial state. It wraps another store and implements each trait of
//! the port as that store does, after one check for an injected fault.

use std::sync::Arc;

use cli_auth_core::clock::Millis;
use cli_auth_core::domain::access::AccessType;
use cli_auth_core::domain::login_attempt::{AttemptKey, CliAttempt, Ending, Flow};
use cli_auth_core::domain::project::Project;
use cli_auth_core::domain::session::Session;
use cli_auth_core::domain::store::{
    AccountStore, AttemptStore, Claim, Counter, CounterStore, DevicePoll, Finish, Found, FoundMany,
    Lookup, PickUp, ProjectStore, Reservation, Store, StoreError, StoreResult,
};
use cli_auth_core::domain::user::{Identity, User, UserPatch};
use cli_auth_core::secret::{LocatedSecret, SecretHash};

/// A store that fails on demand: the `n`-th call from now (0 = the next one),
/// or every call, answers [`StoreError::Unavailable`] without reaching the
/// store behind it. Proves that a fault at any step leaves no partial state.
pub struct FaultyStore {
    inner: Arc<dyn Store>,
    calls: std::sync::atomic::AtomicUsize,
    fail_at: std::sync::atomic::AtomicUsize,
    /// Set by [`FaultyStore::drop_pickup_condition`]: the tokens each
    /// attempt handed out, to hand out again.
    broken_pickup: Option<std::sync::Mutex<std::collections::HashMap<String, PickUp>>>,
}

const NEVER: usize = usize::MAX;

impl FaultyStore {
    pub fn new(inner: Arc<dyn Store>) -> Self {
        Self {
            inner,
            calls: 0.into(),
            fail_at: NEVER.into(),
            broken_pickup: None,
        }
    }

    /// A regression on purpose, for the tests that must catch one: the
    /// pickup behaves as if its "not used yet" condition were dropped, so
    /// a pickup that loses to an earlier one on an unexpired attempt takes
    /// the same token again.
    pub fn drop_pickup_condition(&mut self) {
        self.broken_pickup = Some(Default::default());
    }

    /// Fails the `n`-th store call from now, and only that one.
    pub fn fail_call(&self, n: usize) {
        use std::sync::atomic::Ordering::SeqCst;
        self.fail_at.store(self.calls.load(SeqCst) + n, SeqCst);
    }

    pub fn heal(&self) {
        self.fail_at
            .store(NEVER, std::sync::atomic::Ordering::SeqCst);
    }

    /// Store calls made so far.
    pub fn calls(&self) -> usize {
        self.calls.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn check(&self) -> StoreResult<()> {
        use std::sync::atomic::Ordering::SeqCst;
        let n = self.calls.fetch_add(1, SeqCst);
        if n == self.fail_at.load(SeqCst) {
            Err(StoreError::Unavailable(
                "injected fault: connection reset by peer".into(),
            ))
        } else {
            Ok(())
        }
    }
}

#[async_trait::async_trait]
impl ProjectStore for FaultyStore {
    async fn get_project(&self, id: &str) -> StoreResult<Option<Project>> {
        self.check()?;
        self.inner.get_project(id).await
    }
    async fn create_project(&self, p: &Project) -> StoreResult<()> {
        self.check()?;
        self.inner.create_project(p).await
    }
    async fn save_project(&self, p: &Project) -> StoreResult<()> {
        self.check()?;
        self.inner.save_project(p).await
    }
    async fn set_project_key(
        &self,
        p: &str,
        kind: AccessType,
        hash: &SecretHash,
    ) -> StoreResult<bool> {
        self.check()?;
        self.inner.set_project_key(p, kind, hash).await
    }
    async fn set_project_app_url(&self, project_id: &str, url: Option<&str>) -> StoreResult<bool> {
        self.check()?;
        self.inner.set_project_app_url(project_id, url).await
    }
    async fn set_project_proximity(
        &self,
        project_id: &str,
        policy: cli_auth_core::domain::hosted_page::proximity::ProximityPolicy,
    ) -> StoreResult<bool> {
        self.check()?;
        self.inner.set_project_proximity(project_id, policy).await
    }
    async fn set_project_agent_auth(&self, project_id: &str, enabled: bool) -> StoreResult<bool> {
        self.check()?;
        self.inner.set_project_agent_auth(project_id, enabled).await
    }
    async fn list_projects(&self) -> StoreResult<Vec<Project>> {
        self.check()?;
        self.inner.list_projects().await
    }
}

#[async_trait::async_trait]
impl AccountStore for FaultyStore {
    async fn put_user(&self, u: &User) -> StoreResult<()> {
        self.check()?;
        self.inner.put_user(u).await
    }
    async fn put_session(&self, s: &Session) -> StoreResult<()> {
        self.check()?;
        self.inner.put_session(s).await
    }
    async fn create_user_with_session(&self, u: &User, s: &Session) -> StoreResult<()> {
        self.check()?;
        self.inner.create_user_with_session(u, s).await
    }
    async fn identity_user(&self, identity: &Identity) -> StoreResult<Option<String>> {
        self.check()?;
        self.inner.identity_user(identity).await
    }
    async fn create_user_with_identity(
        &self,
        user: &User,
        identity: &Identity,
    ) -> StoreResult<bool> {
        self.check()?;
        self.inner.create_user_with_identity(user, identity).await
    }
    async fn update_user(&self, p: &str, id: &str, patch: &UserPatch) -> StoreResult<Option<User>> {
        self.check()?;
        self.inner.update_user(p, id, patch).await
    }
    async fn delete_user(&self, p: &str, id: &str) -> StoreResult<bool> {
        self.check()?;
        self.inner.delete_user(p, id).await
    }
    async fn delete_session(&self, p: &str, id: &str, user: Option<&str>) -> StoreResult<bool> {
        self.check()?;
        self.inner.delete_session(p, id, user).await
    }
    async fn use_session(
        &self,
        p: &str,
        token: &LocatedSecret,
        now: Millis,
    ) -> StoreResult<Option<Session>> {
        self.check()?;
        self.inner.use_session(p, token, now).await
    }
    async fn sessions_of_user(&self, p: &str, u: &str, now: Millis) -> StoreResult<Vec<Session>> {
        self.check()?;
        self.inner.sessions_of_user(p, u, now).await
    }
    async fn agent_sessions(&self, p: &str, limit: usize) -> StoreResult<Vec<Session>> {
        self.check()?;
        self.inner.agent_sessions(p, limit).await
    }
}

#[async_trait::async_trait]
impl AttemptStore for FaultyStore {
    async fn create_attempt(&self, a: &CliAttempt) -> StoreResult<()> {
        self.check()?;
        self.inner.create_attempt(a).await
    }
    async fn pick_up(&self, key: &AttemptKey, now: Millis, request: &str) -> StoreResult<PickUp> {
        self.check()?;
        if self.broken_pickup.is_some() {
            // A slow write, as a network round trip is: two polls that both
            // read "ready" then both reach it, however busy the machine.
            tokio::time::sleep(std::time::Duration::from_millis(3)).await;
        }
        let picked = self.inner.pick_up(key, now, request).await?;
        let Some(taken) = &self.broken_pickup else {
            return Ok(picked);
        };
        let mut taken = taken.lock().expect("not poisoned");
        Ok(match picked {
            PickUp::Taken { .. } => {
                taken.insert(key.attempt_id.clone(), picked.clone());
                picked
            }
            PickUp::NotTaken(Some(a))
                if a.is_named_by(key)
                    && a.used_at_millis.is_some()
                    && a.expires_at_millis > now
                    && taken.contains_key(&a.id) =>
            {
                taken[&a.id].clone()
            }
            not_taken => not_taken,
        })
    }
    async fn complete(
        &self,
        key: &AttemptKey,
        ending: &Ending,
        now: Millis,
        request: &str,
    ) -> StoreResult<Finish> {
        self.check()?;
        self.inner.complete(key, ending, now, request).await
    }
    async fn device_poll(
        &self,
        key: &AttemptKey,
        now: Millis,
        default_interval_millis: Millis,
    ) -> StoreResult<DevicePoll> {
        self.check()?;
        self.inner
            .device_poll(key, now, default_interval_millis)
            .await
    }
    async fn slow_down(
        &self,
        key: &AttemptKey,
        now: Millis,
        interval_millis: Millis,
    ) -> StoreResult<()> {
        self.check()?;
        self.inner.slow_down(key, now, interval_millis).await
    }
    async fn claim_anon_session(&self, key: &AttemptKey, now: Millis) -> StoreResult<Claim> {
        self.check()?;
        self.inner.claim_anon_session(key, now).await
    }
    async fn recent_attempts(
        &self,
        p: &str,
        kind: Flow,
        limit: usize,
    ) -> StoreResult<Vec<CliAttempt>> {
        self.check()?;
        self.inner.recent_attempts(p, kind, limit).await
    }
}

#[async_trait::async_trait]
impl CounterStore for FaultyStore {
    async fn reserve(&self, counters: &[Counter]) -> StoreResult<Reservation> {
        self.check()?;
        self.inner.reserve(counters).await
    }
    async fn release(&self, counters: &[Counter]) -> StoreResult<()> {
        self.check()?;
        self.inner.release(counters).await
    }
}

#[async_trait::async_trait]
impl Store for FaultyStore {
    async fn lookup(&self, what: Lookup<'_>) -> StoreResult<Found> {
        self.check()?;
        self.inner.lookup(what).await
    }
    async fn lookup_many(&self, sessions: &[&str], users: &[&str]) -> StoreResult<FoundMany> {
        self.check()?;
        self.inner.lookup_many(sessions, users).await
    }
}
