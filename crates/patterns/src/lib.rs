//! EventBridge's event-pattern language: [`Pattern::parse`] refuses a pattern as EventBridge does,
//! [`Pattern::matches`] tests one event, and [`PatternIndex`] finds the matching patterns among
//! many without testing each one. [`FilterPolicy`] reads SNS subscription filter policies, the
//! same language as SNS's engine reads it (see the `filter_policy` module).
//!
//! # Sources
//!
//! The EventBridge User Guide ("Event patterns", "Content filtering", "Arrays") is the
//! specification; aws/event-ruler, the engine EventBridge runs, settles what the guide leaves
//! open, and its messages (with Jackson's position suffix) are EventBridge's refusals. Behaviour
//! recorded against AWS in LocalStack's snapshot tests takes precedence over both.
//!
//! # The language, and the decisions taken where the sources are silent
//!
//! - A pattern is a JSON object; nested objects test nested fields (paths join keys with `.`, so
//!   `{"a": {"b": ..}}` and `{"a.b": ..}` are the same field, in patterns and events alike). A leaf
//!   is an array of conditions, ORed; fields are ANDed. A repeated key replaces the earlier one.
//! - `[]` is refused (`Empty arrays are not allowed`), as are `{}` and a leaf that is not an array.
//! - Literals are typed: `"5"` meets only the string, `5` only numbers, `true`/`false`/`null` only
//!   those literals. Numbers compare numerically: `5`, `5.0` and `5e0` are equal (AWS-recorded,
//!   though an older guide says otherwise). A string literal that is an IP address also meets other
//!   spellings of that address, as event-ruler turns it into an address range.
//! - Numbers follow event-ruler's `ComparableNumber`: `numeric` and numeric `anything-but` work in
//!   -5e9..=5e9 with six decimal places (finer digits are cut off, toward negative infinity,
//!   from the digits as written rather than binary floating point), operands outside are refused
//!   (`Value must be between -5.0E9 and 5.0E9, inclusive`); event values outside never satisfy them.
//!   (The guide has said ±1e9 and ±5e9 at different times; event-ruler's 5e9 is implemented.)
//! - Operators: `prefix`, `suffix` (each also with `{"equals-ignore-case": ..}`),
//!   `equals-ignore-case`, `wildcard` (`*` spans any characters, `\*` and `\\` escape, `**` and
//!   other escapes refused), `anything-but` (a string, a number, a list of either kind, or
//!   `{"prefix"|"suffix"|"equals-ignore-case"|"wildcard": value or list}`), `numeric`, `exists`,
//!   `cidr` (IPv4 and IPv6; like event-ruler the range starts at the written address, so
//!   `10.0.0.5/24` covers `.5`–`.255`), and event-ruler's `exactly` (a string compared as written).
//! - `anything-but` never matches a missing field. Its string forms match every present leaf that
//!   is not an excluded string (numbers, booleans and null too; AWS-recorded for null and numbers),
//!   its numeric form only numbers.
//! - `exists` looks at leaves: a field holding an object or an empty array does not exist.
//!   `exists: false` means no leaf at that path anywhere in the event.
//! - `$or` is always the OR operator (event-ruler's JSON compiler): it must be an array of at least
//!   two objects, its alternatives may not use operator names as field names, and it may appear at
//!   any level. Alternatives expand into separate match branches, capped at 1000 (Squall's limit).
//! - Arrays in events: a field matches when any element does. Across fields matching is
//!   array-consistent (event-ruler's `rulesForJSONEvent`): two fields may not be satisfied from
//!   objects in different elements of the same array (see the `event` module).
//! - Wildcard complexity: EventBridge refuses rules whose wildcards are too non-deterministic;
//!   the limit is approximated (see the `wildcard` module).
//! - Whatever follows the pattern object in the text is ignored, as event-ruler stops reading there.
//!
//! # Layout
//!
//! `json` reads the text as Jackson does (positions and syntax errors), `compile` is the
//! `JsonRuleCompiler` port, `condition` and `values` judge event leaves, `wildcard` handles
//! wildcards, `event` flattens events and checks array consistency, `pattern` and `index` are the
//! public types.
//!
//! Not here: the `EventPattern` length limit and other API validation (the API
//! layer's), and event-ruler's operators EventBridge does not document beyond `exactly`.

mod compile;
mod condition;
mod error;
mod event;
mod filter_policy;
mod index;
mod json;
mod pattern;
mod values;
mod wildcard;

pub use error::PatternError;
pub use filter_policy::{AttributeValue, FilterPolicy};
pub use index::PatternIndex;
pub use pattern::Pattern;

#[cfg(test)]
mod tests;
