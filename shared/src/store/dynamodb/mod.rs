//! The DynamoDB adapter.
//!
//! Four tables, each keyed by the string attribute `id`: projects, users,
//! sessions, CLI attempts. Every once-only transition is a single
//! `UpdateItem` whose condition carries the whole check (including the hash
//! of the presented code), with `ReturnValuesOnConditionCheckFailure=ALL_OLD`
//! so that a failed condition still tells the domain why, in the same round
//! trip. Items that die carry `ttl` (epoch seconds) and the tables have TTL
//! enabled; expiry is still checked in code, since DynamoDB deletes late.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, ConditionCheck, KeySchemaElement, KeyType,
    KeysAndAttributes, Put, ReturnValue, ReturnValuesOnConditionCheckFailure, ScalarAttributeType,
    TimeToLiveSpecification, TransactWriteItem, Update,
};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use serde::{Deserialize, Serialize};

use crate::clock::Millis;
use crate::domain::login_attempt::{AttemptKey, CliAttempt, CodeKind};
use crate::domain::project::Project;
use crate::domain::session::Session;
use crate::domain::store::{Claim, Found, Lookup, PickUp, Store, StoreError, StoreResult};
use crate::domain::user::{User, UserPatch};
use crate::secret::{LocatedSecret, SecretHash};

type Item = HashMap<String, AttributeValue>;

