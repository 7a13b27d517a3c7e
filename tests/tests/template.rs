//! What `template.yaml` deploys agrees with the code: the tables are those
//! `create_tables` makes (for the dev server, `cli-auth-admin create-tables`
//! and the tests; the same keys, TTL and indexes, compared on DynamoDB
//! Local's own description of what `create_tables` made); API Gateway's
//! CORS answers (it answers preflights itself) allow what the core allows;
//! every route is throttled. (IAM: `tests/tests/iam.rs`.)

use std::collections::BTreeSet;

use aws_sdk_dynamodb::types::TimeToLiveStatus;
use cli_auth_tests::dynamo_store;
use cli_auth_tests::template::template;
use serde_yaml_ng::Value;

/// A table's shape, as comparable text: its key, attribute types, TTL
/// attribute and each index with its keys and projection.
#[derive(Debug, PartialEq, Eq)]
struct Shape {
    keys: Vec<String>,
    attributes: BTreeSet<String>,
    ttl: Option<String>,
    indexes: BTreeSet<String>,
}

fn text(v: &Value) -> String {
    v.as_str().map_or_else(|| format!("{v:?}"), str::to_owned)
}

fn yaml_keys(keys: &Value) -> Vec<String> {
    keys.as_sequence()
        .into_iter()
        .flatten()
        .map(|k| format!("{} {}", text(&k["AttributeName"]), text(&k["KeyType"])))
        .collect()
}

fn template_shape(template: &Value, logical_id: &str) -> Shape {
    let table = &template["Resources"][logical_id];
    assert_eq!(
        text(&table["Type"]),
        "AWS::DynamoDB::Table",
        "{logical_id} in template.yaml"
    );
    let p = &table["Properties"];
    assert_eq!(text(&p["BillingMode"]), "PAY_PER_REQUEST", "{logical_id}");
    let ttl = &p["TimeToLiveSpecification"];
    Shape {
        keys: yaml_keys(&p["KeySchema"]),
        attributes: p["AttributeDefinitions"]
            .as_sequence()
            .into_iter()
            .flatten()
            .map(|a| {
                format!(
                    "{} {}",
                    text(&a["AttributeName"]),
                    text(&a["AttributeType"])
                )
            })
            .collect(),
        ttl: (ttl["Enabled"].as_bool() == Some(true)).then(|| text(&ttl["AttributeName"])),
        indexes: p["GlobalSecondaryIndexes"]
            .as_sequence()
            .into_iter()
            .flatten()
            .map(|i| {
                format!(
                    "{} {:?} {}",
                    text(&i["IndexName"]),
                    yaml_keys(&i["KeySchema"]),
                    text(&i["Projection"]["ProjectionType"])
                )
            })
            .collect(),
    }
}

async fn local_shape(client: &aws_sdk_dynamodb::Client, name: &str) -> Shape {
    let described = client
        .describe_table()
        .table_name(name)
        .send()
        .await
        .expect("describe");
    let table = described.table().expect("table");
    let keys = |schema: &[aws_sdk_dynamodb::types::KeySchemaElement]| -> Vec<String> {
        schema
            .iter()
            .map(|k| format!("{} {}", k.attribute_name(), k.key_type().as_str()))
            .collect()
    };
    let ttl = client
        .describe_time_to_live()
        .table_name(name)
        .send()
        .await
        .expect("describe ttl");
    let ttl = ttl.time_to_live_description().and_then(|d| {
        (d.time_to_live_status() == Some(&TimeToLiveStatus::Enabled))
            .then(|| d.attribute_name().unwrap_or_default().to_owned())
    });
    Shape {
        keys: keys(table.key_schema()),
        attributes: table
            .attribute_definitions()
            .iter()
            .map(|a| format!("{} {}", a.attribute_name(), a.attribute_type().as_str()))
            .collect(),
        ttl,
        indexes: table
            .global_secondary_indexes()
            .iter()
            .map(|i| {
                format!(
                    "{} {:?} {}",
                    i.index_name().unwrap_or_default(),
                    keys(i.key_schema()),
                    i.projection()
                        .and_then(|p| p.projection_type())
                        .map_or("", |t| t.as_str())
                )
            })
            .collect(),
    }
}

