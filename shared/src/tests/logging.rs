//! Unit tests of `logging.rs`.

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
