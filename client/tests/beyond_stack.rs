//! `cli-auth login` using the extensions of api.md §8: the hand-off bound
//! to the process, the short code to compare and type, who is asking, a
//! denial or Ctrl-C ending the attempt at once, headless machines, a
//! session from `CLI_AUTH_REFRESH_TOKEN`, and falling back to Stack's own
//! fields against a plain Stack Auth server.

use crate::support::plain_stack::PlainStack;
use crate::support::{World, start_login, start_login_with};
use cli_auth_client::api::{ClientDetails, MAX_CLIENT_FIELD_CHARS};
use cli_auth_client::credentials::CredentialsFile;

fn saved_token(world: &World) -> Option<String> {
    CredentialsFile::at(world.credentials())
        .load()
        .expect("load")
        .map(|c| c.refresh_token)
}

#[tokio::test]
async fn a_login_is_bound_and_shows_the_short_code_and_who_asks() {
    let world = World::start().await;
    let login = start_login(&world, &["--client-name", "mytool"]).await;
    let user_code = login
        .user_code
        .clone()
        .unwrap_or_else(|| panic!("a short code on its own line:\n{}", login.prompt));
    assert!(
        login.prompt.contains(&format!(
            "or go to {}/handler/cli-auth-confirm and enter this code:",
            world.base_url
        )),
        "{}",
        login.prompt
    );
    assert!(
        !login.prompt.contains("Login code:"),
        "the short code replaces the long one: {}",
        login.prompt
    );

    // The short code leads a signed-in person's browser to this very
    // login, and says who asked.
    let browser = world.browser();
    let person = world.user(false).await;
    let signed_in = browser
        .access_token(&person.refresh_token)
        .await
        .expect("the person's access token");
    let found = browser
        .look_up_user_code(&signed_in, &user_code.to_lowercase())
        .await
        .expect("look-up");
    assert_eq!(found.login_code, login.login_code);
    let this_machine = ClientDetails::on_this_machine("mytool");
    assert_eq!(found.client["name"], "mytool");
    assert_eq!(
        found.client["hostname"],
        serde_json::json!(this_machine.hostname)
    );
    assert_eq!(found.client["ip"], "127.0.0.1");
    assert!(
        found.client["user_agent"]
            .as_str()
            .is_some_and(|ua| ua.starts_with("cli-auth/")),
        "{}",
        found.client
    );

    // Bound: a public key and a PKCE challenge are on the attempt, so the
    // token waits encrypted and only this process's polls are answered.
    let attempt = world
        .store
        .attempt(&user_code.replace('-', ""))
        .await
        .expect("read")
        .expect("the attempt is keyed by its short code");
    assert!(attempt.public_key.is_some(), "{attempt:?}");
    assert_eq!(
        attempt.code_challenge.as_deref().map(str::len),
        Some(43),
        "{attempt:?}"
    );

    login.approved_by(&world, &person).await;
    assert_eq!(
        saved_token(&world),
        Some(person.refresh_token),
        "the CLI opened the JWE"
    );
}

#[test]
fn client_details_fit_the_service() {
    let long = "x".repeat(100);
    let details = ClientDetails::on_this_machine(&long);
    assert_eq!(details.name.chars().count(), MAX_CLIENT_FIELD_CHARS);
    assert!(
        details
            .hostname
            .is_none_or(|h| h.chars().count() <= MAX_CLIENT_FIELD_CHARS)
    );
}

#[tokio::test]
async fn a_denied_login_stops_at_once_and_saves_nothing() {
    let world = World::start().await;
    let login = start_login(&world, &[]).await;
    world.browser().deny(&login.login_code).await.expect("deny");
    let (code, _, err) = login.finish().await;
    assert_eq!(code, 6, "{err}");
    assert!(
        err.contains("The login was denied in the browser."),
        "{err}"
    );
    assert_eq!(saved_token(&world), None);
}

#[cfg(unix)]
#[tokio::test]
async fn ctrl_c_cancels_the_attempt() {
    let world = World::start().await;
    let login = start_login(&world, &[]).await;
    crate::support::interrupt(&login.child).await;
    let login_code = login.login_code.clone();
    let (code, _, err) = login.finish().await;
    assert_eq!(code, 130, "{err}");
    assert!(
        err.contains("Interrupted; the login was cancelled and nothing was saved."),
        "{err}"
    );
    assert_eq!(saved_token(&world), None);
    // The page the person may still have open can no longer approve it.
    let person = world.user(false).await;
    let refused = world
        .browser()
        .complete(&login_code, &person.refresh_token)
        .await
        .expect_err("cancelled");
    assert!(
        refused
            .to_string()
            .contains("Invalid login code or the code has expired (HTTP 400)"),
        "{refused}"
    );
}

