//! Request bodies: content types, JSON parsing, and strict per-endpoint
//! schemas whose failures name every failing field (contract §2).

use http::{HeaderMap, Method, header};
use serde::Deserialize as _;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{ApiError, KnownError};

/// What a body field may hold.
#[derive(Debug, Clone, Copy)]
pub enum FieldType {
    /// A string of at most [`MAX_STRING_BYTES`].
    String,
    /// An e-mail address (a string with one `@` between non-empty parts).
    Email,
    /// An integer within `min..=max` (a JSON number without a fraction).
    Integer {
        min: i64,
        max: i64,
    },
    Boolean,
    /// One of a fixed set of strings.
    OneOf(&'static [&'static str]),
    /// Any JSON value of at most [`MAX_JSON_BYTES`] serialized.
    Json,
}

/// Longest string field accepted: far above any code, token or name, far
/// below what the store can hold.
pub const MAX_STRING_BYTES: usize = 4096;
/// Largest JSON field accepted (metadata), so an item stays well under
/// DynamoDB's 400 KB.
pub const MAX_JSON_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub ty: FieldType,
    pub required: bool,
    /// `null` is kept as an explicit null (PATCH: "clear this field")
    /// instead of meaning "absent".
    pub nullable: bool,
}

impl Field {
    pub const fn required(name: &'static str, ty: FieldType) -> Self {
        Self {
            name,
            ty,
            required: true,
            nullable: false,
        }
    }

    pub const fn optional(name: &'static str, ty: FieldType) -> Self {
        Self {
            name,
            ty,
            required: false,
            nullable: false,
        }
    }

    pub const fn nullable(name: &'static str, ty: FieldType) -> Self {
        Self {
            name,
            ty,
            required: false,
            nullable: true,
        }
    }
}

/// A body schema: the fields an endpoint accepts. Unknown fields are errors.
pub type Schema = &'static [Field];

/// Parses and validates a request body, then deserializes it into `T`.
/// An absent (zero-byte) body is `{}`; `null` for an optional field is absent.
pub fn parse<T: DeserializeOwned>(
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
    schema: Schema,
) -> Result<T, ApiError> {
    check(method, path, decode(headers, body)?, schema)
}

/// Validates an already decoded body against `schema` and deserializes it.
pub fn check<T: DeserializeOwned>(
    method: &Method,
    path: &str,
    value: Value,
    schema: Schema,
) -> Result<T, ApiError> {
    let object =
        validate(&value, schema).map_err(|problems| schema_error(method, path, &problems))?;
    serde_json::from_value(Value::Object(object))
        .map_err(|e| schema_error(method, path, &[format!("body {e}")]))
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
            "Unknown content type in request body: {other}. Send the body as application/json."
        ))
        .into()),
    }
}

/// Checks `value` against `schema`, collecting every problem. Returns the
/// object with `null` optional fields removed.
fn validate(value: &Value, schema: Schema) -> Result<Map<String, Value>, Vec<String>> {
    let Value::Object(object) = value else {
        return Err(vec![format!(
            "body must be a JSON object, but was {}",
            describe(value)
        )]);
    };
    let mut problems = Vec::new();
    let mut clean = Map::new();
    let unknown: Vec<&str> = object
        .keys()
        .filter(|k| !schema.iter().any(|f| f.name == k.as_str()))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        problems.push(format!(
            "body contains unknown properties: {}",
            unknown.join(", ")
        ));
    }
    for field in schema {
        match object.get(field.name) {
            Some(Value::Null) if field.nullable => {
                clean.insert(field.name.to_owned(), Value::Null);
            }
            None | Some(Value::Null) => {
                if field.required {
                    problems.push(format!("body.{} must be defined", field.name));
                }
            }
            Some(v) => match check_type(v, field.ty) {
                Ok(normalized) => {
                    clean.insert(field.name.to_owned(), normalized);
                }
                Err(problem) => problems.push(format!("body.{} {problem}", field.name)),
            },
        }
    }
    if problems.is_empty() {
        Ok(clean)
    } else {
        Err(problems)
    }
}

fn check_type(v: &Value, ty: FieldType) -> Result<Value, String> {
    match ty {
        FieldType::String => match v {
            Value::String(s) if s.len() > MAX_STRING_BYTES => {
                Err(format!("must be at most {MAX_STRING_BYTES} characters"))
            }
            Value::String(_) => Ok(v.clone()),
            _ => Err(format!("must be a string, but was {}", describe(v))),
        },
        FieldType::Email => match v {
            Value::String(s) if is_email(s) => Ok(v.clone()),
            Value::String(_) => Err("must be a valid email".to_owned()),
            _ => Err(format!("must be a string, but was {}", describe(v))),
        },
        FieldType::Boolean => match v {
            Value::Bool(_) => Ok(v.clone()),
            _ => Err(format!("must be a boolean, but was {}", describe(v))),
        },
        FieldType::Json if v.to_string().len() > MAX_JSON_BYTES => {
            Err(format!("must be at most {MAX_JSON_BYTES} bytes of JSON"))
        }
        FieldType::Json => Ok(v.clone()),
        FieldType::OneOf(options) => match v {
            Value::String(s) if options.contains(&s.as_str()) => Ok(v.clone()),
            _ => Err(format!(
                "must be one of the following values: {}",
                options.join(", ")
            )),
        },
        FieldType::Integer { min, max } => {
            let Value::Number(number) = v else {
                return Err(format!("must be a number, but was {}", describe(v)));
            };
            let integer = number.as_i64().or_else(|| {
                // 5.0 is the integer 5 (JSON does not tell them apart; JS
                // clients cannot either); 5.5 and 1e300 are not integers here.
                number
                    .as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                    .map(|f| f as i64)
            });
            match integer {
                None if number.as_f64().is_some_and(|f| f.fract() != 0.0) => {
                    Err("must be an integer".to_owned())
                }
                None if number.as_f64().is_some_and(|f| f < 0.0) => {
                    Err(format!("must be greater than or equal to {min}"))
                }
                None => Err(format!("must be less than or equal to {max}")),
                Some(i) if i < min => Err(format!("must be greater than or equal to {min}")),
                Some(i) if i > max => Err(format!("must be less than or equal to {max}")),
                Some(i) => Ok(Value::from(i)),
            }
        }
    }
}

fn is_email(s: &str) -> bool {
    s.len() <= 254
        && s.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !s.chars().any(char::is_whitespace)
        })
}

/// For PATCH bodies: a missing field is `None`, an explicit `null` is
/// `Some(None)`. Use with `#[serde(default, deserialize_with = ...)]`.
pub fn explicit_null<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn schema_error(method: &Method, path: &str, problems: &[String]) -> ApiError {
    let mut message = format!("Request validation failed on {method} {path}:");
    for p in problems {
        message.push_str("\n  - ");
        message.push_str(p);
    }
    KnownError::Schema(message).into()
}

#[cfg(test)]
#[path = "tests/body.rs"]
mod tests;
