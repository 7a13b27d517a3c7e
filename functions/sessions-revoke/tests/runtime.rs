//! `sessions-revoke` answers its `events/` fixtures through the Lambda Runtime API, as
//! the compiled binary Lambda would start.

#[tokio::test]
async fn answers_its_fixtures_through_the_runtime_api() {
    let timings = cli_auth_tests::lambda_runtime::run_fixtures(
        env!("CARGO_BIN_EXE_sessions-revoke"),
        "sessions-revoke",
    )
    .await;
    for (fixture, took) in timings {
        println!("runtime: {fixture}: answered {took:?} after process start");
    }
}
