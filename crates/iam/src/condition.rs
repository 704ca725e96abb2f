//! A statement's `Condition` block: every operator's test of every key must hold.
//!
//! A key the request does not have fails a test (it holds for the negated operators:
//! `StringNotEquals`, `NotIpAddress`, …), except that `…IfExists` holds then, `Null` tests
//! just that, `ForAllValues:` holds and `ForAnyValue:` fails. Several values in the policy
//! are alternatives (any one matches); a negated operator holds when none matches.

use crate::context::Context;
use crate::policy::{Malformed, strings};
use crate::variables::substitute;
use crate::wildcard;
use serde_json::{Map, Value};
use std::cmp::Ordering;

/// How one request value is compared with one policy value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Test {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    Numeric(Cmp),
    Date(Cmp),
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

/// An ordering test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

/// The set qualifier of a multivalued key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Set {
    AllValues,
    AnyValue,
}

/// One operator applied to one key.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    test: Test,
    negated: bool,
    if_exists: bool,
    set: Option<Set>,
    key: String,
    values: Vec<String>,
}

impl Condition {
    /// The condition key it tests, as the policy spells it.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Whether it holds only for requests whose key has one of a few fixed values: a
    /// positive equality, address or ARN test (not negated, not `…IfExists`, no set
    /// qualifier), whose values hold no wildcard and no address range of every address.
    pub fn pins(&self) -> bool {
        let positive = matches!(
            self.test,
            Test::StringEquals | Test::StringEqualsIgnoreCase | Test::StringLike | Test::Ip | Test::Arn
        ) && !self.negated
            && !self.if_exists
            && self.set.is_none();
        let fixed = |v: &String| !v.contains('*') && !v.contains('?') && !v.ends_with("/0");
        positive && !self.values.is_empty() && self.values.iter().all(fixed)
    }
}

/// Reads a `Condition` block.
pub(crate) fn parse_block(block: &Map<String, Value>) -> Result<Vec<Condition>, Malformed> {
    let mut out = Vec::new();
    for (operator, keys) in block {
        let (test, negated, if_exists, set) = operator_of(operator)?;
        let keys = keys.as_object().ok_or_else(|| Malformed("Syntax errors in policy.".into()))?;
        for (key, values) in keys {
            if key.split(':').count() > 2 && !key.contains('/') {
                return Err(Malformed("Actions/Condition can contain only one colon.".into()));
            }
            let values = match values {
                Value::Bool(b) => vec![b.to_string()],
                Value::Number(n) => vec![n.to_string()],
                Value::Array(list) => list
                    .iter()
                    .map(|v| match v {
                        Value::String(s) => Ok(s.clone()),
                        Value::Bool(b) => Ok(b.to_string()),
                        Value::Number(n) => Ok(n.to_string()),
                        _ => Err(Malformed("Syntax errors in policy.".into())),
                    })
                    .collect::<Result<_, _>>()?,
                other => strings(other)?,
            };
            out.push(Condition { test, negated, if_exists, set, key: key.clone(), values });
        }
    }
    Ok(out)
}

fn operator_of(name: &str) -> Result<(Test, bool, bool, Option<Set>), Malformed> {
    let invalid = || Malformed(format!("Invalid Condition type : {name}"));
    let (set, rest) = if let Some(r) = name.strip_prefix("ForAllValues:") {
        (Some(Set::AllValues), r)
    } else if let Some(r) = name.strip_prefix("ForAnyValue:") {
        (Some(Set::AnyValue), r)
    } else {
        (None, name)
    };
    let (base, if_exists) = match rest.strip_suffix("IfExists") {
        Some(b) => (b, true),
        None => (rest, false),
    };
    let (test, negated) = match base {
        "StringEquals" => (Test::StringEquals, false),
        "StringNotEquals" => (Test::StringEquals, true),
        "StringEqualsIgnoreCase" => (Test::StringEqualsIgnoreCase, false),
        "StringNotEqualsIgnoreCase" => (Test::StringEqualsIgnoreCase, true),
        "StringLike" => (Test::StringLike, false),
        "StringNotLike" => (Test::StringLike, true),
        "NumericEquals" => (Test::Numeric(Cmp::Eq), false),
        "NumericNotEquals" => (Test::Numeric(Cmp::Eq), true),
        "NumericLessThan" => (Test::Numeric(Cmp::Lt), false),
        "NumericLessThanEquals" => (Test::Numeric(Cmp::Le), false),
        "NumericGreaterThan" => (Test::Numeric(Cmp::Gt), false),
        "NumericGreaterThanEquals" => (Test::Numeric(Cmp::Ge), false),
        "DateEquals" => (Test::Date(Cmp::Eq), false),
        "DateNotEquals" => (Test::Date(Cmp::Eq), true),
        "DateLessThan" => (Test::Date(Cmp::Lt), false),
        "DateLessThanEquals" => (Test::Date(Cmp::Le), false),
        "DateGreaterThan" => (Test::Date(Cmp::Gt), false),
        "DateGreaterThanEquals" => (Test::Date(Cmp::Ge), false),
        "Bool" => (Test::Bool, false),
        "BinaryEquals" => (Test::Binary, false),
        "IpAddress" => (Test::Ip, false),
        "NotIpAddress" => (Test::Ip, true),
        "ArnEquals" | "ArnLike" => (Test::Arn, false),
        "ArnNotEquals" | "ArnNotLike" => (Test::Arn, true),
        "Null" if !if_exists && set.is_none() => (Test::Null, false),
        _ => return Err(invalid()),
    };
    Ok((test, negated, if_exists, set))
}

