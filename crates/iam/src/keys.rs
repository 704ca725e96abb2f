//! The condition keys Squall supplies to its evaluations. A policy that tests a key of a
//! service Squall serves which Squall never supplies would not mean what its author wrote
//! (a `ForAllValues` test of a missing key holds, a positive test fails), so such a policy
//! is refused naming the key ([`Policy::check_keys`]). Keys of services Squall does not
//! serve are accepted: their requests never reach it, as on AWS for other services' actions.

use crate::policy::{Malformed, Policy};

/// The services whose keys must be ones Squall supplies.
const SERVED: &[&str] =
    &["aws", "dynamodb", "iam", "lambda", "s3", "secretsmanager", "sns", "sqs", "ssm", "sts", "dynamodbstreams"];

/// Keys Squall supplies (lowercase; a trailing `/` stands for any tag key after it).
const SUPPLIED: &[&str] = &[
    // Every request.
    "aws:currenttime",
    "aws:epochtime",
    "aws:securetransport",
    "aws:requestedregion",
    "aws:sourceip",
    "aws:userid",
    "aws:username",
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principaltype",
    "aws:principaltag/",
    "aws:principalisawsservice",
    "aws:principalservicename",
    "aws:viaawsservice",
    "aws:multifactorauthpresent",
    "aws:resourceaccount",
    // Requests that tag, and resources with tags.
    "aws:requesttag/",
    "aws:tagkeys",
    "aws:resourcetag/",
    // Platform deliveries (a bucket's notification, a topic's subscription).
    "aws:sourcearn",
    "aws:sourceaccount",
    // IAM.
    "iam:permissionsboundary",
    "iam:policyarn",
    "iam:passedtoservice",
    // AssumeRole.
    "sts:rolesessionname",
    "sts:externalid",
    // S3.
    "s3:prefix",
    "s3:delimiter",
    "s3:max-keys",
    "s3:x-amz-acl",
    "s3:x-amz-server-side-encryption",
    "s3:x-amz-content-sha256",
    "s3:x-amz-copy-source",
    "s3:x-amz-metadata-directive",
    "s3:signatureversion",
    "s3:authtype",
    "s3:requestobjecttag/",
    "s3:requestobjecttagkeys",
    "s3:versionid",
    // Lambda function URLs (their `AuthType`, on an invocation through one).
    "lambda:functionurlauthtype",
    // DynamoDB.
    "dynamodb:leadingkeys",
    "dynamodb:select",
    "dynamodb:returnvalues",
    "dynamodb:returnconsumedcapacity",
    // SNS.
    "sns:protocol",
    "sns:endpoint",
];

/// Whether Squall supplies condition key `key` (or does not serve its service at all).
pub fn evaluated(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    let Some((service, _)) = key.split_once(':') else { return false };
    if !SERVED.contains(&service) {
        return true;
    }
    SUPPLIED.iter().any(|k| match k.strip_suffix('/') {
        Some(prefix) => key.len() > k.len() && key.starts_with(prefix) && key.as_bytes()[prefix.len()] == b'/',
        None => key == *k,
    })
}

/// Why a key is refused.
pub fn unsupplied(key: &str) -> Malformed {
    Malformed(format!("Squall does not evaluate the condition key {key}, so a policy testing it is refused"))
}

impl Policy {
    /// Parses a document about to be stored (attached, put, set on a resource): what IAM
    /// refuses, and a test of a key Squall does not supply, are refused.
    pub fn accept(document: &str, kind: crate::PolicyKind) -> Result<Policy, Malformed> {
        let policy = Policy::parse(document, kind)?;
        policy.check_keys()?;
        Ok(policy)
    }

    /// Refuses a policy testing a key Squall does not supply ([`evaluated`]).
    pub fn check_keys(&self) -> Result<(), Malformed> {
        let keys = self.statements.iter().flat_map(|s| &s.conditions).map(|c| c.key());
        match keys.into_iter().find(|k| !evaluated(k)) {
            Some(key) => Err(unsupplied(key)),
            None => Ok(()),
        }
    }

    /// Whether any statement tests a key starting with `prefix` (ignoring case).
    pub fn tests_key(&self, prefix: &str) -> bool {
        self.statements.iter().flat_map(|s| &s.conditions).any(|c| {
            let key = c.key().as_bytes();
            key.len() >= prefix.len() && key[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn served_services_keys_must_be_supplied() {
        assert!(evaluated("aws:SourceIp"));
        assert!(evaluated("aws:ResourceTag/team"));
        assert!(evaluated("s3:prefix"));
        assert!(evaluated("dynamodb:LeadingKeys"));
        assert!(evaluated("ec2:Region"));
        assert!(evaluated("kms:ViaService"));
        assert!(!evaluated("aws:ResourceTag/"));
        assert!(!evaluated("dynamodb:Attributes"));
        assert!(!evaluated("s3:ExistingObjectTag/x"));
        assert!(!evaluated("aws:CalledVia"));
        assert!(!evaluated("nocolon"));
    }

    #[test]
    fn policies_testing_unsupplied_keys_are_refused() {
        let doc = |key: &str| {
            format!(
                r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"dynamodb:*","Resource":"*",
                "Condition":{{"ForAllValues:StringEquals":{{"{key}":["a"]}}}}}}}}"#
            )
        };
        let parse = |key| Policy::parse(&doc(key), crate::PolicyKind::Identity).unwrap();
        let refused = parse("dynamodb:Attributes").check_keys().unwrap_err();
        assert!(refused.0.contains("dynamodb:Attributes"), "{refused}");
        assert!(parse("dynamodb:LeadingKeys").check_keys().is_ok());
        assert!(parse("dynamodb:LeadingKeys").tests_key("dynamodb:leading"));
    }
}
