//! [`PatternError`]: why EventBridge refuses a pattern, worded as EventBridge words it.

/// The prefix EventBridge puts before every reason in `InvalidEventPatternException`.
const MESSAGE_PREFIX: &str = "Event pattern is not valid. Reason: ";

/// A refused pattern.
///
/// EventBridge compiles patterns with aws/event-ruler, which reads them with Jackson's streaming
/// parser; a refusal is that library's message, usually followed by Jackson's location suffix
/// (`"\n at [Source: (String)\"...\"; line: 1, column: 11]"`). [`Display`](std::fmt::Display)
/// gives the text after `Reason: ` (suffix included, as AWS answers), [`PatternError::reason`] the
/// bare message and [`PatternError::message`] the whole exception message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct PatternError {
    /// event-ruler's (or Jackson's) message without any location suffix.
    reason: String,
    /// The reason as AWS prints it: with the location suffix(es) when the engine adds them.
    detail: String,
}

impl PatternError {
    /// A refusal whose text carries no location (event-ruler's errors raised outside the parser,
    /// such as malformed CIDR blocks and wildcard complexity).
    pub(crate) fn bare(reason: impl Into<String>) -> PatternError {
        let reason = reason.into();
        PatternError { detail: reason.clone(), reason }
    }

    /// A refusal raised at a parser position: `location` is Jackson's `[Source: ...]` text.
    pub(crate) fn located(reason: impl Into<String>, location: &str) -> PatternError {
        let reason = reason.into();
        PatternError { detail: format!("{reason}\n at {location}"), reason }
    }

    /// Appends one more location, as event-ruler does when it catches its own parse error and
    /// throws it again (anything-but lists report their position twice).
    pub(crate) fn relocated(self, location: &str) -> PatternError {
        PatternError { detail: format!("{}\n at {location}", self.detail), reason: self.reason }
    }

    /// The engine's message without the location suffix, e.g. `Filter is not an object`.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The whole `InvalidEventPatternException` message, e.g.
    /// `Event pattern is not valid. Reason: "source" must be an object or an array\n at [...]`.
    pub fn message(&self) -> String {
        format!("{MESSAGE_PREFIX}{}", self.detail)
    }
}
