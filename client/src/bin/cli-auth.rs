//! `cli-auth`: log a command-line tool in through the browser.
//!
//! Exit codes: 0 done; 1 failed (service or file error); 2 bad usage;
//! 3 not logged in (no session, or the service ended it); 4 the login
//! expired before it was approved; 5 the login was already used; 6 the
//! login was denied in the browser, or cancelled; 130 interrupted (Ctrl-C).
//!
//! `CLI_AUTH_REFRESH_TOKEN`, when set, is the session `whoami` and `token`
//! use instead of the credentials file (CI, containers).

use std::future::Future;
use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use cli_auth_client::api::{self, Client, ClientDetails, Config};
use cli_auth_client::browser::{self, Headless};
use cli_auth_client::credentials::{self, Credentials, CredentialsFile};
use cli_auth_client::login::{LoginError, LoginOptions, Prompt, login};
use cli_auth_client::terminal::{printable, printable_json};
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
        /// 600, ten minutes; the service allows at most 900).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=900))]
        expires_in: Option<u64>,
        /// Milliseconds between polls.
        #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(100..=60_000))]
        poll_interval_ms: u64,
        /// The tool's name the confirm page shows ("<name> on <this host>").
        #[arg(long, env = "CLI_AUTH_CLIENT_NAME", default_value = "cli-auth")]
        client_name: String,
    },
    #[command(flatten)]
    Session(SessionCommand),
}

/// The commands that use the session.
#[derive(Debug, Subcommand)]
enum SessionCommand {
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
    /// List the user's sessions, where each came from (the current one
    /// marked), or end one.
    Sessions {
        #[command(subcommand)]
        action: Option<SessionsAction>,
        /// Print them as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum SessionsAction {
    /// End a session by its id (as `cli-auth sessions` lists it).
    Revoke { id: String },
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
const REFUSED: u8 = 6;
const INTERRUPTED: u8 = 130;

/// A session given to the process instead of the credentials file, as
/// Stack Auth's CLI reads `STACK_CLI_REFRESH_TOKEN`.
const REFRESH_TOKEN_VAR: &str = "CLI_AUTH_REFRESH_TOKEN";

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
            LoginError::Denied => Failure::new(REFUSED, "The login was denied in the browser."),
            LoginError::Cancelled => Failure::new(REFUSED, "The login was cancelled."),
            LoginError::Interrupted { cancelled: true } => Failure::new(
                INTERRUPTED,
                "Interrupted; the login was cancelled and nothing was saved.",
            ),
            LoginError::Interrupted { cancelled: false } => Failure::new(
                INTERRUPTED,
                "Interrupted; nothing was saved (the login could not be cancelled and ends when \
                 it expires).",
            ),
            LoginError::NoKey | LoginError::Unreadable | LoginError::UnexpectedStatus(_) => {
                Failure::new(FAILED, e.to_string())
            }
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    let outcome = match ctrl_c() {
        Ok(interrupted) => run(args, interrupted).await,
        Err(e) => Err(Failure::new(
            FAILED,
            format!("cannot listen for Ctrl-C: {e}"),
        )),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("cli-auth: {}", printable(&failure.message));
            ExitCode::from(failure.code)
        }
    }
}

/// Completes on Ctrl-C. Listening starts here, not when the future is
/// first polled, so a Ctrl-C right after the prompt is never missed.
#[cfg(unix)]
fn ctrl_c() -> std::io::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupts = signal(SignalKind::interrupt())?;
    Ok(async move {
        interrupts.recv().await;
    })
}

#[cfg(windows)]
fn ctrl_c() -> std::io::Result<impl Future<Output = ()>> {
    let mut interrupts = tokio::signal::windows::ctrl_c()?;
    Ok(async move {
        interrupts.recv().await;
    })
}

async fn run(args: Args, interrupted: impl Future<Output = ()>) -> Result<(), Failure> {
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
    let session = Session::new(&client, file);
    match args.command {
        Command::Login {
            no_browser,
            app_url,
            expires_in,
            poll_interval_ms,
            client_name,
        } => {
            let mut options =
                LoginOptions::new(app_url.unwrap_or_else(|| client.config().base_url.clone()));
            if let Some(seconds) = expires_in {
                options.expires_in_millis = Some(seconds * 1000);
            }
            options.poll_interval = Duration::from_millis(poll_interval_ms);
            options.client = Some(ClientDetails::on_this_machine(&client_name));
            run_login(&session, options, !no_browser, interrupted).await
        }
        Command::Session(command) => tokio::select! {
            outcome = run_command(&session, command) => outcome,
            () = interrupted => Err(Failure::new(INTERRUPTED, "Interrupted.")),
        },
    }
}

