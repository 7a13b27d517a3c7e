//! Core of the CLI login service.
//!
//! Layers, from the inside out:
//! - [`domain`]: what a project, user, session and CLI attempt are, and what each
//!   endpoint decides. No AWS types; time comes in through [`clock::Clock`].
//! - [`store`]: the port the domain talks to ([`store::Store`]) and its two
//!   adapters, DynamoDB and in-memory, with the same conditional semantics.
//! - [`http`]: the Stack Auth REST dialect — routing, header validation, body
//!   schemas, error bodies — as plain `http::Request` → `http::Response` functions
//!   shared by the Lambda mains, the dev server and the tests.

pub mod app;
pub mod clock;
pub mod config;
pub mod domain;
pub mod error;
pub mod http;
pub mod lambda;
pub mod secret;
pub mod store;

pub use app::App;
pub use error::ApiError;
