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
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt as _;

    #[test]
    fn other_crates_stay_at_info_whatever_the_directives() {
        let seen = Arc::new(Mutex::new(Vec::<String>::new()));
        let record = Arc::clone(&seen);
        let layer = tracing_subscriber::fmt::layer()
            .with_writer(move || WriteTo(Arc::clone(&record)))
            .with_ansi(false)
            .with_filter(filter("trace,lambda_runtime::layers=trace"));
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            tracing::trace!(target: "lambda_runtime::layers", "raw event");
            tracing::debug!(target: "aws_smithy_runtime::client", "request body");
            tracing::info!(target: "lambda_runtime", "runtime info");
            tracing::trace!(target: "cli_auth_core::api", "our trace");
        });
        let text = seen.lock().expect("lock").concat();
        assert!(
            !text.contains("raw event") && !text.contains("request body"),
            "{text}"
        );
        assert!(
            text.contains("runtime info") && text.contains("our trace"),
            "{text}"
        );
    }

    struct WriteTo(Arc<Mutex<Vec<String>>>);

    impl std::io::Write for WriteTo {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if let Ok(mut v) = self.0.lock() {
                v.push(String::from_utf8_lossy(buf).into_owned());
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
}
