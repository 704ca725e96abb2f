//! Event values as the engine compares them: numbers (event-ruler's fixed-point form), IP
//! addresses (other spellings of an address are the same address), the exact-match key the index
//! files patterns under, and case-insensitive string comparison.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde_json::{Number, Value};

/// event-ruler's numeric range: comparisons only work within -5e9..=5e9.
pub(crate) const FIVE_BILLION: f64 = 5e9;

/// A whole-number limit (5e9, or SNS's 1e9) in fixed-point form (millionths).
pub(crate) fn limit_micros(limit: f64) -> i64 {
    // Both limits are whole numbers far inside i64 once scaled.
    #[allow(clippy::cast_possible_truncation)]
    let micros = (limit * 1e6) as i64;
    micros
}
/// event-ruler's message for a numeric operand outside that range (Java prints the doubles).
pub(crate) const OUT_OF_RANGE: &str = "Value must be between -5.0E9 and 5.0E9, inclusive";

/// A number as event-ruler's `ComparableNumber` compares it: in millionths, so comparisons are
/// exact to six decimal places and finer digits are cut off (rounding toward negative infinity,
/// as event-ruler's offset-then-truncate does). Computed from the decimal text, so `0.123456`
/// is exactly 123456 millionths. `None` outside -5e9..=5e9, where numeric matching does not apply.
pub(crate) fn micros(text: &str) -> Option<i64> {
    if !(-FIVE_BILLION..=FIVE_BILLION).contains(&parse_f64(text)) {
        return None;
    }
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits: Vec<u8> = whole.bytes().chain(fraction.bytes()).filter(u8::is_ascii_digit).map(|b| b - b'0').collect();
    let nonzero = digits.iter().any(|d| *d != 0);
    if !nonzero {
        return Some(0);
    }
    let exponent = match exponent.map(str::parse::<i64>) {
        None => 0,
        Some(Ok(e)) => e,
        // An exponent beyond i64 on a nonzero in-range value can only be hugely negative: the
        // value is a sliver above or below zero.
        Some(Err(_)) => return Some(if negative { -1 } else { 0 }),
    };
    // Where the decimal point falls in `digits` once the value is scaled by 1e6.
    let point = i64::try_from(whole.len()).ok()?.checked_add(exponent)?.checked_add(6)?;
    let mut scaled: i64 = 0;
    let mut remainder = false;
    for (i, digit) in digits.iter().enumerate() {
        if i64::try_from(i).ok()? < point {
            scaled = scaled.checked_mul(10)?.checked_add(i64::from(*digit))?;
        } else {
            remainder |= *digit != 0;
        }
    }
    // Trailing zeros the exponent adds after the written digits (few: the value is in range).
    if scaled != 0 {
        for _ in i64::try_from(digits.len()).ok()?..point.max(0) {
            scaled = scaled.checked_mul(10)?;
        }
    }
    Some(if negative { -(scaled + i64::from(remainder)) } else { scaled })
}

/// A number's identity for exact matching: numbers in event-ruler's range compare by their
/// fixed-point form (`5`, `5.0` and `5e0` are equal); others by value, integers exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum NumKey {
    Micros(i64),
    Int(i128),
    Float(u64),
}

impl NumKey {
    /// The key of a number given as its decimal text.
    fn new(text: &str) -> NumKey {
        if let Some(m) = micros(text) {
            return NumKey::Micros(m);
        }
        if let Some(i) = parse_integer(text) {
            return NumKey::Int(i);
        }
        let value = parse_f64(text);
        // Integral doubles beyond the range still equal the integer they spell.
        if value.fract() == 0.0 && value.abs() < 1.7e38 {
            #[allow(clippy::cast_possible_truncation)]
            return NumKey::Int(value as i128);
        }
        NumKey::Float(value.to_bits())
    }

    /// The key of a number in an event (serde_json prints the shortest text that reads back as
    /// the same double, which is what was written for any number of up to 15 digits).
    pub(crate) fn of_number(n: &Number) -> NumKey {
        NumKey::new(&n.to_string())
    }

    /// The key of a number written in a pattern.
    pub(crate) fn of_text(text: &str) -> NumKey {
        NumKey::new(text)
    }
}

/// A number's value as Jackson's `getDoubleValue` reads it (overflowing to infinity).
pub(crate) fn parse_f64(text: &str) -> f64 {
    text.parse::<f64>().unwrap_or(f64::NAN)
}

fn parse_integer(text: &str) -> Option<i128> {
    if text.contains(['.', 'e', 'E']) {
        return None;
    }
    text.parse::<i128>().ok()
}

/// What an exact-value condition compares: the index files patterns under these.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    /// A string that is not an IP address.
    Text(String),
    /// A string that is an IP address (any spelling of it).
    Ip(IpAddr),
    Num(NumKey),
    Bool(bool),
    Null,
}

impl Key {
    /// The key of a pattern's string literal.
    pub(crate) fn of_string(text: &str) -> Key {
        match parse_ip(text) {
            Some(ip) => Key::Ip(ip),
            None => Key::Text(text.to_string()),
        }
    }

    /// The key of an event leaf; `None` for objects and arrays, which are not leaves.
    pub(crate) fn of_leaf(leaf: &Value) -> Option<Key> {
        Some(match leaf {
            Value::String(s) => Key::of_string(s),
            Value::Number(n) => Key::Num(NumKey::of_number(n)),
            Value::Bool(b) => Key::Bool(*b),
            Value::Null => Key::Null,
            Value::Array(_) | Value::Object(_) => return None,
        })
    }

