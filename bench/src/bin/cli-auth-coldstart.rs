//! Cold-start and size benchmark of the Lambda functions, next to two
//! references built with the same profile (`ref-hello-http`, `ref-hello-sdk`).
//!
//! Every binary is started the way Lambda starts it, under the Runtime API
//! stand-in of the test suite, `--runs` times, and measured:
//! - init: exec → its first `/runtime/invocation/next` (ready to serve),
//! - first: that first invocation (queued before exec) → its response, which
//!   includes the lazy work the first request pays (e.g. the DynamoDB
//!   client's first connection),
//! - warm: the median of `--invocations` further invocations,
//! - size: the binary's size on disk.
//!
//! It needs DynamoDB Local (`AWS_ENDPOINT_URL_DYNAMODB` and dummy
//! credentials); `scripts/coldstart.sh` provides it and builds the binaries.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Parser;
use cli_auth_tests::fixtures;
use cli_auth_tests::lambda_runtime::{
    Outcome, RuntimeApi, fixture_world, spawn_function, spawn_function_with_secrets_manager,
};
use cli_auth_tests::secrets_manager::SecretsManagerStandIn;

#[derive(Parser)]
#[command(about = "Cold start, per-invocation time and size of every Lambda function binary")]
struct Args {
    /// Directory holding the function binaries and the two references.
    #[arg(long, default_value = "target/release")]
    bin_dir: PathBuf,
    /// Cold starts per binary.
    #[arg(long, default_value_t = 20)]
    runs: usize,
    /// Warm invocations after each cold start.
    #[arg(long, default_value_t = 20)]
    invocations: usize,
    /// Only these binaries (default: every function and both references).
    #[arg(long)]
    only: Vec<String>,
    /// Where the functions read the server secret at init: from Secrets
    /// Manager (a loopback stand-in; as the template deploys them) or from
    /// the environment (local work). The difference is the fetch's cost
    /// here, without the network and TLS of the real service.
    #[arg(long, value_enum, default_value = "secrets-manager")]
    secret_from: SecretFrom,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum SecretFrom {
    SecretsManager,
    Environment,
}

/// The fixture each function is invoked with, again and again: one a
/// client of the function would send most, and that stays meaningful when
/// repeated (the answers' statuses are reported beside the times).
const EVENTS: &[(&str, &str)] = &[
    ("anonymous-sign-up", "anonymous-sign-up/sign-up"),
    ("cli-complete", "cli-complete/check"),
    ("cli-initiate", "cli-initiate/default"),
    ("cli-poll", "cli-poll/waiting"),
    ("jwks", "jwks/jwks"),
    ("sessions-create", "sessions-create/create"),
    ("sessions-refresh", "sessions-refresh/refresh"),
    ("sessions-revoke", "sessions-revoke/revoke"),
    ("users-create", "users-create/create"),
    ("users-get", "users-get/found"),
    ("users-me", "users-me/me"),
    ("users-update", "users-update/update"),
    ("cli-cancel", "cli-cancel/cancel"),
    ("cli-user-code", "cli-user-code/look-up"),
    (
        "oauth-device-authorization",
        "oauth-device-authorization/authorize",
    ),
    ("oauth-discovery", "oauth-discovery/openid-configuration"),
    ("oauth-token", "oauth-token/refresh"),
    ("sessions-delete", "sessions-delete/unknown-session"),
    ("sessions-list", "sessions-list/own"),
    // Not `delete`: the fixture world's user is shared by every binary.
    ("users-me-delete", "users-me-delete/no-token"),
    ("users-me-update", "users-me-update/update"),
    // The hosted page's functions, without a provider configured (their
    // init then builds no OpenID client).
    ("hosted-confirm", "hosted-confirm/no-provider"),
    ("hosted-confirm-post", "hosted-confirm-post/signed-out"),
    ("hosted-oidc-callback", "hosted-oidc-callback/no-provider"),
    ("hosted-sign-out", "hosted-sign-out/sign-out"),
    // The references answer any HTTP API event.
    ("ref-hello-http", "jwks/jwks"),
    ("ref-hello-sdk", "jwks/jwks"),
];

struct Figures {
    size: u64,
    init: Vec<Duration>,
    first: Vec<Duration>,
    warm: Vec<Duration>,
    statuses: BTreeMap<u64, usize>,
}

/// One binary under test and what was measured of it.
struct Subject {
    name: &'static str,
    path: PathBuf,
    event: String,
    tables: cli_auth_core::store::dynamodb::TableNames,
    figures: Figures,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let mut all: BTreeMap<String, String> = fixtures::fixtures()
        .into_iter()
        .map(|(name, (_, text))| (name, text))
        .collect();
    all.extend(
        fixtures::page_fixtures()
            .into_iter()
            .map(|(name, (_, text))| (name, text)),
    );
    // The events' access tokens were signed long ago; sign them now.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis() as i64;
    let secrets_manager = match args.secret_from {
        SecretFrom::SecretsManager => Some(SecretsManagerStandIn::with_fixture_secret().await),
        SecretFrom::Environment => None,
    };
    let mut subjects = Vec::new();
    for (name, event) in EVENTS {
        if !args.only.is_empty() && !args.only.iter().any(|o| o == name) {
            continue;
        }
        let path = args.bin_dir.join(name);
        let size = std::fs::metadata(&path)
            .map_err(|e| {
                format!(
                    "{}: {e} (build it first: scripts/coldstart.sh)",
                    path.display()
                )
            })?
            .len();
        let text = all
            .get(*event)
            .ok_or_else(|| format!("no fixture {event}"))?;
        subjects.push(Subject {
            name,
            path,
            event: fixtures::with_fresh_access_token(text, now),
            tables: fixture_world().await,
            figures: Figures {
                size,
                init: Vec::new(),
                first: Vec::new(),
                warm: Vec::new(),
                statuses: BTreeMap::new(),
            },
        });
    }
    // One unmeasured round warms the page cache and DynamoDB Local; then
    // rounds go through every binary in turn, so background noise (the
    // emulator's JVM shares the cores) spreads evenly over all of them.
    for round in 0..=args.runs {
        for subject in &mut subjects {
            let sample = cold_start(subject, &args, secrets_manager.as_ref()).await?;
            if round > 0 {
                let f = &mut subject.figures;
                f.init.push(sample.init);
                f.first.push(sample.first);
                f.warm.extend(sample.warm);
                for status in sample.statuses {
                    *f.statuses.entry(status).or_default() += 1;
                }
            }
        }
        eprintln!("round {round}/{} done", args.runs);
    }
    let results: Vec<(&str, Figures)> = subjects.into_iter().map(|s| (s.name, s.figures)).collect();
    report(&results);
    Ok(())
}

struct Sample {
    init: Duration,
    first: Duration,
    warm: Vec<Duration>,
    statuses: Vec<u64>,
}

/// Starts the binary once with its event queued, as Lambda does, then
/// invokes it warm `--invocations` times.
async fn cold_start(
    subject: &Subject,
    args: &Args,
    secrets_manager: Option<&SecretsManagerStandIn>,
) -> Result<Sample, Box<dyn std::error::Error>> {
    let api = RuntimeApi::start().await;
    let event = subject.event.as_bytes();
    // Queued before exec, as Lambda holds the event that caused the start.
    let first = api.invoke_later(event);
    let started = Instant::now();
    let binary = subject.path.to_string_lossy();
    let _child = match secrets_manager {
        Some(stand_in) => spawn_function_with_secrets_manager(
            &binary,
            subject.name,
            &api,
            &subject.tables,
            stand_in,
        )?,
        None => spawn_function(&binary, subject.name, &api, &subject.tables)?,
    };
    let outcome = first.wait(Duration::from_secs(30)).await;
    let answered = Instant::now();
    let ready = api.ready_at().ok_or("the function never asked for work")?;
    let mut sample = Sample {
        init: ready - started,
        first: answered - ready,
        warm: Vec::new(),
        statuses: vec![status(subject.name, outcome)?],
    };
    for _ in 0..args.invocations {
        let sent = Instant::now();
        let outcome = api.invoke(event, Duration::from_secs(30)).await;
        sample.warm.push(sent.elapsed());
        sample.statuses.push(status(subject.name, outcome)?);
    }
    Ok(sample)
}

fn status(name: &str, outcome: Option<Outcome>) -> Result<u64, Box<dyn std::error::Error>> {
    match outcome.as_ref().and_then(Outcome::http) {
        Some((status, _, _)) => Ok(u64::from(status)),
        None => Err(format!("{name}: no HTTP response: {outcome:?}").into()),
    }
}

fn median(samples: &[Duration]) -> Duration {
    percentile(samples, 50)
}

fn percentile(samples: &[Duration], p: usize) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted
        .get((sorted.len().saturating_sub(1)) * p / 100)
        .copied()
        .unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn report(results: &[(&str, Figures)]) {
    let reference = results
        .iter()
        .find(|(name, _)| *name == "ref-hello-sdk")
        .map(|(_, f)| (median(&f.init), f.size));
    println!(
        "| binary | size (MiB) | size / SDK hello | init median (ms) | init p90 (ms) | init / SDK hello | first invocation median (ms) | warm invocation median (ms) | statuses |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (name, f) in results {
        let init = median(&f.init);
        let (init_ratio, size_ratio) = match reference {
            Some((ref_init, ref_size)) if !ref_init.is_zero() && ref_size > 0 => (
                format!("{:.2}×", init.as_secs_f64() / ref_init.as_secs_f64()),
                format!("{:.2}×", f.size as f64 / ref_size as f64),
            ),
            _ => ("–".to_owned(), "–".to_owned()),
        };
        let statuses = f
            .statuses
            .iter()
            .map(|(s, n)| format!("{s}×{n}"))
            .collect::<Vec<_>>()
            .join(" ");
        println!(
            "| {name} | {:.2} | {size_ratio} | {:.2} | {:.2} | {init_ratio} | {:.2} | {:.3} | {statuses} |",
            f.size as f64 / (1024.0 * 1024.0),
            ms(init),
            ms(percentile(&f.init, 90)),
            ms(median(&f.first)),
            ms(median(&f.warm)),
        );
    }
}
