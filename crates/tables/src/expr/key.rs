//! Key condition expressions: a partition-key equality and an optional sort-key condition.

use super::condition::{Cond, Operand, order, parse_condition, values_equal};
use super::parse::CmpOp;
use super::{ExprContext, ExprKind};
use crate::Error;
use crate::value::AttributeValue;
use std::cmp::Ordering;

/// A KeyConditionExpression split into the partition-key value and an optional sort-key
/// condition.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyCondition {
    /// The partition key's value.
    pub hash: AttributeValue,
    /// The condition on the sort key, if any.
    pub range: Option<RangeCondition>,
}

/// A condition on the sort key.
#[derive(Debug, Clone, PartialEq)]
pub enum RangeCondition {
    /// `= v`
    Eq(AttributeValue),
    /// `< v`
    Lt(AttributeValue),
    /// `<= v`
    Le(AttributeValue),
    /// `> v`
    Gt(AttributeValue),
    /// `>= v`
    Ge(AttributeValue),
    /// `BETWEEN low AND high` (both inclusive)
    Between(AttributeValue, AttributeValue),
    /// `begins_with(key, prefix)`
    BeginsWith(AttributeValue),
}

impl RangeCondition {
    /// Whether a sort-key value satisfies the condition (values of another type never do).
    pub fn matches(&self, v: &AttributeValue) -> bool {
        let cmp = |x: &AttributeValue, want: fn(Ordering) -> bool| order(v, x).is_some_and(want);
        match self {
            RangeCondition::Eq(x) => values_equal(v, x),
            RangeCondition::Lt(x) => cmp(x, |o| o == Ordering::Less),
            RangeCondition::Le(x) => cmp(x, |o| o != Ordering::Greater),
            RangeCondition::Gt(x) => cmp(x, |o| o == Ordering::Greater),
            RangeCondition::Ge(x) => cmp(x, |o| o != Ordering::Less),
            RangeCondition::Between(lo, hi) => cmp(lo, |o| o != Ordering::Less) && cmp(hi, |o| o != Ordering::Greater),
            RangeCondition::BeginsWith(p) => match (v, p) {
                (AttributeValue::S(s), AttributeValue::S(p)) => s.starts_with(p.as_str()),
                (AttributeValue::B(b), AttributeValue::B(p)) => b.starts_with(p),
                _ => false,
            },
        }
    }

    /// The values the condition compares with.
    pub fn values(&self) -> Vec<&AttributeValue> {
        match self {
            RangeCondition::Eq(x)
            | RangeCondition::Lt(x)
            | RangeCondition::Le(x)
            | RangeCondition::Gt(x)
            | RangeCondition::Ge(x)
            | RangeCondition::BeginsWith(x) => vec![x],
            RangeCondition::Between(lo, hi) => vec![lo, hi],
        }
    }
}

fn validation(msg: impl Into<String>) -> Error {
    Error::Validation(msg.into())
}

fn bad_operator(op: &str) -> Error {
    validation(format!("Invalid operator used in KeyConditionExpression: {op}"))
}

/// Parses a KeyConditionExpression for a table (or index) keyed by `hash_key` and optionally
/// `range_key`, with DynamoDB's errors for anything but `hash = :v` and at most one sort-key
/// condition (`=`, `<`, `<=`, `>`, `>=`, `BETWEEN`, `begins_with`), in either order.
///
/// The caller checks that the values' types match the key schema ("One or more parameter
/// values were invalid: Condition parameter type does not match schema type").
pub fn key_condition(
    src: &str,
    cx: &ExprContext,
    hash_key: &str,
    range_key: Option<&str>,
) -> Result<KeyCondition, Error> {
    let cond = parse_condition(src, ExprKind::KeyCondition, cx)?;
    let mut parts: Vec<(String, RangeCondition)> = Vec::new();
    collect(&cond.root, &mut parts)?;
    if parts.len() > 2 {
        return Err(validation("Conditions can be of length 1 or 2 only"));
    }
    let missed = |name: &str| validation(format!("Query condition missed key schema element: {name}"));
    let mut hash = None;
    let mut range = None;
    for (name, part) in parts.iter() {
        if name == hash_key {
            hash = Some(part);
        } else if Some(name.as_str()) == range_key {
            range = Some(part.clone());
        }
    }
    let Some(hash) = hash else { return Err(missed(hash_key)) };
    if parts.iter().any(|(name, _)| name != hash_key && Some(name.as_str()) != range_key) {
        return Err(match range_key {
            Some(range_key) => missed(range_key),
            None => validation("Query key condition not supported"),
        });
    }
    let RangeCondition::Eq(hash) = hash else {
        return Err(validation("Query key condition not supported"));
    };
    Ok(KeyCondition { hash: hash.clone(), range })
}

