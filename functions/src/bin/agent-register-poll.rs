//! Lambda function `agent-register-poll`: the endpoint is `shared/src/api/endpoints/agent_register_poll.rs`.

use cli_auth_core::api::endpoints::agent_register_poll::AgentRegisterPoll;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<AgentRegisterPoll>().await
}
