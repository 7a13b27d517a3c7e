//! The `cli-auth` binary against a real HTTP server (the dev server's
//! serving code, in process, on the in-memory store): exit codes, messages,
//! the credentials file, and a browser stood in for by the library's
//! confirm-page calls.

use std::time::Duration;

use crate::support::{BIN, World, start_login};
use cli_auth_client::api::{CliSessionState, Client, Config};
use cli_auth_client::credentials::{Credentials, CredentialsFile};

#[tokio::test]
async fn login_whoami_token_logout() {
    let world = World::start().await;
    let (code, _, err) = world.run(&["whoami"]).await;
    assert_eq!(code, 3, "not logged in yet: {err}");
    assert!(err.contains("Not logged in"), "{err}");

    let login = start_login(&world, &[]).await;
    let (url, login_code) = (&login.url, &login.login_code);
    assert!(
        url.starts_with("/handler/cli-auth-confirm?login_code="),
        "{url}"
    );
    assert!(
        url.ends_with(login_code.as_str()),
        "the URL carries the login code"
    );

    let browser = world.browser();
    assert_eq!(
        browser.check(login_code).await.expect("check"),
        CliSessionState::None
    );
    let person = world.user(false).await;
    browser
        .complete(login_code, &person.refresh_token)
        .await
        .expect("complete");
    assert_eq!(login.exit_code().await, 0);

    let file = world.credentials();
    #[cfg(unix)]
    {
        assert_eq!(crate::support::mode(&file), 0o600, "owner-only credentials");
        assert_eq!(
            crate::support::mode(file.parent().expect("dir")),
            0o700,
            "owner-only directory"
        );
    }
    let stored = CredentialsFile::at(&file)
        .load()
        .expect("load")
        .expect("saved");
    assert_eq!(stored.refresh_token, person.refresh_token);
    assert!(!stored.anonymous);

    let (code, out, err) = world.run(&["whoami"]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), format!("Ada ({})", person.user.id));
    let (code, out, _) = world.run(&["whoami", "--json"]).await;
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(json["id"], person.user.id.as_str());

    let (code, out, _) = world.run(&["token"]).await;
    assert_eq!(code, 0);
    assert_eq!(out.trim().split('.').count(), 3, "a JWT: {out}");

    let (code, _, err) = world.run(&["logout"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(!file.exists(), "logout deletes the credentials");
    // The session is over on the service too.
    let err = browser
        .access_token(&person.refresh_token)
        .await
        .expect_err("revoked");
    assert_eq!(err.code(), Some("REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED"));
    let (code, _, err) = world.run(&["logout"]).await;
    assert_eq!(code, 0, "logging out twice is fine: {err}");
    assert!(err.contains("Not logged in"));
}

#[tokio::test]
async fn an_expired_login_exits_4_and_saves_nothing() {
    let world = World::start().await;
    let login = start_login(&world, &["--expires-in", "60"]).await;
    world.clock.advance(61_000);
    assert_eq!(login.exit_code().await, 4);
    assert!(!world.credentials().exists());
}

#[tokio::test]
async fn a_login_waits_ten_minutes_for_its_approval() {
    // The service's default is two minutes (Hexclave's); a person who has
    // to sign in first needs longer, so `login` asks for ten.
    let world = World::start().await;
    let login = start_login(&world, &[]).await;
    world.clock.advance(9 * 60_000);
    let person = world.user(false).await;
    world
        .browser()
        .complete(&login.login_code, &person.refresh_token)
        .await
        .expect("still pending after nine minutes");
    assert_eq!(login.exit_code().await, 0);

    let late = start_login(&world, &[]).await;
    world.clock.advance(10 * 60_000 + 1);
    assert_eq!(late.exit_code().await, 4, "expired after ten");
}

#[tokio::test]
async fn an_ended_session_says_log_in_again() {
    let world = World::start().await;
    let person = world.user(false).await;
    let file = CredentialsFile::at(world.credentials());
    file.save(&Credentials {
        base_url: world.base_url.clone(),
        project_id: world.project_id.clone(),
        refresh_token: person.refresh_token.clone(),
        anonymous: false,
    })
    .expect("save");
    let browser = world.browser();
    let access = browser
        .access_token(&person.refresh_token)
        .await
        .expect("refresh");
    browser.revoke(&access).await.expect("revoke");
    let (code, _, err) = world.run(&["token"]).await;
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("session has ended"), "{err}");
}

#[tokio::test]
async fn an_anonymous_session_is_offered_to_the_browser() {
    let world = World::start().await;
    // The CLI's guest session, made the way a tool would make one.
    let guest = world
        .browser()
        .sign_up_anonymously()
        .await
        .expect("anonymous sign-up");
    CredentialsFile::at(world.credentials())
        .save(&Credentials {
            base_url: world.base_url.clone(),
            project_id: world.project_id.clone(),
            refresh_token: guest.refresh_token.clone(),
            anonymous: true,
        })
        .expect("save");
    let login = start_login(&world, &[]).await;
    let login_code = login.login_code.clone();
    let browser = world.browser();
    assert_eq!(
        browser.check(&login_code).await.expect("check"),
        CliSessionState::Anonymous
    );
    let claimed = browser
        .claim_anon_session(&login_code)
        .await
        .expect("claim");
    assert_eq!(claimed.refresh_token, guest.refresh_token);
    let person = world.user(false).await;
    login.approved_by(&world, &person).await;
    let (_, out, _) = world.run(&["whoami", "--json"]).await;
    let json: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(json["id"], person.user.id.as_str());
}

