//! Creating the tables (the dev server, `cli-auth-admin create-tables`, the
//! tests); in AWS the template creates them. `template.yaml` and
//! [`TableNames::specs`] describe the same tables: `tests/tests/template.rs`
//! compares the template with what this code makes in DynamoDB Local.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, CreateGlobalSecondaryIndexAction, GlobalSecondaryIndex,
    GlobalSecondaryIndexUpdate, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, TimeToLiveSpecification,
};

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

use super::items::{SESSIONS_BY_USER, attr, unavailable};
use super::{DynamoStore, TableNames};
use crate::domain::store::StoreResult;

/// A secondary index: its name, partition key and numeric sort key (all
/// attributes projected).
#[derive(Debug, Clone, Copy)]
pub struct IndexSpec {
    pub name: &'static str,
    pub partition_key: &'static str,
    pub sort_key: &'static str,
}

/// One table: its name, whether its items die (TTL on `ttl`), its indexes.
#[derive(Debug, Clone)]
pub struct TableSpec<'a> {
    pub name: &'a str,
    pub ttl: bool,
    pub index: Option<IndexSpec>,
}

/// How often, and after how long, a table creation refused for the limit on
/// tables being built at once is tried again (about 30 s in all).
const LIMIT_RETRIES: u32 = 100;
const LIMIT_WAIT: std::time::Duration = std::time::Duration::from_millis(300);

/// The sessions of a user, newest first: how `GET /auth/sessions` finds them.
pub const SESSIONS_BY_USER_INDEX: IndexSpec = IndexSpec {
    name: SESSIONS_BY_USER,
    partition_key: attr::USER_ID,
    sort_key: attr::CREATED_AT,
};

impl TableNames {
    /// The four tables as they must be.
    pub fn specs(&self) -> [TableSpec<'_>; 5] {
        let table = |name, ttl, index| TableSpec { name, ttl, index };
        [
            table(&self.projects, false, None),
            table(&self.users, false, None),
            table(&self.sessions, true, Some(SESSIONS_BY_USER_INDEX)),
            table(&self.attempts, true, None),
            table(&self.identities, false, None),
        ]
    }
}

/// What [`DynamoStore::create_tables`] did to a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provisioned {
    Created,
    /// The table was there and as it must be.
    Exists,
    /// The table was there without this index, which is now being built
    /// (queries need it to be active).
    IndexAdded(&'static str),
}

fn key(name: &str, kind: KeyType) -> StoreResult<KeySchemaElement> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .map_err(unavailable)
}

fn attribute(name: &str, kind: ScalarAttributeType) -> StoreResult<AttributeDefinition> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(kind)
        .build()
        .map_err(unavailable)
}

impl IndexSpec {
    fn attributes(&self) -> StoreResult<[AttributeDefinition; 2]> {
        Ok([
            attribute(self.partition_key, ScalarAttributeType::S)?,
            attribute(self.sort_key, ScalarAttributeType::N)?,
        ])
    }

    fn keys(&self) -> StoreResult<[KeySchemaElement; 2]> {
        Ok([
            key(self.partition_key, KeyType::Hash)?,
            key(self.sort_key, KeyType::Range)?,
        ])
    }

    fn projection(&self) -> Projection {
        Projection::builder()
            .projection_type(ProjectionType::All)
            .build()
    }

    fn create(&self) -> StoreResult<GlobalSecondaryIndex> {
        GlobalSecondaryIndex::builder()
            .index_name(self.name)
            .set_key_schema(Some(self.keys()?.to_vec()))
            .projection(self.projection())
            .build()
            .map_err(unavailable)
    }

    fn add(&self) -> StoreResult<GlobalSecondaryIndexUpdate> {
        let action = CreateGlobalSecondaryIndexAction::builder()
            .index_name(self.name)
            .set_key_schema(Some(self.keys()?.to_vec()))
            .projection(self.projection())
            .build()
            .map_err(unavailable)?;
        Ok(GlobalSecondaryIndexUpdate::builder().create(action).build())
    }
}

impl DynamoStore {
    /// Creates the four tables (on demand, keyed by `id`) with their
    /// indexes, and enables TTL where items die. A table that already exists
    /// is left as it is, except that an index it lacks is added (tables
    /// created before the index existed). Returns what it did to each table.
    pub async fn create_tables(&self) -> StoreResult<Vec<(String, Provisioned)>> {
        let mut done = Vec::new();
        for spec in self.tables.specs() {
            let state = self.provision(&spec).await?;
            done.push((spec.name.to_owned(), state));
        }
        Ok(done)
    }

    async fn provision(&self, spec: &TableSpec<'_>) -> StoreResult<Provisioned> {
        let mut attributes = vec![attribute(attr::ID, ScalarAttributeType::S)?];
        let mut request = self
            .client
            .create_table()
            .table_name(spec.name)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(key(attr::ID, KeyType::Hash)?);
        if let Some(index) = spec.index {
            attributes.extend(index.attributes()?);
            request = request.global_secondary_indexes(index.create()?);
        }
        let request = request.set_attribute_definitions(Some(attributes));
        match while_limited(|| request.clone().send()).await {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_in_use_exception()) =>
            {
                return self.add_missing_index(spec).await;
            }
            Err(e) => return Err(unavailable(e)),
        }
        if spec.ttl {
            self.client
                .update_time_to_live()
                .table_name(spec.name)
                .time_to_live_specification(
                    TimeToLiveSpecification::builder()
                        .attribute_name(attr::TTL)
                        .enabled(true)
                        .build()
                        .map_err(unavailable)?,
                )
                .send()
                .await
                .map_err(unavailable)?;
        }
        Ok(Provisioned::Created)
    }

    async fn add_missing_index(&self, spec: &TableSpec<'_>) -> StoreResult<Provisioned> {
        let Some(index) = spec.index else {
            return Ok(Provisioned::Exists);
        };
        let table = self
            .client
            .describe_table()
            .table_name(spec.name)
            .send()
            .await
            .map_err(unavailable)?;
        let has_index = table
            .table()
            .map(|t| t.global_secondary_indexes())
            .unwrap_or_default()
            .iter()
            .any(|i| i.index_name() == Some(index.name));
        if has_index {
            return Ok(Provisioned::Exists);
        }
        let request = self
            .client
            .update_table()
            .table_name(spec.name)
            .set_attribute_definitions(Some(index.attributes()?.to_vec()))
            .global_secondary_index_updates(index.add()?);
        while_limited(|| request.clone().send())
            .await
            .map_err(unavailable)?;
        Ok(Provisioned::IndexAdded(index.name))
    }
}

/// Runs `send` again while DynamoDB answers LimitExceeded: it builds only a
/// few tables or indexes at once (five, in DynamoDB Local) and refuses more.
async fn while_limited<T, E, R, F, Fut>(mut send: F) -> Result<T, SdkError<E, R>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SdkError<E, R>>>,
    E: ProvideErrorMetadata,
{
    let mut waits = LIMIT_RETRIES;
    loop {
        match send().await {
            Err(e)
                if waits > 0
                    && e.as_service_error().and_then(|s| s.code())
                        == Some("LimitExceededException") =>
            {
                waits -= 1;
                tokio::time::sleep(LIMIT_WAIT).await;
            }
            other => return other,
        }
    }
}
