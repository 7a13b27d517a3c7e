//! Lambda function `agent-register`: the endpoint is `shared/src/api/endpoints/agent_register.rs`.

use cli_auth_core::api::endpoints::agent_register::AgentRegister;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<AgentRegister>().await
}