#[tokio::test]
async fn a_plain_stack_server_gets_stacks_fields_only() {
    let world = World::start().await;
    let stack = PlainStack::start(&world.base_url).await;
    let mut command = world.command(&["login", "--no-browser", "--poll-interval-ms", "100"]);
    command.env("CLI_AUTH_BASE_URL", &stack.base_url);
    let login = start_login_with(command).await;
    // No short code from Stack: the login code is shown instead.
    assert_eq!(login.user_code, None, "{}", login.prompt);
    assert!(
        login
            .prompt
            .contains(&format!("Login code: {}", login.login_code)),
        "{}",
        login.prompt
    );
    let sent = stack.initiates();
    assert_eq!(sent.len(), 2, "refused once, then plain: {sent:?}");
    for field in ["public_key", "code_challenge", "client"] {
        assert!(sent[0].get(field).is_some(), "first try binds: {field}");
    }
    assert_eq!(
        sent[1],
        serde_json::json!({"expires_in_millis": 600_000}),
        "then Stack's fields only (ten minutes: a person may have to sign in first)"
    );

    let person = world.user(false).await;
    login.approved_by(&world, &person).await;
    assert_eq!(saved_token(&world), Some(person.refresh_token));
}

/// A stand-in for the desktop's launcher that notes the URL it was given.
#[cfg(unix)]
fn fake_launcher(world: &World) -> (String, std::path::PathBuf) {
    use std::os::unix::fs::PermissionsExt as _;
    let bin = world.dir.path().join("bin");
    std::fs::create_dir_all(&bin).expect("dir");
    let opened = world.dir.path().join("opened");
    let script = bin.join("xdg-open");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n", opened.display()),
    )
    .expect("write");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    (path, opened)
}

#[cfg(all(unix, not(target_os = "macos")))]
#[tokio::test]
async fn a_headless_machine_does_not_try_a_browser() {
    let world = World::start().await;
    let (path, opened) = fake_launcher(&world);
    let login_in = |env: &[(&str, &str)]| {
        let mut command = world.command(&["login", "--poll-interval-ms", "100"]);
        command.env("PATH", &path).envs(env.iter().copied());
        start_login_with(command)
    };
    for (env, why) in [
        (
            &[
                ("SSH_CONNECTION", "203.0.113.7 50000 10.0.0.2 22"),
                ("DISPLAY", "localhost:10.0"),
            ][..],
            "this is an SSH session",
        ),
        (&[][..], "this machine has no display"),
    ] {
        let login = login_in(env).await;
        assert!(
            login.prompt.starts_with(&format!(
                "Not opening a browser: {why}. Finish on any device with a browser."
            )),
            "{}",
            login.prompt
        );
        assert!(login.user_code.is_some(), "the code to type elsewhere");
        world.browser().deny(&login.login_code).await.expect("deny");
        let (code, _, err) = login.finish().await;
        assert_eq!(code, 6);
        assert!(!opened.exists(), "no launcher ran: {err}");
    }

    // With a display, the launcher gets the page, and nothing else is said.
    let login = login_in(&[("DISPLAY", ":0")]).await;
    assert!(!login.prompt.contains("Not opening"), "{}", login.prompt);
    let mut waited = 0;
    while !opened.exists() && waited < 100 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        waited += 1;
    }
    let url = std::fs::read_to_string(&opened).expect("the launcher ran");
    assert_eq!(url, format!("{}{}", world.base_url, login.url));
    world.browser().deny(&login.login_code).await.expect("deny");
    let (_, _, err) = login.finish().await;
    assert!(!err.contains("Could not open"), "{err}");
}

#[tokio::test]
async fn a_refresh_token_in_the_environment_stands_in_for_the_file() {
    let world = World::start().await;
    let person = world.user(false).await;
    let env = [("CLI_AUTH_REFRESH_TOKEN", person.refresh_token.as_str())];
    let (code, out, err) = world.run_with(&["whoami"], &env).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), format!("Ada ({})", person.user.id));
    let (code, out, _) = world.run_with(&["token"], &env).await;
    assert_eq!((code, out.trim().split('.').count()), (0, 3), "a JWT");
    assert!(!world.credentials().exists(), "no file involved");

    // logout does not end a session it was handed.
    let (code, _, err) = world.run_with(&["logout"], &env).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("CLI_AUTH_REFRESH_TOKEN"), "{err}");
    let browser = world.browser();
    let access = browser
        .access_token(&person.refresh_token)
        .await
        .expect("still live");

    browser.revoke(&access).await.expect("revoke");
    let (code, _, err) = world.run_with(&["token"], &env).await;
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("The session in CLI_AUTH_REFRESH_TOKEN has ended"),
        "{err}"
    );
}
