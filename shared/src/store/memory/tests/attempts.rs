//! Unit tests of `attempts.rs`.

use super::*;
use crate::domain::login_attempt::RETAIN_AFTER_EXPIRY_MILLIS;

fn attempt(project: &str, now: Millis, expires_in: Millis) -> CliAttempt {
    CliAttempt::create(project, now, expires_in, None).attempt
}

#[test]
fn attempts_are_found_by_id_and_ids_are_unique() {
    let mut attempts = Attempts::default();
    let a = attempt("p1", 0, 60_000);
    let b = attempt("p2", 0, 60_000);
    assert!(attempts.insert(&a));
    assert!(attempts.insert(&b));
    assert!(!attempts.insert(&a), "an id is stored once");
    assert_eq!(attempts.get(&a.id), Some(a.clone()));
    assert_eq!(attempts.get(&b.id).map(|b| b.project_id), Some("p2".into()));
    assert_eq!(attempts.get("BCDFGHJK-not-stored"), None);
    assert_eq!(attempts.len(), 2);
}

#[test]
fn an_update_keeps_only_what_it_gives_back() {
    let mut attempts = Attempts::default();
    let a = attempt("p1", 0, 60_000);
    attempts.insert(&a);
    let answer = attempts.update(&a.id, |mut stored| {
        stored.used_at_millis = Some(5);
        ("looked", None)
    });
    assert_eq!(answer, Some("looked"));
    assert_eq!(attempts.get(&a.id).and_then(|s| s.used_at_millis), None);
    attempts.update(&a.id, |mut stored| {
        stored.used_at_millis = Some(5);
        ((), Some(stored))
    });
    assert_eq!(attempts.get(&a.id).and_then(|s| s.used_at_millis), Some(5));
    assert_eq!(attempts.update("missing", |a| ((), Some(a))), None);
}

#[test]
fn attempts_go_a_day_after_they_expire() {
    let mut attempts = Attempts::default();
    let short = attempt("p1", 0, 60_000);
    let long = attempt("p1", 0, 7_200_000);
    attempts.insert(&short);
    attempts.insert(&long);
    let day_after_short = 60_000 + RETAIN_AFTER_EXPIRY_MILLIS;
    attempts.drop_expired(day_after_short - 1);
    assert_eq!(attempts.len(), 2, "kept until a day past expiry");
    attempts.drop_expired(day_after_short);
    assert_eq!(attempts.get(&short.id), None);
    assert_eq!(attempts.get(&long.id), Some(long.clone()));
    attempts.drop_expired(7_200_000 + RETAIN_AFTER_EXPIRY_MILLIS);
    assert_eq!(attempts.len(), 0);
}

#[test]
fn an_id_is_free_again_once_its_attempt_is_dropped() {
    let mut attempts = Attempts::default();
    let old = attempt("p1", 0, 60_000);
    attempts.insert(&old);
    let gone = 60_000 + RETAIN_AFTER_EXPIRY_MILLIS;
    // The same user code drawn again while the old attempt is kept: taken.
    let mut again = attempt("p1", gone - 1, 60_000);
    again.id.clone_from(&old.id);
    assert!(!attempts.insert(&again), "kept until a day past expiry");
    // Once the old one is dropped, the code can name a new attempt.
    attempts.drop_expired(gone);
    assert!(attempts.insert(&again));
    assert_eq!(attempts.get(&old.id), Some(again));
}
