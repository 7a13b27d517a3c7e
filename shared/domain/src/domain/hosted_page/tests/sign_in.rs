//! Unit tests of `sign_in.rs`.

use super::*;

const NOW: Millis = 1_800_000_000_000;

fn key(name: &str) -> SealingKey {
    SealingKey::derive(name, "hosted-page")
}

#[test]
fn a_sign_in_opens_under_its_key_until_it_expires() {
    let signed_in = BrowserSignIn::new("user-1", NOW);
    let cookie = signed_in.seal(&key("server secret")).expect("seal");
    assert!(!cookie.contains("user-1"), "sealed, not merely encoded");
    let keys = [key("server secret")];
    assert_eq!(
        BrowserSignIn::open(&keys, &cookie, NOW).as_ref(),
        Some(&signed_in)
    );
    assert_eq!(
        BrowserSignIn::open(&keys, &cookie, NOW + SIGN_IN_MILLIS - 1),
        Some(signed_in)
    );
    assert_eq!(
        BrowserSignIn::open(&keys, &cookie, NOW + SIGN_IN_MILLIS),
        None
    );
    // Another key, or any changed character, opens nothing.
    assert_eq!(BrowserSignIn::open(&[key("other")], &cookie, NOW), None);
    let mut bytes = cookie.into_bytes();
    bytes[10] = if bytes[10] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(bytes).expect("text");
    assert_eq!(BrowserSignIn::open(&keys, &tampered, NOW), None);
}

#[test]
fn the_csrf_token_is_the_sign_ins_own_and_never_printed() {
    let signed_in = BrowserSignIn::new("user-1", NOW);
    let other = BrowserSignIn::new("user-1", NOW);
    assert!(signed_in.accepts(signed_in.csrf_token()));
    assert!(!signed_in.accepts(other.csrf_token()));
    assert!(!signed_in.accepts(""));
    assert_eq!(signed_in.csrf_token().len(), 43);
    assert!(!format!("{signed_in:?}").contains(signed_in.csrf_token()));
}

#[test]
fn a_pending_sign_in_needs_its_state_and_never_opens_as_a_sign_in() {
    let pending = PendingSignIn::new("/handler/cli-auth-confirm?login_code=x", NOW);
    let keys = [key("server secret")];
    let cookie = pending.seal(&keys[0]).expect("seal");
    let opens = |state: &str, now: Millis| PendingSignIn::open(&keys, &cookie, state, now);
    assert!(opens(&pending.state, NOW) == Some(pending.clone()));
    assert!(opens("forged", NOW).is_none());
    assert!(opens(&pending.state, NOW + PENDING_SIGN_IN_MILLIS).is_none());
    // Each kind under its own context: one never stands in for the other.
    assert_eq!(BrowserSignIn::open(&keys, &cookie, NOW), None);
    let signed_in = BrowserSignIn::new("user-1", NOW)
        .seal(&keys[0])
        .expect("seal");
    assert!(PendingSignIn::open(&keys, &signed_in, "", NOW).is_none());
}
