//! `template.yaml` and the workspace manifests, parsed (YAML with
//! CloudFormation's tags; TOML): what the checklist, IAM and template suites
//! read, so none of them matches text by indentation.

use std::path::{Path, PathBuf};

use serde_yaml_ng::Value;

/// The repository's root folder.
pub fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A file of the repository, read whole.
pub fn read(path: &str) -> String {
    std::fs::read_to_string(repository_root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `template.yaml`, parsed; CloudFormation's short forms (`!Ref`, `!Sub`,
/// `!GetAtt`) are [`Value::Tagged`].
pub fn template() -> Value {
    serde_yaml_ng::from_str(&read("template.yaml")).expect("template.yaml is YAML")
}

/// A TOML file of the repository, parsed.
pub fn manifest(path: &str) -> toml::Table {
    read(path)
        .parse()
        .unwrap_or_else(|e| panic!("{path} is TOML: {e}"))
}

/// A value that may be one item or a list of them, as a list.
pub fn list(v: &Value) -> Vec<&Value> {
    match v {
        Value::Sequence(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        single => vec![single],
    }
}

/// A policy resource as the IAM recorder names it: `!GetAtt SessionsTable.Arn`
/// is `SessionsTable`, `!Sub "${SessionsTable.Arn}/index/x"` is
/// `SessionsTable/index/x`.
pub fn resource(v: &Value) -> String {
    match v {
        Value::Tagged(t) => {
            let text = t.value.as_str().unwrap_or_default();
            match t.tag.to_string().trim_start_matches('!') {
                "GetAtt" => text.trim_end_matches(".Arn").to_owned(),
                "Ref" => text.to_owned(),
                "Sub" => text.replace("${", "").replace(".Arn}", ""),
                other => format!("!{other} {text}"),
            }
        }
        other => format!("{other:?}"),
    }
}

/// A template function: its logical id, the binary it is built from, its
/// HTTP API routes (method, path), and its whole resource.
pub struct TemplateFunction<'t> {
    pub id: String,
    pub binary: Option<String>,
    pub routes: Vec<(String, String)>,
    pub resource: &'t Value,
}

/// Every `AWS::Serverless::Function` of the template, in its order.
pub fn functions(template: &Value) -> Vec<TemplateFunction<'_>> {
    template["Resources"]
        .as_mapping()
        .into_iter()
        .flatten()
        .filter(|(_, r)| r["Type"].as_str() == Some("AWS::Serverless::Function"))
        .map(|(id, r)| TemplateFunction {
            id: id.as_str().unwrap_or_default().to_owned(),
            binary: r["Metadata"]["BuildProperties"]["Binary"]
                .as_str()
                .map(str::to_owned),
            routes: r["Properties"]["Events"]
                .as_mapping()
                .into_iter()
                .flatten()
                .filter(|(_, e)| e["Type"].as_str() == Some("HttpApi"))
                .filter_map(|(_, e)| {
                    let p = &e["Properties"];
                    Some((
                        p["Method"].as_str()?.to_owned(),
                        p["Path"].as_str()?.to_owned(),
                    ))
                })
                .collect(),
            resource: r,
        })
        .collect()
}

/// The logical ids of the template's log groups, by the function each is
/// named after (`LogGroupName: !Sub "/aws/lambda/${Function}"`).
pub fn log_groups_of_functions(template: &Value) -> Vec<String> {
    template["Resources"]
        .as_mapping()
        .into_iter()
        .flatten()
        .filter(|(_, r)| r["Type"].as_str() == Some("AWS::Logs::LogGroup"))
        .filter_map(|(_, r)| match &r["Properties"]["LogGroupName"] {
            Value::Tagged(t) if t.tag == "Sub" => t
                .value
                .as_str()?
                .strip_prefix("/aws/lambda/${")?
                .strip_suffix('}')
                .map(str::to_owned),
            _ => None,
        })
        .collect()
}
