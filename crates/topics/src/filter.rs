//! Amazon SNS subscription filter policies: parsing and validation ([`FilterPolicy::parse`])
//! and evaluation against a published message ([`FilterPolicy::matches`]).
//!
//! # Interface
//!
//! [`FilterPolicy::matches`] takes the message attributes as a lookup closure,
//! `&dyn Fn(&str) -> Option<AttributeRef<'a>>`, rather than a map: the caller serves lookups from
//! whatever structure it already holds (a `BTreeMap`, a `Vec` of pairs, a wire struct) without
//! building a second collection per message and subscription.
//!
//! # How SNS evaluates policies
//!
//! SNS compiles filter policies with the rule engine it shares with EventBridge (aws/event-ruler):
//! its validation errors are that engine's messages verbatim. This module follows that engine and
//! the SNS developer guide, with these rules (the ones the docs leave open are marked *decision*):
//!
//! - A policy is an object of `key -> [conditions]`. Keys are ANDed, a key's conditions are ORed.
//!   With `MessageBody` scope a key may hold an object instead (a nested property); nested keys are
//!   joined with `.` exactly like event-ruler's paths, so the policy key `"a.b"`, the policy
//!   `{"a": {"b": ..}}`, the body `{"a.b": ..}` and the body `{"a": {"b": ..}}` all meet
//!   (verified against AWS by LocalStack's snapshot tests).
//! - `"$or": [{..}, {..}]` is an OR of sub-policies ANDed with its siblings, at any level. As the
//!   SNS guide says, `$or` is only an operator when its value is an array of at least two objects
//!   none of whose keys is a reserved operator name; otherwise `$or` is an ordinary key.
//! - Values are typed. String attributes (and JSON strings in a body) are strings, Number
//!   attributes (and JSON numbers) are numbers, `String.Array` attributes are JSON arrays whose
//!   elements keep their JSON types. String conditions (exact string, `prefix`, `suffix`,
//!   `equals-ignore-case`, `cidr`) only meet strings; numeric conditions (exact number, `numeric`,
//!   numeric `anything-but`) only meet numbers, compared numerically (`5` equals `5.0` and `5e0`);
//!   `true`/`false`/`null` meet the JSON literals (in a body or a `String.Array`). So a String
//!   attribute holding `"5"` never satisfies `{"numeric": ..}`, as in event-ruler.
//! - A value that is an array (`String.Array` attribute, body array, arrays of arrays or of
//!   objects) matches when any element matches. *Decision:* this includes `anything-but`, which the
//!   guide's worked example shows matching `["rugby", "baseball"]` against
//!   `{"anything-but": ["rugby", "tennis"]}` (one of its newer sentences says the opposite; the
//!   example is what event-ruler does).
//! - `anything-but` never matches an absent key. *Decision (event-ruler's "match unless equal"
//!   model):* string `anything-but` and `anything-but`/`prefix` match every present value that is
//!   not an excluded string, including numbers, booleans and null; numeric `anything-but` only
//!   matches numbers. SNS rejects `anything-but` with `suffix` or `equals-ignore-case`
//!   ("Unsupported anything-but pattern: suffix", recorded against AWS in 2024).
//! - `exists` looks at presence only: an attribute with that name, or at least one leaf value at
//!   that body path. Like event-ruler it only sees leaves: a path holding an object or an empty
//!   array counts as absent.
//! - `cidr` follows event-ruler: the range runs from the written address up to that address with
//!   all host bits set (so `10.0.0.5/24` covers `.5` to `.255`), IPv4 masks must be `< 32` and
//!   IPv6 masks `< 128`. A plain string condition that is an IP address also matches other
//!   spellings of the same address (`::1` and `0:0:0:0:0:0:0:1`).
//! - Numbers in `numeric` and numeric `anything-but` must lie in -1e9..=1e9 (the SNS limit);
//!   message values outside that range never satisfy them. A plain number condition may be
//!   any number.
//! - Limits: at most 256 KB of policy text; at most five keys, counted per `$or` alternative as
//!   the distinct top-level keys (nested body keys do not count, as the current guide says); at
//!   most 150 combinations, where a key contributes (number of values x nesting depth) and the
//!   alternatives of `$or` add up (the formula in the guide's nested example and LocalStack's
//!   AWS-validated tests).
//! - Binary attributes are present (they satisfy `exists: true`) but carry no value, so no value
//!   condition matches them. A `String.Array` attribute that is not a JSON array behaves the same.
//! - With `MessageBody` scope a body that is not a JSON object matches nothing, even a policy made
//!   only of `exists: false` conditions.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde_json::{Map, Value};

/// SNS refuses policy documents larger than 256 KB.
const MAX_POLICY_BYTES: usize = 256 * 1024;
/// SNS allows five keys per policy (per `$or` alternative, top-level keys only).
const MAX_KEYS: usize = 5;
/// SNS's cap on the policy's total combination of values.
const MAX_COMBINATIONS: u64 = 150;
/// SNS's numeric matching range: -1e9..=1e9.
const NUMERIC_LIMIT: f64 = 1e9;
/// The OR operator's key.
const OR_KEY: &str = "$or";
/// Field names that stop an `$or` array from being read as an OR (event-ruler's reserved list).
const RESERVED_IN_OR: &[&str] = &[
    "exactly",
    "equals-ignore-case",
    "prefix",
    "suffix",
    "anything-but",
    "exists",
    "wildcard",
    "numeric",
    "cidr",
    "=",
    "<",
    "<=",
    ">",
    ">=",
    "regex",
    "not-wildcard",
    "not-equals-ignore-case",
    "date-after",
    "date-on-or-after",
    "date-before",
    "date-on-or-before",
    "in-date-range",
    "ip-address-in-range",
    "ip-address-not-in-range",
];

const NESTED_IN_ATTRIBUTES: &str = "Filter policy scope MessageAttributes does not support nested filter policy";
const NUMERIC_OUT_OF_RANGE: &str = "Value must be between -1.0E9 and 1.0E9, inclusive";
const TOO_MANY_NUMERIC_ELEMENTS: &str = "Too many elements in numeric expression";

/// Where a policy looks: message attributes (SNS's default) or the JSON message body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    #[default]
    MessageAttributes,
    MessageBody,
}

impl Scope {
    /// Parses the `FilterPolicyScope` subscription attribute value.
    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "MessageAttributes" => Some(Scope::MessageAttributes),
            "MessageBody" => Some(Scope::MessageBody),
            _ => None,
        }
    }

    /// The `FilterPolicyScope` attribute value for this scope.
    pub fn as_str(&self) -> &'static str {
        match self {
            Scope::MessageAttributes => "MessageAttributes",
            Scope::MessageBody => "MessageBody",
        }
    }
}

/// One message attribute as the filter sees it: SNS data types String, String.Array, Number,
/// Binary (a custom suffix like "String.custom" or "Number.float" keeps the base type).
/// `value` is the StringValue; Binary attributes have value "" and never match string or number
/// conditions (but do satisfy `exists`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttributeRef<'a> {
    pub data_type: &'a str,
    pub value: &'a str,
}

/// A parsed, validated subscription filter policy.
#[derive(Debug, Clone)]
pub struct FilterPolicy {
    scope: Scope,
    root: AllOf,
    /// Every key path the policy tests; body flattening skips subtrees no path reaches.
    paths: Vec<String>,
}

/// Conditions that must all hold: every field, and one alternative of every `$or` group.
#[derive(Debug, Clone, Default)]
struct AllOf {
    fields: Vec<Field>,
    any_of: Vec<Vec<AllOf>>,
}

/// One policy key (a dotted path for nested body keys) and its ORed conditions.
#[derive(Debug, Clone)]
struct Field {
    path: String,
    /// The top-level key this field sits under; the five-key limit counts these.
    top_key: String,
    /// Nesting level (1 = top level); the complexity limit weighs values by it.
    depth: u64,
    conditions: Vec<Condition>,
}

#[derive(Debug, Clone)]
enum Condition {
    Exact(Literal),
    Prefix(String),
    Suffix(String),
    /// Holds the lowercased operand.
    EqualsIgnoreCase(String),
    AnythingBut(AnythingBut),
    Numeric(NumericRange),
    Exists(bool),
    Cidr(IpRange),
}

/// A plain value in a condition array.
#[derive(Debug, Clone)]
enum Literal {
    /// `ip` is set when the text is an IP address, so other spellings of it match too.
    Str {
        text: String,
        ip: Option<IpAddr>,
    },
    Num(f64),
    Bool(bool),
    Null,
}

#[derive(Debug, Clone)]
enum AnythingBut {
    Strings(Vec<String>),
    Numbers(Vec<f64>),
    Prefix(String),
}

#[derive(Debug, Clone, Copy)]
struct Bound {
    value: f64,
    inclusive: bool,
}

#[derive(Debug, Clone, Copy, Default)]
struct NumericRange {
    lower: Option<Bound>,
    upper: Option<Bound>,
}

/// An inclusive address range of one family.
#[derive(Debug, Clone, Copy)]
struct IpRange {
    low: IpAddr,
    high: IpAddr,
}

