//! The OAuth client of the token and device-authorization endpoints: a
//! project (`client_id`) and its publishable key (`client_secret`), in the
//! body or with HTTP Basic (RFC 6749 §2.3.1); and the endpoints' parameter
//! rule.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::header::{self, HeaderMap};

use crate::api::body::values::Json;
use crate::api::context::Context;
use crate::api::errors::{ApiError, KnownError};
use crate::domain::access::AccessType;
use crate::domain::project::Project;

/// The `client_secret` that means "no publishable key" (Stack's SDK sends
/// it when it has none).
pub const PUBLIC_CLIENT: &str = "__stack_public_client__";

/// The authenticated client's project, from HTTP Basic when sent, else the
/// body's `client_id` and `client_secret`.
pub async fn client_project(
    ctx: &Context<'_>,
    client_id: Option<String>,
    client_secret: Option<String>,
) -> Result<Arc<Project>, ApiError> {
    let (client_id, client_secret) = match basic_credentials(ctx.request.headers) {
        Some(credentials) => credentials,
        None => (client_id, client_secret),
    };
    authenticate_client(ctx, client_id, client_secret).await
}

/// The client is a project (`<project id>` or `<project id>#main`) and its
/// publishable key, or no key where the project does not require one.
async fn authenticate_client(
    ctx: &Context<'_>,
    client_id: Option<String>,
    client_secret: Option<String>,
) -> Result<Arc<Project>, ApiError> {
    let invalid = |id: &Option<String>| KnownError::InvalidOAuthClientIdOrSecret(id.clone());
    let Some(id) = client_id.as_deref() else {
        return Err(invalid(&client_id).into());
    };
    let project_id = match id.split_once('#') {
        Some((project, "main")) => project,
        Some(_) => return Err(invalid(&client_id).into()),
        None => id,
    };
    let project = ctx
        .project(project_id)
        .await?
        .ok_or_else(|| invalid(&client_id))?;
    match client_secret.as_deref() {
        None | Some(PUBLIC_CLIENT) if project.requires_publishable_client_key => {
            Err(KnownError::PublishableClientKeyRequiredForProject(project.id.clone()).into())
        }
        None | Some(PUBLIC_CLIENT) => Ok(project),
        Some(key) => {
            let valid = project
                .key_hash(AccessType::Client)
                .is_some_and(|hash| hash.matches(key));
            if valid {
                Ok(project)
            } else {
                Err(invalid(&client_id).into())
            }
        }
    }
}

/// `Authorization: Basic base64(client_id ":" client_secret)`, each part
/// form-urlencoded (RFC 6749 §2.3.1). `None` when absent or unreadable.
fn basic_credentials(headers: &HeaderMap) -> Option<(Option<String>, Option<String>)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |part: &str| -> Option<String> {
        let plus_as_space = part.replace('+', " ");
        percent_encoding::percent_decode_str(&plus_as_space)
            .decode_utf8()
            .ok()
            .map(|text| text.into_owned())
    };
    Some((unescape(id), unescape(secret).filter(|s| !s.is_empty())))
}

/// A required OAuth parameter: present, and printable ASCII (RFC 6749's
/// VSCHAR), or an `invalid_request`.
pub fn oauth_parameter<'a>(value: Option<&'a Json>, name: &str) -> Result<&'a str, ApiError> {
    let Some(value) = value.filter(|v| v.0.as_str() != Some("")) else {
        return Err(ApiError::OAuth {
            error: "invalid_request",
            description: format!("Missing parameter: `{name}`"),
        });
    };
    match value.0.as_str() {
        Some(text) if text.bytes().all(|b| (0x20..=0x7e).contains(&b)) => Ok(text),
        _ => Err(ApiError::OAuth {
            error: "invalid_request",
            description: format!("Invalid parameter: `{name}`"),
        }),
    }
}
