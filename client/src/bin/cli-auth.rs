//! `cli-auth`: log a command-line tool in through the browser.
//!
//! Exit codes: 0 done; 1 failed (service or file error); 2 bad usage;
//! 3 not logged in (no session, or the service ended it); 4 the login
//! expired before it was approved; 5 the login was already used;
//! 130 interrupted (Ctrl-C).

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use cli_auth_client::api::{self, Client, Config};
use cli_auth_client::credentials::{self, Credentials, CredentialsFile};
use cli_auth_client::login::{LoginError, LoginOptions, Prompt, login};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Debug, Parser)]
#[command(version, about = "Log in to a CLI login service through the browser")]
struct Args {
    /// Base URL of the service (without /api/v1).
    #[arg(
        long,
        env = "CLI_AUTH_BASE_URL",
        default_value = "http://127.0.0.1:8787",
        global = true
    )]
    base_url: String,
    /// The project to log in to.
    #[arg(long, env = "CLI_AUTH_PROJECT_ID", global = true)]
    project_id: Option<String>,
    /// The project's publishable client key.
    #[arg(long, env = "CLI_AUTH_PUBLISHABLE_CLIENT_KEY", global = true)]
    publishable_client_key: Option<String>,
    /// Where the session is kept. Default: <config dir>/cli-auth/<project id>.json.
    #[arg(long, env = "CLI_AUTH_CREDENTIALS_FILE", global = true)]
    credentials_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Log in: approve in the browser, keep the session.
    Login {
        /// Print the URL but do not open a browser.
        #[arg(long)]
        no_browser: bool,
        /// The app serving the confirm page. Default: the base URL (the dev
        /// server serves one).
        #[arg(long, env = "CLI_AUTH_APP_URL")]
        app_url: Option<String>,
        /// How long the login may wait for approval, in seconds (default:
        /// the service's, two hours).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=86_400))]
        expires_in: Option<u64>,
        /// Milliseconds between polls.
        #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(100..=60_000))]
        poll_interval_ms: u64,
    },
    /// Show the logged-in user.
    Whoami {
        /// Print the user as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print a fresh access token (for scripts: `curl -H "x-stack-access-token: $(cli-auth token)"`).
    Token,
    /// End the session and delete the local credentials.
    Logout,
}

/// A failure with its exit code.
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

const FAILED: u8 = 1;
const NOT_LOGGED_IN: u8 = 3;
const EXPIRED: u8 = 4;
const USED: u8 = 5;
const INTERRUPTED: u8 = 130;

impl From<api::Error> for Failure {
    fn from(e: api::Error) -> Self {
        match e.code() {
            Some("REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED") => Failure::new(
                NOT_LOGGED_IN,
                "Your session has ended. Log in again with `cli-auth login`.",
            ),
            _ => Failure::new(FAILED, e.to_string()),
        }
    }
}

impl From<credentials::Error> for Failure {
    fn from(e: credentials::Error) -> Self {
        Failure::new(FAILED, e.to_string())
    }
}

