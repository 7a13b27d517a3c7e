//! Projects, users and sessions: plain puts, the user-and-session
//! transaction of anonymous sign-up, the user patch, the session delete.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValue, TransactWriteItem};

use super::DynamoStore;
use super::items::{
    Item, ProjectItem, SessionItem, UserItem, attr, from_item, n, project_from, s, session_from,
    to_item, unavailable, user_from,
};
use crate::clock::Millis;
use crate::domain::access::AccessType;
use crate::domain::project::Project;
use crate::domain::session::Session;
use crate::domain::store::{StoreError, StoreResult};
use crate::domain::user::{User, UserPatch};
use crate::secret::{LocatedSecret, SecretHash};

impl DynamoStore {
    /// Puts an item; with `only_if_new`, [`StoreError::AlreadyExists`] if
    /// its key is taken.
    pub(super) async fn put(&self, table: &str, item: Item, only_if_new: bool) -> StoreResult<()> {
        let mut request = self
            .client
            .put_item()
            .table_name(table)
            .set_item(Some(item));
        if only_if_new {
            request = request.condition_expression(format!("attribute_not_exists({})", attr::ID));
        }
        match request.send().await {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Err(StoreError::AlreadyExists)
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    pub(super) async fn get_project_item(&self, id: &str) -> StoreResult<Option<Project>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.tables.projects)
            .key(attr::ID, s(id))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        project_from(out.item)
    }

    pub(super) async fn put_project(
        &self,
        project: &Project,
        only_if_new: bool,
    ) -> StoreResult<()> {
        let item = to_item(&ProjectItem::from(project))?;
        self.put(&self.tables.projects, item, only_if_new).await
    }

    /// One `UpdateItem` that sets the one key hash, if the project exists.
    pub(super) async fn update_project_key(
        &self,
        project_id: &str,
        kind: AccessType,
        hash: &SecretHash,
    ) -> StoreResult<bool> {
        let name = match kind {
            AccessType::Client => attr::PUBLISHABLE_CLIENT_KEY_HASH,
            AccessType::Server => attr::SECRET_SERVER_KEY_HASH,
            AccessType::Admin => attr::SUPER_SECRET_ADMIN_KEY_HASH,
        };
        let result = self
            .client
            .update_item()
            .table_name(&self.tables.projects)
            .key(attr::ID, s(project_id))
            .condition_expression(format!("attribute_exists({})", attr::ID))
            .update_expression(format!("SET {name} = :h"))
            .expression_attribute_values(":h", s(hash.as_str()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Ok(false)
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    /// Sets or removes the project's app URL, only if the project exists.
    pub(super) async fn update_project_app_url(
        &self,
        project_id: &str,
        url: Option<&str>,
    ) -> StoreResult<bool> {
        let mut request = self
            .client
            .update_item()
            .table_name(&self.tables.projects)
            .key(attr::ID, s(project_id))
            .condition_expression(format!("attribute_exists({})", attr::ID));
        request = match url {
            Some(url) => request
                .update_expression(format!("SET {} = :u", attr::APP_URL))
                .expression_attribute_values(":u", s(url)),
            None => request.update_expression(format!("REMOVE {}", attr::APP_URL)),
        };
        match request.send().await {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Ok(false)
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    /// Every project, by id (admin only: a consistent scan, page by page).
    pub(super) async fn scan_projects(&self) -> StoreResult<Vec<Project>> {
        let mut projects = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .scan()
                .table_name(&self.tables.projects)
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(unavailable)?;
            for item in out.items.unwrap_or_default() {
                projects.push(Project::from(from_item::<ProjectItem>(item)?));
            }
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        projects.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(projects)
    }

    pub(super) async fn put_user_item(&self, user: &User) -> StoreResult<()> {
        let item = to_item(&UserItem::from(user))?;
        self.put(&self.tables.users, item, false).await
    }

    pub(super) async fn put_session_item(&self, session: &Session) -> StoreResult<()> {
        let item = to_item(&SessionItem::from(session))?;
        self.put(&self.tables.sessions, item, false).await
    }

    /// Both puts in one transaction, each only if its key is new.
    pub(super) async fn put_user_with_session(
        &self,
        user: &User,
        session: &Session,
    ) -> StoreResult<()> {
        let put = |table: &str, item: Item| -> StoreResult<TransactWriteItem> {
            let put = Put::builder()
                .table_name(table)
                .set_item(Some(item))
                .condition_expression(format!("attribute_not_exists({})", attr::ID))
                .build()
                .map_err(unavailable)?;
            Ok(TransactWriteItem::builder().put(put).build())
        };
        let result = self
            .client
            .transact_write_items()
            .transact_items(put(&self.tables.users, to_item(&UserItem::from(user))?)?)
            .transact_items(put(
                &self.tables.sessions,
                to_item(&SessionItem::from(session))?,
            )?)
            .send()
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

    /// One `UpdateItem` conditional on the project: SET what the patch sets,
    /// REMOVE what it clears.
    pub(super) async fn patch_user(
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
            let user = self.get_user_item(user_id).await?;
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

    /// One `UpdateItem` that sets the session's last use only if the token
    /// is its refresh token (by hash), it is in `project_id` and unexpired;
    /// it returns the session as it now is.
    pub(super) async fn touch_session(
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