/// A single value seen in a message.
#[derive(Debug, Clone)]
enum Scalar<'v> {
    Str(Cow<'v, str>),
    Num(f64),
    Bool(bool),
    Null,
}

/// What a message holds for one policy key.
#[derive(Debug, Clone, Default)]
struct FieldValues<'v> {
    present: bool,
    values: Vec<Scalar<'v>>,
}

impl FilterPolicy {
    /// Parses and validates a policy document; Err is the message SNS would put after
    /// "Invalid parameter: FilterPolicy: ".
    pub fn parse(json: &str, scope: Scope) -> Result<FilterPolicy, String> {
        if json.len() > MAX_POLICY_BYTES {
            return Err("Filter policy is too large".to_string());
        }
        let document: Value = serde_json::from_str(json).map_err(|e| format!("failed to parse JSON. {e}"))?;
        let Value::Object(object) = document else {
            return Err("Filter is not an object".to_string());
        };
        if object.is_empty() {
            return Err("Filter policy can not be empty".to_string());
        }
        let mut root = AllOf::default();
        PolicyParser { scope }.object(&object, &Location::root(), &mut root)?;
        check_limits(&root)?;
        let mut paths = Vec::new();
        root.collect_paths(&mut paths);
        Ok(FilterPolicy { scope, root, paths })
    }

    /// Whether a message matches. `attributes` is consulted with `MessageAttributes` scope, `body`
    /// (which must be a JSON object to match anything) with `MessageBody` scope.
    pub fn matches<'a>(&self, attributes: &dyn Fn(&str) -> Option<AttributeRef<'a>>, body: &str) -> bool {
        match self.scope {
            Scope::MessageAttributes => self.root.matches(&|path: &str| match attributes(path) {
                Some(attribute) => FieldValues { present: true, values: attribute_values(attribute) },
                None => FieldValues::default(),
            }),
            Scope::MessageBody => self.matches_body(body),
        }
    }

    fn matches_body(&self, body: &str) -> bool {
        let Ok(Value::Object(object)) = serde_json::from_str::<Value>(body) else {
            return false;
        };
        let leaves = flatten_body(&object, &self.paths);
        self.root.matches(&|path: &str| match leaves.get(path) {
            Some(values) => FieldValues { present: true, values: values.clone() },
            None => FieldValues::default(),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/// Where in the policy an object's keys sit.
struct Location {
    /// Dotted path of the object (empty at the root).
    path: String,
    /// The top-level key above this object; `None` at the root.
    top_key: Option<String>,
    /// Nesting level of the object's keys (1 at the root).
    depth: u64,
}

impl Location {
    fn root() -> Location {
        Location { path: String::new(), top_key: None, depth: 1 }
    }

    fn key_path(&self, key: &str) -> String {
        if self.top_key.is_none() { key.to_string() } else { format!("{}.{key}", self.path) }
    }

    fn top_key_for(&self, key: &str) -> String {
        self.top_key.clone().unwrap_or_else(|| key.to_string())
    }

    /// The location of the keys inside `key`'s nested object.
    fn nested(&self, key: &str) -> Location {
        Location { path: self.key_path(key), top_key: Some(self.top_key_for(key)), depth: self.depth + 1 }
    }
}

struct PolicyParser {
    scope: Scope,
}

impl PolicyParser {
    /// Adds an object's keys to `into` (nested objects and `$or` alternatives included).
    fn object(&self, object: &Map<String, Value>, at: &Location, into: &mut AllOf) -> Result<(), String> {
        if object.is_empty() {
            return Err("Empty objects are not allowed".to_string());
        }
        for (key, value) in object {
            if key == OR_KEY
                && let Some(branches) = or_branches(value)
            {
                into.any_of.push(self.alternatives(&branches, at)?);
                continue;
            }
            match value {
                Value::Object(inner) => {
                    if self.scope == Scope::MessageAttributes {
                        return Err(NESTED_IN_ATTRIBUTES.to_string());
                    }
                    self.object(inner, &at.nested(key), into)?;
                }
                Value::Array(items) => into.fields.push(Field {
                    path: at.key_path(key),
                    top_key: at.top_key_for(key),
                    depth: at.depth,
                    conditions: conditions(items)?,
                }),
                _ => return Err(format!("\"{key}\" must be an object or an array")),
            }
        }
        Ok(())
    }

    /// Parses the alternatives of an `$or`; they sit at the same location as the `$or` itself.
    fn alternatives(&self, branches: &[&Map<String, Value>], at: &Location) -> Result<Vec<AllOf>, String> {
        branches
            .iter()
            .map(|branch| {
                let mut all = AllOf::default();
                self.object(branch, at, &mut all).map(|()| all)
            })
            .collect()
    }
}

/// The alternatives when an `$or` value really is an OR (see the module docs), else `None`.
fn or_branches(value: &Value) -> Option<Vec<&Map<String, Value>>> {
    let Value::Array(items) = value else {
        return None;
    };
    if items.len() < 2 {
        return None;
    }
    items
        .iter()
        .map(|item| match item {
            Value::Object(branch) if !branch.keys().any(|key| RESERVED_IN_OR.contains(&key.as_str())) => Some(branch),
            _ => None,
        })
        .collect()
}

fn conditions(items: &[Value]) -> Result<Vec<Condition>, String> {
    if items.is_empty() {
        return Err("Empty arrays are not allowed".to_string());
    }
    items.iter().map(condition).collect()
}

fn condition(item: &Value) -> Result<Condition, String> {
    Ok(match item {
        Value::String(text) => Condition::Exact(Literal::Str { text: text.clone(), ip: parse_ip(text) }),
        Value::Number(number) => Condition::Exact(Literal::Num(json_number(number))),
        Value::Bool(b) => Condition::Exact(Literal::Bool(*b)),
        Value::Null => Condition::Exact(Literal::Null),
        Value::Object(expression) => match_expression(expression)?,
        Value::Array(_) => {
            return Err("Match value must be String, number, true, false, or null".to_string());
        }
    })
}

/// Parses `{"operator": operand}`.
fn match_expression(expression: &Map<String, Value>) -> Result<Condition, String> {
    let mut entries = expression.iter();
    let (Some((operator, operand)), None) = (entries.next(), entries.next()) else {
        return Err(if expression.is_empty() {
            "Match expression name not found".to_string()
        } else {
            "Only one key allowed in match expression".to_string()
        });
    };
    match operator.as_str() {
        "prefix" => string_operand(operator, operand).map(Condition::Prefix),
        "suffix" => string_operand(operator, operand).map(Condition::Suffix),
        "equals-ignore-case" => {
            string_operand(operator, operand).map(|s| Condition::EqualsIgnoreCase(s.to_lowercase()))
        }
        "anything-but" => anything_but(operand).map(Condition::AnythingBut),
        "numeric" => numeric(operand).map(Condition::Numeric),
        "exists" => match operand {
            Value::Bool(expected) => Ok(Condition::Exists(*expected)),
            _ => Err("exists match pattern must be either true or false.".to_string()),
        },
        // SNS reports a non-string cidr operand with the prefix message (event-ruler's wording).
        "cidr" => match operand {
            Value::String(block) => cidr(block).map(Condition::Cidr),
            _ => Err("prefix match pattern must be a string".to_string()),
        },
        other => Err(format!("Unrecognized match type {other}")),
    }
}

fn string_operand(operator: &str, operand: &Value) -> Result<String, String> {
    match operand {
        Value::String(s) => Ok(s.clone()),
        _ => Err(format!("{operator} match pattern must be a string")),
    }
}

fn anything_but(operand: &Value) -> Result<AnythingBut, String> {
    match operand {
        Value::String(s) => Ok(AnythingBut::Strings(vec![s.clone()])),
        Value::Number(n) => Ok(AnythingBut::Numbers(vec![bounded_number(n)?])),
        Value::Array(items) => anything_but_list(items),
        Value::Object(inner) => anything_but_prefix(inner),
        Value::Null | Value::Bool(_) => {
            Err("Value of anything-but must be an array or single string/number value.".to_string())
        }
    }
}

/// A list must be all strings or all numbers.
fn anything_but_list(items: &[Value]) -> Result<AnythingBut, String> {
    let mut strings = Vec::new();
    let mut numbers = Vec::new();
    for item in items {
        match item {
            Value::String(s) => strings.push(s.clone()),
            Value::Number(n) => numbers.push(bounded_number(n)?),
            _ => {
                return Err("Inside anything but list, start|null|boolean is not supported.".to_string());
            }
        }
    }
    match (strings.is_empty(), numbers.is_empty()) {
        (false, true) => Ok(AnythingBut::Strings(strings)),
        (true, false) => Ok(AnythingBut::Numbers(numbers)),
        _ => {
            Err("Inside anything but list, either all values are number or string, mixed type is not supported"
                .to_string())
        }
    }
}

/// `{"anything-but": {"prefix": "..."}}`, the only nested form SNS accepts.
fn anything_but_prefix(inner: &Map<String, Value>) -> Result<AnythingBut, String> {
    let mut entries = inner.iter();
    let (Some((operator, operand)), None) = (entries.next(), entries.next()) else {
        return Err(if inner.is_empty() {
            "Anything-But expression name not found".to_string()
        } else {
            "Only one key allowed in match expression".to_string()
        });
    };
    if operator != "prefix" {
        return Err(format!("Unsupported anything-but pattern: {operator}"));
    }
    let prefix = string_operand(operator, operand)?;
    if prefix.is_empty() {
        return Err("Null prefix/suffix not allowed".to_string());
    }
    Ok(AnythingBut::Prefix(prefix))
}

/// Parses a `numeric` operand: `[op, n]` or `[">"|">=", low, "<"|"<=", high]`, with event-ruler's
/// error for each way it can go wrong.
fn numeric(operand: &Value) -> Result<NumericRange, String> {
    let Value::Array(terms) = operand else {
        return Err("Value of numeric must be an array.".to_string());
    };
    let mut terms = terms.iter();
    let operator = match terms.next() {
        None => return Err("Invalid member in numeric match: ]".to_string()),
        Some(Value::String(op)) => op.as_str(),
        Some(other) => {
            return Err(format!("Invalid member in numeric match: {}", token_text(other)));
        }
    };
    let value = |label: &str, term: Option<&Value>| match term {
        Some(Value::Number(n)) => bounded_number(n),
        _ => Err(format!("Value of {label} must be numeric")),
    };
    match operator {
        "=" => {
            let v = value("equals", terms.next())?;
            no_more_terms(&mut terms, TOO_MANY_NUMERIC_ELEMENTS)?;
            Ok(NumericRange { lower: Some(Bound::inclusive(v)), upper: Some(Bound::inclusive(v)) })
        }
        "<" | "<=" => {
            let v = value(operator, terms.next())?;
            no_more_terms(&mut terms, TOO_MANY_NUMERIC_ELEMENTS)?;
            Ok(NumericRange { lower: None, upper: Some(Bound::new(v, operator == "<=")) })
        }
        ">" | ">=" => {
            let lower = Bound::new(value(operator, terms.next())?, operator == ">=");
            let upper = match terms.next() {
                None => None,
                Some(Value::String(top_op)) if top_op == "<" || top_op == "<=" => {
                    let top = value(top_op, terms.next())?;
                    no_more_terms(&mut terms, "Too many terms in numeric range expression")?;
                    if top <= lower.value {
                        return Err("Bottom must be less than top".to_string());
                    }
                    Some(Bound::new(top, top_op == "<="))
                }
                Some(Value::String(top_op)) => {
                    return Err(format!("Bad numeric range operator: {top_op}"));
                }
                Some(other) => {
                    return Err(format!("Bad value in numeric range: {}", token_text(other)));
                }
            };
            Ok(NumericRange { lower: Some(lower), upper })
        }
        other => Err(format!("Unrecognized numeric range operator: {other}")),
    }
}

fn no_more_terms<'t>(terms: &mut impl Iterator<Item = &'t Value>, message: &str) -> Result<(), String> {
    match terms.next() {
        None => Ok(()),
        Some(_) => Err(message.to_string()),
    }
}

/// How the JSON tokenizer SNS uses prints a token in its error messages.
fn token_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_string(),
        Value::Array(_) => "[".to_string(),
        Value::Object(_) => "{".to_string(),
    }
}

