//! The one home of the test helpers, shared by this crate's suites
//! (`tests/tests/`) and the other crates' tests (function runtimes, the dev
//! server, the CLI, the admin tool, the benches).

pub mod faulty_store;
pub mod fixtures;
pub mod iam;
pub mod lambda_runtime;
pub mod log_capture;
pub mod page_browser;
pub mod requests;
pub mod secrets_manager;
pub mod stores;
pub mod template;
pub mod test_app;

use cli_auth_core::clock::Millis;

pub use faulty_store::FaultyStore;
pub use log_capture::CapturedLogs;
pub use requests::{Req, Resp};
pub use stores::{StoreKind, dynamo_store, dynamodb_endpoint, store, unique_tables};
pub use test_app::{
    Seeded, SeededUser, TestApp, agent_test_app, app, app_with_secret, seed_project, seed_user,
    test_app, token_issuer,
};

/// The tests' "now": a fixed instant, so that expiries are exact.
pub const T0: Millis = 1_795_885_445_123;
/// The public base URL of the tests' apps (it goes into `iss`).
pub const BASE_URL: &str = "http://localhost:8787";

/// Text that would make a page or terminal show something else than was
/// sent (api.md §8): C0 and C1 controls, the bidi controls, and escape
/// sequences built from them. Every field a person reads refuses them.
pub const DECEPTIVE_TEXTS: [&str; 8] = [
    "mytool\u{202E}lmth.exe",
    "my\0tool",
    "Ada\u{1b}[8m",
    "mytool\nLogged in as admin",
    "mytool\u{7f}",
    "mytool\u{85}",
    "mytool\u{200E}",
    "mytool\u{2066}",
];

/// Runs each named `async fn(StoreKind)` as two tests, `memory::name` and
/// `dynamodb::name`.
#[macro_export]
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::StoreKind::Memory).await;
                }
            )*
        }
        mod dynamodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name($crate::StoreKind::Dynamo).await;
                }
            )*
        }
    };
}

/// The runtime test of the functions package (`functions/tests/runtime.rs`),
/// one module per function: its `events/` fixtures answered by its compiled
/// binary, started as Lambda starts it, under the Runtime API stand-in.
#[macro_export]
macro_rules! function_answers_its_fixtures {
    ($module:ident: $function:literal) => {
        mod $module {
            $crate::function_answers_its_fixtures!(@tests $function);
        }
    };
    ($module:ident: $function:literal, and_logs_no_secret_at_trace) => {
        mod $module {
            $crate::function_answers_its_fixtures!(@tests $function);

            /// At `RUST_LOG=trace` the runtime and the AWS SDK would log raw
            /// events and request bodies; the service holds them at `info`.
            #[tokio::test]
            async fn logs_no_secret_even_at_trace_level() {
                let binary = env!(concat!("CARGO_BIN_EXE_", $function));
                $crate::lambda_runtime::assert_trace_logs_carry_no_secret(binary, $function).await;
            }
        }
    };
    (@tests $function:literal) => {
        #[tokio::test]
        async fn answers_its_fixtures_through_the_runtime_api() {
            let binary = env!(concat!("CARGO_BIN_EXE_", $function));
            for (fixture, took) in $crate::lambda_runtime::run_fixtures(binary, $function).await {
                println!("runtime: {fixture}: answered {took:?} after process start");
            }
        }

        #[tokio::test]
        async fn init_stops_without_its_secret() {
            let binary = env!(concat!("CARGO_BIN_EXE_", $function));
            $crate::lambda_runtime::assert_init_stops_without_its_secret(binary, $function).await;
        }

        #[tokio::test]
        async fn init_refuses_unknown_trust_roots() {
            let binary = env!(concat!("CARGO_BIN_EXE_", $function));
            $crate::lambda_runtime::assert_init_refuses_unknown_trust_roots(binary, $function)
                .await;
        }
    };
}
