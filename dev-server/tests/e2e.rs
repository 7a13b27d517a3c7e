//! End to end over HTTP against a started `cli-auth-dev` binary, on the
//! in-memory store and on DynamoDB Local. (These live in the dev server's
//! crate so that cargo builds the very binary under test, with the same
//! features, in the same run.)

use std::process::Stdio;
use std::time::Duration;

use cli_auth_core::domain::store::Store as _;
use cli_auth_core::secret::random_id;
use cli_auth_core::store::dynamodb::{DynamoStore, TableNames};
use cli_auth_tests::dynamodb_endpoint;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};

/// The binary cargo built for this test run.
fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_cli-auth-dev")
}

struct DevServer {
    _child: Child,
    base: String,
    project_id: String,
    client_key: String,
    server_key: String,
    stdout: Vec<String>,
    tables: Option<TableNames>,
}

const CLIENT_KEY: &str = "pck_e2e_given_client_key";

impl DevServer {
    async fn start(dynamodb: bool) -> Self {
        let project_id = random_id();
        let prefix = format!("e2e{}-", &random_id()[..8]);
        let mut command = Command::new(binary());
        command
            .args([
                "--listen",
                "127.0.0.1:0",
                "--store",
                if dynamodb { "dynamodb" } else { "memory" },
            ])
            .env("CLI_AUTH_DEV_PROJECT_ID", &project_id)
            .env("CLI_AUTH_DEV_PUBLISHABLE_CLIENT_KEY", CLIENT_KEY)
            .env_remove("CLI_AUTH_DEV_SECRET_SERVER_KEY")
            .env_remove("CLI_AUTH_DEV_SUPER_SECRET_ADMIN_KEY")
            .env("CLI_AUTH_TABLE_PREFIX", &prefix)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        if dynamodb {
            dynamodb_endpoint();
        }
        let mut child = command.spawn().expect("start cli-auth-dev");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut stdout = Vec::new();
        let base = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await.expect("read stdout") {
                stdout.push(line.clone());
                if let Some(url) = line.strip_prefix("listening on ") {
                    return url.to_owned();
                }
            }
            panic!("cli-auth-dev exited before listening: {stdout:?}");
        })
        .await
        .expect("cli-auth-dev prints that it listens within 30 s");
        let value_of = |label: &str| {
            stdout
                .iter()
                .find_map(|l| l.trim().strip_prefix(label).map(|v| v.trim().to_owned()))
                .unwrap_or_else(|| panic!("{label} in {stdout:?}"))
        };
        let server_key = value_of("secret server key:");
        Self {
            _child: child,
            base,
            project_id,
            client_key: CLIENT_KEY.to_owned(),
            server_key,
            tables: dynamodb.then(|| TableNames::with_prefix(&prefix)),
            stdout,
        }
    }

    async fn post(&self, path: &str, body: Value) -> (u16, reqwest::header::HeaderMap, String) {
        let r = reqwest::Client::new()
            .post(format!("{}/api/v1{path}", self.base))
            .header("x-stack-access-type", "client")
            .header("x-stack-project-id", &self.project_id)
            .header("x-stack-publishable-client-key", &self.client_key)
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        (status, headers, r.text().await.expect("body"))
    }

    async fn server_post(&self, path: &str, body: Value) -> Value {
        let r = reqwest::Client::new()
            .post(format!("{}/api/v1{path}", self.base))
            .header("x-stack-access-type", "server")
            .header("x-stack-project-id", &self.project_id)
            .header("x-stack-secret-server-key", &self.server_key)
            .json(&body)
            .send()
            .await
            .expect("request");
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().await.expect("json")
    }

    async fn post_json(&self, path: &str, body: Value) -> (u16, Value) {
        let (status, _, text) = self.post(path, body).await;
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}

