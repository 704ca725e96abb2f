//! `numeric` operands (event-ruler's `processNumericMatchExpression` and `Range`).

use super::{Compiler, TOO_MANY_ELEMENTS};
use crate::condition::NumericRange;
use crate::error::PatternError;
use crate::json::Token;
use crate::values;

impl Compiler<'_> {
    /// `numeric` operands after the `[` (event-ruler's `processNumericMatchExpression`).
    pub(super) fn numeric(&mut self) -> Result<NumericRange, PatternError> {
        let first = self.next()?;
        if first != Token::String {
            return Err(self.barf(format!("Invalid member in numeric match: {}", first.text())));
        }
        let operator = self.lexer.string()?;
        let token = self.next()?;
        let number = |compiler: &Compiler<'_>, label: &str, token: Token| match token {
            Token::Number(text) => Ok(Bound::Value(text)),
            _ => Err(compiler.barf(format!("Value of {label} must be numeric"))),
        };
        let (bottom, open_bottom, top, open_top) = match operator.as_str() {
            "=" => {
                let Token::Number(text) = token else {
                    return Err(self.barf("Value of equals must be numeric"));
                };
                self.end_array()?;
                let m = self.micros(&text)?;
                return Ok(NumericRange { bottom: m, open_bottom: false, top: m, open_top: false });
            }
            ">=" | ">" => {
                let bottom = number(self, &operator, token)?;
                let open_bottom = operator == ">";
                match self.next()? {
                    Token::EndArray => (bottom, open_bottom, Bound::Max, false),
                    Token::String => {
                        let top_operator = self.lexer.string()?;
                        let open_top = match top_operator.as_str() {
                            "<" => true,
                            "<=" => false,
                            _ => return Err(self.barf(format!("Bad numeric range operator: {top_operator}"))),
                        };
                        let token = self.next()?;
                        let top = number(self, &top_operator, token)?;
                        if self.next()? != Token::EndArray {
                            return Err(self.barf("Too many terms in numeric range expression"));
                        }
                        (bottom, open_bottom, top, open_top)
                    }
                    other => return Err(self.barf(format!("Bad value in numeric range: {}", other.text()))),
                }
            }
            "<=" | "<" => {
                let top = number(self, &operator, token)?;
                self.end_array()?;
                (Bound::Min, false, top, operator == "<")
            }
            _ => return Err(self.barf(format!("Unrecognized numeric range operator: {operator}"))),
        };
        // event-ruler's `Range` constructor: the ends must be ordered, then each within range.
        // NaN (never produced by JSON) is refused along with unordered ends.
        let (limit, _) = self.language.numeric_limit();
        // SNS refuses an operand outside its range before looking at the order.
        if self.language.is_sns() {
            self.bound(&bottom)?;
            self.bound(&top)?;
        }
        if bottom.value(limit).partial_cmp(&top.value(limit)) != Some(std::cmp::Ordering::Less) {
            return Err(self.barf("Bottom must be less than top"));
        }
        Ok(NumericRange { bottom: self.bound(&bottom)?, open_bottom, top: self.bound(&top)?, open_top })
    }

    /// A range's end in millionths; an open end is the language's limit.
    fn bound(&self, bound: &Bound) -> Result<i64, PatternError> {
        let (limit, _) = self.language.numeric_limit();
        match bound {
            Bound::Min => Ok(-values::limit_micros(limit)),
            Bound::Max => Ok(values::limit_micros(limit)),
            Bound::Value(text) => self.micros(text),
        }
    }

    fn end_array(&mut self) -> Result<(), PatternError> {
        if self.next()? != Token::EndArray {
            return Err(self.barf(TOO_MANY_ELEMENTS));
        }
        Ok(())
    }
}

/// An end of a numeric range: a written number, or the language's limit (event-ruler's ±5e9).
enum Bound {
    Min,
    Max,
    Value(String),
}

impl Bound {
    fn value(&self, limit: f64) -> f64 {
        match self {
            Bound::Min => -limit,
            Bound::Max => limit,
            Bound::Value(text) => values::parse_f64(text),
        }
    }
}
