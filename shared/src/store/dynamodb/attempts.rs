//! CLI login attempts: creation and the once-only transitions. Each
//! transition is one conditional write whose condition carries the whole
//! check, the hash of the presented code included, with
//! `ReturnValuesOnConditionCheckFailure=ALL_OLD` so that a failed condition
//! still tells the domain why, in the same round trip. The anonymous
//! session's claim, a transaction, is `attempt_claim.rs`.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};

use async_trait::async_trait;

use super::DynamoStore;
use super::attempt_item::{AttemptItem, attempt_from, listing};
use super::items::{ATTEMPTS_BY_PROJECT, Item, attr, n, s, to_item, unavailable};
use crate::clock::Millis;
use crate::domain::login_attempt::{AttemptKey, CliAttempt, CodeKind, Ending, Flow, Verifier};
use crate::domain::store::{
    AttemptStore, Claim, DevicePoll, Finish, PickUp, StoreError, StoreResult,
};

/// The outcome of a conditional update: `Ok(old)` when the condition held
/// (with the item as it was), `Err(old)` when it failed (with the item, if any).
type Transition = Result<Option<Item>, Option<Item>>;

/// The part of every transition's condition that names the attempt: this
/// project, this code's hash (a claim code has none: it is the key), this
/// flow (agent auth's or the CLI's), not expired.
pub(super) fn names_attempt(key: &AttemptKey) -> String {
    let hash = match key.kind {
        CodeKind::Polling => format!(" AND {} = :h", attr::POLLING_CODE_HASH),
        CodeKind::Login => format!(" AND {} = :h", attr::LOGIN_CODE_HASH),
        CodeKind::Claim => String::new(),
    };
    let flow = match key.flow {
        Flow::Agent => exists(attr::AGENT_NAME),
        Flow::Cli => absent(attr::AGENT_NAME),
    };
    let verified = match key.verifier {
        Verifier::NotAsked => String::new(),
        Verifier::Absent => format!(" AND {}", absent(attr::CODE_CHALLENGE)),
        Verifier::Challenge(_) => format!(
            " AND ({} OR {} = :cc)",
            absent(attr::CODE_CHALLENGE),
            attr::CODE_CHALLENGE
        ),
    };
    format!(
        "{} = :p{hash} AND {flow} AND {} > :now{verified}",
        attr::PROJECT_ID,
        attr::EXPIRES_AT
    )
}

pub(super) fn exists(attribute: &str) -> String {
    format!("attribute_exists({attribute})")
}

pub(super) fn absent(attribute: &str) -> String {
    format!("attribute_not_exists({attribute})")
}

#[async_trait]
impl AttemptStore for DynamoStore {
    async fn create_attempt(&self, attempt: &CliAttempt) -> StoreResult<()> {
        let item = to_item(&AttemptItem::from(attempt))?;
        self.put(&self.tables.attempts, item, true).await
    }

    /// Completed and unused: mark used by this request and return the
    /// (sealed) token, which stays on the item so that a retry of this very
    /// write, whose first answer was lost, finds its nonce and gets it too.
    async fn pick_up(&self, key: &AttemptKey, now: Millis, request: &str) -> StoreResult<PickUp> {
        let condition = [exists(attr::REFRESH_TOKEN), absent(attr::USED_AT)].join(" AND ");
        let update = format!("SET {} = :now, {} = :req", attr::USED_AT, attr::USED_BY);
        let (won, item) = match self
            .transition(key, &condition, &update, vec![(":req", s(request))], now)
            .await?
        {
            Ok(old) => (true, old),
            Err(old) => (false, old),
        };
        let attempt = attempt_from(item)?;
        let retried = attempt
            .as_ref()
            .is_some_and(|a| a.was_picked_up_by(key, request));
        if !(won || retried) {
            return Ok(PickUp::NotTaken(attempt.map(Box::new)));
        }
        let encrypted = attempt.as_ref().is_some_and(|a| a.public_key.is_some());
        match attempt.and_then(|a| a.refresh_token) {
            Some(refresh_token) => Ok(PickUp::Taken {
                refresh_token,
                encrypted,
            }),
            None => Err(StoreError::Corrupt(
                "picked-up attempt had no refresh token".into(),
            )),
        }
    }

