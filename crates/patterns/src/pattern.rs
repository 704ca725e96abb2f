//! [`Pattern`]: a compiled event pattern.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::Value;

use crate::compile::{self, Branch, Language};
use crate::condition::{Condition, Field};
use crate::error::PatternError;
use crate::event::EventView;
use crate::values::Key;
use crate::wildcard::{self, TOO_COMPLEX};

/// A parsed, validated EventBridge event pattern. Cheap to clone (the compiled form is shared).
#[derive(Debug, Clone)]
pub struct Pattern {
    inner: Arc<Compiled>,
}

#[derive(Debug)]
struct Compiled {
    /// The match branches: the pattern matches when any of them does. More than one only with `$or`.
    rules: Vec<SubRule>,
    /// Every distinct field path, so a single match flattens only what it reads.
    paths: Vec<String>,
}

/// Fields that must all hold, sorted by path.
#[derive(Debug)]
struct SubRule {
    fields: Vec<Arc<Field>>,
}

/// Preferred index fields, best first: most rules select on them.
const PREFERRED_INDEX_FIELDS: [&str; 2] = ["source", "detail-type"];

impl Pattern {
    /// Parses a pattern document; `Err` carries EventBridge's reason (see [`PatternError`]).
    pub fn parse(text: &str) -> Result<Pattern, PatternError> {
        Pattern::compiled(compile::compile(text, Language::EventPattern)?.branches)
    }

    /// A pattern from compiled sub-rules, with the checks made once the whole document is read.
    pub(crate) fn compiled(branches: Vec<Branch>) -> Result<Pattern, PatternError> {
        let rules: Vec<SubRule> = branches
            .into_iter()
            .map(|mut fields| {
                fields.sort_by(|a, b| a.path.cmp(&b.path));
                SubRule { fields }
            })
            .collect();
        check_wildcard_complexity(&rules)?;
        let mut paths: Vec<String> = rules.iter().flat_map(|r| r.fields.iter().map(|f| f.path.clone())).collect();
        paths.sort_unstable();
        paths.dedup();
        Ok(Pattern { inner: Arc::new(Compiled { rules, paths }) })
    }

    /// Whether `event` (a whole EventBridge event: `version`, `id`, `detail-type`, `source`,
    /// `account`, `time`, `region`, `resources`, `detail`) matches. An event that is not a JSON
    /// object matches nothing.
    pub fn matches(&self, event: &Value) -> bool {
        if !event.is_object() {
            return false;
        }
        self.matches_view(&EventView::new(event, Some(&self.inner.paths)))
    }

    /// The fields every alternative of the pattern tests with exact values only, with those values:
    /// for `{"source": ["aws.s3", "my.app"], "detail": {"size": [{"numeric": [">", 0]}]}}` that is
    /// `[("source", ["aws.s3", "my.app"])]`. Paths are dotted (`detail.state`).
    pub fn exact_fields(&self) -> Vec<(String, Vec<Value>)> {
        let Some((first, others)) = self.inner.rules.split_first() else { return Vec::new() };
        first
            .fields
            .iter()
            .filter(|f| f.exact_keys().is_some() && others.iter().all(|r| r.fields.iter().any(|g| **g == ***f)))
            .map(|f| {
                let literals = f
                    .conditions
                    .iter()
                    .filter_map(|c| match c {
                        Condition::Exact { literal, .. } => Some(literal.clone()),
                        _ => None,
                    })
                    .collect();
                (f.path.clone(), literals)
            })
            .collect()
    }

    /// The distinct field paths the pattern tests, sorted.
    pub(crate) fn paths(&self) -> &[String] {
        &self.inner.paths
    }

    /// Whether the flattened event matches some branch.
    pub(crate) fn matches_view(&self, view: &EventView<'_>) -> bool {
        self.inner.rules.iter().any(|rule| view.matches(&rule.fields))
    }

    /// Where the index files this pattern: for every branch, one field whose conditions are all
    /// exact values (`source` preferred, then `detail-type`, then the field with fewest values),
    /// as (path, value) pairs. An event can only match when it has one of these leaves. `None`
    /// when some branch has no such field.
    pub(crate) fn index_entries(&self) -> Option<Vec<(String, Key)>> {
        let mut entries = Vec::new();
        for rule in &self.inner.rules {
            let (field, keys) =
                rule.fields.iter().filter_map(|f| f.exact_keys().map(|keys| (f, keys))).min_by_key(|(f, keys)| {
                    let rank = PREFERRED_INDEX_FIELDS
                        .iter()
                        .position(|p| *p == f.path)
                        .unwrap_or(PREFERRED_INDEX_FIELDS.len());
                    (rank, keys.len())
                })?;
            entries.extend(keys.into_iter().map(|k| (field.path.clone(), k.clone())));
        }
        let mut seen = HashSet::new();
        entries.retain(|entry| seen.insert(entry.clone()));
        Some(entries)
    }
}

/// Refuses a pattern with a wildcard operand that is too non-deterministic (checked after the
/// whole document compiled, as EventBridge does when it adds the rule to its machine).
fn check_wildcard_complexity(rules: &[SubRule]) -> Result<(), PatternError> {
    let mut checked: HashSet<*const Field> = HashSet::new();
    for field in rules.iter().flat_map(|r| r.fields.iter()) {
        if !checked.insert(Arc::as_ptr(field)) {
            continue;
        }
        for condition in &field.conditions {
            if let Condition::Wildcard(glob) = condition
                && !wildcard::within_limit(glob)
            {
                return Err(PatternError::bare(TOO_COMPLEX));
            }
        }
    }
    Ok(())
}