async fn prints_its_settings_and_only_generated_keys(dynamodb: bool) {
    let server = DevServer::start(dynamodb).await;
    let all = server.stdout.join("\n");
    assert!(all.contains(&server.project_id));
    assert!(all.contains(&server.base));
    assert!(server.server_key.starts_with("ssk_"), "{all}");
    assert!(all.contains("super secret admin key: sak_"), "{all}");
    assert!(
        !all.contains(CLIENT_KEY),
        "a key given by the environment is not printed"
    );
    assert!(all.contains("(from CLI_AUTH_DEV_PUBLISHABLE_CLIENT_KEY)"));
}

async fn serves_the_flow_over_http(dynamodb: bool) {
    let server = DevServer::start(dynamodb).await;
    let (status, r) = server.post_json("/auth/cli", json!({})).await;
    assert_eq!(status, 200, "{r}");
    let (polling, login) = (r["polling_code"].clone(), r["login_code"].clone());
    assert_eq!(
        server
            .post_json("/auth/cli/poll", json!({"polling_code": polling}))
            .await,
        (200, json!({"status": "waiting"}))
    );
    assert_eq!(
        server
            .post_json(
                "/auth/cli/complete",
                json!({"login_code": login, "mode": "check"})
            )
            .await,
        (200, json!({"cli_session_state": "none"}))
    );
    let (status, headers, text) = server
        .post(
            "/auth/cli/complete",
            json!({"login_code": login, "refresh_token": "not-a-session"}),
        )
        .await;
    assert_eq!((status, text.as_str()), (400, "Invalid refresh token"));
    assert!(
        headers["content-type"]
            .to_str()
            .is_ok_and(|c| c.starts_with("text/plain"))
    );
    let (status, headers, _) = server
        .post("/auth/cli/poll", json!({"polling_code": "nope"}))
        .await;
    assert_eq!(status, 400);
    assert_eq!(headers["x-stack-known-error"], "INVALID_POLLING_CODE");
    assert!(headers.contains_key("x-stack-request-id"));

    // The server key printed at start-up works.
    let r = reqwest::Client::new()
        .post(format!("{}/api/latest/auth/cli", server.base))
        .header("x-hexclave-access-type", "server")
        .header("x-hexclave-project-id", &server.project_id)
        .header("x-hexclave-secret-server-key", &server.server_key)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 200);

    // A browser's session, made through the public endpoints with the
    // server key the dev server printed.
    let user = server
        .server_post("/users", json!({"display_name": "E2E"}))
        .await;
    let session = server
        .server_post("/auth/sessions", json!({"user_id": user["id"]}))
        .await;
    let browser_refresh = session["refresh_token"].clone();
    let (status, r) = server
        .post_json(
            "/auth/cli/complete",
            json!({"login_code": login, "refresh_token": browser_refresh}),
        )
        .await;
    assert_eq!((status, r), (200, json!({"success": true})));
    let (status, r) = server
        .post_json("/auth/cli/poll", json!({"polling_code": polling}))
        .await;
    assert_eq!(
        (status, r),
        (
            201,
            json!({"status": "success", "refresh_token": browser_refresh})
        )
    );
    assert_eq!(
        server
            .post_json("/auth/cli/poll", json!({"polling_code": polling}))
            .await,
        (200, json!({"status": "used"}))
    );
    // The CLI turns its refresh token into an access token and asks who it is.
    let r = reqwest::Client::new()
        .post(format!(
            "{}/api/v1/auth/sessions/current/refresh",
            server.base
        ))
        .header("x-stack-access-type", "client")
        .header("x-stack-project-id", &server.project_id)
        .header("x-stack-publishable-client-key", &server.client_key)
        .header(
            "x-stack-refresh-token",
            browser_refresh.as_str().unwrap_or_default(),
        )
        .send()
        .await
        .expect("refresh");
    let access: Value = r.json().await.expect("json");
    let me: Value = reqwest::Client::new()
        .get(format!("{}/api/v1/users/me", server.base))
        .header("x-stack-access-type", "client")
        .header("x-stack-project-id", &server.project_id)
        .header("x-stack-publishable-client-key", &server.client_key)
        .header(
            "x-stack-access-token",
            access["access_token"].as_str().unwrap_or_default(),
        )
        .send()
        .await
        .expect("me")
        .json()
        .await
        .expect("json");
    assert_eq!(me["display_name"], "E2E");

    if let Some(tables) = &server.tables {
        // At rest, the picked-up token is gone and the codes are hashes.
        let store = DynamoStore::new(
            cli_auth_core::store::dynamodb::client::from_env(Vec::new()).await,
            tables.clone(),
        );
        let attempt_id = polling
            .as_str()
            .and_then(|p| p.split_once('.'))
            .map(|(id, _)| id.to_owned())
            .expect("id");
        let attempt = store
            .lookup(cli_auth_core::domain::store::Lookup {
                attempt_id: Some(&attempt_id),
                ..Default::default()
            })
            .await
            .expect("lookup")
            .attempt
            .expect("attempt");
        // The picked-up token stays on the attempt only sealed for the
        // polling code (for a retried pickup), never as the token itself.
        let sealed = attempt.refresh_token.clone().unwrap_or_default();
        assert!(!sealed.is_empty() && !sealed.contains(browser_refresh.as_str().unwrap_or("?")));
        assert_ne!(
            attempt.polling_code_hash.as_str(),
            polling.as_str().unwrap_or_default()
        );
    }
}

