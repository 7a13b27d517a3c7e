//! `POST /agent/register`: an AI agent describes itself and starts agent
//! auth (api.md §9). It gets an anonymous session to act with at once, a
//! claim code and the link to show a person, and a poll token.

use super::prelude::*;
use serde::Serialize;
use serde_json::Value;

use crate::api::body::values::{Bounded, Trimmed, WebUrl};
use crate::api::body::{BodyValue, describe, request_body};
use crate::api::shapes::agent;
use crate::domain::agent_auth::{self, AgentRequest, MAX_EXPIRES_IN_MILLIS, MIN_EXPIRES_IN_MILLIS};

pub struct AgentRegister;

request_body! {
    pub struct RegisterBody {
        pub agent: AgentObject,
        pub user_hint: Option<Trimmed<0, 256>>,
        pub app_url: Option<WebUrl<300>>,
        pub expires_in_millis: Option<Bounded<MIN_EXPIRES_IN_MILLIS, MAX_EXPIRES_IN_MILLIS>>,
    }
}

/// `agent`: `{"name", "description"?, "url"?}`; any other field is refused.
#[derive(Debug)]
pub struct AgentObject {
    name: String,
    description: Option<String>,
    url: Option<String>,
}

impl BodyValue for AgentObject {
    const JSON_TYPE: Option<&'static str> = Some("object");

    fn from_json(v: &Value) -> Result<Self, String> {
        let Value::Object(fields) = v else {
            return Err(format!("must be an object, but was {}", describe(v)));
        };
        if let Some(unknown) = fields
            .keys()
            .find(|k| !["name", "description", "url"].contains(&k.as_str()))
        {
            let unknown: String = unknown.chars().take(32).collect();
            return Err(format!(
                "contains an unknown field {unknown:?} (only name, description and url are allowed)"
            ));
        }
        let present = |name: &str| fields.get(name).filter(|v| !v.is_null());
        let name = match present("name") {
            None => return Err("name must be defined".to_owned()),
            Some(v) => {
                Trimmed::<1, 100>::from_json(v)
                    .map_err(|e| format!("name {e}"))?
                    .0
            }
        };
        let description = present("description")
            .map(|v| Trimmed::<0, 500>::from_json(v).map_err(|e| format!("description {e}")))
            .transpose()?
            .map(|d| d.0);
        let url = present("url")
            .map(|v| WebUrl::<300>::from_json(v).map_err(|e| format!("url {e}")))
            .transpose()?
            .map(|u| u.0);
        Ok(Self {
            name,
            description,
            url,
        })
    }
}

#[derive(Serialize)]
struct Registration {
    claim_code: String,
    confirm_url: String,
    poll_token: String,
    expires_at_millis: i64,
    anonymous_session: Session,
}

#[derive(Serialize)]
pub(super) struct Session {
    pub user_id: String,
    pub access_token: String,
    pub refresh_token: String,
}

impl Handler for AgentRegister {
    const ROUTE: Route = Route::post("/agent/register", "agent-register", ANY_ACCESS);
    type Body = RegisterBody;

    async fn handle(ctx: &Context<'_>, body: RegisterBody) -> HandlerResult {
        let project = agent::enabled_project(ctx)?;
        // Checked before anything is written: a bad app_url leaves nothing.
        let page = agent::confirm_page(ctx, project, body.app_url.as_ref().map(|u| u.0.as_str()))?;
        let request = AgentRequest {
            name: body.agent.name,
            description: body.agent.description,
            url: body.agent.url,
            user_hint: body.user_hint.map(|h| h.0),
        };
        let registered = agent_auth::register(
            ctx.store,
            ctx.minter,
            &project.id,
            request,
            body.expires_in_millis.map(|e| e.0),
            ctx.now,
        )
        .await?;
        // Claim codes are letters, digits and one `-`: URL-safe as they are.
        let confirm_url = format!("{page}?code={}", registered.claim_code);
        Ok(response::json(
            StatusCode::OK,
            &Registration {
                claim_code: registered.claim_code,
                confirm_url,
                poll_token: registered.poll_token,
                expires_at_millis: registered.expires_at_millis,
                anonymous_session: Session {
                    user_id: registered.anonymous.user_id,
                    access_token: registered.anonymous.access_token,
                    refresh_token: registered.anonymous.refresh_token,
                },
            },
        ))
    }
}
