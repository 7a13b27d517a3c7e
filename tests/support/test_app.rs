//! A test's app: a seeded project on a store, a clock the test moves, and
//! one method per request the tests make (zero2prod's `TestApp`).

use std::sync::Arc;
use std::time::Duration;

use cli_auth_core::App;
use cli_auth_core::clock::{Clock, ManualClock, Millis};
use cli_auth_core::domain::access::AccessType;
use cli_auth_core::domain::accounts::new_user;
use cli_auth_core::domain::project::{NewKey, Project};
use cli_auth_core::domain::session::Session;
use cli_auth_core::domain::store::Store;
use cli_auth_core::domain::tokens::TokenIssuer;
use cli_auth_core::domain::user::{User, UserPatch};
use cli_auth_core::secret::{LocatedSecret, random_token};
use http::Method;
use serde_json::{Value, json};

use crate::requests::{Req, Resp};
use crate::stores::{StoreKind, store};
use crate::{BASE_URL, T0};

pub fn token_issuer() -> TokenIssuer {
    TokenIssuer::new(random_token(32).as_bytes(), 600).expect("issuer")
}

/// An app on `store` whose clock the test moves.
pub fn app(store: Arc<dyn Store>, clock: Arc<ManualClock>) -> App {
    App::new(
        store,
        clock as Arc<dyn Clock>,
        token_issuer(),
        Duration::from_secs(60),
        Some(BASE_URL.to_owned()),
    )
}

/// An app on `store` signing with `secret`, caching projects for
/// `project_cache`: another process of the same deployment.
pub fn app_with_secret(
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
    secret: &str,
    project_cache: Duration,
) -> App {
    App::new(
        store,
        clock as Arc<dyn Clock>,
        TokenIssuer::new(secret.as_bytes(), 600).expect("issuer"),
        project_cache,
        Some(BASE_URL.to_owned()),
    )
}

/// A seeded project (client key required) on a store, and an app over it
/// whose clock the test moves.
pub struct TestApp {
    pub store: Arc<dyn Store>,
    pub clock: Arc<ManualClock>,
    pub app: Arc<App>,
    pub seeded: Seeded,
    /// The server secret `app` signs with (for another process of the
    /// same deployment: [`app_with_secret`]).
    pub secret: String,
}

pub async fn test_app(kind: StoreKind) -> TestApp {
    let store = store(kind).await;
    let clock = Arc::new(ManualClock::new(T0));
    let seeded = seed_project(store.as_ref(), true).await;
    let secret = random_token(32);
    let app = Arc::new(app_with_secret(
        Arc::clone(&store),
        Arc::clone(&clock),
        &secret,
        Duration::from_secs(60),
    ));
    TestApp {
        store,
        clock,
        app,
        seeded,
        secret,
    }
}

/// A test app whose project has agent auth on (as Hexclave's e2e tests
/// install the app first).
pub async fn agent_test_app(kind: StoreKind) -> TestApp {
    let e = test_app(kind).await;
    assert!(
        e.store
            .set_project_agent_auth(&e.seeded.project.id, true)
            .await
            .expect("set")
    );
    e
}

/// A project and its three keys (client, server, admin).
pub struct Seeded {
    pub project: Project,
    pub client_key: String,
    pub server_key: String,
    pub admin_key: String,
}

pub async fn seed_project(store: &dyn Store, requires_client_key: bool) -> Seeded {
    let (project, keys) = Project::create("Test", requires_client_key, T0);
    store
        .create_project(&project)
        .await
        .expect("create project");
    let [client, server, admin]: [NewKey; 3] = keys;
    Seeded {
        project,
        client_key: client.text,
        server_key: server.text,
        admin_key: admin.text,
    }
}

/// A user with a live session, as the sessions endpoints will make them.
pub struct SeededUser {
    pub user: User,
    pub session: Session,
    pub refresh_token: String,
}

pub async fn seed_user(
    store: &dyn Store,
    project_id: &str,
    anonymous: bool,
    now: Millis,
    lifetime: Millis,
) -> SeededUser {
    let patch = UserPatch {
        display_name: (!anonymous).then(|| Some("Ada".to_owned())),
        is_anonymous: Some(anonymous),
        ..UserPatch::default()
    };
    let user = new_user(project_id, &patch, now);
    store.put_user(&user).await.expect("put user");
    let (session, token): (Session, LocatedSecret) =
        Session::create(project_id, &user.id, now, lifetime, false);
    store.put_session(&session).await.expect("put session");
    SeededUser {
        user,
        session,
        refresh_token: token.expose(),
    }
}

/// The requests of the CLI flow (api.md §3).
impl TestApp {
    pub async fn initiate(&self, body: Value) -> Resp {
        Req::post("/api/v1/auth/cli")
            .client(&self.seeded)
            .json(body)
            .send(&self.app)
            .await
    }

