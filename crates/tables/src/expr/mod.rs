//! DynamoDB expressions: condition, filter, key condition, projection and update.
//!
//! Each expression is lexed (`lexer`), parsed into a syntax tree (`parse`), then
//! resolved against the request's `ExpressionAttributeNames` / `ExpressionAttributeValues`
//! (an [`ExprContext`]) and checked the way DynamoDB checks it, reporting DynamoDB's
//! messages in DynamoDB's order of precedence: syntax errors first, then redundant
//! parentheses, unknown and misused functions, reserved words, and finally the per-condition
//! problems (undefined placeholders, operand counts and types).
//!
//! - [`parse_condition`] → [`Condition`] (ConditionExpression, FilterExpression), evaluated
//!   against an item with [`Condition::eval`].
//! - [`key_condition`] → [`KeyCondition`]: a KeyConditionExpression split into the
//!   partition-key value and an optional [`RangeCondition`].
//! - [`parse_projection`] → [`Projection`], applied to an item with [`Projection::apply`].
//! - [`parse_update`] → [`Update`], applied to an item with [`Update::apply`].
//!
//! After every expression of a request is parsed, [`ExprContext::check_unused`] reports
//! placeholders the request defined but never used.

mod condition;
mod key;
mod lexer;
mod parse;
mod projection;
pub mod reserved;
mod update;

#[cfg(test)]
mod tests;

pub use condition::{Condition, parse_condition};
pub use key::{KeyCondition, RangeCondition, key_condition};
pub use projection::{Projection, parse_projection};
pub use update::{Update, parse_update};

use crate::Error;
use crate::value::{AttributeValue, Item};
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::Mutex;

/// The `ExpressionAttributeNames` and `ExpressionAttributeValues` of one request, and which
/// of them the request's expressions used.
pub struct ExprContext<'a> {
    names: &'a HashMap<String, String>,
    values: &'a HashMap<String, AttributeValue>,
    used_names: Mutex<BTreeSet<String>>,
    used_values: Mutex<BTreeSet<String>>,
}

impl<'a> ExprContext<'a> {
    /// A context over a request's placeholders (either map may be empty).
    pub fn new(names: &'a HashMap<String, String>, values: &'a HashMap<String, AttributeValue>) -> Self {
        ExprContext { names, values, used_names: Mutex::default(), used_values: Mutex::default() }
    }

    /// Checks the placeholders' own spelling, as DynamoDB does before parsing anything:
    /// every name key is `#` and every value key `:` followed by letters, digits or `_`
    /// ("ExpressionAttributeNames contains invalid key: Syntax error; key: \"a\"").
    pub fn check_keys(&self) -> Result<(), Error> {
        let well_formed = |key: &str, lead: char| {
            key.strip_prefix(lead)
                .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        };
        let mut names: Vec<&String> = self.names.keys().collect();
        names.sort();
        if let Some(bad) = names.into_iter().find(|k| !well_formed(k, '#')) {
            return Err(Error::Validation(format!(
                "ExpressionAttributeNames contains invalid key: Syntax error; key: \"{bad}\""
            )));
        }
        let mut values: Vec<&String> = self.values.keys().collect();
        values.sort();
        if let Some(bad) = values.into_iter().find(|k| !well_formed(k, ':')) {
            return Err(Error::Validation(format!(
                "ExpressionAttributeValues contains invalid key: Syntax error; key: \"{bad}\""
            )));
        }
        Ok(())
    }

