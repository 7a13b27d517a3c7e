//! The dev server's tests, one executable: end to end over HTTP against the
//! started binary, and its OpenAPI document against its routes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod e2e;
mod openapi;
