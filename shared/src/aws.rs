//! The AWS SDK configuration every client of the service shares: the
//! standard environment chain (which honours `AWS_ENDPOINT_URL_DYNAMODB`,
//! `AWS_ENDPOINT_URL_SECRETS_MANAGER`), with a time budget far below API
//! Gateway's 29 s and retries for throttling and transient errors, and the
//! certificate authorities its HTTPS connections trust ([`TrustRoots`]).

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};
use aws_smithy_http_client::HttpClientError;
use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::{Provider, TlsContext, TrustStore};

/// Each attempt ≤ 2 s, the whole call with retries ≤ 6 s.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
const OPERATION_TIMEOUT: Duration = Duration::from_secs(6);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// Three attempts, jittered exponential backoff from 100 ms, at most 1 s.
const MAX_ATTEMPTS: u32 = 3;
const INITIAL_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// Whose certificates the SDK's HTTPS connections accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustRoots {
    /// The machine's own store, as the SDK does by default (it also honours
    /// `HTTPS_PROXY`): a company's inspecting proxy or private CA keeps
    /// working. For what runs on people's machines (the dev server on
    /// DynamoDB, `cli-auth-admin`), and the functions' fallback
    /// (`CLI_AUTH_TLS_ROOTS=system`).
    System,
    /// Only Amazon Trust Services' five roots, the CAs of every AWS service
    /// endpoint, taken from Mozilla's store (`webpki-root-certs`). The
    /// functions' default: the SDK's default reads and parses every file of
    /// the system's certificate directory when a function starts (on
    /// Debian 292 files, about 10 ms of a 14 ms init; see
    /// docs/performance.md), and a function only ever talks to DynamoDB and
    /// Secrets Manager.
    AmazonTrustServices,
}

impl TrustRoots {
    /// The names `CLI_AUTH_TLS_ROOTS` (and the template's `TlsRoots`) take.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "amazon" => Some(Self::AmazonTrustServices),
            "system" => Some(Self::System),
            _ => None,
        }
    }
}

/// The common names of the roots Amazon Trust Services asks custom trust
/// stores to hold (<https://www.amazontrust.com/repository/>): Amazon Root
/// CA 1–4, one per key type, and the older Starfield Services root that
/// cross-signs them.
const AMAZON_TRUST_SERVICES_ROOTS: [&str; 5] = [
    "Amazon Root CA 1",
    "Amazon Root CA 2",
    "Amazon Root CA 3",
    "Amazon Root CA 4",
    "Starfield Services Root Certificate Authority - G2",
];

/// The configuration from the environment, trusting the machine's store
/// ([`TrustRoots::System`]), loaded once per process.
pub async fn config_from_env() -> SdkConfig {
    loader().load().await
}

/// A Lambda function's configuration: [`config_from_env`] with the HTTPS
/// client trusting `roots`. An error only if the TLS context cannot be
/// built: init then stops rather than trust something else.
pub async fn function_config_from_env(roots: TrustRoots) -> Result<SdkConfig, HttpClientError> {
    Ok(match roots {
        TrustRoots::System => config_from_env().await,
        TrustRoots::AmazonTrustServices => {
            let store = amazon_trust_services_roots()
                .into_iter()
                .fold(TrustStore::empty(), TrustStore::with_pem_certificate);
            let tls = TlsContext::builder().with_trust_store(store).build()?;
            loader()
                .http_client(
                    aws_smithy_http_client::Builder::new()
                        .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
                        .tls_context(tls)
                        .build_https(),
                )
                .load()
                .await
        }
    })
}

/// The time budget and retries every client shares.
fn loader() -> ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
        )
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(MAX_ATTEMPTS)
                .with_initial_backoff(INITIAL_BACKOFF)
                .with_max_backoff(MAX_BACKOFF),
        )
}

/// Amazon Trust Services' roots from Mozilla's store, as PEM (the form the
/// SDK's trust store takes). A root's DER holds its own name (as issuer and
/// subject); no other root names Amazon's.
fn amazon_trust_services_roots() -> Vec<String> {
    webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .filter(|cert| {
            AMAZON_TRUST_SERVICES_ROOTS
                .iter()
                .any(|name| memchr::memmem::find(cert, name.as_bytes()).is_some())
        })
        .filter_map(|cert| {
            pem_rfc7468::encode_string("CERTIFICATE", pem_rfc7468::LineEnding::LF, cert).ok()
        })
        .collect()
}

#[cfg(test)]
#[path = "tests/aws.rs"]
mod tests;
