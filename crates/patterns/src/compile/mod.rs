//! Compiling a pattern document, as event-ruler's `JsonRuleCompiler` does: one pass over the
//! tokens, refusing at the first problem with the engine's message and position.
//!
//! The result is a list of sub-rules (event-ruler's "match branches"): each `$or` alternative
//! forks the sub-rules built so far, and a field written into a sub-rule replaces any earlier
//! field with the same path (JSON's last-key-wins, which the EventBridge guide documents).
//!
//! SNS filter policies are compiled by the same engine with fewer operators, a narrower numeric
//! range and its own reading of `$or` ([`Language::FilterPolicy`]); the compiler also records
//! the document's [`Shape`], which SNS's limits count.

use std::sync::Arc;

use serde_json::Value;

use crate::condition::{Condition, Field};
use crate::error::PatternError;
use crate::json::{Lexer, Token};
use crate::values::{self, Key, OUT_OF_RANGE};
use crate::wildcard::Glob;

/// The OR operator's key.
const OR_KEY: &str = "$or";
/// Squall's own cap on the sub-rules `$or` expands into (event-ruler has none, but its machine
/// grows with them); a pattern beyond it is refused with [`TOO_MANY_ALTERNATIVES`].
pub(crate) const MAX_SUB_RULES: usize = 1000;
/// The refusal past [`MAX_SUB_RULES`] (Squall's wording; AWS documents no such limit).
pub(crate) const TOO_MANY_ALTERNATIVES: &str = "Event pattern is too complex: its $or combinations exceed 1000";
/// Field names event-ruler reserves inside `$or` alternatives.
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
    "html",
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
const TOO_MANY_ELEMENTS: &str = "Too many elements in numeric expression";
const ONE_KEY: &str = "Only one key allowed in match expression";
/// SNS's refusal of a nested key in a `MessageAttributes` policy.
const NESTED_IN_ATTRIBUTES: &str = "Filter policy scope MessageAttributes does not support nested filter policy";
/// SNS's numeric range, and its refusal of operands outside it.
const SNS_NUMERIC_LIMIT: f64 = 1e9;
const SNS_OUT_OF_RANGE: &str = "Value must be between -1.0E9 and 1.0E9, inclusive";

mod anything_but;
mod numeric;

/// A sub-rule under construction: fields in insertion order, unique by path.
pub(crate) type Branch = Vec<Arc<Field>>;

/// Which language a document is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Language {
    /// An EventBridge event pattern.
    EventPattern,
    /// An SNS subscription filter policy; `nested` is false for `MessageAttributes` scope, where
    /// keys are attribute names. SNS accepts no `exactly`, `wildcard` or ignore-case affixes,
    /// `anything-but` only with values or one prefix, numbers within ±1e9, and reads `$or` as
    /// an ordinary key unless its value is an array of at least two objects with no operator
    /// names among their keys (the SNS guide's rule).
    FilterPolicy { nested: bool },
}

impl Language {
    fn numeric_limit(self) -> (f64, &'static str) {
        match self {
            Language::EventPattern => (values::FIVE_BILLION, OUT_OF_RANGE),
            Language::FilterPolicy { .. } => (SNS_NUMERIC_LIMIT, SNS_OUT_OF_RANGE),
        }
    }

    pub(crate) fn is_sns(self) -> bool {
        matches!(self, Language::FilterPolicy { .. })
    }
}

/// A document's structure before `$or` expands, as SNS's limits count it.
#[derive(Debug, Default)]
pub(crate) struct Shape {
    /// Each field's top-level key, and its weight: number of conditions x nesting depth.
    pub(crate) fields: Vec<(String, u64)>,
    /// The `$or` groups: each a list of alternatives.
    pub(crate) any_of: Vec<Vec<Shape>>,
}

/// A compiled document.
pub(crate) struct Compiled {
    pub(crate) branches: Vec<Branch>,
    pub(crate) shape: Shape,
}

