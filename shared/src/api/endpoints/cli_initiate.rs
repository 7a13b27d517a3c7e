//! `POST /auth/cli`: the CLI starts a login attempt (api.md §3, with the
//! polling advice of §8).

use super::prelude::*;
use serde::Serialize;

use crate::api::shapes::asked_by::{self, ClientObject};
use serde_json::Value;

use crate::api::body::values::Bounded;
use crate::api::body::{BodyValue, describe, request_body, wire_enum};
use crate::clock::iso_millis;
use crate::domain::login_attempt::{self, InitiateRequest, MAX_EXPIRES_IN_MILLIS};

pub struct CliInitiate;

request_body! {
    pub struct InitiateBody {
        pub expires_in_millis: Option<Bounded<1, MAX_EXPIRES_IN_MILLIS>>,
        pub anon_refresh_token: Option<String>,
        /// Who is asking (ours, api.md §8).
        pub client: Option<ClientObject>,
        /// The bound hand-off (ours, api.md §8): a PKCE challenge every
        /// poll must answer, and a key the refresh token is encrypted to.
        pub code_challenge: Option<CodeChallenge>,
        pub code_challenge_method: Option<ChallengeMethod>,
        pub public_key: Option<PublicJwk>,
    }
}

wire_enum! {
    /// Only S256 (RFC 7636 §4.2): `plain` would put the verifier on the wire.
    pub enum ChallengeMethod {
        S256 = "S256",
    }
}

/// A code challenge: 43 base64url characters (an S256 digest).
#[derive(Debug)]
pub struct CodeChallenge(pub String);

impl BodyValue for CodeChallenge {
    const JSON_TYPE: Option<&'static str> = Some("string");

    fn from_json(v: &Value) -> Result<Self, String> {
        match v {
            Value::String(s) if login_attempt::is_code_challenge(s) => Ok(Self(s.clone())),
            Value::String(_) => {
                Err("must be 43 base64url characters (the S256 challenge)".to_owned())
            }
            other => Err(format!("must be a string, but was {}", describe(other))),
        }
    }
}

/// A CLI's public key: a P-256 JWK without its private part.
#[derive(Debug)]
pub struct PublicJwk(pub String);

impl BodyValue for PublicJwk {
    const JSON_TYPE: Option<&'static str> = Some("object");

    fn from_json(v: &Value) -> Result<Self, String> {
        crate::jwe::public_p256_jwk(v)
            .map(Self)
            .map_err(str::to_owned)
    }
}

#[derive(Serialize)]
struct InitiateResponse {
    polling_code: String,
    login_code: String,
    expires_at: String,
    /// The short code a person compares and may type (ours, api.md §8).
    user_code: String,
    /// Seconds between polls, as advice (api.md §8): the Stack dialect
    /// never refuses a faster poll.
    interval: u32,
}

impl Handler for CliInitiate {
    const ROUTE: Route = Route::post("/auth/cli", "cli-initiate", ANY_ACCESS);
    type Body = InitiateBody;

    async fn handle(ctx: &Context<'_>, body: InitiateBody) -> HandlerResult {
        let request = InitiateRequest {
            expires_in_millis: body.expires_in_millis.map(|b| b.0),
            anon_refresh_token: body.anon_refresh_token.as_deref(),
            asker: asked_by::asker(ctx, body.client),
            code_challenge: body.code_challenge.map(|c| c.0),
            public_key: body.public_key.map(|k| k.0),
            device_grant: false,
        };
        let at_rest = ctx.minter.tokens.login_code_sealing_key();
        let initiated =
            login_attempt::initiate(ctx.store, at_rest, ctx.project_id(), request, ctx.now).await?;
        Ok(response::json(
            StatusCode::OK,
            &InitiateResponse {
                polling_code: initiated.polling_code,
                login_code: initiated.login_code,
                expires_at: iso_millis(initiated.expires_at_millis),
                user_code: initiated.user_code,
                interval: login_attempt::POLL_INTERVAL_SECONDS,
            },
        ))
    }
}
