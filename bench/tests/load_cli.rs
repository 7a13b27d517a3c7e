#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The load generator's own safety rule: it only ever targets loopback.

use std::process::Command;

fn load(base_url: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cli-auth-load"))
        .args([
            "--base-url",
            base_url,
            "--project-id",
            "p",
            "--client-key",
            "c",
            "--server-key",
            "s",
            "--flows",
            "1",
        ])
        .output()
        .expect("run cli-auth-load")
}

#[test]
fn refuses_anything_but_loopback() {
    for target in [
        "http://10.0.0.5:8787",
        "http://example.com",
        "http://192.168.1.1",
        "https://api.example.com:443",
    ] {
        let out = load(target);
        assert!(!out.status.success(), "{target} was accepted");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("loopback only"),
            "{target}"
        );
    }
}

#[test]
fn fails_cleanly_when_nothing_listens_on_loopback() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let out = load(&format!("http://127.0.0.1:{port}"));
    assert!(!out.status.success());
}
