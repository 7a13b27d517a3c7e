//! Lambda function `agent-discovery`: the endpoint is `shared/src/api/endpoints/agent_discovery.rs`.

use cli_auth_core::api::endpoints::agent_discovery::AgentDiscovery;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<AgentDiscovery>().await
}
