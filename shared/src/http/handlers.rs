//! One function per endpoint: typed body in, domain call, JSON out.

use http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::body::{Field, FieldType, Schema, explicit_null};
use super::response::{self, HttpResponse};
use super::routes::Endpoint;
use super::stack_header;
use crate::app::{App, Call};
use crate::clock::iso_millis;
use crate::domain::accounts;
use crate::domain::cli::{MAX_EXPIRES_IN_MILLIS, PollAnswer};
use crate::domain::flow::{self, CompleteMode, Completed};
use crate::domain::user::{User, UserPatch};
use crate::error::{ApiError, KnownError};

/// The body schema of each endpoint (empty for endpoints without a body).
pub fn schema(endpoint: Endpoint) -> Schema {
    match endpoint {
        Endpoint::CliInitiate => INITIATE,
        Endpoint::CliPoll => POLL,
        Endpoint::CliComplete => COMPLETE,
        Endpoint::UsersCreate | Endpoint::UsersUpdate => USER_FIELDS,
        Endpoint::SessionsCreate => SESSIONS_CREATE,
        Endpoint::UsersMe
        | Endpoint::UsersGet
        | Endpoint::AnonymousSignUp
        | Endpoint::SessionsRefresh
        | Endpoint::SessionsRevoke
        | Endpoint::Jwks => NO_BODY,
    }
}

/// Endpoints without a body accept none (an absent or empty one is `{}`).
const NO_BODY: Schema = &[];

/// Runs the endpoint's handler on an authenticated, decoded request.
pub async fn dispatch(app: &App, call: &Call<'_>, body: Value) -> Result<HttpResponse, ApiError> {
    match call.endpoint {
        Endpoint::CliInitiate => cli_initiate(app, call, call.body(body)?).await,
        Endpoint::CliPoll => cli_poll(app, call, call.body(body)?).await,
        Endpoint::CliComplete => cli_complete(app, call, call.body(body)?).await,
        Endpoint::UsersCreate => users_create(app, call, call.body(body)?).await,
        Endpoint::UsersUpdate => users_update(app, call, call.body(body)?).await,
        Endpoint::SessionsCreate => sessions_create(app, call, call.body(body)?).await,
        Endpoint::UsersMe => users_me(app, call.without_body(body)?).await,
        Endpoint::UsersGet => users_get(app, call.without_body(body)?).await,
        Endpoint::AnonymousSignUp => anonymous_sign_up(app, call.without_body(body)?).await,
        Endpoint::SessionsRefresh => sessions_refresh(app, call.without_body(body)?).await,
        Endpoint::SessionsRevoke => sessions_revoke(app, call.without_body(body)?).await,
        Endpoint::Jwks => jwks(app, call.without_body(body)?).await,
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
        call.minter(app),
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

const USER_FIELDS: Schema = &[
    Field::nullable("display_name", FieldType::String),
    Field::nullable("primary_email", FieldType::Email),
    Field::optional("is_anonymous", FieldType::Boolean),
    Field::nullable("client_metadata", FieldType::Json),
    Field::nullable("server_metadata", FieldType::Json),
];

/// The body of POST and PATCH /users: a field left out is kept, a field sent
/// as `null` is cleared.
#[derive(Deserialize)]
struct UserBody {
    #[serde(default, deserialize_with = "explicit_null")]
    display_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "explicit_null")]
    primary_email: Option<Option<String>>,
    is_anonymous: Option<bool>,
    #[serde(default, deserialize_with = "explicit_null")]
    client_metadata: Option<Option<Value>>,
    #[serde(default, deserialize_with = "explicit_null")]
    server_metadata: Option<Option<Value>>,
}

impl From<UserBody> for UserPatch {
    fn from(b: UserBody) -> Self {
        Self {
            display_name: b.display_name,
            primary_email: b.primary_email,
            is_anonymous: b.is_anonymous,
            client_metadata: b.client_metadata.map(|v| v.unwrap_or(Value::Null)),
            server_metadata: b.server_metadata.map(|v| v.unwrap_or(Value::Null)),
        }
    }
}

/// A user as the API shows it; `server_metadata` only to server and admin.
fn user_json(user: &User, call: &Call<'_>) -> Value {
    let mut body = json!({
        "id": user.id,
        "display_name": user.display_name,
        "primary_email": user.primary_email,
        "primary_email_verified": false,
        "profile_image_url": null,
        "is_anonymous": user.is_anonymous,
        "signed_up_at_millis": user.signed_up_at_millis,
        "last_active_at_millis": user.signed_up_at_millis,
        "client_metadata": user.client_metadata,
        "client_read_only_metadata": null,
        "has_password": false,
        "auth_with_email": false,
        "otp_auth_enabled": false,
        "passkey_auth_enabled": false,
        "requires_totp_mfa": false,
        "oauth_providers": [],
        "selected_team_id": null,
        "selected_team": null,
    });
    if call.is_server() {
        body["server_metadata"] = user.server_metadata.clone();
    }
    body
}

