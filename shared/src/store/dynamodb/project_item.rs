//! A project as an item of the projects table, and back.

use serde::{Deserialize, Serialize};

use super::items::{Item, from_item};
use crate::domain::hosted_page::proximity::ProximityPolicy;
use crate::domain::project::Project;
use crate::domain::store::StoreResult;
use crate::secret::SecretHash;

#[derive(Serialize, Deserialize)]
pub(super) struct ProjectItem {
    pub id: String,
    display_name: String,
    requires_publishable_client_key: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    publishable_client_key_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    secret_server_key_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    super_secret_admin_key_hash: Option<String>,
    created_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    app_url: Option<String>,
    /// `block`, or absent for the default (`warn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    proximity: Option<String>,
    /// `enabled`, or absent for the default (off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    agent_auth: Option<String>,
}

/// The value of `agent_auth` on a project that has it on.
pub(super) const AGENT_AUTH_ENABLED: &str = "enabled";

// The write conversions destructure without `..`: a field added to a record
// fails to compile here until it is stored (attempts: `attempt_item.rs`).
impl From<&Project> for ProjectItem {
    fn from(p: &Project) -> Self {
        let Project {
            id,
            display_name,
            requires_publishable_client_key,
            publishable_client_key_hash,
            secret_server_key_hash,
            super_secret_admin_key_hash,
            created_at_millis,
            app_url,
            proximity,
            agent_auth_enabled,
        } = p;
        let text = |h: &Option<SecretHash>| h.as_ref().map(|h| h.as_str().to_owned());
        Self {
            id: id.clone(),
            display_name: display_name.clone(),
            requires_publishable_client_key: *requires_publishable_client_key,
            publishable_client_key_hash: text(publishable_client_key_hash),
            secret_server_key_hash: text(secret_server_key_hash),
            super_secret_admin_key_hash: text(super_secret_admin_key_hash),
            created_at: *created_at_millis,
            app_url: app_url.clone(),
            proximity: (*proximity != ProximityPolicy::Warn).then(|| proximity.as_str().to_owned()),
            agent_auth: agent_auth_enabled.then(|| AGENT_AUTH_ENABLED.to_owned()),
        }
    }
}

impl From<ProjectItem> for Project {
    fn from(i: ProjectItem) -> Self {
        Self {
            id: i.id,
            display_name: i.display_name,
            requires_publishable_client_key: i.requires_publishable_client_key,
            publishable_client_key_hash: i.publishable_client_key_hash.map(SecretHash::from_stored),
            secret_server_key_hash: i.secret_server_key_hash.map(SecretHash::from_stored),
            super_secret_admin_key_hash: i.super_secret_admin_key_hash.map(SecretHash::from_stored),
            created_at_millis: i.created_at,
            app_url: i.app_url,
            // An unknown name reads as the default: a policy added later
            // must not make older functions fail on the project.
            proximity: i
                .proximity
                .as_deref()
                .and_then(ProximityPolicy::parse)
                .unwrap_or_default(),
            agent_auth_enabled: i.agent_auth.as_deref() == Some(AGENT_AUTH_ENABLED),
        }
    }
}

pub(super) fn project_from(item: Option<Item>) -> StoreResult<Option<Project>> {
    item.map(|i| from_item::<ProjectItem>(i).map(Project::from))
        .transpose()
}
