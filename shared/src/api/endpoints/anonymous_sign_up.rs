//! `POST /auth/anonymous/sign-up`: a new anonymous user with its first
//! session (contract §4).

use http::{Method, StatusCode};
use serde_json::json;

use crate::api::body::NoBody;
use crate::api::context::Context;
use crate::api::endpoint::{Endpoint, Handler, HandlerResult};
use crate::api::response;
use crate::domain::access::AccessType;
use crate::domain::accounts;

pub struct AnonymousSignUp;

pub static ENDPOINT: Endpoint = Endpoint::of::<AnonymousSignUp>();

impl Handler for AnonymousSignUp {
    const FUNCTION: &'static str = "anonymous-sign-up";
    const METHOD: Method = Method::POST;
    const PATH: &'static str = "/auth/anonymous/sign-up";
    const ACCESS: &'static [AccessType] = &AccessType::ALL;
    type Body = NoBody;

    async fn handle(ctx: &Context<'_>, _: NoBody) -> HandlerResult {
        let t =
            accounts::anonymous_sign_up(ctx.store, ctx.minter, ctx.project_id(), ctx.now).await?;
        Ok(response::json(
            StatusCode::OK,
            &json!({ "access_token": t.access_token, "refresh_token": t.refresh_token, "user_id": t.user_id }),
        ))
    }
}
