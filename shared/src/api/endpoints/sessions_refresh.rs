//! `POST /auth/sessions/current/refresh`: a fresh access token for the
//! session of the refresh token in `x-stack-refresh-token` (contract §4).

use http::{Method, StatusCode};
use serde_json::json;

use crate::api::body::{NoBody, schema_error};
use crate::api::context::Context;
use crate::api::endpoint::{Endpoint, Handler, HandlerResult};
use crate::api::headers::stack_header;
use crate::api::response;
use crate::domain::access::AccessType;
use crate::domain::accounts;

pub struct SessionsRefresh;

pub static ENDPOINT: Endpoint = Endpoint::of::<SessionsRefresh>();

impl Handler for SessionsRefresh {
    const FUNCTION: &'static str = "sessions-refresh";
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "/auth/sessions/current/refresh";
    const ACCESS: &'static [AccessType] = &AccessType::ALL;
    type Body = NoBody;

    async fn handle(ctx: &Context<'_>, _: NoBody) -> HandlerResult {
        let request = &ctx.request;
        let Some(refresh_token) = stack_header(request.headers, "refresh-token") else {
            return Err(schema_error(
                request.method,
                request.path,
                &["headers.x-stack-refresh-token must be defined".to_owned()],
            ));
        };
        let access_token = accounts::refresh(
            ctx.store,
            ctx.minter,
            ctx.project_id(),
            &refresh_token,
            ctx.now,
        )
        .await?;
        Ok(response::json(
            StatusCode::OK,
            &json!({ "access_token": access_token }),
        ))
    }
}
