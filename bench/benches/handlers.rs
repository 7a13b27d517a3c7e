//! Time per request of header validation and of each handler, through the
//! whole pipeline (`App::handle`) on the in-memory store; the user-code
//! look-up (reserve, read, give back) also on DynamoDB Local when
//! `AWS_ENDPOINT_URL_DYNAMODB` is set (`scripts/test.sh`'s set-up, or
//! `. scripts/lib/dynamodb-local.sh`).
//! `cargo bench -p cli-auth-bench --bench handlers`
#![allow(clippy::expect_used)] // a benchmark: a failed setup should stop it loudly

use std::sync::Arc;

use cli_auth_core::App;
use cli_auth_core::api::headers;
use cli_auth_core::clock::ManualClock;
use cli_auth_core::domain::access::AccessType;
use cli_auth_core::domain::store::Store;
use cli_auth_core::store::memory::MemoryStore;
use cli_auth_tests::{Req, Seeded, T0, app, seed_project, seed_user};
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use http::Method;
use serde_json::json;

struct World {
    app: App,
    seeded: Seeded,
    refresh_token: String,
    access_token: String,
    polling_code: String,
    login_code: String,
    user_id: String,
}

fn world(rt: &tokio::runtime::Runtime) -> World {
    rt.block_on(async {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let seeded = seed_project(store.as_ref(), true).await;
        let user = seed_user(store.as_ref(), &seeded.project.id, false, T0, 3_600_000).await;
        let app = app(Arc::clone(&store), Arc::new(ManualClock::new(T0)));
        let attempt = Req::post("/api/v1/auth/cli")
            .client(&seeded)
            .send(&app)
            .await
            .json;
        let access_token = app
            .tokens()
            .access_token(cli_auth_tests::BASE_URL, &user.user, &user.session.id, T0)
            .expect("token");
        World {
            polling_code: attempt["polling_code"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            login_code: attempt["login_code"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            refresh_token: user.refresh_token,
            user_id: user.user.id,
            access_token,
            app,
            seeded,
        }
    })
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let w = world(&rt);

    let headers = Req::post("/api/v1/auth/cli")
        .client(&w.seeded)
        .build()
        .headers()
        .clone();
    let project = w.seeded.project.clone();
    c.bench_function("header validation (rules 1-4, 7-8)", |b| {
        b.iter(|| {
            let claimed = headers::claimed_access(&headers).expect("valid");
            headers::check_key(&headers, claimed.access_type, &project, &AccessType::ALL)
                .expect("valid");
        })
    });

    let mut group = c.benchmark_group("handler");
    group.bench_function("POST /auth/cli (initiate)", |b| {
        b.to_async(&rt).iter(|| {
            Req::post("/api/v1/auth/cli")
                .client(&w.seeded)
                .json(json!({}))
                .send(&w.app)
        })
    });
    group.bench_function("POST /auth/cli/poll (waiting)", |b| {
        b.to_async(&rt).iter(|| {
            Req::post("/api/v1/auth/cli/poll")
                .client(&w.seeded)
                .json(json!({"polling_code": w.polling_code}))
                .send(&w.app)
        })
    });
    group.bench_function("POST /auth/cli/complete (check)", |b| {
        b.to_async(&rt).iter(|| {
            Req::post("/api/v1/auth/cli/complete")
                .client(&w.seeded)
                .json(json!({"login_code": w.login_code, "mode": "check"}))
                .send(&w.app)
        })
    });
    // These two need a fresh attempt per request: its set-up is not timed.
    let w = &w;
    group.bench_function("POST /auth/cli/complete (complete)", |b| {
        b.to_async(&rt).iter_custom(|iters| async move {
            let mut timed = Duration::ZERO;
            for _ in 0..iters {
                let attempt = Req::post("/api/v1/auth/cli").client(&w.seeded).send(&w.app).await.json;
                let request = Req::post("/api/v1/auth/cli/complete")
                    .client(&w.seeded)
                    .json(json!({"login_code": attempt["login_code"], "refresh_token": w.refresh_token}));
                let started = Instant::now();
                black_box(request.send(&w.app).await);
                timed += started.elapsed();
            }
            timed
        })
    });
    group.bench_function("POST /auth/cli/poll (success)", |b| {
        b.to_async(&rt).iter_custom(|iters| async move {
            let mut timed = Duration::ZERO;
            for _ in 0..iters {
                let attempt = Req::post("/api/v1/auth/cli").client(&w.seeded).send(&w.app).await.json;
                Req::post("/api/v1/auth/cli/complete")
                    .client(&w.seeded)
                    .json(json!({"login_code": attempt["login_code"], "refresh_token": w.refresh_token}))
                    .send(&w.app)
                    .await;
                let request = Req::post("/api/v1/auth/cli/poll")
                    .client(&w.seeded)
                    .json(json!({"polling_code": attempt["polling_code"]}));
                let started = Instant::now();
                black_box(request.send(&w.app).await);
                timed += started.elapsed();
            }
            timed
        })
    });
    group.bench_function("POST /auth/sessions/current/refresh (ES256 sign)", |b| {
        b.to_async(&rt).iter(|| {
            Req::post("/api/v1/auth/sessions/current/refresh")
                .client(&w.seeded)
                .header("x-stack-refresh-token", &w.refresh_token)
                .send(&w.app)
        })
    });
    group.bench_function("GET /users/me (ES256 verify)", |b| {
        b.to_async(&rt).iter(|| {
            Req::new(Method::GET, "/api/v1/users/me")
                .client(&w.seeded)
                .header("x-stack-access-token", &w.access_token)
                .send(&w.app)
        })
    });
    group.bench_function("GET /users/{id}", |b| {
        b.to_async(&rt).iter(|| {
            Req::new(Method::GET, &format!("/api/v1/users/{}", w.user_id))
                .access(&w.seeded, AccessType::Server)
                .send(&w.app)
        })
    });
    group.bench_function("GET jwks.json", |b| {
        b.to_async(&rt).iter(|| {
            Req::new(
                Method::GET,
                &format!(
                    "/api/v1/projects/{}/.well-known/jwks.json",
                    w.seeded.project.id
                ),
            )
            .send(&w.app)
        })
    });
    group.bench_function("bad input: SCHEMA_ERROR", |b| {
        b.to_async(&rt).iter(|| {
            Req::post("/api/v1/auth/cli/poll")
                .client(&w.seeded)
                .json(json!({"polling_code": 5}))
                .send(&w.app)
        })
    });
    group.finish();
}

/// The user-code look-up, found (three round trips: reserve both
/// counters, read, give back) and not (two), on each store at hand.
fn user_code_look_up(c: &mut Criterion) {
    use cli_auth_core::domain::login_attempt::UserCodeLimits;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut stores: Vec<(&str, Arc<dyn Store>)> = vec![("memory", Arc::new(MemoryStore::new()))];
    if std::env::var_os("AWS_ENDPOINT_URL_DYNAMODB").is_some() {
        stores.push((
            "DynamoDB Local",
            Arc::new(rt.block_on(cli_auth_tests::dynamo_store(None))),
        ));
    }
    let mut group = c.benchmark_group("user-code look-up");
    for (name, store) in stores {
        let (app, seeded, person, user_code) = rt.block_on(async {
            let seeded = seed_project(store.as_ref(), true).await;
            let user = seed_user(store.as_ref(), &seeded.project.id, false, T0, 3_600_000).await;
            // Failures are timed too: limits far away.
            let app = app(Arc::clone(&store), Arc::new(ManualClock::new(T0)))
                .with_user_code_limits(UserCodeLimits {
                    failures_per_ip: u64::MAX / 2,
                    failures_per_user: u64::MAX / 2,
                });
            let person = app
                .tokens()
                .access_token(cli_auth_tests::BASE_URL, &user.user, &user.session.id, T0)
                .expect("token");
            let attempt = Req::post("/api/v1/auth/cli")
                .client(&seeded)
                .send(&app)
                .await;
            (
                app,
                seeded,
                person,
                attempt.json["user_code"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        });
        for (case, code) in [("found", user_code.as_str()), ("wrong code", "BBBB-BBBB")] {
            group.bench_function(format!("{case}, {name}"), |b| {
                b.to_async(&rt).iter(|| {
                    Req::post("/api/v1/auth/cli/user-code")
                        .client(&seeded)
                        .header("x-stack-access-token", &person)
                        .source_ip("198.51.100.7")
                        .json(json!({ "user_code": code }))
                        .send(&app)
                })
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = handlers;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500));
    targets = benches, user_code_look_up
}
criterion_main!(handlers);
