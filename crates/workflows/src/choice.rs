//! A Choice state's rules: comparisons of a `Variable` against a literal or (the `…Path`
//! forms) another path, type tests, and `And`/`Or`/`Not`.

use crate::Failure;
use crate::template::read_any;
use serde_json::Value;

/// A Boolean expression over the state's input.
#[derive(Debug, Clone)]
pub enum Rule {
    /// JSONata: `Condition`, an expression that must be true.
    Condition(String),
    And(Vec<Rule>),
    Or(Vec<Rule>),
    Not(Box<Rule>),
    Test {
        variable: String,
        op: Op,
        operand: Operand,
    },
}

/// What a comparison compares with.
#[derive(Debug, Clone)]
pub enum Operand {
    Literal(Value),
    Path(String),
}

/// A comparison or type test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    StringEquals,
    StringLessThan,
    StringGreaterThan,
    StringLessThanEquals,
    StringGreaterThanEquals,
    StringMatches,
    NumericEquals,
    NumericLessThan,
    NumericGreaterThan,
    NumericLessThanEquals,
    NumericGreaterThanEquals,
    BooleanEquals,
    TimestampEquals,
    TimestampLessThan,
    TimestampGreaterThan,
    TimestampLessThanEquals,
    TimestampGreaterThanEquals,
    IsNull,
    IsPresent,
    IsNumeric,
    IsString,
    IsBoolean,
    IsTimestamp,
}

const OPS: &[(&str, Op)] = &[
    ("StringEquals", Op::StringEquals),
    ("StringLessThan", Op::StringLessThan),
    ("StringGreaterThan", Op::StringGreaterThan),
    ("StringLessThanEquals", Op::StringLessThanEquals),
    ("StringGreaterThanEquals", Op::StringGreaterThanEquals),
    ("StringMatches", Op::StringMatches),
    ("NumericEquals", Op::NumericEquals),
    ("NumericLessThan", Op::NumericLessThan),
    ("NumericGreaterThan", Op::NumericGreaterThan),
    ("NumericLessThanEquals", Op::NumericLessThanEquals),
    ("NumericGreaterThanEquals", Op::NumericGreaterThanEquals),
    ("BooleanEquals", Op::BooleanEquals),
    ("TimestampEquals", Op::TimestampEquals),
    ("TimestampLessThan", Op::TimestampLessThan),
    ("TimestampGreaterThan", Op::TimestampGreaterThan),
    ("TimestampLessThanEquals", Op::TimestampLessThanEquals),
    ("TimestampGreaterThanEquals", Op::TimestampGreaterThanEquals),
    ("IsNull", Op::IsNull),
    ("IsPresent", Op::IsPresent),
    ("IsNumeric", Op::IsNumeric),
    ("IsString", Op::IsString),
    ("IsBoolean", Op::IsBoolean),
    ("IsTimestamp", Op::IsTimestamp),
];

/// Fields a rule may have besides its comparison.
const RULE_FIELDS: &[&str] = &["Variable", "Next", "Comment"];

