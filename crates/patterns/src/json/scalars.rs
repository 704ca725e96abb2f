//! Jackson's readers for scalars: literals, numbers, strings and escapes, with its messages.

use super::{Lexer, MAX_ERROR_TOKEN, VALUE_LIST, char_desc};
use crate::error::PatternError;

impl Lexer<'_> {
    /// Matches the rest of `word` (its first character is consumed), as Jackson's `_matchToken`.
    pub(super) fn literal(&mut self, word: &str) -> Result<(), PatternError> {
        for (i, expected) in word.char_indices().skip(1) {
            if self.peek() != Some(expected) {
                return Err(self.invalid_token(&word[..i]));
            }
            self.pos += expected.len_utf8();
        }
        if let Some(c) = self.peek()
            && c >= '0'
            && c != ']'
            && c != '}'
            && is_identifier_part(c)
        {
            return Err(self.invalid_token(word));
        }
        Ok(())
    }

    /// "Unrecognized token": echoes `matched` and the identifier characters that follow.
    fn invalid_token(&mut self, matched: &str) -> PatternError {
        let mut token = matched.to_string();
        let mut length = token.encode_utf16().count();
        while let Some(c) = self.peek() {
            if !is_identifier_part(c) {
                break;
            }
            self.pos += c.len_utf8();
            token.push(c);
            length += c.len_utf16();
            if length >= MAX_ERROR_TOKEN {
                token.push_str("...");
                break;
            }
        }
        self.barf(format!("Unrecognized token '{token}': was expecting {VALUE_LIST}"))
    }

    /// A value that starts with a character no JSON value starts with (Jackson's `_handleOddValue`).
    pub(super) fn odd_value(&mut self, c: char) -> PatternError {
        let non_standard = match c {
            'N' => Some("NaN"),
            'I' => Some("Infinity"),
            _ => None,
        };
        if let Some(word) = non_standard {
            return match self.literal(word) {
                Err(e) => e,
                Ok(()) => self.barf(format!(
                    "Non-standard token '{word}': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow"
                )),
            };
        }
        if c == '+' {
            return match self.bump() {
                None => self.barf("Unexpected end-of-input in a Number value"),
                Some(_) => self.number_char(
                    '+',
                    "JSON spec does not allow numbers to have plus signs: enable `JsonReadFeature.ALLOW_LEADING_PLUS_SIGN_FOR_NUMBERS` to allow",
                ),
            };
        }
        if is_identifier_start(c) {
            return self.invalid_token(&c.to_string());
        }
        self.unexpected(c, &format!("expected a valid value {VALUE_LIST}"))
    }

    /// Reads a number whose first character (`-` or a digit) is consumed; returns its text.
    pub(super) fn number(&mut self, first: char, at: usize) -> Result<String, PatternError> {
        let eof = |lexer: &Lexer<'_>| lexer.barf("Unexpected end-of-input in a Number value");
        let mut c = first;
        if first == '-' {
            c = self.bump().ok_or_else(|| eof(self))?;
            if c == 'I' {
                self.literal("Infinity")?;
                return Err(self.barf(
                    "Non-standard token '-Infinity': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow",
                ));
            }
            if !c.is_ascii_digit() {
                return Err(self.number_char(c, "expected digit (0-9) to follow minus sign, for valid numeric value"));
            }
        }
        if c == '0' && self.peek().is_some_and(|d| d.is_ascii_digit()) {
            return Err(self.barf("Invalid numeric value: Leading zeroes not allowed"));
        }
        self.skip_digits();
        if self.peek() == Some('.') {
            self.pos += 1;
            let c = self.bump().ok_or_else(|| eof(self))?;
            if !c.is_ascii_digit() {
                return Err(self.number_char(c, "Decimal point not followed by a digit"));
            }
            self.skip_digits();
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            self.pos += 1;
            let mut c = self.bump().ok_or_else(|| eof(self))?;
            if c == '+' || c == '-' {
                c = self.bump().ok_or_else(|| eof(self))?;
            }
            if !c.is_ascii_digit() {
                return Err(self.number_char(c, "Exponent indicator not followed by a digit"));
            }
            self.skip_digits();
        }
        let text = self.src.get(at..self.pos).unwrap_or_default().to_string();
        if self.frames.is_empty() {
            self.root_space()?;
        }
        Ok(text)
    }

    fn skip_digits(&mut self) {
        while self.peek().is_some_and(|d| d.is_ascii_digit()) {
            self.pos += 1;
        }
    }

    /// Jackson wants white space after a number at the top level, and consumes one character of it.
    fn root_space(&mut self) -> Result<(), PatternError> {
        let Some(c) = self.bump() else { return Ok(()) };
        match c {
            ' ' | '\t' => Ok(()),
            '\n' => {
                self.newline();
                Ok(())
            }
            '\r' => {
                if self.peek() == Some('\n') {
                    self.pos += 1;
                }
                self.newline();
                Ok(())
            }
            c => Err(self.unexpected(c, "Expected space separating root-level values")),
        }
    }

    /// Reads a string body after its opening quote; `name` selects the field-name wording.
    pub(super) fn read_string(&mut self, name: bool) -> Result<String, PatternError> {
        let mut out = String::new();
        // A high surrogate from a `\u` escape, waiting for its pair.
        let mut high: Option<u16> = None;
        loop {
            let Some(c) = self.bump() else {
                return Err(self.barf(if name {
                    "Unexpected end-of-input in field name"
                } else {
                    "Unexpected end-of-input: was expecting closing quote for a string value"
                }));
            };
            let unit = match c {
                '"' => {
                    if high.is_some() {
                        out.push(char::REPLACEMENT_CHARACTER);
                    }
                    return Ok(out);
                }
                '\\' => self.escape()?,
                c if u32::from(c) < 0x20 => {
                    return Err(self.barf(format!(
                        "Illegal unquoted character ({}): has to be escaped using backslash to be included in {}",
                        char_desc(c),
                        if name { "name" } else { "string value" }
                    )));
                }
                c => Escaped::Char(c),
            };
            match unit {
                Escaped::Unit(u) if (0xDC00..0xE000).contains(&u) && high.is_some() => {
                    let h = high.take().map_or(0, u32::from);
                    let code = 0x10000 + ((h - 0xD800) << 10) + (u32::from(u) - 0xDC00);
                    out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
                }
                unit => {
                    if high.take().is_some() {
                        out.push(char::REPLACEMENT_CHARACTER);
                    }
                    match unit {
                        Escaped::Unit(u) if (0xD800..0xDC00).contains(&u) => high = Some(u),
                        Escaped::Unit(u) => {
                            out.push(char::from_u32(u32::from(u)).unwrap_or(char::REPLACEMENT_CHARACTER))
                        }
                        Escaped::Char(c) => out.push(c),
                    }
                }
            }
        }
    }

    /// Decodes the escape after a backslash (Jackson's `_decodeEscaped`).
    fn escape(&mut self) -> Result<Escaped, PatternError> {
        let eof = |lexer: &Lexer<'_>| lexer.barf("Unexpected end-of-input in character escape sequence");
        let c = self.bump().ok_or_else(|| eof(self))?;
        Ok(Escaped::Char(match c {
            'b' => '\u{8}',
            't' => '\t',
            'n' => '\n',
            'f' => '\u{c}',
            'r' => '\r',
            '"' | '/' | '\\' => c,
            'u' => {
                let mut value: u16 = 0;
                for _ in 0..4 {
                    let h = self.bump().ok_or_else(|| eof(self))?;
                    let Some(digit) = h.to_digit(16) else {
                        return Err(self.unexpected(h, "expected a hex-digit for character escape sequence"));
                    };
                    value = (value << 4) | u16::try_from(digit).unwrap_or(0);
                }
                return Ok(Escaped::Unit(value));
            }
            other => return Err(self.barf(format!("Unrecognized character escape {}", char_desc(other)))),
        }))
    }
}

/// A decoded escape: a character, or one UTF-16 unit from a `\u` escape and its four hex digits.
enum Escaped {
    Char(char),
    Unit(u16),
}

/// Approximates Java's `Character.isJavaIdentifierStart`.
fn is_identifier_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '$'
}

/// Approximates Java's `Character.isJavaIdentifierPart`.
fn is_identifier_part(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}
