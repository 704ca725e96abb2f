//! The parts of botocore's service models that shape requests and answers, trimmed to the
//! operations Squall serves by `scripts/sdk_models.py` and read once, when first needed.

use crate::scalars::TimeFormat;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// A service's wire protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub(crate) enum Protocol {
    #[serde(rename = "query")]
    Query,
    #[serde(rename = "rest-xml")]
    RestXml,
    #[serde(rename = "rest-json")]
    RestJson,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Model {
    pub(crate) protocol: Protocol,
    pub(crate) api_version: String,
    pub(crate) operations: BTreeMap<String, Operation>,
    pub(crate) shapes: BTreeMap<String, Shape>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Operation {
    pub(crate) method: String,
    /// The path template (`/{Bucket}/{Key+}?tagging`).
    pub(crate) uri: String,
    pub(crate) input: Option<InputRef>,
    pub(crate) output: Option<String>,
    /// The query protocol's element around the output (`<Op>Result`).
    pub(crate) wrapper: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InputRef {
    pub(crate) shape: String,
    /// The root element of a rest-xml body made of the input's members.
    pub(crate) location_name: Option<String>,
    pub(crate) xml_namespace: Option<XmlNamespace>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct XmlNamespace {
    pub(crate) uri: String,
    pub(crate) prefix: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Shape {
    #[serde(rename = "type")]
    pub(crate) kind: Kind,
    #[serde(default)]
    pub(crate) members: BTreeMap<String, Ref>,
    pub(crate) member: Option<Ref>,
    pub(crate) key: Option<Ref>,
    pub(crate) value: Option<Ref>,
    /// The member that is the whole body.
    pub(crate) payload: Option<String>,
    #[serde(default)]
    pub(crate) flattened: bool,
    pub(crate) location_name: Option<String>,
    pub(crate) xml_namespace: Option<XmlNamespace>,
    pub(crate) timestamp_format: Option<String>,
    #[serde(default)]
    pub(crate) eventstream: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Kind {
    Structure,
    List,
    Map,
    String,
    Integer,
    Long,
    Float,
    Double,
    Boolean,
    Timestamp,
    Blob,
}

/// A member: its shape and where it travels.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Ref {
    pub(crate) shape: String,
    /// `uri`, `querystring`, `header`, `headers` or `statusCode`; the body otherwise.
    pub(crate) location: Option<String>,
    pub(crate) location_name: Option<String>,
    #[serde(default)]
    pub(crate) flattened: bool,
    pub(crate) xml_namespace: Option<XmlNamespace>,
    #[serde(default)]
    pub(crate) xml_attribute: bool,
    pub(crate) timestamp_format: Option<String>,
    #[serde(default)]
    pub(crate) idempotency_token: bool,
}

impl Model {
    pub(crate) fn shape(&self, name: &str) -> &Shape {
        // The generator keeps every shape an operation reaches.
        &self.shapes[name]
    }

    /// How member `r`'s timestamps are written: as the model declares, else `default`.
    pub(crate) fn time_format(&self, r: &Ref, default: TimeFormat) -> TimeFormat {
        let declared = r.timestamp_format.as_deref().or(self.shape(&r.shape).timestamp_format.as_deref());
        TimeFormat::declared(declared, default)
    }

    /// The output's payload member's shape, if the output has one.
    pub(crate) fn output_payload(&self, operation: &str) -> Option<&Shape> {
        let output = self.shape(self.operations.get(operation)?.output.as_deref()?);
        Some(self.shape(&output.members.get(output.payload.as_deref()?)?.shape))
    }

    /// Whether `operation` answers an event stream.
    pub(crate) fn streams_events(&self, operation: &str) -> bool {
        self.output_payload(operation).is_some_and(|p| p.eventstream)
    }
}

impl Ref {
    /// The member's name on the wire.
    pub(crate) fn wire_name<'a>(&'a self, member: &'a str) -> &'a str {
        self.location_name.as_deref().unwrap_or(member)
    }

    /// Whether a list or map member is written without a wrapping element.
    pub(crate) fn is_flattened(&self, shape: &Shape) -> bool {
        self.flattened || shape.flattened
    }
}

/// Squall's services with a model here: the SDK integration's name, botocore's, and the
/// model's text.
const MODELS: &[(&str, &str)] = &[
    ("s3", include_str!("../models/s3.json")),
    ("iam", include_str!("../models/iam.json")),
    ("sts", include_str!("../models/sts.json")),
    ("sns", include_str!("../models/sns.json")),
    ("scheduler", include_str!("../models/scheduler.json")),
    ("lambda", include_str!("../models/lambda.json")),
];

/// The model of `service`, if Squall has it.
pub(crate) fn model(service: &str) -> Option<&'static Model> {
    static LOADED: OnceLock<Vec<(&'static str, Model)>> = OnceLock::new();
    let loaded = LOADED.get_or_init(|| {
        MODELS
            .iter()
            .map(|(name, text)| {
                (*name, serde_json::from_str(text).expect("a model generated by scripts/sdk_models.py"))
            })
            .collect()
    });
    loaded.iter().find(|(name, _)| *name == service).map(|(_, m)| m)
}

/// The services with a model.
pub(crate) fn services() -> impl Iterator<Item = &'static str> {
    MODELS.iter().map(|(name, _)| *name)
}
