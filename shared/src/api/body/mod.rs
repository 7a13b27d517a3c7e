//! Request bodies: content types, JSON parsing, and strict typed bodies
//! whose failures name every failing field (api.md §2).
//!
//! A body is declared once, with [`request_body!`]: its struct is the source
//! of truth for the fields accepted, which are required, their types and
//! ranges, and the `SCHEMA_ERROR` message. Field types say how they read:
//! a [`BodyValue`] `T` is required, `Option<T>` is optional (`null` means
//! absent), [`Nullable<T>`] keeps an explicit `null` ("clear this field"),
//! [`ServerOnly<F>`] is a field client access may not send. Unknown fields
//! are errors.

use http::{HeaderMap, Method, header};
use serde_json::{Map, Value};

use super::errors::{ApiError, KnownError, echo};

pub mod values;

/// Longest string field accepted: far above any code, token or name, far
/// below what the store can hold.
pub const MAX_STRING_BYTES: usize = 4096;
/// Largest JSON field accepted (metadata), so an item stays well under
/// DynamoDB's 400 KB.
pub const MAX_JSON_BYTES: usize = 64 * 1024;

/// One field of a body, as documented (the OpenAPI check reads these).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    pub name: &'static str,
    pub required: bool,
    /// The JSON Schema type (`string`, `integer`, `boolean`), or `None` for
    /// any JSON value.
    pub json_type: Option<&'static str>,
    /// Only server and admin access may send it; for client access it is
    /// an unknown property.
    pub server_only: bool,
}

/// A request body type. Implemented by [`request_body!`].
pub trait RequestBody: Sized {
    const FIELDS: &'static [FieldSpec];
    /// Whether fields it does not declare are ignored rather than refused
    /// (OAuth requests: RFC 6749 §3.2 says to ignore unknown parameters).
    const IGNORES_UNKNOWN_FIELDS: bool = false;

    /// Reads every field of `object`, pushing one problem per failing field;
    /// `None` if any failed.
    fn read(object: &Map<String, Value>, problems: &mut Vec<String>) -> Option<Self>;
}

/// What a present, non-null field value may be.
pub trait BodyValue: Sized {
    const JSON_TYPE: Option<&'static str>;

    /// The value, or what is wrong with it ("must be a string, but was …").
    fn from_json(value: &Value) -> Result<Self, String>;
}

/// How a field reads its value: whether it may be absent, and what `null` means.
pub trait BodyField: Sized {
    const REQUIRED: bool;
    const JSON_TYPE: Option<&'static str>;
    const SERVER_ONLY: bool = false;

    fn from_field(value: Option<&Value>) -> Result<Self, String>;
}

impl<T: BodyValue> BodyField for T {
    const REQUIRED: bool = true;
    const JSON_TYPE: Option<&'static str> = T::JSON_TYPE;

    fn from_field(value: Option<&Value>) -> Result<Self, String> {
        match value {
            None | Some(Value::Null) => Err("must be defined".to_owned()),
            Some(v) => T::from_json(v),
        }
    }
}

impl<T: BodyValue> BodyField for Option<T> {
    const REQUIRED: bool = false;
    const JSON_TYPE: Option<&'static str> = T::JSON_TYPE;

    fn from_field(value: Option<&Value>) -> Result<Self, String> {
        match value {
            None | Some(Value::Null) => Ok(None),
            Some(v) => T::from_json(v).map(Some),
        }
    }
}

/// An optional field where `null` is a value of its own: absent keeps,
/// `null` clears, a value sets (PATCH semantics).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Nullable<T> {
    Absent,
    Null,
    Value(T),
}

impl<T> Nullable<T> {
    /// `None` when absent, `Some(None)` for `null`, `Some(Some(v))` for a value.
    pub fn into_patch(self) -> Option<Option<T>> {
        match self {
            Self::Absent => None,
            Self::Null => Some(None),
            Self::Value(v) => Some(Some(v)),
        }
    }
}

