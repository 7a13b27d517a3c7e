//! Users and sessions: plain puts, the user-and-session transaction of
//! anonymous sign-up, the user patch, the session's use, a user's sessions
//! (one `Query` of the sessions-by-user index), a project's agent sessions
//! (one of agent-sessions-by-project), the conditional deletes.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValue, TransactWriteItem};

use super::DynamoStore;
use super::account_items::{IdentityItem, SessionItem, UserItem, session_from, user_from};
use super::items::{
    AGENT_SESSIONS_BY_PROJECT, Item, SESSIONS_BY_USER, attr, from_item, n, s, to_item, unavailable,
};
use crate::clock::Millis;
use crate::domain::session::Session;
use crate::domain::store::{AccountStore, Store, StoreError, StoreResult};
use crate::domain::user::{Identity, User, UserPatch};
use crate::secret::LocatedSecret;

#[async_trait]
impl AccountStore for DynamoStore {
    async fn put_user(&self, user: &User) -> StoreResult<()> {
        let item = to_item(&UserItem::from(user))?;
        self.put(&self.tables.users, item, false).await
    }

    async fn put_session(&self, session: &Session) -> StoreResult<()> {
        let item = to_item(&SessionItem::from(session))?;
        self.put(&self.tables.sessions, item, false).await
    }

    /// Both puts in one transaction, each only if its key is new.
    async fn create_user_with_session(&self, user: &User, session: &Session) -> StoreResult<()> {
        let result = self
            .put_all_if_new(vec![
                put_if_new(&self.tables.users, to_item(&UserItem::from(user))?)?,
                put_if_new(&self.tables.sessions, to_item(&SessionItem::from(session))?)?,
            ])
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                TransactWriteItemsError::TransactionCanceledException(t)
                    if t.cancellation_reasons()
                        .iter()
                        .any(|r| r.code() == Some("ConditionalCheckFailed")) =>
                {
                    Err(StoreError::AlreadyExists)
                }
                other => Err(unavailable(other)),
            },
            Err(e) => Err(unavailable(e)),
        }
    }

    /// One strongly consistent GetItem of the identities table.
    async fn identity_user(&self, identity: &Identity) -> StoreResult<Option<String>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.tables.identities)
            .key(attr::ID, s(&identity.key()))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        let item: Option<IdentityItem> = out.item.map(from_item).transpose()?;
        Ok(item.map(|i| i.user_id))
    }

    /// The identity and the user in one transaction, each only if its key
    /// is new. A taken identity, or a racing transaction on it
    /// (`TransactionConflict`), is `false`: the caller reads it again.
    async fn create_user_with_identity(
        &self,
        user: &User,
        identity: &Identity,
    ) -> StoreResult<bool> {
        let result = self
            .put_all_if_new(vec![
                put_if_new(
                    &self.tables.identities,
                    to_item(&IdentityItem::new(identity, &user.id))?,
                )?,
                put_if_new(&self.tables.users, to_item(&UserItem::from(user))?)?,
            ])
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                TransactWriteItemsError::TransactionCanceledException(t) => {
                    let code = |i: usize| t.cancellation_reasons().get(i).and_then(|r| r.code());
                    match (code(0), code(1)) {
                        (Some("ConditionalCheckFailed" | "TransactionConflict"), _)
                        | (_, Some("TransactionConflict")) => Ok(false),
                        (_, Some("ConditionalCheckFailed")) => Err(StoreError::AlreadyExists),
                        _ => Err(StoreError::Unavailable(
                            "the identity's transaction was cancelled".into(),
                        )),
                    }
                }
                TransactWriteItemsError::TransactionInProgressException(_) => Ok(false),
                other => Err(unavailable(other)),
            },
            Err(e) => Err(unavailable(e)),
        }
    }

    /// One `UpdateItem` conditional on the project: SET what the patch sets,
    /// REMOVE what it clears.
    async fn update_user(
        &self,
        project_id: &str,
        user_id: &str,
        patch: &UserPatch,
    ) -> StoreResult<Option<User>> {
        let mut set = Vec::new();
        let mut remove = Vec::new();
        let mut values: HashMap<String, AttributeValue> =
            HashMap::from([(":p".to_owned(), s(project_id))]);
        for (name, value) in [
            (attr::DISPLAY_NAME, &patch.display_name),
            (attr::PRIMARY_EMAIL, &patch.primary_email),
            (attr::PROFILE_IMAGE_URL, &patch.profile_image_url),
        ] {
            match value {
                Some(Some(v)) => {
                    set.push(format!("{name} = :{name}"));
                    values.insert(format!(":{name}"), s(v));
                }
                Some(None) => remove.push(name),
                None => {}
            }
        }
        if let Some(v) = patch.is_anonymous {
            let name = attr::IS_ANONYMOUS;
            set.push(format!("{name} = :{name}"));
            values.insert(format!(":{name}"), AttributeValue::Bool(v));
        }
        for (name, value) in [
            (attr::CLIENT_METADATA, &patch.client_metadata),
            (attr::SERVER_METADATA, &patch.server_metadata),
        ] {
            if let Some(v) = value {
                set.push(format!("{name} = :{name}"));
                values.insert(format!(":{name}"), s(&v.to_string()));
            }
        }
        let mut update = Vec::new();
        if !set.is_empty() {
            update.push(format!("SET {}", set.join(", ")));
        }
        if !remove.is_empty() {
            update.push(format!("REMOVE {}", remove.join(", ")));
        }
        if update.is_empty() {
            // Nothing to change: a consistent read answers the same question.
            let user = self.user(user_id).await?;
            return Ok(user.filter(|u| u.project_id == project_id));
        }
        let result = self
            .client
            .update_item()
            .table_name(&self.tables.users)
            .key(attr::ID, s(user_id))
            .condition_expression(format!("{} = :p", attr::PROJECT_ID))
            .update_expression(update.join(" "))
            .set_expression_attribute_values(Some(values))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(out) => user_from(out.attributes),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Ok(None)
            }
            Err(e) => Err(unavailable(e)),
        }
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

    /// One `UpdateItem` that sets the session's last use only if the token
    /// is its refresh token (by hash), it is in `project_id` and unexpired;
    /// it returns the session as it now is.
    async fn use_session(
        &self,
        project_id: &str,
        token: &LocatedSecret,
        now: Millis,
    ) -> StoreResult<Option<Session>> {
        let result = self
            .client
            .update_item()
            .table_name(&self.tables.sessions)
            .key(attr::ID, s(&token.id))
            .condition_expression(format!(
                "{} = :p AND {} = :h AND {} > :now",
                attr::PROJECT_ID,
                attr::REFRESH_TOKEN_HASH,
                attr::EXPIRES_AT
            ))
            .update_expression(format!("SET {} = :now", attr::LAST_USED_AT))
            .expression_attribute_values(":p", s(project_id))
            .expression_attribute_values(":h", s(token.hash().as_str()))
            .expression_attribute_values(":now", n(now))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(out) => session_from(out.attributes),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Ok(None)
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    /// The user's live sessions of the project, newest first: one Query
    /// (more only past DynamoDB's 1 MB page, some thousands of sessions).
    async fn sessions_of_user(
        &self,
        project_id: &str,
        user_id: &str,
        now: Millis,
    ) -> StoreResult<Vec<Session>> {
        let mut sessions = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.tables.sessions)
                .index_name(SESSIONS_BY_USER)
                .key_condition_expression(format!("{} = :u", attr::USER_ID))
                .filter_expression(format!(
                    "{} = :p AND {} > :now",
                    attr::PROJECT_ID,
                    attr::EXPIRES_AT
                ))
                .expression_attribute_values(":u", s(user_id))
                .expression_attribute_values(":p", s(project_id))
                .expression_attribute_values(":now", n(now))
                .scan_index_forward(false)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(unavailable)?;
            for item in out.items.unwrap_or_default() {
                sessions.push(Session::from(from_item::<SessionItem>(item)?));
            }
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        Ok(sessions)
    }

    async fn agent_sessions(&self, project_id: &str, limit: usize) -> StoreResult<Vec<Session>> {
        let items = self
            .newest(
                &self.tables.sessions,
                AGENT_SESSIONS_BY_PROJECT,
                (attr::AGENT_LISTING, project_id),
                limit,
            )
            .await?;
        items
            .into_iter()
            .map(|item| from_item::<SessionItem>(item).map(Session::from))
            .collect()
    }
}

