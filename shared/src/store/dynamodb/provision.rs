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

use super::items::{
    AGENT_SESSIONS_BY_PROJECT, ATTEMPTS_BY_PROJECT, SESSIONS_BY_USER, attr, unavailable,
};
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
    pub indexes: &'static [IndexSpec],
}

/// How often, and after how long, a table creation refused for the limit on
/// tables being built at once is tried again (about 30 s in all).
const LIMIT_RETRIES: u32 = 100;
const LIMIT_WAIT: std::time::Duration = std::time::Duration::from_millis(300);

/// The sessions table's indexes: a user's sessions, newest first (how
/// `GET /auth/sessions` finds them); a project's agent sessions, newest
/// first (the admin overview's).
const SESSION_INDEXES: &[IndexSpec] = &[
    IndexSpec {
        name: SESSIONS_BY_USER,
        partition_key: attr::USER_ID,
        sort_key: attr::CREATED_AT,
    },
    IndexSpec {
        name: AGENT_SESSIONS_BY_PROJECT,
        partition_key: attr::AGENT_LISTING,
        sort_key: attr::CREATED_AT,
    },
];

/// The attempts table's index: a project's attempts of one kind, newest
/// first (the admin overview's).
const ATTEMPT_INDEXES: &[IndexSpec] = &[IndexSpec {
    name: ATTEMPTS_BY_PROJECT,
    partition_key: attr::LISTING,
    sort_key: attr::CREATED_AT,
}];

impl TableNames {
    /// The five tables as they must be.
    pub fn specs(&self) -> [TableSpec<'_>; 5] {
        let table = |name, ttl, indexes| TableSpec { name, ttl, indexes };
        [
            table(&self.projects, false, &[]),
            table(&self.users, false, &[]),
            table(&self.sessions, true, SESSION_INDEXES),
            table(&self.attempts, true, ATTEMPT_INDEXES),
            table(&self.identities, false, &[]),
        ]
    }
}

/// What [`DynamoStore::create_tables`] did to a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provisioned {
    Created,
    /// The table was there and as it must be.
    Exists,
    /// The table was there without the index `added`, which DynamoDB is
    /// now building (queries need it to be active). DynamoDB builds one new
    /// index of a table at a time: `pending` ones need another run once it
    /// is active.
    IndexAdded {
        added: &'static str,
        pending: Vec<&'static str>,
    },
    /// The table lacks these indexes, but another of its indexes is still
    /// being built: run again once it is active.
    IndexesWaiting(Vec<&'static str>),
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
    /// Creates the five tables (on demand, keyed by `id`) with their
    /// indexes, and enables TTL where items die. A table that already exists
    /// is left as it is, except that indexes it lacks are added (tables
    /// created before the indexes existed). Returns what it did to each table.
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
        for index in spec.indexes {
            for a in index.attributes()? {
                if !attributes.contains(&a) {
                    attributes.push(a);
                }
            }
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
        let mut missing = Vec::new();
        for index in spec.indexes {
            if !self.has_index(spec.name, index.name).await? {
                missing.push(index);
            }
        }
        let Some((first, rest)) = missing.split_first() else {
            return Ok(Provisioned::Exists);
        };
        let pending = rest.iter().map(|i| i.name).collect();
        let sent = self
            .client
            .update_table()
            .table_name(spec.name)
            .set_attribute_definitions(Some(first.attributes()?.to_vec()))
            .global_secondary_index_updates(first.add()?)
            .send()
            .await;
        match sent {
            Ok(_) => Ok(Provisioned::IndexAdded {
                added: first.name,
                pending,
            }),
            // Another index of this table is still being built.
            Err(e)
                if e.as_service_error().and_then(|s| s.code())
                    == Some("LimitExceededException") =>
            {
                Ok(Provisioned::IndexesWaiting(
                    missing.iter().map(|i| i.name).collect(),
                ))
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    /// Whether the table has the index `name` (built or being built).
    async fn has_index(&self, table: &str, name: &str) -> StoreResult<bool> {
        let described = self
            .client
            .describe_table()
            .table_name(table)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(described
            .table()
            .map(|t| t.global_secondary_indexes())
            .unwrap_or_default()
            .iter()
            .any(|i| i.index_name() == Some(name)))
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
