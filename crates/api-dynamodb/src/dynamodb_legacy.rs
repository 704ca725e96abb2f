//! DynamoDB's legacy request parameters, rewritten into the expression parameters the tables
//! service understands before the request is decoded:
//!
//! - `AttributesToGet` (GetItem, Query, Scan, BatchGetItem's tables) → `ProjectionExpression`;
//! - `KeyConditions` (Query) → `KeyConditionExpression`;
//! - `QueryFilter` / `ScanFilter` with `ConditionalOperator` → `FilterExpression`;
//! - `Expected` with `ConditionalOperator` (PutItem, UpdateItem, DeleteItem) →
//!   `ConditionExpression`;
//! - `AttributeUpdates` (UpdateItem) → `UpdateExpression`.
//!
//! Every attribute name and value goes through a generated placeholder (`#lg0`, `:lg0`, skipping
//! any key the request already defines), so a legacy attribute name is taken literally — no
//! reserved words, no document paths — as DynamoDB takes it. The generated placeholders are
//! merged into `ExpressionAttributeNames` / `ExpressionAttributeValues`.
//!
//! DynamoDB's own checks of legacy parameters happen here, with its messages: mixing legacy and
//! expression parameters in one request, operator argument counts and types, `Exists`/`Value`
//! combinations, `AttributeUpdates` actions and value types.

use super::ApiError;
use http::StatusCode;
use serde_json::{Map, Value, json};
use squall_tables::AttributeValue;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

type Input = Map<String, Value>;

/// The expression and legacy parameters of one operation, each in the order DynamoDB names
/// them in "Can not use both expression and non-expression parameters".
struct Params {
    expressions: &'static [&'static str],
    legacy: &'static [&'static str],
}

const GET: Params = Params { expressions: &["ProjectionExpression"], legacy: &["AttributesToGet"] };
const PUT_DELETE: Params =
    Params { expressions: &["ConditionExpression"], legacy: &["Expected", "ConditionalOperator"] };
const UPDATE: Params = Params {
    expressions: &["UpdateExpression", "ConditionExpression"],
    legacy: &["AttributeUpdates", "Expected", "ConditionalOperator"],
};
const QUERY: Params = Params {
    expressions: &["ProjectionExpression", "FilterExpression", "KeyConditionExpression"],
    legacy: &["AttributesToGet", "QueryFilter", "ConditionalOperator", "KeyConditions"],
};
const SCAN: Params = Params {
    expressions: &["ProjectionExpression", "FilterExpression"],
    legacy: &["AttributesToGet", "ScanFilter", "ConditionalOperator"],
};

/// The comparison operators of legacy conditions, in the order DynamoDB lists them.
const OPERATORS: [&str; 13] = [
    "IN",
    "NULL",
    "BETWEEN",
    "LT",
    "NOT_CONTAINS",
    "EQ",
    "GT",
    "NOT_NULL",
    "NE",
    "LE",
    "BEGINS_WITH",
    "GE",
    "CONTAINS",
];

/// Rewrites the legacy parameters of an `op` request into expression parameters, in place.
/// Requests without legacy parameters, and operations that have none, are left alone.
pub(crate) fn rewrite(op: &str, input: &mut Input) -> Result<(), ApiError> {
    match op {
        "GetItem" => rewrite_request(input, &GET),
        "PutItem" | "DeleteItem" => rewrite_request(input, &PUT_DELETE),
        "UpdateItem" => rewrite_request(input, &UPDATE),
        "Query" => rewrite_request(input, &QUERY),
        "Scan" => rewrite_request(input, &SCAN),
        "BatchGetItem" => {
            if let Some(tables) = input.get_mut("RequestItems").and_then(Value::as_object_mut) {
                for spec in tables.values_mut().filter_map(Value::as_object_mut) {
                    rewrite_request(spec, &GET)?;
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn validation(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "ValidationException", message)
}

/// DynamoDB's "One or more parameter values were invalid: …".
fn invalid(message: impl std::fmt::Display) -> ApiError {
    validation(format!("One or more parameter values were invalid: {message}"))
}

fn serialization(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "SerializationException", message)
}

fn present(input: &Input, name: &str) -> bool {
    member(input, name).is_some()
}

/// A member of `m`, unless absent or null.
fn member<'a>(m: &'a Input, name: &str) -> Option<&'a Value> {
    m.get(name).filter(|v| !v.is_null())
}

fn object<'a>(v: &'a Value, what: &str) -> Result<&'a Input, ApiError> {
    v.as_object().ok_or_else(|| serialization(format!("{what} must be a map")))
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_lowercase().chain(c).collect()).unwrap_or_default()
}

fn rewrite_request(input: &mut Input, params: &Params) -> Result<(), ApiError> {
    // A legacy member sent as null is absent.
    for name in params.legacy {
        if input.get(*name).is_some_and(Value::is_null) {
            input.remove(*name);
        }
    }
    let legacy: Vec<&str> = params.legacy.iter().copied().filter(|n| input.contains_key(*n)).collect();
    if legacy.is_empty() {
        return Ok(());
    }
    let joiner = conditional_operator(input, params)?;

    let expressions: Vec<&str> = params.expressions.iter().copied().filter(|n| present(input, n)).collect();
    if !expressions.is_empty() {
        // KeyConditions may go with a FilterExpression or ProjectionExpression (not with a
        // KeyConditionExpression); every other mix is refused.
        let key_condition_expression = present(input, "KeyConditionExpression");
        let mixed: Vec<&str> =
            legacy.iter().copied().filter(|n| *n != "KeyConditions" || key_condition_expression).collect();
        if !mixed.is_empty() {
            return Err(validation(format!(
                "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {{{}}} Expression parameters: {{{}}}",
                mixed.join(", "),
                expressions.join(", ")
            )));
        }
    } else if present(input, "ExpressionAttributeNames") {
        return Err(validation("ExpressionAttributeNames can only be specified when using expressions"));
    }
    let value_expressions: Vec<&str> =
        params.expressions.iter().copied().filter(|n| *n != "ProjectionExpression").collect();
    if !value_expressions.is_empty()
        && present(input, "ExpressionAttributeValues")
        && value_expressions.iter().all(|n| !present(input, n))
    {
        return Err(validation(format!(
            "ExpressionAttributeValues can only be specified when using expressions: {} {} null",
            value_expressions.join(" and "),
            if value_expressions.len() > 1 { "are" } else { "is" }
        )));
    }

    check_conditional_operator(input, params)?;

    let mut ph = Placeholders::new(input);
    let mut out: Vec<(&str, String)> = Vec::new();
    let legacy_member = |name: &str| params.legacy.contains(&name);
    if legacy_member("AttributesToGet")
        && let Some(v) = input.remove("AttributesToGet")
    {
        out.push(("ProjectionExpression", projection(&mut ph, &v)?));
    }
    if legacy_member("KeyConditions")
        && let Some(v) = input.remove("KeyConditions")
    {
        out.push(("KeyConditionExpression", key_conditions(&mut ph, &v)?));
    }
    for (name, target) in
        [("QueryFilter", "FilterExpression"), ("ScanFilter", "FilterExpression"), ("Expected", "ConditionExpression")]
    {
        if legacy_member(name)
            && let Some(v) = input.remove(name)
            && let Some(e) = conditions(&mut ph, name, &v, joiner)?
        {
            out.push((target, e));
        }
    }
    if legacy_member("AttributeUpdates")
        && let Some(v) = input.remove("AttributeUpdates")
        && let Some(e) = updates(&mut ph, &v)?
    {
        out.push(("UpdateExpression", e));
    }
    if legacy_member("ConditionalOperator") {
        input.remove("ConditionalOperator");
    }
    ph.merge_into(input)?;
    for (name, expression) in out {
        input.insert(name.to_string(), Value::String(expression));
    }
    Ok(())
}

