//! `cli-user-code` answers its `events/` fixtures through the Lambda Runtime API.

cli_auth_tests::function_answers_its_fixtures!("cli-user-code", and_logs_no_secret_at_trace);
