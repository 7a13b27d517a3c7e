//! Lambda function `agent-register-confirm`: the endpoint is `shared/src/api/endpoints/agent_register_confirm.rs`.

use cli_auth_core::api::endpoints::agent_register_confirm::AgentRegisterConfirm;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<AgentRegisterConfirm>().await
}
