//! `POST /agent/register/poll`: the agent asks whether a person approved
//! it (api.md §9); exactly one poll receives its session (201).

use super::prelude::*;
use serde_json::json;

use super::agent_register::Session;
use crate::api::body::request_body;
use crate::api::shapes::agent;
use crate::domain::agent_auth::{self, AgentPollAnswer};

pub struct AgentRegisterPoll;

request_body! {
    pub struct PollBody {
        pub poll_token: String,
    }
}

impl Handler for AgentRegisterPoll {
    const ROUTE: Route = Route::post("/agent/register/poll", "agent-register-poll", ANY_ACCESS);
    type Body = PollBody;

    async fn handle(ctx: &Context<'_>, body: PollBody) -> HandlerResult {
        let project = agent::enabled_project(ctx)?;
        let answer = agent_auth::poll(
            ctx.store,
            ctx.minter,
            &project.id,
            &body.poll_token,
            ctx.now,
        )
        .await?;
        let status = match answer {
            AgentPollAnswer::Success(tokens) => {
                let session = Session {
                    user_id: tokens.user_id,
                    access_token: tokens.access_token,
                    refresh_token: tokens.refresh_token,
                };
                return Ok(response::json(
                    StatusCode::CREATED,
                    &json!({ "status": "success", "session": session }),
                ));
            }
            AgentPollAnswer::Waiting => "waiting",
            AgentPollAnswer::Denied => "denied",
            AgentPollAnswer::Expired => "expired",
            AgentPollAnswer::Used => "used",
        };
        Ok(response::json(StatusCode::OK, &json!({ "status": status })))
    }
}