    /// Pending: set the token (or the refusal), mark completed by this
    /// request, detach any anonymous session. A retry of this very write
    /// that finds its own nonce completed it.
    async fn complete(
        &self,
        key: &AttemptKey,
        ending: &Ending,
        now: Millis,
        request: &str,
    ) -> StoreResult<Finish> {
        let condition = [absent(attr::COMPLETED_AT), absent(attr::USED_AT)].join(" AND ");
        let (set, mut values) = match ending {
            Ending::Token { sealed, session_id } => (
                format!(
                    "{} = :end, {} = :session",
                    attr::REFRESH_TOKEN,
                    attr::HANDED_SESSION_ID
                ),
                vec![(":end", s(sealed)), (":session", s(session_id))],
            ),
            Ending::Refused(refusal) => (
                format!("{} = :end", attr::REFUSAL),
                vec![(":end", s(refusal.as_str()))],
            ),
        };
        values.push((":req", s(request)));
        let update = format!(
            "SET {set}, {} = :now, {} = :req REMOVE {}, {}, {}",
            attr::COMPLETED_AT,
            attr::COMPLETED_BY,
            attr::ANON_REFRESH_TOKEN,
            attr::ANON_SESSION_ID,
            attr::ANON_USER_ID
        );
        let outcome = self
            .transition(key, &condition, &update, values, now)
            .await?;
        Ok(match outcome {
            Ok(_) => Finish::Done,
            Err(old) => match attempt_from(old)? {
                Some(a) if a.was_completed_by(key, request) => Finish::Done,
                other => Finish::NotPending(other.map(Box::new)),
            },
        })
    }

    /// The RFC 8628 grant's poll: named, unexpired and due → record it,
    /// the next due one interval later (arithmetic in the update itself).
    async fn device_poll(
        &self,
        key: &AttemptKey,
        now: Millis,
        default_interval_millis: Millis,
    ) -> StoreResult<DevicePoll> {
        let condition = format!(
            "({} OR {} <= :now)",
            absent(attr::NEXT_POLL_AT),
            attr::NEXT_POLL_AT
        );
        let update = format!(
            "SET {} = :now + if_not_exists({}, :interval)",
            attr::NEXT_POLL_AT,
            attr::POLL_INTERVAL
        );
        let values = vec![(":interval", n(default_interval_millis))];
        Ok(
            match self
                .transition(key, &condition, &update, values, now)
                .await?
            {
                Ok(old) => match attempt_from(old)? {
                    Some(attempt) => DevicePoll::OnTime(Box::new(attempt)),
                    None => DevicePoll::Refused(None),
                },
                Err(old) => DevicePoll::Refused(attempt_from(old)?.map(Box::new)),
            },
        )
    }

    /// `slow_down`: a longer interval, the next poll due that long from now.
    async fn slow_down(
        &self,
        key: &AttemptKey,
        now: Millis,
        interval_millis: Millis,
    ) -> StoreResult<()> {
        let update = format!(
            "SET {} = :interval, {} = :next",
            attr::POLL_INTERVAL,
            attr::NEXT_POLL_AT
        );
        let values = vec![
            (":interval", n(interval_millis)),
            (":next", n(now + interval_millis)),
        ];
        // Not named any more (or expired): nothing to slow down.
        let _ = self
            .transition(key, "attribute_exists(id)", &update, values, now)
            .await?;
        Ok(())
    }

    /// Reads the attempt to learn which session and user to check, reads the
    /// user, then checks both and detaches in one transaction
    /// (`attempt_claim.rs`).
    async fn claim_anon_session(&self, key: &AttemptKey, now: Millis) -> StoreResult<Claim> {
        self.claim(key, now).await
    }

    async fn recent_attempts(
        &self,
        project_id: &str,
        kind: Flow,
        limit: usize,
    ) -> StoreResult<Vec<CliAttempt>> {
        let listing = listing(project_id, kind);
        let items = self
            .newest(
                &self.tables.attempts,
                ATTEMPTS_BY_PROJECT,
                (attr::LISTING, &listing),
                limit,
            )
            .await?;
        items
            .into_iter()
            .filter_map(|item| attempt_from(Some(item)).transpose())
            .collect()
    }
}

impl DynamoStore {
    /// Runs a conditional `UpdateItem` on the attempt `key` names.
    async fn transition(
        &self,
        key: &AttemptKey,
        condition: &str,
        update: &str,
        mut values: Vec<(&str, AttributeValue)>,
        now: Millis,
    ) -> StoreResult<Transition> {
        values.extend([(":p", s(&key.project_id)), (":now", n(now))]);
        if key.kind != CodeKind::Claim {
            values.push((":h", s(key.code_hash.as_str())));
        }
        if let Verifier::Challenge(challenge) = &key.verifier {
            values.push((":cc", s(challenge)));
        }
        let result = self
            .client
            .update_item()
            .table_name(&self.tables.attempts)
            .key(attr::ID, s(&key.attempt_id))
            .condition_expression(format!("{} AND {condition}", names_attempt(key)))
            .update_expression(update)
            .set_expression_attribute_values(Some(
                values.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            ))
            .return_values(ReturnValue::AllOld)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(out) => Ok(Ok(out.attributes)),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                UpdateItemError::ConditionalCheckFailedException(failed) => Ok(Err(failed.item)),
                other => Err(unavailable(other)),
            },
            Err(e) => Err(unavailable(e)),
        }
    }
}
