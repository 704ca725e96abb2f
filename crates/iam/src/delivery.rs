//! Deliveries one service makes to another's resource on a user's behalf (a topic's
//! message to a queue or a function, a bucket's event to a queue, a topic or a function):
//! the target's own policy decides whether the service (`sns.amazonaws.com`,
//! `s3.amazonaws.com`) may, with `aws:SourceArn` naming the topic or bucket, as on AWS.
//!
//! Within Squall's one account a target without a policy still receives (AWS would refuse
//! it: its console writes the policy when it subscribes a queue); a target with one gets
//! only what its policy allows.

use crate::Context;
use crate::eval::{Decision, Request};
use crate::policy::{Policy, PolicyKind};

/// One delivery: `service` performing `action` on `resource` for `source_arn`.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    /// `sns.amazonaws.com`, `s3.amazonaws.com`.
    pub service: &'a str,
    /// `sqs:SendMessage`, `lambda:InvokeFunction`, `sns:Publish`.
    pub action: &'a str,
    /// The target's ARN.
    pub resource: &'a str,
    /// The topic or bucket the delivery comes from.
    pub source_arn: &'a str,
    /// The account the source belongs to.
    pub source_account: &'a str,
}

impl Delivery<'_> {
    /// Whether the target's policy `document` (`None`: it has none) lets it through.
    pub fn allowed_by(&self, document: Option<&str>) -> bool {
        let Some(document) = document else { return true };
        // A stored policy was checked when set; one that no longer parses allows nothing.
        let Ok(policy) = Policy::parse(document, PolicyKind::Resource) else { return false };
        let mut context = Context::default();
        context
            .set("aws:SourceArn", self.source_arn)
            .set("aws:SourceAccount", self.source_account)
            .set("aws:PrincipalIsAWSService", "true")
            .set("aws:PrincipalServiceName", self.service)
            .set("aws:SecureTransport", "false");
        let request =
            Request { principal: self.service, action: self.action, resource: self.resource, context: &context };
        policy.evaluate_as_resource(&request) == Decision::Allow
    }

    /// Why it was refused, for logs and errors.
    pub fn refusal(&self) -> String {
        format!(
            "the policy of {} does not allow {} to perform {} for {}",
            self.resource, self.service, self.action, self.source_arn
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_targets_policy_decides_for_the_service_and_source() {
        let queue = "arn:aws:sqs:us-east-1:000000000000:q";
        let topic = "arn:aws:sns:us-east-1:000000000000:t";
        let d = Delivery {
            service: "sns.amazonaws.com",
            action: "sqs:SendMessage",
            resource: queue,
            source_arn: topic,
            source_account: "000000000000",
        };
        assert!(d.allowed_by(None), "no policy: delivered within the account");
        let policy = |source: &str| {
            format!(
                r#"{{"Statement":{{"Effect":"Allow","Principal":{{"Service":"sns.amazonaws.com"}},"Action":"sqs:SendMessage","Resource":"{queue}","Condition":{{"ArnEquals":{{"aws:SourceArn":"{source}"}}}}}}}}"#
            )
        };
        assert!(d.allowed_by(Some(&policy(topic))));
        assert!(!d.allowed_by(Some(&policy("arn:aws:sns:us-east-1:000000000000:other"))), "another topic's grant");
        let s3 = Delivery { service: "s3.amazonaws.com", ..d };
        assert!(!s3.allowed_by(Some(&policy(topic))), "another service");
        assert!(!d.allowed_by(Some("not json")));
        assert!(d.refusal().contains("sns.amazonaws.com"));
    }
}
