//! `POST /auth/cli/complete`: the signed-in browser checks a login attempt,
//! claims the CLI's anonymous session, or completes the attempt with its own
//! refresh token (api.md §3), or denies it (§8).

use super::prelude::*;
use serde_json::json;

use crate::api::body::{request_body, wire_enum};
use crate::api::shapes::asked_by;
use crate::domain::login_attempt::{self, CompleteMode, Completed};

pub struct CliComplete;

wire_enum! {
    /// The `mode` of a complete request (absent: `complete`).
    pub enum Mode {
        Check = "check",
        ClaimAnonSession = "claim-anon-session",
        Complete = "complete",
        Deny = "deny",
    }
}

request_body! {
    pub struct CompleteBody {
        pub login_code: String,
        pub mode: Option<Mode>,
        pub refresh_token: Option<String>,
    }
}

impl Handler for CliComplete {
    const ROUTE: Route = Route::post("/auth/cli/complete", "cli-complete", ANY_ACCESS);
    type Body = CompleteBody;

    async fn handle(ctx: &Context<'_>, body: CompleteBody) -> HandlerResult {
        let mode = match body.mode.unwrap_or(Mode::Complete) {
            Mode::Check => CompleteMode::Check,
            Mode::ClaimAnonSession => CompleteMode::ClaimAnonSession,
            Mode::Complete => CompleteMode::Complete {
                refresh_token: body.refresh_token,
            },
            Mode::Deny => CompleteMode::Deny,
        };
        let done = login_attempt::complete(
            ctx.store,
            ctx.minter,
            ctx.project_id(),
            &body.login_code,
            mode,
            ctx.now,
        )
        .await?;
        let body = match done {
            Completed::SessionState {
                anonymous,
                asked_by,
            } => {
                let mut answer = json!({
                    "cli_session_state": if anonymous { "anonymous" } else { "none" }
                });
                if let Some(asked_by) = asked_by {
                    answer["client"] = asked_by::client_json(&asked_by);
                }
                answer
            }
            Completed::Claimed {
                access_token,
                refresh_token,
            } => json!({ "access_token": access_token, "refresh_token": refresh_token }),
            Completed::Success => json!({ "success": true }),
        };
        Ok(response::json(StatusCode::OK, &body))
    }
}
