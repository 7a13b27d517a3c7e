//! DynamoDB round trips per endpoint, counted by an SDK interceptor on the
//! real adapter against DynamoDB Local: initiate 1, poll 1 in every state
//! but the one that takes the token (2), complete at most 2, and each accounts endpoint at its floor. (A warm function's project lookup is cached, so the
//! first request of each test warms the cache and is not counted.)

use std::sync::Arc;

use cli_auth_core::App;
use cli_auth_core::clock::ManualClock;
use cli_auth_core::domain::store::Store;
use cli_auth_core::store::dynamodb::RequestCounter;
use cli_auth_tests::{Req, Resp, Seeded, T0, app, dynamo_store, seed_project, seed_user};
use serde_json::{Value, json};

const HOUR: i64 = 3_600_000;

struct Counted {
    app: App,
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
    counter: RequestCounter,
    seeded: Seeded,
}

impl Counted {
    async fn new() -> Self {
        let counter = RequestCounter::default();
        let store: Arc<dyn Store> = Arc::new(dynamo_store(Some(counter.clone())).await);
        let seeded = seed_project(store.as_ref(), true).await;
        let clock = Arc::new(ManualClock::new(T0));
        let app = app(Arc::clone(&store), Arc::clone(&clock));
        let this = Self {
            app,
            store,
            clock,
            counter,
            seeded,
        };
        // Warm the project cache, as any warm function has it.
        this.call("/api/v1/auth/cli/poll", json!({"polling_code": "x"}))
            .await;
        this
    }

    async fn call(&self, path: &str, body: Value) -> Resp {
        Req::post(path)
            .client(&self.seeded)
            .json(body)
            .send(&self.app)
            .await
    }

    /// Runs a request and returns its answer and the round trips it made.
    async fn counted(&self, path: &str, body: Value) -> (Resp, usize) {
        self.counter.reset();
        let r = self.call(path, body).await;
        (r, self.counter.count())
    }
}

/// The user-code look-up reserves a slot in its two counters (one
/// conditional UpdateItem each, sent together), then reads the attempt (one
/// GetItem: the user code is its key, no index); found, it gives the two
/// slots back (sent together). Requests: 5 found (3 round trips), 3 on a
/// failure (2), 2 refused at the limit (1), none of them a write of the
/// attempt.
#[tokio::test]
async fn a_user_code_look_up_reserves_then_reads() {
    let c = Counted::new().await;
    let r = c.call("/api/v1/auth/cli", json!({})).await;
    let code = r.string("user_code");
    let user = seed_user(c.store.as_ref(), &c.seeded.project.id, false, T0, HOUR).await;
    let person = Req::post("/api/v1/auth/sessions/current/refresh")
        .client(&c.seeded)
        .header("x-stack-refresh-token", &user.refresh_token)
        .send(&c.app)
        .await
        .string("access_token");
    let look_up = |code: &str| {
        Req::post("/api/v1/auth/cli/user-code")
            .client(&c.seeded)
            .header("x-stack-access-token", &person)
            .source_ip("192.0.2.1")
            .json(json!({ "user_code": code }))
    };
    c.counter.reset();
    let r = look_up(&code).send(&c.app).await;
    assert_eq!((r.status, c.counter.count()), (200, 5));
    for _ in 0..10 {
        c.counter.reset();
        let r = look_up("BBBB-BBBB").send(&c.app).await;
        assert_eq!((r.status, c.counter.count()), (400, 3));
    }
    c.counter.reset();
    let r = look_up(&code).send(&c.app).await;
    assert_eq!((r.status, c.counter.count()), (429, 2));
}

/// Deny and cancel are each the one conditional write that ends an
/// attempt, with no read before it: its failed condition hands back the
/// attempt to tell "unknown" from "no longer pending".
#[tokio::test]
async fn deny_and_cancel_are_one_round_trip_each() {
    let c = Counted::new().await;
    for ending in ["deny", "cancel"] {
        let r = c.call("/api/v1/auth/cli", json!({})).await;
        let (polling, login) = (r.string("polling_code"), r.string("login_code"));
        let (path, body) = match ending {
            "deny" => (
                "/api/v1/auth/cli/complete",
                json!({"login_code": login, "mode": "deny"}),
            ),
            _ => ("/api/v1/auth/cli/cancel", json!({"polling_code": polling})),
        };
        let (r, trips) = c.counted(path, body.clone()).await;
        assert_eq!((r.status, trips), (200, 1), "{ending}");
        let (r, trips) = c.counted(path, body).await;
        assert_eq!((r.status, trips), (400, 1), "{ending} again");
        let (r, trips) = c
            .counted("/api/v1/auth/cli/poll", json!({"polling_code": polling}))
            .await;
        assert_eq!((r.status, trips), (200, 1), "poll after {ending}");
    }
}