fn json_number(number: &serde_json::Number) -> f64 {
    // Without serde_json's arbitrary_precision every number has an f64 form; NaN (which would
    // match nothing) is only a fallback.
    number.as_f64().unwrap_or(f64::NAN)
}

/// A number used in a comparison must be within SNS's numeric range.
fn bounded_number(number: &serde_json::Number) -> Result<f64, String> {
    let value = json_number(number);
    if is_comparable(value) { Ok(value) } else { Err(NUMERIC_OUT_OF_RANGE.to_string()) }
}

fn is_comparable(value: f64) -> bool {
    (-NUMERIC_LIMIT..=NUMERIC_LIMIT).contains(&value)
}

/// Parses a CIDR block the way event-ruler does (see the module docs).
fn cidr(block: &str) -> Result<IpRange, String> {
    let mut parts: Vec<&str> = block.split('/').collect();
    // Java's String.split, which SNS uses, drops trailing empty parts ("10.0.0.0/" has one part).
    while parts.len() > 1 && parts.last() == Some(&"") {
        parts.pop();
    }
    let [address, mask] = parts[..] else {
        return Err("Malformed CIDR, one '/' required".to_string());
    };
    let mask: i32 = mask.parse().map_err(|_| "Malformed CIDR, mask bits must be an integer".to_string())?;
    let mask = u32::try_from(mask).map_err(|_| "Malformed CIDR, mask bits must not be negative".to_string())?;
    if !looks_like_ip(address) {
        return Err(format!("Nonstandard IP address: {address}"));
    }
    let ip = parse_ip(address).ok_or_else(|| format!("Invalid IP address: {address}"))?;
    match ip {
        IpAddr::V4(_) if mask > 31 => Err("IPv4 mask bits must be < 32".to_string()),
        IpAddr::V6(_) if mask > 127 => Err("IPv6 mask bits must be < 128".to_string()),
        IpAddr::V4(v4) => Ok(IpRange { low: ip, high: IpAddr::V4(Ipv4Addr::from(u32::from(v4) | (u32::MAX >> mask))) }),
        IpAddr::V6(v6) => {
            Ok(IpRange { low: ip, high: IpAddr::V6(Ipv6Addr::from(u128::from(v6) | (u128::MAX >> mask))) })
        }
    }
}

/// The shape check event-ruler applies before reading text as an IP address: four dotted runs of
/// digits, or hex digits and colons with at least one colon.
fn looks_like_ip(text: &str) -> bool {
    let ipv4 = text.split('.').count() == 4
        && text.split('.').all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    let ipv6 = text.contains(':') && text.bytes().all(|b| b == b':' || b.is_ascii_hexdigit());
    ipv4 || ipv6
}

/// Reads an IP address literal; IPv4-mapped IPv6 addresses count as IPv4, as in Java.
fn parse_ip(text: &str) -> Option<IpAddr> {
    if !looks_like_ip(text) {
        return None;
    }
    match text.parse::<IpAddr>().ok()? {
        IpAddr::V6(v6) => Some(v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4)),
        v4 => Some(v4),
    }
}

/// Enforces the combination and key limits.
fn check_limits(root: &AllOf) -> Result<(), String> {
    // Checked first: it also bounds the number of `$or` alternatives `key_sets` expands.
    if root.complexity() > MAX_COMBINATIONS {
        return Err("Filter policy is too complex".to_string());
    }
    if root.key_sets().iter().any(|keys| keys.len() > MAX_KEYS) {
        return Err(format!("Filter policy can not have more than {MAX_KEYS} keys"));
    }
    Ok(())
}

impl Bound {
    fn new(value: f64, inclusive: bool) -> Bound {
        Bound { value, inclusive }
    }

    fn inclusive(value: f64) -> Bound {
        Bound::new(value, true)
    }
}

impl AllOf {
    /// Total combinations: fields multiply (values x depth), `$or` alternatives add up.
    fn complexity(&self) -> u64 {
        let fields = self.fields.iter().fold(1u64, |acc, field| {
            let values = u64::try_from(field.conditions.len()).unwrap_or(u64::MAX);
            acc.saturating_mul(values.saturating_mul(field.depth))
        });
        self.any_of.iter().fold(fields, |acc, group| {
            let sum = group.iter().fold(0u64, |sum, branch| sum.saturating_add(branch.complexity()));
            acc.saturating_mul(sum)
        })
    }

    /// The top-level keys of every combination of `$or` alternatives.
    fn key_sets(&self) -> Vec<BTreeSet<&str>> {
        let own: BTreeSet<&str> = self.fields.iter().map(|f| f.top_key.as_str()).collect();
        let mut sets = vec![own];
        for group in &self.any_of {
            let alternatives: Vec<BTreeSet<&str>> = group.iter().flat_map(AllOf::key_sets).collect();
            sets = sets
                .iter()
                .flat_map(|set| alternatives.iter().map(move |alt| set.union(alt).copied().collect()))
                .collect();
        }
        sets
    }

