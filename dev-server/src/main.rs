//! `cli-auth-dev`: every route in one process (api.md §6).

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Parser, ValueEnum};
use cli_auth_core::App;
use cli_auth_core::clock::{Clock as _, SystemClock};
use cli_auth_core::config::{HostedSettings, Settings};
use cli_auth_core::domain::store::Store;
use cli_auth_core::pages::{HostedPage, SignInMethod};
use cli_auth_core::secret::{random_id, random_token};
use cli_auth_core::server_secret::ServerSecrets;
use cli_auth_core::store::dynamodb::DynamoStore;
use cli_auth_core::store::memory::MemoryStore;
use cli_auth_dev::confirm::{CONFIRM_PATH, ConfirmPages};
use cli_auth_dev::{ensure_dev_project, key_variable, serve};

/// Every request allocates on one worker thread and frees on another (its
/// log line, on the log thread): glibc's per-arena locks made allocation a
/// tenth of the server's CPU under load. mimalloc's thread-local heaps
/// free across threads without a lock (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum StoreKind {
    Memory,
    Dynamodb,
}

/// The CLI login service's local dev server.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// Store to use. Default: DynamoDB when AWS_ENDPOINT_URL_DYNAMODB is set,
    /// the in-memory store otherwise.
    #[arg(long, env = "CLI_AUTH_DEV_STORE", value_enum)]
    store: Option<StoreKind>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    // Log lines are written by a thread of their own, in batches: one
    // `write` per line on the request's own thread cost about a tenth of
    // the server's throughput under load. None is dropped (a request waits
    // when 1,024 lines are queued), and the guard writes out what is left
    // when `main` returns. The queue is allocated and written up front:
    // 16,384 lines cost 0.5 MiB at start for no gain in throughput or p99
    // under wrk (docs/performance.md).
    let (writer, _flush_at_exit) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .buffered_lines_limit(1_024)
        .thread_name("cli-auth-dev-log")
        .finish(std::io::BufWriter::new(std::io::stderr()));
    {
        use tracing_subscriber::Layer as _;
        use tracing_subscriber::layer::SubscriberExt as _;
        use tracing_subscriber::util::SubscriberInitExt as _;
        let layer = tracing_subscriber::fmt::layer()
            .with_writer(writer)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_filter(cli_auth_core::logging::filter_from_env());
        tracing_subscriber::registry().with(layer).init();
    }

    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let address = listener.local_addr()?;
    let settings = Settings::from_env()?;
    let base_url = settings
        .public_base_url
        .clone()
        .unwrap_or_else(|| format!("http://{address}"));

    let kind = args
        .store
        .unwrap_or(if std::env::var_os("AWS_ENDPOINT_URL_DYNAMODB").is_some() {
            StoreKind::Dynamodb
        } else {
            StoreKind::Memory
        });
    let store: Arc<dyn Store> = match kind {
        StoreKind::Memory => Arc::new(MemoryStore::new()),
        StoreKind::Dynamodb => {
            let client = cli_auth_core::store::dynamodb::client::from_env(Vec::new()).await;
            let store = DynamoStore::new(client, settings.tables.clone());
            store
                .create_tables()
                .await
                .context("cannot reach DynamoDB to create the tables")?;
            Arc::new(store)
        }
    };

    // As a function does (Secrets Manager or the environment), else a fresh
    // secret: tokens then last as long as the process.
    // The AWS configuration is loaded only for Secrets Manager: on the
    // embedded store the dev server needs no AWS at all.
    let secrets = cli_auth_core::server_secret::from_configured_source(None)
        .await?
        .unwrap_or_else(|| ServerSecrets::new(random_token(32).into_bytes(), Vec::new()));
    let tokens = secrets.token_issuer(settings.access_token_ttl_seconds)?;

    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let project_id = var("CLI_AUTH_DEV_PROJECT_ID").unwrap_or_else(random_id);
    let given = [
        cli_auth_core::domain::access::AccessType::Client,
        cli_auth_core::domain::access::AccessType::Server,
        cli_auth_core::domain::access::AccessType::Admin,
    ]
    .map(|k| var(key_variable(k)));
    let keys = ensure_dev_project(store.as_ref(), &project_id, given, SystemClock.now_millis())
        .await
        .context("cannot create the dev project")?;
    // The RFC 8628 grant sends people to this server's own confirm page.
    store
        .set_project_app_url(&project_id, Some(&base_url))
        .await
        .context("cannot set the dev project's app URL")?;
    // Agent auth (api.md §9) is on for the dev project, unless asked not
    // to be: a developer tries agents here first.
    let agent_auth = var("CLI_AUTH_DEV_AGENT_AUTH").is_none_or(|v| v != "false");
    store
        .set_project_agent_auth(&project_id, agent_auth)
        .await
        .context("cannot set the dev project's agent auth")?;

    let store_name = match kind {
        StoreKind::Memory => "in-memory store (everything is lost at exit)".to_owned(),
        StoreKind::Dynamodb => format!("DynamoDB, tables {:?}", settings.tables),
    };
    println!("cli-auth-dev on the {store_name}");
    println!("  base URL:               {base_url}");
    println!("  project id:             {project_id}");
    for key in &keys {
        let label = match key.kind {
            cli_auth_core::domain::access::AccessType::Client => "publishable client key:",
            cli_auth_core::domain::access::AccessType::Server => "secret server key:     ",
            cli_auth_core::domain::access::AccessType::Admin => "super secret admin key:",
        };
        if key.generated {
            println!("  {label} {}", key.text);
        } else {
            println!("  {label} (from {})", key_variable(key.kind));
        }
    }
    println!("  confirm page:           {base_url}{CONFIRM_PATH}?login_code=…");
    println!("listening on http://{address}");

    let app = Arc::new(
        App::new(
            Arc::clone(&store),
            Arc::new(SystemClock),
            tokens,
            settings.project_cache_ttl,
            Some(base_url),
        )
        .with_user_code_limits(settings.user_code_limits),
    );
    let key = |kind| keys.iter().find(|k| k.kind == kind).map(|k| k.text.clone());
    // The hosted page, as deployed: signing in with the team's provider when
    // CLI_AUTH_OIDC_ISSUER is set, with the dev sign-in otherwise.
    let sign_in =
        SignInMethod::from_settings(&HostedSettings::from_env()?, None, SignInMethod::Dev)
            .await
            .map_err(anyhow::Error::msg)?;
    let hosted = HostedPage::new(Arc::clone(&app), project_id.clone(), sign_in);
    let pages = ConfirmPages::new(
        hosted,
        Arc::clone(&app),
        store,
        project_id,
        key(cli_auth_core::domain::access::AccessType::Server).unwrap_or_default(),
    );
    let hosts = cli_auth_dev::OwnHosts::new(address, settings.public_base_url.as_deref());
    serve(
        listener,
        app,
        Some(Arc::new(pages)),
        hosts,
        shutdown_signal(),
    )
    .await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
