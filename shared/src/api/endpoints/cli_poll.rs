//! `POST /auth/cli/poll`: the CLI asks for its refresh token; exactly one
//! poll receives it (contract §3).

use http::{Method, StatusCode};
use serde::Serialize;

use crate::api::body::request_body;
use crate::api::context::Context;
use crate::api::endpoint::{Endpoint, Handler, HandlerResult};
use crate::api::response;
use crate::domain::access::AccessType;
use crate::domain::login_attempt::{self, PollAnswer};

pub struct CliPoll;

pub static ENDPOINT: Endpoint = Endpoint::of::<CliPoll>();

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
    const FUNCTION: &'static str = "cli-poll";
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "/auth/cli/poll";
    const ACCESS: &'static [AccessType] = &AccessType::ALL;
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
