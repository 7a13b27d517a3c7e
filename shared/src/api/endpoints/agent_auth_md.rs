//! `GET /agent/auth.md`: agent auth explained to an AI agent, in Markdown,
//! with this project's URLs and headers filled in (api.md §9). Written
//! from the discovery document, so the two never disagree.

use super::prelude::*;
use std::fmt::Write as _;

use crate::api::shapes::agent::{self, Discovery};

pub struct AgentAuthMd;

impl Handler for AgentAuthMd {
    const ROUTE: Route =
        Route::get("/agent/auth.md", "agent-auth-md", ANY_ACCESS).with_optional_access();
    type Body = NoBody;

    async fn handle(ctx: &Context<'_>, _: NoBody) -> HandlerResult {
        Ok(response::markdown(
            StatusCode::OK,
            render(&agent::discovery(ctx)),
        ))
    }
}

/// `-H 'name: value'` lines of a curl command, one per header.
fn header_lines(headers: &serde_json::Map<String, serde_json::Value>) -> String {
    headers
        .iter()
        .map(|(name, value)| format!("  -H '{name}: {}' \\\n", value.as_str().unwrap_or_default()))
        .collect()
}

/// The guide. Each step is a whole command an agent can run as it is.
fn render(d: &Discovery) -> String {
    let x = &d.hexclave_agent_auth;
    let headers = header_lines(&x.required_headers);
    let minutes = x.default_attempt_lifetime_millis / 60_000;
    let days = x.agent_session_lifetime_millis / (24 * 60 * 60 * 1000);
    let mut md = String::new();
    let _ = write!(
        md,
        "# Agent authentication for {name}\n\n\
This app signs people in with cli-auth, which lets an AI agent get its own\n\
session on a person's account: no password, no API key, no browser of your\n\
own. You register, a person approves you on a page they are signed in to,\n\
and you receive a session tagged with your name. It can do what that person\n\
can do, they see it in their list of sessions, and they can end it at any\n\
time. Keep its tokens secret: send them to this service's URLs only.\n\n",
        name = x.project_display_name
    );
    if !x.enabled {
        md.push_str(
            "> **Agent auth is not enabled for this project.** Registering answers\n\
> `AGENT_AUTH_NOT_ENABLED` until the project's owner turns it on\n\
> (`cli-auth-admin set-agent-auth`). Tell the person, and stop here.\n\n",
        );
    }
    let _ = write!(
        md,
        "The same, as JSON: `{discovery}`\n\n\
## 1. Register\n\n\
```sh\n\
curl -X POST '{register}' \\\n{headers}  -H 'content-type: application/json' \\\n\
  -d '{{\"agent\": {{\"name\": \"<your name>\", \"description\": \"<what you will do>\"}},\n\
       \"user_hint\": \"<optional: who should approve, e.g. their email>\"}}'\n\
```\n\n\
The answer has a `claim_code` (`{format}`), a `confirm_url`, a secret\n\
`poll_token` and an `anonymous_session`. You may call the API at once as that\n\
anonymous user, sending `x-hexclave-allow-anonymous-user: true` with its\n\
`access_token`; what you make as that user stays that user's.\n\n\
## 2. Ask a person to approve you\n\n\
Show the person the `confirm_url` (or the `claim_code`, which they can type\n\
on the page), say who you are and what you want to do. The code lasts\n\
{minutes} minutes.\n\n\
## 3. Poll until they decide\n\n\
```sh\n\
curl -X POST '{poll}' \\\n{headers}  -H 'content-type: application/json' \\\n\
  -d '{{\"poll_token\": \"<poll_token>\"}}'\n\
```\n\n\
Every 5 seconds or so. `status` is `waiting` (ask again), `success` (status\n\
201: `session` holds your `user_id`, `access_token` and `refresh_token`,\n\
**given once**: store them), `denied` (stop; do not register again unasked),\n\
`expired` (nobody approved in time) or `used` (you already have the session).\n\
Your anonymous session ends when you receive the real one.\n\n\
## 4. Act as the person\n\n\
```sh\n\
curl '{me}' \\\n{headers}  -H 'x-hexclave-access-token: <access_token>'\n\
```\n\n\
Access tokens last minutes. On a 401, get a new one:\n\n\
```sh\n\
curl -X POST '{refresh}' \\\n{headers}  -H 'x-hexclave-refresh-token: <refresh_token>'\n\
```\n\n\
The session lasts {days} days, unless the person ends it sooner.\n\n\
## 5. Sign out when you are done\n\n\
```sh\n\
curl -X DELETE '{revoke}' \\\n{headers}  -H 'x-hexclave-access-token: <access_token>'\n\
```\n",
        discovery = d.agent_auth_md.replace("auth.md", "discovery"),
        register = d.registration_endpoint,
        format = x.claim_code_format,
        poll = x.poll_endpoint,
        me = x.sessions_endpoint.replace("/auth/sessions", "/users/me"),
        refresh = d.token_endpoint,
        revoke = d.revocation_endpoint,
    );
    md
}
