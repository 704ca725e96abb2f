//! A streaming JSON reader that stops where Jackson stops and words its errors as Jackson does.
//!
//! event-ruler compiles a pattern while it reads it, token by token, with Jackson's
//! `ReaderBasedJsonParser`; every refusal carries the parser's position at that moment. To answer
//! with the same columns this reader keeps Jackson's habits (observed in AWS's answers):
//!
//! - a field name is read together with the first token of its value (Jackson's `_nextToken`), so
//!   after a name the position is already past `{`, `[`, the opening quote of a string, or a whole
//!   number or literal;
//! - a string value is read lazily: right after the token the position is just past the opening
//!   quote, and [`Lexer::string`] (Jackson's `getText()`) moves it past the closing quote;
//! - errors about one unexpected character point at that character (Jackson 2.16's
//!   `_currentLocationMinusOne`), every other error at the current position;
//! - columns count UTF-16 units from 1; the source snippet is the first 500 of them.
//!
//! Syntax errors that only truncated input reaches (end of input inside a number, an escape or a
//! literal) are worded loosely; the positions and the common messages follow Jackson 2.16.

use crate::error::PatternError;

mod scalars;

/// Jackson's `StreamReadConstraints` default nesting limit.
const MAX_DEPTH: usize = 1000;
/// Jackson's `ErrorReportConfiguration` default snippet length, in UTF-16 units.
const MAX_SNIPPET: usize = 500;
/// Jackson stops echoing an unrecognized token after this many characters.
const MAX_ERROR_TOKEN: usize = 256;
/// What Jackson says it expected when a value is not one.
const VALUE_LIST: &str = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')";

/// One token, as Jackson's `nextToken()` returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    StartObject,
    EndObject,
    StartArray,
    EndArray,
    /// A field name, unescaped.
    Name(String),
    /// A string value; [`Lexer::string`] reads its text.
    String,
    /// A number, as written.
    Number(String),
    True,
    False,
    Null,
    /// The end of the input at the top level.
    End,
}