impl DynamoStore {
    /// Deletes the item `id` of `table` if it is in `project_id` (and, with
    /// `also`, if its attribute `also.0` is `also.1`): one conditional
    /// delete, so of racing deletes exactly one succeeds.
    pub(super) async fn delete_in_project(
        &self,
        table: &str,
        project_id: &str,
        id: &str,
        also: Option<(&str, &str)>,
    ) -> StoreResult<bool> {
        let mut condition = format!("{} = :p", attr::PROJECT_ID);
        let mut request = self
            .client
            .delete_item()
            .table_name(table)
            .key(attr::ID, s(id))
            .expression_attribute_values(":p", s(project_id));
        if let Some((name, value)) = also {
            condition.push_str(&format!(" AND {name} = :also"));
            request = request.expression_attribute_values(":also", s(value));
        }
        let result = request.condition_expression(condition).send().await;
        match result {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(unavailable(e)),
        }
    }
}

/// A transaction's put of `item`, only if its key is new.
fn put_if_new(table: &str, item: Item) -> StoreResult<TransactWriteItem> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression(format!("attribute_not_exists({})", attr::ID))
        .build()
        .map_err(unavailable)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

impl DynamoStore {
    /// Puts, each only if its key is new, in one transaction.
    async fn put_all_if_new(
        &self,
        puts: Vec<TransactWriteItem>,
    ) -> Result<(), SdkError<TransactWriteItemsError>> {
        self.client
            .transact_write_items()
            .set_transact_items(Some(puts))
            .send()
            .await
            .map(|_| ())
    }
}
