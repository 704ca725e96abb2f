//! An event as patterns read it: its leaves by dotted path, and array-consistent matching.
//!
//! Paths join keys with `.` as event-ruler does, so the event `{"a": {"b": 1}}` and the event
//! `{"a.b": 1}` both have a leaf at `a.b`. Arrays are transparent: every element of an array is
//! at the array's path. Leaves are strings, numbers, booleans and null; objects and empty arrays
//! contribute none, so `exists` sees only leaves.
//!
//! Matching is array-consistent, like event-ruler's `rulesForJSONEvent` (which EventBridge uses):
//! the leaves chosen for a sub-rule's fields may not sit inside objects in different elements of
//! the same array. With `[{"a": 1, "b": 2}, {"a": 3, "b": 4}]`, `a = 1 and b = 2` matches but
//! `a = 1 and b = 4` does not. `exists: false` is about the whole event (no such leaf anywhere).

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::condition::Field;

/// Nesting beyond which consistency is not checked (the per-field checks still apply); events
/// parsed from JSON text are far shallower.
const MAX_DEPTH: usize = 512;
/// Ways of routing fields through keys that contain dots, tried before giving the benefit of the
/// doubt (only events with both `a` and `a.b`-style keys have more than one).
const MAX_ROUTINGS: usize = 64;

/// An event's leaves, flattened once and shared by every pattern tested against it.
pub(crate) struct EventView<'v> {
    root: &'v Value,
    /// Leaf values by dotted path.
    leaves: HashMap<String, Vec<&'v Value>>,
    /// Whether some array holds an object (directly or through nested arrays): only then can
    /// array consistency reject a match the per-field checks accept.
    object_arrays: bool,
}

