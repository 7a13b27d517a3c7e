//! Header validation (api.md §1), error bodies and response conventions
//! (§2), through the real request pipeline.

use std::sync::Arc;

use cli_auth_core::App;
use cli_auth_core::clock::ManualClock;
use cli_auth_core::domain::store::Store;
use cli_auth_core::store::memory::MemoryStore;
use cli_auth_tests::{Req, Resp, Seeded, T0, app, seed_project};
use http::Method;
use serde_json::json;

async fn env(requires_client_key: bool) -> (App, Seeded) {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let seeded = seed_project(store.as_ref(), requires_client_key).await;
    (app(store, Arc::new(ManualClock::new(T0))), seeded)
}

fn initiate() -> Req {
    Req::post("/api/v1/auth/cli")
}

async fn send(app: &App, req: Req) -> Resp {
    req.send(app).await
}

#[tokio::test]
async fn rules_apply_in_order() {
    let (app, s) = env(true).await;
    let id = s.project.id.as_str();
    // 1. A key without an access type.
    send(
        &app,
        initiate()
            .header("x-stack-project-id", id)
            .header("x-stack-publishable-client-key", &s.client_key),
    )
    .await
    .assert_known(400, "PROJECT_KEY_WITHOUT_ACCESS_TYPE");
    send(
        &app,
        initiate().header("x-stack-super-secret-admin-key", "x"),
    )
    .await
    .assert_known(400, "PROJECT_KEY_WITHOUT_ACCESS_TYPE");
    // 2. No access type at all.
    send(&app, initiate().header("x-stack-project-id", id))
        .await
        .assert_known(400, "ACCESS_TYPE_REQUIRED");
    send(&app, initiate())
        .await
        .assert_known(400, "ACCESS_TYPE_REQUIRED");
    // 3. An access type that is not one of the three.
    let r = send(
        &app,
        initiate()
            .header("x-stack-access-type", "superuser")
            .header("x-stack-project-id", id),
    )
    .await;
    r.assert_known(400, "INVALID_ACCESS_TYPE");
    // 4. No project id.
    let r = send(&app, initiate().header("x-stack-access-type", "client")).await;
    r.assert_known(400, "ACCESS_TYPE_WITHOUT_PROJECT_ID");
    assert_eq!(r.json["details"], json!({"request_type": "client"}));
    // 6. Unknown project (before any key check).
    let r = send(
        &app,
        initiate()
            .header("x-stack-access-type", "server")
            .header("x-stack-project-id", "00000000-0000-4000-8000-000000000000"),
    )
    .await;
    r.assert_known(400, "CURRENT_PROJECT_NOT_FOUND");
    assert_eq!(
        r.json["details"]["project_id"],
        "00000000-0000-4000-8000-000000000000"
    );
    // An id that cannot be a project is simply not found.
    let long = "x".repeat(5000);
    send(
        &app,
        initiate()
            .header("x-stack-access-type", "client")
            .header("x-stack-project-id", &long),
    )
    .await
    .assert_known(400, "CURRENT_PROJECT_NOT_FOUND");
}

#[tokio::test]
async fn keys_per_access_type() {
    let (app, s) = env(true).await;
    let with = |kind: &str, key: Option<&str>| {
        let mut r = initiate()
            .header("x-stack-access-type", kind)
            .header("x-stack-project-id", &s.project.id);
        if let Some(key) = key {
            let header = match kind {
                "client" => "x-stack-publishable-client-key",
                "server" => "x-stack-secret-server-key",
                _ => "x-stack-super-secret-admin-key",
            };
            r = r.header(header, key);
        }
        r
    };
    for (kind, good) in [
        ("client", &s.client_key),
        ("server", &s.server_key),
        ("admin", &s.admin_key),
    ] {
        assert_eq!(
            send(&app, with(kind, Some(good))).await.status,
            200,
            "{kind}"
        );
    }
    for (kind, missing, wrong) in [
        (
            "client",
            "PUBLISHABLE_CLIENT_KEY_REQUIRED_FOR_PROJECT",
            "INVALID_PUBLISHABLE_CLIENT_KEY",
        ),
        (
            "server",
            "SERVER_AUTHENTICATION_REQUIRED",
            "INVALID_SECRET_SERVER_KEY",
        ),
        (
            "admin",
            "ADMIN_AUTHENTICATION_REQUIRED",
            "INVALID_SUPER_SECRET_ADMIN_KEY",
        ),
    ] {
        send(&app, with(kind, None))
            .await
            .assert_known(401, missing);
        send(&app, with(kind, Some("wrong")))
            .await
            .assert_known(401, wrong);
    }
    // A server key is not an admin key, nor a client key a server key.
    send(&app, with("admin", Some(&s.server_key)))
        .await
        .assert_known(401, "INVALID_SUPER_SECRET_ADMIN_KEY");
    send(&app, with("server", Some(&s.client_key)))
        .await
        .assert_known(401, "INVALID_SECRET_SERVER_KEY");
}