#[tokio::test]
async fn initiate_is_one_round_trip() {
    let c = Counted::new().await;
    let (r, trips) = c.counted("/api/v1/auth/cli", json!({})).await;
    assert_eq!((r.status, trips), (200, 1));
    // With an anonymous session to validate: its session and its user, then the write.
    let anon = seed_user(c.store.as_ref(), &c.seeded.project.id, true, T0, HOUR).await;
    let (r, trips) = c
        .counted(
            "/api/v1/auth/cli",
            json!({"anon_refresh_token": anon.refresh_token}),
        )
        .await;
    assert_eq!((r.status, trips), (200, 3));
    // A malformed anonymous token costs nothing.
    let (r, trips) = c
        .counted("/api/v1/auth/cli", json!({"anon_refresh_token": "junk"}))
        .await;
    assert_eq!((r.status, trips), (400, 0));
}

/// A poll reads the attempt (strongly consistent) and writes only when the
/// token waits: a waiting, used, expired or refused attempt costs one read
/// unit instead of the write unit a failed conditional write is charged
/// (docs/performance.md, "The cost of a login on AWS"); the one poll that
/// takes the token reads, then writes the pickup that decides, exactly once.
#[tokio::test]
async fn poll_reads_and_writes_only_to_take_the_token() {
    let c = Counted::new().await;
    let r = c.call("/api/v1/auth/cli", json!({})).await;
    let (polling, login) = (r.json["polling_code"].clone(), r.json["login_code"].clone());
    let poll = || json!({"polling_code": polling});
    let operations = |c: &Counted| c.counter.operations();

    let (r, trips) = c.counted("/api/v1/auth/cli/poll", poll()).await;
    assert_eq!((r.json["status"].clone(), trips), (json!("waiting"), 1));
    assert_eq!(operations(&c), ["GetItem"]);

    let user = seed_user(c.store.as_ref(), &c.seeded.project.id, false, T0, HOUR).await;
    c.call(
        "/api/v1/auth/cli/complete",
        json!({"login_code": login, "refresh_token": user.refresh_token}),
    )
    .await;
    let (r, trips) = c.counted("/api/v1/auth/cli/poll", poll()).await;
    assert_eq!(
        (r.status, r.json["status"].clone(), trips),
        (201, json!("success"), 2)
    );
    assert_eq!(operations(&c), ["GetItem", "UpdateItem"]);
    let (r, trips) = c.counted("/api/v1/auth/cli/poll", poll()).await;
    assert_eq!((r.json["status"].clone(), trips), (json!("used"), 1));
    assert_eq!(operations(&c), ["GetItem"]);
    // `used` even after expiry (checked first), still one read.
    c.clock.advance(3 * HOUR);
    let (r, trips) = c.counted("/api/v1/auth/cli/poll", poll()).await;
    assert_eq!((r.json["status"].clone(), trips), (json!("used"), 1));
    // A well-formed code of no attempt: one trip; a malformed one: none.
    let ghost = format!(
        "{}.{}",
        "00000000-0000-4000-8000-000000000000",
        "A".repeat(43)
    );
    let (r, trips) = c
        .counted("/api/v1/auth/cli/poll", json!({"polling_code": ghost}))
        .await;
    assert_eq!((r.status, trips), (400, 1));
    let (r, trips) = c
        .counted("/api/v1/auth/cli/poll", json!({"polling_code": "junk"}))
        .await;
    assert_eq!((r.status, trips), (400, 0));
}