#[tokio::test]
async fn the_template_deploys_the_tables_create_tables_makes() {
    let template = template();
    let store = dynamo_store(None).await;
    let client = cli_auth_core::store::dynamodb::client::from_env(Vec::new()).await;
    let t = store.tables();
    for (name, logical_id) in [
        (&t.projects, "ProjectsTable"),
        (&t.users, "UsersTable"),
        (&t.sessions, "SessionsTable"),
        (&t.attempts, "AttemptsTable"),
        (&t.identities, "IdentitiesTable"),
    ] {
        let local = local_shape(&client, name).await;
        assert!(local.keys == ["id HASH"], "{name}: {local:?}");
        assert_eq!(template_shape(&template, logical_id), local, "{logical_id}");
    }
}

fn names(list: &Value) -> BTreeSet<String> {
    list.as_sequence()
        .into_iter()
        .flatten()
        .map(|v| text(v).to_ascii_lowercase())
        .collect()
}

fn core_list(text: &str) -> BTreeSet<String> {
    text.split(',')
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect()
}

/// API Gateway answers preflights from the template's CORS configuration,
/// not from the functions: a header missing there fails every browser call
/// that sends it (the newest Stack SDK sends `x-hexclave-random-nonce`, …).
#[test]
fn api_gateway_cors_allows_what_the_core_allows() {
    use cli_auth_core::api::response::{
        CORS_ALLOW_HEADERS, CORS_ALLOW_METHODS, CORS_EXPOSE_HEADERS,
    };
    let cors = &template()["Resources"]["HttpApi"]["Properties"]["CorsConfiguration"];
    assert_eq!(names(&cors["AllowHeaders"]), core_list(CORS_ALLOW_HEADERS));
    assert_eq!(
        names(&cors["ExposeHeaders"]),
        core_list(CORS_EXPOSE_HEADERS)
    );
    assert_eq!(names(&cors["AllowMethods"]), core_list(CORS_ALLOW_METHODS));
}

/// Every route is throttled, by parameters with defaults.
#[test]
fn every_route_is_throttled() {
    let template = template();
    let settings = &template["Resources"]["HttpApi"]["Properties"]["DefaultRouteSettings"];
    for (setting, parameter) in [
        ("ThrottlingRateLimit", "ThrottleRateLimit"),
        ("ThrottlingBurstLimit", "ThrottleBurstLimit"),
    ] {
        let Value::Tagged(reference) = &settings[setting] else {
            panic!("{setting} is !Ref {parameter}: {:?}", settings[setting]);
        };
        assert_eq!(reference.value.as_str(), Some(parameter), "{setting}");
        let default = template["Parameters"][parameter]["Default"].as_u64();
        assert!(default.is_some_and(|d| d > 0), "{parameter} has a default");
    }
}

/// The functions' trust roots are a parameter whose every allowed value the
/// functions accept, defaulting to Amazon Trust Services' roots.
#[test]
fn the_trust_roots_parameter_offers_what_the_functions_accept() {
    use cli_auth_core::aws::TrustRoots;
    let template = template();
    let parameter = &template["Parameters"]["TlsRoots"];
    let allowed = parameter["AllowedValues"]
        .as_sequence()
        .expect("TlsRoots has AllowedValues");
    assert!(!allowed.is_empty());
    for value in allowed {
        let name = value.as_str().expect("a name");
        assert!(TrustRoots::from_name(name).is_some(), "{name} is accepted");
    }
    assert_eq!(
        parameter["Default"]
            .as_str()
            .and_then(TrustRoots::from_name),
        Some(TrustRoots::AmazonTrustServices)
    );
    let Value::Tagged(reference) =
        &template["Globals"]["Function"]["Environment"]["Variables"]["CLI_AUTH_TLS_ROOTS"]
    else {
        panic!("CLI_AUTH_TLS_ROOTS is !Ref TlsRoots");
    };
    assert_eq!(reference.value.as_str(), Some("TlsRoots"));
}

