//! The cost of a login on AWS, from measured inputs: runs Stack's login flow
//! (and the bound one of api.md §8) through the real pipeline on the
//! in-memory store, with the functions' own JSON log layer, and measures
//! what the model needs: each attempt's DynamoDB item size at every step
//! (by AWS's sizing rules) and the log bytes per request. Then it prints,
//! per 1,000 logins, the requests, invocations, GB-seconds, read and write
//! units and log bytes, and their price, for a person approving after 5,
//! 20 and 60 s with clients polling every 2 s; and the same with a waiting
//! poll as a failed conditional write (the design before this one).
//!
//!   cargo run --release -p cli-auth-bench --bin cli-auth-cost
//!
//! Durations are not measurable here (DynamoDB Local on loopback is not
//! DynamoDB in a region): each invocation is modelled as its measured
//! warm median on this machine plus `--dynamodb-ms` per round trip.

use std::io::Write as _;

use clap::Parser;
use cli_auth_core::domain::store::Store;
use cli_auth_core::store::dynamodb::attempt_item_bytes;
use cli_auth_tests::{CapturedLogs, Req, StoreKind, T0, TestApp, seed_user, test_app};
use serde_json::{Value, json};

#[derive(Debug, Parser)]
struct Args {
    /// Milliseconds per DynamoDB round trip in a region (a single-item
    /// read or write is typically a few ms).
    #[arg(long, default_value_t = 4.0)]
    dynamodb_ms: f64,
    /// Milliseconds of a warm invocation besides DynamoDB (this machine's
    /// warm medians are 1–2 ms against DynamoDB Local, which includes its
    /// round trips; docs/performance.md, "Cold start").
    #[arg(long, default_value_t = 1.5)]
    compute_ms: f64,
    /// The functions' memory (template.yaml, MemorySize), in MB.
    #[arg(long, default_value_t = 256)]
    memory_mb: u32,
    /// Seconds between polls (Stack's clients: 2).
    #[arg(long, default_value_t = 2)]
    poll_every: u32,
}

// us-east-1 prices (per unit), as of November 2024.
const API_GATEWAY_PER_REQUEST: f64 = 1.00 / 1e6; // HTTP API
const LAMBDA_PER_REQUEST: f64 = 0.20 / 1e6;
const LAMBDA_PER_GB_SECOND_ARM64: f64 = 0.000_013_333_4;
const DYNAMODB_PER_WRITE_UNIT: f64 = 0.625 / 1e6; // on-demand
const DYNAMODB_PER_READ_UNIT: f64 = 0.125 / 1e6;
const CLOUDWATCH_PER_GB_INGESTED: f64 = 0.50;
/// Lambda's START, END and REPORT lines (text format), about 255 bytes,
/// plus 26 bytes of metadata per log event.
const PLATFORM_LOG_BYTES: usize = 255 + 3 * 26;
const LOG_EVENT_OVERHEAD: usize = 26;

/// One kind of request of the flow: its DynamoDB reads and writes (in
/// capacity units) and round trips.
#[derive(Debug, Clone, Copy)]
struct Step {
    name: &'static str,
    round_trips: u32,
    read_units: f64,
    write_units: f64,
}

fn write_units(bytes: usize) -> f64 {
    bytes.div_ceil(1024).max(1) as f64
}

fn read_units(bytes: usize) -> f64 {
    bytes.div_ceil(4096).max(1) as f64
}

struct Measured {
    /// The attempt's item size after initiate, after complete, after pickup.
    sizes: [usize; 3],
    /// Log bytes of our own line per request (the largest seen).
    log_line_bytes: usize,
}