/// check 2, complete 2; claim-anon-session 3: the attempt, the anonymous
/// user (whose values the new access token's claims carry, api.md §4),
/// then the transaction that detaches the session, last.
#[tokio::test]
async fn complete_is_two_round_trips_and_a_claim_three() {
    let c = Counted::new().await;
    let anon = seed_user(c.store.as_ref(), &c.seeded.project.id, true, T0, HOUR).await;
    let r = c
        .call(
            "/api/v1/auth/cli",
            json!({"anon_refresh_token": anon.refresh_token}),
        )
        .await;
    let login = r.json["login_code"].clone();

    let (r, trips) = c
        .counted(
            "/api/v1/auth/cli/complete",
            json!({"login_code": login, "mode": "check"}),
        )
        .await;
    assert_eq!(
        (r.json["cli_session_state"].clone(), trips),
        (json!("anonymous"), 2)
    );
    let (r, trips) = c
        .counted(
            "/api/v1/auth/cli/complete",
            json!({"login_code": login, "mode": "claim-anon-session"}),
        )
        .await;
    assert_eq!((r.status, trips), (200, 3));
    let (r, trips) = c
        .counted(
            "/api/v1/auth/cli/complete",
            json!({"login_code": login, "mode": "check"}),
        )
        .await;
    assert_eq!(
        (r.json["cli_session_state"].clone(), trips),
        (json!("none"), 1)
    );
    let user = seed_user(c.store.as_ref(), &c.seeded.project.id, false, T0, HOUR).await;
    let (r, trips) = c
        .counted(
            "/api/v1/auth/cli/complete",
            json!({"login_code": login, "refresh_token": user.refresh_token}),
        )
        .await;
    assert_eq!((r.json.clone(), trips), (json!({"success": true}), 2));
    // Refusals are no dearer.
    let (r, trips) = c
        .counted(
            "/api/v1/auth/cli/complete",
            json!({"login_code": login, "refresh_token": user.refresh_token}),
        )
        .await;
    assert_eq!((r.status, trips), (400, 1));
    let (r, trips) = c
        .counted(
            "/api/v1/auth/cli/complete",
            json!({"login_code": "junk", "mode": "check"}),
        )
        .await;
    assert_eq!((r.status, trips), (400, 0));
}

#[tokio::test]
async fn accounts_endpoints_round_trips() {
    use cli_auth_core::domain::access::AccessType;
    use http::Method;
    let c = Counted::new().await;
    let server = |m: Method, p: &str| {
        Req::new(m, &format!("/api/v1{p}")).access(&c.seeded, AccessType::Server)
    };
    let client = |m: Method, p: &str| Req::new(m, &format!("/api/v1{p}")).client(&c.seeded);
    // The server key's project lookup is cached after the first call.
    server(Method::POST, "/users")
        .json(json!({}))
        .send(&c.app)
        .await;
    let counted = async |req: Req| {
        c.counter.reset();
        let r = req.send(&c.app).await;
        (r, c.counter.count())
    };
    let (user, trips) =
        counted(server(Method::POST, "/users").json(json!({"display_name": "R"}))).await;
    assert_eq!((user.status, trips), (201, 1), "create user: one put");
    let id = user.json["id"].as_str().expect("id").to_owned();
    let (r, trips) = counted(server(Method::GET, &format!("/users/{id}"))).await;
    assert_eq!((r.status, trips), (200, 1), "get user");
    let (r, trips) =
        counted(server(Method::PATCH, &format!("/users/{id}")).json(json!({"display_name": null})))
            .await;
    assert_eq!(
        (r.status, trips),
        (200, 1),
        "update user: one conditional update"
    );
    let (r, trips) =
        counted(server(Method::POST, "/auth/sessions").json(json!({"user_id": id}))).await;
    assert_eq!(
        (r.status, trips),
        (200, 2),
        "create session: the user, then the put"
    );
    let refresh = r.json["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    let (r, trips) = counted(
        client(Method::POST, "/auth/sessions/current/refresh")
            .header("x-stack-refresh-token", &refresh),
    )
    .await;
    assert_eq!(
        (r.status, trips),
        (200, 2),
        "refresh: the session's conditional last-use update, then its user"
    );
    let access = r.json["access_token"].as_str().expect("access").to_owned();
    let form = format!(
        "grant_type=refresh_token&refresh_token={}&client_id={}&client_secret={}",
        refresh, c.seeded.project.id, c.seeded.client_key
    );
    let (r, trips) = counted(
        Req::post("/api/v1/auth/oauth/token")
            .raw(Some("application/x-www-form-urlencoded"), form.as_bytes()),
    )
    .await;
    assert_eq!(
        (r.status, trips),
        (200, 2),
        "oauth/token as refresh: the session's conditional update, then its user"
    );
    let (r, trips) =
        counted(client(Method::GET, "/users/me").header("x-stack-access-token", &access)).await;
    assert_eq!(
        (r.status, trips),
        (200, 1),
        "me: tokens verify offline, one user read"
    );
    let (r, trips) = counted(
        client(Method::PATCH, "/users/me")
            .header("x-stack-access-token", &access)
            .json(json!({"display_name": "R2"})),
    )
    .await;
    assert_eq!(
        (r.status, trips),
        (200, 1),
        "PATCH /users/me: one conditional update that returns the user"
    );
    let (r, trips) = counted(
        client(Method::GET, "/auth/sessions?user_id=me").header("x-stack-access-token", &access),
    )
    .await;
    assert_eq!(
        (r.status, r.json["items"].as_array().map(Vec::len), trips),
        (200, Some(1), 1),
        "list sessions: one Query of the sessions-by-user index"
    );
    let other = server(Method::POST, "/auth/sessions")
        .json(json!({"user_id": id}))
        .send(&c.app)
        .await
        .string("refresh_token");
    let other_id = other.split('.').next().expect("session id");
    let (r, trips) = counted(
        client(
            Method::DELETE,
            &format!("/auth/sessions/{other_id}?user_id=me"),
        )
        .header("x-stack-access-token", &access),
    )
    .await;
    assert_eq!(
        (r.status, trips),
        (200, 1),
        "delete a session: one conditional delete"
    );
    let current_id = refresh.split('.').next().expect("session id");
    let (r, trips) = counted(
        client(
            Method::DELETE,
            &format!("/auth/sessions/{current_id}?user_id=me"),
        )
        .header("x-stack-access-token", &access),
    )
    .await;
    assert_eq!(
        (r.status, trips),
        (400, 0),
        "the current session is refused before any read"
    );
    let (r, trips) = counted(
        client(Method::DELETE, "/auth/sessions/current").header("x-stack-access-token", &access),
    )
    .await;
    assert_eq!(
        (r.status, trips),
        (200, 1),
        "revoke: one conditional delete"
    );
    let (r, trips) = counted(client(Method::POST, "/auth/anonymous/sign-up")).await;
    assert_eq!(
        (r.status, trips),
        (200, 1),
        "anonymous sign-up: one transaction"
    );
    let anon_access = r.json["access_token"].as_str().expect("access").to_owned();
    let (r, trips) = counted(
        client(Method::DELETE, "/users/me")
            .header("x-stack-access-token", &anon_access)
            .header("x-stack-allow-anonymous-user", "true"),
    )
    .await;
    assert_eq!(
        (r.status, trips),
        (200, 1),
        "DELETE /users/me: one conditional delete"
    );
    let jwks = format!(
        "/api/v1/projects/{}/.well-known/jwks.json",
        c.seeded.project.id
    );
    let (r, trips) = counted(Req::new(Method::GET, &jwks)).await;
    assert_eq!(
        (r.status, trips),
        (200, 0),
        "JWKS: keys derived, project cached"
    );
}

