//! One conformance suite, run against both store adapters, so that the
//! in-memory store and DynamoDB cannot drift apart.

use std::sync::Arc;

use cli_auth_core::domain::login_attempt::open_anon_refresh_token;
use cli_auth_core::domain::login_attempt::{
    AttemptKey, AttemptState, CliAttempt, CodeKind, Ending, NewAttempt, Refusal,
};
use cli_auth_core::domain::project::Project;
use cli_auth_core::domain::session::Session;
use cli_auth_core::domain::store::{Claim, Finish, Lookup, PickUp, Store, StoreError};
use cli_auth_core::domain::user::UserPatch;
use cli_auth_core::secret::LocatedSecret;
use cli_auth_tests::{StoreKind, T0, seed_user, store};

const HOUR: i64 = 3_600_000;

/// A fresh request nonce: each call is its own request.
fn request() -> String {
    cli_auth_core::secret::random_token(16)
}

fn keys(n: &NewAttempt, project: &str) -> (AttemptKey, AttemptKey) {
    (
        AttemptKey::new(project, &n.polling_code, CodeKind::Polling),
        AttemptKey::new(project, &n.login_code, CodeKind::Login),
    )
}

async fn new_attempt(s: &dyn Store, anon: Option<(String, String)>) -> NewAttempt {
    let n = CliAttempt::create("p1", T0, HOUR, anon);
    s.create_attempt(&n.attempt).await.expect("create");
    n
}

/// An attempt carrying a real, live anonymous session.
async fn anon_attempt(s: &dyn Store) -> (NewAttempt, cli_auth_tests::SeededUser) {
    let anon = seed_user(s, "p1", true, T0, HOUR).await;
    let n = new_attempt(s, Some((anon.refresh_token.clone(), anon.user.id.clone()))).await;
    (n, anon)
}

/// `complete` with a token, as a yes or no: whether this request ended the
/// attempt.
async fn complete_with_token(
    s: &dyn Store,
    key: &AttemptKey,
    token: &str,
    now: i64,
    request: &str,
) -> Result<bool, StoreError> {
    Ok(s.complete(
        key,
        &Ending::Token {
            sealed: token.to_owned(),
            session_id: "session-1".into(),
        },
        now,
        request,
    )
    .await?
        == Finish::Done)
}

async fn attempt(s: &dyn Store, id: &str) -> Option<CliAttempt> {
    s.lookup(Lookup {
        attempt_id: Some(id),
        ..Lookup::default()
    })
    .await
    .expect("lookup")
    .attempt
}

/// A refusal ends a pending attempt with the same write as a token: it
/// records which, detaches the anonymous session, and is idempotent for
/// the request that made it; once ended, nothing else ends it, and the
/// failed condition hands back the attempt.
async fn a_refusal_ends_the_attempt_once(s: Arc<dyn Store>) {
    for refusal in [Refusal::Denied, Refusal::Cancelled] {
        let (n, _) = anon_attempt(s.as_ref()).await;
        let (poll, login) = keys(&n, "p1");
        let key = if refusal == Refusal::Denied {
            &login
        } else {
            &poll
        };
        let ending = Ending::Refused(refusal);
        let refusing = request();
        assert_eq!(
            s.complete(key, &ending, T0 + 1, &refusing)
                .await
                .expect("end"),
            Finish::Done
        );
        let ended = attempt(s.as_ref(), &n.attempt.id).await.expect("exists");
        assert_eq!(ended.state(T0 + 2), AttemptState::Refused(refusal));
        assert_eq!(ended.completed_at_millis, Some(T0 + 1));
        assert_eq!(ended.refresh_token, None);
        assert_eq!(
            (
                &ended.anon_refresh_token,
                &ended.anon_session_id,
                &ended.anon_user_id
            ),
            (&None, &None, &None)
        );
        // Its own retry succeeds; anything else finds it ended, unchanged.
        assert_eq!(
            s.complete(key, &ending, T0 + 2, &refusing)
                .await
                .expect("retry"),
            Finish::Done
        );
        assert_eq!(
            s.complete(
                &login,
                &Ending::Token {
                    sealed: "rt".into(),
                    session_id: "session-1".into()
                },
                T0 + 2,
                &request()
            )
            .await
            .expect("complete"),
            Finish::NotPending(Some(Box::new(ended.clone())))
        );
        assert_eq!(
            s.pick_up(&poll, T0 + 2, &request()).await.expect("poll"),
            PickUp::NotTaken(Some(Box::new(ended.clone())))
        );
        assert_eq!(attempt(s.as_ref(), &n.attempt.id).await, Some(ended));
    }
    // After a token, a refusal fails the same way.
    let n = new_attempt(s.as_ref(), None).await;
    let (poll, login) = keys(&n, "p1");
    assert!(
        complete_with_token(&*s, &login, "rt", T0 + 1, &request())
            .await
            .expect("complete")
    );
    let completed = attempt(s.as_ref(), &n.attempt.id).await;
    assert_eq!(
        s.complete(
            &poll,
            &Ending::Refused(Refusal::Cancelled),
            T0 + 2,
            &request()
        )
        .await
        .expect("cancel"),
        Finish::NotPending(completed.map(Box::new))
    );
}

