//! Creating the tables (the dev server, `cli-auth-admin create-tables`, the
//! tests); in AWS the template creates them.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    TimeToLiveSpecification,
};

use super::DynamoStore;
use super::items::{attr, unavailable};
use crate::domain::store::StoreResult;

impl DynamoStore {
    /// Creates the four tables (on demand, keyed by `id`) and enables TTL
    /// where items die. Tables that already exist are left as they are.
    /// Returns the names of the tables it created.
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
                        .attribute_name(attr::ID)
                        .attribute_type(ScalarAttributeType::S)
                        .build()
                        .map_err(unavailable)?,
                )
                .key_schema(
                    KeySchemaElement::builder()
                        .attribute_name(attr::ID)
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
                            .attribute_name(attr::TTL)
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
}
