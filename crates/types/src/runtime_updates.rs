//! Lambda's runtime management controls (`UpdateRuntimeOn`): whether a function follows
//! the runtime installed on the server or is held to the runtime version it was given.
//!
//! A runtime version here is what runs the function: the installed interpreter's name and
//! version (`Python 3.11.7`) or the WebAssembly engine's. Squall cannot keep an old
//! interpreter beside a new one, so a function held to a version that is no longer
//! installed does not run on another; it fails with `Runtime.InvalidRuntimeVersion` until it
//! is updated or follows the server again.

use serde::{Deserialize, Serialize};

/// When a function's runtime version changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum UpdateRuntimeOn {
    /// With the server's: whatever is installed runs it (Lambda's default).
    #[default]
    Auto,
    /// Only when the function is updated: the version installed at its last update.
    FunctionUpdate,
    /// Never: the version named in `RuntimeVersionArn`.
    Manual,
}

impl UpdateRuntimeOn {
    /// As Lambda's API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            UpdateRuntimeOn::Auto => "Auto",
            UpdateRuntimeOn::FunctionUpdate => "FunctionUpdate",
            UpdateRuntimeOn::Manual => "Manual",
        }
    }

    /// Reads Lambda's spelling.
    pub fn parse(s: &str) -> Option<UpdateRuntimeOn> {
        [UpdateRuntimeOn::Auto, UpdateRuntimeOn::FunctionUpdate, UpdateRuntimeOn::Manual]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// A function's runtime management setting.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeUpdates {
    /// When its runtime version changes.
    pub on: UpdateRuntimeOn,
    /// The runtime version it is held to (`Python 3.11.7`), with `FunctionUpdate` and
    /// `Manual`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_to: Option<String>,
}

impl RuntimeUpdates {
    /// Whether this is the default (omitted from stored records).
    pub fn is_default(&self) -> bool {
        *self == RuntimeUpdates::default()
    }

    /// Why a function held this way cannot run on `installed` (the runtime version the
    /// server has now), if it cannot.
    pub fn refuses(&self, installed: Option<&str>) -> Option<String> {
        let held = self.held_to.as_deref()?;
        if installed == Some(held) {
            return None;
        }
        let now = installed.unwrap_or("no runtime version");
        Some(match self.on {
            UpdateRuntimeOn::Manual => format!(
                "This function is held to runtime version {held} (UpdateRuntimeOn Manual) and this server runs {now}; set another RuntimeVersionArn or UpdateRuntimeOn Auto"
            ),
            _ => format!(
                "This function is held to runtime version {held}, installed when it was last updated (UpdateRuntimeOn FunctionUpdate), and this server runs {now}; update the function to move it to {now}"
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_version_refuses_another_and_auto_refuses_nothing() {
        let auto = RuntimeUpdates::default();
        assert_eq!(auto.refuses(Some("Python 3.12.1")), None);
        let manual = RuntimeUpdates { on: UpdateRuntimeOn::Manual, held_to: Some("Python 3.11.7".into()) };
        assert_eq!(manual.refuses(Some("Python 3.11.7")), None);
        assert!(manual.refuses(Some("Python 3.12.1")).unwrap().contains("Manual"));
        let on_update = RuntimeUpdates { on: UpdateRuntimeOn::FunctionUpdate, held_to: Some("Python 3.11.7".into()) };
        assert!(on_update.refuses(None).unwrap().contains("update the function"));
    }
}
