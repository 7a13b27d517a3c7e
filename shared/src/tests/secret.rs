//! Unit tests of `secret.rs`.

use super::*;

#[test]
fn secrets_are_256_bit_url_safe_and_distinct() {
    let a = random_secret();
    let b = random_secret();
    assert_eq!(a.len(), SECRET_CHARS);
    assert_ne!(a, b);
    assert!(
        a.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    );
}

#[test]
fn located_secret_round_trips() {
    let s = LocatedSecret::generate(&random_id());
    let text = s.expose();
    assert_eq!(LocatedSecret::parse(&text), Some(s.clone()));
    assert!(s.hash().matches(&s.secret));
    assert!(!s.hash().matches("something else"));
}

#[test]
fn malformed_located_secrets_are_rejected() {
    let good = LocatedSecret::generate(&random_id()).expose();
    for bad in [
        "",
        ".",
        "invalid-code",
        &good[..good.len() - 1],
        &format!("{good}x"),
        &good.replace('.', ""),
        &format!("{}.{}", "not-a-uuid", random_secret()),
        &format!("{}.{}", random_id().to_uppercase(), random_secret()),
        &format!("{}.{}+", random_id(), &random_secret()[..42]),
    ] {
        assert_eq!(LocatedSecret::parse(bad), None, "{bad:?}");
    }
}

#[test]
fn debug_never_shows_secrets() {
    let s = LocatedSecret::generate(&random_id());
    assert!(!format!("{s:?}").contains(&s.secret));
    let h = s.hash();
    assert!(!format!("{h:?}").contains(h.as_str()));
}
