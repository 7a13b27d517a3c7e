//! Unit tests of `http/mod.rs`.

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
