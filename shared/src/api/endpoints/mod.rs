//! Every endpoint, one module each, named after its Lambda function
//! (`cli-poll` is `cli_poll.rs`, `functions/cli-poll`, `events/cli-poll/`).
//! [`ALL`] is the one table of them.

pub mod anonymous_sign_up;
pub mod cli_complete;
pub mod cli_initiate;
pub mod cli_poll;
pub mod jwks;
pub mod sessions_create;
pub mod sessions_refresh;
pub mod sessions_revoke;
pub mod user_json;
pub mod users_create;
pub mod users_get;
pub mod users_me;
pub mod users_update;

use super::endpoint::Endpoint;

/// Every endpoint. Where two paths could match one request, the more
/// specific comes first (`/users/me` before `/users/{user_id}`).
pub static ALL: [&Endpoint; 12] = [
    &cli_initiate::ENDPOINT,
    &cli_poll::ENDPOINT,
    &cli_complete::ENDPOINT,
    &users_create::ENDPOINT,
    &users_me::ENDPOINT,
    &users_get::ENDPOINT,
    &users_update::ENDPOINT,
    &anonymous_sign_up::ENDPOINT,
    &sessions_create::ENDPOINT,
    &sessions_refresh::ENDPOINT,
    &sessions_revoke::ENDPOINT,
    &jwks::ENDPOINT,
];

/// The endpoint a Lambda function serves, by its function name.
pub fn by_function(name: &str) -> Option<&'static Endpoint> {
    ALL.iter().copied().find(|e| e.function == name)
}
