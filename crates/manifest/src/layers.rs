//! serverless.yml `layers:` (the service's own layers, published by `squall deploy`) and
//! the `layers` of functions and of the provider: a service layer by
//! `{Ref: <Name>LambdaLayer}`, or any layer version by its ARN.

use crate::package::PackageSpec;
use crate::parse::{Cx, Path};
use serde_norway::Value;
use std::collections::BTreeMap;

/// A layer the service defines: `squall deploy` zips it and publishes a version of it when
/// its zip or settings changed since the newest version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerSpec {
    /// Its key under `layers:`.
    pub key: String,
    /// The layer's name: `name:`, else the key (as the framework names it).
    pub name: String,
    /// `<Key>LambdaLayer`, what functions `Ref`.
    pub logical_id: String,
    /// `path`: the directory zipped (relative to the service), unless `package.artifact`.
    pub path: Option<String>,
    /// `package`: `patterns` applied within `path`, or a prebuilt `artifact`.
    pub package: PackageSpec,
    /// `description`.
    pub description: String,
    /// `compatibleRuntimes`.
    pub compatible_runtimes: Vec<String>,
    /// `compatibleArchitectures`.
    pub compatible_architectures: Vec<String>,
    /// `licenseInfo`.
    pub license_info: Option<String>,
    /// `allowedAccounts`: accounts (or `*`) each version lets use it.
    pub allowed_accounts: Vec<String>,
    /// `retain`: older versions are kept when a deploy publishes a new one (else deleted,
    /// as CloudFormation replaces the framework's layer version).
    pub retain: bool,
}

impl LayerSpec {
    /// The stack output the framework makes of its version's ARN.
    pub fn output_name(&self) -> String {
        format!("{}QualifiedArn", self.logical_id)
    }
}

/// A layer a function uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayerRef {
    /// A version by its ARN (published some other way).
    Arn(String),
    /// The version `squall deploy` publishes (or keeps) of the service's layer with this key.
    Service(String),
}

/// The logical id of the service's layer with key `key`.
pub(crate) fn layer_logical_id(key: &str) -> String {
    format!("{}LambdaLayer", crate::resources::function_logical_name(key))
}

/// The logical ids of the layers `layers:` defines, to their keys (read before the
/// provider and the functions, which `Ref` them).
pub(crate) fn layer_ids(v: Option<&Value>) -> BTreeMap<String, String> {
    let Some(Value::Mapping(m)) = v else { return BTreeMap::new() };
    m.keys().filter_map(Value::as_str).map(|k| (layer_logical_id(k), k.to_string())).collect()
}

impl Cx<'_> {
    /// `layers:` at the top of the file.
    pub(crate) fn layers(&mut self, v: &Value) -> Vec<LayerSpec> {
        let mut out = Vec::new();
        for (key, val) in self.entries(&["layers"], v) {
            let mut l = LayerSpec {
                key: key.to_string(),
                name: key.to_string(),
                logical_id: layer_logical_id(key),
                path: None,
                package: PackageSpec::default(),
                description: String::new(),
                compatible_runtimes: Vec::new(),
                compatible_architectures: Vec::new(),
                license_info: None,
                allowed_accounts: Vec::new(),
                retain: false,
            };
            for (k, setting) in self.entries(&["layers", key], val) {
                let path: &Path = &["layers", key, k];
                match k {
                    "path" => l.path = self.string(path, setting),
                    "name" => l.name = self.string(path, setting).unwrap_or(l.name),
                    "description" => l.description = self.string(path, setting).unwrap_or_default(),
                    "compatibleRuntimes" => l.compatible_runtimes = self.strings(path, setting),
                    "compatibleArchitectures" => l.compatible_architectures = self.strings(path, setting),
                    "licenseInfo" => l.license_info = self.string(path, setting),
                    "allowedAccounts" => {
                        // Accounts are often written as numbers.
                        let accounts = match setting {
                            Value::Sequence(items) => items
                                .iter()
                                .map(|a| match a {
                                    Value::Number(n) => Some(n.to_string()),
                                    other => other.as_str().map(str::to_string),
                                })
                                .collect::<Option<Vec<_>>>(),
                            _ => None,
                        };
                        match accounts {
                            Some(a) => l.allowed_accounts = a,
                            None => self.error(path, "must be a list of account ids (or '*')"),
                        }
                    }
                    "retain" => l.retain = self.flag(path, setting).unwrap_or(false),
                    "package" => {
                        l.package = self.package(path, setting);
                        if l.package.individually {
                            self.error(&[path, &["individually"]].concat(), "means nothing for a layer; remove it");
                        }
                    }
                    other => self.error(path, format!("layer setting {other} is not supported")),
                }
            }
            if let Some(problem) = squall_types::layer_name_problem(&l.name) {
                self.error(&["layers", key], problem);
            }
            if l.path.is_none() && l.package.artifact.is_none() {
                self.error(&["layers", key], "a layer needs path (a directory to zip) or package.artifact (a zip)");
            }
            out.push(l);
        }
        out
    }

    /// A `layers` list of the provider or a function: ARNs, or `Ref`s of the service's layers.
    pub(crate) fn layer_refs(&mut self, path: &Path, v: &Value) -> Vec<LayerRef> {
        let Value::Sequence(items) = v else {
            self.error(path, "must be a list of layer version ARNs or {Ref: <Name>LambdaLayer}");
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let index = i.to_string();
            let at: &Path = &[path, &[index.as_str()]].concat();
            match item {
                Value::String(arn) => match squall_types::LayerVersionArn::parse(arn) {
                    Some(_) => out.push(LayerRef::Arn(arn.clone())),
                    None => self.error(at, format!("{arn:?} is not a layer version's ARN (arn:aws:lambda:<region>:<account>:layer:<name>:<version>)")),
                },
                Value::Mapping(m) => match m.get("Ref").and_then(Value::as_str) {
                    Some(id) if m.len() == 1 => match self.layer_ids.get(id) {
                        Some(key) => out.push(LayerRef::Service(key.clone())),
                        None => {
                            let known: Vec<&str> = self.layer_ids.keys().map(String::as_str).collect();
                            self.error(
                                at,
                                format!("Ref {id} names no layer of this service (its layers: {})", if known.is_empty() { "none".to_string() } else { known.join(", ") }),
                            );
                        }
                    },
                    _ => self.error(at, "must be a layer version ARN or {Ref: <Name>LambdaLayer}"),
                },
                _ => self.error(at, "must be a layer version ARN or {Ref: <Name>LambdaLayer}"),
            }
        }
        out
    }
}
