//! Projects: plain puts, the one-key updates of a rotation, the admin scan.

use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;

use super::DynamoStore;
use super::items::{Item, attr, from_item, s, to_item, unavailable};
use super::project_item::{AGENT_AUTH_ENABLED, ProjectItem, project_from};
use crate::domain::access::AccessType;
use crate::domain::hosted_page::proximity::ProximityPolicy;
use crate::domain::project::Project;
use crate::domain::store::{ProjectStore, StoreResult};
use crate::secret::SecretHash;

#[async_trait]
impl ProjectStore for DynamoStore {
    async fn get_project(&self, id: &str) -> StoreResult<Option<Project>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.tables.projects)
            .key(attr::ID, s(id))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        project_from(out.item)
    }

    async fn create_project(&self, project: &Project) -> StoreResult<()> {
        let item = to_item(&ProjectItem::from(project))?;
        self.put(&self.tables.projects, item, true).await
    }

    async fn save_project(&self, project: &Project) -> StoreResult<()> {
        let item = to_item(&ProjectItem::from(project))?;
        self.put(&self.tables.projects, item, false).await
    }

    /// One `UpdateItem` that sets the one key hash, if the project exists.
    async fn set_project_key(
        &self,
        project_id: &str,
        kind: AccessType,
        hash: &SecretHash,
    ) -> StoreResult<bool> {
        let name = match kind {
            AccessType::Client => attr::PUBLISHABLE_CLIENT_KEY_HASH,
            AccessType::Server => attr::SECRET_SERVER_KEY_HASH,
            AccessType::Admin => attr::SUPER_SECRET_ADMIN_KEY_HASH,
        };
        let result = self
            .client
            .update_item()
            .table_name(&self.tables.projects)
            .key(attr::ID, s(project_id))
            .condition_expression(format!("attribute_exists({})", attr::ID))
            .update_expression(format!("SET {name} = :h"))
            .expression_attribute_values(":h", s(hash.as_str()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Ok(false)
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    /// Sets or removes the project's app URL, only if the project exists.
    async fn set_project_app_url(&self, project_id: &str, url: Option<&str>) -> StoreResult<bool> {
        self.set_attribute(project_id, attr::APP_URL, url).await
    }

    /// Sets the project's proximity policy, only if the project exists;
    /// `warn`, the default, is stored as no attribute.
    async fn set_project_proximity(
        &self,
        project_id: &str,
        policy: ProximityPolicy,
    ) -> StoreResult<bool> {
        let value = (policy != ProximityPolicy::Warn).then(|| policy.as_str());
        self.set_attribute(project_id, attr::PROXIMITY, value).await
    }

    async fn set_project_agent_auth(&self, project_id: &str, enabled: bool) -> StoreResult<bool> {
        let value = enabled.then_some(AGENT_AUTH_ENABLED);
        self.set_attribute(project_id, attr::AGENT_AUTH, value)
            .await
    }

    /// Every project, by id (admin only: a consistent scan, page by page).
    async fn list_projects(&self) -> StoreResult<Vec<Project>> {
        let mut projects = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .scan()
                .table_name(&self.tables.projects)
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(unavailable)?;
            for item in out.items.unwrap_or_default() {
                projects.push(Project::from(from_item::<ProjectItem>(item)?));
            }
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        projects.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(projects)
    }
}

impl DynamoStore {
    /// Sets (or, with `None`, removes) one attribute of the project `id`,
    /// only if it exists: one conditional UpdateItem; `false` when not.
    async fn set_attribute(&self, id: &str, name: &str, value: Option<&str>) -> StoreResult<bool> {
        let request = self
            .client
            .update_item()
            .table_name(&self.tables.projects)
            .key(attr::ID, s(id))
            .condition_expression(format!("attribute_exists({})", attr::ID));
        let request = match value {
            Some(value) => request
                .update_expression(format!("SET {name} = :v"))
                .expression_attribute_values(":v", s(value)),
            None => request.update_expression(format!("REMOVE {name}")),
        };
        match request.send().await {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Ok(false)
            }
            Err(e) => Err(unavailable(e)),
        }
    }
}
