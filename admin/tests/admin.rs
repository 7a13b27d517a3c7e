#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `cli-auth-admin` against DynamoDB Local: tables, a project whose printed
//! keys are the stored hashes' keys, listing, and key rotation.

use std::process::Command;

use cli_auth_core::domain::access::AccessType;
use cli_auth_core::domain::store::ProjectStore as _;
use cli_auth_core::store::dynamodb::{DynamoStore, TableNames};

fn admin(prefix: &str, args: &[&str]) -> (bool, String, String) {
    cli_auth_tests::dynamodb_endpoint();
    let out = Command::new(env!("CARGO_BIN_EXE_cli-auth-admin"))
        .args(args)
        .env("CLI_AUTH_TABLE_PREFIX", prefix)
        .output()
        .expect("run cli-auth-admin");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn value<'a>(stdout: &'a str, label: &str) -> &'a str {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix(label))
        .map(str::trim)
        .unwrap_or_else(|| panic!("{label} in {stdout}"))
}

#[tokio::test]
async fn tables_projects_listing_and_rotation() {
    let prefix = format!("adm{}-", &cli_auth_core::secret::random_id()[..8]);
    let (ok, out, err) = admin(&prefix, &["create-tables"]);
    assert!(ok, "{err}");
    assert_eq!(out.matches(": created").count(), 5, "{out}");
    let (ok, out, _) = admin(&prefix, &["create-tables"]);
    assert!(
        ok && out.matches(": exists").count() == 5,
        "idempotent: {out}"
    );

    let (ok, out, err) = admin(&prefix, &["create-project", "--name", "Acme CLI"]);
    assert!(ok, "{err}");
    let id = value(&out, "project id:").to_owned();
    let client = value(&out, "publishable client key:").to_owned();
    let server = value(&out, "secret server key:").to_owned();
    let admin_key = value(&out, "super secret admin key:").to_owned();
    assert!(
        client.starts_with("pck_") && server.starts_with("ssk_") && admin_key.starts_with("sak_")
    );

    let store = DynamoStore::new(
        cli_auth_core::store::dynamodb::client::from_env(Vec::new()).await,
        TableNames::with_prefix(&prefix),
    );
    let project = store
        .get_project(&id)
        .await
        .expect("read")
        .expect("created");
    assert_eq!(project.display_name, "Acme CLI");
    assert!(project.requires_publishable_client_key);
    for (kind, key) in [
        (AccessType::Client, &client),
        (AccessType::Server, &server),
        (AccessType::Admin, &admin_key),
    ] {
        assert!(
            project.key_hash(kind).is_some_and(|h| h.matches(key)),
            "{kind} key stored as its hash"
        );
        assert_ne!(
            project
                .key_hash(kind)
                .map(|h| h.as_str().to_owned())
                .as_deref(),
            Some(key.as_str())
        );
    }

    let (ok, out, _) = admin(&prefix, &["list-projects"]);
    assert!(ok && out.contains(&id) && out.contains("Acme CLI"), "{out}");
    assert!(
        !out.contains(&client) && !out.contains(&server),
        "listing never shows keys"
    );

    let (ok, out, err) = admin(
        &prefix,
        &["rotate-key", "--project", &id, "--kind", "server"],
    );
    assert!(ok, "{err}");
    let rotated = value(&out, "new secret server key:").to_owned();
    let project = store.get_project(&id).await.expect("read").expect("exists");
    let hash = project.key_hash(AccessType::Server).expect("server key");
    assert!(
        hash.matches(&rotated) && !hash.matches(&server),
        "the old key stops working"
    );
    assert!(
        project
            .key_hash(AccessType::Client)
            .is_some_and(|h| h.matches(&client)),
        "others kept"
    );

    let (ok, _, err) = admin(
        &prefix,
        &[
            "rotate-key",
            "--project",
            "no-such-project",
            "--kind",
            "client",
        ],
    );
    assert!(!ok && err.contains("no project"), "{err}");
}