/// The attribute every table is keyed by.
const KEY: &str = "id";
/// The TTL attribute (epoch seconds) of the tables whose items die.
const TTL: &str = "ttl";

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

    fn all_with_ttl(&self) -> [(&str, bool); 4] {
        [
            (&self.projects, false),
            (&self.users, false),
            (&self.sessions, true),
            (&self.attempts, true),
        ]
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

    /// A client from the standard AWS configuration chain (which honours
    /// `AWS_ENDPOINT_URL_DYNAMODB`), with a time budget far below API
    /// Gateway's 29 s: each attempt ≤ 2 s, the whole call with retries ≤ 6 s.
    pub async fn client_from_env(counter: Option<RequestCounter>) -> Client {
        Self::client_with(None, counter).await
    }

    /// As [`DynamoStore::client_from_env`], with an explicit endpoint (tests
    /// point it at fakes that throttle or hang). Throttling and transient
    /// errors are retried with jittered exponential backoff from 100 ms.
    pub async fn client_with(endpoint: Option<&str>, counter: Option<RequestCounter>) -> Client {
        let shared = aws_config::load_from_env().await;
        let mut builder = aws_sdk_dynamodb::config::Builder::from(&shared)
            .timeout_config(
                aws_config::timeout::TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(1))
                    .operation_attempt_timeout(Duration::from_secs(2))
                    .operation_timeout(Duration::from_secs(6))
                    .build(),
            )
            .retry_config(
                aws_config::retry::RetryConfig::standard()
                    .with_max_attempts(3)
                    .with_initial_backoff(Duration::from_millis(100))
                    .with_max_backoff(Duration::from_secs(1)),
            );
        if let Some(url) = endpoint {
            builder = builder.endpoint_url(url);
        }
        if let Some(counter) = counter {
            builder = builder.interceptor(counter);
        }
        Client::from_conf(builder.build())
    }

    pub fn tables(&self) -> &TableNames {
        &self.tables
    }

    /// Creates the four tables (on demand, keyed by `id`) and enables TTL
    /// where items die. Tables that already exist are left as they are.
    pub async fn create_tables(&self) -> StoreResult<Vec<String>> {
        let mut created = Vec::new();
        for (name, ttl) in self.tables.all_with_ttl() {
            let result = self
                .client
                .create_table()
                .table_name(name)
                .billing_mode(BillingMode::PayPerRequest)
                .attribute_definitions(
                    AttributeDefinition::builder()
                        .attribute_name(KEY)
                        .attribute_type(ScalarAttributeType::S)
                        .build()
                        .map_err(unavailable)?,
                )
                .key_schema(
                    KeySchemaElement::builder()
                        .attribute_name(KEY)
                        .key_type(KeyType::Hash)
                        .build()
                        .map_err(unavailable)?,
                )
                .send()
                .await;
            match result {
                Ok(_) => created.push(name.to_owned()),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_resource_in_use_exception()) =>
                {
                    continue;
                }
                Err(e) => return Err(unavailable(e)),
            }
            if ttl {
                self.client
                    .update_time_to_live()
                    .table_name(name)
                    .time_to_live_specification(
                        TimeToLiveSpecification::builder()
                            .attribute_name(TTL)
                            .enabled(true)
                            .build()
                            .map_err(unavailable)?,
                    )
                    .send()
                    .await
                    .map_err(unavailable)?;
            }
        }
        Ok(created)
    }

    async fn put(&self, table: &str, item: Item, only_if_new: bool) -> StoreResult<()> {
        let mut request = self
            .client
            .put_item()
            .table_name(table)
            .set_item(Some(item));
        if only_if_new {
            request = request.condition_expression("attribute_not_exists(id)");
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

    /// Runs a conditional `UpdateItem` on an attempt. `Ok(Ok(old))` when the
    /// condition held (with the old item), `Ok(Err(old))` when it failed
    /// (with the item as it was, if any).
    async fn transition(
        &self,
        key: &AttemptKey,
        condition: &str,
        update: &str,
        mut values: Vec<(&str, AttributeValue)>,
        now: Millis,
    ) -> StoreResult<Result<Option<Item>, Option<Item>>> {
        let hash_attr = match key.kind {
            CodeKind::Polling => "polling_code_hash",
            CodeKind::Login => "login_code_hash",
        };
        values.extend([
            (":p", s(&key.project_id)),
            (":h", s(key.code_hash.as_str())),
            (":now", n(now)),
        ]);
        let condition =
            format!("project_id = :p AND {hash_attr} = :h AND expires_at > :now AND {condition}");
        let result = self
            .client
            .update_item()
            .table_name(&self.tables.attempts)
            .key(KEY, s(&key.attempt_id))
            .condition_expression(condition)
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

/// Counts DynamoDB HTTP requests (retries included): the round trips.
#[derive(Debug, Clone, Default)]
pub struct RequestCounter(Arc<AtomicUsize>);

impl RequestCounter {
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    pub fn reset(&self) {
        self.0.store(0, Ordering::SeqCst);
    }
}

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "RequestCounter"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

fn unavailable(e: impl std::error::Error) -> StoreError {
    StoreError::Unavailable(DisplayErrorContext(e).to_string())
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn ttl_seconds(millis: Millis) -> i64 {
    millis.div_euclid(1000) + 1
}

fn to_item<T: Serialize>(record: &T) -> StoreResult<Item> {
    serde_dynamo::to_item(record).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn from_item<T: for<'de> Deserialize<'de>>(item: Item) -> StoreResult<T> {
    serde_dynamo::from_item(item).map_err(|e| StoreError::Corrupt(e.to_string()))
}

// ---- Item shapes -----------------------------------------------------------

#[derive(Serialize, Deserialize)]
struct ProjectItem {
    id: String,
    display_name: String,
    requires_publishable_client_key: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    publishable_client_key_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    secret_server_key_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    super_secret_admin_key_hash: Option<String>,
    created_at: i64,
}

impl From<&Project> for ProjectItem {
    fn from(p: &Project) -> Self {
        let text = |h: &Option<SecretHash>| h.as_ref().map(|h| h.as_str().to_owned());
        Self {
            id: p.id.clone(),
            display_name: p.display_name.clone(),
            requires_publishable_client_key: p.requires_publishable_client_key,
            publishable_client_key_hash: text(&p.publishable_client_key_hash),
            secret_server_key_hash: text(&p.secret_server_key_hash),
            super_secret_admin_key_hash: text(&p.super_secret_admin_key_hash),
            created_at: p.created_at_millis,
        }
    }
}

impl From<ProjectItem> for Project {
    fn from(i: ProjectItem) -> Self {
        Self {
            id: i.id,
            display_name: i.display_name,
            requires_publishable_client_key: i.requires_publishable_client_key,
            publishable_client_key_hash: i.publishable_client_key_hash.map(SecretHash::from_stored),
            secret_server_key_hash: i.secret_server_key_hash.map(SecretHash::from_stored),
            super_secret_admin_key_hash: i.super_secret_admin_key_hash.map(SecretHash::from_stored),
            created_at_millis: i.created_at,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct UserItem {
    id: String,
    project_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    primary_email: Option<String>,
    is_anonymous: bool,
    signed_up_at: i64,
    /// JSON text: metadata is arbitrary JSON, kept exactly as given.
    client_metadata: String,
    server_metadata: String,
}

impl From<&User> for UserItem {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.clone(),
            project_id: u.project_id.clone(),
            display_name: u.display_name.clone(),
            primary_email: u.primary_email.clone(),
            is_anonymous: u.is_anonymous,
            signed_up_at: u.signed_up_at_millis,
            client_metadata: u.client_metadata.to_string(),
            server_metadata: u.server_metadata.to_string(),
        }
    }
}

impl TryFrom<UserItem> for User {
    type Error = StoreError;

    fn try_from(i: UserItem) -> StoreResult<Self> {
        let json = |text: &str| {
            serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("metadata: {e}")))
        };
        Ok(Self {
            client_metadata: json(&i.client_metadata)?,
            server_metadata: json(&i.server_metadata)?,
            id: i.id,
            project_id: i.project_id,
            display_name: i.display_name,
            primary_email: i.primary_email,
            is_anonymous: i.is_anonymous,
            signed_up_at_millis: i.signed_up_at,
        })
    }
}

#[derive(Serialize, Deserialize)]
struct SessionItem {
    id: String,
    project_id: String,
    user_id: String,
    refresh_token_hash: String,
    created_at: i64,
    expires_at: i64,
    is_impersonation: bool,
    ttl: i64,
}

impl From<&Session> for SessionItem {
    fn from(s: &Session) -> Self {
        Self {
            id: s.id.clone(),
            project_id: s.project_id.clone(),
            user_id: s.user_id.clone(),
            refresh_token_hash: s.refresh_token_hash.as_str().to_owned(),
            created_at: s.created_at_millis,
            expires_at: s.expires_at_millis,
            is_impersonation: s.is_impersonation,
            ttl: ttl_seconds(s.expires_at_millis),
        }
    }
}

impl From<SessionItem> for Session {
    fn from(i: SessionItem) -> Self {
        Self {
            id: i.id,
            project_id: i.project_id,
            user_id: i.user_id,
            refresh_token_hash: SecretHash::from_stored(i.refresh_token_hash),
            created_at_millis: i.created_at,
            expires_at_millis: i.expires_at,
            is_impersonation: i.is_impersonation,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct AttemptItem {
    id: String,
    project_id: String,
    polling_code_hash: String,
    login_code_hash: String,
    created_at: i64,
    expires_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    completed_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    used_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    anon_refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    anon_user_id: Option<String>,
    ttl: i64,
}

impl From<&CliAttempt> for AttemptItem {
    fn from(a: &CliAttempt) -> Self {
        Self {
            id: a.id.clone(),
            project_id: a.project_id.clone(),
            polling_code_hash: a.polling_code_hash.as_str().to_owned(),
            login_code_hash: a.login_code_hash.as_str().to_owned(),
            created_at: a.created_at_millis,
            expires_at: a.expires_at_millis,
            refresh_token: a.refresh_token.clone(),
            completed_at: a.completed_at_millis,
            used_at: a.used_at_millis,
            anon_refresh_token: a.anon_refresh_token.clone(),
            anon_user_id: a.anon_user_id.clone(),
            ttl: ttl_seconds(a.retain_until_millis()),
        }
    }
}

impl From<AttemptItem> for CliAttempt {
    fn from(i: AttemptItem) -> Self {
        Self {
            id: i.id,
            project_id: i.project_id,
            polling_code_hash: SecretHash::from_stored(i.polling_code_hash),
            login_code_hash: SecretHash::from_stored(i.login_code_hash),
            created_at_millis: i.created_at,
            expires_at_millis: i.expires_at,
            refresh_token: i.refresh_token,
            completed_at_millis: i.completed_at,
            used_at_millis: i.used_at,
            anon_refresh_token: i.anon_refresh_token,
            anon_user_id: i.anon_user_id,
        }
    }
}

fn attempt_from(item: Option<Item>) -> StoreResult<Option<CliAttempt>> {
    item.map(|i| from_item::<AttemptItem>(i).map(CliAttempt::from))
        .transpose()
}

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
    /// Detaches the anonymous session from the attempt, on condition that the
    /// attempt is still pending and carries it, the session is live in the
    /// project, and its user is still anonymous: one transaction.
    async fn claim_transaction(
        &self,
        key: &AttemptKey,
        token: &str,
        located: &LocatedSecret,
        user_id: &str,
        now: Millis,
    ) -> StoreResult<ClaimTry> {
        let attempt = Update::builder()
            .table_name(&self.tables.attempts)
            .key(KEY, s(&key.attempt_id))
            .condition_expression(
                "project_id = :p AND login_code_hash = :h AND expires_at > :now \
                 AND attribute_not_exists(completed_at) AND attribute_not_exists(used_at) \
                 AND anon_refresh_token = :anon",
            )
            .update_expression("REMOVE anon_refresh_token, anon_user_id")
            .expression_attribute_values(":p", s(&key.project_id))
            .expression_attribute_values(":h", s(key.code_hash.as_str()))
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":anon", s(token))
            .build()
            .map_err(unavailable)?;
        let session = ConditionCheck::builder()
            .table_name(&self.tables.sessions)
            .key(KEY, s(&located.id))
            .condition_expression(
                "project_id = :p AND user_id = :u AND refresh_token_hash = :rh AND expires_at > :now",
            )
            .expression_attribute_values(":p", s(&key.project_id))
            .expression_attribute_values(":u", s(user_id))
            .expression_attribute_values(":rh", s(located.hash().as_str()))
            .expression_attribute_values(":now", n(now))
            .build()
            .map_err(unavailable)?;
        let user = ConditionCheck::builder()
            .table_name(&self.tables.users)
            .key(KEY, s(user_id))
            .condition_expression("project_id = :p AND is_anonymous = :yes")
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

/// How often a batch read retries keys DynamoDB left unprocessed.
const BATCH_RETRIES: u32 = 4;

#[async_trait]
impl Store for DynamoStore {
    async fn get_project(&self, id: &str) -> StoreResult<Option<Project>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.tables.projects)
            .key(KEY, s(id))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        out.item
            .map(|i| from_item::<ProjectItem>(i).map(Project::from))
            .transpose()
    }

    async fn create_project(&self, project: &Project) -> StoreResult<()> {
        let item = to_item(&ProjectItem::from(project))?;
        self.put(&self.tables.projects, item, true).await
    }

    async fn save_project(&self, project: &Project) -> StoreResult<()> {
        let item = to_item(&ProjectItem::from(project))?;
        self.put(&self.tables.projects, item, false).await
    }

    async fn list_projects(&self) -> StoreResult<Vec<Project>> {
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

    async fn put_user(&self, user: &User) -> StoreResult<()> {
        let item = to_item(&UserItem::from(user))?;
        self.put(&self.tables.users, item, false).await
    }

    async fn put_session(&self, session: &Session) -> StoreResult<()> {
        let item = to_item(&SessionItem::from(session))?;
        self.put(&self.tables.sessions, item, false).await
    }

    async fn create_user_with_session(&self, user: &User, session: &Session) -> StoreResult<()> {
        let put = |table: &str, item: Item| -> StoreResult<TransactWriteItem> {
            let put = Put::builder()
                .table_name(table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(id)")
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
            ("display_name", &patch.display_name),
            ("primary_email", &patch.primary_email),
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
            set.push("is_anonymous = :is_anonymous".to_owned());
            values.insert(":is_anonymous".to_owned(), AttributeValue::Bool(v));
        }
        for (name, value) in [
            ("client_metadata", &patch.client_metadata),
            ("server_metadata", &patch.server_metadata),
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
            let user = self
                .lookup(Lookup {
                    user_id: Some(user_id),
                    ..Lookup::default()
                })
                .await?
                .user;
            return Ok(user.filter(|u| u.project_id == project_id));
        }
        let result = self
            .client
            .update_item()
            .table_name(&self.tables.users)
            .key(KEY, s(user_id))
            .condition_expression("project_id = :p")
            .update_expression(update.join(" "))
            .set_expression_attribute_values(Some(values))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(out) => out
                .attributes
                .map(|i| from_item::<UserItem>(i).and_then(User::try_from))
                .transpose(),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Ok(None)
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn delete_session(&self, project_id: &str, session_id: &str) -> StoreResult<bool> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.tables.sessions)
            .key(KEY, s(session_id))
            .condition_expression("project_id = :p")
            .expression_attribute_values(":p", s(project_id))
            .send()
            .await;
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

    async fn lookup(&self, what: Lookup<'_>) -> StoreResult<Found> {
        let wanted: Vec<(&str, &str)> = [
            (self.tables.attempts.as_str(), what.attempt_id),
            (self.tables.sessions.as_str(), what.session_id),
            (self.tables.users.as_str(), what.user_id),
        ]
        .into_iter()
        .filter_map(|(table, id)| id.map(|id| (table, id)))
        .collect();

        let mut items: HashMap<String, Vec<Item>> = HashMap::new();
        match wanted.as_slice() {
            [] => {}
            [(table, id)] => {
                let out = self
                    .client
                    .get_item()
                    .table_name(*table)
                    .key(KEY, s(id))
                    .consistent_read(true)
                    .send()
                    .await
                    .map_err(unavailable)?;
                if let Some(item) = out.item {
                    items.entry((*table).to_owned()).or_default().push(item);
                }
            }
            many => {
                let mut request: HashMap<String, KeysAndAttributes> = HashMap::new();
                for (table, id) in many {
                    let keys = KeysAndAttributes::builder()
                        .keys(HashMap::from([(KEY.to_owned(), s(id))]))
                        .consistent_read(true)
                        .build()
                        .map_err(unavailable)?;
                    request.insert((*table).to_owned(), keys);
                }
                let mut tries = 0;
                while !request.is_empty() {
                    if tries > BATCH_RETRIES {
                        return Err(StoreError::Unavailable(
                            "batch read left keys unprocessed".into(),
                        ));
                    }
                    if tries > 0 {
                        tokio::time::sleep(Duration::from_millis(20 << tries)).await;
                    }
                    tries += 1;
                    let out = self
                        .client
                        .batch_get_item()
                        .set_request_items(Some(request))
                        .send()
                        .await
                        .map_err(unavailable)?;
                    for (table, found) in out.responses.unwrap_or_default() {
                        items.entry(table).or_default().extend(found);
                    }
                    request = out.unprocessed_keys.unwrap_or_default();
                }
            }
        }
        let mut take = |table: &str| items.remove(table).and_then(|mut v| v.pop());
        Ok(Found {
            attempt: attempt_from(take(&self.tables.attempts))?,
            session: take(&self.tables.sessions)
                .map(|i| from_item::<SessionItem>(i).map(Session::from))
                .transpose()?,
            user: take(&self.tables.users)
                .map(|i| from_item::<UserItem>(i).and_then(User::try_from))
                .transpose()?,
        })
    }

    async fn create_attempt(&self, attempt: &CliAttempt) -> StoreResult<()> {
        let item = to_item(&AttemptItem::from(attempt))?;
        self.put(&self.tables.attempts, item, true).await
    }

    async fn pick_up(&self, key: &AttemptKey, now: Millis) -> StoreResult<PickUp> {
        let outcome = self
            .transition(
                key,
                "attribute_exists(refresh_token) AND attribute_not_exists(used_at)",
                "SET used_at = :now REMOVE refresh_token",
                vec![],
                now,
            )
            .await?;
        match outcome {
            Ok(old) => match attempt_from(old)?.and_then(|a| a.refresh_token) {
                Some(refresh_token) => Ok(PickUp::Taken { refresh_token }),
                None => Err(StoreError::Corrupt(
                    "picked-up attempt had no refresh token".into(),
                )),
            },
            Err(old) => Ok(PickUp::NotTaken(attempt_from(old)?)),
        }
    }

    async fn complete(
        &self,
        key: &AttemptKey,
        refresh_token: &str,
        now: Millis,
    ) -> StoreResult<bool> {
        let outcome = self
            .transition(
                key,
                "attribute_not_exists(completed_at) AND attribute_not_exists(used_at)",
                "SET refresh_token = :rt, completed_at = :now REMOVE anon_refresh_token, anon_user_id",
                vec![(":rt", s(refresh_token))],
                now,
            )
            .await?;
        Ok(outcome.is_ok())
    }

    async fn claim_anon_session(&self, key: &AttemptKey, now: Millis) -> StoreResult<Claim> {
        // Read the attempt to learn which session and user to check, then
        // check both and detach in one transaction.
        for _ in 0..CLAIM_CONFLICT_RETRIES {
            let found = self
                .lookup(Lookup {
                    attempt_id: Some(&key.attempt_id),
                    ..Lookup::default()
                })
                .await?;
            let Some(attempt) = found.attempt.filter(|a| a.is_pending_for(key, now)) else {
                return Ok(Claim::NotPending);
            };
            let (Some(token), Some(user_id)) = (attempt.anon_refresh_token, attempt.anon_user_id)
            else {
                return Ok(Claim::NoLiveSession);
            };
            let Some(located) = LocatedSecret::parse(&token) else {
                return Ok(Claim::NoLiveSession);
            };
            match self
                .claim_transaction(key, &token, &located, &user_id, now)
                .await?
            {
                ClaimTry::Done => {
                    return Ok(Claim::Claimed {
                        anon_refresh_token: token,
                        anon_user_id: user_id,
                        session_id: located.id,
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
}
