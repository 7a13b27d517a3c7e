//! Unit tests of `domain/login_attempt/attempt.rs`.

use super::*;
use crate::domain::login_attempt::{PollAnswer, classify_poll};

fn attempt(now: Millis) -> NewAttempt {
    CliAttempt::create("p", now, 1000, None)
}

#[test]
fn codes_are_distinct_and_name_the_same_attempt() {
    let n = attempt(0);
    assert_ne!(n.polling_code.expose(), n.login_code.expose());
    assert_eq!(n.polling_code.id, n.attempt.id);
    assert_eq!(n.login_code.id, n.attempt.id);
    let poll_key = AttemptKey::new("p", &n.polling_code, CodeKind::Polling);
    let login_key = AttemptKey::new("p", &n.login_code, CodeKind::Login);
    assert!(n.attempt.is_named_by(&poll_key));
    assert!(n.attempt.is_named_by(&login_key));
    // The codes are not interchangeable.
    assert!(
        !n.attempt
            .is_named_by(&AttemptKey::new("p", &n.login_code, CodeKind::Polling))
    );
    assert!(
        !n.attempt
            .is_named_by(&AttemptKey::new("p", &n.polling_code, CodeKind::Login))
    );
    // Nor usable from another project.
    assert!(
        !n.attempt
            .is_named_by(&AttemptKey::new("q", &n.polling_code, CodeKind::Polling))
    );
}

#[test]
fn state_checks_used_first_then_expiry() {
    let mut a = attempt(0).attempt;
    assert_eq!(a.state(0), AttemptState::Pending);
    assert_eq!(a.state(1000), AttemptState::Expired);
    a.completed_at_millis = Some(1);
    a.refresh_token = Some("rt".into());
    assert_eq!(a.state(2), AttemptState::Completed);
    assert_eq!(a.state(1000), AttemptState::Expired, "a token nobody took");
    a.used_at_millis = Some(3);
    a.refresh_token = None;
    assert_eq!(a.state(4), AttemptState::Used);
    // Hexclave's order: used even after expiry.
    assert_eq!(a.state(1000), AttemptState::Used);
}

#[test]
fn a_refused_attempt_is_neither_pending_nor_completed() {
    let n = attempt(0);
    let poll = AttemptKey::new("p", &n.polling_code, CodeKind::Polling);
    let login = AttemptKey::new("p", &n.login_code, CodeKind::Login);
    for refusal in [Refusal::Denied, Refusal::Cancelled] {
        let mut a = n.attempt.clone();
        a.completed_at_millis = Some(1);
        a.refusal = Some(refusal);
        assert_eq!(a.state(2), AttemptState::Refused(refusal));
        assert!(!a.is_pending_for(&login, 2));
        assert!(!a.can_be_picked_up(&poll, 2));
        assert_eq!(
            classify_poll(Some(&a), &poll, 2),
            PollAnswer::Refused(refusal)
        );
        assert_eq!(
            a.state(1000),
            AttemptState::Refused(refusal),
            "a refusal before expiry (Hexclave's order)"
        );
        assert_eq!(Refusal::parse(refusal.as_str()), Some(refusal));
    }
    assert_eq!(Refusal::parse("approved"), None);
}

#[test]
fn failed_polls_are_classified() {
    let n = attempt(0);
    let key = AttemptKey::new("p", &n.polling_code, CodeKind::Polling);
    let mut a = n.attempt.clone();
    assert_eq!(classify_poll(None, &key, 0), PollAnswer::Invalid);
    assert_eq!(classify_poll(Some(&a), &key, 0), PollAnswer::Waiting);
    assert_eq!(classify_poll(Some(&a), &key, 1000), PollAnswer::Expired);
    a.used_at_millis = Some(5);
    assert_eq!(classify_poll(Some(&a), &key, 6), PollAnswer::Used);
    let wrong = AttemptKey::new("p", &n.login_code, CodeKind::Polling);
    assert_eq!(classify_poll(Some(&a), &wrong, 6), PollAnswer::Invalid);
}

#[test]
fn pickup_needs_a_waiting_token() {
    let n = attempt(0);
    let key = AttemptKey::new("p", &n.polling_code, CodeKind::Polling);
    let mut a = n.attempt;
    assert!(!a.can_be_picked_up(&key, 1));
    a.completed_at_millis = Some(1);
    a.refresh_token = Some("rt".into());
    assert!(a.can_be_picked_up(&key, 2));
    assert!(!a.can_be_picked_up(&key, 1000));
}
