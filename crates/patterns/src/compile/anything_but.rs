//! `anything-but` and its operator forms (the anything-but branch of event-ruler's
//! `processMatchExpression` and the list helpers it calls).

use super::{Compiler, TOO_MANY_ELEMENTS};
use crate::condition::{AnythingBut, Condition};
use crate::error::PatternError;
use crate::json::Token;
use crate::wildcard::Glob;

/// Which `anything-but` object form is being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ButKind {
    Plain,
    IgnoreCase,
    Prefix,
    Suffix,
    Wildcard,
}

impl Compiler<'_> {
    /// `anything-but` and its object forms (the anything-but branch of `processMatchExpression`).
    pub(super) fn anything_but(&mut self) -> Result<Condition, PatternError> {
        let mut kind = ButKind::Plain;
        let mut token = self.next()?;
        if token == Token::StartObject {
            let Token::Name(operator) = self.next()? else {
                return Err(self.barf("Anything-But expression name not found"));
            };
            kind = match operator.as_str() {
                // SNS takes one prefix and no other operator.
                "prefix" if self.language.is_sns() => ButKind::Prefix,
                _ if self.language.is_sns() => {
                    return Err(self.barf(format!("Unsupported anything-but pattern: {operator}")));
                }
                "equals-ignore-case" => ButKind::IgnoreCase,
                "prefix" => ButKind::Prefix,
                "suffix" => ButKind::Suffix,
                "wildcard" => ButKind::Wildcard,
                _ => return Err(self.barf(format!("Unsupported anything-but pattern: {operator}"))),
            };
            token = self.next()?;
        }
        if kind == ButKind::Prefix && self.language.is_sns() && token != Token::String {
            return Err(self.barf("prefix match pattern must be a string"));
        }
        if !matches!(token, Token::StartArray | Token::String | Token::Number(_)) {
            return Err(self.barf("Value of anything-but must be an array or single string/number value."));
        }
        let but = match (token, kind) {
            (Token::StartArray, ButKind::Plain) => self.but_list()?,
            (Token::StartArray, kind) => self.but_set_list(kind)?,
            (token, ButKind::Plain) => self.but_single(token)?,
            (token, kind) => self.but_set_single(token, kind)?,
        };
        self.end_object(TOO_MANY_ELEMENTS)?;
        if kind != ButKind::Plain {
            self.end_object(TOO_MANY_ELEMENTS)?;
        }
        Ok(Condition::AnythingBut(but))
    }

    /// `{"anything-but": [..]}`: all strings or all numbers. event-ruler re-throws errors raised
    /// inside the list, so they carry the position twice.
    fn but_list(&mut self) -> Result<AnythingBut, PatternError> {
        let mut strings = Vec::new();
        let mut numbers = Vec::new();
        loop {
            match self.next().map_err(|e| e.relocated(&self.lexer.location()))? {
                Token::EndArray => break,
                Token::String => strings.push(self.lexer.string().map_err(|e| e.relocated(&self.lexer.location()))?),
                Token::Number(text) => numbers.push(self.micros(&text)?),
                _ => {
                    let e = self.barf("Inside anything but list, start|null|boolean is not supported.");
                    return Err(e.relocated(&self.lexer.location()));
                }
            }
        }
        match (strings.is_empty(), numbers.is_empty()) {
            (false, true) => Ok(AnythingBut::Strings(strings)),
            (true, false) => Ok(AnythingBut::Numbers(numbers)),
            _ => Err(self
                .barf("Inside anything but list, either all values are number or string, mixed type is not supported")),
        }
    }

    /// `{"anything-but": "x"}` or `{"anything-but": 5}`. A number out of range is refused by
    /// event-ruler outside the parser: no position.
    fn but_single(&mut self, token: Token) -> Result<AnythingBut, PatternError> {
        match token {
            Token::Number(text) => {
                let (limit, message) = self.language.numeric_limit();
                super::in_range(&text, limit)
                    .map(|n| AnythingBut::Numbers(vec![n]))
                    .ok_or_else(|| PatternError::bare(message))
            }
            _ => Ok(AnythingBut::Strings(vec![self.lexer.string()?])),
        }
    }

    /// The list form of `anything-but` with `prefix`, `suffix`, `equals-ignore-case` or `wildcard`.
    fn but_set_list(&mut self, kind: ButKind) -> Result<AnythingBut, PatternError> {
        let mut texts = Vec::new();
        loop {
            match self.next().map_err(|e| e.relocated(&self.lexer.location()))? {
                Token::EndArray => break,
                Token::String => {
                    let text = self.lexer.string().map_err(|e| e.relocated(&self.lexer.location()))?;
                    if text.is_empty() && matches!(kind, ButKind::Prefix | ButKind::Suffix) {
                        let e = self.barf("Null prefix/suffix not allowed");
                        return Err(e.relocated(&self.lexer.location()));
                    }
                    texts.push(text);
                }
                _ => {
                    let e = self.barf(set_type_message(kind));
                    return Err(e.relocated(&self.lexer.location()));
                }
            }
        }
        self.but_set(kind, texts)
    }

    /// The single-value form of `anything-but` with an operator object.
    fn but_set_single(&mut self, token: Token, kind: ButKind) -> Result<AnythingBut, PatternError> {
        if token != Token::String {
            return Err(self.barf(set_type_message(kind)));
        }
        let text = self.lexer.string()?;
        if text.is_empty() && matches!(kind, ButKind::Prefix | ButKind::Suffix) {
            return Err(self.barf("Null prefix/suffix not allowed"));
        }
        self.but_set(kind, vec![text])
    }

    fn but_set(&self, kind: ButKind, texts: Vec<String>) -> Result<AnythingBut, PatternError> {
        Ok(match kind {
            ButKind::IgnoreCase => AnythingBut::IgnoreCase(texts),
            ButKind::Prefix => AnythingBut::Prefixes(texts),
            ButKind::Suffix => AnythingBut::Suffixes(texts),
            ButKind::Wildcard | ButKind::Plain => AnythingBut::Wildcards(
                texts.iter().map(|t| Glob::parse(t)).collect::<Result<_, _>>().map_err(|e| self.barf(e))?,
            ),
        })
    }
}

/// The message for a non-string inside an anything-but operator object.
fn set_type_message(kind: ButKind) -> &'static str {
    match kind {
        ButKind::IgnoreCase => {
            "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."
        }
        ButKind::Wildcard => "wildcard match pattern must be a string",
        ButKind::Prefix | ButKind::Suffix | ButKind::Plain => "prefix/suffix match pattern must be a string",
    }
}
