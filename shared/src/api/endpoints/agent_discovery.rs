//! `GET /agent/discovery`: the machine-readable description of this
//! project's agent auth (api.md §9). An agent may read it knowing only the
//! project's id.

use super::prelude::*;

use crate::api::shapes::agent;

pub struct AgentDiscovery;

impl Handler for AgentDiscovery {
    const ROUTE: Route =
        Route::get("/agent/discovery", "agent-discovery", ANY_ACCESS).with_optional_access();
    type Body = NoBody;

    async fn handle(ctx: &Context<'_>, _: NoBody) -> HandlerResult {
        Ok(response::json(StatusCode::OK, &agent::discovery(ctx)))
    }
}
