//! `cli-auth-load`: a bounded load generator with invariants, for a running
//! cli-auth-dev (loopback only).
//!
//! Each flow: initiate; the browser completes with a session of its own;
//! several racing polls pick up the token. Afterwards it checks that every
//! flow handed out its token exactly once and that the token was the
//! completer's. Reports throughput and p50/p99 latency per endpoint.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::{Value, json};
use tokio::sync::Mutex;

#[derive(Debug, Parser)]
struct Args {
    /// The dev server's base URL; only loopback addresses are accepted.
    #[arg(long, default_value = "http://127.0.0.1:8787")]
    base_url: String,
    #[arg(long, env = "CLI_AUTH_DEV_PROJECT_ID")]
    project_id: String,
    #[arg(long, env = "CLI_AUTH_DEV_PUBLISHABLE_CLIENT_KEY")]
    client_key: String,
    #[arg(long, env = "CLI_AUTH_DEV_SECRET_SERVER_KEY")]
    server_key: String,
    /// Login flows to run.
    #[arg(long, default_value_t = 500)]
    flows: usize,
    /// Flows in flight at once.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Racing polls per flow once it is completed.
    #[arg(long, default_value_t = 4)]
    racers: usize,
    /// Hard limit on the run's duration, in seconds.
    #[arg(long, default_value_t = 120)]
    max_seconds: u64,
}

#[derive(Default)]
struct Stats {
    latencies: BTreeMap<&'static str, Vec<Duration>>,
    statuses: BTreeMap<u16, usize>,
}

struct Client {
    http: reqwest::Client,
    args: Args,
    stats: Mutex<Stats>,
}

impl Client {
    async fn post(
        &self,
        name: &'static str,
        path: &str,
        server: bool,
        body: Value,
    ) -> Result<(u16, Value), String> {
        let (kind, header, key) = if server {
            ("server", "x-stack-secret-server-key", &self.args.server_key)
        } else {
            (
                "client",
                "x-stack-publishable-client-key",
                &self.args.client_key,
            )
        };
        let started = Instant::now();
        let r = self
            .http
            .post(format!("{}/api/v1{path}", self.args.base_url))
            .header("x-stack-access-type", kind)
            .header("x-stack-project-id", &self.args.project_id)
            .header(header, key)
            .json(&body)
            .send()
            .await
            .map_err(|e| format!("{name}: {e}"))?;
        let status = r.status().as_u16();
        let body: Value = r.json().await.map_err(|e| format!("{name}: {e}"))?;
        let took = started.elapsed();
        let mut stats = self.stats.lock().await;
        stats.latencies.entry(name).or_default().push(took);
        *stats.statuses.entry(status).or_default() += 1;
        Ok((status, body))
    }
}

/// One login flow; returns an invariant violation, if any.
async fn flow(c: &Client, user_id: &Value) -> Result<(), String> {
    let (_, session) = c
        .post(
            "sessions",
            "/auth/sessions",
            true,
            json!({"user_id": user_id}),
        )
        .await?;
    let browser_token = session["refresh_token"].clone();
    let (status, attempt) = c.post("initiate", "/auth/cli", false, json!({})).await?;
    if status != 200 {
        return Err(format!("initiate answered {status}: {attempt}"));
    }
    let polling = attempt["polling_code"].clone();
    let (_, waiting) = c
        .post(
            "poll",
            "/auth/cli/poll",
            false,
            json!({"polling_code": polling}),
        )
        .await?;
    if waiting != json!({"status": "waiting"}) {
        return Err(format!("expected waiting, got {waiting}"));
    }
    let (status, done) = c
        .post(
            "complete",
            "/auth/cli/complete",
            false,
            json!({"login_code": attempt["login_code"], "refresh_token": browser_token}),
        )
        .await?;
    if status != 200 {
        return Err(format!("complete answered {status}: {done}"));
    }
    let racers = (0..c.args.racers).map(|_| {
        c.post(
            "poll",
            "/auth/cli/poll",
            false,
            json!({"polling_code": polling}),
        )
    });
    let answers = futures::future::join_all(racers).await;
    let mut winners = Vec::new();
    for a in answers {
        let (status, body) = a?;
        match (status, body["status"].as_str()) {
            (201, Some("success")) => winners.push(body["refresh_token"].clone()),
            (200, Some("used")) => {}
            other => return Err(format!("unexpected poll answer {other:?}")),
        }
    }
    if winners.len() != 1 {
        return Err(format!("{} polls got the token", winners.len()));
    }
    if winners[0] != browser_token {
        return Err("a poll got someone else's token".into());
    }
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args = Args::parse();
    let host = args
        .base_url
        .trim_start_matches("http://")
        .split([':', '/'])
        .next()
        .unwrap_or_default()
        .to_owned();
    if !(host == "localhost" || host.starts_with("127.") || host == "[::1]") {
        return Err(format!("refusing to load {host}: loopback only"));
    }
    let (flows, concurrency, limit) = (
        args.flows,
        args.concurrency.max(1),
        Duration::from_secs(args.max_seconds),
    );
    let c = Arc::new(Client {
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(concurrency * 2)
            .build()
            .map_err(|e| e.to_string())?,
        args,
        stats: Mutex::default(),
    });
    let (_, user) = c
        .post("users", "/users", true, json!({"display_name": "load"}))
        .await?;
    let user_id = user["id"].clone();

    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let workers = (0..concurrency).map(|_| {
        let (c, next, user_id) = (Arc::clone(&c), Arc::clone(&next), user_id.clone());
        tokio::spawn(async move {
            let mut violations = Vec::new();
            while next.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < flows {
                if started.elapsed() > limit {
                    break;
                }
                if let Err(e) = flow(&c, &user_id).await {
                    violations.push(e);
                }
            }
            violations
        })
    });
    let violations: Vec<String> = futures::future::join_all(workers)
        .await
        .into_iter()
        .flat_map(|r| r.unwrap_or_else(|e| vec![format!("worker: {e}")]))
        .collect();
    let took = started.elapsed();

    let stats = c.stats.lock().await;
    let requests: usize = stats.statuses.values().sum();
    println!(
        "load: {flows} flows, {requests} requests in {:.2} s = {:.0} req/s ({:.0} flows/s), concurrency {concurrency}",
        took.as_secs_f64(),
        requests as f64 / took.as_secs_f64(),
        flows as f64 / took.as_secs_f64()
    );
    for (name, lat) in &stats.latencies {
        let mut sorted = lat.clone();
        sorted.sort();
        println!(
            "  {name:<9} n={:<6} p50={:>7.2} ms  p99={:>7.2} ms",
            sorted.len(),
            percentile(&sorted, 0.50).as_secs_f64() * 1e3,
            percentile(&sorted, 0.99).as_secs_f64() * 1e3
        );
    }
    println!("  statuses: {:?}", stats.statuses);
    if stats.statuses.keys().any(|s| *s >= 500) {
        return Err("5xx answers under load".into());
    }
    if !violations.is_empty() {
        return Err(format!(
            "{} invariant violations, first: {}",
            violations.len(),
            violations[0]
        ));
    }
    println!("  invariants: every token handed out exactly once, to the completer's CLI");
    Ok(())
}