#[tokio::test]
async fn keyless_client_access_when_the_project_allows_it() {
    let (app, s) = env(false).await;
    let r = send(
        &app,
        initiate()
            .header("x-stack-access-type", "client")
            .header("x-stack-project-id", &s.project.id),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    // The server key is still required for server access.
    send(
        &app,
        initiate()
            .header("x-stack-access-type", "server")
            .header("x-stack-project-id", &s.project.id),
    )
    .await
    .assert_known(401, "SERVER_AUTHENTICATION_REQUIRED");
}

#[tokio::test]
async fn hexclave_aliases_and_precedence() {
    let (app, s) = env(true).await;
    let r = send(
        &app,
        initiate()
            .header("x-hexclave-access-type", "client")
            .header("x-hexclave-project-id", &s.project.id)
            .header("x-hexclave-publishable-client-key", &s.client_key),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    // When both are sent, x-hexclave-* wins (Hexclave's pipeline): a bad
    // x-hexclave key fails despite a good x-stack one...
    let r = send(
        &app,
        Req::post("/api/v1/auth/cli")
            .header("x-stack-access-type", "client")
            .header("x-stack-project-id", &s.project.id)
            .header("x-hexclave-publishable-client-key", "bad")
            .header("x-stack-publishable-client-key", &s.client_key),
    )
    .await;
    r.assert_known(401, "INVALID_PUBLISHABLE_CLIENT_KEY");
    // ...and good x-hexclave headers pass despite bad x-stack ones.
    let r = send(
        &app,
        Req::post("/api/v1/auth/cli")
            .header("x-hexclave-access-type", "client")
            .header("x-stack-access-type", "bogus")
            .header("x-hexclave-project-id", &s.project.id)
            .header("x-stack-project-id", "other")
            .header("x-hexclave-publishable-client-key", &s.client_key)
            .header("x-stack-publishable-client-key", "bad"),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
}

#[tokio::test]
async fn bodies_are_parsed_before_authentication_and_validated_after() {
    let (app, s) = env(true).await;
    // Unparsable JSON: 400 before any header check.
    let r = send(&app, initiate().raw(Some("application/json"), b"{not json")).await;
    r.assert_known(400, "BODY_PARSING_ERROR");
    assert_eq!(r.json["error"], "Invalid JSON in request body");
    send(
        &app,
        initiate().client(&s).raw(Some("application/xml"), b"<a/>"),
    )
    .await
    .assert_known(400, "BODY_PARSING_ERROR");
    send(&app, initiate().client(&s).raw(None, b"{}"))
        .await
        .assert_known(400, "BODY_PARSING_ERROR");
    // A schema error comes after authentication.
    send(&app, initiate().json(json!({"expires_in_millis": "x"})))
        .await
        .assert_known(400, "ACCESS_TYPE_REQUIRED");
    let r = send(
        &app,
        initiate()
            .client(&s)
            .json(json!({"expires_in_millis": "x", "nope": 1})),
    )
    .await;
    r.assert_known(400, "SCHEMA_ERROR");
    let message = r.json["error"].as_str().expect("message");
    assert!(
        message.starts_with("Request validation failed on POST /api/v1/auth/cli:"),
        "{message}"
    );
    assert!(
        message.contains("body.expires_in_millis") && message.contains("nope"),
        "{message}"
    );
    assert_eq!(r.json["details"]["message"], r.json["error"]);
    // An empty body where one is required is a schema error.
    let r = send(
        &app,
        Req::post("/api/v1/auth/cli/poll")
            .client(&s)
            .raw(Some("application/json"), b""),
    )
    .await;
    r.assert_known(400, "SCHEMA_ERROR");
    assert!(r.text.contains("body.polling_code must be defined"));
    // Not an object.
    send(
        &app,
        initiate().client(&s).raw(Some("application/json"), b"[]"),
    )
    .await
    .assert_known(400, "SCHEMA_ERROR");
    send(
        &app,
        initiate().client(&s).raw(Some("application/json"), b"null"),
    )
    .await
    .assert_known(400, "SCHEMA_ERROR");
}

#[tokio::test]
async fn every_response_carries_request_id_cache_control_and_cors() {
    let (app, s) = env(true).await;
    let a = send(&app, initiate().client(&s)).await;
    let b = send(&app, initiate()).await;
    let c = send(&app, Req::new(Method::GET, "/nope")).await;
    for r in [&a, &b, &c] {
        assert!(r.headers.get("x-stack-request-id").is_some(), "{r:?}");
        assert_eq!(r.headers["cache-control"], "no-store, max-age=0");
        assert_eq!(r.headers["access-control-allow-origin"], "*");
        let expose = r.headers["access-control-expose-headers"]
            .to_str()
            .expect("ascii");
        for h in [
            "x-stack-actual-status",
            "x-stack-known-error",
            "x-stack-request-id",
        ] {
            assert!(expose.contains(h), "{h}");
        }
    }
    assert_ne!(
        a.headers["x-stack-request-id"],
        b.headers["x-stack-request-id"]
    );
    // An API Gateway request id is carried through.
    let mut req = initiate().client(&s).build();
    req.extensions_mut()
        .insert(cli_auth_core::api::context::RequestId("apigw-123".into()));
    let r = Resp::from(app.handle(req).await);
    assert_eq!(r.headers["x-stack-request-id"], "apigw-123");
}

#[tokio::test]
async fn preflights_are_answered() {
    let (app, _) = env(true).await;
    let r = send(
        &app,
        Req::new(Method::OPTIONS, "/api/v1/auth/cli/complete")
            .header("origin", "https://app.example")
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "x-stack-project-id, content-type",
            ),
    )
    .await;
    assert_eq!(r.status, 204);
    let allow = r.headers["access-control-allow-headers"]
        .to_str()
        .expect("ascii");
    for h in [
        "content-type",
        "x-stack-project-id",
        "x-stack-access-type",
        "x-stack-publishable-client-key",
        "x-hexclave-publishable-client-key",
        "x-stack-override-error-status",
        "x-stack-random-nonce",
        "x-stack-client-version",
        "x-stack-branch-id",
        "x-stack-refresh-token",
        "x-stack-allow-anonymous-user",
    ] {
        assert!(allow.split(", ").any(|a| a == h), "{h} allowed");
    }
    let methods = r.headers["access-control-allow-methods"]
        .to_str()
        .expect("ascii");
    for m in ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
        assert!(methods.contains(m));
    }
}

#[tokio::test]
async fn override_error_status_turns_4xx_into_200() {
    let (app, s) = env(true).await;
    let r = send(
        &app,
        Req::post("/api/v1/auth/cli/poll")
            .client(&s)
            .header("x-stack-override-error-status", "true")
            .json(json!({"polling_code": "nope"})),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["x-stack-actual-status"], "400");
    assert_eq!(r.json["code"], "INVALID_POLLING_CODE");
    // Successes are left alone.
    let r = send(
        &app,
        initiate()
            .client(&s)
            .header("x-stack-override-error-status", "1"),
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.headers.get("x-stack-actual-status").is_none());
}

#[tokio::test]
async fn unknown_routes_404_and_wrong_methods_405() {
    let (app, s) = env(true).await;
    for path in [
        "/",
        "/api/v1",
        "/api/v1/auth",
        "/api/v2/auth/cli",
        "/api/v1/auth/cli/pol",
        "/api/latest/nope",
    ] {
        assert_eq!(
            send(&app, Req::post(path).client(&s)).await.status,
            404,
            "{path}"
        );
    }
    for (method, path) in [
        (Method::GET, "/api/v1/auth/cli"),
        (Method::PUT, "/api/latest/auth/cli/poll"),
        (Method::DELETE, "/api/v1/auth/cli/complete"),
    ] {
        let r = send(&app, Req::new(method, path).client(&s)).await;
        assert_eq!(r.status, 405, "{path}");
        assert_eq!(r.headers["allow"], "POST, OPTIONS", "{path}");
    }
    // Both prefixes serve the same endpoints.
    assert_eq!(
        send(&app, Req::post("/api/latest/auth/cli").client(&s))
            .await
            .status,
        200
    );
}

/// Rule 5 before rule 6, and nothing kept for forged tokens: tokens naming
/// random projects (in the headers too) are unparsable, and the app holds no
/// key for any of them (it used to derive and keep one per project id).
#[tokio::test]
async fn forged_access_tokens_are_refused_and_keep_nothing() {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let (app, s) = env(true).await;
    let part = |v: serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
    for i in 0..200 {
        let project = format!("forged-project-{i}");
        let token = format!(
            "{}.{}.{}",
            part(json!({"alg": "ES256", "typ": "JWT", "kid": "k"})),
            part(
                json!({"sub": "u", "aud": project, "project_id": project, "exp": 4_000_000_000i64})
            ),
            URL_SAFE_NO_PAD.encode([1u8; 64])
        );
        for header_project in [project.as_str(), s.project.id.as_str()] {
            send(
                &app,
                initiate()
                    .header("x-stack-access-type", "client")
                    .header("x-stack-project-id", header_project)
                    .header("x-stack-publishable-client-key", &s.client_key)
                    .header("x-stack-access-token", &token),
            )
            .await
            .assert_known(401, "UNPARSABLE_ACCESS_TOKEN");
        }
    }
    assert_eq!(app.tokens().cached_audiences(), 0);
}

/// No answer grows with its request: bodies over the limit are refused
/// before they are parsed, and errors repeat at most ten names of at most
/// 128 characters each (an 800 KB form body used to get a 1.8 MB answer).
#[tokio::test]
async fn answers_stay_small_whatever_the_request() {
    let (app, s) = env(true).await;
    let client = |req: Req| {
        req.header("x-stack-access-type", "client")
            .header("x-stack-project-id", &s.project.id)
            .header("x-stack-publishable-client-key", &s.client_key)
    };
    let form = |keys: usize, key_len: usize| {
        (0..keys)
            .map(|i| format!("{i:0>key_len$}=1"))
            .collect::<Vec<_>>()
            .join("&")
    };
    let huge = form(80_000, 8);
    assert!(huge.len() > 800_000);
    let r = send(
        &app,
        client(initiate()).raw(Some("application/x-www-form-urlencoded"), huge.as_bytes()),
    )
    .await;
    r.assert_known(413, "REQUEST_BODY_TOO_LARGE");
    assert_eq!(
        r.json["error"],
        json!("The request body is larger than the 262144 bytes accepted.")
    );
    assert!(r.text.len() < 200, "{}", r.text);

    // Just under the limit: 20,000 unknown keys, ten of them named.
    let many = form(20_000, 8);
    assert!(many.len() < 256 * 1024);
    let r = send(
        &app,
        client(initiate()).raw(Some("application/x-www-form-urlencoded"), many.as_bytes()),
    )
    .await;
    r.assert_known(400, "SCHEMA_ERROR");
    assert_eq!(
        r.json["error"],
        json!(
            "Request validation failed on POST /api/v1/auth/cli:\n  - body contains unknown \
             properties: 00000000, 00000001, 00000002, 00000003, 00000004, 00000005, 00000006, \
             00000007, 00000008, 00000009, and 19990 more"
        )
    );
    assert!(r.text.len() < 1_000, "{} bytes", r.text.len());

    // One name of 5,000 characters: its first 128, then an ellipsis.
    let long = "k".repeat(5_000);
    let r = send(&app, client(initiate()).json(json!({ long.clone(): 1 }))).await;
    let expected = format!(
        "Request validation failed on POST /api/v1/auth/cli:\n  - body contains unknown properties: {}…",
        "k".repeat(128)
    );
    assert_eq!(r.json["error"], json!(expected));

    // Echoed headers are bounded the same way.
    let r = send(
        &app,
        initiate()
            .header("x-stack-access-type", &"a".repeat(5_000))
            .header("x-stack-project-id", &s.project.id),
    )
    .await;
    r.assert_known(400, "INVALID_ACCESS_TYPE");
    assert!(r.text.len() < 1_000, "{} bytes", r.text.len());
    let r = send(
        &app,
        initiate()
            .header("x-stack-access-type", "client")
            .header("x-stack-project-id", &"p".repeat(5_000)),
    )
    .await;
    r.assert_known(400, "CURRENT_PROJECT_NOT_FOUND");
    assert!(r.text.len() < 1_000, "{} bytes", r.text.len());
    let r = send(
        &app,
        client(initiate()).raw(Some(&format!("application/{}", "x".repeat(5_000))), b"{}"),
    )
    .await;
    r.assert_known(400, "BODY_PARSING_ERROR");
    assert!(r.text.len() < 1_000, "{} bytes", r.text.len());
}