    /// After every expression of the request is parsed: DynamoDB's errors for placeholders
    /// defined but not used ("Value provided in ExpressionAttributeNames unused in
    /// expressions: keys: {#a, #b}"), names first, keys sorted.
    pub fn check_unused(&self) -> Result<(), Error> {
        fn unused<'k>(all: impl Iterator<Item = &'k String>, used: &Mutex<BTreeSet<String>>) -> Vec<&'k str> {
            let used = used.lock().unwrap_or_else(|e| e.into_inner());
            let mut left: Vec<&str> = all.filter(|k| !used.contains(*k)).map(String::as_str).collect();
            left.sort_unstable();
            left
        }
        let names = unused(self.names.keys(), &self.used_names);
        if !names.is_empty() {
            return Err(Error::Validation(format!(
                "Value provided in ExpressionAttributeNames unused in expressions: keys: {{{}}}",
                names.join(", ")
            )));
        }
        let values = unused(self.values.keys(), &self.used_values);
        if !values.is_empty() {
            return Err(Error::Validation(format!(
                "Value provided in ExpressionAttributeValues unused in expressions: keys: {{{}}}",
                values.join(", ")
            )));
        }
        Ok(())
    }

    /// Resolves `#name`, marking it used.
    pub(crate) fn name(&self, key: &str) -> Option<&'a str> {
        let found = self.names.get(key)?;
        self.used_names.lock().unwrap_or_else(|e| e.into_inner()).insert(key.to_string());
        Some(found.as_str())
    }

    /// Resolves `:value`, marking it used.
    pub(crate) fn value(&self, key: &str) -> Option<&'a AttributeValue> {
        let found = self.values.get(key)?;
        self.used_values.lock().unwrap_or_else(|e| e.into_inner()).insert(key.to_string());
        Some(found)
    }
}

/// Which request parameter an expression came from; names it in error messages
/// ("Invalid ConditionExpression: …").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExprKind {
    /// `ConditionExpression` (PutItem, UpdateItem, DeleteItem, transactions).
    Condition,
    /// `FilterExpression` (Query, Scan).
    Filter,
    /// `KeyConditionExpression` (Query).
    KeyCondition,
    /// `ProjectionExpression`.
    Projection,
    /// `UpdateExpression`.
    Update,
}

impl ExprKind {
    /// The request parameter's name, e.g. `ConditionExpression`.
    pub fn parameter(self) -> &'static str {
        match self {
            ExprKind::Condition => "ConditionExpression",
            ExprKind::Filter => "FilterExpression",
            ExprKind::KeyCondition => "KeyConditionExpression",
            ExprKind::Projection => "ProjectionExpression",
            ExprKind::Update => "UpdateExpression",
        }
    }
}

/// One step of a document path after its top-level attribute name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathStep {
    /// `.name`: a map member.
    Name(String),
    /// `[index]`: a list element.
    Index(usize),
}

/// A document path with its placeholders resolved: a top-level attribute name, then
/// `.name` / `[index]` steps.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Path {
    pub(crate) top: String,
    pub(crate) steps: Vec<PathStep>,
}

impl Path {
    /// A top-level attribute's path.
    pub fn attribute(name: impl Into<String>) -> Path {
        Path { top: name.into(), steps: Vec::new() }
    }

    /// The top-level attribute name.
    pub fn top(&self) -> &str {
        &self.top
    }

    /// The steps after the top-level name.
    pub fn steps(&self) -> &[PathStep] {
        &self.steps
    }

    /// Whether the path is just a top-level attribute.
    pub fn is_top_level(&self) -> bool {
        self.steps.is_empty()
    }

    /// The value at this path in `item`, if there is one.
    pub fn resolve<'i>(&self, item: &'i Item) -> Option<&'i AttributeValue> {
        let mut cur = item.get(&self.top)?;
        for step in &self.steps {
            cur = match (step, cur) {
                (PathStep::Name(n), AttributeValue::M(m)) => m.get(n)?,
                (PathStep::Index(i), AttributeValue::L(l)) => l.get(*i)?,
                _ => return None,
            };
        }
        Some(cur)
    }

    /// Path elements for comparing paths: the top-level name is the first.
    fn elements(&self) -> impl Iterator<Item = Elem<'_>> {
        std::iter::once(Elem::Name(&self.top)).chain(self.steps.iter().map(|s| match s {
            PathStep::Name(n) => Elem::Name(n),
            PathStep::Index(i) => Elem::Index(*i),
        }))
    }
}

/// A path element, the top-level name included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Elem<'p> {
    Name(&'p str),
    Index(usize),
}

impl fmt::Display for Path {
    /// DynamoDB's form in error messages: `[a, b, [2], c]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, e) in self.elements().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            match e {
                Elem::Name(n) => f.write_str(n)?,
                Elem::Index(x) => write!(f, "[{x}]")?,
            }
        }
        f.write_str("]")
    }
}

/// How two document paths written by one expression relate.
enum Clash {
    /// One is the other or lies inside it.
    Overlap,
    /// They index the same document both as a map and as a list.
    Conflict,
}

