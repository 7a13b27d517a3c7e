//! One function per endpoint: typed body in, domain call, JSON out.

use http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::body::{Field, FieldType, Schema};
use super::response::{self, HttpResponse};
use super::routes::Endpoint;
use crate::app::{App, Call};
use crate::clock::iso_millis;
use crate::domain::cli::{MAX_EXPIRES_IN_MILLIS, PollAnswer};
use crate::domain::flow::{self, CompleteMode, Completed};
use crate::error::ApiError;

/// The body schema of each endpoint (empty for endpoints without a body).
pub fn schema(endpoint: Endpoint) -> Schema {
    match endpoint {
        Endpoint::CliInitiate => INITIATE,
        Endpoint::CliPoll => POLL,
        Endpoint::CliComplete => COMPLETE,
    }
}

/// Runs the endpoint's handler on an authenticated, decoded request.
pub async fn dispatch(app: &App, call: &Call<'_>, body: Value) -> Result<HttpResponse, ApiError> {
    match call.endpoint {
        Endpoint::CliInitiate => cli_initiate(app, call, call.body(body)?).await,
        Endpoint::CliPoll => cli_poll(app, call, call.body(body)?).await,
        Endpoint::CliComplete => cli_complete(app, call, call.body(body)?).await,
    }
}

const INITIATE: Schema = &[
    Field::optional(
        "expires_in_millis",
        FieldType::Integer {
            min: 1,
            max: MAX_EXPIRES_IN_MILLIS,
        },
    ),
    Field::optional("anon_refresh_token", FieldType::String),
];

#[derive(Deserialize)]
struct InitiateBody {
    expires_in_millis: Option<i64>,
    anon_refresh_token: Option<String>,
}

#[derive(Serialize)]
struct InitiateResponse {
    polling_code: String,
    login_code: String,
    expires_at: String,
}

async fn cli_initiate(
    app: &App,
    call: &Call<'_>,
    body: InitiateBody,
) -> Result<HttpResponse, ApiError> {
    let initiated = flow::initiate(
        app.store(),
        call.project_id(),
        body.expires_in_millis,
        body.anon_refresh_token.as_deref(),
        app.now(),
    )
    .await?;
    Ok(response::json(
        StatusCode::OK,
        &InitiateResponse {
            polling_code: initiated.polling_code,
            login_code: initiated.login_code,
            expires_at: iso_millis(initiated.expires_at_millis),
        },
    ))
}

const POLL: Schema = &[Field::required("polling_code", FieldType::String)];

#[derive(Deserialize)]
struct PollBody {
    polling_code: String,
}

#[derive(Serialize)]
struct PollResponse {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
}

async fn cli_poll(app: &App, call: &Call<'_>, body: PollBody) -> Result<HttpResponse, ApiError> {
    let answer = flow::poll(
        app.store(),
        call.project_id(),
        &body.polling_code,
        app.now(),
    )
    .await?;
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

const COMPLETE: Schema = &[
    Field::required("login_code", FieldType::String),
    Field::optional(
        "mode",
        FieldType::OneOf(&["check", "claim-anon-session", "complete"]),
    ),
    Field::optional("refresh_token", FieldType::String),
];

#[derive(Deserialize)]
struct CompleteBody {
    login_code: String,
    mode: Option<String>,
    refresh_token: Option<String>,
}

async fn cli_complete(
    app: &App,
    call: &Call<'_>,
    body: CompleteBody,
) -> Result<HttpResponse, ApiError> {
    let mode = match body.mode.as_deref() {
        Some("check") => CompleteMode::Check,
        Some("claim-anon-session") => CompleteMode::ClaimAnonSession,
        _ => CompleteMode::Complete {
            refresh_token: body.refresh_token,
        },
    };
    let done = flow::complete(
        app.store(),
        app.tokens(),
        &call.base_url,
        call.project_id(),
        &body.login_code,
        mode,
        app.now(),
    )
    .await?;
    let body = match done {
        Completed::SessionState { anonymous } => serde_json::json!({
            "cli_session_state": if anonymous { "anonymous" } else { "none" }
        }),
        Completed::Claimed {
            access_token,
            refresh_token,
        } => serde_json::json!({ "access_token": access_token, "refresh_token": refresh_token }),
        Completed::Success => serde_json::json!({ "success": true }),
    };
    Ok(response::json(StatusCode::OK, &body))
}
