//! `cli-auth-admin`: operate the service's DynamoDB tables.
//!
//! Tables and endpoint come from the same environment the functions use
//! (`CLI_AUTH_*_TABLE` or `CLI_AUTH_TABLE_PREFIX`, the standard AWS
//! variables, `AWS_ENDPOINT_URL_DYNAMODB` for DynamoDB Local).

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use cli_auth_core::clock::{Clock as _, SystemClock};
use cli_auth_core::config::Settings;
use cli_auth_core::domain::access::AccessType;
use cli_auth_core::domain::hosted_page::proximity::ProximityPolicy;
use cli_auth_core::domain::project::{NewKey, Project};
use cli_auth_core::domain::store::ProjectStore as _;
use cli_auth_core::store::dynamodb::DynamoStore;
use cli_auth_core::store::dynamodb::provision::Provisioned;

#[derive(Debug, Parser)]
#[command(version, about = "Operate the CLI login service's DynamoDB tables")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create the five tables (on demand, TTL enabled); existing ones are kept.
    CreateTables,
    /// Create a project and print its id and keys (shown this once only).
    CreateProject {
        /// A name to recognise the project by.
        #[arg(long, default_value = "My project")]
        name: String,
        /// Let clients call without a publishable client key.
        #[arg(long)]
        no_require_publishable_client_key: bool,
    },
    /// List projects (ids, names, which keys are set; never the keys).
    ListProjects,
    /// Replace one of a project's keys with a new one and print it once. The
    /// old key stops working as soon as warm functions' caches expire (≤ 60 s).
    RotateKey {
        #[arg(long)]
        project: String,
        #[arg(long, value_enum)]
        kind: KeyKind,
    },
    /// Set the app whose confirm page (`<url>/handler/cli-auth-confirm`)
    /// the RFC 8628 device grant sends people to; without --url, clear it.
    SetAppUrl {
        #[arg(long)]
        project: String,
        /// https://… (http:// only for localhost).
        #[arg(long)]
        url: Option<String>,
    },
    /// What the hosted confirm page does when the approving browser is not
    /// in the CLI's network: warn (the default) or block Approve.
    SetProximity {
        #[arg(long)]
        project: String,
        #[arg(long, value_parser = ["warn", "block"])]
        policy: String,
    },
    /// Lets AI agents register for sessions of the project's people
    /// (agent auth, off by default): --enabled true or false.
    SetAgentAuth {
        #[arg(long)]
        project: String,
        #[arg(long, action = clap::ArgAction::Set)]
        enabled: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum KeyKind {
    Client,
    Server,
    Admin,
}

impl From<KeyKind> for AccessType {
    fn from(k: KeyKind) -> Self {
        match k {
            KeyKind::Client => AccessType::Client,
            KeyKind::Server => AccessType::Server,
            KeyKind::Admin => AccessType::Admin,
        }
    }
}

fn key_label(kind: AccessType) -> &'static str {
    match kind {
        AccessType::Client => "publishable client key",
        AccessType::Server => "secret server key",
        AccessType::Admin => "super secret admin key",
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("cli-auth-admin: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let settings = Settings::from_env().map_err(|e| e.to_string())?;
    let store = DynamoStore::new(
        cli_auth_core::store::dynamodb::client::from_env(Vec::new()).await,
        settings.tables.clone(),
    );
    let fail = |e: cli_auth_core::domain::store::StoreError| e.to_string();
    match args.command {
        Command::CreateTables => {
            for (name, state) in store.create_tables().await.map_err(fail)? {
                match state {
                    Provisioned::Created => println!("{name}: created"),
                    Provisioned::Exists => println!("{name}: exists"),
                    Provisioned::IndexAdded { added, pending } => {
                        println!(
                            "{name}: exists; index {added} added (DynamoDB builds it in the \
                             background: the reads that use it answer 503 until it is active)"
                        );
                        if !pending.is_empty() {
                            println!(
                                "{name}: run create-tables again once {added} is active, to add: {}",
                                pending.join(", ")
                            );
                        }
                    }
                    Provisioned::IndexesWaiting(missing) => println!(
                        "{name}: exists; another index is still being built: run create-tables \
                         again once it is active, to add: {}",
                        missing.join(", ")
                    ),
                }
            }
        }
        Command::CreateProject {
            name,
            no_require_publishable_client_key,
        } => {
            let (project, keys) = Project::create(
                &name,
                !no_require_publishable_client_key,
                SystemClock.now_millis(),
            );
            store.create_project(&project).await.map_err(fail)?;
            println!("project id:             {}", project.id);
            for (kind, key) in AccessType::ALL.into_iter().zip(keys) {
                println!("{:<23} {}", format!("{}:", key_label(kind)), key.text);
            }
            println!("(the keys are stored only as hashes: keep them now)");
        }
        Command::ListProjects => {
            for p in store.list_projects().await.map_err(fail)? {
                let keys: Vec<&str> = AccessType::ALL
                    .into_iter()
                    .filter(|k| p.key_hash(*k).is_some())
                    .map(AccessType::as_str)
                    .collect();
                println!(
                    "{}\t{}\trequires client key: {}\tkeys: {}",
                    p.id,
                    p.display_name,
                    p.requires_publishable_client_key,
                    keys.join(",")
                );
            }
        }
        Command::SetProximity { project, policy } => {
            let policy = ProximityPolicy::parse(&policy)
                .ok_or_else(|| format!("unknown proximity policy {policy}"))?;
            if !store
                .set_project_proximity(&project, policy)
                .await
                .map_err(fail)?
            {
                return Err(format!("no project {project}"));
            }
            println!("proximity of {project}: {}", policy.as_str());
        }
        Command::SetAgentAuth { project, enabled } => {
            if !store
                .set_project_agent_auth(&project, enabled)
                .await
                .map_err(fail)?
            {
                return Err(format!("no project {project}"));
            }
            let state = if enabled { "on" } else { "off" };
            println!("agent auth of {project}: {state}");
        }
        Command::SetAppUrl { project, url } => {
            if let Some(url) = &url {
                check_app_url(url)?;
            }
            let url = url.as_deref().map(|u| u.trim_end_matches('/'));
            if !store
                .set_project_app_url(&project, url)
                .await
                .map_err(fail)?
            {
                return Err(format!("no project {project}"));
            }
            match url {
                Some(url) => println!(
                    "app URL of {project}: {url} (confirm page {url}/handler/cli-auth-confirm)"
                ),
                None => println!("app URL of {project} cleared"),
            }
        }
        Command::RotateKey { project, kind } => {
            // One conditional write of this key alone: a rotation of
            // another key at the same moment cannot undo it.
            let kind = AccessType::from(kind);
            let key = NewKey::generate(kind);
            if !store
                .set_project_key(&project, kind, &key.hash)
                .await
                .map_err(fail)?
            {
                return Err(format!("no project {project}"));
            }
            println!("new {}: {}", key_label(kind), key.text);
        }
    }
    Ok(())
}

/// An app URL people will be sent to: https, or http on a loopback host;
/// no query or fragment (the confirm page's path is appended).
fn check_app_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| {
            url.strip_prefix("http://").filter(|r| {
                ["localhost", "127.0.0.1", "[::1]"].iter().any(|h| {
                    r == h || r.starts_with(&format!("{h}:")) || r.starts_with(&format!("{h}/"))
                })
            })
        })
        .ok_or_else(|| {
            format!("{url}: the app URL must be https:// (http:// only for localhost)")
        })?;
    if rest.is_empty() || rest.contains(['?', '#', ' ']) {
        return Err(format!(
            "{url}: give the app's base URL, without a query or fragment"
        ));
    }
    Ok(())
}
