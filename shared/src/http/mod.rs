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
mod tests {
    use super::*;

    #[test]
    fn stack_prefix_wins_over_hexclave() {
        let mut h = HeaderMap::new();
        h.insert("x-hexclave-project-id", "b".parse().expect("valid"));
        assert_eq!(stack_header(&h, "project-id").as_deref(), Some("b"));
        h.insert("X-Stack-Project-Id", "a".parse().expect("valid"));
        assert_eq!(stack_header(&h, "project-id").as_deref(), Some("a"));
        assert_eq!(stack_header(&h, "access-type"), None);
    }

    #[test]
    fn empty_values_are_absent() {
        let mut h = HeaderMap::new();
        h.insert("x-stack-access-type", "".parse().expect("valid"));
        h.insert("x-hexclave-access-type", "client".parse().expect("valid"));
        assert_eq!(stack_header(&h, "access-type").as_deref(), Some("client"));
    }
}
