//! The SNS filter-policy language beside the event-pattern one: one compiler, two readings.

use serde_json::json;

use crate::{AttributeValue, FilterPolicy, Pattern};

fn sns_refusal(text: &str) -> String {
    match FilterPolicy::parse(text, true) {
        Ok(p) => panic!("policy {text} accepted: {p:?}"),
        Err(e) => e,
    }
}

#[test]
fn operators_sns_refuses_are_event_pattern_operators() {
    for (text, reason) in [
        (r#"{"a": [{"wildcard": "x*"}]}"#, "Unrecognized match type wildcard"),
        (r#"{"a": [{"exactly": "x"}]}"#, "Unrecognized match type exactly"),
        (r#"{"a": [{"prefix": {"equals-ignore-case": "x"}}]}"#, "prefix match pattern must be a string"),
        (r#"{"a": [{"anything-but": {"suffix": "x"}}]}"#, "Unsupported anything-but pattern: suffix"),
        (r#"{"a": [{"anything-but": {"prefix": ["x", "y"]}}]}"#, "prefix match pattern must be a string"),
    ] {
        assert_eq!(sns_refusal(text), reason, "{text}");
        assert!(Pattern::parse(text).is_ok(), "EventBridge accepts {text}");
    }
}

#[test]
fn numeric_range_is_a_billion_for_sns_and_five_for_eventbridge() {
    let text = r#"{"a": [{"numeric": [">", 2e9]}]}"#;
    assert_eq!(sns_refusal(text), "Value must be between -1.0E9 and 1.0E9, inclusive");
    assert!(Pattern::parse(text).is_ok());
    // An open end is the language's limit: 3e9 is beyond SNS's range but within EventBridge's.
    let above = FilterPolicy::parse(r#"{"a": [{"numeric": [">", 0]}]}"#, false).unwrap();
    let lookup = |n: &str| (n == "a").then(|| AttributeValue::Json(json!(3e9)));
    assert!(!above.matches_attributes(&lookup));
    assert!(Pattern::parse(r#"{"a": [{"numeric": [">", 0]}]}"#).unwrap().matches(&json!({"a": 3e9})));
}

#[test]
fn or_without_an_or_shape_is_a_key_for_sns_and_an_error_for_eventbridge() {
    let text = r#"{"$or": ["x", "y"]}"#;
    let policy = FilterPolicy::parse(text, false).unwrap();
    assert!(policy.matches_attributes(&|n| (n == "$or").then(|| AttributeValue::Json(json!("y")))));
    assert!(Pattern::parse(text).is_err());
    // With an operator name among an alternative's keys, SNS reads `$or` as a key too.
    let text = r#"{"$or": [{"prefix": "x"}, {"suffix": "y"}]}"#;
    let policy = FilterPolicy::parse(text, false).unwrap();
    assert!(policy.matches_attributes(&|n| (n == "$or").then(|| AttributeValue::Json(json!("xa")))));
    assert!(Pattern::parse(text).is_err());
}

#[test]
fn attribute_scope_refuses_nesting() {
    let text = r#"{"a": {"b": ["x"]}}"#;
    assert_eq!(
        FilterPolicy::parse(text, false).unwrap_err(),
        "Filter policy scope MessageAttributes does not support nested filter policy"
    );
    assert!(FilterPolicy::parse(text, true).unwrap().matches_body(r#"{"a": {"b": "x"}}"#));
}

#[test]
fn opaque_attributes_only_exist() {
    for (text, expected) in [
        (r#"{"a": [{"exists": true}]}"#, true),
        (r#"{"a": [{"exists": false}]}"#, false),
        (r#"{"a": [{"anything-but": "x"}]}"#, false),
        (r#"{"a": [{"anything-but": [1]}]}"#, false),
        (r#"{"a": [{"prefix": ""}]}"#, false),
    ] {
        let policy = FilterPolicy::parse(text, false).unwrap();
        assert_eq!(policy.matches_attributes(&|_| Some(AttributeValue::Opaque)), expected, "{text}");
    }
}

#[test]
fn limits_count_the_document_before_or_expands() {
    let six = r#"{"a": ["1"], "b": ["1"], "c": ["1"], "d": ["1"], "e": ["1"], "f": ["1"]}"#;
    assert_eq!(sns_refusal(six), "Filter policy can not have more than 5 keys");
    assert!(Pattern::parse(six).is_ok());
    // 4 alternatives of 4 keys each: 5 keys per alternative with the shared one.
    let or = r#"{"s": ["1"], "$or": [{"a": ["1"], "b": ["1"], "c": ["1"], "d": ["1"]}, {"e": ["1"]}]}"#;
    assert!(FilterPolicy::parse(or, true).is_ok());
    let values: Vec<String> = (0..151).map(|i| format!("\"{i}\"")).collect();
    let wide = format!(r#"{{"a": [{}]}}"#, values.join(","));
    assert_eq!(sns_refusal(&wide), "Filter policy is too complex");
}
