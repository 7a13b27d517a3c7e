//! Users, as far as the CLI flow needs them.

use serde_json::Value;

use crate::clock::Millis;

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: String,
    pub project_id: String,
    pub display_name: Option<String>,
    pub primary_email: Option<String>,
    pub is_anonymous: bool,
    pub signed_up_at_millis: Millis,
    pub client_metadata: Value,
    pub server_metadata: Value,
}
