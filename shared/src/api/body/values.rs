//! The value types a body field may have, and how each reads strictly.

use serde_json::Value;

use super::{BodyValue, MAX_JSON_BYTES, MAX_STRING_BYTES, describe};
use crate::domain::login_attempt::is_deceptive;

impl BodyValue for String {
    const JSON_TYPE: Option<&'static str> = Some("string");

    fn from_json(v: &Value) -> Result<Self, String> {
        match v {
            Value::String(s) if s.len() > MAX_STRING_BYTES => {
                Err(format!("must be at most {MAX_STRING_BYTES} characters"))
            }
            Value::String(s) => Ok(s.clone()),
            _ => Err(format!("must be a string, but was {}", describe(v))),
        }
    }
}

impl BodyValue for bool {
    const JSON_TYPE: Option<&'static str> = Some("boolean");

    fn from_json(v: &Value) -> Result<Self, String> {
        match v {
            Value::Bool(b) => Ok(*b),
            _ => Err(format!("must be a boolean, but was {}", describe(v))),
        }
    }
}

/// An e-mail address: a string with one `@` between non-empty parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(pub String);

impl BodyValue for Email {
    const JSON_TYPE: Option<&'static str> = Some("string");

    fn from_json(v: &Value) -> Result<Self, String> {
        match v {
            Value::String(s) if is_email(s) => Ok(Self(s.clone())),
            Value::String(_) => Err("must be a valid email".to_owned()),
            _ => Err(format!("must be a string, but was {}", describe(v))),
        }
    }
}

/// A name people read ("Logged in as …", confirm pages): a string without
/// C0 or C1 control characters or bidi controls (api.md §8), which could
/// hide or reorder what a page or terminal shows after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(pub String);

impl BodyValue for DisplayName {
    const JSON_TYPE: Option<&'static str> = Some("string");

    fn from_json(v: &Value) -> Result<Self, String> {
        let text = String::from_json(v)?;
        if text.chars().any(is_deceptive) {
            return Err("must not contain control or bidirectional-control characters".to_owned());
        }
        Ok(Self(text))
    }
}

/// Any JSON value of at most [`MAX_JSON_BYTES`] serialized (metadata).
#[derive(Debug, Clone, PartialEq)]
pub struct Json(pub Value);

impl BodyValue for Json {
    const JSON_TYPE: Option<&'static str> = None;

    fn from_json(v: &Value) -> Result<Self, String> {
        if v.to_string().len() > MAX_JSON_BYTES {
            return Err(format!("must be at most {MAX_JSON_BYTES} bytes of JSON"));
        }
        Ok(Self(v.clone()))
    }
}

/// An integer within `MIN..=MAX` (a JSON number without a fraction).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounded<const MIN: i64, const MAX: i64>(pub i64);

impl<const MIN: i64, const MAX: i64> BodyValue for Bounded<MIN, MAX> {
    const JSON_TYPE: Option<&'static str> = Some("integer");

    fn from_json(v: &Value) -> Result<Self, String> {
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
                Err(format!("must be greater than or equal to {MIN}"))
            }
            None => Err(format!("must be less than or equal to {MAX}")),
            Some(i) if i < MIN => Err(format!("must be greater than or equal to {MIN}")),
            Some(i) if i > MAX => Err(format!("must be less than or equal to {MAX}")),
            Some(i) => Ok(Self(i)),
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

/// Text people read, trimmed of surrounding whitespace (as Hexclave's
/// `yupString().trim()`), of `MIN..=MAX` characters once trimmed, without
/// the control and bidi characters [`DisplayName`] refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trimmed<const MIN: usize, const MAX: usize>(pub String);

impl<const MIN: usize, const MAX: usize> BodyValue for Trimmed<MIN, MAX> {
    const JSON_TYPE: Option<&'static str> = Some("string");

    fn from_json(v: &Value) -> Result<Self, String> {
        let DisplayName(text) = DisplayName::from_json(v)?;
        let text = text.trim().to_owned();
        let chars = text.chars().count();
        if chars < MIN {
            return Err(format!("must be at least {MIN} characters"));
        }
        if chars > MAX {
            return Err(format!("must be at most {MAX} characters"));
        }
        Ok(Self(text))
    }
}

/// An absolute `http` or `https` URL of at most `MAX` characters, as sent
/// (trimmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebUrl<const MAX: usize>(pub String);

impl<const MAX: usize> BodyValue for WebUrl<MAX> {
    const JSON_TYPE: Option<&'static str> = Some("string");

    fn from_json(v: &Value) -> Result<Self, String> {
        let text = String::from_json(v)?;
        if text.chars().count() > MAX {
            return Err(format!("must be at most {MAX} characters"));
        }
        let text = text.trim();
        match url::Url::parse(text) {
            Ok(url) if ["http", "https"].contains(&url.scheme()) && url.has_host() => {
                Ok(Self(text.to_owned()))
            }
            _ => Err("must be a valid URL".to_owned()),
        }
    }
}