async fn attempts_round_trip(s: Arc<dyn Store>) {
    let n = new_attempt(s.as_ref(), Some(("anon-token".into(), "anon-user".into()))).await;
    assert_eq!(
        attempt(s.as_ref(), &n.attempt.id).await,
        Some(n.attempt.clone())
    );
    assert_eq!(
        attempt(s.as_ref(), "00000000-0000-4000-8000-000000000000").await,
        None
    );
    // The same id cannot be created twice.
    assert!(matches!(
        s.create_attempt(&n.attempt).await,
        Err(StoreError::AlreadyExists)
    ));
}

async fn full_lifecycle(s: Arc<dyn Store>) {
    let n = new_attempt(s.as_ref(), None).await;
    let (poll, login) = keys(&n, "p1");
    // Pending: nothing to pick up, and the failed condition returns the item.
    assert_eq!(
        s.pick_up(&poll, T0 + 1, &request()).await.expect("poll"),
        PickUp::NotTaken(Some(Box::new(n.attempt.clone())))
    );
    assert!(
        complete_with_token(&*s, &login, "rt-1", T0 + 2, &request())
            .await
            .expect("complete")
    );
    let completed = attempt(s.as_ref(), &n.attempt.id).await.expect("exists");
    assert_eq!(completed.refresh_token.as_deref(), Some("rt-1"));
    // The session it handed over stays named, for the admin overview.
    assert_eq!(completed.handed_session_id.as_deref(), Some("session-1"));
    assert_eq!(completed.completed_at_millis, Some(T0 + 2));
    // A second complete fails and changes nothing.
    assert!(
        !complete_with_token(&*s, &login, "rt-2", T0 + 3, &request())
            .await
            .expect("complete")
    );
    assert_eq!(attempt(s.as_ref(), &n.attempt.id).await, Some(completed));
    // Exactly one pickup; a retry of that very request (its answer lost)
    // gets the token again, any other request hears the attempt is used.
    let picking = request();
    assert_eq!(
        s.pick_up(&poll, T0 + 4, &picking).await.expect("poll"),
        PickUp::Taken {
            refresh_token: "rt-1".into(),
            encrypted: false,
        }
    );
    let used = attempt(s.as_ref(), &n.attempt.id).await.expect("exists");
    assert_eq!(
        (used.used_at_millis, used.used_by.as_deref()),
        (Some(T0 + 4), Some(picking.as_str()))
    );
    assert_eq!(used.handed_session_id.as_deref(), Some("session-1"), "kept");
    assert_eq!(
        s.pick_up(&poll, T0 + 5, &picking).await.expect("retry"),
        PickUp::Taken {
            refresh_token: "rt-1".into(),
            encrypted: false,
        }
    );
    assert_eq!(
        s.pick_up(&poll, T0 + 5, &request()).await.expect("poll"),
        PickUp::NotTaken(Some(Box::new(used.clone())))
    );
    assert_eq!(
        attempt(s.as_ref(), &n.attempt.id).await,
        Some(used),
        "neither changed it"
    );
}

