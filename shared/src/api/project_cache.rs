//! Projects by id, cached briefly so that a warm function needs no project
//! read. Unknown ids are cached for a shorter time. The cache is bounded.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::errors::ApiError;
use super::headers::is_plausible_project_id;
use crate::domain::project::Project;
use crate::domain::store::Store;

pub struct ProjectCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, CachedProject>>,
}

/// When a project was read, and what was found.
type CachedProject = (Instant, Option<Arc<Project>>);

const NEGATIVE_TTL: Duration = Duration::from_secs(5);
const MAX_CACHED_PROJECTS: usize = 10_000;

impl ProjectCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The project `id`, from the cache or the store. Ids that cannot name a
    /// project are not looked up.
    pub async fn get(&self, store: &dyn Store, id: &str) -> Result<Option<Arc<Project>>, ApiError> {
        if !is_plausible_project_id(id) {
            return Ok(None);
        }
        {
            let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((at, project)) = entries.get(id) {
                let ttl = if project.is_some() {
                    self.ttl
                } else {
                    NEGATIVE_TTL.min(self.ttl)
                };
                if at.elapsed() < ttl {
                    return Ok(project.clone());
                }
            }
        }
        let project = store.get_project(id).await?.map(Arc::new);
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_CACHED_PROJECTS {
            entries.clear();
        }
        entries.insert(id.to_owned(), (Instant::now(), project.clone()));
        Ok(project)
    }
}