impl<T: BodyValue> BodyField for Nullable<T> {
    const REQUIRED: bool = false;
    const JSON_TYPE: Option<&'static str> = T::JSON_TYPE;

    fn from_field(value: Option<&Value>) -> Result<Self, String> {
        match value {
            None => Ok(Self::Absent),
            Some(Value::Null) => Ok(Self::Null),
            Some(v) => T::from_json(v).map(Self::Value),
        }
    }
}

/// A field only server and admin access may send (PATCH /users/me); for
/// client access it is an unknown property, and never read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerOnly<F>(pub F);

impl<F: BodyField> BodyField for ServerOnly<F> {
    const REQUIRED: bool = F::REQUIRED;
    const JSON_TYPE: Option<&'static str> = F::JSON_TYPE;
    const SERVER_ONLY: bool = true;

    fn from_field(value: Option<&Value>) -> Result<Self, String> {
        F::from_field(value).map(Self)
    }
}

/// The problem with a value that is not one of `names`.
pub fn not_one_of(names: &[&str]) -> String {
    format!("must be one of the following values: {}", names.join(", "))
}

/// Declares a request body: the struct, and its [`RequestBody`] impl that
/// reads each field by its type and names every failing one. Unknown fields
/// are refused, unless the struct is marked `#[ignore_unknown_fields]`.
macro_rules! request_body {
    (
        #[ignore_unknown_fields]
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $( $(#[$field_meta:meta])* $field_vis:vis $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $crate::api::body::request_body!(@declare true, $(#[$meta])* $vis struct $name {
            $( $(#[$field_meta])* $field_vis $field : $ty ),*
        });
    };
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $( $(#[$field_meta:meta])* $field_vis:vis $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $crate::api::body::request_body!(@declare false, $(#[$meta])* $vis struct $name {
            $( $(#[$field_meta])* $field_vis $field : $ty ),*
        });
    };
    (
        @declare $ignores:literal,
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $( $(#[$field_meta:meta])* $field_vis:vis $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug)]
        $vis struct $name {
            $( $(#[$field_meta])* $field_vis $field: $ty, )*
        }

        impl $crate::api::body::RequestBody for $name {
            const FIELDS: &'static [$crate::api::body::FieldSpec] = &[$(
                $crate::api::body::FieldSpec {
                    name: stringify!($field),
                    required: <$ty as $crate::api::body::BodyField>::REQUIRED,
                    json_type: <$ty as $crate::api::body::BodyField>::JSON_TYPE,
                    server_only: <$ty as $crate::api::body::BodyField>::SERVER_ONLY,
                },
            )*];
            const IGNORES_UNKNOWN_FIELDS: bool = $ignores;

            #[allow(unused_variables)]
            fn read(
                object: &serde_json::Map<String, serde_json::Value>,
                problems: &mut Vec<String>,
            ) -> Option<Self> {
                $( let $field = $crate::api::body::read_field::<$ty>(object, stringify!($field), problems); )*
                Some(Self { $( $field: $field?, )* })
            }
        }
    };
}
pub(crate) use request_body;

/// Declares an enum carried as one of a fixed set of strings (a `mode`).
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $text:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        $vis enum $name {
            $( $(#[$variant_meta])* $variant, )*
        }

        impl $name {
            /// The wire names, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($text),*];
        }

        impl $crate::api::body::BodyValue for $name {
            const JSON_TYPE: Option<&'static str> = Some("string");

            fn from_json(v: &serde_json::Value) -> Result<Self, String> {
                match v.as_str() {
                    $( Some($text) => Ok(Self::$variant), )*
                    _ => Err($crate::api::body::not_one_of(Self::NAMES)),
                }
            }
        }
    };
}
pub(crate) use wire_enum;

/// Reads one field, recording its problem under its name.
pub fn read_field<T: BodyField>(
    object: &Map<String, Value>,
    name: &str,
    problems: &mut Vec<String>,
) -> Option<T> {
    match T::from_field(object.get(name)) {
        Ok(value) => Some(value),
        Err(problem) => {
            problems.push(format!("body.{name} {problem}"));
            None
        }
    }
}

request_body! {
    /// The body of an endpoint that takes none (an absent or empty body is `{}`).
    pub struct NoBody {}
}

/// Validates an already decoded body and reads it as `B`: unknown fields
/// first (a server-only field is unknown to client access), then each
/// declared field in order. `server_access`: server or admin access.
pub fn read<B: RequestBody>(
    method: &Method,
    path: &str,
    value: Value,
    server_access: bool,
) -> Result<B, ApiError> {
    let Value::Object(mut object) = value else {
        return Err(schema_error(
            method,
            path,
            &[format!(
                "body must be a JSON object, but was {}",
                describe(&value)
            )],
        ));
    };
    let declared = |name: &str| B::FIELDS.iter().find(|f| f.name == name);
    let accepted = |name: &str| declared(name).is_some_and(|f| server_access || !f.server_only);
    let mut problems = Vec::new();
    if !B::IGNORES_UNKNOWN_FIELDS {
        let unknown: Vec<&str> = object
            .keys()
            .map(String::as_str)
            .filter(|k| !accepted(k))
            .collect();
        if !unknown.is_empty() {
            problems.push(format!(
                "body contains unknown properties: {}",
                listed(&unknown)
            ));
        }
    }
    // What client access may not send is never read for it.
    object.retain(|k, _| accepted(k) || declared(k).is_none());
    match B::read(&object, &mut problems) {
        Some(body) if problems.is_empty() => Ok(body),
        _ => Err(schema_error(method, path, &problems)),
    }
}

/// Turns the raw bytes into JSON according to the content type
/// (`BODY_PARSING_ERROR` when that fails).
pub fn decode(headers: &HeaderMap, body: &[u8]) -> Result<Value, ApiError> {
    if body.is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match media_type.as_str() {
        "application/json" => serde_json::from_slice(body)
            .map_err(|_| KnownError::BodyParsing("Invalid JSON in request body".into()).into()),
        "text/plain" => Ok(Value::String(String::from_utf8_lossy(body).into_owned())),
        "application/x-www-form-urlencoded" => Ok(Value::Object(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect(),
        )),
        "" => Err(KnownError::BodyParsing(
            "A request body was sent without a content type; send it as application/json.".into(),
        )
        .into()),
        other => Err(KnownError::BodyParsing(format!(
            "Unknown content type in request body: {}. Send the body as application/json.",
            echo(other)
        ))
        .into()),
    }
}

pub fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The most problems, or unknown names, a `SCHEMA_ERROR` lists.
const LISTED: usize = 10;

/// Names as an error lists them: the first [`LISTED`], each bounded, then
/// how many more.
fn listed(names: &[&str]) -> String {
    let mut text: Vec<String> = names
        .iter()
        .take(LISTED)
        .map(|n| echo(n).into_owned())
        .collect();
    if names.len() > LISTED {
        text.push(format!("and {} more", names.len() - LISTED));
    }
    text.join(", ")
}

/// A `SCHEMA_ERROR` naming the method, path and its problems (the first
/// [`LISTED`], then how many more).
pub fn schema_error(method: &Method, path: &str, problems: &[String]) -> ApiError {
    let mut message = format!("Request validation failed on {method} {}:", echo(path));
    for p in problems.iter().take(LISTED) {
        message.push_str("\n  - ");
        message.push_str(p);
    }
    if problems.len() > LISTED {
        message.push_str(&format!("\n  - and {} more", problems.len() - LISTED));
    }
    KnownError::Schema(message).into()
}

#[cfg(test)]
#[path = "../tests/body.rs"]
mod tests;