/// `ConditionalOperator`'s joiner: " AND " unless it says OR (DynamoDB checks its value before
/// anything else).
fn conditional_operator(input: &Input, params: &Params) -> Result<&'static str, ApiError> {
    if !params.legacy.contains(&"ConditionalOperator") {
        return Ok(" AND ");
    }
    match member(input, "ConditionalOperator") {
        None => Ok(" AND "),
        Some(Value::String(s)) if s == "AND" => Ok(" AND "),
        Some(Value::String(s)) if s == "OR" => Ok(" OR "),
        Some(Value::String(s)) => Err(validation(format!(
            "1 validation error detected: Value '{s}' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [OR, AND]"
        ))),
        Some(_) => Err(serialization("ConditionalOperator must be a string")),
    }
}

/// A `ConditionalOperator` needs a filter (or `Expected`) of two or more conditions to join.
fn check_conditional_operator(input: &Input, params: &Params) -> Result<(), ApiError> {
    if !params.legacy.contains(&"ConditionalOperator") || !present(input, "ConditionalOperator") {
        return Ok(());
    }
    let filter = params.legacy.iter().find(|n| matches!(**n, "Expected" | "QueryFilter" | "ScanFilter"));
    match filter.and_then(|n| member(input, n)) {
        None => Err(validation("ConditionalOperator cannot be used without Filter or Expected")),
        Some(v) if v.as_object().is_some_and(|m| m.len() < 2) => {
            Err(validation("ConditionalOperator can only be used when Filter or Expected has two or more elements"))
        }
        Some(_) => Ok(()),
    }
}

/// Placeholders generated for one request: `#lg<n>` and `:lg<n>`, skipping keys the request
/// defines itself.
struct Placeholders {
    taken_names: HashSet<String>,
    taken_values: HashSet<String>,
    /// Attribute name → its placeholder (one per name).
    by_name: HashMap<String, String>,
    names: Vec<(String, String)>,
    values: Vec<(String, Value)>,
    next_name: usize,
    next_value: usize,
}

impl Placeholders {
    fn new(input: &Input) -> Self {
        let keys = |member: &str| -> HashSet<String> {
            input.get(member).and_then(Value::as_object).map(|m| m.keys().cloned().collect()).unwrap_or_default()
        };
        Placeholders {
            taken_names: keys("ExpressionAttributeNames"),
            taken_values: keys("ExpressionAttributeValues"),
            by_name: HashMap::new(),
            names: Vec::new(),
            values: Vec::new(),
            next_name: 0,
            next_value: 0,
        }
    }

    fn fresh(prefix: char, next: &mut usize, taken: &HashSet<String>) -> String {
        loop {
            let key = format!("{prefix}lg{next}");
            *next += 1;
            if !taken.contains(&key) {
                return key;
            }
        }
    }

    /// The placeholder of attribute `name`.
    fn name(&mut self, name: &str) -> String {
        if let Some(key) = self.by_name.get(name) {
            return key.clone();
        }
        let key = Self::fresh('#', &mut self.next_name, &self.taken_names);
        self.by_name.insert(name.to_string(), key.clone());
        self.names.push((key.clone(), name.to_string()));
        key
    }

    /// A placeholder for `value` (DynamoDB JSON, already checked).
    fn value(&mut self, value: &Value) -> String {
        let key = Self::fresh(':', &mut self.next_value, &self.taken_values);
        self.values.push((key.clone(), value.clone()));
        key
    }

    fn merge_into(self, input: &mut Input) -> Result<(), ApiError> {
        let names: Vec<(String, Value)> = self.names.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
        for (parameter, entries) in [("ExpressionAttributeNames", names), ("ExpressionAttributeValues", self.values)] {
            if entries.is_empty() {
                continue;
            }
            let map = input.entry(parameter.to_string()).or_insert_with(|| Value::Object(Map::new()));
            if map.is_null() {
                *map = Value::Object(Map::new());
            }
            let map = map.as_object_mut().ok_or_else(|| serialization(format!("{parameter} must be a map")))?;
            map.extend(entries);
        }
        Ok(())
    }
}

/// Reads a legacy attribute value with DynamoDB's validation.
fn attribute_value(v: &Value) -> Result<AttributeValue, ApiError> {
    AttributeValue::from_json(v).map_err(|e| validation(e.to_string()))
}

