//! The claim of an attempt's anonymous session (api.md §3): the attempt is
//! read to learn which session and user to check, the user is read, then
//! one transaction checks the attempt is still pending and carries the
//! session, the session is live and its user still anonymous, and detaches
//! it. A lost race reads again.

use std::time::Duration;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, TransactWriteItem, Update};

use super::DynamoStore;
use super::attempts::{absent, names_attempt};
use super::items::{attr, n, s, unavailable};
use crate::clock::Millis;
use crate::domain::login_attempt::{AttachedAnon, AttemptKey};
use crate::domain::store::{Claim, Store, StoreError, StoreResult};

/// How often a claim re-reads its attempt after losing a race.
const CLAIM_CONFLICT_RETRIES: usize = 5;

/// What one claim transaction found.
enum ClaimTry {
    Done,
    SessionNotLive,
    AttemptChanged,
    Conflict,
}

impl DynamoStore {
    /// Reads the attempt to learn which session and user to check, reads the
    /// user, then checks both and detaches in one transaction; re-reads after
    /// a race.
    pub(super) async fn claim(&self, key: &AttemptKey, now: Millis) -> StoreResult<Claim> {
        for _ in 0..CLAIM_CONFLICT_RETRIES {
            let found = self.attempt(&key.attempt_id).await?;
            let Some(attempt) = found.filter(|a| a.is_pending_for(key, now)) else {
                return Ok(Claim::NotPending);
            };
            let Some(AttachedAnon {
                sealed_token: token,
                session_id,
                user_id,
            }) = attempt.into_attached_anon()
            else {
                return Ok(Claim::NoLiveSession);
            };
            // The user is read before the detach, so that nothing can fail
            // after it: the transaction below still checks it is anonymous.
            let Some(user) = self
                .user(&user_id)
                .await?
                .filter(|u| u.is_anonymous && u.project_id == key.project_id)
            else {
                return Ok(Claim::NoLiveSession);
            };
            match self
                .claim_transaction(key, &token, &session_id, &user_id, now)
                .await?
            {
                ClaimTry::Done => {
                    return Ok(Claim::Claimed {
                        anon_refresh_token: token,
                        anon_user: Box::new(user),
                        session_id,
                    });
                }
                ClaimTry::SessionNotLive => return Ok(Claim::NoLiveSession),
                // The attempt changed since it was read (or another
                // transaction held it): read it again and decide afresh.
                ClaimTry::AttemptChanged | ClaimTry::Conflict => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
        }
        Err(StoreError::Unavailable(
            "claim kept conflicting with concurrent transactions".into(),
        ))
    }

    /// Detaches the anonymous session from the attempt, on condition that the
    /// attempt is still pending and carries it, the session is live in the
    /// project, and its user is still anonymous: one transaction.
    async fn claim_transaction(
        &self,
        key: &AttemptKey,
        token: &str,
        session_id: &str,
        user_id: &str,
        now: Millis,
    ) -> StoreResult<ClaimTry> {
        let attempt = Update::builder()
            .table_name(&self.tables.attempts)
            .key(attr::ID, s(&key.attempt_id))
            .condition_expression(
                [
                    names_attempt(key),
                    absent(attr::COMPLETED_AT),
                    absent(attr::USED_AT),
                    format!("{} = :anon", attr::ANON_REFRESH_TOKEN),
                ]
                .join(" AND "),
            )
            .update_expression(format!(
                "REMOVE {}, {}, {}",
                attr::ANON_REFRESH_TOKEN,
                attr::ANON_SESSION_ID,
                attr::ANON_USER_ID
            ))
            .expression_attribute_values(":p", s(&key.project_id))
            .expression_attribute_values(":h", s(key.code_hash.as_str()))
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":anon", s(token))
            .build()
            .map_err(unavailable)?;
        let session = ConditionCheck::builder()
            .table_name(&self.tables.sessions)
            .key(attr::ID, s(session_id))
            .condition_expression(format!(
                "{} = :p AND {} = :u AND {} > :now",
                attr::PROJECT_ID,
                attr::USER_ID,
                attr::EXPIRES_AT
            ))
            .expression_attribute_values(":p", s(&key.project_id))
            .expression_attribute_values(":u", s(user_id))
            .expression_attribute_values(":now", n(now))
            .build()
            .map_err(unavailable)?;
        let user = ConditionCheck::builder()
            .table_name(&self.tables.users)
            .key(attr::ID, s(user_id))
            .condition_expression(format!(
                "{} = :p AND {} = :yes",
                attr::PROJECT_ID,
                attr::IS_ANONYMOUS
            ))
            .expression_attribute_values(":p", s(&key.project_id))
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .build()
            .map_err(unavailable)?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().update(attempt).build())
            .transact_items(
                TransactWriteItem::builder()
                    .condition_check(session)
                    .build(),
            )
            .transact_items(TransactWriteItem::builder().condition_check(user).build())
            .send()
            .await;
        match result {
            Ok(_) => Ok(ClaimTry::Done),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                TransactWriteItemsError::TransactionCanceledException(t) => {
                    let code = |i: usize| t.cancellation_reasons().get(i).and_then(|r| r.code());
                    Ok(match (code(0), code(1), code(2)) {
                        (Some("ConditionalCheckFailed"), _, _) => ClaimTry::AttemptChanged,
                        (_, Some("ConditionalCheckFailed"), _)
                        | (_, _, Some("ConditionalCheckFailed")) => ClaimTry::SessionNotLive,
                        _ => ClaimTry::Conflict,
                    })
                }
                TransactWriteItemsError::TransactionInProgressException(_) => {
                    Ok(ClaimTry::Conflict)
                }
                other => Err(unavailable(other)),
            },
            Err(e) => Err(unavailable(e)),
        }
    }
}
