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
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::Parser;
use cli_auth_tests::fixtures;
use cli_auth_tests::lambda_runtime::{Outcome, RuntimeApi, fixture_world, spawn_function};

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

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let all = fixtures::fixtures();
    let mut results = Vec::new();
    for (binary, event) in EVENTS {
        if !args.only.is_empty() && !args.only.iter().any(|o| o == binary) {
            continue;
        }
        let path = args.bin_dir.join(binary);
        let (_, text) = all
            .get(*event)
            .ok_or_else(|| format!("no fixture {event}"))?;
        let figures = measure(&path, binary, text.as_bytes(), &args).await?;
        eprintln!("{binary}: init median {:.1} ms", ms(median(&figures.init)));
        results.push((*binary, figures));
    }
    report(&results);
    Ok(())
}

async fn measure(
    path: &Path,
    name: &str,
    event: &[u8],
    args: &Args,
) -> Result<Figures, Box<dyn std::error::Error>> {
    let size = std::fs::metadata(path)
        .map_err(|e| {
            format!(
                "{}: {e} (build it first: scripts/coldstart.sh)",
                path.display()
            )
        })?
        .len();
    let binary = path.to_string_lossy();
    let tables = fixture_world().await;
    let mut figures = Figures {
        size,
        init: Vec::new(),
        first: Vec::new(),
        warm: Vec::new(),
        statuses: BTreeMap::new(),
    };
    for _ in 0..args.runs {
        let api = RuntimeApi::start().await;
        // Queued before exec, as Lambda holds the event that caused the start.
        let first = api.invoke_later(event);
        let started = Instant::now();
        let _child = spawn_function(&binary, name, &api, &tables)?;
        let outcome = first.wait(Duration::from_secs(30)).await;
        let answered = Instant::now();
        let ready = api.ready_at().ok_or("the function never asked for work")?;
        figures.init.push(ready - started);
        figures.first.push(answered - ready);
        count(&mut figures.statuses, name, outcome)?;
        for _ in 0..args.invocations {
            let sent = Instant::now();
            let outcome = api.invoke(event, Duration::from_secs(30)).await;
            figures.warm.push(sent.elapsed());
            count(&mut figures.statuses, name, outcome)?;
        }
    }
    Ok(figures)
}

fn count(
    statuses: &mut BTreeMap<u64, usize>,
    name: &str,
    outcome: Option<Outcome>,
) -> Result<(), Box<dyn std::error::Error>> {
    let Some(Outcome::Response(raw)) = outcome else {
        return Err(format!("{name}: no response: {outcome:?}").into());
    };
    let response: serde_json::Value = serde_json::from_slice(&raw)?;
    let status = response["statusCode"].as_u64().unwrap_or_default();
    *statuses.entry(status).or_default() += 1;
    Ok(())
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
