//! The Stack Auth REST dialect over plain `http` types.

pub mod auth;
pub mod body;
pub mod handlers;
pub mod response;
pub mod routes;

use std::borrow::Cow;

use http::HeaderMap;

/// Reads an `x-stack-<name>` header, or its `x-hexclave-<name>` alias when the
/// first is absent. An empty value counts as absent (as in Stack Auth).
pub fn stack_header<'a>(headers: &'a HeaderMap, name: &str) -> Option<Cow<'a, str>> {
    ["x-stack-", "x-hexclave-"].iter().find_map(|prefix| {
        let value = headers.get(format!("{prefix}{name}").as_str())?;
        let text = String::from_utf8_lossy(value.as_bytes());
        (!text.is_empty()).then_some(text)
    })
}

#[cfg(test)]
#[path = "tests/http.rs"]
mod tests;