async fn routes_preflights_and_bad_input(dynamodb: bool) {
    let server = DevServer::start(dynamodb).await;
    let client = reqwest::Client::new();
    let r = client
        .get(format!("{}/api/v1/auth/cli", server.base))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status().as_u16(), 405);
    let r = client
        .post(format!("{}/api/v1/nope", server.base))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 404);
    let r = client
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/v1/auth/cli/complete", server.base),
        )
        .header("origin", "https://app.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .expect("options");
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let r = client
        .post(format!("{}/api/v1/auth/cli/poll", server.base))
        .header("content-type", "application/json")
        .body("{\"polling_code\": ")
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(r.headers()["x-stack-known-error"], "BODY_PARSING_ERROR");
    // Binary junk never produces a 5xx.
    for body in [
        vec![0xff, 0xfe, 0x00],
        b"{\"polling_code\": \"\\ud800\"}".to_vec(),
        vec![b'['; 10_000],
    ] {
        let r = client
            .post(format!("{}/api/v1/auth/cli/poll", server.base))
            .header("content-type", "application/json")
            .header("x-stack-access-type", "client")
            .header("x-stack-project-id", &server.project_id)
            .header("x-stack-publishable-client-key", &server.client_key)
            .body(body)
            .send()
            .await
            .expect("post");
        assert!(
            r.status().is_client_error() || r.status().is_success(),
            "{}",
            r.status()
        );
    }
    // A body over the limit is refused, not buffered.
    let r = client
        .post(format!("{}/api/v1/auth/cli", server.base))
        .header("content-type", "application/json")
        .body(vec![b' '; 2 * 1024 * 1024])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 413);
    assert_eq!(r.headers()["x-stack-known-error"], "REQUEST_BODY_TOO_LARGE");
    assert!(r.headers().contains_key("x-stack-request-id"));
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
}

