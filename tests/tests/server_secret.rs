//! The server secret from Secrets Manager, as the template deploys it: the
//! three version stages read together at init, the current one signing, a
//! rotation's pending and previous ones verifying and published; a missing
//! or unreadable secret stops init with a message that names the secret,
//! never its value.

use cli_auth_core::domain::accounts::new_user;
use cli_auth_core::domain::tokens::TokenIssuer;
use cli_auth_core::domain::user::{User, UserPatch};
use cli_auth_core::server_secret::{ServerSecretError, from_secrets_manager};
use cli_auth_tests::secrets_manager::{Call, SecretsManagerStandIn};

const ID: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:cli-auth-server-AbCdEf";
const CURRENT: &str = "current-secret-0123456789abcdefghijklmnopqrstuvwxyz";
const PENDING: &str = "pending-secret-0123456789abcdefghijklmnopqrstuvwxyz";
const PREVIOUS: &str = "previous-secret-0123456789abcdefghijklmnopqrstuvwxy";
const NOW: i64 = cli_auth_tests::T0;

fn user() -> User {
    User {
        id: "u1".into(),
        ..new_user("p1", &UserPatch::default(), 0)
    }
}

fn token_of(secret: &str) -> String {
    TokenIssuer::new(secret.as_bytes(), 600)
        .expect("issuer")
        .access_token("http://localhost", &user(), "s1", NOW)
        .expect("token")
}

fn kid(token: &str) -> Option<String> {
    jsonwebtoken::decode_header(token).expect("header").kid
}

fn published(tokens: &TokenIssuer) -> usize {
    tokens.jwks("p1", false).expect("jwks")["keys"]
        .as_array()
        .map_or(0, Vec::len)
}

fn stages(calls: &[Call]) -> Vec<(String, String, String)> {
    let mut seen: Vec<_> = calls
        .iter()
        .map(|c| (c.operation.clone(), c.secret_id.clone(), c.stage.clone()))
        .collect();
    seen.sort();
    seen
}

#[tokio::test]
async fn the_current_version_signs_and_a_rotations_others_verify() {
    let stand_in = SecretsManagerStandIn::start().await;
    stand_in.put(ID, "AWSCURRENT", CURRENT);
    stand_in.put(ID, "AWSPENDING", PENDING);
    stand_in.put(ID, "AWSPREVIOUS", PREVIOUS);

    let secrets = from_secrets_manager(&stand_in.client().await, ID)
        .await
        .expect("secrets");
    let tokens = secrets.token_issuer(600).expect("issuer");

    let signed = tokens
        .access_token("http://localhost", &user(), "s1", NOW)
        .expect("token");
    assert_eq!(kid(&signed), kid(&token_of(CURRENT)), "the current signs");
    for secret in [CURRENT, PENDING, PREVIOUS] {
        assert!(
            tokens.verify(&token_of(secret), "p1", true, NOW).is_ok(),
            "a token of every stage verifies"
        );
    }
    let stranger = token_of("another-secret-0123456789abcdefghijklmnopqrstuvwxy");
    assert!(tokens.verify(&stranger, "p1", true, NOW).is_err());
    assert_eq!(published(&tokens), 3, "the JWKS publishes all three");

    // One GetSecretValue per stage, for the secret configured: what the
    // template grants each function (tests/tests/iam.rs).
    let get = |stage: &str| {
        (
            "secretsmanager.GetSecretValue".to_owned(),
            ID.to_owned(),
            stage.to_owned(),
        )
    };
    assert_eq!(
        stages(&stand_in.calls()),
        vec![get("AWSCURRENT"), get("AWSPENDING"), get("AWSPREVIOUS")]
    );
}

#[tokio::test]
async fn without_a_rotation_only_the_current_version_counts() {
    let stand_in = SecretsManagerStandIn::start().await;
    stand_in.put(ID, "AWSCURRENT", CURRENT);
    let tokens = from_secrets_manager(&stand_in.client().await, ID)
        .await
        .expect("secrets")
        .token_issuer(600)
        .expect("issuer");
    assert_eq!(published(&tokens), 1);
    assert!(tokens.verify(&token_of(PREVIOUS), "p1", true, NOW).is_err());
}

#[tokio::test]
async fn a_missing_secret_stops_init_naming_it() {
    let stand_in = SecretsManagerStandIn::start().await;
    stand_in.put(ID, "AWSPREVIOUS", PREVIOUS);
    let error = from_secrets_manager(&stand_in.client().await, ID)
        .await
        .expect_err("no current version");
    assert!(matches!(error, ServerSecretError::NoCurrentVersion { .. }));
    let text = error.to_string();
    assert!(text.contains(ID) && text.contains("AWSCURRENT"), "{text}");
    assert!(!text.contains(PREVIOUS), "never the value");
}

#[tokio::test]
async fn an_unreachable_secrets_manager_stops_init_after_retries() {
    let stand_in = SecretsManagerStandIn::start().await;
    stand_in.put(ID, "AWSCURRENT", CURRENT);
    stand_in.fail_with(500);
    let error = from_secrets_manager(&stand_in.client().await, ID)
        .await
        .expect_err("unreadable");
    assert!(
        matches!(error, ServerSecretError::Unreadable { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains(ID), "{error}");
    assert!(!error.to_string().contains(CURRENT));
    // The service's retry policy (cli_auth_core::aws): three attempts for
    // each of the three stages.
    assert_eq!(stand_in.calls().len(), 9);
}

#[tokio::test]
async fn a_binary_secret_is_refused() {
    // The stand-in only holds strings: a SecretBinary answer is what a
    // secret created with --secret-binary gives.
    let stand_in = SecretsManagerStandIn::start().await;
    stand_in.put_binary(ID, "AWSCURRENT", CURRENT.as_bytes());
    let error = from_secrets_manager(&stand_in.client().await, ID)
        .await
        .expect_err("binary");
    assert!(
        matches!(error, ServerSecretError::NotText { .. }),
        "{error:?}"
    );
}
