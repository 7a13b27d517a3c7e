//! Whom the SDK's HTTPS connections trust (`cli_auth_core::aws::TrustRoots`):
//! a DynamoDB endpoint whose certificate chains to a CA of the machine's
//! store is reached with `System` and refused with `AmazonTrustServices`,
//! the functions' default. The "machine's store" here is a CA made for the
//! test and named by `SSL_CERT_FILE`, set before anything reads the store;
//! this file holds one test so that nothing else in its process races it.

use std::sync::Arc;

use aws_sdk_dynamodb::config::{Builder, Credentials, Region};
use aws_sdk_dynamodb::error::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use cli_auth_core::aws::{TrustRoots, function_config_from_env};
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// A CA, and a server certificate for `localhost` it signed.
fn ca_and_server() -> (String, rustls::ServerConfig) {
    let mut ca_params = CertificateParams::new(Vec::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_key = KeyPair::generate().expect("CA key");
    let ca = ca_params.self_signed(&ca_key).expect("CA");
    let server_key = KeyPair::generate().expect("server key");
    let server = CertificateParams::new(vec!["localhost".to_owned()])
        .expect("server params")
        .signed_by(&server_key, &ca, &ca_key)
        .expect("server certificate");
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![server.der().clone()],
            rustls::pki_types::PrivateKeyDer::try_from(server_key.serialize_der())
                .expect("server key DER"),
        )
        .expect("server config");
    (ca.pem(), config)
}

/// An HTTPS endpoint that completes the handshake and answers every
/// request 400 with an empty JSON body; returns its URL.
async fn https_endpoint(config: rustls::ServerConfig) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut request = vec![0; 16 * 1024];
                if tls.read(&mut request).await.unwrap_or(0) > 0 {
                    let body = "{}";
                    let answer = format!(
                        "HTTP/1.1 400 Bad Request\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = tls.write_all(answer.as_bytes()).await;
                    let _ = tls.shutdown().await;
                }
            });
        }
    });
    format!("https://localhost:{port}")
}

async fn list_tables(
    roots: TrustRoots,
    endpoint: &str,
) -> Result<(), SdkError<aws_sdk_dynamodb::operation::list_tables::ListTablesError>> {
    let sdk = function_config_from_env(roots).await.expect("TLS context");
    let config = Builder::from(&sdk)
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
        .list_tables()
        .send()
        .await
        .map(|_| ())
}

#[tokio::test]
async fn amazon_roots_refuse_a_ca_the_system_store_accepts() {
    let (ca_pem, server_config) = ca_and_server();
    let ca_file = std::env::temp_dir().join(format!("cli-auth-test-ca-{}.pem", std::process::id()));
    std::fs::write(&ca_file, ca_pem).expect("write the CA");
    // SAFETY (hence the one `allow` of the workspace): this test is alone in its process and sets these before any
    // thread reads the environment's certificate settings.
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var("SSL_CERT_FILE", &ca_file);
        std::env::remove_var("SSL_CERT_DIR");
    }
    let endpoint = https_endpoint(server_config).await;

    // The machine's store trusts the test CA: the handshake succeeds and
    // the request reaches the endpoint (its 400 is a service error).
    let system = list_tables(TrustRoots::System, &endpoint).await;
    match &system {
        Err(SdkError::ServiceError(_)) => {}
        other => panic!("with the system store, the endpoint answers: {other:?}"),
    }

    // Amazon's roots do not: the connection fails at the certificate.
    let amazon = list_tables(TrustRoots::AmazonTrustServices, &endpoint).await;
    match &amazon {
        Err(e @ SdkError::DispatchFailure(_)) => {
            let said = DisplayErrorContext(e).to_string();
            assert!(
                said.contains("UnknownIssuer"),
                "refused for its certificate: {said}"
            );
        }
        other => panic!("with Amazon's roots, the certificate is refused: {other:?}"),
    }
    let _ = std::fs::remove_file(&ca_file);
}