/// The same for complete: a retry of the winning request succeeds again,
/// changing nothing; another request is refused.
async fn a_retried_complete_finds_its_own_write(s: Arc<dyn Store>) {
    let n = new_attempt(s.as_ref(), None).await;
    let (_, login) = keys(&n, "p1");
    let completing = request();
    assert!(
        complete_with_token(&*s, &login, "rt", T0 + 1, &completing)
            .await
            .expect("complete")
    );
    let completed = attempt(s.as_ref(), &n.attempt.id).await;
    assert!(
        complete_with_token(&*s, &login, "rt", T0 + 2, &completing)
            .await
            .expect("retry")
    );
    assert!(
        !complete_with_token(&*s, &login, "rt", T0 + 2, &request())
            .await
            .expect("another")
    );
    assert_eq!(attempt(s.as_ref(), &n.attempt.id).await, completed);
}

async fn wrong_code_project_or_kind_changes_nothing(s: Arc<dyn Store>) {
    let (n, _) = anon_attempt(s.as_ref()).await;
    let other = LocatedSecret::generate(&n.attempt.id);
    let bad_keys = [
        AttemptKey::new("p1", &other, CodeKind::Login),
        AttemptKey::new("p2", &n.login_code, CodeKind::Login),
        AttemptKey::new("p1", &n.polling_code, CodeKind::Login),
    ];
    for key in &bad_keys {
        assert!(
            !complete_with_token(&*s, key, "rt", T0 + 1, &request())
                .await
                .expect("complete")
        );
        assert_eq!(
            s.claim_anon_session(key, T0 + 1).await.expect("claim"),
            Claim::NotPending
        );
    }
    assert_eq!(
        attempt(s.as_ref(), &n.attempt.id).await,
        Some(n.attempt.clone())
    );
    // Complete with the right login code, then try to pick up with bad polling keys.
    let (poll, login) = keys(&n, "p1");
    assert!(
        complete_with_token(&*s, &login, "rt", T0 + 1, &request())
            .await
            .expect("complete")
    );
    for key in [
        AttemptKey::new("p1", &other, CodeKind::Polling),
        AttemptKey::new("p2", &n.polling_code, CodeKind::Polling),
        AttemptKey::new("p1", &n.login_code, CodeKind::Polling),
    ] {
        assert!(matches!(
            s.pick_up(&key, T0 + 2, &request()).await.expect("poll"),
            PickUp::NotTaken(Some(_))
        ));
    }
    assert!(matches!(
        s.pick_up(&poll, T0 + 2, &request()).await.expect("poll"),
        PickUp::Taken { .. }
    ));
}

async fn expiry_blocks_every_transition(s: Arc<dyn Store>) {
    let (n, _) = anon_attempt(s.as_ref()).await;
    let (poll, login) = keys(&n, "p1");
    let late = T0 + HOUR;
    assert!(
        !complete_with_token(&*s, &login, "rt", late, &request())
            .await
            .expect("complete")
    );
    assert_eq!(
        s.claim_anon_session(&login, late).await.expect("claim"),
        Claim::NotPending
    );
    // Completed just in time, picked up too late.
    assert!(
        complete_with_token(&*s, &login, "rt", late - 1, &request())
            .await
            .expect("complete")
    );
    assert!(matches!(
        s.pick_up(&poll, late, &request()).await.expect("poll"),
        PickUp::NotTaken(Some(_))
    ));
    assert!(matches!(
        s.pick_up(&poll, late - 1, &request()).await.expect("poll"),
        PickUp::Taken { .. }
    ));
}

