//! The attempts' transitions on the in-memory store, each the counterpart of
//! one conditional write of the DynamoDB adapter: it reads the attempt,
//! checks the same condition, and keeps the change only when the condition
//! holds. The store's lock makes each one atomic ([`AttemptStore`] takes it).

use async_trait::async_trait;

use super::MemoryStore;
use super::attempts::Attempts;
use crate::clock::Millis;
use crate::domain::login_attempt::{AttachedAnon, AttemptKey, CliAttempt, Ending, Flow};
use crate::domain::store::{
    AttemptStore, Claim, DevicePoll, Finish, PickUp, StoreError, StoreResult,
};

/// The port: each transition under the store's one lock.
#[async_trait]
impl AttemptStore for MemoryStore {
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

    async fn claim_anon_session(&self, key: &AttemptKey, now: Millis) -> StoreResult<Claim> {
        let mut t = self.tables();
        let Some(attempt) = t.attempts.get(&key.attempt_id) else {
            return Ok(Claim::NotPending);
        };
        if !attempt.is_pending_for(key, now) {
            return Ok(Claim::NotPending);
        }
        let Some(AttachedAnon {
            sealed_token: token,
            session_id,
            user_id,
        }) = attempt.into_attached_anon()
        else {
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

    async fn recent_attempts(
        &self,
        project_id: &str,
        kind: Flow,
        limit: usize,
    ) -> StoreResult<Vec<CliAttempt>> {
        Ok(self.tables().attempts.recent(project_id, kind, limit))
    }
}

impl MemoryStore {
    /// Writes `attempt` over whatever is stored under its id, with no
    /// condition, as a DynamoDB global table applies another region's
    /// write (last writer wins). Only the multi-region simulation calls it
    /// (tests/tests/regions.rs, docs/scale.md); no endpoint does.
    pub fn apply_replicated_attempt(&self, attempt: &CliAttempt) {
        self.tables().attempts.replace(attempt);
    }
}

impl Attempts {
    /// Stores a new attempt (first dropping those a day past expiry).
    pub(super) fn create(&mut self, attempt: &CliAttempt) -> StoreResult<()> {
        self.drop_expired(attempt.created_at_millis);
        if self.insert(attempt) {
            Ok(())
        } else {
            Err(StoreError::AlreadyExists)
        }
    }

    /// Takes the waiting token, once (a retry of the request that took it
    /// gets it again).
    pub(super) fn pick_up(&mut self, key: &AttemptKey, now: Millis, request: &str) -> PickUp {
        let picked = self.update(&key.attempt_id, |mut attempt| {
            let retried = attempt.was_picked_up_by(key, request);
            if !retried && !attempt.can_be_picked_up(key, now) {
                return (PickUp::NotTaken(Some(Box::new(attempt))), None);
            }
            let Some(refresh_token) = attempt.refresh_token.clone() else {
                return (PickUp::NotTaken(Some(Box::new(attempt))), None);
            };
            let taken = PickUp::Taken {
                refresh_token,
                encrypted: attempt.public_key.is_some(),
            };
            if retried {
                return (taken, None);
            }
            attempt.used_at_millis = Some(now);
            attempt.used_by = Some(request.to_owned());
            (taken, Some(attempt))
        });
        picked.unwrap_or(PickUp::NotTaken(None))
    }

    /// Ends a pending attempt with a token or a refusal, once.
    pub(super) fn complete(
        &mut self,
        key: &AttemptKey,
        ending: &Ending,
        now: Millis,
        request: &str,
    ) -> Finish {
        let finished = self.update(&key.attempt_id, |mut attempt| {
            if attempt.was_completed_by(key, request) {
                return (Finish::Done, None);
            }
            if !attempt.is_pending_for(key, now) {
                return (Finish::NotPending(Some(Box::new(attempt))), None);
            }
            match ending {
                Ending::Token { sealed, session_id } => {
                    attempt.refresh_token = Some(sealed.clone());
                    attempt.handed_session_id = Some(session_id.clone());
                }
                Ending::Refused(refusal) => attempt.refusal = Some(*refusal),
            }
            attempt.completed_at_millis = Some(now);
            attempt.completed_by = Some(request.to_owned());
            detach_anon_session(&mut attempt);
            (Finish::Done, Some(attempt))
        });
        finished.unwrap_or(Finish::NotPending(None))
    }

    /// The RFC 8628 grant's pacing: a poll that is due sets when the next
    /// one is.
    pub(super) fn device_poll(
        &mut self,
        key: &AttemptKey,
        now: Millis,
        default_interval_millis: Millis,
    ) -> DevicePoll {
        let polled = self.update(&key.attempt_id, |mut attempt| {
            let due = attempt.next_poll_at_millis.is_none_or(|at| at <= now);
            if !(attempt.is_named_by(key) && attempt.expires_at_millis > now && due) {
                return (DevicePoll::Refused(Some(Box::new(attempt))), None);
            }
            let before = Box::new(attempt.clone());
            let interval = attempt
                .poll_interval_millis
                .unwrap_or(default_interval_millis);
            attempt.next_poll_at_millis = Some(now + interval);
            (DevicePoll::OnTime(before), Some(attempt))
        });
        polled.unwrap_or(DevicePoll::Refused(None))
    }

    /// A poll came too early: the interval becomes `interval_millis`.
    pub(super) fn slow_down(&mut self, key: &AttemptKey, now: Millis, interval_millis: Millis) {
        self.update(&key.attempt_id, |mut attempt| {
            if !attempt.is_named_by(key) {
                return ((), None);
            }
            attempt.poll_interval_millis = Some(interval_millis);
            attempt.next_poll_at_millis = Some(now + interval_millis);
            ((), Some(attempt))
        });
    }

    /// The browser took the CLI's anonymous session over: the attempt no
    /// longer carries it.
    pub(super) fn detach_anon_session(&mut self, id: &str) {
        self.update(id, |mut attempt| {
            detach_anon_session(&mut attempt);
            ((), Some(attempt))
        });
    }
}

fn detach_anon_session(attempt: &mut CliAttempt) {
    attempt.anon_refresh_token = None;
    attempt.anon_session_id = None;
    attempt.anon_user_id = None;
}