/// `AttributesToGet` → a projection of top-level attributes.
fn projection(ph: &mut Placeholders, v: &Value) -> Result<String, ApiError> {
    let list = v.as_array().ok_or_else(|| serialization("AttributesToGet must be a list"))?;
    if list.is_empty() {
        return Err(validation(
            "1 validation error detected: Value '[]' at 'attributesToGet' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ));
    }
    let mut seen = HashSet::new();
    let mut keys = Vec::with_capacity(list.len());
    for name in list {
        let name = name.as_str().ok_or_else(|| serialization("AttributesToGet members must be strings"))?;
        if !seen.insert(name) {
            return Err(invalid(format!("Duplicate value in attribute name: {name}")));
        }
        keys.push(ph.name(name));
    }
    Ok(keys.join(", "))
}

/// Where a legacy condition comes from: its checks differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `Expected`: `Value`/`Exists`, or `ComparisonOperator` with `AttributeValueList` or `Value`.
    Expected,
    /// `QueryFilter`, `ScanFilter`: `ComparisonOperator` is required.
    Filter,
    /// `KeyConditions`: like a filter, with the operators a key condition allows.
    Key,
}

/// `KeyConditions` → a key condition expression (its conditions ANDed).
fn key_conditions(ph: &mut Placeholders, v: &Value) -> Result<String, ApiError> {
    let map = object(v, "KeyConditions")?;
    if map.is_empty() {
        return Err(validation("Conditions can be of length 1 or 2 only"));
    }
    let parts = map
        .iter()
        .map(|(attr, c)| condition(ph, "KeyConditions", Kind::Key, attr, c))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(parts.join(" AND "))
}

/// `QueryFilter`, `ScanFilter` or `Expected` → a condition joined by `joiner` (`None` for an
/// empty map: no condition).
fn conditions(ph: &mut Placeholders, name: &str, v: &Value, joiner: &str) -> Result<Option<String>, ApiError> {
    let map = object(v, name)?;
    let kind = if name == "Expected" { Kind::Expected } else { Kind::Filter };
    let parts = map.iter().map(|(attr, c)| condition(ph, name, kind, attr, c)).collect::<Result<Vec<_>, _>>()?;
    Ok((!parts.is_empty()).then(|| parts.join(joiner)))
}

/// One attribute's legacy condition as an expression.
fn condition(ph: &mut Placeholders, parameter: &str, kind: Kind, attr: &str, c: &Value) -> Result<String, ApiError> {
    let c = object(c, &format!("{parameter}.{attr}"))?;
    let path = format!("{}.{attr}.member", lower_first(parameter));
    let op = match member(c, "ComparisonOperator") {
        None => None,
        Some(Value::String(s)) if OPERATORS.contains(&s.as_str()) => Some(s.as_str()),
        Some(Value::String(s)) => {
            return Err(validation(format!(
                "1 validation error detected: Value '{s}' at '{path}.comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                OPERATORS.join(", ")
            )));
        }
        Some(_) => return Err(serialization("ComparisonOperator must be a string")),
    };
    let list = match member(c, "AttributeValueList") {
        None => None,
        Some(Value::Array(a)) => Some(a),
        Some(_) => return Err(serialization("AttributeValueList must be a list")),
    };
    if kind != Kind::Expected {
        let op = op.ok_or_else(|| {
            validation(format!(
                "1 validation error detected: Value null at '{path}.comparisonOperator' failed to satisfy constraint: Member must not be null"
            ))
        })?;
        let values: Vec<&Value> = list.map(|l| l.iter().collect()).unwrap_or_default();
        return compare(ph, kind, attr, op, &values);
    }
    let value = member(c, "Value");
    let exists = match member(c, "Exists") {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => return Err(serialization("Exists must be a boolean")),
    };
    if list.is_some() && value.is_some() {
        return Err(invalid(format!("Value and AttributeValueList cannot be used together for Attribute: {attr}")));
    }
    match op {
        Some(op) => {
            if exists.is_some() {
                return Err(invalid(format!(
                    "Exists and ComparisonOperator cannot be used together for Attribute: {attr}"
                )));
            }
            if !matches!(op, "NULL" | "NOT_NULL") && list.is_none() && value.is_none() {
                return Err(invalid(format!(
                    "Value or AttributeValueList must be used with ComparisonOperator: {op} for Attribute: {attr}"
                )));
            }
            let values: Vec<&Value> = match (list, value) {
                (Some(l), _) => l.iter().collect(),
                (None, Some(v)) => vec![v],
                (None, None) => Vec::new(),
            };
            compare(ph, kind, attr, op, &values)
        }
        None if list.is_some() => {
            Err(invalid(format!("AttributeValueList can only be used with a ComparisonOperator for Attribute: {attr}")))
        }
        None => match (exists, value) {
            (Some(false), Some(_)) => {
                Err(invalid(format!("Value cannot be used when Exists is false for Attribute: {attr}")))
            }
            (Some(false), None) => Ok(format!("attribute_not_exists({})", ph.name(attr))),
            (_, Some(v)) => {
                attribute_value(v)?;
                Ok(format!("{} = {}", ph.name(attr), ph.value(v)))
            }
            (_, None) => Err(invalid(format!(
                "Value must be provided when Exists is {} for Attribute: {attr}",
                if exists.is_some() { "true" } else { "null" }
            ))),
        },
    }
}

/// The order of two values of one orderable type; `None` otherwise.
fn order(a: &AttributeValue, b: &AttributeValue) -> Option<Ordering> {
    match (a, b) {
        (AttributeValue::N(a), AttributeValue::N(b)) => Some(a.cmp(b)),
        (AttributeValue::S(a), AttributeValue::S(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
        (AttributeValue::B(a), AttributeValue::B(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

/// `attr <op> values` as an expression, after DynamoDB's checks of the operator's arguments.
fn compare(ph: &mut Placeholders, kind: Kind, attr: &str, op: &str, raw: &[&Value]) -> Result<String, ApiError> {
    let values = raw.iter().map(|v| attribute_value(v)).collect::<Result<Vec<_>, _>>()?;
    let n = values.len();
    let arity = match op {
        "NULL" | "NOT_NULL" => n == 0,
        "IN" => n >= 1,
        "BETWEEN" => n == 2,
        _ => n == 1,
    };
    if !arity {
        return Err(invalid(format!("Invalid number of argument(s) for the {op} ComparisonOperator")));
    }
    if let Some(first) = values.first()
        && values.iter().any(|v| v.type_name() != first.type_name())
    {
        return Err(invalid("AttributeValues inside AttributeValueList must be of same type"));
    }
    let allowed: &[&str] = match op {
        "EQ" | "NE" | "NULL" | "NOT_NULL" => &[],
        "BEGINS_WITH" => &["S", "B"],
        _ => &["S", "N", "B"],
    };
    if !allowed.is_empty()
        && let Some(bad) = values.iter().find(|v| !allowed.contains(&v.type_name()))
    {
        return Err(invalid(format!(
            "ComparisonOperator {op} is not valid for {} AttributeValue type",
            bad.type_name()
        )));
    }
    if op == "BETWEEN" && order(&values[0], &values[1]) == Some(Ordering::Greater) {
        return Err(validation(
            "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound",
        ));
    }
    if kind == Kind::Key && !matches!(op, "EQ" | "LE" | "LT" | "GE" | "GT" | "BEGINS_WITH" | "BETWEEN") {
        return Err(validation("Attempted conditional constraint is not an indexable operation"));
    }
    let a = ph.name(attr);
    let v: Vec<String> = raw.iter().map(|r| ph.value(r)).collect();
    Ok(match op {
        "EQ" => format!("{a} = {}", v[0]),
        "NE" => format!("{a} <> {}", v[0]),
        "LE" => format!("{a} <= {}", v[0]),
        "LT" => format!("{a} < {}", v[0]),
        "GE" => format!("{a} >= {}", v[0]),
        "GT" => format!("{a} > {}", v[0]),
        "NOT_NULL" => format!("attribute_exists({a})"),
        "NULL" => format!("attribute_not_exists({a})"),
        "CONTAINS" => format!("contains({a}, {})", v[0]),
        "NOT_CONTAINS" => format!("NOT contains({a}, {})", v[0]),
        "BEGINS_WITH" => format!("begins_with({a}, {})", v[0]),
        "IN" => format!("{a} IN ({})", v.join(", ")),
        // BETWEEN: the only operator left.
        _ => format!("{a} BETWEEN {} AND {}", v[0], v[1]),
    })
}

/// `AttributeUpdates` → an update expression (`None` for an empty map: nothing to update).
fn updates(ph: &mut Placeholders, v: &Value) -> Result<Option<String>, ApiError> {
    let map = object(v, "AttributeUpdates")?;
    let (mut set, mut remove, mut add, mut delete) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (attr, update) in map {
        let update = object(update, &format!("AttributeUpdates.{attr}"))?;
        let action = match member(update, "Action") {
            None => "PUT",
            Some(Value::String(s)) if matches!(s.as_str(), "PUT" | "ADD" | "DELETE") => s.as_str(),
            Some(Value::String(s)) => {
                return Err(validation(format!(
                    "1 validation error detected: Value '{s}' at 'attributeUpdates.{attr}.member.action' failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]"
                )));
            }
            Some(_) => return Err(serialization("Action must be a string")),
        };
        let raw = member(update, "Value");
        let value = raw.map(attribute_value).transpose()?;
        let (Some(raw), Some(value)) = (raw, value) else {
            if action != "DELETE" {
                return Err(invalid("Only DELETE action is allowed when no attribute value is specified"));
            }
            remove.push(ph.name(attr));
            continue;
        };
        let t = value.type_name();
        match action {
            "PUT" => set.push(format!("{} = {}", ph.name(attr), ph.value(raw))),
            "ADD" => match t {
                "N" | "SS" | "NS" | "BS" => add.push(format!("{} {}", ph.name(attr), ph.value(raw))),
                "L" => {
                    let a = ph.name(attr);
                    let empty = ph.value(&json!({ "L": [] }));
                    set.push(format!("{a} = list_append(if_not_exists({a}, {empty}), {})", ph.value(raw)));
                }
                _ => return Err(invalid(format!("ADD action is not supported for the type {t}"))),
            },
            _ => match t {
                "SS" | "NS" | "BS" => delete.push(format!("{} {}", ph.name(attr), ph.value(raw))),
                _ => return Err(invalid(format!("DELETE action with value is not supported for the type {t}"))),
            },
        }
    }
    let clauses: Vec<String> = [("SET", set), ("REMOVE", remove), ("ADD", add), ("DELETE", delete)]
        .into_iter()
        .filter(|(_, parts)| !parts.is_empty())
        .map(|(clause, parts)| format!("{clause} {}", parts.join(", ")))
        .collect();
    Ok((!clauses.is_empty()).then(|| clauses.join(" ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use squall_tables::Item;
    use squall_tables::expr::{ExprContext, ExprKind, key_condition, parse_condition, parse_projection, parse_update};
    use squall_tables::value::{item_from_json, item_to_json};

    fn input(v: Value) -> Input {
        v.as_object().expect("an object").clone()
    }

    fn rewritten(op: &str, v: Value) -> Input {
        let mut i = input(v);
        rewrite(op, &mut i).unwrap_or_else(|e| panic!("{op}: {}", e.message));
        i
    }

    fn refused(op: &str, v: Value) -> String {
        let mut i = input(v);
        match rewrite(op, &mut i) {
            Ok(()) => panic!("{op}: accepted: {}", Value::Object(i)),
            Err(e) => {
                assert_eq!(e.code, "ValidationException", "{}", e.message);
                e.message
            }
        }
    }

    /// The request's placeholders, as the tables service reads them.
    struct Cx {
        names: HashMap<String, String>,
        values: HashMap<String, AttributeValue>,
    }

    impl Cx {
        fn of(i: &Input) -> Cx {
            let names = i
                .get("ExpressionAttributeNames")
                .and_then(Value::as_object)
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())).collect())
                .unwrap_or_default();
            let values = i
                .get("ExpressionAttributeValues")
                .map(|v| item_from_json(v).unwrap().into_iter().collect())
                .unwrap_or_default();
            Cx { names, values }
        }

        fn cx(&self) -> ExprContext<'_> {
            ExprContext::new(&self.names, &self.values)
        }
    }

    fn item(v: Value) -> Item {
        item_from_json(&v).unwrap()
    }

    fn text<'a>(i: &'a Input, name: &str) -> &'a str {
        i.get(name).and_then(Value::as_str).unwrap_or_else(|| panic!("no {name} in {}", Value::Object(i.clone())))
    }

    /// Parses the request's `parameter` as a condition (every placeholder used) and evaluates it
    /// against each item.
    fn evals(i: &Input, parameter: &str, items: &[Value]) -> Vec<bool> {
        let cx = Cx::of(i);
        let cx = cx.cx();
        let c = parse_condition(text(i, parameter), ExprKind::Filter, &cx).unwrap_or_else(|e| panic!("{e}"));
        cx.check_unused().unwrap();
        items.iter().map(|it| c.eval(&item(it.clone())).unwrap()).collect()
    }

    /// Applies the request's UpdateExpression to an item.
    fn updated(i: &Input, before: Value) -> Value {
        let cx = Cx::of(i);
        let cx = cx.cx();
        let u = parse_update(text(i, "UpdateExpression"), &cx).unwrap_or_else(|e| panic!("{e}"));
        cx.check_unused().unwrap();
        let mut it = item(before);
        u.apply(&mut it).unwrap();
        item_to_json(&it)
    }

    #[test]
    fn requests_without_legacy_parameters_are_untouched() {
        let doc = json!({
            "TableName": "t", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": { ":p": { "S": "a" } }
        });
        assert_eq!(rewritten("Query", doc.clone()), input(doc.clone()));
        // Operations without legacy parameters are never looked at.
        let odd = json!({ "Expected": 7, "AttributesToGet": "x" });
        assert_eq!(rewritten("TransactWriteItems", odd.clone()), input(odd));
        // A legacy member sent as null is absent.
        let i = rewritten(
            "PutItem",
            json!({ "TableName": "t", "Item": {}, "Expected": null, "ConditionalOperator": null }),
        );
        assert_eq!(i, input(json!({ "TableName": "t", "Item": {} })));
    }

    #[test]
    fn attributes_to_get_become_a_projection_of_literal_names() {
        let i = rewritten("GetItem", json!({ "TableName": "t", "Key": {}, "AttributesToGet": ["a", "status", "x.y"] }));
        assert_eq!(text(&i, "ProjectionExpression"), "#lg0, #lg1, #lg2");
        assert_eq!(i["ExpressionAttributeNames"], json!({ "#lg0": "a", "#lg1": "status", "#lg2": "x.y" }));
        assert!(!i.contains_key("AttributesToGet"));
        let cx = Cx::of(&i);
        let p = parse_projection(text(&i, "ProjectionExpression"), &cx.cx()).unwrap();
        let got = p.apply(&item(json!({ "a": { "N": "1" }, "status": { "S": "on" }, "x.y": { "S": "dot" }, "x": { "M": { "y": { "S": "nested" } } }, "b": { "S": "no" } })));
        assert_eq!(item_to_json(&got), json!({ "a": { "N": "1" }, "status": { "S": "on" }, "x.y": { "S": "dot" } }));

        // BatchGetItem: per table.
        let i = rewritten(
            "BatchGetItem",
            json!({ "RequestItems": {
                "t1": { "Keys": [], "AttributesToGet": ["v"] },
                "t2": { "Keys": [], "ProjectionExpression": "w" },
            }}),
        );
        assert_eq!(
            i["RequestItems"]["t1"],
            json!({ "Keys": [], "ProjectionExpression": "#lg0", "ExpressionAttributeNames": { "#lg0": "v" } })
        );
        assert_eq!(i["RequestItems"]["t2"], json!({ "Keys": [], "ProjectionExpression": "w" }));
    }

    #[test]
    fn key_conditions_become_a_key_condition_expression() {
        let cases = [
            (json!({ "ComparisonOperator": "EQ", "AttributeValueList": [{ "N": "5" }] }), "#lg1 = :lg1"),
            (json!({ "ComparisonOperator": "LE", "AttributeValueList": [{ "N": "5" }] }), "#lg1 <= :lg1"),
            (json!({ "ComparisonOperator": "LT", "AttributeValueList": [{ "N": "5" }] }), "#lg1 < :lg1"),
            (json!({ "ComparisonOperator": "GE", "AttributeValueList": [{ "N": "5" }] }), "#lg1 >= :lg1"),
            (json!({ "ComparisonOperator": "GT", "AttributeValueList": [{ "N": "5" }] }), "#lg1 > :lg1"),
            (
                json!({ "ComparisonOperator": "BETWEEN", "AttributeValueList": [{ "N": "1" }, { "N": "9" }] }),
                "#lg1 BETWEEN :lg1 AND :lg2",
            ),
        ];
        for (sk, want) in cases {
            let i = rewritten(
                "Query",
                json!({ "TableName": "t", "KeyConditions": {
                    "pk": { "ComparisonOperator": "EQ", "AttributeValueList": [{ "S": "a" }] },
                    "sk": sk,
                }}),
            );
            assert_eq!(text(&i, "KeyConditionExpression"), format!("#lg0 = :lg0 AND {want}"));
            assert!(!i.contains_key("KeyConditions"));
            let cx = Cx::of(&i);
            let cx = cx.cx();
            let k = key_condition(text(&i, "KeyConditionExpression"), &cx, "pk", Some("sk")).unwrap();
            cx.check_unused().unwrap();
            assert_eq!(k.hash, AttributeValue::S("a".into()));
            assert!(k.range.is_some());
        }
        let i = rewritten(
            "Query",
            json!({ "TableName": "t", "KeyConditions": {
                "pk": { "ComparisonOperator": "EQ", "AttributeValueList": [{ "S": "a" }] },
                "sk": { "ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{ "S": "ord#" }] },
            }}),
        );
        assert_eq!(text(&i, "KeyConditionExpression"), "#lg0 = :lg0 AND begins_with(#lg1, :lg1)");
        let cx = Cx::of(&i);
        let k = key_condition(text(&i, "KeyConditionExpression"), &cx.cx(), "pk", Some("sk")).unwrap();
        assert!(k.range.unwrap().matches(&AttributeValue::S("ord#7".into())));
    }

    #[test]
    fn key_conditions_go_with_a_filter_expression_and_keep_clear_of_its_placeholders() {
        let i = rewritten(
            "Query",
            json!({
                "TableName": "t",
                "KeyConditions": { "pk": { "ComparisonOperator": "EQ", "AttributeValueList": [{ "S": "a" }] } },
                "FilterExpression": "#lg0 = :lg0",
                "ExpressionAttributeNames": { "#lg0": "n" },
                "ExpressionAttributeValues": { ":lg0": { "N": "1" } },
            }),
        );
        assert_eq!(text(&i, "KeyConditionExpression"), "#lg1 = :lg1");
        assert_eq!(i["ExpressionAttributeNames"], json!({ "#lg0": "n", "#lg1": "pk" }));
        assert_eq!(i["ExpressionAttributeValues"], json!({ ":lg0": { "N": "1" }, ":lg1": { "S": "a" } }));
        assert_eq!(text(&i, "FilterExpression"), "#lg0 = :lg0");
    }

    #[test]
    fn filters_translate_every_comparison_operator() {
        let it = |v: Value| json!({ "a": v });
        let none = json!({});
        // (operator, values, items, expected results)
        #[allow(clippy::type_complexity)]
        let cases: Vec<(&str, Value, &str, Vec<Value>, Vec<bool>)> = vec![
            (
                "EQ",
                json!([{ "N": "5" }]),
                "#lg0 = :lg0",
                vec![it(json!({ "N": "5.0" })), it(json!({ "S": "5" })), none.clone()],
                vec![true, false, false],
            ),
            (
                "NE",
                json!([{ "N": "5" }]),
                "#lg0 <> :lg0",
                vec![it(json!({ "N": "5" })), it(json!({ "N": "6" }))],
                vec![false, true],
            ),
            (
                "LE",
                json!([{ "N": "5" }]),
                "#lg0 <= :lg0",
                vec![it(json!({ "N": "5" })), it(json!({ "N": "6" })), it(json!({ "S": "1" }))],
                vec![true, false, false],
            ),
            (
                "LT",
                json!([{ "S": "m" }]),
                "#lg0 < :lg0",
                vec![it(json!({ "S": "a" })), it(json!({ "S": "m" }))],
                vec![true, false],
            ),
            (
                "GE",
                json!([{ "N": "5" }]),
                "#lg0 >= :lg0",
                vec![it(json!({ "N": "5" })), it(json!({ "N": "4" }))],
                vec![true, false],
            ),
            (
                "GT",
                json!([{ "N": "5" }]),
                "#lg0 > :lg0",
                vec![it(json!({ "N": "10" })), it(json!({ "N": "5" }))],
                vec![true, false],
            ),
            (
                "NOT_NULL",
                json!([]),
                "attribute_exists(#lg0)",
                vec![it(json!({ "NULL": true })), none.clone()],
                vec![true, false],
            ),
            (
                "NULL",
                json!([]),
                "attribute_not_exists(#lg0)",
                vec![it(json!({ "S": "x" })), none.clone()],
                vec![false, true],
            ),
            (
                "CONTAINS",
                json!([{ "S": "ell" }]),
                "contains(#lg0, :lg0)",
                vec![it(json!({ "S": "hello" })), it(json!({ "SS": ["ell"] })), it(json!({ "S": "x" }))],
                vec![true, true, false],
            ),
            (
                "NOT_CONTAINS",
                json!([{ "S": "ell" }]),
                "NOT contains(#lg0, :lg0)",
                vec![it(json!({ "S": "hello" })), it(json!({ "S": "x" }))],
                vec![false, true],
            ),
            (
                "BEGINS_WITH",
                json!([{ "S": "he" }]),
                "begins_with(#lg0, :lg0)",
                vec![it(json!({ "S": "hello" })), it(json!({ "S": "oh" }))],
                vec![true, false],
            ),
            (
                "IN",
                json!([{ "N": "1" }, { "N": "3" }]),
                "#lg0 IN (:lg0, :lg1)",
                vec![it(json!({ "N": "3" })), it(json!({ "N": "2" }))],
                vec![true, false],
            ),
            (
                "BETWEEN",
                json!([{ "N": "1" }, { "N": "3" }]),
                "#lg0 BETWEEN :lg0 AND :lg1",
                vec![it(json!({ "N": "1" })), it(json!({ "N": "3" })), it(json!({ "N": "4" }))],
                vec![true, true, false],
            ),
        ];
        for (op, values, want, items, results) in cases {
            for (opname, parameter) in [("Scan", "ScanFilter"), ("Query", "QueryFilter")] {
                let mut doc = json!({ "TableName": "t" });
                doc[parameter] = json!({ "a": { "ComparisonOperator": op, "AttributeValueList": values } });
                let i = rewritten(opname, doc);
                assert_eq!(text(&i, "FilterExpression"), want, "{op}");
                assert!(!i.contains_key(parameter));
                assert_eq!(evals(&i, "FilterExpression", &items), results, "{op}");
            }
        }
    }

    #[test]
    fn conditional_operator_joins_conditions() {
        let filter = json!({
            "a": { "ComparisonOperator": "EQ", "AttributeValueList": [{ "N": "1" }] },
            "b": { "ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{ "S": "x" }] },
        });
        let items = [
            json!({ "a": { "N": "1" }, "b": { "S": "x" } }),
            json!({ "a": { "N": "2" }, "b": { "S": "y" } }),
            json!({ "a": { "N": "1" }, "b": { "S": "y" } }),
            json!({ "a": { "N": "2" }, "b": { "S": "x" } }),
        ];
        let i = rewritten("Scan", json!({ "TableName": "t", "ScanFilter": filter, "ConditionalOperator": "OR" }));
        assert_eq!(text(&i, "FilterExpression"), "#lg0 = :lg0 OR NOT contains(#lg1, :lg1)");
        assert!(!i.contains_key("ConditionalOperator"));
        assert_eq!(evals(&i, "FilterExpression", &items), [true, true, true, false]);
        for and in [json!("AND"), Value::Null] {
            let i = rewritten("Scan", json!({ "TableName": "t", "ScanFilter": filter, "ConditionalOperator": and }));
            assert_eq!(text(&i, "FilterExpression"), "#lg0 = :lg0 AND NOT contains(#lg1, :lg1)");
            assert_eq!(evals(&i, "FilterExpression", &items), [false, false, true, false]);
        }
        // The same attribute in a filter and AttributesToGet shares one name placeholder.
        let i = rewritten("Scan", json!({ "TableName": "t", "ScanFilter": filter, "AttributesToGet": ["b"] }));
        assert_eq!(text(&i, "ProjectionExpression"), "#lg0");
        assert_eq!(text(&i, "FilterExpression"), "#lg1 = :lg0 AND NOT contains(#lg0, :lg1)");
    }

    #[test]
    fn expected_translates_value_exists_and_comparison_forms() {
        let cases = [
            (json!({ "Exists": false }), "attribute_not_exists(#lg0)", [false, true, false]),
            (json!({ "Value": { "S": "v" } }), "#lg0 = :lg0", [true, false, false]),
            (json!({ "Value": { "S": "v" }, "Exists": true }), "#lg0 = :lg0", [true, false, false]),
            (json!({ "ComparisonOperator": "NE", "Value": { "S": "v" } }), "#lg0 <> :lg0", [false, true, true]),
            (json!({ "ComparisonOperator": "NOT_NULL" }), "attribute_exists(#lg0)", [true, false, true]),
            (
                json!({ "ComparisonOperator": "IN", "AttributeValueList": [{ "S": "v" }, { "S": "w" }] }),
                "#lg0 IN (:lg0, :lg1)",
                [true, false, true],
            ),
        ];
        let items = [json!({ "a": { "S": "v" } }), json!({}), json!({ "a": { "S": "w" } })];
        for op in ["PutItem", "UpdateItem", "DeleteItem"] {
            for (cond, want, results) in &cases {
                let i = rewritten(op, json!({ "TableName": "t", "Expected": { "a": cond } }));
                assert_eq!(text(&i, "ConditionExpression"), *want, "{op} {cond}");
                assert!(!i.contains_key("Expected"));
                assert_eq!(evals(&i, "ConditionExpression", &items), results, "{op} {cond}");
            }
        }
        let i = rewritten(
            "PutItem",
            json!({ "TableName": "t", "ConditionalOperator": "OR", "Expected": {
                "a": { "Exists": false }, "b": { "Value": { "N": "1" } },
            }}),
        );
        assert_eq!(text(&i, "ConditionExpression"), "attribute_not_exists(#lg0) OR #lg1 = :lg0");
    }

    #[test]
    fn attribute_updates_become_an_update_expression() {
        let i = rewritten(
            "UpdateItem",
            json!({ "TableName": "t", "Key": {}, "AttributeUpdates": {
                "put": { "Value": { "S": "new" } },
                "put2": { "Action": "PUT", "Value": { "N": "2" } },
                "count": { "Action": "ADD", "Value": { "N": "3" } },
                "tags": { "Action": "ADD", "Value": { "SS": ["b", "c"] } },
                "list": { "Action": "ADD", "Value": { "L": [{ "S": "z" }] } },
                "fresh": { "Action": "ADD", "Value": { "L": [{ "S": "first" }] } },
                "gone": { "Action": "DELETE" },
                "nums": { "Action": "DELETE", "Value": { "NS": ["1"] } },
            }}),
        );
        assert_eq!(
            text(&i, "UpdateExpression"),
            "SET #lg1 = list_append(if_not_exists(#lg1, :lg1), :lg2), #lg3 = list_append(if_not_exists(#lg3, :lg3), :lg4), #lg5 = :lg6, #lg6 = :lg7 REMOVE #lg2 ADD #lg0 :lg0, #lg7 :lg8 DELETE #lg4 :lg5"
        );
        assert!(!i.contains_key("AttributeUpdates"));
        let after = updated(
            &i,
            json!({
                "put": { "S": "old" }, "count": { "N": "1" }, "tags": { "SS": ["a"] }, "list": { "L": [{ "S": "y" }] },
                "gone": { "S": "x" }, "nums": { "NS": ["1", "2"] }, "kept": { "BOOL": true },
            }),
        );
        assert_eq!(
            after,
            json!({
                "put": { "S": "new" }, "put2": { "N": "2" }, "count": { "N": "4" }, "tags": { "SS": ["a", "b", "c"] },
                "list": { "L": [{ "S": "y" }, { "S": "z" }] }, "fresh": { "L": [{ "S": "first" }] },
                "nums": { "NS": ["2"] }, "kept": { "BOOL": true },
            })
        );
        // Nothing to update: no UpdateExpression.
        let i = rewritten("UpdateItem", json!({ "TableName": "t", "Key": {}, "AttributeUpdates": {} }));
        assert!(!i.contains_key("UpdateExpression") && !i.contains_key("AttributeUpdates"));
        // With Expected: both translated, placeholders shared.
        let i = rewritten(
            "UpdateItem",
            json!({ "TableName": "t", "Key": {}, "AttributeUpdates": { "n": { "Action": "ADD", "Value": { "N": "1" } } },
                    "Expected": { "n": { "ComparisonOperator": "LT", "AttributeValueList": [{ "N": "10" }] } } }),
        );
        assert_eq!(text(&i, "ConditionExpression"), "#lg0 < :lg0");
        assert_eq!(text(&i, "UpdateExpression"), "ADD #lg0 :lg1");
    }

    #[test]
    fn mixing_legacy_and_expression_parameters_is_refused() {
        let cases = [
            (
                "PutItem",
                json!({ "Expected": { "a": { "Exists": false } }, "ConditionExpression": "attribute_not_exists(a)" }),
                "Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}",
            ),
            (
                "UpdateItem",
                json!({ "AttributeUpdates": {}, "Expected": {}, "UpdateExpression": "SET a = :v", "ConditionExpression": "a = :v" }),
                "Non-expression parameters: {AttributeUpdates, Expected} Expression parameters: {UpdateExpression, ConditionExpression}",
            ),
            (
                "UpdateItem",
                json!({ "AttributeUpdates": {}, "ConditionExpression": "attribute_exists(a)" }),
                "Non-expression parameters: {AttributeUpdates} Expression parameters: {ConditionExpression}",
            ),
            (
                "Query",
                json!({ "QueryFilter": {}, "KeyConditionExpression": "pk = :p" }),
                "Non-expression parameters: {QueryFilter} Expression parameters: {KeyConditionExpression}",
            ),
            (
                "Query",
                json!({ "KeyConditions": {}, "KeyConditionExpression": "pk = :p" }),
                "Non-expression parameters: {KeyConditions} Expression parameters: {KeyConditionExpression}",
            ),
            (
                "Scan",
                json!({ "AttributesToGet": ["a"], "FilterExpression": "a = :v" }),
                "Non-expression parameters: {AttributesToGet} Expression parameters: {FilterExpression}",
            ),
            (
                "GetItem",
                json!({ "AttributesToGet": ["a"], "ProjectionExpression": "a" }),
                "Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}",
            ),
        ];
        for (op, doc, want) in cases {
            assert_eq!(
                refused(op, doc),
                format!("Can not use both expression and non-expression parameters in the same request: {want}")
            );
        }
        let m = refused(
            "BatchGetItem",
            json!({ "RequestItems": { "t": { "Keys": [], "AttributesToGet": ["a"], "ProjectionExpression": "a" } } }),
        );
        assert!(m.contains("{AttributesToGet}"), "{m}");
        // Placeholders without an expression.
        assert_eq!(
            refused("PutItem", json!({ "Expected": {}, "ExpressionAttributeNames": { "#a": "a" } })),
            "ExpressionAttributeNames can only be specified when using expressions"
        );
        assert_eq!(
            refused(
                "UpdateItem",
                json!({ "AttributeUpdates": {}, "ExpressionAttributeValues": { ":a": { "S": "a" } } })
            ),
            "ExpressionAttributeValues can only be specified when using expressions: UpdateExpression and ConditionExpression are null"
        );
        assert_eq!(
            refused("Scan", json!({ "ScanFilter": {}, "ExpressionAttributeValues": { ":a": { "S": "a" } } })),
            "ExpressionAttributeValues can only be specified when using expressions: FilterExpression is null"
        );
    }

    #[test]
    fn operator_arguments_are_checked() {
        let filter = |c: Value| refused("Scan", json!({ "ScanFilter": { "a": c } }));
        let p = "One or more parameter values were invalid: ";
        assert_eq!(
            filter(json!({ "ComparisonOperator": "EQ", "AttributeValueList": [] })),
            format!("{p}Invalid number of argument(s) for the EQ ComparisonOperator")
        );
        assert_eq!(
            filter(json!({ "ComparisonOperator": "EQ" })),
            format!("{p}Invalid number of argument(s) for the EQ ComparisonOperator")
        );
        assert_eq!(
            filter(json!({ "ComparisonOperator": "NULL", "AttributeValueList": [{ "S": "x" }] })),
            format!("{p}Invalid number of argument(s) for the NULL ComparisonOperator")
        );
        assert_eq!(
            filter(json!({ "ComparisonOperator": "BETWEEN", "AttributeValueList": [{ "N": "1" }] })),
            format!("{p}Invalid number of argument(s) for the BETWEEN ComparisonOperator")
        );
        assert_eq!(
            filter(json!({ "ComparisonOperator": "IN", "AttributeValueList": [] })),
            format!("{p}Invalid number of argument(s) for the IN ComparisonOperator")
        );
        assert_eq!(
            filter(json!({ "ComparisonOperator": "IN", "AttributeValueList": [{ "N": "1" }, { "S": "1" }] })),
            format!("{p}AttributeValues inside AttributeValueList must be of same type")
        );
        assert_eq!(
            filter(json!({ "ComparisonOperator": "GT", "AttributeValueList": [{ "SS": ["a"] }] })),
            format!("{p}ComparisonOperator GT is not valid for SS AttributeValue type")
        );
        assert_eq!(
            filter(json!({ "ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{ "N": "1" }] })),
            format!("{p}ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type")
        );
        assert_eq!(
            filter(json!({ "ComparisonOperator": "CONTAINS", "AttributeValueList": [{ "BOOL": true }] })),
            format!("{p}ComparisonOperator CONTAINS is not valid for BOOL AttributeValue type")
        );
        assert_eq!(
            filter(json!({ "ComparisonOperator": "BETWEEN", "AttributeValueList": [{ "N": "10" }, { "N": "9" }] })),
            "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound"
        );
        let m = filter(json!({ "ComparisonOperator": "EQ", "AttributeValueList": [{ "N": "abc" }] }));
        assert!(m.contains("numeric"), "{m}");
        assert_eq!(
            filter(json!({ "ComparisonOperator": "LIKE", "AttributeValueList": [{ "S": "x" }] })),
            "1 validation error detected: Value 'LIKE' at 'scanFilter.a.member.comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]"
        );
        assert_eq!(
            refused("Query", json!({ "QueryFilter": { "a": { "AttributeValueList": [{ "S": "x" }] } } })),
            "1 validation error detected: Value null at 'queryFilter.a.member.comparisonOperator' failed to satisfy constraint: Member must not be null"
        );
        // Key conditions take the operators an index can answer.
        let key = |c: Value| refused("Query", json!({ "KeyConditions": { "pk": c } }));
        assert_eq!(
            key(json!({ "ComparisonOperator": "NE", "AttributeValueList": [{ "S": "x" }] })),
            "Attempted conditional constraint is not an indexable operation"
        );
        assert_eq!(
            key(json!({ "ComparisonOperator": "IN", "AttributeValueList": [{ "S": "x" }] })),
            "Attempted conditional constraint is not an indexable operation"
        );
        assert_eq!(
            key(json!({ "ComparisonOperator": "GT", "AttributeValueList": [] })),
            format!("{p}Invalid number of argument(s) for the GT ComparisonOperator")
        );
        assert_eq!(refused("Query", json!({ "KeyConditions": {} })), "Conditions can be of length 1 or 2 only");
    }

    #[test]
    fn expected_forms_are_checked() {
        let expected = |c: Value| refused("PutItem", json!({ "Expected": { "a": c } }));
        let p = "One or more parameter values were invalid: ";
        assert_eq!(
            expected(json!({ "Exists": true })),
            format!("{p}Value must be provided when Exists is true for Attribute: a")
        );
        assert_eq!(expected(json!({})), format!("{p}Value must be provided when Exists is null for Attribute: a"));
        assert_eq!(
            expected(json!({ "Exists": false, "Value": { "S": "x" } })),
            format!("{p}Value cannot be used when Exists is false for Attribute: a")
        );
        assert_eq!(
            expected(json!({ "ComparisonOperator": "EQ", "Exists": true, "Value": { "S": "x" } })),
            format!("{p}Exists and ComparisonOperator cannot be used together for Attribute: a")
        );
        assert_eq!(
            expected(
                json!({ "ComparisonOperator": "EQ", "Value": { "S": "x" }, "AttributeValueList": [{ "S": "x" }] })
            ),
            format!("{p}Value and AttributeValueList cannot be used together for Attribute: a")
        );
        assert_eq!(
            expected(json!({ "AttributeValueList": [{ "S": "x" }] })),
            format!("{p}AttributeValueList can only be used with a ComparisonOperator for Attribute: a")
        );
        assert_eq!(
            expected(json!({ "ComparisonOperator": "GE" })),
            format!("{p}Value or AttributeValueList must be used with ComparisonOperator: GE for Attribute: a")
        );
        assert_eq!(
            expected(json!({ "ComparisonOperator": "CONTAINS", "Value": { "L": [] } })),
            format!("{p}ComparisonOperator CONTAINS is not valid for L AttributeValue type")
        );
        let mut i = input(json!({ "Expected": { "a": { "Exists": "yes" } } }));
        assert_eq!(rewrite("PutItem", &mut i).unwrap_err().code, "SerializationException");
    }

    #[test]
    fn conditional_operator_is_checked() {
        let two = json!({ "a": { "Exists": false }, "b": { "Exists": false } });
        assert_eq!(
            refused("PutItem", json!({ "Expected": two, "ConditionalOperator": "XOR" })),
            "1 validation error detected: Value 'XOR' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [OR, AND]"
        );
        assert_eq!(
            refused("DeleteItem", json!({ "ConditionalOperator": "OR" })),
            "ConditionalOperator cannot be used without Filter or Expected"
        );
        assert_eq!(
            refused(
                "Query",
                json!({ "KeyConditions": { "pk": { "ComparisonOperator": "EQ", "AttributeValueList": [{ "S": "a" }] } }, "ConditionalOperator": "OR" })
            ),
            "ConditionalOperator cannot be used without Filter or Expected"
        );
        assert_eq!(
            refused(
                "Scan",
                json!({ "ScanFilter": { "a": { "ComparisonOperator": "NULL" } }, "ConditionalOperator": "AND" })
            ),
            "ConditionalOperator can only be used when Filter or Expected has two or more elements"
        );
        assert_eq!(
            refused("Scan", json!({ "ConditionalOperator": "AND", "FilterExpression": "a = :a" })),
            "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {ConditionalOperator} Expression parameters: {FilterExpression}"
        );
    }

    #[test]
    fn attribute_updates_are_checked() {
        let update = |u: Value| refused("UpdateItem", json!({ "AttributeUpdates": { "a": u } }));
        let p = "One or more parameter values were invalid: ";
        assert_eq!(update(json!({})), format!("{p}Only DELETE action is allowed when no attribute value is specified"));
        assert_eq!(
            update(json!({ "Action": "ADD" })),
            format!("{p}Only DELETE action is allowed when no attribute value is specified")
        );
        assert_eq!(
            update(json!({ "Action": "ADD", "Value": { "S": "x" } })),
            format!("{p}ADD action is not supported for the type S")
        );
        assert_eq!(
            update(json!({ "Action": "DELETE", "Value": { "N": "1" } })),
            format!("{p}DELETE action with value is not supported for the type N")
        );
        assert_eq!(
            update(json!({ "Action": "REPLACE", "Value": { "N": "1" } })),
            "1 validation error detected: Value 'REPLACE' at 'attributeUpdates.a.member.action' failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]"
        );
        assert_eq!(
            update(json!({ "Value": { "SS": [] } })),
            "One or more parameter values were invalid: An string set  may not be empty"
        );
    }

    #[test]
    fn attributes_to_get_are_checked() {
        assert_eq!(
            refused("GetItem", json!({ "AttributesToGet": [] })),
            "1 validation error detected: Value '[]' at 'attributesToGet' failed to satisfy constraint: Member must have length greater than or equal to 1"
        );
        assert_eq!(
            refused("Scan", json!({ "AttributesToGet": ["a", "b", "a"] })),
            "One or more parameter values were invalid: Duplicate value in attribute name: a"
        );
    }
}
