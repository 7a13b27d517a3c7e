//! The two stores a test runs on: memory, and fresh tables in the DynamoDB
//! Local that `scripts/test.sh` started.

use std::sync::Arc;

use aws_smithy_runtime_api::client::interceptors::SharedInterceptor;
use cli_auth_core::domain::store::Store;
use cli_auth_core::secret::random_id;
use cli_auth_core::store::dynamodb::{DynamoStore, RequestCounter, TableNames, client};
use cli_auth_core::store::memory::MemoryStore;

/// The endpoint of the DynamoDB Local that `scripts/test.sh` started.
pub fn dynamodb_endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap_or_else(|_| {
        panic!(
            "AWS_ENDPOINT_URL_DYNAMODB is not set: the DynamoDB tests need DynamoDB Local. \
             Run them with scripts/test.sh, which starts it."
        )
    })
}

/// A fresh set of tables in DynamoDB Local, unique to this call.
pub fn unique_tables() -> TableNames {
    TableNames::with_prefix(&format!("t{}-", &random_id()[..8]))
}

/// A DynamoDB store on fresh tables, optionally counting round trips, its
/// requests recorded for the IAM test ([`crate::iam`]).
pub async fn dynamo_store(counter: Option<RequestCounter>) -> DynamoStore {
    dynamodb_endpoint();
    let mut interceptors = vec![crate::iam::interceptor()];
    if let Some(c) = &counter {
        interceptors.push(SharedInterceptor::new(c.clone()));
    }
    let client = client::from_env(interceptors).await;
    let store = DynamoStore::new(client, unique_tables());
    store
        .create_tables()
        .await
        .expect("create tables in DynamoDB Local");
    if let Some(c) = counter {
        c.reset();
    }
    store
}

/// Which store a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    Memory,
    Dynamo,
}

pub async fn store(kind: StoreKind) -> Arc<dyn Store> {
    match kind {
        StoreKind::Memory => Arc::new(MemoryStore::new()),
        StoreKind::Dynamo => Arc::new(dynamo_store(None).await),
    }
}