impl From<LoginError> for Failure {
    fn from(e: LoginError) -> Self {
        match e {
            LoginError::Api(e) => e.into(),
            LoginError::Expired => Failure::new(EXPIRED, e.to_string()),
            LoginError::Used => Failure::new(USED, e.to_string()),
            LoginError::UnexpectedStatus(_) => Failure::new(FAILED, e.to_string()),
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    let outcome = tokio::select! {
        outcome = run(args) => outcome,
        _ = tokio::signal::ctrl_c() => Err(Failure::new(INTERRUPTED, "Interrupted; nothing was saved.")),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("cli-auth: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

async fn run(args: Args) -> Result<(), Failure> {
    let project_id = args.project_id.clone().ok_or_else(|| {
        Failure::new(
            2,
            "no project: pass --project-id or set CLI_AUTH_PROJECT_ID",
        )
    })?;
    let file = match &args.credentials_file {
        Some(path) => CredentialsFile::at(path),
        None => CredentialsFile::for_project(&project_id)?,
    };
    let client = Client::new(Config {
        base_url: args.base_url.trim_end_matches('/').to_owned(),
        project_id,
        publishable_client_key: args.publishable_client_key.clone(),
    })?;
    match args.command {
        Command::Login {
            no_browser,
            app_url,
            expires_in,
            poll_interval_ms,
        } => {
            let mut options =
                LoginOptions::new(app_url.unwrap_or_else(|| client.config().base_url.clone()));
            options.expires_in_millis = expires_in.map(|s| s * 1000);
            options.poll_interval = Duration::from_millis(poll_interval_ms);
            run_login(&client, &file, options, !no_browser).await
        }
        Command::Whoami { json } => {
            let user = client.me(&access_token(&client, &file).await?).await?;
            if json {
                println!("{user:#}");
            } else {
                println!("{}", describe_user(&user));
            }
            Ok(())
        }
        Command::Token => {
            println!("{}", access_token(&client, &file).await?);
            Ok(())
        }
        Command::Logout => {
            let Some(stored) = usable(&client, &file)? else {
                eprintln!("Not logged in.");
                return Ok(());
            };
            let revoked = match client.access_token(&stored.refresh_token).await {
                Ok(token) => client.revoke(&token).await,
                Err(e) => Err(e),
            };
            match revoked {
                Ok(()) => {}
                // Already ended on the service: nothing left to revoke.
                Err(e) if e.code() == Some("REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED") => {}
                Err(e) => return Err(e.into()),
            }
            file.delete()?;
            eprintln!("Logged out.");
            Ok(())
        }
    }
}

async fn run_login(
    client: &Client,
    file: &CredentialsFile,
    mut options: LoginOptions,
    open_browser: bool,
) -> Result<(), Failure> {
    // An anonymous session the CLI already holds is offered to the browser,
    // which may take it over (Stack Auth's flow).
    // A damaged file must not stand in the way of logging in again: it is
    // replaced when the login succeeds.
    let previous = usable(client, file).unwrap_or_else(|failure| {
        eprintln!("(Ignoring the stored session: {})", failure.message);
        None
    });
    options.anon_refresh_token = previous
        .as_ref()
        .filter(|c| c.anonymous)
        .map(|c| c.refresh_token.clone());

    let interactive = std::io::stderr().is_terminal();
    let spinner = ProgressBar::new_spinner();
    let on_prompt = |prompt: &Prompt| {
        eprintln!(
            "To log in, open this page in your browser:\n\n    {}\n",
            prompt.url
        );
        eprintln!("Login code: {}", prompt.login_code);
        eprintln!(
            "The page should show the same code. The login expires at {}.",
            prompt.expires_at
        );
        if open_browser && let Err(e) = open::that_detached(&prompt.url) {
            eprintln!("(Could not open a browser: {e}. Open the page yourself.)");
        }
        if interactive {
            spinner.set_style(
                ProgressStyle::with_template("{spinner} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            spinner.set_message("Waiting for approval in the browser… (Ctrl-C to stop)");
            spinner.enable_steady_tick(Duration::from_millis(120));
        } else {
            eprintln!("Waiting for approval in the browser…");
        }
    };
    let outcome = login(client, &options, on_prompt).await;
    spinner.finish_and_clear();
    let refresh_token = outcome?;

    file.save(&Credentials {
        base_url: client.config().base_url.clone(),
        project_id: client.config().project_id.clone(),
        refresh_token: refresh_token.clone(),
        anonymous: false,
    })?;
    // The session this login replaces is ended, not left alive on the
    // service with nobody holding it. Not an anonymous one: it was offered
    // to the browser, which may have taken it over.
    if let Some(replaced) = previous.filter(|p| !p.anonymous && p.refresh_token != refresh_token) {
        let ended = match client.access_token(&replaced.refresh_token).await {
            Ok(token) => client.revoke(&token).await,
            Err(e) => Err(e),
        };
        match ended {
            Ok(()) => {}
            Err(e) if e.code() == Some("REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED") => {}
            Err(e) => eprintln!("(The previous session could not be ended: {e}.)"),
        }
    }
    let who = match client.access_token(&refresh_token).await {
        Ok(token) => client.me(&token).await.map(|user| describe_user(&user)),
        Err(e) => Err(e),
    };
    match who {
        Ok(who) => eprintln!("Logged in as {who}."),
        Err(e) => eprintln!("Logged in (could not fetch the user yet: {e})."),
    }
    eprintln!("Session saved to {}.", file.path().display());
    Ok(())
}

/// The stored credentials, when they belong to this service and project.
fn usable(client: &Client, file: &CredentialsFile) -> Result<Option<Credentials>, Failure> {
    Ok(file.load()?.filter(|c| {
        c.base_url == client.config().base_url && c.project_id == client.config().project_id
    }))
}

async fn access_token(client: &Client, file: &CredentialsFile) -> Result<String, Failure> {
    let stored = usable(client, file)?
        .ok_or_else(|| Failure::new(NOT_LOGGED_IN, "Not logged in. Run `cli-auth login` first."))?;
    Ok(client.access_token(&stored.refresh_token).await?)
}

fn describe_user(user: &serde_json::Value) -> String {
    let field = |key: &str| {
        user.get(key)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
    };
    let id = field("id").unwrap_or("?");
    match (field("display_name"), field("primary_email")) {
        (Some(name), Some(email)) => format!("{name} <{email}> ({id})"),
        (Some(name), None) => format!("{name} ({id})"),
        (None, Some(email)) => format!("{email} ({id})"),
        (None, None) if user.get("is_anonymous") == Some(&serde_json::Value::Bool(true)) => {
            format!("an anonymous user ({id})")
        }
        (None, None) => id.to_owned(),
    }
}
