//! Cold-start and size reference: a hello-world `lambda_http` function, built
//! with the same profile as the service's functions (see `scripts/coldstart.sh`).

use std::convert::Infallible;

use lambda_http::{Error, Request, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::run(service_fn(|_request: Request| async {
        Ok::<_, Infallible>("hello")
    }))
    .await
}
