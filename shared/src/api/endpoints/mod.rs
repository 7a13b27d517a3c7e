//! Every endpoint, one module each, named after its Lambda function
//! (`cli-poll` is `cli_poll.rs`, `functions/cli-poll`, `events/cli-poll/`).
//! [`ALL`] is the one table of them.

pub mod agent_auth_md;
pub mod agent_discovery;
pub mod agent_register;
pub mod agent_register_confirm;
pub mod agent_register_poll;
pub mod anonymous_sign_up;
pub mod cli_cancel;
pub mod cli_complete;
pub mod cli_initiate;
pub mod cli_poll;
pub mod cli_user_code;
pub mod internal_device_auth;
pub mod jwks;
pub mod oauth_device_authorization;
pub mod oauth_discovery;
pub mod oauth_token;
mod prelude;
pub mod sessions_create;
pub mod sessions_delete;
pub mod sessions_list;
pub mod sessions_refresh;
pub mod sessions_revoke;
pub mod users_create;
pub mod users_get;
pub mod users_me;
pub mod users_me_delete;
pub mod users_me_update;
pub mod users_update;

use super::endpoint::{Endpoint, Handler};

/// Every endpoint. Where two paths could match one request, the more
/// specific comes first (`/users/me` before `/users/{user_id}`, `/auth/sessions/current` before
/// `/auth/sessions/{id}`).
pub static ALL: [Endpoint; 27] = [
    Endpoint::of::<cli_initiate::CliInitiate>(),
    Endpoint::of::<cli_poll::CliPoll>(),
    Endpoint::of::<cli_complete::CliComplete>(),
    Endpoint::of::<cli_cancel::CliCancel>(),
    Endpoint::of::<cli_user_code::CliUserCode>(),
    Endpoint::of::<users_create::UsersCreate>(),
    Endpoint::of::<users_me::UsersMe>(),
    Endpoint::of::<users_me_update::UsersMeUpdate>(),
    Endpoint::of::<users_me_delete::UsersMeDelete>(),
    Endpoint::of::<users_get::UsersGet>(),
    Endpoint::of::<users_update::UsersUpdate>(),
    Endpoint::of::<anonymous_sign_up::AnonymousSignUp>(),
    Endpoint::of::<sessions_create::SessionsCreate>(),
    Endpoint::of::<sessions_refresh::SessionsRefresh>(),
    Endpoint::of::<sessions_revoke::SessionsRevoke>(),
    Endpoint::of::<sessions_list::SessionsList>(),
    Endpoint::of::<sessions_delete::SessionsDelete>(),
    Endpoint::of::<jwks::Jwks>(),
    Endpoint::of::<oauth_token::OAuthToken>(),
    Endpoint::of::<oauth_device_authorization::OAuthDeviceAuthorization>(),
    Endpoint::of::<oauth_discovery::OAuthDiscovery>(),
    Endpoint::of::<agent_register::AgentRegister>(),
    Endpoint::of::<agent_register_poll::AgentRegisterPoll>(),
    Endpoint::of::<agent_register_confirm::AgentRegisterConfirm>(),
    Endpoint::of::<agent_discovery::AgentDiscovery>(),
    Endpoint::of::<agent_auth_md::AgentAuthMd>(),
    Endpoint::of::<internal_device_auth::InternalDeviceAuth>(),
];

/// The endpoint a Lambda function serves, by its function name.
pub fn by_function(name: &str) -> Option<&'static Endpoint> {
    ALL.iter().find(|e| e.route.function == name)
}

/// The registered entry of a handler (`None` if it is not in [`ALL`]).
pub fn registered<H: Handler>() -> Option<&'static Endpoint> {
    by_function(H::ROUTE.function)
}