async fn measure(e: &TestApp, sink: &CapturedLogs, bound: bool) -> Measured {
    let store: &dyn Store = e.store.as_ref();
    let mut body = json!({});
    if bound {
        // What `cli-auth login` sends: a P-256 key, a challenge, who it is.
        body = json!({
            "client": {"name": "mytool", "hostname": "ada-laptop"},
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method": "S256",
            "public_key": {
                "kty": "EC", "crv": "P-256",
                "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
            }
        });
    }
    let send = |path: &str, body: Value| {
        Req::post(path)
            .client(&e.seeded)
            .header("user-agent", "mytool/1.4.2 (linux; x86_64)")
            .source_ip("203.0.113.7")
            .json(body)
            .send(&e.app)
    };
    let mut log_line_bytes = 0;
    let mut logged = |sink: &CapturedLogs| log_line_bytes = log_line_bytes.max(sink.take().len());
    let r = send("/api/v1/auth/cli", body).await;
    logged(sink);
    let (polling, login) = (r.string("polling_code"), r.string("login_code"));
    let id = login.split('.').next().unwrap_or_default().to_owned();
    let size = |a: Option<cli_auth_core::domain::login_attempt::CliAttempt>| {
        a.map_or(0, |a| attempt_item_bytes(&a))
    };
    let fresh = size(store.attempt(&id).await.ok().flatten());
    let person = seed_user(store, &e.seeded.project.id, false, T0, 365 * 86_400_000).await;
    send(
        "/api/v1/auth/cli/complete",
        json!({"login_code": login, "mode": "check"}),
    )
    .await;
    logged(sink);
    send(
        "/api/v1/auth/cli/complete",
        json!({"login_code": login, "refresh_token": person.refresh_token}),
    )
    .await;
    logged(sink);
    let completed = size(store.attempt(&id).await.ok().flatten());
    let mut poll = json!({"polling_code": polling});
    if bound {
        // Any verifier: the item sizes do not depend on it.
        poll["code_verifier"] = json!("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    }
    send("/api/v1/auth/cli/poll", poll).await;
    logged(sink);
    let used = size(store.attempt(&id).await.ok().flatten());
    Measured {
        sizes: [fresh, completed, used],
        log_line_bytes,
    }
}

fn model(args: &Args, m: &Measured, approve_after: u32, read_first: bool) -> Vec<(Step, u32)> {
    let [fresh, completed, _] = m.sizes;
    // Polls while waiting: one every `poll_every` seconds until approval.
    let waiting = approve_after.div_ceil(args.poll_every);
    let waiting_poll = if read_first {
        Step {
            name: "poll (waiting)",
            round_trips: 1,
            read_units: read_units(fresh),
            write_units: 0.0,
        }
    } else {
        // A conditional write that fails is charged as a write of the item.
        Step {
            name: "poll (waiting)",
            round_trips: 1,
            read_units: 0.0,
            write_units: write_units(fresh),
        }
    };
    let success_poll = Step {
        name: "poll (takes the token)",
        round_trips: if read_first { 2 } else { 1 },
        read_units: if read_first {
            read_units(completed)
        } else {
            0.0
        },
        // An update is charged by the larger of the item before and after.
        write_units: write_units(completed),
    };
    vec![
        (
            Step {
                name: "initiate",
                round_trips: 1,
                read_units: 0.0,
                write_units: write_units(fresh),
            },
            1,
        ),
        // The confirm page: check (the attempt), then complete (attempt and
        // the session in one batch, then the conditional write).
        (
            Step {
                name: "complete: check",
                round_trips: 1,
                read_units: read_units(fresh),
                write_units: 0.0,
            },
            1,
        ),
        (
            Step {
                name: "complete",
                round_trips: 2,
                read_units: read_units(fresh) + 1.0,
                write_units: write_units(completed),
            },
            1,
        ),
        (waiting_poll, waiting),
        (success_poll, 1),
    ]
}

fn print_model(args: &Args, m: &Measured, label: &str) {
    println!("\n### {label}\n");
    println!(
        "Item sizes (DynamoDB's rules): {} B after initiate, {} B after complete, {} B after the pickup. \
         Our log line: {} B per request (largest), plus {} B of Lambda's own lines and metadata.\n",
        m.sizes[0], m.sizes[1], m.sizes[2], m.log_line_bytes, PLATFORM_LOG_BYTES
    );
    println!(
        "| step (approved after 20 s) | requests per login | round trips each | read units each | write units each |"
    );
    println!("|---|---|---|---|---|");
    for (step, n) in model(args, m, 20, true) {
        println!(
            "| {} | {n} | {} | {} | {} |",
            step.name, step.round_trips, step.read_units, step.write_units
        );
    }
    println!();
    println!(
        "| per 1,000 logins | approve after 5 s | 20 s | 60 s | 20 s, waiting poll as a failed write |"
    );
    println!("|---|---|---|---|---|");
    let cases = [(5, true), (20, true), (60, true), (20, false)];
    let rows: Vec<[f64; 6]> = cases
        .iter()
        .map(|&(after, read_first)| {
            let steps = model(args, m, after, read_first);
            let requests: f64 = steps.iter().map(|(_, n)| f64::from(*n)).sum();
            let gb_seconds: f64 = steps
                .iter()
                .map(|(s, n)| {
                    let ms = (args.compute_ms + f64::from(s.round_trips) * args.dynamodb_ms).ceil();
                    f64::from(*n) * ms / 1000.0 * f64::from(args.memory_mb) / 1024.0
                })
                .sum();
            let reads: f64 = steps
                .iter()
                .map(|(s, n)| s.read_units * f64::from(*n))
                .sum();
            let writes: f64 = steps
                .iter()
                .map(|(s, n)| s.write_units * f64::from(*n))
                .sum();
            let log_bytes =
                requests * (m.log_line_bytes + LOG_EVENT_OVERHEAD + PLATFORM_LOG_BYTES) as f64;
            let dollars = requests * (API_GATEWAY_PER_REQUEST + LAMBDA_PER_REQUEST)
                + gb_seconds * LAMBDA_PER_GB_SECOND_ARM64
                + reads * DYNAMODB_PER_READ_UNIT
                + writes * DYNAMODB_PER_WRITE_UNIT
                + log_bytes / 1e9 * CLOUDWATCH_PER_GB_INGESTED;
            [requests, gb_seconds, reads, writes, log_bytes, dollars].map(|v| v * 1000.0)
        })
        .collect();
    let names = [
        "API Gateway requests = Lambda invocations",
        "Lambda GB-seconds (arm64)",
        "DynamoDB read units (strongly consistent)",
        "DynamoDB write units",
        "CloudWatch Logs bytes",
        "total, US dollars",
    ];
    for (i, name) in names.iter().enumerate() {
        let cells: Vec<String> = rows
            .iter()
            .map(|r| match i {
                5 => format!("${:.4}", r[i]),
                1 => format!("{:.1}", r[i]),
                _ => format!("{:.0}", r[i]),
            })
            .collect();
        println!("| {name} | {} |", cells.join(" | "));
    }
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let sink = CapturedLogs::default();
    {
        use tracing_subscriber::layer::SubscriberExt as _;
        use tracing_subscriber::util::SubscriberInitExt as _;
        tracing_subscriber::registry()
            .with(cli_auth_core::lambda::json_log_layer(sink.clone()))
            .init();
    }
    let e = test_app(StoreKind::Memory).await;
    sink.take();
    println!(
        "Model inputs: {} MB arm64 functions; an invocation takes {} ms plus {} ms per DynamoDB round trip, \
         billed by the started millisecond; polls every {} s; us-east-1 prices (November 2024).",
        args.memory_mb, args.compute_ms, args.dynamodb_ms, args.poll_every
    );
    let stack = measure(&e, &sink, false).await;
    print_model(
        &args,
        &stack,
        "Stack's flow (its SDK or template; no §8 fields)",
    );
    let bound = measure(&e, &sink, true).await;
    print_model(
        &args,
        &bound,
        "cli-auth login (bound hand-off, who is asking)",
    );
    let _ = std::io::stdout().flush();
}
