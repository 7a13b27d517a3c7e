//! Lambda function `agent-auth-md`: the endpoint is `shared/src/api/endpoints/agent_auth_md.rs`.

use cli_auth_core::api::endpoints::agent_auth_md::AgentAuthMd;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    cli_auth_core::lambda::run::<AgentAuthMd>().await
}
