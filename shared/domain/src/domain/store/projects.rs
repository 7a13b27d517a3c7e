//! The projects' port.

use async_trait::async_trait;

use super::error::StoreResult;
use crate::domain::access::AccessType;
use crate::domain::hosted_page::proximity::ProximityPolicy;
use crate::domain::project::Project;
use crate::secret::SecretHash;

#[async_trait]
pub trait ProjectStore: Send + Sync {
    async fn get_project(&self, id: &str) -> StoreResult<Option<Project>>;
    /// Creates a project; [`StoreError::AlreadyExists`](super::StoreError::AlreadyExists) if the id is taken.
    async fn create_project(&self, project: &Project) -> StoreResult<()>;
    /// Writes a whole project, created or replaced (the dev server's own).
    async fn save_project(&self, project: &Project) -> StoreResult<()>;
    /// Replaces one key of an existing project, and nothing else: one
    /// conditional write, so rotations of different keys never undo each
    /// other. `false` when there is no such project.
    async fn set_project_key(
        &self,
        project_id: &str,
        kind: AccessType,
        hash: &SecretHash,
    ) -> StoreResult<bool>;
    /// Sets (or, with `None`, clears) the project's app URL: one
    /// conditional write. `false` when there is no such project.
    async fn set_project_app_url(&self, project_id: &str, url: Option<&str>) -> StoreResult<bool>;
    /// Sets the project's proximity policy: one conditional write. `false`
    /// when there is no such project.
    async fn set_project_proximity(
        &self,
        project_id: &str,
        policy: ProximityPolicy,
    ) -> StoreResult<bool>;
    /// Turns agent auth on or off for the project: one conditional write.
    /// `false` when there is no such project.
    async fn set_project_agent_auth(&self, project_id: &str, enabled: bool) -> StoreResult<bool>;
    async fn list_projects(&self) -> StoreResult<Vec<Project>>;
}
