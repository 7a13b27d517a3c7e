//! What each endpoint does to DynamoDB, as IAM sees it: an SDK interceptor
//! records, for every request made while a test runs an endpoint, the IAM
//! actions it needs and on which table or index (a `TransactWriteItems`
//! needs one action per item: `ConditionCheckItem`, `PutItem`, …). The IAM
//! test (`tests/tests/iam.rs`) compares them with what `template.yaml`
//! grants each function.
//!
//! Which endpoint a request serves is the task-local [`FUNCTION`], set by
//! [`crate::Req::send`] around the app's handling. With the environment
//! variable `CLI_AUTH_IAM_RECORDS` set to a folder (scripts/test.sh does),
//! every test process also appends what it saw there, so the IAM test can
//! check what the whole suite did.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::sync::{Arc, Mutex, OnceLock};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::{Intercept, SharedInterceptor};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use serde_json::Value;

tokio::task_local! {
    /// The Lambda function whose endpoint the current task is running.
    pub static FUNCTION: &'static str;
}

/// One IAM permission: an action (`dynamodb:GetItem`) on a resource, named
/// as the template names it (`SessionsTable`, or
/// `SessionsTable/index/sessions-by-user`).
pub type Permission = (String, String);

/// What each function was seen to need.
pub type Needs = BTreeMap<String, BTreeSet<Permission>>;

/// The template's logical id of a table, from its name in any prefix.
fn logical_table(name: &str) -> String {
    let kinds = [
        ("cli-attempts", "AttemptsTable"),
        ("projects", "ProjectsTable"),
        ("users", "UsersTable"),
        ("sessions", "SessionsTable"),
        ("identities", "IdentitiesTable"),
    ];
    kinds
        .iter()
        .find(|(suffix, _)| name.ends_with(suffix))
        .map_or_else(
            || format!("unknown table {name}"),
            |(_, id)| (*id).to_owned(),
        )
}

/// What ends the key prefix of the guess counters (items of the attempts
/// table): `user-code-failures/…` (the user-code look-up), and
/// `claim-code-failures/…` (agent auth's claim codes).
const COUNTER_KEYS: &str = "-failures/";

/// The IAM permissions a DynamoDB request needs, from its operation
/// (`x-amz-target: DynamoDB_20120810.<Operation>`) and its JSON body.
pub fn permissions(operation: &str, body: &Value) -> Vec<Permission> {
    let on = |action: &str, item: &Value| {
        let table = logical_table(item["TableName"].as_str().unwrap_or_default());
        let key = item["Key"]["id"]["S"].as_str().unwrap_or_default();
        let resource = match item["IndexName"].as_str() {
            Some(index) => format!("{table}/index/{index}"),
            // The guess counters: the template narrows what may touch them
            // with a `dynamodb:LeadingKeys` condition.
            None => match key.find(COUNTER_KEYS) {
                Some(at) if !key[..at].contains('/') => {
                    format!("{table}[{}*]", &key[..at + COUNTER_KEYS.len()])
                }
                _ => table,
            },
        };
        (format!("dynamodb:{action}"), resource)
    };
    match operation {
        "TransactWriteItems" | "TransactGetItems" => body["TransactItems"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|item| {
                let (kind, inner) = item.as_object()?.iter().next()?;
                let action = match kind.as_str() {
                    "ConditionCheck" => "ConditionCheckItem",
                    "Put" => "PutItem",
                    "Update" => "UpdateItem",
                    "Delete" => "DeleteItem",
                    "Get" => "GetItem",
                    other => other,
                };
                Some(on(action, inner))
            })
            .collect(),
        "BatchGetItem" | "BatchWriteItem" => body["RequestItems"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(table, _)| on(operation, &serde_json::json!({ "TableName": table })))
            .collect(),
        _ => vec![on(operation, body)],
    }
}

/// The interceptor: records what each function's requests need (clones
/// share one record).
#[derive(Debug, Default, Clone)]
pub struct Recorder {
    seen: Arc<Mutex<Needs>>,
}

impl Recorder {
    pub fn needs(&self) -> Needs {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn record(&self, function: &str, permission: Permission) {
        let new = self
            .seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(function.to_owned())
            .or_default()
            .insert(permission.clone());
        if new && let Some(dir) = std::env::var_os("CLI_AUTH_IAM_RECORDS") {
            let line = serde_json::json!([function, permission.0, permission.1]);
            let path = std::path::Path::new(&dir).join(format!("{}.jsonl", std::process::id()));
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path);
            if let Ok(mut file) = file {
                let _ = writeln!(file, "{line}");
            }
        }
    }
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "IamRecorder"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Ok(function) = FUNCTION.try_with(|f| *f) else {
            return Ok(()); // seeding, not an endpoint
        };
        let request = context.request();
        let operation = request
            .headers()
            .get("x-amz-target")
            .and_then(|t| t.split_once('.'))
            .map_or("", |(_, op)| op)
            .to_owned();
        let body: Value = request
            .body()
            .bytes()
            .and_then(|b| serde_json::from_slice(b).ok())
            .unwrap_or(Value::Null);
        for permission in permissions(&operation, &body) {
            self.record(function, permission);
        }
        Ok(())
    }
}

/// This process's recorder, shared by every DynamoDB store the tests make.
pub fn recorder() -> Recorder {
    static RECORDER: OnceLock<Recorder> = OnceLock::new();
    RECORDER.get_or_init(Recorder::default).clone()
}

/// The recorder as an interceptor for a client.
pub fn interceptor() -> SharedInterceptor {
    SharedInterceptor::new(recorder())
}

/// Every record the suite's processes left in `CLI_AUTH_IAM_RECORDS`.
pub fn recorded_by_the_suite() -> Needs {
    let mut needs = Needs::new();
    let Some(dir) = std::env::var_os("CLI_AUTH_IAM_RECORDS") else {
        return needs;
    };
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        for line in text.lines() {
            if let Ok(Value::Array(parts)) = serde_json::from_str::<Value>(line)
                && let [Value::String(f), Value::String(a), Value::String(r)] = parts.as_slice()
            {
                needs
                    .entry(f.clone())
                    .or_default()
                    .insert((a.clone(), r.clone()));
            }
        }
    }
    needs
}