async fn run_command(session: &Session<'_>, command: SessionCommand) -> Result<(), Failure> {
    let client = session.client;
    match command {
        SessionCommand::Whoami { json } => {
            let user = client.me(&session.access_token().await?).await?;
            if json {
                println!("{}", printable_json(&user));
            } else {
                println!("{}", describe_user(&user));
            }
            Ok(())
        }
        SessionCommand::Token => {
            println!("{}", printable(&session.access_token().await?));
            Ok(())
        }
        SessionCommand::Sessions { action, json } => {
            let token = session.access_token().await?;
            match action {
                Some(SessionsAction::Revoke { id }) => {
                    client.end_session(&token, &id).await?;
                    eprintln!("Ended session {}.", printable(&id));
                }
                None if json => {
                    let items = serde_json::Value::Array(client.sessions(&token).await?);
                    println!("{}", printable_json(&items));
                }
                None => {
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
                    for item in client.sessions(&token).await? {
                        println!("{}", describe_session(&item, now));
                    }
                }
            }
            Ok(())
        }
        SessionCommand::Logout => {
            if session.from_environment.is_some() {
                return Err(Failure::new(
                    2,
                    format!(
                        "the session comes from {REFRESH_TOKEN_VAR}, which logout neither ends \
                         nor deletes; unset it to use the saved login"
                    ),
                ));
            }
            let Some(stored) = session.stored()? else {
                eprintln!("Not logged in.");
                return Ok(());
            };
            end(client, &stored.refresh_token).await?;
            session.file.delete()?;
            eprintln!("Logged out.");
            Ok(())
        }
    }
}

/// Ends the session of `refresh_token` on the service; one already ended
/// is fine.
async fn end(client: &Client, refresh_token: &str) -> Result<(), api::Error> {
    let ended = match client.access_token(refresh_token).await {
        Ok(token) => client.revoke(&token).await,
        Err(e) => Err(e),
    };
    match ended {
        Err(e) if e.code() != Some("REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED") => Err(e),
        _ => Ok(()),
    }
}

/// Where the session comes from: `CLI_AUTH_REFRESH_TOKEN`, else the
/// credentials file (when it belongs to this service and project).
struct Session<'a> {
    client: &'a Client,
    file: CredentialsFile,
    from_environment: Option<String>,
}

impl<'a> Session<'a> {
    fn new(client: &'a Client, file: CredentialsFile) -> Self {
        let from_environment = std::env::var(REFRESH_TOKEN_VAR)
            .ok()
            .map(|token| token.trim().to_owned())
            .filter(|token| !token.is_empty());
        Self {
            client,
            file,
            from_environment,
        }
    }

    /// The stored credentials, when they belong to this service and project.
    fn stored(&self) -> Result<Option<Credentials>, Failure> {
        let config = self.client.config();
        Ok(self
            .file
            .load()?
            .filter(|c| c.base_url == config.base_url && c.project_id == config.project_id))
    }

    async fn access_token(&self) -> Result<String, Failure> {
        if let Some(refresh_token) = &self.from_environment {
            return self
                .client
                .access_token(refresh_token)
                .await
                .map_err(|e| match e.code() {
                    Some("REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED") => Failure::new(
                        NOT_LOGGED_IN,
                        format!("The session in {REFRESH_TOKEN_VAR} has ended; set a current one."),
                    ),
                    _ => e.into(),
                });
        }
        let stored = self.stored()?.ok_or_else(|| {
            Failure::new(NOT_LOGGED_IN, "Not logged in. Run `cli-auth login` first.")
        })?;
        Ok(self.client.access_token(&stored.refresh_token).await?)
    }
}

