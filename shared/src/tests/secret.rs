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

#[test]
fn sealed_values_open_only_with_their_key_and_context() {
    let key = SealingKey::derive("the code's secret half", "purpose");
    let sealed = key
        .seal("attempt/1/token", b"a refresh token")
        .expect("seal");
    assert!(!sealed.contains("refresh"), "not readable: {sealed}");
    assert_eq!(
        key.open("attempt/1/token", &sealed).as_deref(),
        Some(&b"a refresh token"[..])
    );
    let other_secret = SealingKey::derive("another secret", "purpose");
    let other_purpose = SealingKey::derive("the code's secret half", "other");
    assert_eq!(other_secret.open("attempt/1/token", &sealed), None);
    assert_eq!(other_purpose.open("attempt/1/token", &sealed), None);
    assert_eq!(
        key.open("attempt/2/token", &sealed),
        None,
        "bound to its context"
    );
    let mut tampered = sealed.clone().into_bytes();
    let last = tampered.len() - 2;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    assert_eq!(
        key.open(
            "attempt/1/token",
            &String::from_utf8(tampered).expect("text")
        ),
        None
    );
    assert_eq!(key.open("attempt/1/token", "short"), None);
    assert_ne!(
        key.seal("attempt/1/token", b"x"),
        key.seal("attempt/1/token", b"x"),
        "a fresh nonce each time"
    );
    // Key wrapping, as the attempt's poll key is wrapped for the login code.
    let wrapping = SealingKey::derive("login secret", "login");
    let wrapped = key.wrap(&wrapping, "attempt/1/poll-key").expect("wrap");
    let unwrapped = SealingKey::unwrap(&wrapping, "attempt/1/poll-key", &wrapped).expect("unwrap");
    assert_eq!(
        unwrapped.open("attempt/1/token", &sealed).as_deref(),
        Some(&b"a refresh token"[..])
    );
    assert!(SealingKey::unwrap(&key, "attempt/1/poll-key", &wrapped).is_none());
}
