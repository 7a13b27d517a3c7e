//! Core of the CLI login service.
//!
//! Layers, from the inside out (each imports only those before it):
//! - [`domain`]: what projects, users, sessions, access tokens and CLI login
//!   attempts are and what each endpoint decides, with its own errors and
//!   the store port ([`domain::store::Store`]). No HTTP, no AWS types; time
//!   comes in through [`clock::Clock`].
//! - [`store`]: the port's two adapters, DynamoDB and in-memory, with the
//!   same conditional semantics.
//! - [`api`]: the Stack Auth REST dialect: the endpoint table, routing,
//!   header validation, bodies, error answers; plain `http::Request` →
//!   `http::Response`.
//! - [`lambda`]: the entry point every function binary calls.
//!
//! `docs/architecture.md` walks a request through them.

pub mod api;
pub mod aws;
pub mod config;
pub mod lambda;
pub mod logging;
pub mod pages;
pub mod server_secret;
pub mod store;

pub use api::{ApiError, App};

// The domain is its own crate (`shared/domain`), with neither HTTP nor the
// AWS SDK in its manifest; its modules keep their paths here.
pub use cli_auth_domain::{clock, domain, jwe, secret};