#[tokio::test]
async fn a_damaged_credentials_file_does_not_block_a_new_login() {
    let world = World::start().await;
    let file = world.credentials();
    std::fs::create_dir_all(file.parent().expect("dir")).expect("dir");
    std::fs::write(&file, b"{ half a file").expect("write");
    let (code, _, err) = world.run(&["whoami"]).await;
    assert_eq!(code, 1, "whoami reports the damaged file: {err}");
    assert!(err.contains("not a credentials file"), "{err}");

    let login = start_login(&world, &[]).await;
    let login_code = login.login_code.clone();
    let person = world.user(false).await;
    world
        .browser()
        .complete(&login_code, &person.refresh_token)
        .await
        .expect("complete");
    assert_eq!(login.exit_code().await, 0);
    let (code, out, err) = world.run(&["whoami"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&person.user.id));
}

#[tokio::test]
async fn usage_and_network_errors() {
    let world = World::start().await;
    let out = tokio::process::Command::new(BIN)
        .arg("whoami")
        .env_remove("CLI_AUTH_PROJECT_ID")
        .output()
        .await
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "no project is a usage error");

    let failures = [
        // Nothing listens on port 9 of loopback.
        (("CLI_AUTH_BASE_URL", "http://127.0.0.1:9"), "cannot reach"),
        // A wrong publishable key is the service's error, shown as such.
        (
            ("CLI_AUTH_PUBLISHABLE_CLIENT_KEY", "pck_wrong"),
            "INVALID_PUBLISHABLE_CLIENT_KEY",
        ),
    ];
    for (env, says) in failures {
        let (code, _, err) = world.run_with(&["login", "--no-browser"], &[env]).await;
        assert_eq!(code, 1, "{env:?}");
        assert!(err.contains(says), "{env:?}: {err}");
    }
}

#[tokio::test]
async fn credentials_file_round_trip_and_corruption() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = CredentialsFile::at(dir.path().join("a").join("b.json"));
    assert_eq!(file.load().expect("load"), None);
    let credentials = Credentials {
        base_url: "http://x".into(),
        project_id: "p".into(),
        refresh_token: "t".into(),
        anonymous: true,
    };
    file.save(&credentials).expect("save");
    file.save(&credentials).expect("replace");
    assert_eq!(file.load().expect("load"), Some(credentials));
    // No temporary file is left beside it.
    let names: Vec<_> = std::fs::read_dir(dir.path().join("a"))
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("b.json")]);
    std::fs::write(file.path(), b"{not json").expect("write");
    let err = file.load().expect_err("corrupt");
    assert!(err.to_string().contains("not a credentials file"), "{err}");
    assert!(file.delete().expect("delete"));
    assert!(!file.delete().expect("delete again"));
}

#[tokio::test]
async fn a_new_login_ends_the_session_it_replaces() {
    let world = World::start().await;
    let browser = world.browser();
    let mut people = Vec::new();
    for _ in 0..2 {
        let person = world.user(false).await;
        start_login(&world, &[])
            .await
            .approved_by(&world, &person)
            .await;
        people.push(person);
    }
    let err = browser
        .access_token(&people[0].refresh_token)
        .await
        .expect_err("the replaced session is over");
    assert_eq!(err.code(), Some("REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED"));
    browser
        .access_token(&people[1].refresh_token)
        .await
        .expect("the new one works");
    let (code, out, _) = world.run(&["whoami"]).await;
    assert_eq!(
        (code, out.trim().to_owned()),
        (0, format!("Ada ({})", people[1].user.id))
    );
}

#[tokio::test]
async fn plain_http_only_to_this_machine() {
    let world = World::start().await;
    for url in [
        "http://auth.example.com",
        "http://192.0.2.10:8787",
        "ftp://x",
    ] {
        let (code, _, err) = world
            .run_with(&["login", "--no-browser"], &[("CLI_AUTH_BASE_URL", url)])
            .await;
        assert_eq!(code, 1, "{url}");
        assert!(
            err.contains("tokens would travel unencrypted"),
            "{url}: {err}"
        );
    }
    let config = |base_url: &str| Config {
        base_url: base_url.to_owned(),
        project_id: "p".to_owned(),
        publishable_client_key: None,
    };
    for url in [
        "https://auth.example.com",
        "http://127.0.0.1:8787",
        "http://localhost:8787",
        "http://[::1]:8787",
    ] {
        assert!(Client::new(config(url)).is_ok(), "{url}");
    }
}