/// A standard RFC 8628 client library (the `oauth2` crate's device flow)
/// logs in: it learns the endpoints from RFC 8414 metadata (the path-inserted
/// form, at the root), asks for a device code, polls at the interval it is
/// given while a stand-in browser approves with the link's login code, and
/// gets the browser's session.
async fn a_standard_device_flow_client_logs_in(dynamodb: bool) {
    use oauth2::basic::BasicClient;
    use oauth2::{
        AuthType, ClientId, ClientSecret, DeviceAuthorizationUrl,
        StandardDeviceAuthorizationResponse, TokenResponse as _, TokenUrl,
    };
    let server = DevServer::start(dynamodb).await;
    let metadata: Value = reqwest::get(format!(
        "{}/.well-known/oauth-authorization-server/api/v1/projects/{}",
        server.base, server.project_id
    ))
    .await
    .expect("metadata")
    .json()
    .await
    .expect("json");
    assert_eq!(
        metadata["issuer"],
        json!(format!(
            "{}/api/v1/projects/{}",
            server.base, server.project_id
        ))
    );
    let endpoint = |name: &str| metadata[name].as_str().expect(name).to_owned();
    let client = BasicClient::new(ClientId::new(server.project_id.clone()))
        .set_client_secret(ClientSecret::new(server.client_key.clone()))
        .set_auth_type(AuthType::RequestBody)
        .set_device_authorization_url(
            DeviceAuthorizationUrl::new(endpoint("device_authorization_endpoint")).expect("url"),
        )
        .set_token_uri(TokenUrl::new(endpoint("token_endpoint")).expect("url"));
    let http = oauth2::reqwest::ClientBuilder::new()
        .redirect(oauth2::reqwest::redirect::Policy::none())
        .build()
        .expect("http client");
    let details: StandardDeviceAuthorizationResponse = client
        .exchange_device_code()
        .request_async(&http)
        .await
        .expect("device authorization");
    assert!(
        details
            .verification_uri()
            .as_str()
            .starts_with(&format!("{}/handler/cli-auth-confirm", server.base))
    );
    // The person approves in the browser, a moment later.
    let link = details
        .verification_uri_complete()
        .expect("complete link")
        .secret()
        .clone();
    let login_code = link.split_once("login_code=").expect("code").1.to_owned();
    let user = server
        .server_post("/users", json!({"display_name": "Device user"}))
        .await;
    let session = server
        .server_post("/auth/sessions", json!({"user_id": user["id"]}))
        .await;
    let refresh_token = session["refresh_token"].as_str().expect("token").to_owned();
    // It polls (authorization_pending, then at its interval) while the
    // person approves.
    let approve = async {
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        let (status, _) = server
            .post_json(
                "/auth/cli/complete",
                json!({"login_code": login_code, "refresh_token": refresh_token}),
            )
            .await;
        assert_eq!(status, 200);
    };
    let started = std::time::Instant::now();
    let ((), token) = tokio::join!(
        approve,
        client.exchange_device_access_token(&details).request_async(
            &http,
            tokio::time::sleep,
            Some(Duration::from_secs(60))
        )
    );
    let token = token.expect("the device flow completes");
    assert!(
        started.elapsed() >= Duration::from_secs(5),
        "it waited its 5 s interval after authorization_pending"
    );
    assert_eq!(
        token.refresh_token().map(|t| t.secret().as_str()),
        Some(refresh_token.as_str())
    );
    let me = reqwest::Client::new()
        .get(format!("{}/api/v1/users/me", server.base))
        .header("x-stack-access-type", "client")
        .header("x-stack-project-id", &server.project_id)
        .header("x-stack-publishable-client-key", &server.client_key)
        .header("x-stack-access-token", token.access_token().secret())
        .send()
        .await
        .expect("me");
    let me: Value = me.json().await.expect("json");
    assert_eq!(me["id"], user["id"]);
}

/// The names a public base URL adds: its host, with its port or the
/// scheme's default; nothing else.
#[test]
fn a_public_base_url_adds_its_own_host() {
    let listening: std::net::SocketAddr = "127.0.0.1:8787".parse().expect("address");
    let hosts = cli_auth_dev::OwnHosts::new(listening, Some("https://Auth.Example.com"));
    for host in [
        "auth.example.com",
        "auth.example.com:443",
        "localhost:8787",
        "[::1]:8787",
    ] {
        assert!(hosts.allow(Some(host)), "{host}");
    }
    for host in [
        "auth.example.com:80",
        "example.com",
        "localhost:8788",
        "localhost",
    ] {
        assert!(!hosts.allow(Some(host)), "{host}");
    }
    assert!(!hosts.allow(None), "a request naming no host");
    let hosts = cli_auth_dev::OwnHosts::new(listening, Some("http://tunnel.example:9000/"));
    assert!(hosts.allow(Some("tunnel.example:9000")));
    assert!(!hosts.allow(Some("tunnel.example")));
}

macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(false).await;
                }
            )*
        }
        mod dynamodb {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(true).await;
                }
            )*
        }
    };
}

