//! The application: its dependencies, built once per process (per Lambda
//! container, per dev server) and shared by every request.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::Request;

use super::context::PublicOrigin;
use super::project_cache::ProjectCache;
use crate::clock::{Clock, Millis};
use crate::domain::login_attempt::UserCodeLimits;
use crate::domain::store::Store;
use crate::domain::tokens::TokenIssuer;

pub struct App {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    tokens: TokenIssuer,
    pub(super) projects: ProjectCache,
    public_base_url: Option<String>,
    pub(super) user_code_limits: UserCodeLimits,
}

impl App {
    /// `public_base_url`: the base URL clients use; when `None`, each
    /// request's [`PublicOrigin`] (or its `host`) stands in.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        tokens: TokenIssuer,
        project_cache_ttl: Duration,
        public_base_url: Option<String>,
    ) -> Self {
        Self {
            store,
            clock,
            tokens,
            projects: ProjectCache::new(project_cache_ttl),
            public_base_url,
            user_code_limits: UserCodeLimits::default(),
        }
    }

    /// The user-code look-up's brute-force bound (default: api.md §8's
    /// 10 failures per IP and per user per 10 minutes).
    pub fn with_user_code_limits(mut self, limits: UserCodeLimits) -> Self {
        self.user_code_limits = limits;
        self
    }

    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    pub fn tokens(&self) -> &TokenIssuer {
        &self.tokens
    }

    pub fn now(&self) -> Millis {
        self.clock.now_millis()
    }

    /// A project, through the per-process cache (at most the cache's TTL
    /// old).
    pub async fn project(
        &self,
        id: &str,
    ) -> Result<Option<Arc<crate::domain::project::Project>>, super::ApiError> {
        self.projects.get(self.store(), id).await
    }

    /// The user-code look-up's bound.
    pub fn user_code_limits(&self) -> &UserCodeLimits {
        &self.user_code_limits
    }

    /// The base URL clients see for this request (it goes into `iss`).
    pub fn base_url(&self, request: &Request<Bytes>) -> String {
        if let Some(url) = &self.public_base_url {
            return url.clone();
        }
        if let Some(origin) = request.extensions().get::<PublicOrigin>() {
            return origin.0.clone();
        }
        let host = request
            .headers()
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        format!("http://{host}")
    }
}