async fn anonymous_session_is_claimed_once_and_detached_by_complete(s: Arc<dyn Store>) {
    let (n, anon) = anon_attempt(s.as_ref()).await;
    let (_, login) = keys(&n, "p1");
    let Claim::Claimed {
        anon_refresh_token,
        anon_user,
        session_id,
    } = s.claim_anon_session(&login, T0 + 1).await.expect("claim")
    else {
        panic!("claimed");
    };
    assert_eq!(
        (*anon_user, session_id),
        (anon.user.clone(), anon.session.id.clone())
    );
    assert_eq!(
        open_anon_refresh_token(&n.login_code, &anon_refresh_token),
        Some(anon.refresh_token.clone()),
        "the token as sealed for the login code"
    );
    let after = attempt(s.as_ref(), &n.attempt.id).await.expect("exists");
    assert_eq!(
        (
            after.anon_refresh_token.clone(),
            after.anon_session_id.clone(),
            after.anon_user_id.clone()
        ),
        (None, None, None)
    );
    assert_eq!(
        s.claim_anon_session(&login, T0 + 2).await.expect("claim"),
        Claim::NoLiveSession
    );

    let (n, _) = anon_attempt(s.as_ref()).await;
    let (_, login) = keys(&n, "p1");
    assert!(
        complete_with_token(&*s, &login, "rt", T0 + 1, &request())
            .await
            .expect("complete")
    );
    let after = attempt(s.as_ref(), &n.attempt.id).await.expect("exists");
    assert_eq!(
        after.anon_refresh_token, None,
        "complete detaches the anonymous session"
    );
    assert_eq!(
        s.claim_anon_session(&login, T0 + 2).await.expect("claim"),
        Claim::NotPending
    );
    // No attempt at all.
    let ghost = CliAttempt::create("p1", T0, HOUR, None);
    let (_, ghost_login) = keys(&ghost, "p1");
    assert_eq!(
        s.claim_anon_session(&ghost_login, T0).await.expect("claim"),
        Claim::NotPending
    );
    assert!(
        !complete_with_token(&*s, &ghost_login, "rt", T0, &request())
            .await
            .expect("complete")
    );
    let (ghost_poll, _) = keys(&ghost, "p1");
    assert_eq!(
        s.pick_up(&ghost_poll, T0, &request()).await.expect("poll"),
        PickUp::NotTaken(None)
    );
}

async fn claims_refuse_dead_sessions_and_detach_nothing(s: Arc<dyn Store>) {
    // No anonymous session at all.
    let plain = new_attempt(s.as_ref(), None).await;
    assert_eq!(
        s.claim_anon_session(&keys(&plain, "p1").1, T0)
            .await
            .expect("claim"),
        Claim::NoLiveSession
    );
    // Expired session (the attempt outlives it).
    let short = seed_user(s.as_ref(), "p1", true, T0, 1000).await;
    let n = new_attempt(
        s.as_ref(),
        Some((short.refresh_token.clone(), short.user.id.clone())),
    )
    .await;
    let login = keys(&n, "p1").1;
    assert_eq!(
        s.claim_anon_session(&login, T0 + 1000)
            .await
            .expect("claim"),
        Claim::NoLiveSession
    );
    // Revoked session.
    let (n, anon) = anon_attempt(s.as_ref()).await;
    let login = keys(&n, "p1").1;
    assert!(
        s.delete_session("p1", &anon.session.id, None)
            .await
            .expect("revoke")
    );
    assert_eq!(
        s.claim_anon_session(&login, T0 + 1).await.expect("claim"),
        Claim::NoLiveSession
    );
    // User upgraded in place.
    let (n, anon) = anon_attempt(s.as_ref()).await;
    let login = keys(&n, "p1").1;
    let upgrade = UserPatch {
        is_anonymous: Some(false),
        ..UserPatch::default()
    };
    s.update_user("p1", &anon.user.id, &upgrade)
        .await
        .expect("upgrade");
    assert_eq!(
        s.claim_anon_session(&login, T0 + 1).await.expect("claim"),
        Claim::NoLiveSession
    );
    // Refused claims detach nothing.
    let kept = attempt(s.as_ref(), &n.attempt.id).await.expect("exists");
    assert_eq!(
        kept.anon_refresh_token(&n.login_code),
        Some(anon.refresh_token)
    );
}

async fn lookup_reads_any_combination(s: Arc<dyn Store>) {
    let seeded = seed_user(s.as_ref(), "p1", true, T0, HOUR).await;
    let n = new_attempt(s.as_ref(), None).await;
    let all = s
        .lookup(Lookup {
            attempt_id: Some(&n.attempt.id),
            session_id: Some(&seeded.session.id),
            user_id: Some(&seeded.user.id),
        })
        .await
        .expect("lookup");
    assert_eq!(all.attempt, Some(n.attempt.clone()));
    assert_eq!(all.session, Some(seeded.session.clone()));
    assert_eq!(all.user, Some(seeded.user.clone()));
    let some = s
        .lookup(Lookup {
            session_id: Some(&seeded.session.id),
            user_id: Some("missing"),
            ..Lookup::default()
        })
        .await
        .expect("lookup");
    assert_eq!(
        (some.attempt, some.session, some.user),
        (None, Some(seeded.session), None)
    );
    let none = s.lookup(Lookup::default()).await.expect("lookup");
    assert!(none.attempt.is_none() && none.session.is_none() && none.user.is_none());
}

