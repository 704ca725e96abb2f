//! History events, as GetExecutionHistory answers them: an id, the id of the event that
//! led to it, a type and the details member its type names.

use serde_json::{Value, json};

/// An event's details, under the member its type takes (`stateEnteredEventDetails`…).
pub struct Event {
    pub kind: String,
    pub details: Option<(&'static str, Value)>,
}

/// Step Functions' field pair for a payload: the JSON text and whether it was cut.
pub fn payload(value: &Value) -> (String, Value) {
    (serde_json::to_string(value).unwrap_or_default(), json!({"truncated": false}))
}

pub fn state_entered(label: &str, name: &str, input: &Value) -> Event {
    let (input, details) = payload(input);
    Event {
        kind: format!("{label}StateEntered"),
        details: Some(("stateEnteredEventDetails", json!({"name": name, "input": input, "inputDetails": details}))),
    }
}

/// A state's exit with its output's JSON text.
pub fn state_exited(label: &str, name: &str, output: String) -> Event {
    let details = json!({"truncated": false});
    Event {
        kind: format!("{label}StateExited"),
        details: Some(("stateExitedEventDetails", json!({"name": name, "output": output, "outputDetails": details}))),
    }
}

pub fn plain(kind: &str) -> Event {
    Event { kind: kind.to_string(), details: None }
}

pub fn with(kind: &str, member: &'static str, details: Value) -> Event {
    Event { kind: kind.to_string(), details: Some((member, details)) }
}

pub fn failure(kind: &str, member: &'static str, error: &str, cause: &str) -> Event {
    with(kind, member, json!({"error": error, "cause": cause}))
}

/// The stored form of an event (timestamp in milliseconds).
pub fn stored(id: u64, previous: u64, at_ms: u64, event: Event) -> Value {
    let mut v = json!({"id": id, "previousEventId": previous, "timestamp": at_ms, "type": event.kind});
    if let Some((member, details)) = event.details {
        v[member] = details;
    }
    v
}