    fn collect_paths(&self, out: &mut Vec<String>) {
        out.extend(self.fields.iter().map(|f| f.path.clone()));
        for branch in self.any_of.iter().flatten() {
            branch.collect_paths(out);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------------

impl AllOf {
    fn matches<'v>(&self, lookup: &dyn Fn(&str) -> FieldValues<'v>) -> bool {
        self.fields.iter().all(|field| field.matches(&lookup(&field.path)))
            && self.any_of.iter().all(|group| group.iter().any(|branch| branch.matches(lookup)))
    }
}

impl Field {
    fn matches(&self, found: &FieldValues<'_>) -> bool {
        self.conditions.iter().any(|c| c.matches(found))
    }
}

impl Condition {
    fn matches(&self, found: &FieldValues<'_>) -> bool {
        match self {
            Condition::Exists(expected) => found.present == *expected,
            _ => found.values.iter().any(|value| self.matches_value(value)),
        }
    }

    fn matches_value(&self, value: &Scalar<'_>) -> bool {
        match (self, value) {
            (Condition::Exact(literal), _) => literal.matches(value),
            (Condition::AnythingBut(excluded), _) => excluded.matches(value),
            (Condition::Prefix(prefix), Scalar::Str(s)) => s.starts_with(prefix.as_str()),
            (Condition::Suffix(suffix), Scalar::Str(s)) => s.ends_with(suffix.as_str()),
            (Condition::EqualsIgnoreCase(lower), Scalar::Str(s)) => s.to_lowercase() == *lower,
            (Condition::Numeric(range), Scalar::Num(n)) => range.contains(*n),
            (Condition::Cidr(range), Scalar::Str(s)) => parse_ip(s).is_some_and(|ip| range.contains(ip)),
            _ => false,
        }
    }
}

impl Literal {
    fn matches(&self, value: &Scalar<'_>) -> bool {
        match (self, value) {
            (Literal::Str { text, ip }, Scalar::Str(s)) => {
                s.as_ref() == text.as_str() || ip.is_some_and(|ip| parse_ip(s) == Some(ip))
            }
            (Literal::Num(expected), Scalar::Num(n)) => n == expected,
            (Literal::Bool(expected), Scalar::Bool(b)) => b == expected,
            (Literal::Null, Scalar::Null) => true,
            _ => false,
        }
    }
}

impl AnythingBut {
    fn matches(&self, value: &Scalar<'_>) -> bool {
        match (self, value) {
            (AnythingBut::Strings(excluded), Scalar::Str(s)) => !excluded.iter().any(|e| e.as_str() == s.as_ref()),
            (AnythingBut::Prefix(prefix), Scalar::Str(s)) => !s.starts_with(prefix.as_str()),
            (AnythingBut::Strings(_) | AnythingBut::Prefix(_), _) => true,
            (AnythingBut::Numbers(excluded), Scalar::Num(n)) => is_comparable(*n) && !excluded.contains(n),
            (AnythingBut::Numbers(_), _) => false,
        }
    }
}

impl NumericRange {
    fn contains(&self, n: f64) -> bool {
        let above = |b: &Bound| if b.inclusive { n >= b.value } else { n > b.value };
        let below = |b: &Bound| if b.inclusive { n <= b.value } else { n < b.value };
        is_comparable(n) && self.lower.as_ref().is_none_or(above) && self.upper.as_ref().is_none_or(below)
    }
}

impl IpRange {
    fn contains(&self, ip: IpAddr) -> bool {
        match (self.low, self.high, ip) {
            (IpAddr::V4(low), IpAddr::V4(high), IpAddr::V4(ip)) => low <= ip && ip <= high,
            (IpAddr::V6(low), IpAddr::V6(high), IpAddr::V6(ip)) => low <= ip && ip <= high,
            _ => false,
        }
    }
}

impl<'v> Scalar<'v> {
    /// A JSON leaf as a message value; arrays and objects are not leaves.
    fn borrowed(value: &'v Value) -> Option<Scalar<'v>> {
        Some(match value {
            Value::String(s) => Scalar::Str(Cow::Borrowed(s.as_str())),
            Value::Number(n) => Scalar::Num(json_number(n)),
            Value::Bool(b) => Scalar::Bool(*b),
            Value::Null => Scalar::Null,
            Value::Array(_) | Value::Object(_) => return None,
        })
    }

    /// Like `Scalar::borrowed`, for a value the caller gives up (a parsed String.Array).
    fn owned(value: Value) -> Option<Scalar<'v>> {
        Some(match value {
            Value::String(s) => Scalar::Str(Cow::Owned(s)),
            Value::Number(n) => Scalar::Num(json_number(&n)),
            Value::Bool(b) => Scalar::Bool(b),
            Value::Null => Scalar::Null,
            Value::Array(_) | Value::Object(_) => return None,
        })
    }
}

/// The values an attribute holds, by SNS data type.
fn attribute_values(attribute: AttributeRef<'_>) -> Vec<Scalar<'_>> {
    // "Number.Array" is not a real SNS type, but the SNS guide's numeric anything-but example
    // publishes one; treating it like String.Array costs nothing.
    if matches!(attribute.data_type, "String.Array" | "Number.Array") {
        return array_values(attribute.value);
    }
    match attribute.data_type.split('.').next() {
        Some("String") => vec![Scalar::Str(Cow::Borrowed(attribute.value))],
        Some("Number") => parse_number(attribute.value).map(Scalar::Num).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// The elements of a String.Array value; none when it is not a JSON array.
fn array_values<'v>(text: &str) -> Vec<Scalar<'v>> {
    match serde_json::from_str::<Vec<Value>>(text) {
        Ok(items) => items.into_iter().filter_map(Scalar::owned).collect(),
        Err(_) => Vec::new(),
    }
}

fn parse_number(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Flattens a body into dotted path -> leaf values, descending only where a policy path can lead.
fn flatten_body<'v>(object: &'v Map<String, Value>, wanted: &[String]) -> HashMap<String, Vec<Scalar<'v>>> {
    let mut leaves = HashMap::new();
    for (key, value) in object {
        let mut path = key.clone();
        if is_wanted(wanted, &path) {
            collect_leaves(value, &mut path, wanted, &mut leaves);
        }
    }
    leaves
}

fn collect_leaves<'v>(
    value: &'v Value,
    path: &mut String,
    wanted: &[String],
    leaves: &mut HashMap<String, Vec<Scalar<'v>>>,
) {
    match value {
        Value::Object(object) => {
            for (key, child) in object {
                let len = path.len();
                path.push('.');
                path.push_str(key);
                if is_wanted(wanted, path) {
                    collect_leaves(child, path, wanted, leaves);
                }
                path.truncate(len);
            }
        }
        Value::Array(items) => {
            for item in items {
                collect_leaves(item, path, wanted, leaves);
            }
        }
        leaf => {
            if let Some(scalar) = Scalar::borrowed(leaf) {
                leaves.entry(path.clone()).or_default().push(scalar);
            }
        }
    }
}

/// Whether `path` is a policy path or a `.`-boundary prefix of one.
fn is_wanted(wanted: &[String], path: &str) -> bool {
    wanted.iter().any(|w| w.strip_prefix(path).is_some_and(|rest| rest.is_empty() || rest.starts_with('.')))
}

#[cfg(test)]
mod tests {
    use super::*;

    type Attr<'a> = (&'a str, &'a str, &'a str);

    fn lookup<'a>(list: &'a [Attr<'a>]) -> impl Fn(&str) -> Option<AttributeRef<'a>> + 'a {
        move |name: &str| {
            list.iter().find(|(n, _, _)| *n == name).map(|&(_, data_type, value)| AttributeRef { data_type, value })
        }
    }

    fn policy(json: &str, scope: Scope) -> FilterPolicy {
        match FilterPolicy::parse(json, scope) {
            Ok(p) => p,
            Err(e) => panic!("policy {json} rejected: {e}"),
        }
    }

    fn attr_matches(json: &str, attrs: &[Attr<'_>]) -> bool {
        policy(json, Scope::MessageAttributes).matches(&lookup(attrs), "")
    }

    fn body_matches(json: &str, body: &str) -> bool {
        policy(json, Scope::MessageBody).matches(&|_: &str| None, body)
    }

    fn error(json: &str, scope: Scope) -> String {
        match FilterPolicy::parse(json, scope) {
            Ok(p) => panic!("policy {json} accepted: {p:?}"),
            Err(e) => e,
        }
    }

    fn attr_error(json: &str) -> String {
        error(json, Scope::MessageAttributes)
    }

    fn s(value: &str) -> Attr<'_> {
        ("k", "String", value)
    }

    fn n(value: &str) -> Attr<'_> {
        ("k", "Number", value)
    }

    fn arr(value: &str) -> Attr<'_> {
        ("k", "String.Array", value)
    }

    // --- Scope -------------------------------------------------------------------------------

