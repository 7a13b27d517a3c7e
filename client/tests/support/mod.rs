//! What the `cli-auth` binary's tests share: a running service (the dev
//! server's serving code, in process, on the in-memory store), the binary
//! run against it, and a browser stood in for by the library's confirm-page
//! calls.

// Each test file uses its own part of this module.
#![allow(dead_code)]

pub mod plain_stack;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use cli_auth_client::api::{Client, Config};
use cli_auth_core::clock::ManualClock;
use cli_auth_core::domain::store::Store;
use cli_auth_tests::{SeededUser, StoreKind, T0, TestApp, seed_user, test_app};
use tokio::io::{AsyncBufReadExt as _, BufReader};

pub const BIN: &str = env!("CARGO_BIN_EXE_cli-auth");
const YEAR: i64 = 365 * 24 * 60 * 60 * 1000;

/// What a machine's environment may carry that changes what `cli-auth`
/// does; each test sets what it needs.
const AMBIENT: [&str; 6] = [
    "CLI_AUTH_REFRESH_TOKEN",
    "SSH_CONNECTION",
    "SSH_CLIENT",
    "SSH_TTY",
    "DISPLAY",
    "WAYLAND_DISPLAY",
];

pub struct World {
    pub base_url: String,
    pub project_id: String,
    pub client_key: String,
    pub store: Arc<dyn Store>,
    pub clock: Arc<ManualClock>,
    pub dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl World {
    pub async fn start() -> Self {
        let TestApp {
            store,
            clock,
            app,
            seeded,
            ..
        } = test_app(StoreKind::Memory).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        let base_url = format!("http://{address}");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let hosts = cli_auth_dev::OwnHosts::new(address, None);
        tokio::spawn(cli_auth_dev::serve(
            listener,
            app,
            None,
            hosts,
            async move {
                let _ = stopped.await;
            },
        ));
        Self {
            base_url,
            project_id: seeded.project.id.clone(),
            client_key: seeded.client_key,
            store,
            clock,
            dir: tempfile::tempdir().expect("temp dir"),
            _stop: stop,
        }
    }

    pub fn credentials(&self) -> PathBuf {
        self.dir.path().join("config").join("credentials.json")
    }

    pub fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(BIN);
        command
            .args(args)
            .env("CLI_AUTH_BASE_URL", &self.base_url)
            .env("CLI_AUTH_PROJECT_ID", &self.project_id)
            .env("CLI_AUTH_PUBLISHABLE_CLIENT_KEY", &self.client_key)
            .env("CLI_AUTH_CREDENTIALS_FILE", self.credentials())
            .stdin(Stdio::null())
            .kill_on_drop(true);
        for name in AMBIENT {
            command.env_remove(name);
        }
        command
    }

    pub async fn run(&self, args: &[&str]) -> (i32, String, String) {
        self.run_with(args, &[]).await
    }

    /// Runs `cli-auth` with some of the environment changed.
    pub async fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
        let out = self
            .command(args)
            .envs(env.iter().copied())
            .output()
            .await
            .expect("run cli-auth");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// The confirm page's side, through the library.
    pub fn browser(&self) -> Client {
        Client::new(Config {
            base_url: self.base_url.clone(),
            project_id: self.project_id.clone(),
            publishable_client_key: Some(self.client_key.clone()),
        })
        .expect("client")
    }

    pub async fn user(&self, anonymous: bool) -> SeededUser {
        seed_user(self.store.as_ref(), &self.project_id, anonymous, T0, YEAR).await
    }
}

/// A `cli-auth login` under way, once it has told the person what to do.
pub struct Started {
    pub child: tokio::process::Child,
    /// The confirm page's path and query, without the app's URL.
    pub url: String,
    /// The login code the URL carries.
    pub login_code: String,
    /// Everything printed up to "Waiting for approval".
    pub prompt: String,
    /// The short code shown on a line of its own, if any.
    pub user_code: Option<String>,
    /// What it prints after the prompt.
    rest: tokio::task::JoinHandle<String>,
}

impl Started {
    /// Its exit code, once it ends.
    pub async fn exit_code(self) -> i32 {
        self.finish().await.0
    }

    /// Its exit code, standard output, and what it printed to standard
    /// error after the prompt.
    pub async fn finish(self) -> (i32, String, String) {
        let out = tokio::time::timeout(Duration::from_secs(20), self.child.wait_with_output())
            .await
            .expect("cli-auth exits")
            .expect("wait");
        let rest = self.rest.await.expect("stderr reader");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            rest,
        )
    }

    /// `person` approves it in the browser; then it must end logged in.
    /// Returns what it printed after the prompt.
    pub async fn approved_by(self, world: &World, person: &SeededUser) -> String {
        world
            .browser()
            .complete(&self.login_code, &person.refresh_token)
            .await
            .expect("complete");
        let (code, _, err) = self.finish().await;
        assert_eq!(code, 0, "{err}");
        err
    }
}

/// Starts `cli-auth login --no-browser` against `world`.
pub async fn start_login(world: &World, extra: &[&str]) -> Started {
    let mut args = vec!["login", "--no-browser", "--poll-interval-ms", "100"];
    args.extend_from_slice(extra);
    start_login_with(world.command(&args)).await
}

/// Starts a `cli-auth login` command and reads its prompt.
pub async fn start_login_with(mut command: tokio::process::Command) -> Started {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start login");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let mut prompt = String::new();
    loop {
        let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .expect("login prints its prompt")
            .expect("read stderr")
            .unwrap_or_else(|| panic!("login exited before waiting:\n{prompt}"));
        prompt.push_str(&line);
        prompt.push('\n');
        if line.starts_with("Waiting for approval") {
            break;
        }
    }
    // Keep draining stderr so the child never blocks on a full pipe.
    let rest = tokio::spawn(async move {
        let mut rest = String::new();
        while let Ok(Some(line)) = lines.next_line().await {
            rest.push_str(&line);
            rest.push('\n');
        }
        rest
    });
    let url = prompt
        .lines()
        .find_map(|l| l.trim().split_once("/handler/cli-auth-confirm?login_code="))
        .map(|(_, code)| format!("/handler/cli-auth-confirm?login_code={code}"))
        .unwrap_or_else(|| panic!("no confirm URL in:\n{prompt}"));
    let login_code = url::form_urlencoded::parse(url.split_once('?').expect("query").1.as_bytes())
        .find(|(k, _)| k == "login_code")
        .map(|(_, v)| v.into_owned())
        .expect("login_code");
    let user_code = prompt
        .lines()
        .map(str::trim)
        .find(|l| {
            l.len() == 9
                && l.as_bytes()[4] == b'-'
                && l.chars().all(|c| c == '-' || c.is_ascii_uppercase())
        })
        .map(str::to_owned);
    Started {
        child,
        url,
        login_code,
        prompt,
        user_code,
        rest,
    }
}

/// Sends Ctrl-C's signal to a running `cli-auth`.
#[cfg(unix)]
pub async fn interrupt(child: &tokio::process::Child) {
    let pid = child.id().expect("pid").to_string();
    let sent = tokio::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .await
        .expect("kill -INT");
    assert!(sent.success());
}

#[cfg(unix)]
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}
