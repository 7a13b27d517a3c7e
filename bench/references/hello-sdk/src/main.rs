//! Cold-start and size reference: the hello-world `lambda_http` function that
//! also builds an `aws-sdk-dynamodb` client once, outside its handler, the
//! way AWS's examples do. Built with the same profile as the service's
//! functions (see `scripts/coldstart.sh`).

use std::convert::Infallible;

use lambda_http::{Error, Request, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let config = aws_config::load_from_env().await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    lambda_http::run(service_fn(move |_request: Request| {
        // The handler owns a handle to the client, as a real one would.
        let _client = client.clone();
        async move { Ok::<_, Infallible>("hello") }
    }))
    .await
}