    #[test]
    fn scope_parses_and_prints_both_values() {
        for scope in [Scope::MessageAttributes, Scope::MessageBody] {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(Scope::parse("messagebody"), None);
        assert_eq!(Scope::parse("RandomValue"), None);
        assert_eq!(Scope::default(), Scope::MessageAttributes);
    }

    // --- Document-level validation -----------------------------------------------------------

    #[test]
    fn rejects_empty_non_object_and_malformed_documents() {
        assert_eq!(attr_error("{}"), "Filter policy can not be empty");
        assert_eq!(attr_error(r#"["a"]"#), "Filter is not an object");
        assert_eq!(attr_error(r#""a""#), "Filter is not an object");
        assert!(attr_error("{").starts_with("failed to parse JSON."));
        assert!(attr_error("").starts_with("failed to parse JSON."));
    }

    #[test]
    fn rejects_documents_over_256_kb() {
        let values: Vec<String> = (0..30_000).map(|i| format!("\"value-{i:05}\"")).collect();
        let json = format!(r#"{{"k": [{}]}}"#, values.join(","));
        assert!(json.len() > 256 * 1024);
        assert_eq!(attr_error(&json), "Filter policy is too large");
    }

    #[test]
    fn key_values_must_be_arrays_or_objects() {
        assert_eq!(attr_error(r#"{"key_a": "value_one"}"#), r#""key_a" must be an object or an array"#);
        assert_eq!(attr_error(r#"{"key": 5}"#), r#""key" must be an object or an array"#);
        assert_eq!(attr_error(r#"{"key": []}"#), "Empty arrays are not allowed");
        assert_eq!(error(r#"{"a": {}}"#, Scope::MessageBody), "Empty objects are not allowed");
    }

    #[test]
    fn match_values_must_be_scalars_or_single_key_expressions() {
        assert_eq!(attr_error(r#"{"key": [["value"]]}"#), "Match value must be String, number, true, false, or null");
        assert_eq!(attr_error(r#"{"key": [{"wrong-operator": true}]}"#), "Unrecognized match type wrong-operator");
        assert_eq!(attr_error(r#"{"key": [{"prefx": "a"}]}"#), "Unrecognized match type prefx");
        assert_eq!(attr_error(r#"{"key": [{"wildcard": "a*"}]}"#), "Unrecognized match type wildcard");
        assert_eq!(
            attr_error(r#"{"key": [{"suffix": "value", "prefix": "value2"}]}"#),
            "Only one key allowed in match expression"
        );
        assert_eq!(attr_error(r#"{"key": [{}]}"#), "Match expression name not found");
    }

    #[test]
    fn string_operators_need_string_operands() {
        for operand in ["100", "null", "[]", r#"["test", "test2"]"#, "{}"] {
            assert_eq!(
                attr_error(&format!(r#"{{"key": [{{"suffix": {operand}}}]}}"#)),
                "suffix match pattern must be a string"
            );
        }
        assert_eq!(attr_error(r#"{"key": [{"prefix": 1}]}"#), "prefix match pattern must be a string");
        assert_eq!(
            attr_error(r#"{"key": [{"equals-ignore-case": true}]}"#),
            "equals-ignore-case match pattern must be a string"
        );
    }

    #[test]
    fn exists_needs_a_boolean() {
        for operand in ["null", r#""no""#, "1"] {
            assert_eq!(
                attr_error(&format!(r#"{{"key": [{{"exists": {operand}}}]}}"#)),
                "exists match pattern must be either true or false."
            );
        }
    }

    #[test]
    fn numeric_expression_errors_match_sns() {
        let cases = [
            (r#"[]"#, "Invalid member in numeric match: ]"),
            (r#"["operator"]"#, "Unrecognized numeric range operator: operator"),
            (r#"[1, "<="]"#, "Invalid member in numeric match: 1"),
            (r#"["=", "000"]"#, "Value of equals must be numeric"),
            (r#"[">="]"#, "Value of >= must be numeric"),
            (r#"["<", 100, ">", 10]"#, "Too many elements in numeric expression"),
            (r#"["=", 1, 2]"#, "Too many elements in numeric expression"),
            (r#"[">=", 1, ">", 2]"#, "Bad numeric range operator: >"),
            (r#"[">", 3, "<", 1]"#, "Bottom must be less than top"),
            (r#"[">", 3, "<=", 3]"#, "Bottom must be less than top"),
            (r#"[">", 20, "<="]"#, "Value of <= must be numeric"),
            (r#"[">", 20, 30]"#, "Bad value in numeric range: 30"),
            (r#"[">", 20, "test"]"#, "Bad numeric range operator: test"),
            (r#"[">", "20", "<", "30"]"#, "Value of > must be numeric"),
            (r#"[">", 20, "<", "30"]"#, "Value of < must be numeric"),
            (r#"[">", 20, "<", 30, "<", 50]"#, "Too many terms in numeric range expression"),
            (r#"5"#, "Value of numeric must be an array."),
        ];
        for (operand, expected) in cases {
            assert_eq!(attr_error(&format!(r#"{{"key": [{{"numeric": {operand}}}]}}"#)), expected, "operand {operand}");
        }
    }

    #[test]
    fn numeric_operands_must_be_within_a_billion() {
        for operand in [r#"[">", 1000000001]"#, r#"["=", -1e10]"#, r#"["<", 2e9]"#] {
            assert_eq!(
                attr_error(&format!(r#"{{"key": [{{"numeric": {operand}}}]}}"#)),
                "Value must be between -1.0E9 and 1.0E9, inclusive"
            );
        }
        assert!(
            FilterPolicy::parse(r#"{"key": [{"numeric": [">=", -1e9, "<=", 1e9]}]}"#, Scope::MessageAttributes).is_ok()
        );
        // A plain number is an exact match and is not range-checked.
        assert!(FilterPolicy::parse(r#"{"key": [123456789012]}"#, Scope::MessageAttributes).is_ok());
    }

    #[test]
    fn anything_but_errors_match_sns() {
        let cases = [
            (r#"{"wrong-operator": null}"#, "Unsupported anything-but pattern: wrong-operator"),
            (r#"{"suffix": "test"}"#, "Unsupported anything-but pattern: suffix"),
            (r#"{"exists": false}"#, "Unsupported anything-but pattern: exists"),
            (r#"{"prefix": false}"#, "prefix match pattern must be a string"),
            (r#"{"prefix": ""}"#, "Null prefix/suffix not allowed"),
            (r#"null"#, "Value of anything-but must be an array or single string/number value."),
            (
                r#"["a", 1]"#,
                "Inside anything but list, either all values are number or string, mixed type is not supported",
            ),
            (r#"[]"#, "Inside anything but list, either all values are number or string, mixed type is not supported"),
            (r#"["a", null]"#, "Inside anything but list, start|null|boolean is not supported."),
            (r#"[5e9]"#, "Value must be between -1.0E9 and 1.0E9, inclusive"),
        ];
        for (operand, expected) in cases {
            assert_eq!(
                attr_error(&format!(r#"{{"key": [{{"anything-but": {operand}}}]}}"#)),
                expected,
                "operand {operand}"
            );
        }
    }

    #[test]
    fn cidr_errors_match_event_ruler() {
        let cases = [
            (r#"24"#, "prefix match pattern must be a string"),
            (r#""10.0.0.0""#, "Malformed CIDR, one '/' required"),
            (r#""10.0.0.0/""#, "Malformed CIDR, one '/' required"),
            (r#""10.0.0.0/8/8""#, "Malformed CIDR, one '/' required"),
            (r#""10.0.0.0/x""#, "Malformed CIDR, mask bits must be an integer"),
            (r#""10.0.0.0/-1""#, "Malformed CIDR, mask bits must not be negative"),
            (r#""example.com/8""#, "Nonstandard IP address: example.com"),
            (r#""300.0.0.0/8""#, "Invalid IP address: 300.0.0.0"),
            (r#""10.0.0.0/32""#, "IPv4 mask bits must be < 32"),
            (r#""2001:db8::/128""#, "IPv6 mask bits must be < 128"),
        ];
        for (operand, expected) in cases {
            assert_eq!(attr_error(&format!(r#"{{"key": [{{"cidr": {operand}}}]}}"#)), expected, "operand {operand}");
        }
    }

    #[test]
    fn at_most_five_keys() {
        assert_eq!(
            attr_error(r#"{"a":["1"],"b":["2"],"c":["3"],"d":["4"],"e":["5"],"f":["6"]}"#),
            "Filter policy can not have more than 5 keys"
        );
        assert!(
            FilterPolicy::parse(r#"{"a":["1"],"b":["2"],"c":["3"],"d":["4"],"e":["5"]}"#, Scope::MessageAttributes)
                .is_ok()
        );
    }

    #[test]
    fn keys_are_counted_per_or_alternative() {
        let five_per_branch = r#"{"a":["1"],"b":["2"],"c":["3"],"d":["4"],"$or":[{"e":["5"]},{"f":["6"]}]}"#;
        assert!(FilterPolicy::parse(five_per_branch, Scope::MessageAttributes).is_ok());
        let six_in_one_branch =
            r#"{"a":["1"],"b":["2"],"c":["3"],"d":["4"],"$or":[{"e":["5"]},{"f":["6"],"g":["7"]}]}"#;
        assert_eq!(attr_error(six_in_one_branch), "Filter policy can not have more than 5 keys");
    }

    #[test]
    fn nested_body_keys_do_not_count_towards_the_key_limit() {
        // The SNS guide's example: four top-level keys, six leaves.
        let json = r#"{"state": ["SUCCESS"], "severity": [{"exists": true}],
            "message": [{"exists": true}],
            "finding": {"standard_control": [{"exists": true}], "region": [{"exists": true}],
                        "account": [{"exists": true}]}}"#;
        assert!(FilterPolicy::parse(json, Scope::MessageBody).is_ok());
    }

    #[test]
    fn complexity_is_the_product_of_value_counts() {
        let values = |n: usize| (0..n).map(|i| format!("\"v{i}\"")).collect::<Vec<_>>().join(",");
        assert_eq!(attr_error(&format!(r#"{{"key": [{}]}}"#, values(151))), "Filter policy is too complex");
        assert_eq!(
            attr_error(&format!(r#"{{"key1": [{}], "key2": [{}]}}"#, values(100), values(51))),
            "Filter policy is too complex"
        );
        let at_limit = format!(r#"{{"key1": [{}], "key2": [{}]}}"#, values(50), values(3));
        assert!(FilterPolicy::parse(&at_limit, Scope::MessageAttributes).is_ok());
    }

    #[test]
    fn complexity_adds_up_or_alternatives() {
        // (4 * 6) + (4 * 4 * 4) + (4 * 4 * 4) = 152
        let over = r#"{"source": ["a", "b", "c", "d"],
            "$or": [{"metricName": ["1", "2", "3", "4", "5", "6"]},
                    {"metricType": ["t1", "t2", "t3", "t4"],
                     "$or": [{"metricId": [1, 2, 3, 4]}, {"spaceId": [1, 2, 3, 4]}]}]}"#;
        assert_eq!(attr_error(over), "Filter policy is too complex");
        // (3 * 6) + (3 * 4 * 4) + (3 * 4 * 7) = 150
        let at_limit = r#"{"source": ["a", "b", "c"],
            "$or": [{"metricName": ["1", "2", "3", "4", "5", "6"]},
                    {"metricType": ["t1", "t2", "t3", "t4"],
                     "$or": [{"metricId": [1, 2, 3, 4]}, {"spaceId": [1, 2, 3, 4, 5, 6, 7]}]}]}"#;
        assert!(FilterPolicy::parse(at_limit, Scope::MessageAttributes).is_ok());
    }

    #[test]
    fn complexity_weighs_nested_values_by_depth() {
        // The guide's example: 3 x 4 x 2 x 3 = 72, accepted...
        let nested = r#"{"key_a": {"key_b": {"key_c": ["1", "2", "3", "4"]}},
                         "key_d": {"key_e": ["1", "2", "3"]}}"#;
        assert!(FilterPolicy::parse(nested, Scope::MessageBody).is_ok());
        // ...and with a third top-level key of three values, 216: rejected.
        let over = r#"{"key_a": {"key_b": {"key_c": ["1", "2", "3", "4"]}},
                       "key_d": {"key_e": ["1", "2", "3"]}, "key_f": ["1", "2", "3"]}"#;
        assert_eq!(error(over, Scope::MessageBody), "Filter policy is too complex");
        // Nested $or: (3*4*2) + (3*4*6) + (2*4*2) + (2*4*6) = 160.
        let nested_or = r#"{"$or": [{"metricName": ["a", "b", "c"]}, {"namespace": ["x", "y"]}],
            "detail": {"scope": ["Service", "Test"],
                       "$or": [{"source": ["aws.cloudwatch"]}, {"type": ["t1", "t2", "t3"]}]}}"#;
        assert_eq!(error(nested_or, Scope::MessageBody), "Filter policy is too complex");
    }

    #[test]
    fn attribute_scope_rejects_nesting_that_body_scope_accepts() {
        let nested = r#"{"object": {"key": [{"prefix": "auto-"}]}}"#;
        assert_eq!(attr_error(nested), "Filter policy scope MessageAttributes does not support nested filter policy");
        assert!(FilterPolicy::parse(nested, Scope::MessageBody).is_ok());
    }

    #[test]
    fn or_key_without_an_or_shape_is_an_ordinary_key() {
        // One alternative: "$or" is a key whose array holds a (bad) match expression.
        assert_eq!(attr_error(r#"{"$or": [{"a": ["x"]}]}"#), "Unrecognized match type a");
        // Reserved names inside: not an OR either (the guide's example).
        assert_eq!(
            attr_error(r#"{"$or": [{"numeric": 123}, {"prefix": "abc"}]}"#),
            "Value of numeric must be an array."
        );
        // As a plain key it matches an attribute literally named "$or".
        assert!(attr_matches(r#"{"$or": [{"prefix": "a"}]}"#, &[("$or", "String", "abc")]));
    }

    // --- Attribute matching ------------------------------------------------------------------

    #[test]
    fn exact_strings_are_case_sensitive() {
        let p = r#"{"k": ["rugby", "tennis"]}"#;
        assert!(attr_matches(p, &[s("rugby")]));
        assert!(attr_matches(p, &[s("tennis")]));
        assert!(!attr_matches(p, &[s("Rugby")]));
        assert!(!attr_matches(p, &[s("baseball")]));
        assert!(!attr_matches(p, &[]));
    }

    #[test]
    fn keys_are_anded_and_values_ored() {
        let p = r#"{"customer_interests": ["rugby", "football"],
                    "price_usd": [{"numeric": [">", 100]}]}"#;
        let both = [("customer_interests", "String", "football"), ("price_usd", "Number", "150")];
        let cheap = [("customer_interests", "String", "rugby"), ("price_usd", "Number", "99")];
        let missing_price = [("customer_interests", "String", "rugby")];
        assert!(attr_matches(p, &both));
        assert!(!attr_matches(p, &cheap));
        assert!(!attr_matches(p, &missing_price));
    }

    #[test]
    fn string_array_matches_any_element() {
        let p = r#"{"k": ["rugby", "tennis"]}"#;
        assert!(attr_matches(p, &[arr(r#"["rugby", "tennis"]"#)]));
        assert!(attr_matches(p, &[arr(r#"["soccer", "rugby", "hockey"]"#)]));
        assert!(!attr_matches(p, &[arr(r#"["baseball"]"#)]));
        assert!(!attr_matches(p, &[arr("[]")]));
        // A String attribute holding array text is just a string.
        assert!(!attr_matches(p, &[s(r#"["rugby"]"#)]));
    }

    #[test]
    fn malformed_string_array_matches_nothing_but_exists() {
        let bad = [arr("not json")];
        assert!(!attr_matches(r#"{"k": ["not json"]}"#, &bad));
        assert!(!attr_matches(r#"{"k": [{"anything-but": "x"}]}"#, &bad));
        assert!(attr_matches(r#"{"k": [{"exists": true}]}"#, &bad));
    }

    #[test]
    fn string_array_elements_keep_their_json_types() {
        let value = [arr(r#"["a", 7, true, null]"#)];
        assert!(attr_matches(r#"{"k": [{"numeric": [">", 5]}]}"#, &value));
        assert!(attr_matches(r#"{"k": [7.0]}"#, &value));
        assert!(attr_matches(r#"{"k": [true]}"#, &value));
        assert!(attr_matches(r#"{"k": [null]}"#, &value));
        assert!(!attr_matches(r#"{"k": ["7"]}"#, &value));
        assert!(!attr_matches(r#"{"k": [false]}"#, &value));
    }

    #[test]
    fn exact_numbers_compare_numerically_and_only_with_numbers() {
        let p = r#"{"k": [5]}"#;
        for value in ["5", "5.0", "5e0", "0.5e1"] {
            assert!(attr_matches(p, &[n(value)]), "{value}");
        }
        assert!(!attr_matches(p, &[n("5.00001")]));
        assert!(!attr_matches(p, &[s("5")]));
        assert!(!attr_matches(r#"{"k": ["5"]}"#, &[n("5")]));
    }

    #[test]
    fn numeric_equality_accepts_any_spelling() {
        let p = r#"{"price_usd": [{"numeric": ["=", 301.5]}]}"#;
        assert!(attr_matches(p, &[("price_usd", "Number", "301.5")]));
        assert!(attr_matches(p, &[("price_usd", "Number", "3.015e2")]));
        assert!(!attr_matches(p, &[("price_usd", "Number", "301.4")]));
    }

    #[test]
    fn numeric_ranges_respect_their_bounds() {
        let p = r#"{"k": [{"numeric": [">", 0, "<=", 100]}]}"#;
        assert!(!attr_matches(p, &[n("0")]));
        assert!(attr_matches(p, &[n("0.00001")]));
        assert!(attr_matches(p, &[n("99")]));
        assert!(attr_matches(p, &[n("100")]));
        assert!(!attr_matches(p, &[n("100.01")]));
        assert!(!attr_matches(p, &[n("-1")]));
        let half_open = r#"{"k": [{"numeric": [">=", 10, "<", 20]}]}"#;
        assert!(attr_matches(half_open, &[n("10")]));
        assert!(!attr_matches(half_open, &[n("20")]));
        let negative = r#"{"k": [{"numeric": ["<", 0]}]}"#;
        assert!(attr_matches(negative, &[n("-0.5")]));
        assert!(!attr_matches(negative, &[n("0")]));
        let at_most = r#"{"k": [{"numeric": ["<=", 3]}]}"#;
        assert!(attr_matches(at_most, &[n("3")]));
    }

    #[test]
    fn numeric_conditions_ignore_strings_and_out_of_range_numbers() {
        let p = r#"{"k": [{"numeric": [">", 0]}]}"#;
        assert!(!attr_matches(p, &[s("50")]));
        assert!(!attr_matches(p, &[n("not a number")]));
        assert!(!attr_matches(p, &[n("NaN")]));
        assert!(!attr_matches(p, &[n("2e9")]));
        assert!(attr_matches(p, &[n("1e9")]));
    }

    #[test]
    fn custom_data_type_suffixes_keep_the_base_type() {
        assert!(attr_matches(r#"{"k": ["x"]}"#, &[("k", "String.custom", "x")]));
        assert!(attr_matches(r#"{"k": [{"numeric": [">", 1]}]}"#, &[("k", "Number.float", "1.5")]));
        assert!(!attr_matches(r#"{"k": ["1.5"]}"#, &[("k", "Number.float", "1.5")]));
    }

    #[test]
    fn prefix_suffix_and_equals_ignore_case() {
        let prefix = r#"{"k": [{"prefix": "bas"}]}"#;
        assert!(attr_matches(prefix, &[s("baseball")]));
        assert!(attr_matches(prefix, &[s("basketball")]));
        assert!(!attr_matches(prefix, &[s("rugby")]));
        assert!(!attr_matches(prefix, &[s("Baseball")]));
        let suffix = r#"{"k": [{"suffix": "ball"}]}"#;
        assert!(attr_matches(suffix, &[s("baseball")]));
        assert!(!attr_matches(suffix, &[s("rugby")]));
        let ignore_case = r#"{"k": [{"equals-ignore-case": "RuGbY"}]}"#;
        assert!(attr_matches(ignore_case, &[s("rugby")]));
        assert!(attr_matches(ignore_case, &[s("RUGBY")]));
        assert!(!attr_matches(ignore_case, &[s("rugby league")]));
        // String operators never meet numbers.
        assert!(!attr_matches(r#"{"k": [{"prefix": "1"}]}"#, &[n("123")]));
    }

    #[test]
    fn anything_but_strings() {
        let single = r#"{"k": [{"anything-but": "rugby"}]}"#;
        assert!(attr_matches(single, &[s("tennis")]));
        assert!(!attr_matches(single, &[s("rugby")]));
        let list = r#"{"k": [{"anything-but": ["rugby", "tennis"]}]}"#;
        assert!(attr_matches(list, &[s("baseball")]));
        assert!(attr_matches(list, &[s("football")]));
        assert!(!attr_matches(list, &[s("tennis")]));
        // Absent keys never satisfy anything-but.
        assert!(!attr_matches(list, &[]));
    }

    #[test]
    fn anything_but_on_arrays_needs_one_non_excluded_element() {
        let list = r#"{"k": [{"anything-but": ["rugby", "tennis"]}]}"#;
        assert!(attr_matches(list, &[arr(r#"["rugby", "baseball"]"#)]));
        assert!(!attr_matches(list, &[arr(r#"["rugby", "tennis"]"#)]));
        assert!(body_matches(list, r#"{"k": ["rugby", "baseball"]}"#));
        assert!(!body_matches(list, r#"{"k": ["rugby"]}"#));
    }

    #[test]
    fn anything_but_numbers() {
        let p = r#"{"price": [{"anything-but": [100, 500]}]}"#;
        assert!(attr_matches(p, &[("price", "Number", "101")]));
        assert!(attr_matches(p, &[("price", "Number", "100.1")]));
        assert!(!attr_matches(p, &[("price", "Number", "100")]));
        assert!(!attr_matches(p, &[("price", "Number", "1e2")]));
        assert!(attr_matches(p, &[("price", "Number.Array", "[100, 50]")]));
        assert!(!attr_matches(p, &[("price", "String", "101")]));
        let single = r#"{"price": [{"anything-but": 5}]}"#;
        assert!(attr_matches(single, &[("price", "Number", "6")]));
        assert!(!attr_matches(single, &[("price", "Number", "5.0")]));
    }

    #[test]
    fn anything_but_strings_accept_non_string_values() {
        // event-ruler's "match unless equal": a number is never one of the excluded strings.
        assert!(attr_matches(r#"{"k": [{"anything-but": "5"}]}"#, &[n("5")]));
        assert!(body_matches(r#"{"k": [{"anything-but": "x"}]}"#, r#"{"k": null}"#));
    }

    #[test]
    fn anything_but_prefix() {
        let p = r#"{"event": [{"anything-but": {"prefix": "order-"}}]}"#;
        assert!(attr_matches(p, &[("event", "String", "data-entry")]));
        assert!(attr_matches(p, &[("event", "String", "order_number")]));
        assert!(!attr_matches(p, &[("event", "String", "order-cancelled")]));
        assert!(!attr_matches(p, &[]));
    }

    #[test]
    fn exists_true_and_false() {
        let present = r#"{"store": [{"exists": true}]}"#;
        let absent = r#"{"store": [{"exists": false}]}"#;
        let with_store = [("store", "Number", "99"), ("def", "Number", "99")];
        let without_store = [("def", "Number", "99")];
        assert!(attr_matches(present, &with_store));
        assert!(!attr_matches(present, &without_store));
        assert!(!attr_matches(absent, &with_store));
        assert!(attr_matches(absent, &without_store));
        assert!(attr_matches(absent, &[]));
    }

    #[test]
    fn binary_attributes_exist_but_match_no_values() {
        let binary = [("k", "Binary", "")];
        assert!(attr_matches(r#"{"k": [{"exists": true}]}"#, &binary));
        assert!(!attr_matches(r#"{"k": [{"exists": false}]}"#, &binary));
        assert!(!attr_matches(r#"{"k": [""]}"#, &binary));
        assert!(!attr_matches(r#"{"k": [{"anything-but": "x"}]}"#, &binary));
        assert!(!attr_matches(r#"{"k": [{"prefix": ""}]}"#, &binary));
    }

    #[test]
    fn exists_false_combines_with_anything_but() {
        let p = r#"{"k": [{"exists": false}, {"anything-but": "blocked"}]}"#;
        assert!(attr_matches(p, &[]));
        assert!(attr_matches(p, &[s("fine")]));
        assert!(!attr_matches(p, &[s("blocked")]));
    }

    #[test]
    fn null_does_not_match_a_missing_attribute() {
        // Recorded against AWS: [null, anything-but] does not deliver a message without attr1.
        let p = r#"{"attr1": [null, {"anything-but": "whatever"}]}"#;
        assert!(!attr_matches(p, &[]));
        assert!(attr_matches(p, &[("attr1", "String", "other")]));
    }

    #[test]
    fn cidr_matches_ipv4_blocks() {
        let p = r#"{"source_ip": [{"cidr": "10.0.0.0/24"}]}"#;
        let ip = |v| [("source_ip", "String", v)];
        assert!(attr_matches(p, &ip("10.0.0.0")));
        assert!(attr_matches(p, &ip("10.0.0.255")));
        assert!(!attr_matches(p, &ip("10.1.1.0")));
        assert!(!attr_matches(p, &ip("10.0.1.0")));
        assert!(!attr_matches(p, &ip("not an ip")));
        assert!(!attr_matches(p, &ip("2001:db8::1")));
        assert!(!attr_matches(p, &[("source_ip", "Number", "10")]));
        // IPv4-mapped IPv6 spelling of an address in the block.
        assert!(attr_matches(p, &ip("::ffff:a00:7")));
    }

    #[test]
    fn cidr_matches_ipv6_blocks() {
        let p = r#"{"k": [{"cidr": "2001:db8::/32"}]}"#;
        assert!(attr_matches(p, &[s("2001:db8::1")]));
        assert!(attr_matches(p, &[s("2001:0DB8:ffff:ffff:ffff:ffff:ffff:ffff")]));
        assert!(!attr_matches(p, &[s("2001:db9::")]));
        assert!(!attr_matches(p, &[s("10.0.0.1")]));
        let zero = r#"{"k": [{"cidr": "::/0"}]}"#;
        assert!(attr_matches(zero, &[s("fe80::1")]));
    }

    #[test]
    fn cidr_range_starts_at_the_written_address() {
        // event-ruler does not clear host bits: 10.0.0.5/24 covers 10.0.0.5..=10.0.0.255.
        let p = r#"{"k": [{"cidr": "10.0.0.5/24"}]}"#;
        assert!(!attr_matches(p, &[s("10.0.0.4")]));
        assert!(attr_matches(p, &[s("10.0.0.5")]));
        assert!(attr_matches(p, &[s("10.0.0.200")]));
    }

    #[test]
    fn exact_ip_strings_match_other_spellings_of_the_address() {
        let p = r#"{"k": ["2001:db8::1"]}"#;
        assert!(attr_matches(p, &[s("2001:0db8:0:0:0:0:0:1")]));
        assert!(!attr_matches(p, &[s("2001:db8::2")]));
        assert!(attr_matches(r#"{"k": ["10.0.0.1"]}"#, &[s("10.0.0.1")]));
    }

    #[test]
    fn or_operator_over_attributes() {
        let p = r#"{"source": ["aws.cloudwatch"],
                    "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}]}"#;
        let src = ("source", "String", "aws.cloudwatch");
        assert!(attr_matches(p, &[src, ("metricName", "String", "CPUUtilization")]));
        assert!(attr_matches(p, &[src, ("namespace", "String", "AWS/EC2")]));
        assert!(!attr_matches(p, &[src, ("namespace", "String", "AWS/ES")]));
        assert!(!attr_matches(p, &[("namespace", "String", "AWS/EC2")]));
    }

    #[test]
    fn attribute_scope_ignores_the_body() {
        let p = policy(r#"{"k": ["v"]}"#, Scope::MessageAttributes);
        assert!(!p.matches(&|_: &str| None, r#"{"k": "v"}"#));
        assert!(p.matches(&lookup(&[s("v")]), "not json"));
    }

    // --- Body matching -----------------------------------------------------------------------

    #[test]
    fn nested_body_policy_matches_like_aws() {
        // LocalStack's AWS-recorded payload test.
        let p = r#"{"object": {"key": [{"prefix": "auto-"}, "hardcodedvalue"],
                               "nested_key": [{"exists": false}]},
                    "test": [{"exists": false}]}"#;
        assert!(body_matches(p, r#"{"object": {"key": "auto-test"}}"#));
        assert!(body_matches(p, r#"{"object": {"key": "hardcodedvalue"}}"#));
        for body in [
            r#"{"object": {"key": "test-auto"}}"#,
            r#"{"object": {"key": "auto-test"}, "test": "just-exists"}"#,
            r#"{"object": {"key": "auto-test", "nested_key": "just-exists"}}"#,
            r#"{"object": {"test": "auto-test"}}"#,
            r#"{"test": "auto-test"}"#,
        ] {
            assert!(!body_matches(p, body), "{body}");
        }
    }

    #[test]
    fn non_object_bodies_never_match() {
        let only_absence = r#"{"k": [{"exists": false}]}"#;
        assert!(body_matches(only_absence, "{}"));
        for body in ["Regular string message", r#""Regular string message""#, "[1]", "", "5"] {
            assert!(!body_matches(only_absence, body), "{body}");
        }
    }

    #[test]
    fn body_arrays_match_when_any_element_matches() {
        let p = r#"{"headers": {"route-to": ["queue1"]}}"#;
        assert!(body_matches(p, r#"{"headers": {"route-to": ["queue1"]}}"#));
        assert!(body_matches(p, r#"{"headers": {"route-to": ["queue1", "queue2"]}}"#));
        assert!(!body_matches(p, r#"{"headers": {"route-to": ["queue3"]}}"#));
        assert!(!body_matches(p, r#"{"headers": {"route-to": []}}"#));
    }

    #[test]
    fn body_arrays_of_objects_are_searched_at_any_depth() {
        let p = r#"{"Records": {"s3": {"object": {"key": [{"prefix": "auto-"}]}},
                                "eventName": [{"prefix": "ObjectCreated:"}]}}"#;
        let created = r#"{"Records": [{"eventName": "ObjectCreated:Put",
                          "s3": {"object": {"key": "auto-insurance-2314.xml", "size": 17}}}]}"#;
        let removed = r#"{"Records": [{"eventName": "ObjectRemoved:Delete",
                          "s3": {"object": {"key": "auto-insurance-2314.xml"}}}]}"#;
        let home = r#"{"Records": [{"eventName": "ObjectCreated:Put",
                       "s3": {"object": {"key": "home-insurance-2314.xml"}}}]}"#;
        let list_of_lists = r#"{"Records": [
            {"eventName": "ObjectCreated:Put", "s3": {"object": [[{"key": "auto-1.xml"}]]}},
            {"eventName": "ObjectRemoved:Delete", "s3": {"object": {"key": "home-1.xml"}}}]}"#;
        assert!(body_matches(p, created));
        assert!(!body_matches(p, removed));
        assert!(!body_matches(p, home));
        assert!(body_matches(p, list_of_lists));
    }

    #[test]
    fn dotted_keys_and_nesting_are_interchangeable() {
        let p = r#"{"object.nested": ["string.value"]}"#;
        assert!(body_matches(p, r#"{"object": {"nested": "string.value"}}"#));
        assert!(body_matches(p, r#"{"object.nested": "string.value"}"#));
        assert!(!body_matches(p, r#"{"object": {"nested": "test-auto"}}"#));
        let deep = r#"{"object.nested.test": ["string.value"]}"#;
        for body in [
            r#"{"object": {"nested": {"test": "string.value"}}}"#,
            r#"{"object.nested.test": "string.value"}"#,
            r#"{"object.nested": {"test": "string.value"}}"#,
            r#"{"object": {"nested.test": "string.value"}}"#,
        ] {
            assert!(body_matches(deep, body), "{body}");
        }
        let nested_policy = r#"{"object": {"nested.test": ["string.value"]}}"#;
        assert!(body_matches(nested_policy, r#"{"object": {"nested": {"test": "string.value"}}}"#));
    }

    #[test]
    fn body_literals_keep_their_types() {
        assert!(body_matches(r#"{"k": [null]}"#, r#"{"k": null}"#));
        assert!(!body_matches(r#"{"k": [null]}"#, r#"{}"#));
        assert!(!body_matches(r#"{"k": [null]}"#, r#"{"k": "null"}"#));
        assert!(body_matches(r#"{"k": [true]}"#, r#"{"k": true}"#));
        assert!(!body_matches(r#"{"k": [true]}"#, r#"{"k": "true"}"#));
        assert!(body_matches(r#"{"k": [5]}"#, r#"{"k": 5.0}"#));
        assert!(!body_matches(r#"{"k": [5]}"#, r#"{"k": "5"}"#));
        assert!(body_matches(r#"{"k": ["5"]}"#, r#"{"k": "5"}"#));
    }

    #[test]
    fn body_numeric_ranges() {
        let p = r#"{"order": {"price_usd": [{"numeric": [">=", 100, "<", 200]}]}}"#;
        assert!(body_matches(p, r#"{"order": {"price_usd": 150}}"#));
        assert!(body_matches(p, r#"{"order": {"price_usd": 1e2}}"#));
        assert!(!body_matches(p, r#"{"order": {"price_usd": 200}}"#));
        assert!(!body_matches(p, r#"{"order": {"price_usd": "150"}}"#));
        assert!(body_matches(p, r#"{"order": {"price_usd": [50, 150]}}"#));
    }

    #[test]
    fn exists_only_sees_leaves() {
        let absent = r#"{"detail": {"c-count": [{"exists": false}]}}"#;
        let present = r#"{"detail": {"c-count": [{"exists": true}]}}"#;
        let object_valued = r#"{"detail": {"c-count": {"c1": 100}}}"#;
        assert!(body_matches(absent, object_valued));
        assert!(!body_matches(present, object_valued));
        assert!(body_matches(present, r#"{"detail": {"c-count": null}}"#));
        assert!(body_matches(present, r#"{"detail": {"c-count": [1]}}"#));
        assert!(body_matches(absent, r#"{"detail": {"c-count": []}}"#));
        assert!(body_matches(absent, r#"{"detail": "flat"}"#));
    }

    #[test]
    fn or_operator_in_body_at_two_levels() {
        // The nested $or policy from LocalStack's payload tests (AND of two ORs).
        let p = r#"{"$or": [{"metricName": ["CPUUtilization", "ReadLatency"]},
                            {"namespace": ["AWS/EC2", "AWS/ES"]}],
                    "detail": {"scope": ["Service"],
                               "$or": [{"source": ["aws.cloudwatch"]},
                                       {"type": ["CloudWatch Alarm State Change"]}]}}"#;
        let rejected = [
            r#"{"metricName": "CPUUtilization", "detail": {"scope": "aws.cloudwatch", "type": "CloudWatch Alarm State Change"}}"#,
            r#"{"metricName": "CPUUtilization", "detail": {"scope": "Service", "type": "CPUUtilization"}}"#,
            r#"{"metricName": "CPUUtilization", "detail": {"type": "CloudWatch Alarm State Change"}}"#,
            r#"{"metricName": "CPUUtilization", "detail": {"scope": "Service"}}"#,
            r#"{"metricName": "CPUUtilization", "scope": "Service"}"#,
        ];
        let delivered = [
            r#"{"metricName": "CPUUtilization", "detail": {"scope": "Service", "source": "aws.cloudwatch"}}"#,
            r#"{"metricName": "ReadLatency", "detail": {"scope": "Service", "source": "aws.cloudwatch"}}"#,
            r#"{"namespace": "AWS/EC2", "detail": {"scope": "Service", "source": "aws.cloudwatch"}}"#,
            r#"{"namespace": "AWS/ES", "detail": {"scope": "Service", "source": "aws.cloudwatch"}}"#,
            r#"{"metricName": "CPUUtilization", "detail": {"scope": "Service", "type": "CloudWatch Alarm State Change"}}"#,
            r#"{"metricName": "CPUUtilization", "namespace": "AWS/EC2", "detail": {"scope": "Service", "type": "CloudWatch Alarm State Change"}}"#,
            r#"{"namespace": "AWS/ES", "metricName": "x", "detail": {"scope": "Service", "source": "aws.cloudwatch"}}"#,
        ];
        for body in rejected {
            assert!(!body_matches(p, body), "{body}");
        }
        for body in delivered {
            assert!(body_matches(p, body), "{body}");
        }
    }

    #[test]
    fn body_scope_ignores_attributes() {
        let p = policy(r#"{"k": ["v"]}"#, Scope::MessageBody);
        assert!(!p.matches(&lookup(&[s("v")]), r#"{"other": 1}"#));
        assert!(p.matches(&|_: &str| None, r#"{"k": "v"}"#));
    }

    #[test]
    fn body_cidr_and_string_operators() {
        let p = r#"{"client": {"ip": [{"cidr": "192.168.0.0/16"}],
                               "agent": [{"suffix": "bot"}]}}"#;
        assert!(body_matches(p, r#"{"client": {"ip": "192.168.4.20", "agent": "crawlerbot"}}"#));
        assert!(!body_matches(p, r#"{"client": {"ip": "192.169.0.1", "agent": "crawlerbot"}}"#));
        assert!(!body_matches(p, r#"{"client": {"ip": "192.168.4.20", "agent": "human"}}"#));
    }
}