/// Reads one rule (`top`: a Choices entry, which has `Next`; nested ones have none).
pub fn parse(doc: &Value, location: &str, top: bool) -> Result<Rule, (String, String)> {
    let fields =
        doc.as_object().ok_or_else(|| (location.to_string(), "A choice rule must be an object".to_string()))?;
    let err = |m: String| (location.to_string(), m);
    for (combinator, make) in [("And", Rule::And as fn(Vec<Rule>) -> Rule), ("Or", Rule::Or)] {
        if let Some(list) = fields.get(combinator) {
            let list = list
                .as_array()
                .filter(|l| !l.is_empty())
                .ok_or_else(|| err(format!("'{combinator}' must be a non-empty array of rules")))?;
            let rules = list
                .iter()
                .enumerate()
                .map(|(i, r)| parse(r, &format!("{location}/{combinator}[{i}]"), false))
                .collect::<Result<Vec<_>, _>>()?;
            only(fields, &[combinator], top, location)?;
            return Ok(make(rules));
        }
    }
    if let Some(inner) = fields.get("Not") {
        only(fields, &["Not"], top, location)?;
        return Ok(Rule::Not(Box::new(parse(inner, &format!("{location}/Not"), false)?)));
    }
    let variable = fields
        .get("Variable")
        .and_then(Value::as_str)
        .ok_or_else(|| err("A choice rule must have a 'Variable' field (or And, Or, Not)".into()))?;
    if !valid_path(variable) {
        return Err((
            format!("{location}/Variable"),
            format!("The value for the field 'Variable' must be a valid JSONPath: {variable}"),
        ));
    }
    let mut found = None;
    for (key, value) in fields {
        if RULE_FIELDS.contains(&key.as_str()) {
            continue;
        }
        let (name, is_path) = match key.strip_suffix("Path") {
            Some(n) if OPS.iter().any(|(o, _)| *o == n) => (n, true),
            _ => (key.as_str(), false),
        };
        let Some((_, op)) = OPS.iter().find(|(o, _)| *o == name) else {
            return Err(err(format!("Field '{key}' is not supported in a choice rule")));
        };
        if found.is_some() {
            return Err(err("A choice rule must have exactly one comparison".into()));
        }
        let operand = if is_path {
            let p = value
                .as_str()
                .filter(|p| valid_path(p))
                .ok_or_else(|| err(format!("The value for the field '{key}' must be a valid JSONPath")))?;
            Operand::Path(p.to_string())
        } else {
            check_literal(*op, value).map_err(|m| (format!("{location}/{key}"), m))?;
            Operand::Literal(value.clone())
        };
        found = Some((*op, operand));
    }
    if top && !fields.contains_key("Next") {
        return Err(err("A choice rule must have a 'Next' field".into()));
    }
    if !top && fields.contains_key("Next") {
        return Err(err("A nested choice rule must not have a 'Next' field".into()));
    }
    let (op, operand) = found.ok_or_else(|| err("A choice rule must have a comparison operator".into()))?;
    Ok(Rule::Test { variable: variable.to_string(), op, operand })
}

fn valid_path(p: &str) -> bool {
    match p.strip_prefix("$$") {
        Some(rest) => crate::paths::valid(&format!("${rest}")),
        None => crate::paths::valid(p),
    }
}

fn only(
    fields: &serde_json::Map<String, Value>,
    allowed: &[&str],
    top: bool,
    location: &str,
) -> Result<(), (String, String)> {
    for key in fields.keys() {
        let ok = allowed.contains(&key.as_str()) || key == "Comment" || (top && key == "Next");
        if !ok {
            return Err((
                location.to_string(),
                format!("Field '{key}' is not supported beside {}", allowed.join(", ")),
            ));
        }
    }
    if top && !fields.contains_key("Next") {
        return Err((location.to_string(), "A choice rule must have a 'Next' field".into()));
    }
    Ok(())
}

fn check_literal(op: Op, value: &Value) -> Result<(), String> {
    use Op::*;
    let ok = match op {
        StringEquals
        | StringLessThan
        | StringGreaterThan
        | StringLessThanEquals
        | StringGreaterThanEquals
        | StringMatches => value.is_string(),
        NumericEquals | NumericLessThan | NumericGreaterThan | NumericLessThanEquals | NumericGreaterThanEquals => {
            value.is_number()
        }
        TimestampEquals
        | TimestampLessThan
        | TimestampGreaterThan
        | TimestampLessThanEquals
        | TimestampGreaterThanEquals => value.as_str().is_some_and(|s| timestamp(s).is_some()),
        _ => value.is_boolean(),
    };
    if ok { Ok(()) } else { Err(format!("The value {value} does not fit the comparison {op:?}")) }
}

