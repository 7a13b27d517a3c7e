//! `POST /auth/sessions`: a server opens a session for a user (contract §4).

use http::{Method, StatusCode};
use serde_json::json;

use crate::api::body::{Bounded, request_body};
use crate::api::context::Context;
use crate::api::endpoint::{Endpoint, Handler, HandlerResult};
use crate::api::response;
use crate::domain::access::AccessType;
use crate::domain::accounts::{self, MAX_SESSION_MILLIS};

pub struct SessionsCreate;

pub static ENDPOINT: Endpoint = Endpoint::of::<SessionsCreate>();

request_body! {
    pub struct SessionsCreateBody {
        pub user_id: String,
        pub expires_in_millis: Option<Bounded<1, MAX_SESSION_MILLIS>>,
        pub is_impersonation: Option<bool>,
    }
}

impl Handler for SessionsCreate {
    const FUNCTION: &'static str = "sessions-create";
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "/auth/sessions";
    const ACCESS: &'static [AccessType] = &AccessType::SERVER;
    type Body = SessionsCreateBody;

    async fn handle(ctx: &Context<'_>, body: SessionsCreateBody) -> HandlerResult {
        let t = accounts::create_session(
            ctx.store,
            ctx.minter,
            ctx.project_id(),
            &body.user_id,
            body.expires_in_millis.map(|b| b.0),
            body.is_impersonation.unwrap_or(false),
            ctx.now,
        )
        .await?;
        Ok(response::json(
            StatusCode::OK,
            &json!({ "refresh_token": t.refresh_token, "access_token": t.access_token }),
        ))
    }
}
