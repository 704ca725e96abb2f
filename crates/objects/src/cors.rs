//! Bucket CORS rules: which origins may use which methods and headers from a browser,
//! matched as S3 does (the first rule that allows the origin, the method and every
//! requested header; origins and headers may hold one `*` wildcard).

use crate::service::Objects;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// At most this many rules per bucket.
pub const MAX_RULES: usize = 100;

/// One CORS rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorsRule {
    /// `ID`.
    #[serde(default)]
    pub id: Option<String>,
    /// `AllowedOrigins`.
    pub allowed_origins: Vec<String>,
    /// `AllowedMethods`: GET, PUT, POST, DELETE, HEAD.
    pub allowed_methods: Vec<String>,
    /// `AllowedHeaders`.
    #[serde(default)]
    pub allowed_headers: Vec<String>,
    /// `ExposeHeaders`.
    #[serde(default)]
    pub expose_headers: Vec<String>,
    /// `MaxAgeSeconds`.
    #[serde(default)]
    pub max_age_seconds: Option<u32>,
}

/// What a rule that matched allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorsMatch {
    /// The value of `Access-Control-Allow-Origin`: the origin, or `*` for a rule that
    /// allows every origin.
    pub allow_origin: String,
    /// The rule's methods.
    pub allow_methods: Vec<String>,
    /// The rule's exposed headers.
    pub expose_headers: Vec<String>,
    /// The rule's max age.
    pub max_age_seconds: Option<u32>,
}

const METHODS: [&str; 5] = ["GET", "PUT", "POST", "DELETE", "HEAD"];

/// Whether `value` matches `pattern`, which may hold one `*` (case-insensitively when
/// `fold`).
fn wildcard(pattern: &str, value: &str, fold: bool) -> bool {
    let (p, v) =
        if fold { (pattern.to_ascii_lowercase(), value.to_ascii_lowercase()) } else { (pattern.into(), value.into()) };
    match p.split_once('*') {
        None => p == v,
        Some((head, tail)) => v.len() >= head.len() + tail.len() && v.starts_with(head) && v.ends_with(tail),
    }
}

/// Checks rules against S3's limits.
pub fn check_rules(rules: &[CorsRule]) -> Result<()> {
    if rules.is_empty() || rules.len() > MAX_RULES {
        return Err(Error::InvalidRequest(format!("A CORS configuration holds 1 to {MAX_RULES} rules")));
    }
    for r in rules {
        if r.allowed_origins.is_empty() || r.allowed_methods.is_empty() {
            return Err(Error::InvalidRequest("Each CORSRule needs AllowedOrigin and AllowedMethod".into()));
        }
        if let Some(m) = r.allowed_methods.iter().find(|m| !METHODS.contains(&m.as_str())) {
            return Err(Error::InvalidRequest(format!(
                "Found unsupported HTTP method in CORS config. Unsupported method is {m}"
            )));
        }
        for o in r.allowed_origins.iter().chain(&r.allowed_headers) {
            if o.matches('*').count() > 1 {
                return Err(Error::InvalidRequest(format!(
                    "AllowedOrigin and AllowedHeader values can hold at most one wildcard: {o}"
                )));
            }
        }
    }
    Ok(())
}

/// The first rule allowing `origin` to use `method` with every header of `headers`.
pub fn find_match(rules: &[CorsRule], origin: &str, method: &str, headers: &[String]) -> Option<CorsMatch> {
    let rule = rules.iter().find(|r| {
        r.allowed_origins.iter().any(|o| wildcard(o, origin, false))
            && r.allowed_methods.iter().any(|m| m == method)
            && headers.iter().all(|h| r.allowed_headers.iter().any(|a| wildcard(a, h, true)))
    })?;
    let allow_origin = if rule.allowed_origins.iter().any(|o| o == "*") { "*".into() } else { origin.to_string() };
    Some(CorsMatch {
        allow_origin,
        allow_methods: rule.allowed_methods.clone(),
        expose_headers: rule.expose_headers.clone(),
        max_age_seconds: rule.max_age_seconds,
    })
}

impl Objects {
    /// Replaces (or with `None` removes) a bucket's CORS rules.
    pub async fn set_cors(&self, bucket: &str, rules: Option<Vec<CorsRule>>) -> Result<()> {
        if let Some(r) = &rules {
            check_rules(r)?;
        }
        self.update_bucket(bucket, |b| b.cors = rules).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_match_origins_methods_and_headers() {
        let rules = vec![
            CorsRule {
                allowed_origins: vec!["http://app.example".into()],
                allowed_methods: vec!["GET".into(), "PUT".into()],
                allowed_headers: vec!["*".into()],
                expose_headers: vec!["ETag".into()],
                max_age_seconds: Some(600),
                ..Default::default()
            },
            CorsRule {
                allowed_origins: vec!["https://*.example.org".into()],
                allowed_methods: vec!["GET".into()],
                allowed_headers: vec!["x-amz-*".into()],
                ..Default::default()
            },
        ];
        check_rules(&rules).unwrap();
        let m = find_match(&rules, "http://app.example", "PUT", &["content-type".into()]).unwrap();
        assert_eq!((m.allow_origin.as_str(), m.max_age_seconds), ("http://app.example", Some(600)));
        assert!(find_match(&rules, "http://app.example", "DELETE", &[]).is_none());
        assert!(find_match(&rules, "https://cdn.example.org", "GET", &["X-Amz-Date".into()]).is_some());
        assert!(find_match(&rules, "https://cdn.example.org", "GET", &["x-custom".into()]).is_none());
        assert!(find_match(&rules, "https://example.org", "GET", &[]).is_none());
        let bad = vec![CorsRule {
            allowed_origins: vec!["*".into()],
            allowed_methods: vec!["PATCH".into()],
            ..Default::default()
        }];
        assert!(check_rules(&bad).is_err());
        assert!(check_rules(&[]).is_err());
    }
}
