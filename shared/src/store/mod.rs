//! The adapters of the store port ([`crate::domain::store::Store`]): DynamoDB
//! in AWS, memory for the dev server and the tests. One conformance suite
//! (`tests/tests/store_conformance.rs`) holds both to the same semantics.

pub mod dynamodb;
pub mod memory;