/// Many at once: each record that exists once, however often it is named;
/// missing ones left out; more than one batch's worth of keys.
async fn lookup_many_reads_each_record_once(s: Arc<dyn Store>) {
    let a = seed_user(s.as_ref(), "p1", false, T0, HOUR).await;
    let b = seed_user(s.as_ref(), "p1", true, T0, HOUR).await;
    let missing: Vec<String> = (0..120).map(|i| format!("missing-{i}")).collect();
    let mut session_ids: Vec<&str> = missing.iter().map(String::as_str).collect();
    session_ids.extend([
        a.session.id.as_str(),
        b.session.id.as_str(),
        a.session.id.as_str(),
    ]);
    let user_ids = [b.user.id.as_str(), b.user.id.as_str(), "missing"];
    let found = s
        .lookup_many(&session_ids, &user_ids)
        .await
        .expect("lookup");
    let mut sessions: Vec<&str> = found.sessions.iter().map(|x| x.id.as_str()).collect();
    sessions.sort_unstable();
    let mut want = vec![a.session.id.as_str(), b.session.id.as_str()];
    want.sort_unstable();
    assert_eq!(sessions, want);
    assert_eq!(found.users, vec![b.user.clone()]);
    let none = s.lookup_many(&[], &[]).await.expect("lookup");
    assert!(none.sessions.is_empty() && none.users.is_empty());
}

async fn users_keep_metadata_exactly(s: Arc<dyn Store>) {
    let mut seeded = seed_user(s.as_ref(), "p1", false, T0, HOUR).await;
    seeded.user.client_metadata =
        serde_json::json!({"n": 1.5, "big": 12345678901234567u64, "list": [null, "x"]});
    seeded.user.primary_email = Some("ada@example.com".into());
    s.put_user(&seeded.user).await.expect("put");
    let back = s
        .lookup(Lookup {
            user_id: Some(&seeded.user.id),
            ..Lookup::default()
        })
        .await
        .expect("lookup")
        .user;
    assert_eq!(back, Some(seeded.user));
}