/// An RFC 3339 timestamp as Step Functions reads one (uppercase `T` and `Z`), in nanoseconds.
pub fn timestamp(s: &str) -> Option<i128> {
    if s.contains('t') || s.contains('z') || !s.contains('T') {
        return None;
    }
    let t = chrono::DateTime::parse_from_rfc3339(s).ok()?;
    Some(t.timestamp() as i128 * 1_000_000_000 + t.timestamp_subsec_nanos() as i128)
}

/// Whether `rule` holds for `input`.
pub fn holds(rule: &Rule, input: &Value, context: &Value) -> Result<bool, Failure> {
    match rule {
        Rule::And(rules) => {
            for r in rules {
                if !holds(r, input, context)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Rule::Or(rules) => {
            for r in rules {
                if holds(r, input, context)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Rule::Not(r) => Ok(!holds(r, input, context)?),
        Rule::Condition(_) => Err(Failure::runtime("A JSONata Condition is evaluated by the JSONata path")),
        Rule::Test { variable, op, operand } => test(variable, *op, operand, input, context),
    }
}

fn test(variable: &str, op: Op, operand: &Operand, input: &Value, context: &Value) -> Result<bool, Failure> {
    let value = read_any(variable, input, context);
    if op == Op::IsPresent {
        return Ok(value.is_ok() == literal_bool(operand));
    }
    let value = value.map_err(|_| {
        Failure::runtime(format!(
            "Invalid path '{variable}': The choice state's condition path references an invalid value."
        ))
    })?;
    let expect = |b: bool| b == literal_bool(operand);
    use Op::*;
    let answer = match op {
        IsNull => expect(value.is_null()),
        IsNumeric => expect(value.is_number()),
        IsString => expect(value.is_string()),
        IsBoolean => expect(value.is_boolean()),
        IsTimestamp => expect(value.as_str().is_some_and(|s| timestamp(s).is_some())),
        IsPresent => unreachable!("answered above"),
        _ => {
            let other = match operand {
                Operand::Literal(v) => v.clone(),
                Operand::Path(p) => read_any(p, input, context).map_err(|_| {
                    Failure::runtime(format!(
                        "Invalid path '{p}': The choice state's condition path references an invalid value."
                    ))
                })?,
            };
            compare(op, &value, &other)
        }
    };
    Ok(answer)
}

fn literal_bool(operand: &Operand) -> bool {
    matches!(operand, Operand::Literal(Value::Bool(true)))
}

fn compare(op: Op, value: &Value, other: &Value) -> bool {
    use Op::*;
    match op {
        StringMatches => match (value.as_str(), other.as_str()) {
            (Some(v), Some(p)) => matches_glob(v, p),
            _ => false,
        },
        StringEquals | StringLessThan | StringGreaterThan | StringLessThanEquals | StringGreaterThanEquals => {
            match (value.as_str(), other.as_str()) {
                (Some(a), Some(b)) => ordered(op, a.cmp(b)),
                _ => false,
            }
        }
        NumericEquals | NumericLessThan | NumericGreaterThan | NumericLessThanEquals | NumericGreaterThanEquals => {
            match (value.as_f64(), other.as_f64()) {
                (Some(a), Some(b)) if value.is_number() && other.is_number() => {
                    a.partial_cmp(&b).is_some_and(|o| ordered(op, o))
                }
                _ => false,
            }
        }
        BooleanEquals => matches!((value, other), (Value::Bool(a), Value::Bool(b)) if a == b),
        _ => match (value.as_str().and_then(timestamp), other.as_str().and_then(timestamp)) {
            (Some(a), Some(b)) => ordered(op, a.cmp(&b)),
            _ => false,
        },
    }
}

fn ordered(op: Op, o: std::cmp::Ordering) -> bool {
    use Op::*;
    use std::cmp::Ordering::*;
    match op {
        StringEquals | NumericEquals | TimestampEquals => o == Equal,
        StringLessThan | NumericLessThan | TimestampLessThan => o == Less,
        StringGreaterThan | NumericGreaterThan | TimestampGreaterThan => o == Greater,
        StringLessThanEquals | NumericLessThanEquals | TimestampLessThanEquals => o != Greater,
        _ => o != Less,
    }
}

/// `StringMatches`: `*` matches any run of characters; `\*` and `\\` are literal.
fn matches_glob(value: &str, pattern: &str) -> bool {
    enum Tok {
        Char(char),
        Star,
    }
    let mut toks = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => toks.push(Tok::Char(chars.next().unwrap_or('\\'))),
            '*' => toks.push(Tok::Star),
            c => toks.push(Tok::Char(c)),
        }
    }
    let v: Vec<char> = value.chars().collect();
    // Classic wildcard matching with backtracking to the last star.
    let (mut i, mut j, mut star, mut mark) = (0usize, 0usize, None, 0usize);
    while i < v.len() {
        match toks.get(j) {
            Some(Tok::Char(c)) if *c == v[i] => {
                i += 1;
                j += 1;
            }
            Some(Tok::Star) => {
                star = Some(j);
                mark = i;
                j += 1;
            }
            _ => match star {
                Some(s) => {
                    j = s + 1;
                    mark += 1;
                    i = mark;
                }
                None => return false,
            },
        }
    }
    toks[j..].iter().all(|t| matches!(t, Tok::Star))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(doc: Value) -> Rule {
        parse(&doc, "/c", false).unwrap()
    }

    #[test]
    fn comparisons_and_combinators() {
        let input =
            json!({"type": "Private", "value": 53, "t": "2016-03-14T01:59:00Z", "ok": true, "n": null, "other": 60});
        let ctx = json!({});
        let cases = [
            (json!({"Variable": "$.type", "StringEquals": "Private"}), true),
            (json!({"Variable": "$.type", "StringMatches": "Pri*e"}), true),
            (json!({"Variable": "$.type", "StringMatches": "Pri\\*"}), false),
            (json!({"Variable": "$.value", "NumericGreaterThanEquals": 20}), true),
            (json!({"Variable": "$.value", "NumericLessThanPath": "$.other"}), true),
            (json!({"Variable": "$.value", "StringEquals": "53"}), false),
            (json!({"Variable": "$.t", "TimestampGreaterThan": "2016-01-01T00:00:00Z"}), true),
            (json!({"Variable": "$.ok", "BooleanEquals": true}), true),
            (json!({"Variable": "$.n", "IsNull": true}), true),
            (json!({"Variable": "$.missing", "IsPresent": false}), true),
            (json!({"Variable": "$.t", "IsTimestamp": true}), true),
            (
                json!({"And": [{"Variable": "$.value", "NumericGreaterThanEquals": 20}, {"Variable": "$.value", "NumericLessThan": 30}]}),
                false,
            ),
            (
                json!({"Or": [{"Variable": "$.value", "NumericEquals": 53}, {"Variable": "$.value", "NumericLessThan": 30}]}),
                true,
            ),
            (json!({"Not": {"Variable": "$.type", "StringEquals": "Private"}}), false),
        ];
        for (doc, want) in cases {
            assert_eq!(holds(&rule(doc.clone()), &input, &ctx).unwrap(), want, "{doc}");
        }
        let err = holds(&rule(json!({"Variable": "$.missing", "StringEquals": "x"})), &input, &ctx).unwrap_err();
        assert_eq!(err.error, "States.Runtime");
    }

    #[test]
    fn malformed_rules_are_refused() {
        assert!(parse(&json!({"Variable": "$.a", "StringEquals": 1, "Next": "X"}), "/c", true).is_err());
        assert!(parse(&json!({"Variable": "$.a", "Foo": 1, "Next": "X"}), "/c", true).is_err());
        assert!(parse(&json!({"Variable": "$.a", "StringEquals": "x"}), "/c", true).is_err());
        assert!(parse(&json!({"Variable": "a", "StringEquals": "x", "Next": "X"}), "/c", true).is_err());
        assert!(matches_glob("log-2024.txt", "log-*.txt"));
        assert!(!matches_glob("log-2024.txt", "log-*.csv"));
    }
}
