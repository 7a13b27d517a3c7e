//! Projects on the in-memory store.

use async_trait::async_trait;

use super::MemoryStore;
use crate::domain::access::AccessType;
use crate::domain::hosted_page::proximity::ProximityPolicy;
use crate::domain::project::Project;
use crate::domain::store::{ProjectStore, StoreError, StoreResult};
use crate::secret::SecretHash;

#[async_trait]
impl ProjectStore for MemoryStore {
    async fn get_project(&self, id: &str) -> StoreResult<Option<Project>> {
        Ok(self.tables().projects.get(id).cloned())
    }

    async fn create_project(&self, project: &Project) -> StoreResult<()> {
        let mut t = self.tables();
        if t.projects.contains_key(&project.id) {
            return Err(StoreError::AlreadyExists);
        }
        t.projects.insert(project.id.clone(), project.clone());
        Ok(())
    }

    async fn save_project(&self, project: &Project) -> StoreResult<()> {
        self.tables()
            .projects
            .insert(project.id.clone(), project.clone());
        Ok(())
    }

    async fn set_project_key(
        &self,
        project_id: &str,
        kind: AccessType,
        hash: &SecretHash,
    ) -> StoreResult<bool> {
        let mut t = self.tables();
        let Some(project) = t.projects.get_mut(project_id) else {
            return Ok(false);
        };
        project.set_key_hash(kind, hash.clone());
        Ok(true)
    }

    async fn set_project_app_url(&self, project_id: &str, url: Option<&str>) -> StoreResult<bool> {
        let mut t = self.tables();
        let Some(project) = t.projects.get_mut(project_id) else {
            return Ok(false);
        };
        project.app_url = url.map(str::to_owned);
        Ok(true)
    }

    async fn set_project_proximity(
        &self,
        project_id: &str,
        policy: ProximityPolicy,
    ) -> StoreResult<bool> {
        let mut t = self.tables();
        let Some(project) = t.projects.get_mut(project_id) else {
            return Ok(false);
        };
        project.proximity = policy;
        Ok(true)
    }

    async fn set_project_agent_auth(&self, project_id: &str, enabled: bool) -> StoreResult<bool> {
        let mut t = self.tables();
        let Some(project) = t.projects.get_mut(project_id) else {
            return Ok(false);
        };
        project.agent_auth_enabled = enabled;
        Ok(true)
    }

    async fn list_projects(&self) -> StoreResult<Vec<Project>> {
        let mut all: Vec<Project> = self.tables().projects.values().cloned().collect();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(all)
    }
}