impl Condition {
    /// Whether the test holds for the request; `variables`: whether the policy's version
    /// has policy variables.
    pub fn holds(&self, context: &Context, variables: bool) -> bool {
        let present = context.get(&self.key).filter(|v| !v.is_empty());
        if self.test == Test::Null {
            // "true": the key must be absent; "false": present.
            return self.values.iter().any(|v| v.eq_ignore_ascii_case("true") == present.is_none());
        }
        let Some(request) = present else {
            return match self.set {
                Some(Set::AllValues) => true,
                Some(Set::AnyValue) => false,
                None => self.if_exists || self.negated,
            };
        };
        let matches_one = |r: &String| {
            self.values.iter().any(|v| {
                let p = if variables { substitute(v, context) } else { Some(v.as_str().into()) };
                p.is_some_and(|p| compare(self.test, r, &p))
            })
        };
        let pass = |r: &String| matches_one(r) != self.negated;
        match self.set {
            Some(Set::AllValues) => request.iter().all(pass),
            Some(Set::AnyValue) => request.iter().any(pass),
            // A single-valued key (several values without a qualifier: any of them).
            None if self.negated => !request.iter().any(matches_one),
            None => request.iter().any(matches_one),
        }
    }
}

/// Whether request value `r` passes the (positive) test against policy value `p`.
fn compare(test: Test, r: &str, p: &str) -> bool {
    match test {
        Test::StringEquals => r == p,
        Test::StringEqualsIgnoreCase => r.to_lowercase() == p.to_lowercase(),
        Test::StringLike => wildcard::matches(p, r, false),
        Test::Numeric(cmp) => match (r.trim().parse::<f64>(), p.trim().parse::<f64>()) {
            (Ok(a), Ok(b)) => ordered(a.partial_cmp(&b), cmp),
            _ => false,
        },
        Test::Date(cmp) => match (date(r), date(p)) {
            (Some(a), Some(b)) => ordered(Some(a.cmp(&b)), cmp),
            _ => false,
        },
        Test::Bool => r.eq_ignore_ascii_case(p),
        Test::Binary => r == p,
        Test::Ip => match (r.parse::<std::net::IpAddr>(), network(p)) {
            (Ok(addr), Some(net)) => net.contains(&addr),
            _ => false,
        },
        Test::Arn => arn_like(p, r),
        Test::Null => false,
    }
}

fn ordered(o: Option<Ordering>, cmp: Cmp) -> bool {
    match (o, cmp) {
        (None, _) => false,
        (Some(o), Cmp::Eq) => o == Ordering::Equal,
        (Some(o), Cmp::Lt) => o == Ordering::Less,
        (Some(o), Cmp::Le) => o != Ordering::Greater,
        (Some(o), Cmp::Gt) => o == Ordering::Greater,
        (Some(o), Cmp::Ge) => o != Ordering::Less,
    }
}

/// A date as IAM takes it: ISO 8601 (`2026-01-01T00:00:00Z`, or a day) or epoch seconds;
/// as Unix seconds.
fn date(s: &str) -> Option<i128> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<i64>() {
        return Some(i128::from(secs) * 1_000_000_000);
    }
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = time::OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t.unix_timestamp_nanos());
    }
    let day = time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()?;
    Some(day.midnight().assume_utc().unix_timestamp_nanos())
}

/// A CIDR block, or one address as its own block.
fn network(p: &str) -> Option<ipnet::IpNet> {
    p.parse::<ipnet::IpNet>().ok().or_else(|| p.parse::<std::net::IpAddr>().ok().map(ipnet::IpNet::from))
}