fn clash(a: &Path, b: &Path) -> Option<Clash> {
    for (x, y) in a.elements().zip(b.elements()) {
        match (x, y) {
            (Elem::Name(_), Elem::Index(_)) | (Elem::Index(_), Elem::Name(_)) => return Some(Clash::Conflict),
            _ if x != y => return None,
            _ => {}
        }
    }
    Some(Clash::Overlap)
}

/// DynamoDB's overlap and conflict errors for the paths an update writes or a projection
/// reads: the first overlap found, else the first conflict.
pub(crate) fn check_paths<'p>(paths: impl IntoIterator<Item = &'p Path>) -> (Option<String>, Option<String>) {
    let mut seen: Vec<&Path> = Vec::new();
    let mut conflict = None;
    for p in paths {
        for q in &seen {
            match clash(q, p) {
                Some(Clash::Overlap) => {
                    let msg = format!(
                        "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: {q}, path two: {p}"
                    );
                    return (Some(msg), conflict);
                }
                Some(Clash::Conflict) if conflict.is_none() => {
                    conflict = Some(format!(
                        "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: {q}, path two: {p}"
                    ));
                }
                _ => {}
            }
        }
        seen.push(p);
    }
    (None, conflict)
}

/// Orders paths so that siblings in one list come by index (names by name).
pub(crate) fn path_order(a: &Path, b: &Path) -> std::cmp::Ordering {
    a.elements().cmp(b.elements())
}

/// Longest expression DynamoDB accepts, in bytes.
pub(crate) const MAX_EXPRESSION_BYTES: usize = 4096;

/// Most operators and functions one expression may use.
const MAX_OPERATORS: usize = 300;

/// DynamoDB's limit on operators and functions in one expression.
pub(crate) fn check_operator_count(kind: ExprKind, count: usize) -> Result<(), Error> {
    if count > MAX_OPERATORS {
        return Err(invalid(kind, format!("The expression contains too many operators; operator count: {count}")));
    }
    Ok(())
}

/// Deepest nesting of parentheses the parser accepts (which bounds its recursion).
const MAX_PAREN_DEPTH: usize = 100;

/// Lexes an expression of `kind`, refusing an empty, oversized or too deeply nested one.
pub(crate) fn tokens(src: &str, kind: ExprKind) -> Result<lexer::Tokens<'_>, Error> {
    let tokens = lexer::Tokens::lex(src);
    if tokens.is_empty() {
        return Err(invalid(kind, "The expression can not be empty;"));
    }
    if src.len() > MAX_EXPRESSION_BYTES {
        return Err(invalid(
            kind,
            format!("Expression size has exceeded the maximum allowed size; expression size: {}", src.len()),
        ));
    }
    if let Some(at) = tokens.nesting_beyond(MAX_PAREN_DEPTH) {
        return Err(syntax_error(kind, &tokens, at));
    }
    Ok(tokens)
}

/// DynamoDB's syntax error for token `at`.
pub(crate) fn syntax_error(kind: ExprKind, tokens: &lexer::Tokens<'_>, at: usize) -> Error {
    invalid(kind, format!("Syntax error; token: \"{}\", near: \"{}\"", tokens.text(at), tokens.near(at)))
}

/// An expression error: `Invalid <Parameter>: <message>`.
pub(crate) fn invalid(kind: ExprKind, message: impl fmt::Display) -> Error {
    Error::Validation(format!("Invalid {}: {message}", kind.parameter()))
}

/// The first error of a category wins.
pub(crate) fn first(slot: &mut Option<String>, message: impl FnOnce() -> String) {
    if slot.is_none() {
        *slot = Some(message());
    }
}

/// DynamoDB's name for a value's type in `{N:1}`-style messages, with its value.
pub(crate) fn show_value(v: &AttributeValue) -> String {
    use base64::Engine as _;
    let inner = match v {
        AttributeValue::S(s) => s.clone(),
        AttributeValue::N(n) => n.to_string(),
        AttributeValue::B(b) => base64::engine::general_purpose::STANDARD.encode(b),
        AttributeValue::Bool(b) => b.to_string(),
        AttributeValue::Null => "true".to_string(),
        other => other.to_json().to_string(),
    };
    format!("{{{}:{inner}}}", v.type_name())
}
