//! Pure domain logic: no AWS types, time passed in.

pub mod accounts;
pub mod cli;
pub mod flow;
pub mod project;
pub mod session;
pub mod tokens;
pub mod user;