/// The hosted page's Approve: the attempt's read, the new session's put,
/// the once-only write (3); no second read, as the session is its own.
#[tokio::test]
async fn approve_is_three_round_trips() {
    let c = Counted::new().await;
    let login = c
        .call("/api/v1/auth/cli", json!({}))
        .await
        .string("login_code");
    let user = seed_user(c.store.as_ref(), &c.seeded.project.id, false, T0, HOUR).await;
    c.counter.reset();
    cli_auth_core::domain::login_attempt::approve(
        c.store.as_ref(),
        &c.seeded.project.id,
        &login,
        &user.user.id,
        HOUR,
        T0,
    )
    .await
    .expect("approve");
    assert_eq!(c.counter.operations(), ["GetItem", "PutItem", "UpdateItem"]);
}

/// Agent auth (api.md §9), step by step. Register: the anonymous user
/// with its session (one transaction), then the attempt (2). A waiting or
/// used poll: one read (1). Inspect: the two guess counters reserved
/// (sent together), the attempt read, the counters given back (5 requests,
/// 3 round trips). Approve: those, then the new session and the once-only
/// write (7 requests, 5 round trips). The hand-off poll: the attempt, the
/// session's one conditional use, its person, the anonymous session's
/// end, the pickup (5). Deny: the counters and the read, the once-only
/// write, the anonymous session's end (7 requests, 5 round trips).
#[tokio::test]
async fn agent_auth_round_trips() {
    let c = Counted::new().await;
    assert!(
        c.store
            .set_project_agent_auth(&c.seeded.project.id, true)
            .await
            .expect("set")
    );
    // A fresh app: the warm one cached the project before agent auth was on.
    let c = Counted {
        app: app(Arc::clone(&c.store), Arc::clone(&c.clock)),
        ..c
    };
    c.call("/api/v1/agent/register/poll", json!({"poll_token": "x"}))
        .await;
    let register = json!({"agent": {"name": "Counted agent"}});
    let (r, _) = c.counted("/api/v1/agent/register", register.clone()).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(c.counter.operations(), ["TransactWriteItems", "PutItem"]);
    let (token, code) = (r.string("poll_token"), r.string("claim_code"));
    let poll = json!({"poll_token": token});
    let (r, trips) = c.counted("/api/v1/agent/register/poll", poll.clone()).await;
    assert_eq!((r.json["status"].clone(), trips), (json!("waiting"), 1));
    assert_eq!(c.counter.operations(), ["GetItem"]);

    let user = seed_user(c.store.as_ref(), &c.seeded.project.id, false, T0, HOUR).await;
    let person = Req::post("/api/v1/auth/sessions/current/refresh")
        .client(&c.seeded)
        .header("x-stack-refresh-token", &user.refresh_token)
        .send(&c.app)
        .await
        .string("access_token");
    let confirm = |code: &str, action: &str| {
        c.counter.reset();
        Req::post("/api/v1/agent/register/confirm")
            .client(&c.seeded)
            .header("x-stack-access-token", &person)
            .json(json!({"claim_code": code, "action": action}))
            .send(&c.app)
    };
    let counters = [
        "UpdateItem",
        "UpdateItem",
        "GetItem",
        "UpdateItem",
        "UpdateItem",
    ];
    let r = confirm(&code, "inspect").await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(c.counter.operations(), counters);
    let r = confirm(&code, "approve").await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        c.counter.operations(),
        [&counters[..], &["PutItem", "UpdateItem"]].concat()
    );
    let (r, _) = c.counted("/api/v1/agent/register/poll", poll.clone()).await;
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(
        c.counter.operations(),
        [
            "GetItem",
            "UpdateItem",
            "GetItem",
            "DeleteItem",
            "UpdateItem"
        ]
    );
    let (r, trips) = c.counted("/api/v1/agent/register/poll", poll).await;
    assert_eq!((r.json["status"].clone(), trips), (json!("used"), 1));

    let (r, _) = c.counted("/api/v1/agent/register", register).await;
    let r = confirm(&r.string("claim_code"), "deny").await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        c.counter.operations(),
        [&counters[..], &["UpdateItem", "DeleteItem"]].concat()
    );

    // The admin overview of agents, with the approved agent's session to
    // show: the two Queries together, then its user.
    c.counter.reset();
    let r = Req::new(http::Method::GET, "/api/v1/internal/device-auth?kind=agent")
        .access(&c.seeded, cli_auth_core::domain::access::AccessType::Admin)
        .send(&c.app)
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(c.counter.operations(), ["Query", "Query", "BatchGetItem"]);
}

