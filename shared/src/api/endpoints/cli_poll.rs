//! `POST /auth/cli/poll`: the CLI asks for its refresh token; exactly one
//! poll receives it (contract §3).

use super::prelude::*;
use serde::Serialize;

use crate::api::body::request_body;
use crate::domain::login_attempt::{self, PollAnswer};

pub struct CliPoll;

request_body! {
    pub struct PollBody {
        pub polling_code: String,
    }
}

#[derive(Serialize)]
struct PollResponse {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
}

impl Handler for CliPoll {
    const ROUTE: Route = Route::post("/auth/cli/poll", "cli-poll", ANY_ACCESS);
    type Body = PollBody;

    async fn handle(ctx: &Context<'_>, body: PollBody) -> HandlerResult {
        let answer =
            login_attempt::poll(ctx.store, ctx.project_id(), &body.polling_code, ctx.now).await?;
        let (status, body) = match answer {
            PollAnswer::Success { refresh_token } => (
                StatusCode::CREATED,
                PollResponse {
                    status: "success",
                    refresh_token: Some(refresh_token),
                },
            ),
            other => {
                let status = match other {
                    PollAnswer::Expired => "expired",
                    PollAnswer::Used => "used",
                    PollAnswer::Refused(refusal) => refusal.as_str(),
                    _ => "waiting",
                };
                (
                    StatusCode::OK,
                    PollResponse {
                        status,
                        refresh_token: None,
                    },
                )
            }
        };
        Ok(response::json(status, &body))
    }
}
