//! Who is asking (api.md §8), in and out: the `client` object a CLI may
//! send to initiate, and the `client` object the browser's side is shown
//! (by `check` and the user-code look-up).

use serde_json::{Map, Value, json};

use crate::api::body::BodyValue;
use crate::api::context::Context;
use crate::clock::iso_millis;
use crate::domain::login_attempt::{
    AskedBy, Asker, ClientDetails, MAX_CLIENT_FIELD_CHARS, is_deceptive,
};

/// initiate's `client`: `{"name"?, "hostname"?}`, strings of at most
/// [`MAX_CLIENT_FIELD_CHARS`] characters; any other field is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientObject(pub ClientDetails);

impl BodyValue for ClientObject {
    const JSON_TYPE: Option<&'static str> = Some("object");

    fn from_json(v: &Value) -> Result<Self, String> {
        let Value::Object(fields) = v else {
            return Err(format!(
                "must be an object, but was {}",
                crate::api::body::describe(v)
            ));
        };
        if let Some(unknown) = fields
            .keys()
            .find(|k| !["name", "hostname"].contains(&k.as_str()))
        {
            let unknown: String = unknown.chars().take(32).collect();
            return Err(format!(
                "contains an unknown field {unknown:?} (only name and hostname are allowed)"
            ));
        }
        let text = |name: &str| match fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.chars().count() > MAX_CLIENT_FIELD_CHARS => Err(format!(
                "{name} must be at most {MAX_CLIENT_FIELD_CHARS} characters"
            )),
            Some(Value::String(s)) if s.chars().any(is_deceptive) => Err(format!(
                "{name} must not contain control or bidirectional-control characters"
            )),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(format!(
                "{name} must be a string, but was {}",
                crate::api::body::describe(other)
            )),
        };
        Ok(Self(ClientDetails {
            name: text("name")?,
            hostname: text("hostname")?,
        }))
    }
}

/// The asker of a request: what the CLI said (`client`), and the source IP
/// and user agent the service saw.
pub fn asker(ctx: &Context<'_>, client: Option<ClientObject>) -> Asker {
    let user_agent = ctx
        .request
        .headers
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    Asker::new(
        client.map(|c| c.0),
        ctx.request.source_ip.map(str::to_owned),
        user_agent,
    )
}

/// `{"name", "hostname", "ip", "user_agent", "created_at"}`, absent ones null.
pub fn client_json(asked_by: &AskedBy) -> Value {
    let client = asked_by.asker.client.clone().unwrap_or_default();
    let mut out = Map::new();
    out.insert("name".into(), json!(client.name));
    out.insert("hostname".into(), json!(client.hostname));
    out.insert("ip".into(), json!(asked_by.asker.ip));
    out.insert("user_agent".into(), json!(asked_by.asker.user_agent));
    out.insert(
        "created_at".into(),
        json!(iso_millis(asked_by.created_at_millis)),
    );
    Value::Object(out)
}