async fn run_login(
    session: &Session<'_>,
    mut options: LoginOptions,
    open_browser: bool,
    interrupted: impl Future<Output = ()>,
) -> Result<(), Failure> {
    let client = session.client;
    // An anonymous session the CLI already holds is offered to the browser,
    // which may take it over (Stack Auth's flow).
    // A damaged file must not stand in the way of logging in again: it is
    // replaced when the login succeeds.
    let previous = session.stored().unwrap_or_else(|failure| {
        eprintln!(
            "(Ignoring the stored session: {})",
            printable(&failure.message)
        );
        None
    });
    options.anon_refresh_token = previous
        .as_ref()
        .filter(|c| c.anonymous)
        .map(|c| c.refresh_token.clone());

    let headless = open_browser
        .then(|| browser::headless(|name| std::env::var_os(name)))
        .flatten();
    let interactive = std::io::stderr().is_terminal();
    let spinner = ProgressBar::new_spinner();
    let on_prompt = |prompt: &Prompt| {
        show(prompt, headless);
        if open_browser && headless.is_none() && open::that_detached(&prompt.url).is_err() {
            eprintln!("(Could not open a browser; open the page above yourself.)");
        }
        let waiting = "Waiting for approval in the browser… (Ctrl-C to stop)";
        if interactive {
            spinner.set_style(
                ProgressStyle::with_template("{spinner} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            spinner.set_message(waiting);
            spinner.enable_steady_tick(Duration::from_millis(120));
        } else {
            eprintln!("{waiting}");
        }
    };
    let outcome = login(client, &options, on_prompt, interrupted).await;
    spinner.finish_and_clear();
    let refresh_token = outcome?;

    session.file.save(&Credentials {
        base_url: client.config().base_url.clone(),
        project_id: client.config().project_id.clone(),
        refresh_token: refresh_token.clone(),
        anonymous: false,
    })?;
    // The session this login replaces is ended, not left alive on the
    // service with nobody holding it. Not an anonymous one: it was offered
    // to the browser, which may have taken it over.
    if let Some(replaced) = previous.filter(|p| !p.anonymous && p.refresh_token != refresh_token)
        && let Err(e) = end(client, &replaced.refresh_token).await
    {
        eprintln!(
            "(The previous session could not be ended: {}.)",
            printable(&e.to_string())
        );
    }
    let who = match client.access_token(&refresh_token).await {
        Ok(token) => client.me(&token).await.map(|user| describe_user(&user)),
        Err(e) => Err(e),
    };
    match who {
        Ok(who) => eprintln!("Logged in as {who}."),
        Err(e) => eprintln!(
            "Logged in (could not fetch the user yet: {}).",
            printable(&e.to_string())
        ),
    }
    eprintln!("Session saved to {}.", session.file.path().display());
    if session.from_environment.is_some() {
        eprintln!(
            "Note: {REFRESH_TOKEN_VAR} is set, so other commands use it instead of this login \
             until it is unset."
        );
    }
    Ok(())
}

/// Tells the person where to approve, and which short code to compare
/// (or type, on another device).
fn show(prompt: &Prompt, headless: Option<Headless>) {
    if let Some(why) = headless {
        eprintln!("Not opening a browser: {why}. Finish on any device with a browser.\n");
    }
    eprintln!(
        "To log in, open this page in your browser:\n\n    {}\n",
        printable(&prompt.url)
    );
    match &prompt.user_code {
        Some(code) => {
            eprintln!(
                "or go to {} and enter this code:\n\n    {}\n",
                printable(&prompt.entry_url),
                printable(code)
            );
            eprintln!(
                "Approve only if the page shows the same code. The login expires at {}.",
                printable(&prompt.expires_at)
            );
        }
        // A plain Stack Auth server has no short code.
        None => {
            eprintln!("Login code: {}", printable(&prompt.login_code));
            eprintln!(
                "The page should show the same code. The login expires at {}.",
                printable(&prompt.expires_at)
            );
        }
    }
}

/// One line of `cli-auth sessions`: `* <id>  mytool on ada-laptop, from
/// 203.0.113.7, last used 2 h ago` (`*`: this CLI's own), safe to print.
fn describe_session(item: &serde_json::Value, now_millis: i64) -> String {
    fn text(v: &serde_json::Value, key: &str) -> Option<String> {
        v.get(key)
            .and_then(|v| v.as_str())
            .map(|t| printable(t).into_owned())
    }
    let mark = if item.get("is_current_session") == Some(&serde_json::Value::Bool(true)) {
        "*"
    } else {
        " "
    };
    let id = text(item, "id").unwrap_or_default();
    let client = item.get("client").unwrap_or(&serde_json::Value::Null);
    let mut from = match (text(client, "name"), text(client, "hostname")) {
        (Some(name), Some(host)) => format!("{name} on {host}"),
        (Some(name), None) => name,
        (None, Some(host)) => format!("a tool on {host}"),
        (None, None) => "a session".to_owned(),
    };
    if let Some(ip) = text(client, "ip") {
        from.push_str(&format!(", from {ip}"));
    }
    let used = item.get("last_used_at").and_then(serde_json::Value::as_i64);
    let ago = used.map_or_else(
        || "never used".to_owned(),
        |at| format!("last used {}", ago(now_millis - at)),
    );
    format!("{mark} {id}  {from}, {ago}")
}

/// A duration in the past, roughly: "just now", "5 min ago", "2 h ago",
/// "3 days ago".
fn ago(millis: i64) -> String {
    let minutes = millis.max(0) / 60_000;
    match minutes {
        0 => "just now".to_owned(),
        1..=59 => format!("{minutes} min ago"),
        60..=2879 => format!("{} h ago", minutes / 60),
        _ => format!("{} days ago", minutes / 1440),
    }
}

/// Whom a user is, from the service's JSON, safe to print.
fn describe_user(user: &serde_json::Value) -> String {
    let field = |key: &str| {
        user.get(key)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
            .map(printable)
    };
    let id = field("id").unwrap_or(std::borrow::Cow::Borrowed("?"));
    match (field("display_name"), field("primary_email")) {
        (Some(name), Some(email)) => format!("{name} <{email}> ({id})"),
        (Some(name), None) => format!("{name} ({id})"),
        (None, Some(email)) => format!("{email} ({id})"),
        (None, None) if user.get("is_anonymous") == Some(&serde_json::Value::Bool(true)) => {
            format!("an anonymous user ({id})")
        }
        (None, None) => id.into_owned(),
    }
}
