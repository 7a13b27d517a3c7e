//! The domain: what projects, users, sessions, access tokens and CLI login
//! attempts are, and what each endpoint decides. No HTTP and no AWS types;
//! time comes in as a parameter; persistence goes through the port in
//! [`store`]. Each use case returns its own error enum, which the HTTP side
//! (`crate::api::errors`) maps to Stack Auth's answers.

pub mod access;
pub mod accounts;
pub mod agent_auth;
pub mod hosted_page;
pub mod login_attempt;
pub mod overview;
pub mod project;
pub mod session;
pub mod store;
pub mod tokens;
pub mod user;
