//! Unit tests of `packed.rs`.

use super::*;
use crate::domain::login_attempt::CliAttempt;
use crate::secret::LocatedSecret;

fn packed(attempt: &CliAttempt, project: u32) -> Vec<u8> {
    let mut bytes = vec![1, 2, 3];
    pack(attempt, project, &mut bytes);
    bytes
}

/// `attempt` packed and unpacked: all of it but the project id, which the
/// table keeps apart.
fn assert_round_trip(attempt: CliAttempt) {
    let (back, project) = unpack(&packed(&attempt, 7)).expect("unpacks");
    assert_eq!(project, 7);
    assert_eq!(
        back,
        CliAttempt {
            project_id: String::new(),
            ..attempt
        }
    );
}

fn fresh() -> CliAttempt {
    CliAttempt::create("project-1", 1_000, 60_000, None).attempt
}

#[test]
fn a_fresh_attempt_comes_back_whole() {
    let attempt = fresh();
    assert_eq!(id_of(&packed(&attempt, 7)), Some(attempt.id.as_str()));
    assert_round_trip(attempt);
}

#[test]
fn every_field_comes_back_whole() {
    let mut attempt = CliAttempt::create(
        "project-1",
        1_000,
        60_000,
        Some((
            LocatedSecret::generate("anon-session").expose(),
            "user-1".into(),
        )),
    )
    .attempt;
    attempt.refresh_token = Some("c2VhbGVk".into());
    attempt.completed_at_millis = Some(2_000);
    attempt.refusal = Some(Refusal::Cancelled);
    attempt.used_at_millis = Some(3_000);
    attempt.completed_by = Some("request-1".into());
    attempt.used_by = Some("request-2".into());
    attempt.asker = Asker {
        client: Some(ClientDetails {
            name: Some("mytool".into()),
            hostname: None,
        }),
        ip: Some("203.0.113.7".into()),
        user_agent: Some("mytool/1.0".into()),
    };
    attempt.sealed_login_code = Some("bG9naW4".into());
    attempt.code_challenge = Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into());
    attempt.public_key = Some(r#"{"kty":"EC"}"#.into());
    attempt.next_poll_at_millis = Some(4_000);
    attempt.poll_interval_millis = Some(10_000);
    assert_round_trip(attempt);
}

#[test]
fn text_that_is_not_base64url_is_kept_as_it_is() {
    // Padded, standard-alphabet and plain texts do not round-trip through
    // unpadded base64url; each comes back exactly.
    for text in ["YQ==", "a+b/", "not base64!", "", "YQ"] {
        assert_eq!(Text::pack(text).unpack(), text, "{text:?}");
    }
    assert_eq!(Text::pack("YWJj"), Text::Base64(b"abc".to_vec()));
}

#[test]
fn damaged_bytes_unpack_to_nothing() {
    let packed = packed(&fresh(), 0);
    assert!(unpack(&packed[..packed.len() / 2]).is_none());
    assert!(unpack(&[]).is_none());
    assert_eq!(id_of(&[]), None);
}