fn path_param<'a>(call: &'a Call<'_>) -> &'a str {
    call.params.first().map_or("", String::as_str)
}

async fn users_create(
    app: &App,
    call: &Call<'_>,
    body: UserBody,
) -> Result<HttpResponse, ApiError> {
    let user =
        accounts::create_user(app.store(), call.project_id(), &body.into(), app.now()).await?;
    Ok(response::json(StatusCode::CREATED, &user_json(&user, call)))
}

async fn users_get(app: &App, call: &Call<'_>) -> Result<HttpResponse, ApiError> {
    // `include_anonymous=true` is accepted; anonymous users are returned either way.
    let user = accounts::get_user(app.store(), call.project_id(), path_param(call)).await?;
    Ok(response::json(StatusCode::OK, &user_json(&user, call)))
}

async fn users_update(
    app: &App,
    call: &Call<'_>,
    body: UserBody,
) -> Result<HttpResponse, ApiError> {
    let user = accounts::update_user(
        app.store(),
        call.project_id(),
        path_param(call),
        &body.into(),
    )
    .await?;
    Ok(response::json(StatusCode::OK, &user_json(&user, call)))
}

async fn users_me(app: &App, call: &Call<'_>) -> Result<HttpResponse, ApiError> {
    let claims = call
        .user
        .as_ref()
        .ok_or(KnownError::CannotGetOwnUserWithoutUser)?;
    let user = accounts::get_user(app.store(), call.project_id(), &claims.sub).await?;
    Ok(response::json(StatusCode::OK, &user_json(&user, call)))
}

async fn anonymous_sign_up(app: &App, call: &Call<'_>) -> Result<HttpResponse, ApiError> {
    let t =
        accounts::anonymous_sign_up(app.store(), call.minter(app), call.project_id(), app.now())
            .await?;
    Ok(response::json(
        StatusCode::OK,
        &json!({ "access_token": t.access_token, "refresh_token": t.refresh_token, "user_id": t.user_id }),
    ))
}

const SESSIONS_CREATE: Schema = &[
    Field::required("user_id", FieldType::String),
    Field::optional(
        "expires_in_millis",
        FieldType::Integer {
            min: 1,
            max: accounts::MAX_SESSION_MILLIS,
        },
    ),
    Field::optional("is_impersonation", FieldType::Boolean),
];

#[derive(Deserialize)]
struct SessionsCreateBody {
    user_id: String,
    expires_in_millis: Option<i64>,
    is_impersonation: Option<bool>,
}

async fn sessions_create(
    app: &App,
    call: &Call<'_>,
    body: SessionsCreateBody,
) -> Result<HttpResponse, ApiError> {
    let t = accounts::create_session(
        app.store(),
        call.minter(app),
        call.project_id(),
        &body.user_id,
        body.expires_in_millis,
        body.is_impersonation.unwrap_or(false),
        app.now(),
    )
    .await?;
    Ok(response::json(
        StatusCode::OK,
        &json!({ "refresh_token": t.refresh_token, "access_token": t.access_token }),
    ))
}

async fn sessions_refresh(app: &App, call: &Call<'_>) -> Result<HttpResponse, ApiError> {
    let Some(refresh_token) = stack_header(call.headers, "refresh-token") else {
        return Err(KnownError::Schema(format!(
            "Request validation failed on {} {}:\n  - headers.x-stack-refresh-token must be defined",
            call.method, call.path
        ))
        .into());
    };
    let access_token = accounts::refresh(
        app.store(),
        call.minter(app),
        call.project_id(),
        &refresh_token,
        app.now(),
    )
    .await?;
    Ok(response::json(
        StatusCode::OK,
        &json!({ "access_token": access_token }),
    ))
}

async fn sessions_revoke(app: &App, call: &Call<'_>) -> Result<HttpResponse, ApiError> {
    let claims = call
        .user
        .as_ref()
        .ok_or(KnownError::UserAuthenticationRequired)?;
    accounts::revoke(app.store(), call.project_id(), &claims.refresh_token_id).await?;
    Ok(response::json(StatusCode::OK, &json!({ "success": true })))
}

async fn jwks(app: &App, call: &Call<'_>) -> Result<HttpResponse, ApiError> {
    let project_id = path_param(call);
    let project = app
        .project(project_id)
        .await?
        .ok_or_else(|| KnownError::ProjectNotFound(project_id.to_owned()))?;
    let include_anonymous = call.query_param("include_anonymous").as_deref() == Some("true");
    let keys = app.tokens().jwks(&project.id, include_anonymous)?;
    let mut response = response::json(StatusCode::OK, &keys);
    response.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("public, max-age=3600"),
    );
    Ok(response)
}
