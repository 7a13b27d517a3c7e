//! What several endpoints share on the wire, so that `endpoints/` holds one
//! module per endpoint and nothing else: who is asking ([`asked_by`]), a
//! user in and out ([`user_json`]), the OAuth client's credentials and
//! parameter rule ([`oauth_client`]), and agent auth's switch, confirm
//! page and discovery document ([`agent`]).

pub mod agent;
pub mod asked_by;
pub mod oauth_client;
pub mod user_json;