/// Tables created before an index existed (here: a sessions table with
/// sessions-by-user but not agent-sessions-by-project) get it from
/// `create-tables`, which otherwise leaves existing tables alone.
#[tokio::test]
async fn create_tables_adds_the_sessions_index_to_an_older_table() {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
        Projection, ProjectionType, ScalarAttributeType,
    };
    let key = |name: &str, kind: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
            .expect("key")
    };
    let prefix = format!("adm{}-", &cli_auth_core::secret::random_id()[..8]);
    let tables = TableNames::with_prefix(&prefix);
    cli_auth_tests::dynamodb_endpoint();
    let client = cli_auth_core::store::dynamodb::client::from_env(Vec::new()).await;
    client
        .create_table()
        .table_name(&tables.sessions)
        .billing_mode(BillingMode::PayPerRequest)
        .set_attribute_definitions(Some(
            [
                ("id", ScalarAttributeType::S),
                ("user_id", ScalarAttributeType::S),
                ("created_at", ScalarAttributeType::N),
            ]
            .into_iter()
            .map(|(name, kind)| {
                AttributeDefinition::builder()
                    .attribute_name(name)
                    .attribute_type(kind)
                    .build()
                    .expect("attribute")
            })
            .collect(),
        ))
        .key_schema(key("id", KeyType::Hash))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("sessions-by-user")
                .key_schema(key("user_id", KeyType::Hash))
                .key_schema(key("created_at", KeyType::Range))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .expect("index"),
        )
        .send()
        .await
        .expect("a sessions table of before the agent index");

    let (ok, out, err) = admin(&prefix, &["create-tables"]);
    assert!(ok, "{err}");
    assert_eq!(out.matches(": created").count(), 4, "{out}");
    assert!(
        out.contains(&format!(
            "{}: exists; index agent-sessions-by-project added",
            tables.sessions
        )),
        "{out}"
    );
    let described = client
        .describe_table()
        .table_name(&tables.sessions)
        .send()
        .await
        .expect("describe");
    let index = described
        .table()
        .and_then(|t| {
            t.global_secondary_indexes()
                .iter()
                .find(|i| i.index_name() == Some("agent-sessions-by-project"))
        })
        .expect("the index");
    let keys: Vec<(&str, &KeyType)> = index
        .key_schema()
        .iter()
        .map(|k| (k.attribute_name(), k.key_type()))
        .collect();
    assert_eq!(
        (index.index_name(), keys),
        (
            Some("agent-sessions-by-project"),
            vec![
                ("agent_listing", &KeyType::Hash),
                ("created_at", &KeyType::Range)
            ]
        )
    );

    let (ok, out, _) = admin(&prefix, &["create-tables"]);
    assert!(
        ok && out.matches(": exists\n").count() == 5,
        "then nothing more to do: {out}"
    );
    // DynamoDB Local builds few indexes at once and may never finish this
    // one: drop the tables so later runs on the same instance are not held.
    for name in [
        &tables.projects,
        &tables.users,
        &tables.sessions,
        &tables.attempts,
        &tables.identities,
    ] {
        client
            .delete_table()
            .table_name(name)
            .send()
            .await
            .expect("delete table");
    }
}

async fn policy_of(
    store: &DynamoStore,
    id: &str,
) -> cli_auth_core::domain::hosted_page::proximity::ProximityPolicy {
    store
        .get_project(id)
        .await
        .expect("read")
        .expect("project")
        .proximity
}

/// `set-proximity`: the hosted page's policy for a browser far from the
/// CLI, stored on the project (`warn` is the default and no attribute).
#[tokio::test]
async fn the_proximity_policy_is_a_project_setting() {
    use cli_auth_core::domain::hosted_page::proximity::ProximityPolicy;
    let prefix = format!("prx{}-", &cli_auth_core::secret::random_id()[..8]);
    assert!(admin(&prefix, &["create-tables"]).0);
    let (ok, out, err) = admin(&prefix, &["create-project", "--name", "Acme CLI"]);
    assert!(ok, "{err}");
    let id = value(&out, "project id:").to_owned();
    let store = DynamoStore::new(
        cli_auth_core::store::dynamodb::client::from_env(Vec::new()).await,
        TableNames::with_prefix(&prefix),
    );
    assert_eq!(
        policy_of(&store, &id).await,
        ProximityPolicy::Warn,
        "the default"
    );
    for (name, expected) in [
        ("block", ProximityPolicy::Block),
        ("warn", ProximityPolicy::Warn),
    ] {
        let (ok, out, err) = admin(
            &prefix,
            &["set-proximity", "--project", &id, "--policy", name],
        );
        assert!(ok, "{err}");
        assert_eq!(out.trim(), format!("proximity of {id}: {name}"));
        assert_eq!(policy_of(&store, &id).await, expected);
    }
    let (ok, _, err) = admin(
        &prefix,
        &["set-proximity", "--project", "nope", "--policy", "block"],
    );
    assert!(!ok && err.contains("no project nope"), "{err}");
    let (ok, _, err) = admin(
        &prefix,
        &["set-proximity", "--project", &id, "--policy", "deny"],
    );
    assert!(!ok, "an unknown policy is a usage error: {err}");
}

/// `set-agent-auth`: agents may register only on a project that turned it
/// on (off by default, as Hexclave's app must be installed).
#[tokio::test]
async fn agent_auth_is_a_project_setting_off_by_default() {
    let prefix = format!("agt{}-", &cli_auth_core::secret::random_id()[..8]);
    assert!(admin(&prefix, &["create-tables"]).0);
    let (ok, out, err) = admin(&prefix, &["create-project", "--name", "Acme CLI"]);
    assert!(ok, "{err}");
    let id = value(&out, "project id:").to_owned();
    let store = DynamoStore::new(
        cli_auth_core::store::dynamodb::client::from_env(Vec::new()).await,
        TableNames::with_prefix(&prefix),
    );
    async fn enabled(store: &DynamoStore, id: &str) -> bool {
        let project = store.get_project(id).await.expect("read");
        project.expect("project").agent_auth_enabled
    }
    assert!(!enabled(&store, &id).await, "off by default");
    for (flag, on, word) in [("true", true, "on"), ("false", false, "off")] {
        let (ok, out, err) = admin(
            &prefix,
            &["set-agent-auth", "--project", &id, "--enabled", flag],
        );
        assert!(ok, "{err}");
        assert_eq!(out.trim(), format!("agent auth of {id}: {word}"));
        assert_eq!(enabled(&store, &id).await, on);
    }
    let (ok, _, err) = admin(
        &prefix,
        &["set-agent-auth", "--project", "nope", "--enabled", "true"],
    );
    assert!(!ok && err.contains("no project nope"), "{err}");
}