async fn projects_create_save_list(s: Arc<dyn Store>) {
    let (mut a, _) = Project::create("A", true, T0);
    let (b, _) = Project::create("B", false, T0);
    s.create_project(&a).await.expect("create a");
    s.create_project(&b).await.expect("create b");
    assert!(matches!(
        s.create_project(&a).await,
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(s.get_project(&a.id).await.expect("get"), Some(a.clone()));
    assert_eq!(s.get_project("nope").await.expect("get"), None);
    a.display_name = "A2".into();
    a.requires_publishable_client_key = false;
    s.save_project(&a).await.expect("save");
    assert_eq!(s.get_project(&a.id).await.expect("get"), Some(a.clone()));
    let mut expected = vec![a, b];
    expected.sort_by(|x, y| x.id.cmp(&y.id));
    assert_eq!(s.list_projects().await.expect("list"), expected);
}

async fn user_and_session_are_created_together_or_not_at_all(s: Arc<dyn Store>) {
    let seeded = seed_user(s.as_ref(), "p1", true, T0, HOUR).await;
    // A second session with the same user id: the user exists, so neither is written.
    let (session, _) = Session::create("p1", &seeded.user.id, T0, HOUR, false);
    assert!(matches!(
        s.create_user_with_session(&seeded.user, &session).await,
        Err(StoreError::AlreadyExists)
    ));
    let found = s
        .lookup(Lookup {
            session_id: Some(&session.id),
            ..Lookup::default()
        })
        .await
        .expect("lookup");
    assert_eq!(found.session, None, "no half-written state");
    let mut user = seeded.user.clone();
    user.id = cli_auth_core::secret::random_id();
    let (session, _) = Session::create("p1", &user.id, T0, HOUR, false);
    s.create_user_with_session(&user, &session)
        .await
        .expect("create");
    let found = s
        .lookup(Lookup {
            session_id: Some(&session.id),
            user_id: Some(&user.id),
            ..Lookup::default()
        })
        .await
        .expect("lookup");
    assert_eq!((found.user, found.session), (Some(user), Some(session)));
}

async fn users_are_deleted_once_and_only_in_their_project(s: Arc<dyn Store>) {
    let seeded = seed_user(s.as_ref(), "p1", false, T0, HOUR).await;
    assert!(!s.delete_user("p2", &seeded.user.id).await.expect("delete"));
    assert!(s.user(&seeded.user.id).await.expect("read").is_some());
    assert!(s.delete_user("p1", &seeded.user.id).await.expect("delete"));
    assert!(!s.delete_user("p1", &seeded.user.id).await.expect("delete"));
    assert_eq!(s.user(&seeded.user.id).await.expect("read"), None);
    assert!(!s.delete_user("p1", "missing").await.expect("delete"));
}

async fn user_updates_set_clear_and_keep(s: Arc<dyn Store>) {
    let mut seeded = seed_user(s.as_ref(), "p1", true, T0, HOUR).await;
    seeded.user.primary_email = Some("a@b.c".into());
    s.put_user(&seeded.user).await.expect("put");
    let patch = UserPatch {
        display_name: Some(Some("New".into())),
        primary_email: Some(None),
        profile_image_url: Some(Some("https://example.com/p.png".into())),
        is_anonymous: Some(false),
        client_metadata: Some(serde_json::json!({"k": [1, 2]})),
        server_metadata: None,
    };
    let mut expected = seeded.user.clone();
    patch.apply(&mut expected);
    assert_eq!(expected.primary_email, None);
    assert_eq!(
        s.update_user("p1", &seeded.user.id, &patch)
            .await
            .expect("update"),
        Some(expected.clone())
    );
    let stored = s
        .lookup(Lookup {
            user_id: Some(&seeded.user.id),
            ..Lookup::default()
        })
        .await
        .expect("lookup")
        .user;
    assert_eq!(stored, Some(expected.clone()));
    // Another project's caller cannot touch it; a missing user is None.
    assert_eq!(
        s.update_user("p2", &seeded.user.id, &patch)
            .await
            .expect("update"),
        None
    );
    assert_eq!(
        s.update_user("p1", "missing", &patch)
            .await
            .expect("update"),
        None
    );
    assert_eq!(
        s.update_user("p1", &seeded.user.id, &UserPatch::default())
            .await
            .expect("noop"),
        Some(expected)
    );
}

async fn racing_session_deletes_succeed_once(s: Arc<dyn Store>) {
    let seeded = seed_user(s.as_ref(), "p1", false, T0, HOUR).await;
    let id = &seeded.session.id;
    for (project, owner, why) in [
        ("p2", None, "another project"),
        ("p1", Some("someone-else"), "another user's"),
    ] {
        let deleted = s.delete_session(project, id, owner).await.expect("delete");
        assert!(!deleted, "{why}");
    }
    let racers = (0..RACERS).map(|i| {
        let (s, id, user) = (
            Arc::clone(&s),
            seeded.session.id.clone(),
            seeded.user.id.clone(),
        );
        // Half as its user (client access), half as the project (server).
        tokio::spawn(async move {
            let owner = (i % 2 == 0).then_some(user.as_str());
            s.delete_session("p1", &id, owner).await
        })
    });
    let deleted = futures::future::join_all(racers)
        .await
        .into_iter()
        .filter(|r| matches!(r, Ok(Ok(true))))
        .count();
    assert_eq!(deleted, 1);
}

const RACERS: usize = 24;

/// Key rotations write one key each: racing rotations of the client and the
/// server key never bring back a replaced key (a read-then-put of the whole
/// project, as `rotate-key` did, can), and leave the other keys alone.
async fn key_rotations_never_undo_each_other(s: Arc<dyn Store>) {
    use cli_auth_core::domain::access::AccessType;
    use cli_auth_core::domain::project::NewKey;
    let (project, keys) = Project::create("Rotating", true, T0);
    s.create_project(&project).await.expect("create");
    let racers = (0..RACERS).map(|i| {
        let (s, id) = (Arc::clone(&s), project.id.clone());
        let kind = [AccessType::Client, AccessType::Server][i % 2];
        tokio::spawn(async move {
            let key = NewKey::generate(kind);
            let written = s.set_project_key(&id, kind, &key.hash).await;
            (kind, key.hash, written)
        })
    });
    let mut written = Vec::new();
    for r in futures::future::join_all(racers).await {
        let (kind, hash, result) = r.expect("task");
        assert!(result.expect("store"));
        written.push((kind, hash));
    }
    let stored = s
        .get_project(&project.id)
        .await
        .expect("get")
        .expect("exists");
    for kind in [AccessType::Client, AccessType::Server] {
        let now = stored.key_hash(kind).expect("a key");
        assert!(
            written.iter().any(|(k, h)| *k == kind && h == now),
            "{kind}: one of the rotations' keys"
        );
    }
    let original = |kind: AccessType| {
        let at = AccessType::ALL
            .iter()
            .position(|k| *k == kind)
            .expect("kind");
        &keys[at]
    };
    for kind in [AccessType::Client, AccessType::Server] {
        assert!(
            !stored
                .key_hash(kind)
                .expect("key")
                .matches(&original(kind).text)
        );
    }
    assert!(
        stored
            .key_hash(AccessType::Admin)
            .expect("admin key")
            .matches(&original(AccessType::Admin).text),
        "untouched"
    );
    assert!(
        !s.set_project_key(
            "no-such-project",
            AccessType::Client,
            &NewKey::generate(AccessType::Client).hash
        )
        .await
        .expect("store")
    );
    assert_eq!(
        s.get_project("no-such-project").await.expect("get"),
        None,
        "nothing created"
    );
}

async fn sessions_are_used_only_while_live(s: Arc<dyn Store>) {
    let seeded = seed_user(s.as_ref(), "p1", false, T0, HOUR).await;
    let token = LocatedSecret::parse(&seeded.refresh_token).expect("token");
    let forged = LocatedSecret::generate(&seeded.session.id);
    for (project, token, now, why) in [
        ("p2", &token, T0 + 1, "another project"),
        ("p1", &forged, T0 + 1, "another secret"),
        ("p1", &token, T0 + HOUR, "expired"),
    ] {
        assert_eq!(
            s.use_session(project, token, now).await.expect("use"),
            None,
            "{why}"
        );
    }
    let used = s
        .use_session("p1", &token, T0 + 5)
        .await
        .expect("use")
        .expect("live");
    assert_eq!(
        (
            used.id.as_str(),
            used.created_at_millis,
            used.last_used_at_millis
        ),
        (seeded.session.id.as_str(), T0, T0 + 5)
    );
    let stored = s.session(&seeded.session.id).await.expect("read");
    assert_eq!(stored, Some(used), "the last use is stored");
    assert!(
        s.delete_session("p1", &seeded.session.id, None)
            .await
            .expect("delete")
    );
    assert_eq!(
        s.use_session("p1", &token, T0 + 6).await.expect("use"),
        None,
        "revoked"
    );
}

async fn a_users_live_sessions_are_listed_newest_first(s: Arc<dyn Store>) {
    let seeded = seed_user(s.as_ref(), "p1", false, T0, HOUR).await;
    let user = &seeded.user.id;
    let put = async |project: &str, user: &str, at: i64, lifetime: i64| {
        let impersonation = at == T0 + 30;
        let (session, _) = Session::create(project, user, at, lifetime, impersonation);
        s.put_session(&session).await.expect("put");
        session.id
    };
    let newer = put("p1", user, T0 + 20, HOUR).await;
    let newest = put("p1", user, T0 + 30, HOUR).await;
    put("p1", user, T0 - HOUR, HOUR + 10).await; // expired at T0 + 10
    put("p2", user, T0 + 40, HOUR).await; // another project
    put("p1", &cli_auth_core::secret::random_id(), T0 + 50, HOUR).await; // another user
    let listed: Vec<String> = s
        .sessions_of_user("p1", user, T0 + 60)
        .await
        .expect("list")
        .into_iter()
        .map(|session| session.id)
        .collect();
    assert_eq!(listed, vec![newest, newer, seeded.session.id.clone()]);
    let impersonation: Vec<bool> = s
        .sessions_of_user("p1", user, T0 + 60)
        .await
        .expect("list")
        .iter()
        .map(|session| session.is_impersonation)
        .collect();
    assert_eq!(impersonation, vec![true, false, false], "kept as stored");
    assert!(
        s.sessions_of_user("p1", "no-such-user", T0)
            .await
            .expect("list")
            .is_empty()
    );
}

async fn racing_pickups_hand_out_the_token_once(s: Arc<dyn Store>) {
    let n = new_attempt(s.as_ref(), None).await;
    let (poll, login) = keys(&n, "p1");
    assert!(
        complete_with_token(&*s, &login, "the-token", T0 + 1, &request())
            .await
            .expect("complete")
    );
    let racers = (0..RACERS).map(|_| {
        let (s, poll) = (Arc::clone(&s), poll.clone());
        tokio::spawn(async move { s.pick_up(&poll, T0 + 2, &request()).await })
    });
    let outcomes: Vec<PickUp> = futures::future::join_all(racers)
        .await
        .into_iter()
        .map(|r| r.expect("task").expect("store"))
        .collect();
    let taken: Vec<&PickUp> = outcomes
        .iter()
        .filter(|o| matches!(o, PickUp::Taken { .. }))
        .collect();
    assert_eq!(
        taken,
        vec![&PickUp::Taken {
            refresh_token: "the-token".into(),
            encrypted: false,
        }]
    );
}

async fn racing_completes_succeed_once(s: Arc<dyn Store>) {
    let n = new_attempt(s.as_ref(), None).await;
    let (poll, login) = keys(&n, "p1");
    let racers = (0..RACERS).map(|i| {
        let (s, login) = (Arc::clone(&s), login.clone());
        tokio::spawn(async move {
            (
                i,
                complete_with_token(&*s, &login, &format!("token-{i}"), T0 + 1, &request()).await,
            )
        })
    });
    let winners: Vec<usize> = futures::future::join_all(racers)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .filter_map(|(i, r)| r.expect("store").then_some(i))
        .collect();
    assert_eq!(winners.len(), 1, "exactly one complete wins: {winners:?}");
    // The token stored is the winner's.
    assert_eq!(
        s.pick_up(&poll, T0 + 2, &request()).await.expect("poll"),
        PickUp::Taken {
            refresh_token: format!("token-{}", winners[0]),
            encrypted: false,
        }
    );
}

async fn racing_claims_succeed_once(s: Arc<dyn Store>) {
    let (n, _) = anon_attempt(s.as_ref()).await;
    let (_, login) = keys(&n, "p1");
    let racers = (0..RACERS).map(|_| {
        let (s, login) = (Arc::clone(&s), login.clone());
        tokio::spawn(async move { s.claim_anon_session(&login, T0 + 1).await })
    });
    let claimed = futures::future::join_all(racers)
        .await
        .into_iter()
        .filter(|r| matches!(r, Ok(Ok(Claim::Claimed { .. }))))
        .count();
    assert_eq!(claimed, 1);
}

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::store(super::StoreKind::Memory).await).await;
                }
            )*
        }
        mod dynamodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(super::store(super::StoreKind::Dynamo).await).await;
                }
            )*
        }
    };
}

conformance!(
    attempts_round_trip,
    a_refusal_ends_the_attempt_once,
    full_lifecycle,
    a_retried_complete_finds_its_own_write,
    wrong_code_project_or_kind_changes_nothing,
    expiry_blocks_every_transition,
    anonymous_session_is_claimed_once_and_detached_by_complete,
    lookup_reads_any_combination,
    lookup_many_reads_each_record_once,
    users_keep_metadata_exactly,
    projects_create_save_list,
    racing_pickups_hand_out_the_token_once,
    racing_completes_succeed_once,
    racing_claims_succeed_once,
    claims_refuse_dead_sessions_and_detach_nothing,
    user_and_session_are_created_together_or_not_at_all,
    user_updates_set_clear_and_keep,
    users_are_deleted_once_and_only_in_their_project,
    sessions_are_used_only_while_live,
    key_rotations_never_undo_each_other,
    a_users_live_sessions_are_listed_newest_first,
    racing_session_deletes_succeed_once,
);