/// The dev sign-in hands out sessions, so no other website may use it: a
/// cross-site `text/plain` POST (sent without a preflight) and a JSON POST
/// from another origin are refused, and `/handler/*` answers carry no CORS
/// headers, so no other origin can read them or pass a preflight.
async fn the_dev_sign_in_answers_only_its_own_page(dynamodb: bool) {
    let server = DevServer::start(dynamodb).await;
    let client = reqwest::Client::new();
    let url = format!("{}/handler/dev/sign-in", server.base);
    let body = r#"{"email": "ada@example.com"}"#;
    let r = client
        .post(&url)
        .header("content-type", "text/plain")
        .header("origin", "https://evil.example")
        .body(body)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 415);
    assert!(r.headers().get("access-control-allow-origin").is_none());
    assert!(!r.text().await.expect("body").contains("refresh_token"));
    let r = client
        .post(&url)
        .header("content-type", "application/json")
        .header("origin", "https://evil.example")
        .body(body)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 403);
    let r = client
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .expect("preflight");
    assert!(
        r.headers().get("access-control-allow-origin").is_none(),
        "no preflight passes"
    );
    // The page itself: same origin (as a browser sends it), or no Origin.
    let own = server.base.trim_end_matches('/').to_owned();
    for origin in [Some(own.as_str()), None] {
        let mut request = client
            .post(&url)
            .header("content-type", "application/json")
            .body(body);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let r = request.send().await.expect("post");
        assert_eq!(r.status().as_u16(), 200, "{origin:?}");
        assert!(r.headers().get("access-control-allow-origin").is_none());
        let json: Value = r.json().await.expect("json");
        assert!(json["refresh_token"].is_string());
    }
}

/// DNS rebinding (api.md §6): a page whose own name now resolves to the
/// loopback address sends its name as `Host`, and `Origin` to match. Only
/// the dev server's own names are answered; any other `Host` gets 421 on
/// every route, the dev sign-in and the API alike.
async fn answers_only_its_own_host_names(dynamodb: bool) {
    let server = DevServer::start(dynamodb).await;
    let port = server
        .base
        .rsplit(':')
        .next()
        .expect("a port")
        .trim_end_matches('/')
        .to_owned();
    let client = reqwest::Client::new();
    let sign_in = format!("{}/handler/dev/sign-in", server.base);
    let initiate = format!("{}/api/v1/auth/cli", server.base);
    let initiate_as = |host: &str| {
        let request = client
            .post(&initiate)
            .header("host", host)
            .header("x-stack-access-type", "client")
            .header("x-stack-project-id", &server.project_id)
            .header("x-stack-publishable-client-key", &server.client_key)
            .json(&serde_json::json!({}));
        async move { request.send().await.expect("post").status().as_u16() }
    };
    for host in [
        "evil.example",
        "evil.example:80",
        &format!("evil.example:{port}"),
        "127.0.0.2",
    ] {
        let origin = format!("http://{host}");
        let r = client
            .post(&sign_in)
            .header("host", host)
            .header("origin", &origin)
            .header("content-type", "application/json")
            .body(r#"{"email": "ada@example.com"}"#)
            .send()
            .await
            .expect("post");
        assert_eq!(r.status().as_u16(), 421, "sign-in with Host {host}");
        assert!(!r.text().await.expect("body").contains("refresh_token"));
        assert_eq!(initiate_as(host).await, 421, "initiate with Host {host}");
        let r = client
            .get(format!("{}/handler/cli-auth-confirm", server.base))
            .header("host", host)
            .send()
            .await
            .expect("get");
        assert_eq!(
            r.status().as_u16(),
            421,
            "the confirm page with Host {host}"
        );
    }
    // Its own names, in any case, are answered.
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LOCALHOST:{port}"),
        format!("[::1]:{port}"),
    ] {
        assert_eq!(initiate_as(&host).await, 200, "initiate with Host {host}");
    }
}

on_both_stores!(
    a_standard_device_flow_client_logs_in,
    answers_only_its_own_host_names,
    prints_its_settings_and_only_generated_keys,
    serves_the_flow_over_http,
    routes_preflights_and_bad_input,
    the_dev_sign_in_answers_only_its_own_page,
);
