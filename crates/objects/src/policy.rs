//! Bucket policies: a bucket's own access policy, checked as IAM checks resource policies
//! when set and consulted by the api port's authorization of every request on the bucket.

use crate::{Error, Objects, Result};

/// S3's limit on a bucket policy, in bytes.
const MAX_POLICY: usize = 20 << 10;

impl Objects {
    /// PutBucketPolicy (`Some`) or DeleteBucketPolicy (`None`).
    pub async fn set_policy(&self, bucket: &str, policy: Option<String>) -> Result<()> {
        if let Some(p) = &policy {
            if p.len() > MAX_POLICY {
                return Err(Error::MalformedPolicy("Policies must be no more than 20 KB".into()));
            }
            let parsed = squall_iam::Policy::accept(p, squall_iam::PolicyKind::Resource)
                .map_err(|m| Error::MalformedPolicy(m.0))?;
            if let Some(bad) = parsed.statements.iter().find_map(|s| outside(s, bucket)) {
                return Err(Error::MalformedPolicy(format!("Policy has invalid resource: {bad}")));
            }
            self.check_public_policy(bucket, p)?;
        }
        self.update_bucket(bucket, |b| b.policy = policy).await
    }

    /// The bucket's policy, if it has one.
    pub fn policy(&self, bucket: &str) -> Option<String> {
        self.with_bucket(bucket, |b| b.policy.clone()).ok()?
    }
}

/// A resource of `s` that is not this bucket or its objects (S3 refuses such a policy).
fn outside(s: &squall_iam::Statement, bucket: &str) -> Option<String> {
    let names = match s.resources.as_ref()? {
        squall_iam::Names::Listed(l) | squall_iam::Names::Not(l) => l,
    };
    let own = format!("arn:aws:s3:::{bucket}");
    names
        .iter()
        .find(|r| {
            !(r.as_str() == own || r.starts_with(&format!("{own}/")) || squall_iam::wildcard::matches(r, &own, false))
        })
        .cloned()
}
