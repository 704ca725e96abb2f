//! Resource policies a service declares: `AWS::S3::BucketPolicy` and
//! `AWS::Lambda::Permission`. Checked and recorded with the deployment; `squall deploy`
//! sets bucket policies, and a function's permissions become statements of its policy
//! (as `aws lambda add-permission` adds them), both enforced.

use crate::parse::Cx;
use serde_json::json;
use serde_norway::Value;
use squall_types::ResourcePolicy;

impl Cx<'_> {
    /// An `AWS::S3::BucketPolicy`: `Bucket` and `PolicyDocument`.
    pub(crate) fn bucket_policy(&mut self, id: &str, v: &Value) -> Option<ResourcePolicy> {
        let (base, props) = self.policy_resource(id, v)?;
        let errors_before = self.errors.len();
        let refs = std::mem::take(&mut self.refs);
        let (mut bucket, mut document) = (None, None);
        for (key, val) in self.entries(&base, props) {
            let p = [base[0], base[1], base[2], base[3], key];
            match key {
                "Bucket" => bucket = self.text(&p, val, &refs).ok().flatten(),
                "PolicyDocument" => document = self.policy_document(&p, val, &refs),
                other => self.error(&p, format!("{other} is not supported yet")),
            }
        }
        self.refs = refs;
        let (Some(bucket), Some(document)) = (bucket, document) else {
            if self.errors.len() == errors_before {
                self.error(&base, "needs Bucket and PolicyDocument");
            }
            return None;
        };
        (self.errors.len() == errors_before).then(|| ResourcePolicy {
            logical_id: id.to_string(),
            resource: format!("arn:aws:s3:::{bucket}"),
            document,
        })
    }

    /// An `AWS::Lambda::Permission`: one statement of a function's resource policy.
    pub(crate) fn lambda_permission(&mut self, id: &str, v: &Value) -> Option<ResourcePolicy> {
        let (base, props) = self.policy_resource(id, v)?;
        let errors_before = self.errors.len();
        let refs = std::mem::take(&mut self.refs);
        let mut statement = serde_json::Map::new();
        let mut function = None;
        for (key, val) in self.entries(&base, props) {
            let p = [base[0], base[1], base[2], base[3], key];
            let text = |cx: &mut Self| cx.text(&p, val, &refs).ok().flatten();
            match key {
                "Action" => match text(self) {
                    Some(a) if a.starts_with("lambda:") => {
                        statement.insert("Action".into(), json!(a));
                    }
                    Some(a) => self.error(&p, format!("{a} is not a Lambda action")),
                    None => {}
                },
                "FunctionName" => function = text(self),
                "Principal" => {
                    if let Some(principal) = text(self) {
                        // A service (`s3.amazonaws.com`), an account or an ARN, as Lambda takes it.
                        let kind = if principal.ends_with(".amazonaws.com") { "Service" } else { "AWS" };
                        statement.insert("Principal".into(), json!({ kind: principal }));
                    }
                }
                "SourceArn" | "SourceAccount" | "PrincipalOrgID" | "EventSourceToken" | "FunctionUrlAuthType" => {
                    if let Some(value) = text(self) {
                        let condition = match key {
                            "SourceArn" => ("ArnLike", "AWS:SourceArn"),
                            "SourceAccount" => ("StringEquals", "AWS:SourceAccount"),
                            "PrincipalOrgID" => ("StringEquals", "aws:PrincipalOrgID"),
                            "FunctionUrlAuthType" => ("StringEquals", "lambda:FunctionUrlAuthType"),
                            _ => ("StringEquals", "lambda:EventSourceToken"),
                        };
                        let c = statement.entry("Condition").or_insert_with(|| json!({}));
                        c[condition.0][condition.1] = json!(value);
                    }
                }
                other => self.error(&p, format!("{other} is not supported yet")),
            }
        }
        self.refs = refs;
        for required in ["Action", "Principal"] {
            if !statement.contains_key(required) {
                self.error(&base, format!("needs {required}"));
            }
        }
        let Some(function) = function else {
            self.error(&base, "needs FunctionName");
            return None;
        };
        let arn =
            if function.starts_with("arn:") { function } else { squall_types::function_arn(&self.region, &function) };
        statement.insert("Effect".into(), json!("Allow"));
        statement.insert("Resource".into(), json!(arn));
        statement.insert("Sid".into(), json!(id));
        let document = json!({ "Version": "2012-10-17", "Statement": [statement] }).to_string();
        (self.errors.len() == errors_before).then(|| ResourcePolicy {
            logical_id: id.to_string(),
            resource: arn,
            document,
        })
    }

    /// The resource's Properties path and value, after checking its other keys.
    fn policy_resource<'a, 'v>(&mut self, id: &'a str, v: &'v Value) -> Option<([&'a str; 4], &'v Value)> {
        for (key, _) in self.entries(&["resources", "Resources", id], v) {
            if !["Type", "Properties"].contains(&key) {
                self.error(&["resources", "Resources", id, key], "is not supported yet");
            }
        }
        let Some(props) = v.get("Properties") else {
            self.error(&["resources", "Resources", id], "needs Properties");
            return None;
        };
        Some((["resources", "Resources", id, "Properties"], props))
    }

    /// A policy document: `Version` and `Statement` (statements with principals).
    fn policy_document(
        &mut self,
        path: &crate::parse::Path,
        v: &Value,
        refs: &crate::resources::Refs,
    ) -> Option<String> {
        let mut statements = None;
        for (key, val) in self.entries(path, v) {
            let p = [path, &[key]].concat();
            match key {
                "Version" => {
                    if !matches!(val.as_str(), Some("2012-10-17" | "2008-10-17")) {
                        self.error(&p, "must be 2012-10-17");
                    }
                }
                "Id" => {}
                "Statement" => statements = Some(self.statements_of(&p, val, refs, squall_iam::PolicyKind::Resource)),
                other => self.error(&p, format!("{other} is not a key of a policy document")),
            }
        }
        let Some(statements) = statements else {
            self.error(path, "needs Statement");
            return None;
        };
        Some(json!({ "Version": "2012-10-17", "Statement": statements }).to_string())
    }
}

