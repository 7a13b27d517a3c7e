//! What the service logs. `RUST_LOG` sets the levels (default `info`), but
//! other crates never log below `info` whatever it says: at `debug` and
//! `trace`, `lambda_runtime` logs each raw event (keys, tokens, codes) and
//! the AWS SDK logs each DynamoDB request body (a refresh token on its way
//! to the attempt). This project's own code never logs a secret at any
//! level (`tests/tests/secret_hygiene.rs` holds it to that).

use tracing::{Level, Metadata, Subscriber};
use tracing_subscriber::filter::{EnvFilter, FilterExt as _, FilterFn};
use tracing_subscriber::layer::Filter;
use tracing_subscriber::registry::LookupSpan;

/// Whether `target` is this project's own code (its crates are all named
/// `cli-auth…`, their targets `cli_auth…`).
fn is_ours(target: &str) -> bool {
    target.starts_with("cli_auth")
}

/// `directives` (in `RUST_LOG`'s syntax), with every other crate held at
/// `info` or above.
pub fn filter<S>(directives: &str) -> impl Filter<S> + Send + Sync + use<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let levels = EnvFilter::try_new(directives).unwrap_or_else(|_| EnvFilter::new("info"));
    let cap = FilterFn::new(|m: &Metadata<'_>| is_ours(m.target()) || *m.level() <= Level::INFO);
    levels.and(cap)
}

/// [`filter`] with the directives of `RUST_LOG` (default `info`).
pub fn filter_from_env<S>() -> impl Filter<S> + Send + Sync + use<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let directives = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_owned());
    filter(&directives)
}

#[cfg(test)]
#[path = "tests/logging.rs"]
mod tests;
