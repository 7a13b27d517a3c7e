//! `POST /agent/register/confirm`: the signed-in person inspects, approves
//! or denies an agent by its claim code (api.md §9). The person is always
//! the approver; an anonymous user (the agent's own session, say) is
//! refused, so no agent approves itself.

use super::prelude::*;
use serde_json::json;

use crate::api::body::{request_body, schema_error, wire_enum};
use crate::api::shapes::agent;
use crate::domain::agent_auth::{self, Action};
use crate::domain::login_attempt::Looker;

pub struct AgentRegisterConfirm;

wire_enum! {
    /// What the person does.
    pub enum ConfirmAction {
        Inspect = "inspect",
        Approve = "approve",
        Deny = "deny",
    }
}

request_body! {
    pub struct ConfirmBody {
        pub claim_code: String,
        pub action: ConfirmAction,
    }
}

impl Handler for AgentRegisterConfirm {
    const ROUTE: Route = Route::post(
        "/agent/register/confirm",
        "agent-register-confirm",
        ANY_ACCESS,
    );
    type Body = ConfirmBody;

    async fn handle(ctx: &Context<'_>, body: ConfirmBody) -> HandlerResult {
        // Hexclave's schema requires the user: its answer, word for word.
        let Some(person) = ctx.caller.user.as_ref() else {
            return Err(schema_error(
                ctx.request.method,
                ctx.request.path,
                &["auth.user must be defined".to_owned()],
            ));
        };
        let project = agent::enabled_project(ctx)?;
        if person.is_anonymous {
            return Err(KnownError::AnonymousAuthenticationNotAllowed.into());
        }
        let action = match body.action {
            ConfirmAction::Inspect => Action::Inspect,
            ConfirmAction::Approve => Action::Approve,
            ConfirmAction::Deny => Action::Deny,
        };
        let who = Looker {
            project_id: &project.id,
            user_id: &person.sub,
            source_ip: ctx.request.source_ip,
        };
        let confirmed = agent_auth::confirm(
            ctx.store,
            ctx.user_code_limits,
            who,
            &body.claim_code,
            action,
            ctx.now,
        )
        .await?;
        Ok(response::json(
            StatusCode::OK,
            &json!({
                "agent": {
                    "name": confirmed.agent.name,
                    "description": confirmed.agent.description,
                    "url": confirmed.agent.url,
                },
                "user_hint": confirmed.agent.user_hint,
                "expires_at_millis": confirmed.expires_at_millis,
                "status": confirmed.outcome.as_str(),
            }),
        ))
    }
}