/// A redirect is reported, never followed: the project's key and the
/// tokens in `x-stack-*` headers must not travel to another host.
#[tokio::test]
async fn redirects_are_not_followed() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let elsewhere = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let target = format!("http://{}/steal", elsewhere.local_addr().expect("address"));
    let redirector = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base_url = format!("http://{}", redirector.local_addr().expect("address"));
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = redirector.accept().await {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf).await;
            let answer = format!(
                "HTTP/1.1 307 Temporary Redirect\r\nlocation: {target}\r\ncontent-length: 0\r\n\r\n"
            );
            let _ = stream.write_all(answer.as_bytes()).await;
        }
    });
    let client = Client::new(Config {
        base_url,
        project_id: "p".to_owned(),
        publishable_client_key: Some("pck_secret".to_owned()),
    })
    .expect("client");
    let err = client
        .access_token("refresh.token")
        .await
        .expect_err("a redirect is an error");
    assert!(err.to_string().contains("not followed"), "{err}");
    let reached = tokio::time::timeout(Duration::from_millis(300), elsewhere.accept()).await;
    assert!(
        reached.is_err(),
        "nothing was sent to the redirect's target"
    );
}

/// Text from the service never drives the terminal: a display name ending
/// in `ESC[8m` (conceal) would hide the user id printed after it on the
/// very line that tells a person whom the CLI logged in as, and U+202E
/// would reverse it. The service refuses such names; an older or hostile
/// one may still send them, so the CLI shows them escaped, everywhere it
/// prints what the service said.
#[tokio::test]
async fn text_from_the_service_is_printed_escaped() {
    const NAME: &str = "Mallory\u{202E}\u{1b}[8m";
    let world = World::start().await;
    let mut person = world.user(false).await;
    // Written past the API, as a service that does not refuse it would.
    person.user.display_name = Some(NAME.to_owned());
    world.store.put_user(&person.user).await.expect("put");
    let err = start_login(&world, &[])
        .await
        .approved_by(&world, &person)
        .await;
    let shown = format!("Mallory\\u{{202e}}\\u{{1b}}[8m ({})", person.user.id);
    assert!(err.contains(&format!("Logged in as {shown}.")), "{err:?}");

    let (code, out, err) = world.run(&["whoami"]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), shown);
    // As JSON, escaped the JSON way: the value is intact for a program.
    let (code, out, _) = world.run(&["whoami", "--json"]).await;
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(json["display_name"], NAME);
    for printed in [&err, &out] {
        assert!(
            !printed.contains(['\u{1b}', '\u{202E}']),
            "raw control characters reached the terminal: {printed:?}"
        );
    }
}

/// The CLI escapes exactly what the service refuses (api.md §8): one rule,
/// kept in two crates because the client does not depend on the server's.
#[test]
fn the_cli_escapes_what_the_service_refuses() {
    let differ: Vec<char> = (0..=u32::from(char::MAX))
        .filter_map(char::from_u32)
        .filter(|&c| {
            cli_auth_client::terminal::is_deceptive(c)
                != cli_auth_core::domain::login_attempt::is_deceptive(c)
        })
        .collect();
    assert!(differ.is_empty(), "{differ:?}");
}

/// `cli-auth sessions` lists where each session came from, marks this
/// CLI's own, and ends another by id (issue 23: sessions now say where
/// they came from, so people can act on them).
#[tokio::test]
async fn sessions_are_listed_with_where_they_came_from_and_ended_by_id() {
    use cli_auth_core::domain::login_attempt::{AskedBy, Asker, ClientDetails};
    use cli_auth_core::domain::session::Session;
    let world = World::start().await;
    let person = world.user(false).await;
    start_login(&world, &[])
        .await
        .approved_by(&world, &person)
        .await;
    // Another CLI's session, minted by the hosted page for "mytool".
    let (mut other, _) = Session::create(
        &world.project_id,
        &person.user.id,
        cli_auth_tests::T0,
        365 * 24 * 3_600_000,
        false,
    );
    other.asked_by = Some(AskedBy {
        asker: Asker::new(
            Some(ClientDetails {
                name: Some("mytool".into()),
                hostname: Some("ada-laptop".into()),
            }),
            Some("203.0.113.7".into()),
            Some("mytool/2.0"),
        ),
        created_at_millis: cli_auth_tests::T0,
    });
    world.store.put_session(&other).await.expect("put");

    let (code, out, err) = world.run(&["sessions"]).await;
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("* {}  a session, last used", person.session.id))),
        "this CLI's own session is marked: {out}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with(&format!(
            "  {}  mytool on ada-laptop, from 203.0.113.7, last used",
            other.id
        ))),
        "{out}"
    );
    let (code, out, _) = world.run(&["sessions", "--json"]).await;
    assert_eq!(code, 0);
    let listed: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(listed.as_array().map(Vec::len), Some(2));

    let (code, _, err) = world.run(&["sessions", "revoke", &other.id]).await;
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!("Ended session {}.", other.id)),
        "{err}"
    );
    let (_, out, _) = world.run(&["sessions"]).await;
    assert_eq!(out.lines().count(), 1, "{out}");
    // The current session is ended with logout, not by id.
    let (code, _, err) = world.run(&["sessions", "revoke", &person.session.id]).await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("CANNOT_DELETE_CURRENT_SESSION"), "{err}");
}
