//! Secret hygiene: no code, token or key ever appears in the logs, and at
//! rest secrets exist only as hashes, except a refresh token waiting to be
//! picked up (or an anonymous CLI session waiting to be claimed), gone once
//! it is handed out.

use std::sync::Arc;

use cli_auth_core::App;
use cli_auth_core::clock::ManualClock;
use cli_auth_core::domain::access::AccessType;
use cli_auth_core::domain::store::Store;
use cli_auth_core::store::dynamodb::DynamoStore;
use cli_auth_core::store::memory::MemoryStore;
use cli_auth_tests::{
    CapturedLogs, FaultyStore, Req, Seeded, T0, app, seed_project, unique_tables,
};
use http::Method;
use serde_json::{Value, json};
use tracing_subscriber::util::SubscriberInitExt as _;

/// Every secret a flow handed out.
#[derive(Default)]
struct Secrets(Vec<String>);

impl Secrets {
    fn add(&mut self, v: &Value) -> String {
        let s = v
            .as_str()
            .unwrap_or_else(|| panic!("secret: {v}"))
            .to_owned();
        // The whole value and its secret part after the id.
        if let Some((_, secret)) = s.split_once('.') {
            self.0.push(secret.to_owned());
        }
        self.0.push(s.clone());
        s
    }
}

/// Runs every flow (successes, refusals, and a store fault) and collects the
/// secrets handed out or presented.
async fn flows(app: &App, seeded: &Seeded, faulty: Option<&FaultyStore>) -> Secrets {
    let mut secrets = Secrets::default();
    for key in [&seeded.client_key, &seeded.server_key, &seeded.admin_key] {
        secrets.0.push(key.clone());
    }
    let server =
        |m: Method, p: &str| Req::new(m, &format!("/api/v1{p}")).access(seeded, AccessType::Server);
    let client = |m: Method, p: &str| Req::new(m, &format!("/api/v1{p}")).client(seeded);

    let user = server(Method::POST, "/users")
        .json(json!({"display_name": "Hygiene"}))
        .send(app)
        .await
        .json;
    let session = server(Method::POST, "/auth/sessions")
        .json(json!({"user_id": user["id"]}))
        .send(app)
        .await
        .json;
    let browser_refresh = secrets.add(&session["refresh_token"]);
    secrets.add(&session["access_token"]);
    let anon = client(Method::POST, "/auth/anonymous/sign-up")
        .send(app)
        .await
        .json;
    let anon_refresh = secrets.add(&anon["refresh_token"]);
    secrets.add(&anon["access_token"]);

    let attempt = client(Method::POST, "/auth/cli")
        .json(json!({"anon_refresh_token": anon_refresh}))
        .send(app)
        .await
        .json;
    let polling = secrets.add(&attempt["polling_code"]);
    let login = secrets.add(&attempt["login_code"]);
    let complete = |body: Value| client(Method::POST, "/auth/cli/complete").json(body);
    complete(json!({"login_code": login, "mode": "check"}))
        .send(app)
        .await;
    let claimed = complete(json!({"login_code": login, "mode": "claim-anon-session"}))
        .send(app)
        .await
        .json;
    secrets.add(&claimed["access_token"]);
    // Refusals carrying secrets.
    complete(json!({"login_code": login, "refresh_token": format!("{browser_refresh}x")}))
        .send(app)
        .await;
    client(Method::POST, "/auth/cli/poll")
        .json(json!({"polling_code": login}))
        .send(app)
        .await;
    if let Some(f) = faulty {
        // A store fault while holding a secret: the fault is logged, the secret not.
        f.fail_call(0);
        let r = client(Method::POST, "/auth/cli/poll")
            .json(json!({"polling_code": polling}))
            .send(app)
            .await;
        assert_eq!(r.status, 503);
        f.heal();
    }
    complete(json!({"login_code": login, "refresh_token": browser_refresh}))
        .send(app)
        .await;
    let picked = client(Method::POST, "/auth/cli/poll")
        .json(json!({"polling_code": polling}))
        .send(app)
        .await;
    assert_eq!(picked.status, 201);
    client(Method::POST, "/auth/cli/poll")
        .json(json!({"polling_code": polling}))
        .send(app)
        .await;
    let refreshed = client(Method::POST, "/auth/sessions/current/refresh")
        .header("x-stack-refresh-token", &browser_refresh)
        .send(app)
        .await
        .json;
    let access = secrets.add(&refreshed["access_token"]);
    client(Method::GET, "/users/me")
        .header("x-stack-access-token", &access)
        .send(app)
        .await;
    client(Method::GET, "/users/me")
        .header("x-stack-access-token", &format!("{access}x"))
        .send(app)
        .await;
    client(Method::DELETE, "/auth/sessions/current")
        .header("x-stack-access-token", &access)
        .send(app)
        .await;
    // A pending attempt left waiting for pickup, for the at-rest check.
    let waiting = client(Method::POST, "/auth/cli").send(app).await.json;
    secrets.add(&waiting["polling_code"]);
    let waiting_login = secrets.add(&waiting["login_code"]);
    let another = server(Method::POST, "/auth/sessions")
        .json(json!({"user_id": user["id"]}))
        .send(app)
        .await
        .json;
    let waiting_refresh = secrets.add(&another["refresh_token"]);
    secrets.add(&another["access_token"]);
    complete(json!({"login_code": waiting_login, "refresh_token": waiting_refresh}))
        .send(app)
        .await;
    secrets
}

