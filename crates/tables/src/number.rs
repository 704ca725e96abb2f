//! DynamoDB's number: a decimal of up to 38 significant digits with an exponent from
//! -130 to +125, compared and added exactly (never through floats).

use std::cmp::Ordering;
use std::fmt;

/// Most significant digits a number may have.
pub const MAX_DIGITS: usize = 38;

/// A decimal `±0.d1d2…dn × 10^exponent`, normalized: `d1 ≠ 0`, no trailing zero digits;
/// zero has no digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Number {
    negative: bool,
    /// Decimal digits 0–9, most significant first.
    digits: Vec<u8>,
    exponent: i32,
}

impl Number {
    /// Zero.
    pub fn zero() -> Number {
        Number { negative: false, digits: Vec::new(), exponent: 0 }
    }

    /// Parses DynamoDB's number syntax: optional sign, digits with an optional point, an
    /// optional exponent. Errors are DynamoDB's messages.
    pub fn parse(text: &str) -> Result<Number, String> {
        let invalid = || format!("The parameter cannot be converted to a numeric value: {text}");
        let s = text.trim();
        let (negative, s) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        let (mantissa, exp) = match s.find(['e', 'E']) {
            Some(i) => {
                let e: i64 = s[i + 1..].parse().map_err(|_| invalid())?;
                (&s[..i], e)
            }
            None => (s, 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if (int.is_empty() && frac.is_empty()) || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let digits: Vec<u8> = int.bytes().chain(frac.bytes()).map(|b| b - b'0').collect();
        // Value = 0.digits × 10^(len(int) + exp), before stripping leading zeros.
        Number::normalized(negative, digits, int.len() as i64 + exp)
    }

    /// `±0.digits × 10^exponent` with leading and trailing zeros stripped, then checked.
    fn normalized(negative: bool, mut digits: Vec<u8>, mut exponent: i64) -> Result<Number, String> {
        let lead = digits.iter().take_while(|d| **d == 0).count();
        digits.drain(..lead);
        exponent -= lead as i64;
        while digits.last() == Some(&0) {
            digits.pop();
        }
        if digits.is_empty() {
            return Ok(Number::zero());
        }
        Number::checked(negative, digits, exponent)
    }

    fn checked(negative: bool, digits: Vec<u8>, exponent: i64) -> Result<Number, String> {
        if digits.len() > MAX_DIGITS {
            return Err("Attempting to store more than 38 significant digits in a Number".into());
        }
        // 0.d × 10^e: the largest magnitude is < 10^126, the smallest ≥ 10^-130.
        if exponent > 126 {
            return Err(
                "Number overflow. Attempting to store a number with magnitude larger than supported range".into()
            );
        }
        if exponent < -129 {
            return Err(
                "Number underflow. Attempting to store a number with magnitude smaller than supported range".into()
            );
        }
        Ok(Number { negative, digits, exponent: exponent as i32 })
    }

    /// Whether this is zero.
    pub fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// `self + other`, exact; an error when the result needs more than 38 digits.
    pub fn add(&self, other: &Number) -> Result<Number, String> {
        if self.is_zero() {
            return Ok(other.clone());
        }
        if other.is_zero() {
            return Ok(self.clone());
        }
        // Align both as integers scaled by 10^low, where low is the smaller last-digit place.
        let low = (self.exponent - self.digits.len() as i32).min(other.exponent - other.digits.len() as i32);
        let high = self.exponent.max(other.exponent);
        let width = (high - low) as usize;
        let aligned = |n: &Number| {
            let mut v = vec![0u8; width];
            let start = (high - n.exponent) as usize;
            v[start..start + n.digits.len()].copy_from_slice(&n.digits);
            v
        };
        let (a, b) = (aligned(self), aligned(other));
        let (negative, digits) = if self.negative == other.negative {
            (self.negative, add_digits(&a, &b))
        } else {
            match a.cmp(&b) {
                Ordering::Equal => return Ok(Number::zero()),
                Ordering::Greater => (self.negative, sub_digits(&a, &b)),
                Ordering::Less => (other.negative, sub_digits(&b, &a)),
            }
        };
        // add_digits may carry into one more leading digit.
        let exponent = high as i64 + (digits.len() as i64 - width as i64);
        Number::normalized(negative, digits, exponent)
    }

    /// `-self`.
    pub fn negate(&self) -> Number {
        Number { negative: !self.negative && !self.is_zero(), ..self.clone() }
    }

    /// An encoding whose byte order is the numeric order (for keys).
    pub fn order_key(&self) -> Vec<u8> {
        if self.is_zero() {
            return vec![0x01];
        }
        // Positive: 0x02, biased exponent, digits + 1, terminator 0 (a shorter digit string
        // is the smaller number). Negative: every byte after the tag inverted, so larger
        // magnitudes sort first, terminator 0xFF.
        let e = (self.exponent + 1000) as u16;
        let mut out = Vec::with_capacity(self.digits.len() + 4);
        out.push(if self.negative { 0x00 } else { 0x02 });
        let body = e.to_be_bytes().into_iter().chain(self.digits.iter().map(|d| d + 1)).chain([0]);
        if self.negative {
            out.extend(body.map(|b| !b));
        } else {
            out.extend(body);
        }
        out
    }
}

fn add_digits(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; a.len() + 1];
    let mut carry = 0;
    for i in (0..a.len()).rev() {
        let s = a[i] + b[i] + carry;
        out[i + 1] = s % 10;
        carry = s / 10;
    }
    out[0] = carry;
    out
}

/// `a - b` for `a ≥ b`, same width.
fn sub_digits(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; a.len()];
    let mut borrow = 0i8;
    for i in (0..a.len()).rev() {
        let mut d = a[i] as i8 - b[i] as i8 - borrow;
        borrow = i8::from(d < 0);
        if d < 0 {
            d += 10;
        }
        out[i] = d as u8;
    }
    out
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        self.order_key().cmp(&other.order_key())
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Number {
    /// Plain notation, as DynamoDB returns numbers: no exponent, no trailing zeros.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_zero() {
            return f.write_str("0");
        }
        let digits: String = self.digits.iter().map(|d| char::from(b'0' + d)).collect();
        let sign = if self.negative { "-" } else { "" };
        let e = self.exponent;
        let n = self.digits.len() as i32;
        if e <= 0 {
            write!(f, "{sign}0.{}{digits}", "0".repeat((-e) as usize))
        } else if e >= n {
            write!(f, "{sign}{digits}{}", "0".repeat((e - n) as usize))
        } else {
            write!(f, "{sign}{}.{}", &digits[..e as usize], &digits[e as usize..])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    #[test]
    fn parses_and_prints_canonically() {
        for (input, shown) in [
            ("0", "0"),
            ("-0.000", "0"),
            ("+12", "12"),
            ("1.50", "1.5"),
            ("0012.3400", "12.34"),
            ("1e3", "1000"),
            ("1.5E-3", "0.0015"),
            ("-7", "-7"),
            (".5", "0.5"),
            ("5.", "5"),
            ("12345678901234567890123456789012345678", "12345678901234567890123456789012345678"),
        ] {
            assert_eq!(n(input).to_string(), shown, "{input}");
        }
        for bad in ["", "abc", "1.2.3", "--1", "1e", "0x10", "1 2", "."] {
            assert!(Number::parse(bad).is_err(), "{bad}");
        }
        assert!(Number::parse("123456789012345678901234567890123456789").unwrap_err().contains("38 significant"));
        assert!(Number::parse("1e126").unwrap_err().contains("overflow"));
        assert!(Number::parse("1e-131").unwrap_err().contains("underflow"));
        assert!(Number::parse("9.9999999999999999999999999999999999999e125").is_ok());
        assert!(Number::parse("1e-130").is_ok());
    }

    #[test]
    fn orders_numerically_never_as_floats() {
        let sorted = [
            "-1e100",
            "-100",
            "-10",
            "-9.99",
            "-1.01",
            "-1",
            "-0.5",
            "-0.05",
            "0",
            "0.0001",
            "0.1",
            "0.12",
            "0.123",
            "1",
            "1.000000000000000000000000000000000001",
            "2",
            "9",
            "10",
            "11",
            "100",
            "1e100",
        ];
        for w in sorted.windows(2) {
            assert!(n(w[0]) < n(w[1]), "{} < {}", w[0], w[1]);
            assert!(n(w[0]).order_key() < n(w[1]).order_key(), "keys {} < {}", w[0], w[1]);
        }
        assert_eq!(n("1.0").cmp(&n("1")), Ordering::Equal);
    }

    #[test]
    fn adds_exactly() {
        for (a, b, sum) in [
            ("1", "2", "3"),
            ("0.1", "0.2", "0.3"),
            ("99", "1", "100"),
            ("-5", "3", "-2"),
            ("5", "-5", "0"),
            ("1e10", "-1", "9999999999"),
            ("-0.001", "-0.009", "-0.01"),
            ("12345678901234567890123456789012345678", "1", "12345678901234567890123456789012345679"),
        ] {
            assert_eq!(n(a).add(&n(b)).unwrap().to_string(), sum, "{a} + {b}");
        }
        assert!(n("99999999999999999999999999999999999999").add(&n("0.1")).is_err(), "39 digits");
    }
}