/// Compiles `text`, written in `language`, into its sub-rules.
pub(crate) fn compile(text: &str, language: Language) -> Result<Compiled, PatternError> {
    let mut compiler = Compiler { lexer: Lexer::new(text), path: Vec::new(), language };
    if compiler.lexer.next()? != Token::StartObject {
        return Err(compiler.lexer.barf("Filter is not an object"));
    }
    let mut branches = Vec::new();
    let mut shape = Shape::default();
    compiler.object(&mut branches, &mut shape, false)?;
    // Like event-ruler, whatever follows the pattern object is not read.
    Ok(Compiled { branches, shape })
}

struct Compiler<'a> {
    lexer: Lexer<'a>,
    /// The names of the objects around the current one.
    path: Vec<String>,
    language: Language,
}

impl Compiler<'_> {
    fn barf(&self, reason: impl Into<String>) -> PatternError {
        self.lexer.barf(reason)
    }

    fn next(&mut self) -> Result<Token, PatternError> {
        self.lexer.next()
    }

    /// Reads the rest of an object whose `{` was read (event-ruler's `parseObject`, or
    /// `parseObjectInsideOrRelationship` when `in_or`).
    fn object(&mut self, rules: &mut Vec<Branch>, shape: &mut Shape, in_or: bool) -> Result<(), PatternError> {
        let mut fields_present = false;
        // Inside an object the lexer yields only names and the closing brace.
        while let Token::Name(name) = self.next()? {
            fields_present = true;
            if name == OR_KEY && (!self.language.is_sns() || self.or_ahead()) {
                self.or(rules, shape)?;
                continue;
            }
            if in_or && !self.language.is_sns() && RESERVED_IN_OR.contains(&name.as_str()) {
                return Err(self.barf(format!("{name} is Ruler reserved fieldName which cannot be used inside $or.")));
            }
            match self.next()? {
                Token::StartObject => {
                    if self.language == (Language::FilterPolicy { nested: false }) {
                        return Err(PatternError::bare(NESTED_IN_ATTRIBUTES));
                    }
                    self.path.push(name);
                    self.object(rules, shape, in_or)?;
                    self.path.pop();
                }
                Token::StartArray => self.field(rules, shape, name)?,
                _ => return Err(self.barf(format!("\"{name}\" must be an object or an array"))),
            }
        }
        if !fields_present {
            return Err(self.barf("Empty objects are not allowed"));
        }
        Ok(())
    }

    /// The dotted path of `name` in the current object (event-ruler's `Path.extendedName`).
    fn extended(&self, name: &str) -> String {
        if self.path.is_empty() {
            return name.to_string();
        }
        format!("{}.{name}", self.path.join("."))
    }

    /// Whether the value after a `$or` name is an OR in SNS's reading: an array of at least two
    /// objects, none with an operator name among its keys. Reads ahead on a copy of the lexer;
    /// a syntax error ahead answers no, and is met again by the real read.
    fn or_ahead(&self) -> bool {
        let mut ahead = self.lexer.clone();
        let mut next = || ahead.next().ok();
        if next() != Some(Token::StartArray) {
            return false;
        }
        let mut alternatives = 0;
        loop {
            match next() {
                Some(Token::EndArray) => return alternatives >= 2,
                Some(Token::StartObject) => alternatives += 1,
                _ => return false,
            }
            // The alternative's keys; their values are skipped whole.
            loop {
                match next() {
                    Some(Token::EndObject) => break,
                    Some(Token::Name(name)) if !RESERVED_IN_OR.contains(&name.as_str()) => {
                        let mut depth = 0usize;
                        loop {
                            match next() {
                                Some(Token::StartObject | Token::StartArray) => depth += 1,
                                Some(Token::EndObject | Token::EndArray) => depth = depth.saturating_sub(1),
                                Some(Token::End) | None => return false,
                                Some(_) => {}
                            }
                            if depth == 0 {
                                break;
                            }
                        }
                    }
                    _ => return false,
                }
            }
        }
    }

    /// Reads a `$or` array: every alternative forks the sub-rules built so far.
    fn or(&mut self, rules: &mut Vec<Branch>, shape: &mut Shape) -> Result<(), PatternError> {
        let current = std::mem::take(rules);
        let mut group = Vec::new();
        if self.next()? != Token::StartArray {
            return Err(self.barf("It must be an Array followed with $or."));
        }
        let mut alternatives = 0;
        loop {
            match self.next()? {
                Token::EndArray => break,
                Token::StartObject => {
                    alternatives += 1;
                    let mut forked = current.clone();
                    if forked.is_empty() {
                        forked.push(Branch::new());
                    }
                    let mut alternative = Shape::default();
                    self.object(&mut forked, &mut alternative, true)?;
                    group.push(alternative);
                    rules.extend(forked);
                    if rules.len() > MAX_SUB_RULES {
                        return Err(PatternError::bare(TOO_MANY_ALTERNATIVES));
                    }
                }
                _ => return Err(self.barf("Only JSON object is allowed in array of $or relationship.")),
            }
        }
        if alternatives < 2 {
            return Err(self.barf("There must have at least 2 Objects in $or relationship."));
        }
        shape.any_of.push(group);
        Ok(())
    }

    /// Reads the condition array of the field `name` (event-ruler's `writeRules`), puts it in
    /// every sub-rule and records it in the shape. Kept out of `object`, whose frame is on the
    /// stack once per nesting level.
    fn field(&mut self, rules: &mut Vec<Branch>, shape: &mut Shape, name: String) -> Result<(), PatternError> {
        let path = self.extended(&name);
        let top_key = self.path.first().cloned().unwrap_or(name);
        let count = self.conditions(rules, path)?;
        let weight = u64::try_from(count.saturating_mul(self.path.len() + 1)).unwrap_or(u64::MAX);
        shape.fields.push((top_key, weight));
        Ok(())
    }

    /// Reads a condition array and puts it in every sub-rule; answers how many conditions it holds.
    fn conditions(&mut self, rules: &mut Vec<Branch>, path: String) -> Result<usize, PatternError> {
        let mut conditions = Vec::new();
        loop {
            let condition = match self.next()? {
                Token::EndArray => break,
                Token::StartObject => self.expression()?,
                Token::String => {
                    let text = self.lexer.string()?;
                    Condition::Exact { key: Key::of_string(&text), literal: Value::String(text) }
                }
                Token::Number(text) => {
                    let literal = serde_json::from_str(&text).unwrap_or(Value::Null);
                    Condition::Exact { key: Key::Num(values::NumKey::of_text(&text)), literal }
                }
                Token::True => Condition::Exact { key: Key::Bool(true), literal: Value::Bool(true) },
                Token::False => Condition::Exact { key: Key::Bool(false), literal: Value::Bool(false) },
                Token::Null => Condition::Exact { key: Key::Null, literal: Value::Null },
                _ => return Err(self.barf("Match value must be String, number, true, false, or null")),
            };
            conditions.push(condition);
        }
        if conditions.is_empty() {
            return Err(self.barf("Empty arrays are not allowed"));
        }
        if rules.is_empty() {
            rules.push(Branch::new());
        }
        let count = conditions.len();
        let field = Arc::new(Field { path, conditions });
        for rule in rules.iter_mut() {
            match rule.iter_mut().find(|f| f.path == field.path) {
                Some(existing) => *existing = field.clone(),
                None => rule.push(field.clone()),
            }
        }
        Ok(count)
    }

    /// Reads `{"operator": operand}` after its `{` (event-ruler's `processMatchExpression`).
    fn expression(&mut self) -> Result<Condition, PatternError> {
        let Token::Name(operator) = self.next()? else {
            return Err(self.barf("Match expression name not found"));
        };
        match operator.as_str() {
            // SNS's engine knows these operators, but SNS refuses them.
            "exactly" | "wildcard" if self.language.is_sns() => {
                Err(self.barf(format!("Unrecognized match type {operator}")))
            }
            "exactly" => {
                let text = self.string_operand("exact match pattern must be a string")?;
                self.end_object(ONE_KEY)?;
                Ok(Condition::ExactText(text))
            }
            "prefix" | "suffix" => {
                let prefix = operator == "prefix";
                let token = self.next()?;
                if token == Token::StartObject && !self.language.is_sns() {
                    return self.ignore_case_affix(prefix);
                }
                if token != Token::String {
                    return Err(self.barf(format!("{operator} match pattern must be a string")));
                }
                let text = self.lexer.string()?;
                self.end_object(ONE_KEY)?;
                Ok(if prefix { Condition::Prefix(text) } else { Condition::Suffix(text) })
            }
            "numeric" => {
                if self.next()? != Token::StartArray {
                    return Err(self.barf("Value of numeric must be an array."));
                }
                let range = self.numeric()?;
                self.end_object(TOO_MANY_ELEMENTS)?;
                Ok(Condition::Numeric(range))
            }
            "anything-but" => self.anything_but(),
            "exists" => {
                let exists = match self.next()? {
                    Token::True => true,
                    Token::False => false,
                    _ => return Err(self.barf("exists match pattern must be either true or false.")),
                };
                self.end_object(ONE_KEY)?;
                Ok(if exists { Condition::Exists } else { Condition::Absent })
            }
            "cidr" => {
                // event-ruler reports a non-string block with the prefix wording.
                let block = self.string_operand("prefix match pattern must be a string")?;
                // CIDR errors are thrown outside the parser: no position.
                let range = values::cidr(&block).map_err(PatternError::bare)?;
                self.end_object(ONE_KEY)?;
                Ok(Condition::Cidr(range))
            }
            "equals-ignore-case" => {
                let text = self.string_operand("equals-ignore-case match pattern must be a string")?;
                self.end_object(ONE_KEY)?;
                Ok(Condition::EqualsIgnoreCase(text))
            }
            "wildcard" => {
                let text = self.string_operand("wildcard match pattern must be a string")?;
                let glob = Glob::parse(&text).map_err(|e| self.barf(e))?;
                self.end_object(ONE_KEY)?;
                Ok(Condition::Wildcard(glob))
            }
            _ => Err(self.barf(format!("Unrecognized match type {operator}"))),
        }
    }

    /// Reads the next token as a string, or refuses with `message`.
    fn string_operand(&mut self, message: &str) -> Result<String, PatternError> {
        if self.next()? != Token::String {
            return Err(self.barf(message));
        }
        self.lexer.string()
    }

    fn end_object(&mut self, message: &str) -> Result<(), PatternError> {
        if self.next()? != Token::EndObject {
            return Err(self.barf(message));
        }
        Ok(())
    }

    /// `{"prefix": {"equals-ignore-case": "x"}}` and the suffix form, after the inner `{`.
    fn ignore_case_affix(&mut self, prefix: bool) -> Result<Condition, PatternError> {
        let (label, kind) = if prefix { ("Prefix", "prefix") } else { ("Suffix", "suffix") };
        let Token::Name(operator) = self.next()? else {
            return Err(self.barf(format!("{label} expression name not found")));
        };
        if operator != "equals-ignore-case" {
            return Err(self.barf(format!("Unsupported {kind} pattern: {operator}")));
        }
        let text = self.string_operand("equals-ignore-case match pattern must be a string")?;
        self.end_object(ONE_KEY)?;
        self.end_object(ONE_KEY)?;
        Ok(if prefix { Condition::PrefixIgnoreCase(text) } else { Condition::SuffixIgnoreCase(text) })
    }

    /// A number in millionths; out of the language's range is refused at the parser's position.
    fn micros(&self, text: &str) -> Result<i64, PatternError> {
        let (limit, message) = self.language.numeric_limit();
        in_range(text, limit).ok_or_else(|| self.barf(message))
    }
}

/// A number in millionths when it lies within ±`limit`.
fn in_range(text: &str, limit: f64) -> Option<i64> {
    values::micros(text).filter(|_| (-limit..=limit).contains(&values::parse_f64(text)))
}
