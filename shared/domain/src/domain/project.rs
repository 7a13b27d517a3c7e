//! Projects and their API keys.

use crate::clock::Millis;
use crate::domain::access::AccessType;
use crate::domain::hosted_page::proximity::ProximityPolicy;
use crate::secret::{SecretHash, random_token};

/// A project: the tenant every request names in `x-stack-project-id`.
/// Keys are kept only as hashes; a key is shown once, when created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub id: String,
    pub display_name: String,
    pub requires_publishable_client_key: bool,
    pub publishable_client_key_hash: Option<SecretHash>,
    pub secret_server_key_hash: Option<SecretHash>,
    pub super_secret_admin_key_hash: Option<SecretHash>,
    pub created_at_millis: Millis,
    /// The app whose confirm page (`<app_url>/handler/cli-auth-confirm`)
    /// the RFC 8628 grant sends people to (`verification_uri`); set with
    /// `cli-auth-admin set-app-url`.
    pub app_url: Option<String>,
    /// What the hosted confirm page does when the approving browser is not
    /// in the CLI's network (api.md §10): warn (the default) or block; set
    /// with `cli-auth-admin set-proximity`.
    pub proximity: ProximityPolicy,
    /// Whether agents may register (api.md §9): off by default, as
    /// Hexclave's Agent Auth app must be installed; set with
    /// `cli-auth-admin set-agent-auth` (the dev server's project has it on).
    pub agent_auth_enabled: bool,
}

impl Project {
    /// A project with no keys yet.
    pub fn new(
        id: &str,
        display_name: &str,
        requires_publishable_client_key: bool,
        now: Millis,
    ) -> Self {
        Self {
            id: id.to_owned(),
            display_name: display_name.to_owned(),
            requires_publishable_client_key,
            publishable_client_key_hash: None,
            secret_server_key_hash: None,
            super_secret_admin_key_hash: None,
            created_at_millis: now,
            app_url: None,
            proximity: ProximityPolicy::Warn,
            agent_auth_enabled: false,
        }
    }

    /// A new project with a fresh id and one fresh key of each kind; the
    /// keys' text is returned to be shown once.
    pub fn create(
        display_name: &str,
        requires_publishable_client_key: bool,
        now: Millis,
    ) -> (Self, [NewKey; 3]) {
        let mut project = Self::new(
            &crate::secret::random_id(),
            display_name,
            requires_publishable_client_key,
            now,
        );
        let keys = AccessType::ALL.map(NewKey::generate);
        for (kind, key) in AccessType::ALL.into_iter().zip(&keys) {
            project.set_key_hash(kind, key.hash.clone());
        }
        (project, keys)
    }

    pub fn key_hash(&self, kind: AccessType) -> Option<&SecretHash> {
        match kind {
            AccessType::Client => self.publishable_client_key_hash.as_ref(),
            AccessType::Server => self.secret_server_key_hash.as_ref(),
            AccessType::Admin => self.super_secret_admin_key_hash.as_ref(),
        }
    }

    pub fn set_key_hash(&mut self, kind: AccessType, hash: SecretHash) {
        let slot = match kind {
            AccessType::Client => &mut self.publishable_client_key_hash,
            AccessType::Server => &mut self.secret_server_key_hash,
            AccessType::Admin => &mut self.super_secret_admin_key_hash,
        };
        *slot = Some(hash);
    }
}

/// A freshly made API key: its text (to show once) and the hash to store.
pub struct NewKey {
    pub text: String,
    pub hash: SecretHash,
}

impl NewKey {
    /// A new random key with Stack Auth's prefix for its kind.
    pub fn generate(kind: AccessType) -> Self {
        let text = format!("{}{}", kind.key_prefix(), random_token(32));
        Self::from_text(text)
    }

    /// A key whose text is given (the dev server's `CLI_AUTH_DEV_*` variables).
    pub fn from_text(text: String) -> Self {
        let hash = SecretHash::of(&text);
        Self { text, hash }
    }
}

#[cfg(test)]
#[path = "tests/project.rs"]
mod tests;
