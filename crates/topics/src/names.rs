//! Topic names and the ARNs SNS deals in.

use crate::{Result, invalid};

/// Checks a topic name: 1 to 256 letters, digits, hyphens and underscores, ending in
/// `.fifo` exactly when the topic is a FIFO topic.
pub fn check_topic_name(name: &str, fifo: bool) -> Result<()> {
    let base = if fifo { name.strip_suffix(".fifo") } else { Some(name) };
    let ok = base.is_some_and(|b| {
        !b.is_empty() && name.len() <= 256 && b.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
    });
    if !ok {
        return Err(invalid("Topic Name"));
    }
    Ok(())
}

/// The parts of an ARN: `arn:aws:<service>:<region>:<account>:<resource>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    /// `sns`, `sqs`, `lambda`, …
    pub service: &'a str,
    /// The region.
    pub region: &'a str,
    /// The account.
    pub account: &'a str,
    /// Everything after the account.
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Splits `arn`, or `None` when it is not an ARN.
    pub fn parse(arn: &'a str) -> Option<Arn<'a>> {
        let mut parts = arn.splitn(6, ':');
        let (Some("arn"), Some(_partition), Some(service), Some(region), Some(account), Some(resource)) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        (!service.is_empty() && !resource.is_empty()).then_some(Arn { service, region, account, resource })
    }
}

/// The topic name in a topic ARN (`arn:aws:sns:<region>:<account>:<name>`).
pub fn topic_of_arn(arn: &str) -> Option<&str> {
    let a = Arn::parse(arn)?;
    (a.service == "sns" && !a.resource.contains(':')).then_some(a.resource)
}

/// The topic name and subscription id in a subscription ARN (`<topic ARN>:<id>`).
pub fn subscription_of_arn(arn: &str) -> Option<(&str, &str)> {
    let a = Arn::parse(arn)?;
    let (topic, id) = a.resource.split_once(':')?;
    (a.service == "sns" && !topic.is_empty() && !id.is_empty() && !id.contains(':')).then_some((topic, id))
}

/// The queue name in an SQS ARN.
pub fn queue_of_arn(arn: &str) -> Option<&str> {
    let a = Arn::parse(arn)?;
    (a.service == "sqs" && !a.resource.contains(':')).then_some(a.resource)
}

/// The function name in a Lambda function ARN (`…:function:<name>`, a `:<qualifier>` allowed).
pub fn function_of_arn(arn: &str) -> Option<&str> {
    let a = Arn::parse(arn)?;
    let rest = a.resource.strip_prefix("function:")?;
    let name = rest.split(':').next()?;
    (a.service == "lambda" && !name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_split_into_their_parts() {
        assert_eq!(topic_of_arn("arn:aws:sns:us-east-1:000000000000:orders"), Some("orders"));
        assert_eq!(topic_of_arn("arn:aws:sqs:us-east-1:000000000000:orders"), None);
        assert_eq!(subscription_of_arn("arn:aws:sns:us-east-1:000000000000:orders:0b1c"), Some(("orders", "0b1c")));
        assert_eq!(subscription_of_arn("arn:aws:sns:us-east-1:000000000000:orders"), None);
        assert_eq!(queue_of_arn("arn:aws:sqs:us-east-1:000000000000:q1"), Some("q1"));
        assert_eq!(function_of_arn("arn:aws:lambda:us-east-1:000000000000:function:f:live"), Some("f"));
        assert_eq!(function_of_arn("arn:aws:lambda:us-east-1:000000000000:layer:f"), None);
        assert_eq!(Arn::parse("nope"), None);
    }

    #[test]
    fn topic_names_follow_sns_rules() {
        assert!(check_topic_name("a-b_C9", false).is_ok());
        assert!(check_topic_name("", false).is_err());
        assert!(check_topic_name("has.dot", false).is_err());
        assert!(check_topic_name(&"x".repeat(257), false).is_err());
        assert!(check_topic_name("t.fifo", false).is_err());
        assert!(check_topic_name("t.fifo", true).is_ok());
        assert!(check_topic_name("t", true).is_err());
        assert!(check_topic_name(".fifo", true).is_err());
    }
}