/// The secrets (the server secret; the hosted page's OpenID client secret)
/// are kept when the stack is deleted (as the tables are: without the
/// server secret every sealed value in the kept tables is unreadable), and
/// each one's resource policy lets only the roles of the functions granted
/// to read it do so.
#[test]
fn the_secrets_outlive_the_stack_and_only_their_functions_read_them() {
    use cli_auth_tests::template::{functions, list, resource};
    let template = template();
    let resources = &template["Resources"];
    let policies: Vec<&Value> = resources
        .as_mapping()
        .expect("Resources")
        .values()
        .filter(|r| r["Type"].as_str() == Some("AWS::SecretsManager::ResourcePolicy"))
        .collect();
    let secrets = ["ServerSecret", "OidcClientSecret"];
    assert_eq!(
        policies.len(),
        secrets.len(),
        "one resource policy per secret"
    );
    for name in secrets {
        let secret = &resources[name];
        assert_eq!(secret["DeletionPolicy"].as_str(), Some("Retain"), "{name}");
        assert_eq!(
            secret["UpdateReplacePolicy"].as_str(),
            Some("Retain"),
            "{name}"
        );
        let policy = policies
            .iter()
            .map(|p| &p["Properties"])
            .find(|p| resource(&p["SecretId"]) == name)
            .unwrap_or_else(|| panic!("a resource policy of {name}"));
        assert_eq!(policy["BlockPublicPolicy"].as_bool(), Some(true));
        let statements = list(&policy["ResourcePolicy"]["Statement"]);
        let deny = statements
            .iter()
            .find(|s| s["Effect"].as_str() == Some("Deny"))
            .expect("a Deny statement");
        assert_eq!(deny["Principal"].as_str(), Some("*"));
        assert_eq!(
            list(&deny["Action"])
                .iter()
                .map(|a| a.as_str().unwrap_or_default())
                .collect::<Vec<_>>(),
            ["secretsmanager:GetSecretValue"]
        );
        let allowed: BTreeSet<String> =
            list(&deny["Condition"]["ArnNotEquals"]["aws:PrincipalArn"])
                .into_iter()
                .map(resource)
                .collect();
        // Exactly the roles SAM makes for the functions that read it.
        let readers: BTreeSet<String> = functions(&template)
            .iter()
            .filter(|f| {
                list(&f.resource["Properties"]["Policies"])
                    .iter()
                    .flat_map(|p| list(&p["Statement"]))
                    .any(|s| {
                        list(&s["Action"])
                            .iter()
                            .any(|a| a.as_str() == Some("secretsmanager:GetSecretValue"))
                            && list(&s["Resource"]).iter().any(|r| resource(r) == name)
                    })
            })
            .map(|f| format!("{}Role", f.id))
            .collect();
        assert!(!readers.is_empty(), "{name}");
        assert_eq!(allowed, readers, "{name}");
    }
}

/// API Gateway writes an access log: JSON, one line per request, with what
/// an investigation needs (request id, route, status, latency, source IP)
/// and nothing that could carry a secret (no query string, path, header or
/// body: codes travel in bodies, tokens in headers), kept as long as the
/// functions' logs.
#[test]
fn api_gateway_writes_an_access_log_without_secrets() {
    let template = template();
    let resources = &template["Resources"];
    let settings = &resources["HttpApi"]["Properties"]["AccessLogSettings"];
    let Value::Tagged(destination) = &settings["DestinationArn"] else {
        panic!("DestinationArn is !GetAtt <log group>.Arn: {settings:?}");
    };
    let group = destination
        .value
        .as_str()
        .expect("text")
        .trim_end_matches(".Arn");
    let log_group = &resources[group];
    assert_eq!(log_group["Type"].as_str(), Some("AWS::Logs::LogGroup"));
    assert!(
        matches!(&log_group["Properties"]["RetentionInDays"], Value::Tagged(t) if t.value.as_str() == Some("LogRetentionDays")),
        "retention: {log_group:?}"
    );
    let format: serde_json::Value =
        serde_json::from_str(settings["Format"].as_str().expect("Format text")).expect("JSON");
    let fields = format.as_object().expect("an object");
    for wanted in [
        "$context.requestId",
        "$context.routeKey",
        "$context.status",
        "$context.responseLatency",
        "$context.identity.sourceIp",
    ] {
        assert!(
            fields.values().any(|v| v.as_str() == Some(wanted)),
            "{wanted} is logged: {format}"
        );
    }
    for value in fields.values() {
        let v = value.as_str().expect("string values");
        assert!(v.starts_with("$context."), "{v}");
        for secret_bearing in ["path", "querystring", "header", "body", "authorizer"] {
            assert!(
                !v.to_lowercase().contains(secret_bearing),
                "{v} could carry a code or token"
            );
        }
    }
}
