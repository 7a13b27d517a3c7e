//! Every function binary answers its `events/` fixtures through the Lambda
//! Runtime API stand-in (`tests/support/lambda_runtime.rs`), started as
//! Lambda starts it: one module per function.

use cli_auth_tests::function_answers_its_fixtures;

function_answers_its_fixtures!(anonymous_sign_up: "anonymous-sign-up");
function_answers_its_fixtures!(cli_cancel: "cli-cancel", and_logs_no_secret_at_trace);
function_answers_its_fixtures!(cli_complete: "cli-complete", and_logs_no_secret_at_trace);
function_answers_its_fixtures!(cli_initiate: "cli-initiate");
function_answers_its_fixtures!(cli_poll: "cli-poll", and_logs_no_secret_at_trace);
function_answers_its_fixtures!(cli_user_code: "cli-user-code", and_logs_no_secret_at_trace);
function_answers_its_fixtures!(agent_register: "agent-register", and_logs_no_secret_at_trace);
function_answers_its_fixtures!(agent_register_poll: "agent-register-poll", and_logs_no_secret_at_trace);
function_answers_its_fixtures!(agent_register_confirm: "agent-register-confirm", and_logs_no_secret_at_trace);
function_answers_its_fixtures!(agent_discovery: "agent-discovery");
function_answers_its_fixtures!(internal_device_auth: "internal-device-auth");
function_answers_its_fixtures!(agent_auth_md: "agent-auth-md");
function_answers_its_fixtures!(jwks: "jwks");
function_answers_its_fixtures!(oauth_device_authorization: "oauth-device-authorization");
function_answers_its_fixtures!(oauth_discovery: "oauth-discovery");
function_answers_its_fixtures!(oauth_token: "oauth-token", and_logs_no_secret_at_trace);
function_answers_its_fixtures!(sessions_create: "sessions-create");
function_answers_its_fixtures!(sessions_delete: "sessions-delete");
function_answers_its_fixtures!(sessions_list: "sessions-list");
function_answers_its_fixtures!(sessions_refresh: "sessions-refresh", and_logs_no_secret_at_trace);
function_answers_its_fixtures!(sessions_revoke: "sessions-revoke");
function_answers_its_fixtures!(users_create: "users-create");
function_answers_its_fixtures!(users_get: "users-get");
function_answers_its_fixtures!(users_me_delete: "users-me-delete");
function_answers_its_fixtures!(users_me_update: "users-me-update");
function_answers_its_fixtures!(users_me: "users-me");
function_answers_its_fixtures!(users_update: "users-update");
function_answers_its_fixtures!(hosted_confirm: "hosted-confirm");
function_answers_its_fixtures!(hosted_confirm_post: "hosted-confirm-post");
function_answers_its_fixtures!(hosted_oidc_callback: "hosted-oidc-callback");
function_answers_its_fixtures!(hosted_sign_out: "hosted-sign-out");
function_answers_its_fixtures!(hosted_agent_confirm: "hosted-agent-confirm");
function_answers_its_fixtures!(hosted_agent_confirm_post: "hosted-agent-confirm-post");
