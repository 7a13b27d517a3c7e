//! Reads: by key, one `GetItem` for one record, one `BatchGetItem` for
//! several (an attempt, a session and a user at once; the admin overview's
//! sessions and users, 100 keys a batch), strongly consistent; and
//! `newest`, one `Query` of a sparse index, newest first.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};

use async_trait::async_trait;

use super::DynamoStore;
use super::account_items::{session_from, user_from};
use super::attempt_item::attempt_from;
use super::items::{Item, attr, s, unavailable};
use crate::domain::store::{Found, FoundMany, Lookup, Store, StoreError, StoreResult};

/// How often a batch read retries keys DynamoDB left unprocessed.
const BATCH_RETRIES: u32 = 4;
/// The most keys one `BatchGetItem` may ask for.
const BATCH_KEYS: usize = 100;

#[async_trait]
impl Store for DynamoStore {
    async fn lookup(&self, what: Lookup<'_>) -> StoreResult<Found> {
        let wanted: Vec<(&str, &str)> = [
            (self.tables.attempts.as_str(), what.attempt_id),
            (self.tables.sessions.as_str(), what.session_id),
            (self.tables.users.as_str(), what.user_id),
        ]
        .into_iter()
        .filter_map(|(table, id)| id.map(|id| (table, id)))
        .collect();

        let mut items = match wanted.as_slice() {
            [] => HashMap::new(),
            [(table, id)] => self.get_one(table, id).await?,
            many => self.get_many(many).await?,
        };
        let mut take = |table: &str| items.remove(table).and_then(|mut v| v.pop());
        Ok(Found {
            attempt: attempt_from(take(&self.tables.attempts))?,
            session: session_from(take(&self.tables.sessions))?,
            user: user_from(take(&self.tables.users))?,
        })
    }

    async fn lookup_many(&self, session_ids: &[&str], user_ids: &[&str]) -> StoreResult<FoundMany> {
        // A batch may not name one key twice.
        let sessions: BTreeSet<&str> = session_ids.iter().copied().collect();
        let users: BTreeSet<&str> = user_ids.iter().copied().collect();
        let wanted: Vec<(&str, &str)> = sessions
            .into_iter()
            .map(|id| (self.tables.sessions.as_str(), id))
            .chain(users.into_iter().map(|id| (self.tables.users.as_str(), id)))
            .collect();
        let mut items = HashMap::new();
        for chunk in wanted.chunks(BATCH_KEYS) {
            for (table, found) in self.get_many(chunk).await? {
                items.entry(table).or_insert_with(Vec::new).extend(found);
            }
        }
        let mut take = |table: &str| items.remove(table).unwrap_or_default();
        Ok(FoundMany {
            sessions: take(&self.tables.sessions)
                .into_iter()
                .filter_map(|item| session_from(Some(item)).transpose())
                .collect::<StoreResult<_>>()?,
            users: take(&self.tables.users)
                .into_iter()
                .filter_map(|item| user_from(Some(item)).transpose())
                .collect::<StoreResult<_>>()?,
        })
    }
}

impl DynamoStore {
    async fn get_one(&self, table: &str, id: &str) -> StoreResult<HashMap<String, Vec<Item>>> {
        let out = self
            .client
            .get_item()
            .table_name(table)
            .key(attr::ID, s(id))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out
            .item
            .map(|item| HashMap::from([(table.to_owned(), vec![item])]))
            .unwrap_or_default())
    }

    /// At most [`BATCH_KEYS`] records, each named once.
    pub(super) async fn get_many(
        &self,
        wanted: &[(&str, &str)],
    ) -> StoreResult<HashMap<String, Vec<Item>>> {
        let mut items: HashMap<String, Vec<Item>> = HashMap::new();
        let mut by_table: HashMap<&str, Vec<HashMap<String, AttributeValue>>> = HashMap::new();
        for (table, id) in wanted {
            by_table
                .entry(table)
                .or_default()
                .push(HashMap::from([(attr::ID.to_owned(), s(id))]));
        }
        let mut request: HashMap<String, KeysAndAttributes> = HashMap::new();
        for (table, keys) in by_table {
            let keys = KeysAndAttributes::builder()
                .set_keys(Some(keys))
                .consistent_read(true)
                .build()
                .map_err(unavailable)?;
            request.insert(table.to_owned(), keys);
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
        Ok(items)
    }

    /// The newest `limit` items of a sparse index whose sort key is
    /// `created_at`, under one key: one `Query` (more only past 1 MB).
    pub(super) async fn newest(
        &self,
        table: &str,
        index: &str,
        key: (&str, &str),
        limit: usize,
    ) -> StoreResult<Vec<Item>> {
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        while items.len() < limit {
            let out = self
                .client
                .query()
                .table_name(table)
                .index_name(index)
                .key_condition_expression(format!("{} = :k", key.0))
                .expression_attribute_values(":k", s(key.1))
                .scan_index_forward(false)
                .limit(i32::try_from(limit - items.len()).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(unavailable)?;
            items.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        items.truncate(limit);
        Ok(items)
    }
}