/// Walks the condition (an AND of simple conditions) into one condition per attribute.
fn collect(cond: &Cond, out: &mut Vec<(String, RangeCondition)>) -> Result<(), Error> {
    let (op, args): (&str, Vec<&Operand>) = match cond {
        Cond::And(a, b) => {
            collect(a, out)?;
            return collect(b, out);
        }
        Cond::Or(..) => return Err(bad_operator("OR")),
        Cond::Not(..) => return Err(bad_operator("NOT")),
        Cond::In(..) => return Err(bad_operator("IN")),
        Cond::Cmp(CmpOp::Ne, ..) => return Err(bad_operator("<>")),
        Cond::Exists(_) => return Err(bad_operator("attribute_exists")),
        Cond::NotExists(_) => return Err(bad_operator("attribute_not_exists")),
        Cond::Type(..) => return Err(bad_operator("attribute_type")),
        Cond::Contains(..) => return Err(bad_operator("contains")),
        Cond::Invalid => return Err(validation("Query key condition not supported")),
        Cond::Cmp(op, a, b) => (op.text(), vec![a, b]),
        Cond::Between(x, lo, hi) => ("BETWEEN", vec![x, lo, hi]),
        Cond::BeginsWith(a, b) => ("begins_with", vec![a, b]),
    };
    if (op == "BETWEEN" || op == "begins_with") && !matches!(args[0], Operand::Path(_)) {
        return Err(validation(format!(
            "Invalid condition in KeyConditionExpression: {op} operator must have the key attribute as its first operand"
        )));
    }
    let mut attr = None;
    let mut values = Vec::new();
    for (i, arg) in args.iter().enumerate() {
        match arg {
            Operand::Path(p) => {
                if attr.is_some() {
                    return Err(validation(
                        "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition",
                    ));
                }
                if !p.is_top_level() {
                    return Err(validation("KeyConditionExpressions cannot have conditions on nested attributes"));
                }
                attr = Some((p.top().to_string(), i));
            }
            Operand::Size(_) => return Err(validation("KeyConditionExpressions cannot contain nested operations")),
            Operand::Value(v) => values.push(v.clone()),
        }
    }
    let Some((name, at)) = attr else {
        return Err(validation("Invalid condition in KeyConditionExpression: No key attribute specified"));
    };
    if out.iter().any(|(n, _)| *n == name) {
        return Err(validation("KeyConditionExpressions must only contain one condition per key"));
    }
    let mut values = values.into_iter();
    let mut next = || values.next().unwrap_or(AttributeValue::Null);
    let part = match cond {
        Cond::Cmp(op, ..) => {
            let op = if at == 0 { *op } else { op.flipped() };
            let v = next();
            match op {
                CmpOp::Lt => RangeCondition::Lt(v),
                CmpOp::Le => RangeCondition::Le(v),
                CmpOp::Gt => RangeCondition::Gt(v),
                CmpOp::Ge => RangeCondition::Ge(v),
                _ => RangeCondition::Eq(v),
            }
        }
        Cond::Between(..) => {
            let lo = next();
            RangeCondition::Between(lo, next())
        }
        _ => RangeCondition::BeginsWith(next()),
    };
    out.push((name, part));
    Ok(())
}
