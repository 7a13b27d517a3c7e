//! `oauth-token` answers its `events/` fixtures through the Lambda Runtime API.

cli_auth_tests::function_answers_its_fixtures!("oauth-token", and_logs_no_secret_at_trace);