/// The admin overview: CLI 3 round trips (the attempts-by-project Query,
/// the handed-out sessions, their users: one BatchGetItem each); agent 2
/// (the attempts and the agent sessions, two Queries sent together, then
/// the users). With no session to show, no BatchGetItem at all.
#[tokio::test]
async fn the_admin_overview_is_two_or_three_round_trips() {
    let c = Counted::new().await;
    let overview = |kind: &str| {
        c.counter.reset();
        Req::new(
            http::Method::GET,
            &format!("/api/v1/internal/device-auth?kind={kind}"),
        )
        .access(&c.seeded, cli_auth_core::domain::access::AccessType::Admin)
        .send(&c.app)
    };
    let r = overview("cli").await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(c.counter.operations(), ["Query"]);

    let r = c.call("/api/v1/auth/cli", json!({})).await;
    let (polling, login) = (r.json["polling_code"].clone(), r.json["login_code"].clone());
    let user = seed_user(c.store.as_ref(), &c.seeded.project.id, false, T0, HOUR).await;
    c.call(
        "/api/v1/auth/cli/complete",
        json!({"login_code": login, "refresh_token": user.refresh_token}),
    )
    .await;
    let r = c
        .call("/api/v1/auth/cli/poll", json!({"polling_code": polling}))
        .await;
    assert_eq!(r.status, 201, "{r:?}");
    let r = overview("cli").await;
    assert_eq!(
        r.json["sessions"].as_array().map(Vec::len),
        Some(1),
        "{r:?}"
    );
    assert_eq!(
        c.counter.operations(),
        ["Query", "BatchGetItem", "BatchGetItem"]
    );

    let r = overview("agent").await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(c.counter.operations(), ["Query", "Query"]);
}
