//! Who is asking (api.md §8; RFC 8628 §5.4): initiate's optional `client`
//! object, with the caller's source IP, user agent and time, shown to the
//! browser's side by `check` when the CLI said who it is (and never
//! otherwise, so that Stack's answer stays byte for byte).

use cli_auth_core::clock::iso_millis;
use cli_auth_tests::{Req, StoreKind, T0, test_app};
use serde_json::{Value, json};

fn initiate(e: &cli_auth_tests::TestApp, body: Value) -> Req {
    Req::post("/api/v1/auth/cli")
        .client(&e.seeded)
        .json(body)
        .source_ip("203.0.113.7")
        .header("user-agent", "mytool/1.2.3 (linux)")
}

async fn check(e: &cli_auth_tests::TestApp, login: &str) -> Value {
    let r = e
        .complete(json!({"login_code": login, "mode": "check"}))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    r.json
}

async fn check_shows_who_is_asking(kind: StoreKind) {
    let e = test_app(kind).await;
    let r = initiate(
        &e,
        json!({"client": {"name": "mytool", "hostname": "ada-laptop"}}),
    )
    .send(&e.app)
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        check(&e, &r.string("login_code")).await,
        json!({
            "cli_session_state": "none",
            "client": {
                "name": "mytool",
                "hostname": "ada-laptop",
                "ip": "203.0.113.7",
                "user_agent": "mytool/1.2.3 (linux)",
                "created_at": iso_millis(T0),
            }
        })
    );
    // Absent fields are null; an empty object still says "this CLI asked".
    let r = initiate(&e, json!({"client": {"name": "mytool"}}))
        .send(&e.app)
        .await;
    let shown = check(&e, &r.string("login_code")).await;
    assert_eq!(shown["client"]["hostname"], Value::Null);
    assert_eq!(shown["client"]["name"], json!("mytool"));
    let r = initiate(&e, json!({"client": {}})).send(&e.app).await;
    let shown = check(&e, &r.string("login_code")).await;
    assert_eq!(shown["client"]["ip"], json!("203.0.113.7"));
}

async fn without_a_client_object_check_is_stacks_answer(kind: StoreKind) {
    let e = test_app(kind).await;
    for body in [json!({}), json!({"client": null})] {
        let r = initiate(&e, body).send(&e.app).await;
        assert_eq!(
            check(&e, &r.string("login_code")).await,
            json!({"cli_session_state": "none"})
        );
    }
}

async fn the_client_object_is_checked(kind: StoreKind) {
    let e = test_app(kind).await;
    for client in [
        json!({"name": "x".repeat(65)}),
        json!({"hostname": "h".repeat(65)}),
        json!({"name": "mytool", "version": "1.0"}),
        json!({"name": 7}),
        json!("mytool"),
        json!(["mytool"]),
    ] {
        let r = initiate(&e, json!({ "client": client })).send(&e.app).await;
        r.assert_known(400, "SCHEMA_ERROR");
        assert!(r.text.contains("client"), "{}", r.text);
    }
    // Characters that make a page or terminal show something else than was
    // sent (api.md §8): C0 and C1 controls, the bidi controls.
    for text in cli_auth_tests::DECEPTIVE_TEXTS {
        for field in ["name", "hostname"] {
            let r = initiate(&e, json!({"client": {field: text}}))
                .send(&e.app)
                .await;
            r.assert_known(400, "SCHEMA_ERROR");
            assert!(r.text.contains(field), "{field} {text:?}: {}", r.text);
        }
    }
    // Other Unicode is fine: a name in any script, with an emoji.
    let r = initiate(
        &e,
        json!({"client": {"name": "ツール 🚀", "hostname": "ada-läptop"}}),
    )
    .send(&e.app)
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    // 64 characters (not bytes) is the limit.
    let r = initiate(&e, json!({"client": {"name": "é".repeat(64)}}))
        .send(&e.app)
        .await;
    assert_eq!(r.status, 200, "{r:?}");
}

async fn a_long_user_agent_is_cut(kind: StoreKind) {
    let e = test_app(kind).await;
    let r = Req::post("/api/v1/auth/cli")
        .client(&e.seeded)
        .header("user-agent", &"u".repeat(1_000))
        .json(json!({"client": {"name": "mytool"}}))
        .send(&e.app)
        .await;
    let shown = check(&e, &r.string("login_code")).await;
    assert_eq!(shown["client"]["user_agent"], json!("u".repeat(256)));
    assert_eq!(shown["client"]["ip"], Value::Null, "no front end said");
}

cli_auth_tests::on_both_stores!(
    check_shows_who_is_asking,
    without_a_client_object_check_is_stacks_answer,
    the_client_object_is_checked,
    a_long_user_agent_is_cut,
);
