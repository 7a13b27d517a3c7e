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
    // A nonce and less than a whole tag (12 + 15 bytes).
    let truncated = URL_SAFE_NO_PAD.encode([7u8; 27]);
    assert_eq!(key.open("attempt/1/token", &truncated), None);
    // The key schedule kept from the first seal seals what a key derived
    // afresh from the same secret opens, and the other way round.
    let again = key.seal("attempt/1/token", b"second").expect("seal");
    let fresh = SealingKey::derive("the code's secret half", "purpose");
    assert_eq!(
        fresh.open("attempt/1/token", &again).as_deref(),
        Some(&b"second"[..])
    );
    let by_fresh = fresh.seal("attempt/1/token", b"third").expect("seal");
    assert_eq!(
        key.open("attempt/1/token", &by_fresh).as_deref(),
        Some(&b"third"[..])
    );
    assert_ne!(
        key.seal("attempt/1/token", b"x"),
        key.seal("attempt/1/token", b"x"),
        "a fresh nonce each time"
    );
}

#[test]
fn user_codes_use_every_letter_of_the_alphabet_evenly() {
    let mut counts = [0usize; 20];
    for _ in 0..20_000 {
        let code = random_user_code();
        assert_eq!(code.len(), USER_CODE_LETTERS);
        for b in code.bytes() {
            let at = USER_CODE_ALPHABET.iter().position(|a| *a == b);
            counts[at.expect("in the alphabet")] += 1;
        }
    }
    // 160,000 letters, 8,000 expected each (σ ≈ 87). `% 20` of every byte
    // (256 = 12×20 + 16) would give the last four letters 7,500 each: far
    // outside this band.
    assert!(
        counts.iter().all(|n| (7_650..=8_350).contains(n)),
        "{counts:?}"
    );
}

#[test]
fn user_codes_are_matched_loosely_and_shown_hyphenated() {
    for typed in ["BDWP-HQPK", "bdwphqpk", " bdwp hqpk ", "Bdwp-Hqpk"] {
        assert_eq!(normalize_user_code(typed).as_deref(), Some("BDWPHQPK"));
    }
    // Vowels, digits, too short or too long: not a user code.
    for typed in ["BDWP-HQPA", "BDWP-HQP1", "BDWP-HQP", "BDWP-HQPKK", ""] {
        assert_eq!(normalize_user_code(typed), None, "{typed:?}");
    }
    assert_eq!(display_user_code("BDWPHQPK"), "BDWP-HQPK");
    // An attempt's codes are located by it.
    let code = LocatedSecret::generate("BDWPHQPK");
    assert_eq!(LocatedSecret::parse(&code.expose()), Some(code));
    assert_eq!(
        LocatedSecret::parse(&format!("bdwphqpk.{}", "A".repeat(43))),
        None,
        "only the normal form locates"
    );
}

#[test]
fn claim_codes_use_hexclaves_alphabet_and_are_matched_as_typed() {
    let mut seen = [false; 32];
    for _ in 0..2_000 {
        let code = random_claim_code();
        assert_eq!(code.len(), CLAIM_CODE_CHARS);
        for b in code.bytes() {
            let at = CLAIM_CODE_ALPHABET.iter().position(|a| *a == b);
            seen[at.expect("in the alphabet")] = true;
        }
    }
    assert!(seen.iter().all(|s| *s), "every character drawn: {seen:?}");
    for typed in ["K7PQ-3XWM", "k7pq3xwm", " k7pq 3xwm ", "K7PQ_3XWM"] {
        assert_eq!(normalize_claim_code(typed).as_deref(), Some("K7PQ3XWM"));
    }
    // 0, O, 1 and I are not in it; too short or too long is no code.
    for typed in [
        "K7PQ-3XW0",
        "K7PQ-3XWO",
        "K7PQ-3XW1",
        "K7PQ-3XWI",
        "K7PQ3XW",
        "K7PQ3XWMM",
    ] {
        assert_eq!(normalize_claim_code(typed), None, "{typed:?}");
    }
}
