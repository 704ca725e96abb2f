//! `AWS::ApiGateway::GatewayResponse` resources: the headers (most often CORS headers),
//! status and body of the errors a REST API gives itself.

use crate::parse::Cx;
use serde_norway::Value;
use squall_types::{GatewayHeader, GatewayResponse};

/// The response types Squall's REST API gives.
const TYPES: &[&str] = &[
    "DEFAULT_4XX",
    "DEFAULT_5XX",
    "MISSING_AUTHENTICATION_TOKEN",
    "INVALID_API_KEY",
    "BAD_REQUEST_PARAMETERS",
    "INTEGRATION_TIMEOUT",
    "INTEGRATION_FAILURE",
    "THROTTLED",
];

/// The `$context` variables a template may hold.
const TEMPLATE_VARIABLES: &[&str] =
    &["$context.error.messageString", "$context.error.message", "$context.error.responseType", "$context.requestId"];

impl Cx<'_> {
    pub(crate) fn gateway_response(&mut self, id: &str, v: &Value) -> Option<GatewayResponse> {
        let base = ["resources", "Resources", id];
        let props = v.get("Properties");
        for (key, _) in self.entries(&base, v) {
            if !["Type", "Properties"].contains(&key) {
                self.error(&[base[0], base[1], base[2], key], "is not supported yet");
            }
        }
        let path = [base[0], base[1], base[2], "Properties"];
        let Some(props) = props else {
            self.error(&base, "needs Properties");
            return None;
        };
        let errors_before = self.errors.len();
        let mut r = GatewayResponse { response_type: String::new(), status: None, headers: vec![], template: None };
        for (key, val) in self.entries(&path, props) {
            let p = [path[0], path[1], path[2], path[3], key];
            match key {
                "ResponseType" => match self.string(&p, val) {
                    Some(t) if TYPES.contains(&t.as_str()) => r.response_type = t,
                    Some(t) => self.error(
                        &p,
                        format!("{t} responses are not given by squall's REST APIs (known: {})", TYPES.join(", ")),
                    ),
                    None => {}
                },
                "StatusCode" => match self.scalar(&p, val).and_then(|s| s.parse::<u16>().ok()) {
                    Some(code) if (100..600).contains(&code) => r.status = Some(code),
                    _ => self.error(&p, "must be an HTTP status code"),
                },
                "RestApiId" => {
                    let refs = std::mem::take(&mut self.refs);
                    let resolved = self.reference(&p, val, &refs);
                    self.refs = refs;
                    if !matches!(resolved, Some(Some(ref api)) if api == &self.stack) {
                        self.error(&p, "must be the service's own REST API: !Ref ApiGatewayRestApi");
                    }
                }
                "ResponseParameters" => {
                    for (name, value) in self.entries(&p, val) {
                        let hp = [p.as_slice(), &[name]].concat();
                        let Some(header) = name.strip_prefix("gatewayresponse.header.") else {
                            self.error(&hp, "only gatewayresponse.header.<name> parameters are supported");
                            continue;
                        };
                        let Some(value) = self.string(&hp, value) else { continue };
                        let h = if let Some(quoted) = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
                            GatewayHeader { name: header.to_string(), value: quoted.to_string(), from_request: false }
                        } else if let Some(from) = value.strip_prefix("method.request.header.") {
                            GatewayHeader { name: header.to_string(), value: from.to_string(), from_request: true }
                        } else {
                            self.error(&hp, "must be a quoted value ('*') or method.request.header.<name>");
                            continue;
                        };
                        r.headers.push(h);
                    }
                }
                "ResponseTemplates" => {
                    for (content_type, template) in self.entries(&p, val) {
                        let tp = [p.as_slice(), &[content_type]].concat();
                        let Some(template) = self.string(&tp, template) else { continue };
                        if content_type != "application/json" {
                            self.error(&tp, "only the application/json template is supported");
                            continue;
                        }
                        let mut rest = template.replace("$$", "");
                        for var in TEMPLATE_VARIABLES {
                            rest = rest.replace(var, "");
                        }
                        if rest.contains('$') {
                            self.error(
                                &tp,
                                format!(
                                    "only {} are supported in templates (no other VTL)",
                                    TEMPLATE_VARIABLES.join(", ")
                                ),
                            );
                            continue;
                        }
                        r.template = Some(template);
                    }
                }
                other => self.error(&p, format!("{other} is not supported yet")),
            }
        }
        if r.response_type.is_empty() && self.errors.len() == errors_before {
            self.error(&path, "needs a ResponseType");
        }
        (self.errors.len() == errors_before).then_some(r)
    }
}