    /// initiate as a CLI that says who it is: `mytool` on `ada-laptop`,
    /// from 203.0.113.7, user agent `mytool/2.0` (api.md §8).
    pub async fn initiate_as_mytool(&self) -> Resp {
        Req::post("/api/v1/auth/cli")
            .client(&self.seeded)
            .source_ip("203.0.113.7")
            .header("user-agent", "mytool/2.0")
            .json(json!({"client": {"name": "mytool", "hostname": "ada-laptop"}}))
            .send(&self.app)
            .await
    }

    pub async fn attempt(&self) -> (String, String) {
        let r = self.initiate(json!({})).await;
        assert_eq!(r.status, 200, "{r:?}");
        (r.string("polling_code"), r.string("login_code"))
    }

    pub async fn poll(&self, polling_code: &str) -> Resp {
        Req::post("/api/latest/auth/cli/poll")
            .client(&self.seeded)
            .json(json!({ "polling_code": polling_code }))
            .send(&self.app)
            .await
    }

    pub async fn complete(&self, body: Value) -> Resp {
        Req::post("/api/v1/auth/cli/complete")
            .client(&self.seeded)
            .json(body)
            .send(&self.app)
            .await
    }

    pub async fn user(&self, anonymous: bool) -> SeededUser {
        seed_user(
            self.store.as_ref(),
            &self.seeded.project.id,
            anonymous,
            T0,
            365 * 24 * 3_600_000,
        )
        .await
    }
}

/// The requests of users, sessions and tokens (api.md §4).
impl TestApp {
    pub fn server(&self, method: Method, path: &str) -> Req {
        Req::new(method, &format!("/api/v1{path}")).access(&self.seeded, AccessType::Server)
    }

    pub fn client(&self, method: Method, path: &str) -> Req {
        Req::new(method, &format!("/api/v1{path}")).client(&self.seeded)
    }

    pub async fn create_user(&self, body: Value) -> Value {
        let r = self
            .server(Method::POST, "/users")
            .json(body)
            .send(&self.app)
            .await;
        assert_eq!(r.status, 201, "{r:?}");
        r.json
    }

    pub async fn session(&self, user_id: &str) -> (String, String) {
        let r = self
            .server(Method::POST, "/auth/sessions")
            .json(json!({"user_id": user_id}))
            .send(&self.app)
            .await;
        assert_eq!(r.status, 200, "{r:?}");
        (r.string("refresh_token"), r.string("access_token"))
    }

    pub async fn refresh(&self, refresh_token: &str) -> Resp {
        self.client(Method::POST, "/auth/sessions/current/refresh")
            .header("x-stack-refresh-token", refresh_token)
            .send(&self.app)
            .await
    }

    /// `POST /auth/oauth/token` with a form body, as Stack's SDK sends it.
    pub async fn oauth_token(&self, form: &str) -> Resp {
        Req::post("/api/v1/auth/oauth/token")
            .raw(
                Some("application/x-www-form-urlencoded;charset=UTF-8"),
                form.as_bytes(),
            )
            .send(&self.app)
            .await
    }

    /// The refresh grant with this project's publishable key.
    pub async fn oauth_refresh(&self, refresh_token: &str) -> Resp {
        let form = format!(
            "grant_type=refresh_token&refresh_token={refresh_token}&client_id={}&client_secret={}",
            self.seeded.project.id, self.seeded.client_key
        );
        self.oauth_token(&form).await
    }

    pub async fn me(&self, access_token: &str) -> Resp {
        self.client(Method::GET, "/users/me")
            .header("x-stack-access-token", access_token)
            .send(&self.app)
            .await
    }

    pub async fn jwks(&self, include_anonymous: bool) -> Value {
        let q = if include_anonymous {
            "?include_anonymous=true"
        } else {
            ""
        };
        let path = format!(
            "/api/v1/projects/{}/.well-known/jwks.json{q}",
            self.seeded.project.id
        );
        let r = Req::new(Method::GET, &path).send(&self.app).await;
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(r.headers["cache-control"], "public, max-age=3600");
        r.json
    }

    /// Verifies `token` with a stock JWT library given only the JWKS answer.
    pub async fn verify(&self, token: &str, anonymous: bool) -> Value {
        let header = jsonwebtoken::decode_header(token).expect("header");
        assert_eq!(header.alg, jsonwebtoken::Algorithm::ES256);
        let jwks: jsonwebtoken::jwk::JwkSet =
            serde_json::from_value(self.jwks(anonymous).await).expect("a JWK set");
        let jwk = jwks
            .find(header.kid.as_deref().expect("kid"))
            .expect("kid published");
        let key = jsonwebtoken::DecodingKey::from_jwk(jwk).expect("key");
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
        let pid = &self.seeded.project.id;
        validation.set_audience(&[if anonymous {
            format!("{pid}:anon")
        } else {
            pid.clone()
        }]);
        validation.validate_exp = false;
        jsonwebtoken::decode::<Value>(token, &key, &validation)
            .expect("verifies")
            .claims
    }
}
