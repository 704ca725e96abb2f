//! AWS's own managed policies (`arn:aws:iam::aws:policy/…`) that scripts and serverless.yml
//! attach most: their documents as AWS publishes their default versions
//! (`aws_managed/<Name>.json`, listed in `aws_managed/index.json`), offered read-only —
//! attachable, listed with `Scope=AWS`, never changed. One not shipped does not exist here.

use crate::model::{ManagedPolicy, PolicyVersion};
use std::sync::LazyLock;

/// The ARN prefix of AWS's own policies.
pub(crate) const PREFIX: &str = "arn:aws:iam::aws:policy/";

/// Each shipped document, by file name.
const FILES: &[(&str, &str)] = &[
    ("AWSLambdaBasicExecutionRole.json", include_str!("aws_managed/AWSLambdaBasicExecutionRole.json")),
    ("AWSLambdaDynamoDBExecutionRole.json", include_str!("aws_managed/AWSLambdaDynamoDBExecutionRole.json")),
    ("AWSLambdaInvocation-DynamoDB.json", include_str!("aws_managed/AWSLambdaInvocation-DynamoDB.json")),
    ("AWSLambdaSQSQueueExecutionRole.json", include_str!("aws_managed/AWSLambdaSQSQueueExecutionRole.json")),
    ("AWSLambda_FullAccess.json", include_str!("aws_managed/AWSLambda_FullAccess.json")),
    ("AWSLambda_ReadOnlyAccess.json", include_str!("aws_managed/AWSLambda_ReadOnlyAccess.json")),
    ("AWSXRayDaemonWriteAccess.json", include_str!("aws_managed/AWSXRayDaemonWriteAccess.json")),
    ("AWSXrayWriteOnlyAccess.json", include_str!("aws_managed/AWSXrayWriteOnlyAccess.json")),
    ("AdministratorAccess.json", include_str!("aws_managed/AdministratorAccess.json")),
    ("AmazonDynamoDBFullAccess.json", include_str!("aws_managed/AmazonDynamoDBFullAccess.json")),
    ("AmazonDynamoDBReadOnlyAccess.json", include_str!("aws_managed/AmazonDynamoDBReadOnlyAccess.json")),
    ("AmazonS3FullAccess.json", include_str!("aws_managed/AmazonS3FullAccess.json")),
    ("AmazonS3ReadOnlyAccess.json", include_str!("aws_managed/AmazonS3ReadOnlyAccess.json")),
    ("AmazonSNSFullAccess.json", include_str!("aws_managed/AmazonSNSFullAccess.json")),
    ("AmazonSNSReadOnlyAccess.json", include_str!("aws_managed/AmazonSNSReadOnlyAccess.json")),
    ("AmazonSQSFullAccess.json", include_str!("aws_managed/AmazonSQSFullAccess.json")),
    ("AmazonSQSReadOnlyAccess.json", include_str!("aws_managed/AmazonSQSReadOnlyAccess.json")),
    ("AmazonSSMReadOnlyAccess.json", include_str!("aws_managed/AmazonSSMReadOnlyAccess.json")),
    ("IAMFullAccess.json", include_str!("aws_managed/IAMFullAccess.json")),
    ("IAMReadOnlyAccess.json", include_str!("aws_managed/IAMReadOnlyAccess.json")),
    ("PowerUserAccess.json", include_str!("aws_managed/PowerUserAccess.json")),
    ("SecretsManagerReadWrite.json", include_str!("aws_managed/SecretsManagerReadWrite.json")),
];

/// When AWS's policies are said to be created (IAM's managed policies date from then).
const CREATED_MS: u64 = 1_423_247_986_000;

#[derive(serde::Deserialize)]
struct Entry {
    name: String,
    path: String,
    description: String,
    version: String,
    file: String,
}

static POLICIES: LazyLock<Vec<ManagedPolicy>> = LazyLock::new(|| {
    let index: Vec<Entry> = serde_json::from_str(include_str!("aws_managed/index.json")).expect("the index parses");
    index
        .into_iter()
        .map(|e| {
            let (_, document) = FILES.iter().find(|(f, _)| *f == e.file).expect("every indexed file is shipped");
            // A stable id of AWS's shape (ANPA…), from the name.
            let id = format!("ANPA{}", crate::ids::stable_suffix(&e.name));
            let number = e.version.trim_start_matches('v').parse::<u32>().unwrap_or(1);
            ManagedPolicy {
                name: e.name,
                id,
                path: e.path,
                description: Some(e.description),
                created_ms: CREATED_MS,
                updated_ms: CREATED_MS,
                versions: vec![PolicyVersion {
                    id: e.version.clone(),
                    document: document.to_string(),
                    created_ms: CREATED_MS,
                }],
                default_version: e.version,
                next_version: number + 1,
                tags: Vec::new(),
                aws: true,
            }
        })
        .collect()
});

/// Every shipped AWS managed policy.
pub fn all() -> &'static [ManagedPolicy] {
    &POLICIES
}

/// The AWS managed policy `arn` names, if Squall ships it.
pub(crate) fn find(arn: &str) -> Option<&'static ManagedPolicy> {
    POLICIES.iter().find(|p| p.arn() == arn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_policy_parses_as_iam_reads_it() {
        assert_eq!(all().len(), FILES.len());
        for p in all() {
            squall_iam::Policy::parse(p.document(), squall_iam::PolicyKind::Identity)
                .unwrap_or_else(|e| panic!("{}: {e}", p.name));
            assert_eq!(find(&p.arn()).map(|f| &f.name), Some(&p.name));
            assert!(p.arn().starts_with(PREFIX));
        }
    }
}