    /// Whether `leaf` has this key, without building the leaf's key.
    pub(crate) fn matches(&self, leaf: &Value) -> bool {
        match (self, leaf) {
            // A text key is never an IP address, so equal text is an equal key.
            (Key::Text(text), Value::String(s)) => s == text,
            (Key::Ip(ip), Value::String(s)) => parse_ip(s) == Some(*ip),
            (Key::Num(key), Value::Number(n)) => NumKey::of_number(n) == *key,
            (Key::Bool(b), Value::Bool(v)) => b == v,
            (Key::Null, Value::Null) => true,
            _ => false,
        }
    }
}

/// event-ruler's shape check before it reads text as an IP address (its `IPv4_REGEX` and
/// `IPv6_REGEX`): four dot-separated runs of digits, or hex digits and colons with a colon.
pub(crate) fn looks_like_ip(text: &str) -> bool {
    let ipv4 = text.split('.').count() == 4
        && text.split('.').all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    let ipv6 = text.contains(':') && text.bytes().all(|b| b == b':' || b.is_ascii_hexdigit());
    ipv4 || ipv6
}

/// Reads an IP address the way event-ruler does (Java's `InetAddress`): IPv4-mapped IPv6
/// addresses are IPv4 addresses.
pub(crate) fn parse_ip(text: &str) -> Option<IpAddr> {
    if !looks_like_ip(text) {
        return None;
    }
    match text.parse::<IpAddr>().ok()? {
        IpAddr::V6(v6) => Some(v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4)),
        v4 => Some(v4),
    }
}

/// An inclusive range of addresses of one family, as a `cidr` condition covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IpRange {
    low: IpAddr,
    high: IpAddr,
}

impl IpRange {
    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        match (self.low, self.high, ip) {
            (IpAddr::V4(low), IpAddr::V4(high), IpAddr::V4(ip)) => low <= ip && ip <= high,
            (IpAddr::V6(low), IpAddr::V6(high), IpAddr::V6(ip)) => low <= ip && ip <= high,
            _ => false,
        }
    }
}

/// Parses a `cidr` operand with event-ruler's rules and messages (which it raises without a
/// position). Like event-ruler, the range runs from the written address to that address with the
/// host bits set: `10.0.0.5/24` covers `10.0.0.5` to `10.0.0.255`.
pub(crate) fn cidr(block: &str) -> Result<IpRange, String> {
    let mut parts: Vec<&str> = block.split('/').collect();
    // Java's String.split drops trailing empty parts ("10.0.0.0/24/" has two parts).
    while parts.len() > 1 && parts.last() == Some(&"") {
        parts.pop();
    }
    let [address, mask] = parts[..] else {
        return Err("Malformed CIDR, one '/' required".into());
    };
    let mask: i32 = mask.parse().map_err(|_| "Malformed CIDR, mask bits must be an integer".to_string())?;
    let mask = u32::try_from(mask).map_err(|_| "Malformed CIDR, mask bits must not be negative".to_string())?;
    if !looks_like_ip(address) {
        return Err(format!("Nonstandard IP address: {address}"));
    }
    let ip = parse_ip(address).ok_or_else(|| format!("Invalid IP address: {address}"))?;
    match ip {
        IpAddr::V4(_) if mask > 31 => Err("IPv4 mask bits must be < 32".into()),
        IpAddr::V6(_) if mask > 127 => Err("IPv6 mask bits must be < 128".into()),
        IpAddr::V4(v4) => {
            let high = Ipv4Addr::from(u32::from(v4) | u32::MAX.checked_shr(mask).unwrap_or(0));
            Ok(IpRange { low: ip, high: IpAddr::V4(high) })
        }
        IpAddr::V6(v6) => {
            let high = Ipv6Addr::from(u128::from(v6) | u128::MAX.checked_shr(mask).unwrap_or(0));
            Ok(IpRange { low: ip, high: IpAddr::V6(high) })
        }
    }
}

/// Whether two characters are equal ignoring case, as event-ruler's per-character upper and lower
/// case alternatives allow.
fn same_char_ignoring_case(a: char, b: char) -> bool {
    a == b || a.to_lowercase().eq(b.to_lowercase()) || a.to_uppercase().eq(b.to_uppercase())
}

/// Whether `value` equals `pattern` ignoring case, character by character.
pub(crate) fn equals_ignore_case(value: &str, pattern: &str) -> bool {
    value.chars().count() == pattern.chars().count()
        && value.chars().zip(pattern.chars()).all(|(a, b)| same_char_ignoring_case(a, b))
}

/// Whether `value` starts with `prefix` ignoring case.
pub(crate) fn starts_with_ignore_case(value: &str, prefix: &str) -> bool {
    let mut chars = value.chars();
    prefix.chars().all(|p| chars.next().is_some_and(|v| same_char_ignoring_case(v, p)))
}

/// Whether `value` ends with `suffix` ignoring case.
pub(crate) fn ends_with_ignore_case(value: &str, suffix: &str) -> bool {
    let mut chars = value.chars().rev();
    suffix.chars().rev().all(|s| chars.next().is_some_and(|v| same_char_ignoring_case(v, s)))
}
