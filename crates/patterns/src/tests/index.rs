//! The index: the same answers as testing every pattern, while testing only a few.

use std::collections::BTreeMap;

use serde_json::json;

use super::{Rng, generate, pattern};
use crate::{Pattern, PatternIndex};

/// Keys whose pattern matches, by testing every pattern.
fn brute_force(patterns: &BTreeMap<usize, Pattern>, event: &serde_json::Value) -> Vec<usize> {
    patterns.iter().filter(|(_, p)| p.matches(event)).map(|(k, _)| *k).collect()
}

fn sorted(mut keys: Vec<usize>) -> Vec<usize> {
    keys.sort_unstable();
    keys
}

#[test]
fn insert_replace_remove() {
    let mut index = PatternIndex::new();
    assert!(index.is_empty());
    index.insert("a", pattern(r#"{"source": ["x"]}"#));
    index.insert("b", pattern(r#"{"detail": {"n": [{"numeric": [">", 1]}]}}"#));
    assert_eq!(index.len(), 2);
    let event = json!({"source": "x", "detail": {"n": 2}});
    assert_eq!(index.matching(&event), vec!["a", "b"]);
    // Replacing a key's pattern unfiles the old one.
    index.insert("a", pattern(r#"{"source": ["y"]}"#));
    assert_eq!(index.len(), 2);
    assert_eq!(index.matching(&event), vec!["b"]);
    assert!(index.get(&"a").is_some_and(|p| p.matches(&json!({"source": "y"}))));
    index.remove(&"b");
    index.remove(&"missing");
    assert_eq!(index.len(), 1);
    assert!(index.matching(&event).is_empty());
    index.remove(&"a");
    assert!(index.is_empty());
    assert!(index.matching(&json!({"source": "y"})).is_empty());
}

#[test]
fn each_key_is_reported_once() {
    let mut index = PatternIndex::new();
    // Filed under two values and two branches; the event has both values.
    index.insert("k", pattern(r#"{"$or": [{"source": ["a", "b"]}, {"detail-type": ["t"]}]}"#));
    let event = json!({"source": ["a", "b"], "detail-type": "t"});
    assert_eq!(index.matching(&event), vec!["k"]);
}

#[test]
fn a_thousand_sources_cost_a_handful_of_tests() {
    let mut index = PatternIndex::new();
    for i in 0..1000 {
        index.insert(format!("rule-{i}"), pattern(&format!(r#"{{"source": ["app.{i}"], "detail": {{"n": [{i}]}}}}"#)));
    }
    // Two patterns the index cannot file: tested for every event.
    index.insert("prefix".to_string(), pattern(r#"{"source": [{"prefix": "app.4"}]}"#));
    index.insert("absent".to_string(), pattern(r#"{"detail": {"gone": [{"exists": false}]}}"#));
    let event = json!({"source": "app.42", "detail": {"n": 42}});
    assert_eq!(index.candidate_count(&event), 3);
    assert_eq!(sorted_strings(index.matching(&event)), vec!["absent", "prefix", "rule-42"]);
    // Numbers are filed by value: `42.0` reaches the pattern written `42`.
    let event = json!({"source": "app.42", "detail": {"n": 42.0}});
    assert!(index.matching(&event).contains(&"rule-42".to_string()));
    assert_eq!(index.candidate_count(&json!({"source": "unknown"})), 2);
}

fn sorted_strings(mut keys: Vec<String>) -> Vec<String> {
    keys.sort();
    keys
}

#[test]
fn index_files_by_preferred_field_and_by_branch() {
    let source_first = pattern(r#"{"detail-type": ["t"], "source": ["s"], "account": ["1"]}"#);
    let entries = source_first.index_entries().expect("indexable");
    assert!(entries.iter().all(|(path, _)| path == "source"), "{entries:?}");
    // Each `$or` branch is filed under its own exact field.
    let branches = pattern(r#"{"$or": [{"source": ["a"]}, {"detail": {"kind": ["k1", "k2"]}}]}"#);
    let mut paths: Vec<String> = branches.index_entries().expect("indexable").into_iter().map(|(p, _)| p).collect();
    paths.dedup();
    assert_eq!(paths, vec!["source", "detail.kind"]);
    // A branch without an all-exact field makes the pattern residual.
    let residual = pattern(r#"{"$or": [{"source": ["a"]}, {"detail": {"kind": [{"prefix": "k"}]}}]}"#);
    assert!(residual.index_entries().is_none());
    // IP literals are filed by address, so other spellings reach them.
    let mut index = PatternIndex::new();
    index.insert(1, pattern(r#"{"detail": {"ip": ["10.0.0.1"]}}"#));
    assert_eq!(index.matching(&json!({"detail": {"ip": "::ffff:a00:1"}})), vec![1]);
}

#[test]
fn matching_equals_brute_force_on_generated_patterns() {
    let mut rng = Rng::new(0x5eed_1dea);
    let mut index = PatternIndex::new();
    let mut patterns = BTreeMap::new();
    while patterns.len() < 400 {
        let text = generate::pattern(&mut rng).to_string();
        let Ok(p) = Pattern::parse(&text) else { continue };
        let key = patterns.len();
        index.insert(key, p.clone());
        patterns.insert(key, p);
    }
    let events: Vec<serde_json::Value> = (0..300).map(|_| generate::event(&mut rng)).collect();
    let mut matched = 0;
    for event in &events {
        let expected = brute_force(&patterns, event);
        matched += expected.len();
        assert_eq!(sorted(index.matching(event)), expected, "event {event}");
    }
    // The generated sets must actually meet, or the comparison proves little.
    assert!(matched > events.len(), "only {matched} matches");

    // Remove a third, replace a third, and compare again.
    for key in (0..400).step_by(3) {
        index.remove(&key);
        patterns.remove(&key);
    }
    for key in (1..400).step_by(3) {
        let text = generate::pattern(&mut rng).to_string();
        if let Ok(p) = Pattern::parse(&text) {
            index.insert(key, p.clone());
            patterns.insert(key, p);
        }
    }
    assert_eq!(index.len(), patterns.len());
    for event in &events {
        assert_eq!(sorted(index.matching(event)), brute_force(&patterns, event), "event {event}");
    }
}
