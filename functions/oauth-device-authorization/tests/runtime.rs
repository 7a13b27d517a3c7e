//! `oauth-device-authorization` answers its `events/` fixtures through the Lambda Runtime API.

cli_auth_tests::function_answers_its_fixtures!("oauth-device-authorization");