impl<'v> EventView<'v> {
    /// Flattens `event`; with `wanted`, only the subtrees that lead to those paths.
    pub(crate) fn new(event: &'v Value, wanted: Option<&[String]>) -> EventView<'v> {
        let mut view = EventView { root: event, leaves: HashMap::new(), object_arrays: false };
        let Value::Object(map) = event else { return view };
        let wants = |path: &str| {
            wanted.is_none_or(|paths| {
                paths.iter().any(|w| w.strip_prefix(path).is_some_and(|rest| rest.is_empty() || rest.starts_with('.')))
            })
        };
        // Depth-first with an explicit stack: events of any depth are flattened without recursion.
        let mut stack: Vec<(&'v Value, String, bool)> =
            map.iter().filter(|(k, _)| wants(k)).map(|(k, v)| (v, k.clone(), false)).collect();
        while let Some((value, path, in_array)) = stack.pop() {
            match value {
                Value::Object(map) => {
                    view.object_arrays |= in_array;
                    for (key, child) in map {
                        let child_path = format!("{path}.{key}");
                        if wants(&child_path) {
                            stack.push((child, child_path, false));
                        }
                    }
                }
                Value::Array(items) => stack.extend(items.iter().map(|item| (item, path.clone(), true))),
                leaf => view.leaves.entry(path).or_default().push(leaf),
            }
        }
        view
    }

    /// A flat record of named values (SNS message attributes): each name is a path, each array
    /// stands for its elements at any depth, and anything else is one leaf as it is.
    pub(crate) fn flat(root: &'v Value, fields: impl IntoIterator<Item = (&'v str, &'v Value)>) -> EventView<'v> {
        let mut view = EventView { root, leaves: HashMap::new(), object_arrays: false };
        for (name, value) in fields {
            let leaves = view.leaves.entry(name.to_string()).or_default();
            let mut stack = vec![value];
            while let Some(value) = stack.pop() {
                match value {
                    Value::Array(items) => stack.extend(items.iter().rev()),
                    leaf => leaves.push(leaf),
                }
            }
        }
        view
    }

    /// The leaves at `path`.
    pub(crate) fn leaves_at(&self, path: &str) -> &[&'v Value] {
        self.leaves.get(path).map_or(&[], Vec::as_slice)
    }

    /// The paths that have leaves.
    pub(crate) fn paths(&self) -> impl Iterator<Item = &str> {
        self.leaves.keys().map(String::as_str)
    }

    /// How many paths have leaves.
    pub(crate) fn path_count(&self) -> usize {
        self.leaves.len()
    }

    /// Whether every field of a sub-rule holds, consistently across arrays.
    pub(crate) fn matches(&self, fields: &[Arc<Field>]) -> bool {
        let mut needing_leaves: Vec<(&str, &Field)> = Vec::new();
        for field in fields {
            let leaves = self.leaves_at(&field.path);
            if leaves.is_empty() {
                if field.allows_absence() {
                    continue;
                }
                return false;
            }
            if !leaves.iter().any(|leaf| field.accepts(leaf)) {
                return false;
            }
            needing_leaves.push((field.path.as_str(), field));
        }
        if needing_leaves.len() < 2 || !self.object_arrays {
            return true;
        }
        consistent(self.root, &needing_leaves, 0)
    }
}

/// Whether `fields` (each with the rest of its path below `value`) can all be satisfied by leaves
/// under `value` that are not in different elements of one array.
fn consistent(value: &Value, fields: &[(&str, &Field)], depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return true;
    }
    match value {
        Value::Array(items) => {
            // A leaf directly in this array is not inside an object: it may come from any element.
            let (here, deeper): (Vec<_>, Vec<_>) = fields.iter().copied().partition(|(rest, _)| rest.is_empty());
            if !here.iter().all(|(_, field)| any_leaf(value, field, depth)) {
                return false;
            }
            deeper.is_empty() || items.iter().any(|item| consistent(item, &deeper, depth + 1))
        }
        Value::Object(map) => routed(map, fields, depth),
        leaf => fields.iter().all(|(rest, field)| rest.is_empty() && field.accepts(leaf)),
    }
}

/// Whether some leaf in `value` or its nested arrays (not objects) satisfies `field`.
fn any_leaf(value: &Value, field: &Field, depth: usize) -> bool {
    match value {
        Value::Array(items) => depth <= MAX_DEPTH && items.iter().any(|item| any_leaf(item, field, depth + 1)),
        Value::Object(_) => false,
        leaf => field.accepts(leaf),
    }
}

/// One way a field continues below an object: the key taken, its value, the rest of the path.
type Route<'a, 'f> = (&'a str, &'a Value, &'f str);
/// The fields routed through one key: the key, its value, and each field with its rest.
type Group<'a, 'f> = (&'a str, &'a Value, Vec<(&'f str, &'f Field)>);

/// Splits `fields` between the object's keys and checks each key's share.
fn routed(map: &Map<String, Value>, fields: &[(&str, &Field)], depth: usize) -> bool {
    // Each field may continue through the key equal to its rest, or any key that is the rest up
    // to one of its dots (`a.b.c` through `a`, `a.b` or `a.b.c`).
    let mut choices: Vec<Vec<Route<'_, '_>>> = Vec::with_capacity(fields.len());
    for (rest, _) in fields {
        if rest.is_empty() {
            // An object is not a leaf.
            return false;
        }
        let mut routes = Vec::new();
        let splits = rest.match_indices('.').map(|(i, _)| i).chain(std::iter::once(rest.len()));
        for i in splits {
            let (key, below) = (&rest[..i], rest.get(i + 1..).unwrap_or(""));
            if let Some((key, child)) = map.get_key_value(key) {
                routes.push((key.as_str(), child, below));
            }
        }
        if routes.is_empty() {
            return false;
        }
        choices.push(routes);
    }
    let combinations =
        choices.iter().try_fold(1usize, |acc, c| acc.checked_mul(c.len()).filter(|n| *n <= MAX_ROUTINGS));
    let Some(combinations) = combinations else {
        // Too many ambiguous dotted keys to try them all; the per-field checks already passed.
        return true;
    };
    (0..combinations).any(|mut n| {
        let mut groups: Vec<Group<'_, '_>> = Vec::new();
        for (routes, (_, field)) in choices.iter().zip(fields) {
            let (key, child, below) = routes[n % routes.len()];
            n /= routes.len();
            match groups.iter_mut().find(|(k, _, _)| *k == key) {
                Some((_, _, members)) => members.push((below, field)),
                None => groups.push((key, child, vec![(below, field)])),
            }
        }
        groups.iter().all(|(_, child, members)| consistent(child, members, depth + 1))
    })
}
