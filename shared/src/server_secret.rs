//! The server secret every signing key derives from, and where it comes
//! from: AWS Secrets Manager in a deployment (read once, when a function
//! starts), the environment for local work ([`crate::config::secret_source`]).
//!
//! A Secrets Manager secret is read at three version stages, together (init
//! waits for one round trip, not three): `AWSCURRENT` signs; `AWSPENDING`
//! and `AWSPREVIOUS`, when the secret has them, verify and are published in
//! the JWKS. That is the rotation without a hard cut of `docs/deploy.md`:
//! the next secret's keys are known everywhere before anything signs with
//! them, and the last one's tokens stay valid until they expire.

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueError;
use aws_smithy_types::error::display::DisplayErrorContext;

use crate::config::{ConfigError, SecretSource};
use crate::domain::tokens::{TokenError, TokenIssuer};

/// The stage whose secret signs.
pub const SIGNING_STAGE: &str = "AWSCURRENT";
/// The stages whose secrets, when present, only verify.
pub const VERIFY_ONLY_STAGES: [&str; 2] = ["AWSPENDING", "AWSPREVIOUS"];

/// The secrets a process runs with. Never printed.
pub struct ServerSecrets {
    signing: Vec<u8>,
    verify_only: Vec<Vec<u8>>,
}

impl std::fmt::Debug for ServerSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerSecrets")
            .field("verify_only", &self.verify_only.len())
            .finish_non_exhaustive()
    }
}

impl ServerSecrets {
    pub fn new(signing: Vec<u8>, verify_only: Vec<Vec<u8>>) -> Self {
        Self {
            signing,
            verify_only,
        }
    }

    /// The token issuer that signs with the signing secret and also
    /// verifies (and publishes) the others.
    pub fn token_issuer(&self, ttl_seconds: i64) -> Result<TokenIssuer, TokenError> {
        self.verify_only
            .iter()
            .try_fold(TokenIssuer::new(&self.signing, ttl_seconds)?, |t, s| {
                t.also_verifying(s)
            })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServerSecretError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("the server secret {id} does not exist or has no {SIGNING_STAGE} version")]
    NoCurrentVersion { id: String },
    #[error("the server secret {id} ({stage}) is binary; it must be a secret string")]
    NotText { id: String, stage: &'static str },
    #[error("cannot read the server secret {id} ({stage}) from Secrets Manager: {reason}")]
    Unreadable {
        id: String,
        stage: &'static str,
        reason: String,
    },
}

/// The configured secrets: from Secrets Manager (a client of `sdk`, or of
/// the environment's AWS configuration, loaded only then) or the
/// environment; `None` when neither is configured.
pub async fn from_configured_source(
    sdk: Option<&aws_config::SdkConfig>,
) -> Result<Option<ServerSecrets>, ServerSecretError> {
    match crate::config::secret_source()? {
        None => Ok(None),
        Some(SecretSource::Environment { signing, previous }) => Ok(Some(ServerSecrets::new(
            signing,
            previous.into_iter().collect(),
        ))),
        Some(SecretSource::SecretsManager(id)) => {
            let client = match sdk {
                Some(sdk) => Client::new(sdk),
                None => Client::new(&crate::aws::config_from_env().await),
            };
            from_secrets_manager(&client, &id).await.map(Some)
        }
    }
}

/// Reads the secret `id` (a name or ARN) at its three stages, together.
pub async fn from_secrets_manager(
    client: &Client,
    id: &str,
) -> Result<ServerSecrets, ServerSecretError> {
    let [pending, previous] = VERIFY_ONLY_STAGES;
    let (signing, pending, previous) = tokio::join!(
        stage(client, id, SIGNING_STAGE),
        stage(client, id, pending),
        stage(client, id, previous),
    );
    let signing = signing?.ok_or_else(|| ServerSecretError::NoCurrentVersion { id: id.into() })?;
    let verify_only = [pending?, previous?].into_iter().flatten().collect();
    Ok(ServerSecrets::new(signing, verify_only))
}

/// The current version of a secret string `id` (the hosted page's OpenID
/// client secret).
pub async fn current_string(client: &Client, id: &str) -> Result<String, ServerSecretError> {
    let text = stage(client, id, SIGNING_STAGE)
        .await?
        .ok_or_else(|| ServerSecretError::NoCurrentVersion { id: id.into() })?;
    String::from_utf8(text).map_err(|_| ServerSecretError::NotText {
        id: id.into(),
        stage: SIGNING_STAGE,
    })
}

/// The secret at `stage`; `None` when the secret has no such version.
async fn stage(
    client: &Client,
    id: &str,
    stage: &'static str,
) -> Result<Option<Vec<u8>>, ServerSecretError> {
    let answer = client
        .get_secret_value()
        .secret_id(id)
        .version_stage(stage)
        .send()
        .await;
    match answer {
        Ok(output) => match output.secret_string {
            Some(text) => Ok(Some(text.into_bytes())),
            None => Err(ServerSecretError::NotText {
                id: id.into(),
                stage,
            }),
        },
        Err(e)
            if matches!(
                e.as_service_error(),
                Some(GetSecretValueError::ResourceNotFoundException(_))
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(ServerSecretError::Unreadable {
            id: id.into(),
            stage,
            reason: DisplayErrorContext(&e).to_string(),
        }),
    }
}