impl Token {
    /// What Jackson's `getText()` gives for this token in event-ruler's messages (strings are read
    /// with [`Lexer::string`] instead).
    pub(crate) fn text(&self) -> String {
        match self {
            Token::StartObject => "{".into(),
            Token::EndObject => "}".into(),
            Token::StartArray => "[".into(),
            Token::EndArray => "]".into(),
            Token::Name(name) => name.clone(),
            Token::String | Token::End => String::new(),
            Token::Number(text) => text.clone(),
            Token::True => "true".into(),
            Token::False => "false".into(),
            Token::Null => "null".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Object,
    Array,
}

/// An open object or array (Jackson's `JsonReadContext`).
#[derive(Debug, Clone)]
struct Frame {
    kind: Kind,
    /// Entries started so far; a comma must precede every entry after the first.
    entries: usize,
    /// Where the opening bracket stands, for "start marker" messages.
    line: u32,
    column: usize,
}

/// The reader. Positions are byte offsets into `src`; columns are computed only for messages.
/// Cloning it gives a lookahead that leaves the original where it was.
#[derive(Clone)]
pub(crate) struct Lexer<'a> {
    src: &'a str,
    /// Jackson's `_inputPtr`.
    pos: usize,
    /// 1-based line of `pos`.
    line: u32,
    /// Byte offset where the current line starts.
    line_start: usize,
    frames: Vec<Frame>,
    /// The value token read along with the last field name, and where it starts.
    pending: Option<(Token, usize)>,
    /// A string token whose body is unread; `pos` is just past its opening quote.
    open_string: bool,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(src: &'a str) -> Lexer<'a> {
        Lexer { src, pos: 0, line: 1, line_start: 0, frames: Vec::new(), pending: None, open_string: false }
    }

    /// Jackson's `nextToken()`.
    pub(crate) fn next(&mut self) -> Result<Token, PatternError> {
        if let Some((token, at)) = self.pending.take() {
            match token {
                Token::StartObject => self.push(Kind::Object, at)?,
                Token::StartArray => self.push(Kind::Array, at)?,
                _ => {}
            }
            return Ok(token);
        }
        if self.open_string {
            self.open_string = false;
            self.read_string(false)?;
        }
        let Some(mut c) = self.skip_space()? else {
            return match self.frames.last() {
                Some(frame) => Err(self.barf(format!(
                    "Unexpected end-of-input: expected close marker for {} (start marker at {})",
                    kind_name(frame.kind),
                    self.frame_location(frame.line, frame.column)
                ))),
                None => Ok(Token::End),
            };
        };
        if c == ']' || c == '}' {
            return self.close(c);
        }
        if self.expect_comma() {
            if c != ',' {
                return Err(
                    self.unexpected(c, &format!("was expecting comma to separate {} entries", self.type_desc()))
                );
            }
            c = self.skip_space()?.ok_or_else(|| self.between_entries())?;
        }
        let at = self.pos - c.len_utf8();
        if self.frames.last().is_some_and(|f| f.kind == Kind::Object) {
            if c != '"' {
                return Err(self.unexpected(c, "was expecting double-quote to start field name"));
            }
            let name = self.read_string(true)?;
            let v = self.skip_colon()?;
            let value_at = self.pos - v.len_utf8();
            let value = self.value(v, true, value_at)?;
            self.pending = Some((value, value_at));
            return Ok(Token::Name(name));
        }
        self.value(c, false, at)
    }

    /// Jackson's `getText()` on a string token: reads the rest of the string.
    pub(crate) fn string(&mut self) -> Result<String, PatternError> {
        if !self.open_string {
            return Ok(String::new());
        }
        self.open_string = false;
        self.read_string(false)
    }

    /// A refusal at the current position (event-ruler's `barf`).
    pub(crate) fn barf(&self, reason: impl Into<String>) -> PatternError {
        PatternError::located(reason, &self.location())
    }

    /// Jackson's `[Source: ...; line: L, column: C]` for the current position.
    pub(crate) fn location(&self) -> String {
        self.location_at(self.pos)
    }

    fn location_at(&self, at: usize) -> String {
        let from = self.line_start.min(at);
        let column = self.src.get(from..at).map_or(0, |s| s.encode_utf16().count()) + 1;
        self.frame_location(self.line, column)
    }

    fn frame_location(&self, line: u32, column: usize) -> String {
        format!("[Source: {}; line: {line}, column: {column}]", describe_source(self.src))
    }

    fn peek(&self) -> Option<char> {
        self.src.get(self.pos..).and_then(|rest| rest.chars().next())
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn newline(&mut self) {
        self.line = self.line.saturating_add(1);
        self.line_start = self.pos;
    }

    /// Skips white space; returns the next character, consumed, or `None` at the end.
    fn skip_space(&mut self) -> Result<Option<char>, PatternError> {
        loop {
            let Some(c) = self.bump() else { return Ok(None) };
            match c {
                ' ' | '\t' => {}
                '\n' => self.newline(),
                '\r' => {
                    if self.peek() == Some('\n') {
                        self.pos += 1;
                    }
                    self.newline();
                }
                '/' => {
                    return Err(self.unexpected(
                        c,
                        "maybe a (non-standard) comment? (not recognized as one since Feature 'ALLOW_COMMENTS' not enabled for parser)",
                    ));
                }
                c if u32::from(c) < 0x20 => {
                    return Err(self.barf(format!(
                        "Illegal character ({}): only regular white space (\\r, \\n, \\t) is allowed between tokens",
                        char_desc(c)
                    )));
                }
                c => return Ok(Some(c)),
            }
        }
    }

    fn skip_colon(&mut self) -> Result<char, PatternError> {
        let c = self.skip_space()?.ok_or_else(|| self.between_entries())?;
        if c != ':' {
            return Err(self.unexpected(c, "was expecting a colon to separate field name and value"));
        }
        self.skip_space()?.ok_or_else(|| self.between_entries())
    }

    fn between_entries(&self) -> PatternError {
        self.barf(format!("Unexpected end-of-input within/between {} entries", self.type_desc()))
    }

    fn type_desc(&self) -> &'static str {
        self.frames.last().map_or("root", |f| kind_name(f.kind))
    }

    /// Counts an entry of the open container; true when a comma must come first.
    fn expect_comma(&mut self) -> bool {
        match self.frames.last_mut() {
            Some(frame) => {
                frame.entries += 1;
                frame.entries > 1
            }
            None => false,
        }
    }

    fn push(&mut self, kind: Kind, at: usize) -> Result<(), PatternError> {
        if self.frames.len() >= MAX_DEPTH {
            // Jackson's StreamConstraintsException carries no location.
            return Err(PatternError::bare(format!(
                "Document nesting depth ({}) exceeds the maximum allowed ({MAX_DEPTH}, from `StreamReadConstraints.getMaxNestingDepth()`)",
                self.frames.len() + 1
            )));
        }
        let column = self.src.get(self.line_start.min(at)..at).map_or(0, |s| s.encode_utf16().count()) + 1;
        self.frames.push(Frame { kind, entries: 0, line: self.line, column });
        Ok(())
    }

    fn close(&mut self, c: char) -> Result<Token, PatternError> {
        let (kind, token, other) =
            if c == ']' { (Kind::Array, Token::EndArray, '}') } else { (Kind::Object, Token::EndObject, ']') };
        if self.frames.last().is_some_and(|f| f.kind == kind) {
            self.frames.pop();
            return Ok(token);
        }
        let start = match self.frames.last() {
            Some(frame) => self.frame_location(frame.line, frame.column),
            None => self.frame_location(1, 0),
        };
        Err(self.barf(format!(
            "Unexpected close marker '{c}': expected '{other}' (for {} starting at {start})",
            self.type_desc()
        )))
    }

    /// Reads the value starting with `c` (consumed, at byte `at`).
    fn value(&mut self, c: char, after_name: bool, at: usize) -> Result<Token, PatternError> {
        Ok(match c {
            '"' => {
                self.open_string = true;
                Token::String
            }
            '[' | '{' => {
                let (kind, token) =
                    if c == '[' { (Kind::Array, Token::StartArray) } else { (Kind::Object, Token::StartObject) };
                // After a name the container opens when the token is handed out.
                if !after_name {
                    self.push(kind, at)?;
                }
                token
            }
            't' => {
                self.literal("true")?;
                Token::True
            }
            'f' => {
                self.literal("false")?;
                Token::False
            }
            'n' => {
                self.literal("null")?;
                Token::Null
            }
            '-' | '0'..='9' => Token::Number(self.number(c, at)?),
            '}' if !after_name => return Err(self.unexpected(c, "expected a value")),
            _ => return Err(self.odd_value(c)),
        })
    }

    /// "Unexpected character" for `c`, just consumed; points at `c` itself.
    fn unexpected(&self, c: char, comment: &str) -> PatternError {
        let at = self.pos.saturating_sub(c.len_utf8());
        PatternError::located(format!("Unexpected character ({}): {comment}", char_desc(c)), &self.location_at(at))
    }

    /// Jackson's `reportUnexpectedNumberChar`, at the current position.
    fn number_char(&self, c: char, comment: &str) -> PatternError {
        self.barf(format!("Unexpected character ({}) in numeric value: {comment}", char_desc(c)))
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Object => "Object",
        Kind::Array => "Array",
    }
}

/// Jackson's `_getCharDesc`.
fn char_desc(c: char) -> String {
    let code = u32::from(c);
    if c.is_control() {
        format!("(CTRL-CHAR, code {code})")
    } else if code > 255 {
        format!("'{c}' (code {code} / 0x{code:x})")
    } else {
        format!("'{c}' (code {code})")
    }
}

/// `(String)"..."`: Jackson's description of a string source, cut after 500 UTF-16 units, with
/// control characters other than line breaks and tabs escaped.
fn describe_source(src: &str) -> String {
    let total = src.encode_utf16().count();
    let mut out = String::with_capacity(src.len().min(MAX_SNIPPET * 2) + 32);
    out.push_str("(String)\"");
    let mut units = 0;
    for c in src.chars() {
        units += c.len_utf16();
        if units > MAX_SNIPPET {
            break;
        }
        if c.is_control() && !matches!(c, '\n' | '\r' | '\t') {
            out.push_str(&format!("\\u{:04X}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out.push('"');
    if total > MAX_SNIPPET {
        out.push_str(&format!("[truncated {} chars]", total - MAX_SNIPPET));
    }
    out
}
