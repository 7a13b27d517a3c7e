//! What agent auth's endpoints share (api.md §9): the project's switch,
//! the confirm page's URL, and the discovery document that `/agent/discovery`
//! returns and `/agent/auth.md` is written from, so the two never disagree.

use serde::Serialize;
use serde_json::{Value, json};

use crate::api::context::Context;
use crate::api::errors::{ApiError, KnownError};
use crate::api::headers::{self, stack_header};
use crate::domain::agent_auth::{
    AGENT_SESSION_MILLIS, CLAIM_CODE_FORMAT, DEFAULT_EXPIRES_IN_MILLIS,
};
use crate::domain::project::Project;

/// The caller's project, if agent auth is on for it; else
/// `AGENT_AUTH_NOT_ENABLED`.
pub fn enabled_project<'a>(ctx: &'a Context<'_>) -> Result<&'a Project, ApiError> {
    match ctx.caller.project.as_deref() {
        Some(project) if project.agent_auth_enabled => Ok(project),
        _ => Err(KnownError::AgentAuthNotEnabled.into()),
    }
}

/// The page where a person confirms an agent: `<app>/handler/agent-auth-confirm`,
/// on the app the agent named (`app_url`, which must be the project's app
/// or this service), else on the project's app, else on the page this
/// service hosts (api.md §10). `REDIRECT_URL_NOT_WHITELISTED` for an app
/// the project does not trust, before anything is written.
pub fn confirm_page(
    ctx: &Context<'_>,
    project: &Project,
    app_url: Option<&str>,
) -> Result<String, ApiError> {
    let own = ctx.minter.base_url.trim_end_matches('/');
    let trusted: Vec<String> = [project.app_url.as_deref(), Some(own)]
        .into_iter()
        .flatten()
        .filter_map(|u| url::Url::parse(u).ok())
        .map(|u| u.origin().ascii_serialization())
        .collect();
    let base = match app_url {
        Some(given) => {
            let origin = url::Url::parse(given)
                .map(|u| u.origin().ascii_serialization())
                .ok()
                .filter(|origin| trusted.contains(origin));
            origin.ok_or_else(|| KnownError::RedirectUrlNotWhitelisted(given.to_owned()))?
        }
        None => project
            .app_url
            .as_deref()
            .unwrap_or(own)
            .trim_end_matches('/')
            .to_owned(),
    };
    Ok(format!("{base}/handler/agent-auth-confirm"))
}

/// The discovery document (Hexclave's fields; RFC 8414's names where one
/// fits, the rest under `hexclave_agent_auth`).
#[derive(Debug, Serialize)]
pub struct Discovery {
    pub issuer: String,
    pub registration_endpoint: String,
    pub token_endpoint: String,
    pub revocation_endpoint: String,
    pub agent_auth_md: String,
    pub hexclave_agent_auth: Details,
}

#[derive(Debug, Serialize)]
pub struct Details {
    pub enabled: bool,
    pub project_id: String,
    pub project_display_name: String,
    /// The key the caller sent, echoed into the commands it is shown.
    pub publishable_client_key: Option<String>,
    pub publishable_client_key_required: bool,
    pub poll_endpoint: String,
    pub confirm_endpoint: String,
    pub sessions_endpoint: String,
    pub anonymous_session_header: Value,
    pub claim_code_format: &'static str,
    pub default_attempt_lifetime_millis: i64,
    pub agent_session_lifetime_millis: i64,
    /// The headers every call needs, as `name: value`, in order.
    pub required_headers: serde_json::Map<String, Value>,
}

/// What the discovery document says to a caller that needs a key it did
/// not send: ask the person.
pub const KEY_PLACEHOLDER: &str =
    "<publishable client key: ask the person who runs the app; it is in its cli-auth settings>";

/// The caller's project's discovery document, with this service's URLs.
pub fn discovery(ctx: &Context<'_>) -> Discovery {
    let api = ctx.minter.base_url.trim_end_matches('/');
    let project = ctx.caller.project.as_deref();
    let (id, name) = project.map_or(("", ""), |p| (p.id.as_str(), p.display_name.as_str()));
    let required = project.is_some_and(|p| p.requires_publishable_client_key);
    let key =
        stack_header(ctx.request.headers, &headers::PUBLISHABLE_CLIENT_KEY).map(|k| k.into_owned());
    let mut required_headers = serde_json::Map::new();
    required_headers.insert("x-hexclave-access-type".into(), json!("client"));
    required_headers.insert("x-hexclave-project-id".into(), json!(id));
    if key.is_some() || required {
        required_headers.insert(
            "x-hexclave-publishable-client-key".into(),
            json!(key.as_deref().unwrap_or(KEY_PLACEHOLDER)),
        );
    }
    Discovery {
        issuer: api.to_owned(),
        registration_endpoint: format!("{api}/api/v1/agent/register"),
        token_endpoint: format!("{api}/api/v1/auth/sessions/current/refresh"),
        revocation_endpoint: format!("{api}/api/v1/auth/sessions/current"),
        agent_auth_md: format!("{api}/api/v1/agent/auth.md"),
        hexclave_agent_auth: Details {
            enabled: project.is_some_and(|p| p.agent_auth_enabled),
            project_id: id.to_owned(),
            project_display_name: name.to_owned(),
            publishable_client_key: key,
            publishable_client_key_required: required,
            poll_endpoint: format!("{api}/api/v1/agent/register/poll"),
            confirm_endpoint: format!("{api}/api/v1/agent/register/confirm"),
            sessions_endpoint: format!("{api}/api/v1/auth/sessions"),
            anonymous_session_header: json!({ "x-hexclave-allow-anonymous-user": "true" }),
            claim_code_format: CLAIM_CODE_FORMAT,
            default_attempt_lifetime_millis: DEFAULT_EXPIRES_IN_MILLIS,
            agent_session_lifetime_millis: AGENT_SESSION_MILLIS,
            required_headers,
        },
    }
}
