//! The conditions a pattern puts on a field, and how each judges one event leaf.
//!
//! Typing follows event-ruler, which keeps strings quoted and everything else bare: string
//! operators (`prefix`, `suffix`, `equals-ignore-case`, `wildcard`, `cidr`) only see strings,
//! numeric ones only numbers, and a literal only meets a leaf of its own JSON type. The
//! `anything-but` family is "match unless excluded": its string forms pass every present leaf that
//! is not an excluded string (numbers, booleans and null included), its numeric form only numbers.

use serde_json::Value;

use crate::values::{self, IpRange, Key, NumKey};
use crate::wildcard::Glob;

/// One entry of a field's condition array; a field holds when any of its conditions does.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Condition {
    /// A plain literal: `"x"`, `5`, `true`, `null`. `literal` is kept to report it back.
    Exact {
        key: Key,
        literal: Value,
    },
    /// `{"exactly": "x"}`: the text as written, no IP-address spelling equivalence.
    ExactText(String),
    Prefix(String),
    PrefixIgnoreCase(String),
    Suffix(String),
    SuffixIgnoreCase(String),
    EqualsIgnoreCase(String),
    Wildcard(Glob),
    Numeric(NumericRange),
    Cidr(IpRange),
    /// `{"exists": true}`: any leaf.
    Exists,
    /// `{"exists": false}`: no leaf at the path anywhere in the event.
    Absent,
    AnythingBut(AnythingBut),
}

/// The `anything-but` forms.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AnythingBut {
    Strings(Vec<String>),
    /// Excluded numbers, in event-ruler's fixed-point form.
    Numbers(Vec<i64>),
    Prefixes(Vec<String>),
    Suffixes(Vec<String>),
    IgnoreCase(Vec<String>),
    Wildcards(Vec<Glob>),
}

/// A `numeric` condition: event-ruler always has both ends, defaulting to -5e9 and 5e9.
/// Ends and values are in millionths (see `values::micros`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NumericRange {
    /// Lower end in fixed-point form, and whether it is excluded (`>`).
    pub(crate) bottom: i64,
    pub(crate) open_bottom: bool,
    /// Upper end, and whether it is excluded (`<`).
    pub(crate) top: i64,
    pub(crate) open_top: bool,
}

impl NumericRange {
    fn contains(&self, n: i64) -> bool {
        let above = if self.open_bottom { n > self.bottom } else { n >= self.bottom };
        let below = if self.open_top { n < self.top } else { n <= self.top };
        above && below
    }
}

impl Condition {
    /// Whether `leaf` (a string, number, boolean or null) satisfies this condition. `Absent` is
    /// about the whole event, not a leaf, and never holds here. An object or array in a leaf's
    /// place is a value present without content (an SNS binary attribute): only `exists` holds.
    pub(crate) fn matches(&self, leaf: &Value) -> bool {
        if leaf.is_object() || leaf.is_array() {
            return *self == Condition::Exists;
        }
        let text = leaf.as_str();
        match self {
            Condition::Exact { key, .. } => key.matches(leaf),
            Condition::ExactText(expected) => text == Some(expected.as_str()),
            Condition::Prefix(p) => text.is_some_and(|s| s.starts_with(p.as_str())),
            Condition::PrefixIgnoreCase(p) => text.is_some_and(|s| values::starts_with_ignore_case(s, p)),
            Condition::Suffix(p) => text.is_some_and(|s| s.ends_with(p.as_str())),
            Condition::SuffixIgnoreCase(p) => text.is_some_and(|s| values::ends_with_ignore_case(s, p)),
            Condition::EqualsIgnoreCase(p) => text.is_some_and(|s| values::equals_ignore_case(s, p)),
            Condition::Wildcard(glob) => text.is_some_and(|s| glob.matches(s)),
            Condition::Numeric(range) => micros_of(leaf).is_some_and(|n| range.contains(n)),
            Condition::Cidr(range) => text.and_then(values::parse_ip).is_some_and(|ip| range.contains(ip)),
            Condition::Exists => true,
            Condition::Absent => false,
            Condition::AnythingBut(but) => but.matches(leaf),
        }
    }

    /// The exact-match key, when this condition is a plain literal.
    pub(crate) fn exact_key(&self) -> Option<&Key> {
        match self {
            Condition::Exact { key, .. } => Some(key),
            _ => None,
        }
    }
}

impl AnythingBut {
    fn matches(&self, leaf: &Value) -> bool {
        let Some(s) = leaf.as_str() else {
            // A non-string is never one of the excluded strings; the numeric form needs a number.
            return match self {
                AnythingBut::Numbers(excluded) => micros_of(leaf).is_some_and(|n| !excluded.contains(&n)),
                _ => true,
            };
        };
        match self {
            AnythingBut::Strings(excluded) => !excluded.iter().any(|e| e == s),
            AnythingBut::Numbers(_) => false,
            AnythingBut::Prefixes(prefixes) => !prefixes.iter().any(|p| s.starts_with(p.as_str())),
            AnythingBut::Suffixes(suffixes) => !suffixes.iter().any(|p| s.ends_with(p.as_str())),
            AnythingBut::IgnoreCase(excluded) => !excluded.iter().any(|e| values::equals_ignore_case(s, e)),
            AnythingBut::Wildcards(globs) => !globs.iter().any(|g| g.matches(s)),
        }
    }
}

/// A number leaf in event-ruler's fixed-point form; `None` for non-numbers and out-of-range ones.
fn micros_of(leaf: &Value) -> Option<i64> {
    match leaf {
        Value::Number(n) => match NumKey::of_number(n) {
            NumKey::Micros(m) => Some(m),
            NumKey::Int(_) | NumKey::Float(_) => None,
        },
        _ => None,
    }
}

/// One field of a sub-rule: a dotted path and its ORed conditions.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Field {
    pub(crate) path: String,
    pub(crate) conditions: Vec<Condition>,
}

impl Field {
    /// Whether some condition other than `Absent` accepts `leaf`.
    pub(crate) fn accepts(&self, leaf: &Value) -> bool {
        self.conditions.iter().any(|c| c.matches(leaf))
    }

    /// Whether the field holds for an event with no leaf at its path.
    pub(crate) fn allows_absence(&self) -> bool {
        self.conditions.contains(&Condition::Absent)
    }

    /// The literal keys, when every condition is a plain literal (what the index can file).
    pub(crate) fn exact_keys(&self) -> Option<Vec<&Key>> {
        self.conditions.iter().map(Condition::exact_key).collect()
    }
}
