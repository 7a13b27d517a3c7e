//! Unit tests of `store/dynamodb/items.rs`: every item shape serializes to
//! every attribute the expressions name, and reads back unchanged.

use serde_json::json;

use super::*;
use crate::domain::login_attempt::{Asker, CliAttempt, ClientDetails, Refusal};
use crate::domain::project::Project;
use crate::domain::session::Session;
use crate::domain::user::User;
use crate::secret::LocatedSecret;
use crate::secret::SecretHash;
use crate::store::dynamodb::account_items::{SessionItem, UserItem, session_from, user_from};
use crate::store::dynamodb::attempt_item::{AttemptItem, attempt_from};
use crate::store::dynamodb::project_item::{ProjectItem, project_from};

/// Asserts that `item` carries every attribute in `named`.
fn assert_carries(item: &Item, named: &[&str]) {
    for name in named {
        assert!(item.contains_key(*name), "{name} in {:?}", item.keys());
    }
}

fn hash() -> SecretHash {
    LocatedSecret::generate("x").hash()
}

#[test]
fn a_full_project_item_carries_the_project_attributes() {
    let project = Project {
        id: "p".into(),
        display_name: "P".into(),
        requires_publishable_client_key: true,
        publishable_client_key_hash: Some(hash()),
        secret_server_key_hash: Some(hash()),
        super_secret_admin_key_hash: Some(hash()),
        created_at_millis: 1,
        app_url: Some("https://app.example.com".into()),
        proximity: crate::domain::hosted_page::proximity::ProximityPolicy::Block,
        agent_auth_enabled: true,
    };
    let item = to_item(&ProjectItem::from(&project)).expect("item");
    assert_carries(&item, attr::PROJECT);
    assert_eq!(project_from(Some(item)).expect("read"), Some(project));
}

#[test]
fn a_full_user_item_carries_the_user_attributes() {
    let user = User {
        id: "u".into(),
        project_id: "p".into(),
        display_name: Some("Ada".into()),
        primary_email: Some("ada@example.com".into()),
        profile_image_url: Some("https://example.com/ada.png".into()),
        is_anonymous: false,
        signed_up_at_millis: 1,
        client_metadata: json!({"a": 1}),
        server_metadata: json!([1, 2]),
    };
    let item = to_item(&UserItem::from(&user)).expect("item");
    assert_carries(&item, attr::USER);
    assert_eq!(user_from(Some(item)).expect("read"), Some(user));
}

#[test]
fn a_session_item_carries_the_session_attributes() {
    let (mut session, _) = Session::create("p", "u", 1_000, 60_000, true);
    session.agent_name = Some("Claude Code".into());
    let item = to_item(&SessionItem::from(&session)).expect("item");
    assert_carries(&item, attr::SESSION);
    assert_eq!(item[attr::TTL], n(62));
    assert_eq!(item[attr::AGENT_LISTING], s("p"));
    assert_eq!(session_from(Some(item)).expect("read"), Some(session));
}

#[test]
fn a_full_attempt_item_carries_the_attempt_attributes() {
    let mut attempt = CliAttempt::create(
        "p",
        1_000,
        60_000,
        Some((
            format!("{}.{}", crate::secret::random_id(), "s".repeat(43)),
            "u".into(),
        )),
    )
    .attempt;
    attempt.refresh_token = Some("r.t".into());
    attempt.handed_session_id = Some("h".into());
    attempt.completed_at_millis = Some(2_000);
    attempt.used_at_millis = Some(3_000);
    attempt.completed_by = Some("c".into());
    attempt.used_by = Some("u".into());
    // A denied attempt cannot also carry a token; the item only has to
    // carry every attribute, and read back the same.
    attempt.refusal = Some(Refusal::Denied);
    attempt.asker = Asker::new(
        Some(ClientDetails {
            name: Some("mytool".into()),
            hostname: Some("ada-laptop".into()),
        }),
        Some("203.0.113.7".into()),
        Some("mytool/1.0"),
    );
    attempt.code_challenge = Some("c".repeat(43));
    attempt.public_key = Some("{}".into());
    attempt.next_poll_at_millis = Some(4_000);
    attempt.poll_interval_millis = Some(5_000);
    attempt.agent = Some(Box::new(crate::domain::agent_auth::AgentDetails {
        agent: crate::domain::agent_auth::AgentRequest {
            name: "Claude Code".into(),
            description: Some("Triage support tickets".into()),
            url: Some("https://example.com/agent".into()),
            user_hint: Some("ada@example.com".into()),
        },
        anon_session_id: "s".into(),
        anon_user_id: "a".into(),
    }));
    let item = to_item(&AttemptItem::from(&attempt)).expect("item");
    assert_carries(&item, attr::ATTEMPT);
    assert_eq!(attempt_from(Some(item)).expect("read"), Some(attempt));
}