/// `ArnLike`: the six colon-separated parts matched one by one, each with wildcards (the
/// last part may itself hold colons).
pub(crate) fn arn_like(pattern: &str, arn: &str) -> bool {
    let p: Vec<&str> = pattern.splitn(6, ':').collect();
    let a: Vec<&str> = arn.splitn(6, ':').collect();
    if p.len() == 1 && p[0] == "*" {
        return true;
    }
    p.len() == 6 && a.len() == 6 && p.iter().zip(&a).all(|(p, a)| wildcard::matches(p, a, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(json: &str) -> Vec<Condition> {
        parse_block(serde_json::from_str::<Value>(json).unwrap().as_object().unwrap()).unwrap()
    }

    fn holds(json: &str, c: &Context) -> bool {
        block(json).iter().all(|x| x.holds(c, true))
    }

    #[test]
    fn operators_compare_as_their_families_do() {
        let mut c = Context::default();
        c.set("aws:username", "Ada").set("s3:max-keys", "10").set("aws:SecureTransport", "true");
        c.set("aws:CurrentTime", "2026-06-01T12:00:00Z").set("aws:SourceIp", "10.1.2.3");
        c.set("aws:SourceArn", "arn:aws:sns:us-east-1:000000000000:news");
        assert!(holds(r#"{"StringEquals":{"aws:username":["Bob","Ada"]}}"#, &c));
        assert!(!holds(r#"{"StringEquals":{"aws:username":"ada"}}"#, &c));
        assert!(holds(r#"{"StringEqualsIgnoreCase":{"aws:username":"ada"}}"#, &c));
        assert!(holds(r#"{"StringNotEquals":{"aws:username":"Bob"}}"#, &c));
        assert!(holds(r#"{"StringLike":{"aws:username":"A*"}}"#, &c));
        assert!(holds(r#"{"NumericLessThanEquals":{"s3:max-keys":10}}"#, &c));
        assert!(!holds(r#"{"NumericGreaterThan":{"s3:max-keys":"10"}}"#, &c));
        assert!(holds(r#"{"Bool":{"aws:SecureTransport":true}}"#, &c));
        assert!(holds(r#"{"DateLessThan":{"aws:CurrentTime":"2027-01-01T00:00:00Z"}}"#, &c));
        assert!(holds(r#"{"DateGreaterThan":{"aws:CurrentTime":"2026-01-01"}}"#, &c));
        assert!(holds(r#"{"IpAddress":{"aws:SourceIp":["192.168.0.0/16","10.0.0.0/8"]}}"#, &c));
        assert!(holds(r#"{"NotIpAddress":{"aws:SourceIp":"192.168.0.0/16"}}"#, &c));
        assert!(holds(r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:news"}}"#, &c));
        assert!(!holds(r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:*:*:other"}}"#, &c));
        // Every operator and key must hold.
        assert!(!holds(r#"{"StringEquals":{"aws:username":"Ada","s3:max-keys":"11"}}"#, &c));
    }

    #[test]
    fn missing_keys_fail_positive_tests_and_pass_negated_ones() {
        let c = Context::default();
        assert!(!holds(r#"{"StringEquals":{"aws:username":"Ada"}}"#, &c));
        assert!(holds(r#"{"StringNotEquals":{"aws:username":"Ada"}}"#, &c));
        assert!(holds(r#"{"StringEqualsIfExists":{"aws:username":"Ada"}}"#, &c));
        assert!(holds(r#"{"Null":{"aws:username":"true"}}"#, &c));
        assert!(!holds(r#"{"Null":{"aws:username":"false"}}"#, &c));
        assert!(holds(r#"{"ForAllValues:StringEquals":{"aws:TagKeys":"team"}}"#, &c));
        assert!(!holds(r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":"team"}}"#, &c));
    }

    #[test]
    fn set_qualifiers_test_every_or_any_value() {
        let mut c = Context::default();
        c.set_all("aws:TagKeys", vec!["team".into(), "cost".into()]);
        assert!(holds(r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["team","cost","env"]}}"#, &c));
        assert!(!holds(r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}}"#, &c));
        assert!(holds(r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["team"]}}"#, &c));
        assert!(!holds(r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["env"]}}"#, &c));
        assert!(holds(r#"{"ForAllValues:StringNotEquals":{"aws:TagKeys":["env"]}}"#, &c));
    }

    #[test]
    fn variables_fill_condition_values() {
        let mut c = Context::default();
        c.set("aws:username", "ada").set("s3:prefix", "home/ada/docs");
        assert!(holds(r#"{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}"#, &c));
        let conds = block(r#"{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}"#);
        assert!(!conds[0].holds(&c, false), "the 2008 version reads them literally");
    }

    #[test]
    fn unknown_operators_are_refused_by_name() {
        let err =
            parse_block(serde_json::from_str::<Value>(r#"{"StringEqualz":{"a:b":"c"}}"#).unwrap().as_object().unwrap())
                .unwrap_err();
        assert_eq!(err.0, "Invalid Condition type : StringEqualz");
    }
}