/// Fresh tables on DynamoDB Local, with a seeded project: the raw client
/// too, to read the items as DynamoDB holds them.
async fn dynamodb_world() -> (
    aws_sdk_dynamodb::Client,
    cli_auth_core::store::dynamodb::TableNames,
    Arc<dyn Store>,
    Seeded,
) {
    cli_auth_tests::dynamodb_endpoint();
    let client = cli_auth_core::store::dynamodb::client::from_env(Vec::new()).await;
    let tables = unique_tables();
    let store = DynamoStore::new(client.clone(), tables.clone());
    store.create_tables().await.expect("tables");
    let store: Arc<dyn Store> = Arc::new(store);
    let seeded = seed_project(store.as_ref(), true).await;
    (client, tables, store, seeded)
}

fn assert_no_secret_in(text: &str, secrets: &Secrets, what: &str) {
    for s in &secrets.0 {
        assert!(
            !text.contains(s.as_str()),
            "a secret ({}…) appears in {what}",
            &s[..8.min(s.len())]
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn logs_never_carry_secrets_even_at_trace_level() {
    let captured = CapturedLogs::default();
    let _guard = tracing_subscriber::fmt()
        .with_env_filter("trace")
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish()
        .set_default();
    let inner: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let seeded = seed_project(inner.as_ref(), true).await;
    let faulty = Arc::new(FaultyStore::new(inner));
    let app = app(
        Arc::clone(&faulty) as Arc<dyn Store>,
        Arc::new(ManualClock::new(T0)),
    );
    let secrets = flows(&app, &seeded, Some(&faulty)).await;
    let logs = captured.text();
    assert!(
        logs.contains("answered") && logs.contains("store fault"),
        "logs were captured: {logs}"
    );
    // A refused request's line names the known error it was answered with.
    assert!(
        logs.contains(r#"known_error="INVALID_POLLING_CODE""#),
        "known errors are logged: {logs}"
    );
    assert_no_secret_in(&logs, &secrets, "the logs");
}

#[tokio::test(flavor = "current_thread")]
async fn dynamodb_logs_at_info_and_the_items_at_rest() {
    let captured = CapturedLogs::default();
    let _guard = tracing_subscriber::fmt()
        .json()
        .with_env_filter("info,cli_auth_core=trace")
        .with_writer(captured.clone())
        .finish()
        .set_default();
    let (client, tables, store, seeded) = dynamodb_world().await;
    let app = app(Arc::clone(&store), Arc::new(ManualClock::new(T0)));
    let mut secrets = flows(&app, &seeded, None).await;
    assert_no_secret_in(&captured.text(), &secrets, "the logs");
    // One more attempt left pending with the CLI's anonymous session on it.
    let client_req = |m: Method, p: &str| Req::new(m, p).client(&seeded);
    let anon = client_req(Method::POST, "/api/v1/auth/anonymous/sign-up")
        .send(&app)
        .await
        .json;
    let anon_refresh = secrets.add(&anon["refresh_token"]);
    let pending = client_req(Method::POST, "/api/v1/auth/cli")
        .json(json!({"anon_refresh_token": anon_refresh}))
        .send(&app)
        .await
        .json;
    secrets.add(&pending["polling_code"]);
    secrets.add(&pending["login_code"]);

    // Every item of every table, as DynamoDB holds it.
    let mut at_rest = Vec::new();
    for table in [
        &tables.projects,
        &tables.users,
        &tables.sessions,
        &tables.attempts,
    ] {
        let items = client
            .scan()
            .table_name(table)
            .send()
            .await
            .expect("scan")
            .items
            .unwrap_or_default();
        assert!(!items.is_empty(), "{table} has items");
        for item in items {
            at_rest.push((table.clone(), format!("{item:?}")));
        }
    }
    // The states that hold a token: one completed attempt waits for its
    // pickup, one pending attempt carries the CLI's anonymous session. Both
    // are sealed under keys of codes the store never holds: no item, in any
    // table, carries a usable secret.
    let waiting = at_rest
        .iter()
        .filter(|(_, i)| i.contains("\"refresh_token\"") && !i.contains("\"used_at\""))
        .count();
    assert_eq!(waiting, 1, "exactly one refresh token waits for pickup");
    let anonymous = at_rest
        .iter()
        .filter(|(_, i)| i.contains("\"anon_refresh_token\""))
        .count();
    assert_eq!(
        anonymous, 1,
        "exactly one anonymous session waits on an attempt"
    );
    for (table, item) in &at_rest {
        assert_no_secret_in(item, &secrets, table);
    }
}

/// Issue 22's attack, at rest: an attacker holding one `GetItem` of an
/// attempt, its login code (it sits in confirm URLs, access logs, browser
/// history) and even the server secret tries every key those give against
/// every stored field, under every context the service seals with. What
/// opens is only what the login code is meant to open (the CLI's own
/// anonymous session, which the browser claims with it) and what the server
/// secret is meant to open (the login code, for the user-code look-up);
/// never the refresh token waiting for the CLI, before or after its pickup.
#[tokio::test(flavor = "current_thread")]
async fn neither_the_login_code_nor_the_server_secret_opens_a_waiting_token() {
    use cli_auth_core::domain::tokens::TokenIssuer;
    use cli_auth_core::jwe::DerivedKeyPair;
    use cli_auth_core::secret::{LocatedSecret, SealingKey};

    const SERVER_SECRET: &[u8] = b"the server secret, stolen with the backup";
    let (client, tables, store, seeded) = dynamodb_world().await;
    let app = App::new(
        Arc::clone(&store),
        Arc::new(ManualClock::new(T0)),
        TokenIssuer::new(SERVER_SECRET, 600).expect("issuer"),
        std::time::Duration::from_secs(60),
        Some(cli_auth_tests::BASE_URL.to_owned()),
    );
    let call = |path: &str, body: Value| Req::post(path).client(&seeded).json(body).send(&app);
    let anon = call("/api/v1/auth/anonymous/sign-up", json!({})).await.json;
    let anon_token = anon["refresh_token"].as_str().expect("anon").to_owned();
    let attempt = call(
        "/api/v1/auth/cli",
        json!({ "anon_refresh_token": anon_token }),
    )
    .await
    .json;
    let login = LocatedSecret::parse(attempt["login_code"].as_str().expect("login code"))
        .expect("a located code");
    let polling = attempt["polling_code"]
        .as_str()
        .expect("polling")
        .to_owned();
    let person =
        cli_auth_tests::seed_user(store.as_ref(), &seeded.project.id, false, T0, 3_600_000).await;
    let done = call(
        "/api/v1/auth/cli/complete",
        json!({"login_code": login.expose(), "refresh_token": person.refresh_token}),
    )
    .await;
    assert_eq!(done.status, 200, "{done:?}");

    // Every key the attacker can make, and every context the service seals
    // under.
    let purposes = [
        "cli-attempt/login-code",
        "cli-attempt/polling-code",
        "cli-attempt/poll-key-pair",
        "cli-attempt/login-code-at-rest",
    ];
    let mut keys = Vec::new();
    for secret in [
        login.secret.as_bytes(),
        login.expose().as_bytes(),
        SERVER_SECRET,
    ] {
        for purpose in purposes {
            keys.push(SealingKey::derive(secret, purpose));
        }
    }
    let pairs: Vec<DerivedKeyPair> = [login.secret.as_bytes(), SERVER_SECRET]
        .into_iter()
        .flat_map(|secret| purposes.map(|p| DerivedKeyPair::derive(secret, p)))
        .flatten()
        .collect();
    let contexts = [
        "poll-key",
        "refresh-token",
        "anon-refresh-token",
        "login-code",
    ]
    .map(|what| format!("cli-attempt/{}/{what}", login.id));

    for moment in ["waiting", "picked up"] {
        let item = client
            .get_item()
            .table_name(&tables.attempts)
            .key(
                "id",
                aws_sdk_dynamodb::types::AttributeValue::S(login.id.clone()),
            )
            .send()
            .await
            .expect("GetItem")
            .item
            .expect("the attempt");
        let mut opened = Vec::new();
        for (name, value) in &item {
            let Ok(text) = value.as_s() else { continue };
            for key in &keys {
                for context in &contexts {
                    if let Some(plain) = key.open(context, text) {
                        opened.push((name.clone(), String::from_utf8_lossy(&plain).into_owned()));
                    }
                }
            }
            for pair in &pairs {
                if let Some(plain) = pair.open(text) {
                    opened.push((name.clone(), String::from_utf8_lossy(&plain).into_owned()));
                }
            }
        }
        // The attacker's keys are the service's own: the server secret's
        // opens the login code, as the user-code look-up does.
        assert!(
            opened
                .iter()
                .any(|(f, p)| f == "sealed_login_code" && *p == login.expose()),
            "{moment}: the server secret's key opens the sealed login code"
        );
        for (field, plain) in &opened {
            assert!(
                !plain.contains(&person.refresh_token),
                "{moment}: {field} opened to the CLI's refresh token"
            );
            assert!(
                (field == "anon_refresh_token" && *plain == anon_token)
                    || (field == "sealed_login_code" && *plain == login.expose()),
                "{moment}: {field} opened to something it should not ({} bytes)",
                plain.len()
            );
        }
        if moment == "waiting" {
            assert!(
                item.contains_key("refresh_token"),
                "a token waits: {item:?}"
            );
            let picked = call("/api/v1/auth/cli/poll", json!({ "polling_code": polling })).await;
            assert_eq!(picked.string("refresh_token"), person.refresh_token);
        }
    }
}