#[cfg(test)]
mod tests;

/// The permissions the framework adds for functions' `s3` and `sns` events (a function's
/// policy letting S3 or SNS invoke it for that bucket or topic), named as it names them
/// (`<Function>LambdaPermission<Source>S3`, `…SNS`).
pub(crate) fn implicit_permissions(
    notifications: &[crate::BucketNotification],
    subscriptions: &[crate::SubscriptionResource],
    rules: &[crate::RuleResource],
) -> Vec<ResourcePolicy> {
    let from_s3 = notifications.iter().map(|n| {
        let id = format!("{}LambdaPermission{}S3", logical(&n.function_key), logical(&n.bucket));
        (id, n.function_arn.clone(), "s3.amazonaws.com", format!("arn:aws:s3:::{}", n.bucket))
    });
    let from_sns = subscriptions.iter().filter(|s| s.protocol == "lambda").filter_map(|s| {
        // Only function events: an AWS::SNS::Subscription needs its own permission.
        let key = s.origin.strip_prefix("functions.")?.split('.').next()?;
        let topic = s.topic_arn.rsplit(':').next().unwrap_or_default();
        let id = format!("{}LambdaPermission{}SNS", logical(key), logical(topic));
        Some((id, s.endpoint.clone(), "sns.amazonaws.com", s.topic_arn.clone()))
    });
    // Only functions' events: an AWS::Events::Rule needs its own AWS::Lambda::Permission.
    let from_rules = rules.iter().filter(|r| !r.owned).filter_map(|r| {
        let id = format!("{}LambdaPermission", r.logical_id);
        let function = &r.targets.first()?.arn;
        Some((id, function.clone(), "events.amazonaws.com", r.arn(region_of(function))))
    });
    let mut out: Vec<ResourcePolicy> = Vec::new();
    for (id, function, service, source) in from_s3.chain(from_sns).chain(from_rules) {
        if out.iter().any(|p| p.logical_id == id) {
            continue;
        }
        let statement = json!({
            "Sid": id,
            "Effect": "Allow",
            "Principal": { "Service": service },
            "Action": "lambda:InvokeFunction",
            "Resource": function,
            "Condition": {
                "ArnLike": { "AWS:SourceArn": source },
                "StringEquals": { "AWS:SourceAccount": squall_types::ACCOUNT_ID },
            },
        });
        let document = json!({ "Version": "2012-10-17", "Statement": [statement] }).to_string();
        out.push(ResourcePolicy { logical_id: id, resource: function, document });
    }
    out
}

/// The region of a function's ARN.
fn region_of(arn: &str) -> &str {
    arn.split(':').nth(3).unwrap_or_default()
}

/// A name as the framework makes logical ids of it: letters and digits, the first upper.
pub(crate) fn logical(name: &str) -> String {
    let mut out: String = name.chars().filter(char::is_ascii_alphanumeric).collect();
    if let Some(first) = out.get(..1) {
        out.replace_range(..1, &first.to_ascii_uppercase());
    }
    out
}
