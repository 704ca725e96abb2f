//! Amazon SNS subscription filter policies as subscriptions hold them: a policy in its scope,
//! and a published message's attributes read by SNS data type.
//!
//! The language itself (parsing with SNS's refusals and limits, matching) is
//! [`squall_patterns::FilterPolicy`]: SNS runs the rule engine EventBridge runs, so the two
//! share one compiler and matcher, and that module lists where SNS differs.
//!
//! # Interface
//!
//! [`FilterPolicy::matches`] takes the message attributes as a lookup closure,
//! `&dyn Fn(&str) -> Option<AttributeRef<'a>>`, rather than a map: the caller serves lookups from
//! whatever structure it already holds without building a second collection per message and
//! subscription; only the attributes the policy names are read.
//!
//! # Attributes as values
//!
//! String attributes are strings, Number attributes numbers (compared numerically, so a String
//! attribute holding `"5"` never satisfies `{"numeric": ..}`), `String.Array` attributes JSON
//! arrays whose elements keep their JSON types and match when any element does (`anything-but`
//! included, as the guide's worked example shows). A custom suffix (`String.custom`,
//! `Number.float`) keeps the base type. Binary attributes, a `String.Array` that is not a JSON
//! array and a Number that is not a number are present (they satisfy `exists: true`) but no
//! value condition matches them.

use serde_json::Value;
use squall_patterns::AttributeValue;

/// Where a policy looks: message attributes (SNS's default) or the JSON message body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    #[default]
    MessageAttributes,
    MessageBody,
}

impl Scope {
    /// Parses the `FilterPolicyScope` subscription attribute value.
    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "MessageAttributes" => Some(Scope::MessageAttributes),
            "MessageBody" => Some(Scope::MessageBody),
            _ => None,
        }
    }

    /// The `FilterPolicyScope` attribute value for this scope.
    pub fn as_str(&self) -> &'static str {
        match self {
            Scope::MessageAttributes => "MessageAttributes",
            Scope::MessageBody => "MessageBody",
        }
    }
}

/// One message attribute as the filter sees it: its SNS data type and StringValue (Binary
/// attributes have value "").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttributeRef<'a> {
    pub data_type: &'a str,
    pub value: &'a str,
}

/// A parsed, validated subscription filter policy.
#[derive(Debug, Clone)]
pub struct FilterPolicy {
    scope: Scope,
    policy: squall_patterns::FilterPolicy,
}

impl FilterPolicy {
    /// Parses and validates a policy document; Err is the message SNS would put after
    /// "Invalid parameter: FilterPolicy: ".
    pub fn parse(json: &str, scope: Scope) -> Result<FilterPolicy, String> {
        let policy = squall_patterns::FilterPolicy::parse(json, scope == Scope::MessageBody)?;
        Ok(FilterPolicy { scope, policy })
    }

    /// Whether a message matches. `attributes` is consulted with `MessageAttributes` scope, `body`
    /// (which must be a JSON object to match anything) with `MessageBody` scope.
    pub fn matches<'a>(&self, attributes: &dyn Fn(&str) -> Option<AttributeRef<'a>>, body: &str) -> bool {
        match self.scope {
            Scope::MessageAttributes => {
                self.policy.matches_attributes(&|name: &str| attributes(name).map(attribute_value))
            }
            Scope::MessageBody => self.policy.matches_body(body),
        }
    }
}

/// What an attribute holds, by SNS data type.
fn attribute_value(attribute: AttributeRef<'_>) -> AttributeValue {
    // "Number.Array" is not a real SNS type, but the SNS guide's numeric anything-but example
    // publishes one; treating it like String.Array costs nothing.
    if matches!(attribute.data_type, "String.Array" | "Number.Array") {
        return match serde_json::from_str::<Value>(attribute.value) {
            Ok(array @ Value::Array(_)) => AttributeValue::Json(array),
            _ => AttributeValue::Opaque,
        };
    }
    match attribute.data_type.split('.').next() {
        Some("String") => AttributeValue::Json(Value::String(attribute.value.to_string())),
        Some("Number") => number(attribute.value).map_or(AttributeValue::Opaque, AttributeValue::Json),
        _ => AttributeValue::Opaque,
    }
}

/// A Number attribute's value: as written when it is a JSON number, else by its float value
/// (SNS takes spellings such as `+5` and `.5` that JSON does not).
fn number(text: &str) -> Option<Value> {
    let text = text.trim();
    if let Ok(number @ Value::Number(_)) = serde_json::from_str::<Value>(text) {
        return Some(number);
    }
    let float = text.parse::<f64>().ok().filter(|n| n.is_finite())?;
    serde_json::Number::from_f64(float).map(Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Attr<'a> = (&'a str, &'a str, &'a str);

    fn lookup<'a>(list: &'a [Attr<'a>]) -> impl Fn(&str) -> Option<AttributeRef<'a>> + 'a {
        move |name: &str| {
            list.iter().find(|(n, _, _)| *n == name).map(|&(_, data_type, value)| AttributeRef { data_type, value })
        }
    }

    fn policy(json: &str, scope: Scope) -> FilterPolicy {
        match FilterPolicy::parse(json, scope) {
            Ok(p) => p,
            Err(e) => panic!("policy {json} rejected: {e}"),
        }
    }

    fn attr_matches(json: &str, attrs: &[Attr<'_>]) -> bool {
        policy(json, Scope::MessageAttributes).matches(&lookup(attrs), "")
    }

    fn body_matches(json: &str, body: &str) -> bool {
        policy(json, Scope::MessageBody).matches(&|_: &str| None, body)
    }

    fn error(json: &str, scope: Scope) -> String {
        match FilterPolicy::parse(json, scope) {
            Ok(p) => panic!("policy {json} accepted: {p:?}"),
            Err(e) => e,
        }
    }

    fn attr_error(json: &str) -> String {
        error(json, Scope::MessageAttributes)
    }

    fn s(value: &str) -> Attr<'_> {
        ("k", "String", value)
    }

    fn n(value: &str) -> Attr<'_> {
        ("k", "Number", value)
    }

    fn arr(value: &str) -> Attr<'_> {
        ("k", "String.Array", value)
    }

    // --- Scope -------------------------------------------------------------------------------

    #[test]
    fn scope_parses_and_prints_both_values() {
        for scope in [Scope::MessageAttributes, Scope::MessageBody] {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(Scope::parse("messagebody"), None);
        assert_eq!(Scope::parse("RandomValue"), None);
        assert_eq!(Scope::default(), Scope::MessageAttributes);
    }

    // --- Document-level validation -----------------------------------------------------------

    #[test]
    fn rejects_empty_non_object_and_malformed_documents() {
        assert_eq!(attr_error("{}"), "Filter policy can not be empty");
        assert_eq!(attr_error(r#"["a"]"#), "Filter is not an object");
        assert_eq!(attr_error(r#""a""#), "Filter is not an object");
        assert!(attr_error("{").starts_with("failed to parse JSON."));
        assert!(attr_error("").starts_with("failed to parse JSON."));
    }

    #[test]
    fn rejects_documents_over_256_kb() {
        let values: Vec<String> = (0..30_000).map(|i| format!("\"value-{i:05}\"")).collect();
        let json = format!(r#"{{"k": [{}]}}"#, values.join(","));
        assert!(json.len() > 256 * 1024);
        assert_eq!(attr_error(&json), "Filter policy is too large");
    }

    #[test]
    fn key_values_must_be_arrays_or_objects() {
        assert_eq!(attr_error(r#"{"key_a": "value_one"}"#), r#""key_a" must be an object or an array"#);
        assert_eq!(attr_error(r#"{"key": 5}"#), r#""key" must be an object or an array"#);
        assert_eq!(attr_error(r#"{"key": []}"#), "Empty arrays are not allowed");
        assert_eq!(error(r#"{"a": {}}"#, Scope::MessageBody), "Empty objects are not allowed");
    }

    #[test]
    fn match_values_must_be_scalars_or_single_key_expressions() {
        assert_eq!(attr_error(r#"{"key": [["value"]]}"#), "Match value must be String, number, true, false, or null");
        assert_eq!(attr_error(r#"{"key": [{"wrong-operator": true}]}"#), "Unrecognized match type wrong-operator");
        assert_eq!(attr_error(r#"{"key": [{"prefx": "a"}]}"#), "Unrecognized match type prefx");
        assert_eq!(attr_error(r#"{"key": [{"wildcard": "a*"}]}"#), "Unrecognized match type wildcard");
        assert_eq!(
            attr_error(r#"{"key": [{"suffix": "value", "prefix": "value2"}]}"#),
            "Only one key allowed in match expression"
        );
        assert_eq!(attr_error(r#"{"key": [{}]}"#), "Match expression name not found");
    }

    #[test]
    fn string_operators_need_string_operands() {
        for operand in ["100", "null", "[]", r#"["test", "test2"]"#, "{}"] {
            assert_eq!(
                attr_error(&format!(r#"{{"key": [{{"suffix": {operand}}}]}}"#)),
                "suffix match pattern must be a string"
            );
        }
        assert_eq!(attr_error(r#"{"key": [{"prefix": 1}]}"#), "prefix match pattern must be a string");
        assert_eq!(
            attr_error(r#"{"key": [{"equals-ignore-case": true}]}"#),
            "equals-ignore-case match pattern must be a string"
        );
    }

    #[test]
    fn exists_needs_a_boolean() {
        for operand in ["null", r#""no""#, "1"] {
            assert_eq!(
                attr_error(&format!(r#"{{"key": [{{"exists": {operand}}}]}}"#)),
                "exists match pattern must be either true or false."
            );
        }
    }

    #[test]
    fn numeric_expression_errors_match_sns() {
        let cases = [
            (r#"[]"#, "Invalid member in numeric match: ]"),
            (r#"["operator"]"#, "Unrecognized numeric range operator: operator"),
            (r#"[1, "<="]"#, "Invalid member in numeric match: 1"),
            (r#"["=", "000"]"#, "Value of equals must be numeric"),
            (r#"[">="]"#, "Value of >= must be numeric"),
            (r#"["<", 100, ">", 10]"#, "Too many elements in numeric expression"),
            (r#"["=", 1, 2]"#, "Too many elements in numeric expression"),
            (r#"[">=", 1, ">", 2]"#, "Bad numeric range operator: >"),
            (r#"[">", 3, "<", 1]"#, "Bottom must be less than top"),
            (r#"[">", 3, "<=", 3]"#, "Bottom must be less than top"),
            (r#"[">", 20, "<="]"#, "Value of <= must be numeric"),
            (r#"[">", 20, 30]"#, "Bad value in numeric range: 30"),
            (r#"[">", 20, "test"]"#, "Bad numeric range operator: test"),
            (r#"[">", "20", "<", "30"]"#, "Value of > must be numeric"),
            (r#"[">", 20, "<", "30"]"#, "Value of < must be numeric"),
            (r#"[">", 20, "<", 30, "<", 50]"#, "Too many terms in numeric range expression"),
            (r#"5"#, "Value of numeric must be an array."),
        ];
        for (operand, expected) in cases {
            assert_eq!(attr_error(&format!(r#"{{"key": [{{"numeric": {operand}}}]}}"#)), expected, "operand {operand}");
        }
    }

    #[test]
    fn numeric_operands_must_be_within_a_billion() {
        for operand in [r#"[">", 1000000001]"#, r#"["=", -1e10]"#, r#"["<", 2e9]"#] {
            assert_eq!(
                attr_error(&format!(r#"{{"key": [{{"numeric": {operand}}}]}}"#)),
                "Value must be between -1.0E9 and 1.0E9, inclusive"
            );
        }
        assert!(
            FilterPolicy::parse(r#"{"key": [{"numeric": [">=", -1e9, "<=", 1e9]}]}"#, Scope::MessageAttributes).is_ok()
        );
        // A plain number is an exact match and is not range-checked.
        assert!(FilterPolicy::parse(r#"{"key": [123456789012]}"#, Scope::MessageAttributes).is_ok());
    }

    #[test]
    fn anything_but_errors_match_sns() {
        let cases = [
            (r#"{"wrong-operator": null}"#, "Unsupported anything-but pattern: wrong-operator"),
            (r#"{"suffix": "test"}"#, "Unsupported anything-but pattern: suffix"),
            (r#"{"exists": false}"#, "Unsupported anything-but pattern: exists"),
            (r#"{"prefix": false}"#, "prefix match pattern must be a string"),
            (r#"{"prefix": ""}"#, "Null prefix/suffix not allowed"),
            (r#"null"#, "Value of anything-but must be an array or single string/number value."),
            (
                r#"["a", 1]"#,
                "Inside anything but list, either all values are number or string, mixed type is not supported",
            ),
            (r#"[]"#, "Inside anything but list, either all values are number or string, mixed type is not supported"),
            (r#"["a", null]"#, "Inside anything but list, start|null|boolean is not supported."),
            (r#"[5e9]"#, "Value must be between -1.0E9 and 1.0E9, inclusive"),
        ];
        for (operand, expected) in cases {
            assert_eq!(
                attr_error(&format!(r#"{{"key": [{{"anything-but": {operand}}}]}}"#)),
                expected,
                "operand {operand}"
            );
        }
    }

    #[test]
    fn cidr_errors_match_event_ruler() {
        let cases = [
            (r#"24"#, "prefix match pattern must be a string"),
            (r#""10.0.0.0""#, "Malformed CIDR, one '/' required"),
            (r#""10.0.0.0/""#, "Malformed CIDR, one '/' required"),
            (r#""10.0.0.0/8/8""#, "Malformed CIDR, one '/' required"),
            (r#""10.0.0.0/x""#, "Malformed CIDR, mask bits must be an integer"),
            (r#""10.0.0.0/-1""#, "Malformed CIDR, mask bits must not be negative"),
            (r#""example.com/8""#, "Nonstandard IP address: example.com"),
            (r#""300.0.0.0/8""#, "Invalid IP address: 300.0.0.0"),
            (r#""10.0.0.0/32""#, "IPv4 mask bits must be < 32"),
            (r#""2001:db8::/128""#, "IPv6 mask bits must be < 128"),
        ];
        for (operand, expected) in cases {
            assert_eq!(attr_error(&format!(r#"{{"key": [{{"cidr": {operand}}}]}}"#)), expected, "operand {operand}");
        }
    }

    #[test]
    fn at_most_five_keys() {
        assert_eq!(
            attr_error(r#"{"a":["1"],"b":["2"],"c":["3"],"d":["4"],"e":["5"],"f":["6"]}"#),
            "Filter policy can not have more than 5 keys"
        );
        assert!(
            FilterPolicy::parse(r#"{"a":["1"],"b":["2"],"c":["3"],"d":["4"],"e":["5"]}"#, Scope::MessageAttributes)
                .is_ok()
        );
    }

    #[test]
    fn keys_are_counted_per_or_alternative() {
        let five_per_branch = r#"{"a":["1"],"b":["2"],"c":["3"],"d":["4"],"$or":[{"e":["5"]},{"f":["6"]}]}"#;
        assert!(FilterPolicy::parse(five_per_branch, Scope::MessageAttributes).is_ok());
        let six_in_one_branch =
            r#"{"a":["1"],"b":["2"],"c":["3"],"d":["4"],"$or":[{"e":["5"]},{"f":["6"],"g":["7"]}]}"#;
        assert_eq!(attr_error(six_in_one_branch), "Filter policy can not have more than 5 keys");
    }

    #[test]
    fn nested_body_keys_do_not_count_towards_the_key_limit() {
        // The SNS guide's example: four top-level keys, six leaves.
        let json = r#"{"state": ["SUCCESS"], "severity": [{"exists": true}],
            "message": [{"exists": true}],
            "finding": {"standard_control": [{"exists": true}], "region": [{"exists": true}],
                        "account": [{"exists": true}]}}"#;
        assert!(FilterPolicy::parse(json, Scope::MessageBody).is_ok());
    }

    #[test]
    fn complexity_is_the_product_of_value_counts() {
        let values = |n: usize| (0..n).map(|i| format!("\"v{i}\"")).collect::<Vec<_>>().join(",");
        assert_eq!(attr_error(&format!(r#"{{"key": [{}]}}"#, values(151))), "Filter policy is too complex");
        assert_eq!(
            attr_error(&format!(r#"{{"key1": [{}], "key2": [{}]}}"#, values(100), values(51))),
            "Filter policy is too complex"
        );
        let at_limit = format!(r#"{{"key1": [{}], "key2": [{}]}}"#, values(50), values(3));
        assert!(FilterPolicy::parse(&at_limit, Scope::MessageAttributes).is_ok());
    }

    #[test]
    fn complexity_adds_up_or_alternatives() {
        // (4 * 6) + (4 * 4 * 4) + (4 * 4 * 4) = 152
        let over = r#"{"source": ["a", "b", "c", "d"],
            "$or": [{"metricName": ["1", "2", "3", "4", "5", "6"]},
                    {"metricType": ["t1", "t2", "t3", "t4"],
                     "$or": [{"metricId": [1, 2, 3, 4]}, {"spaceId": [1, 2, 3, 4]}]}]}"#;
        assert_eq!(attr_error(over), "Filter policy is too complex");
        // (3 * 6) + (3 * 4 * 4) + (3 * 4 * 7) = 150
        let at_limit = r#"{"source": ["a", "b", "c"],
            "$or": [{"metricName": ["1", "2", "3", "4", "5", "6"]},
                    {"metricType": ["t1", "t2", "t3", "t4"],
                     "$or": [{"metricId": [1, 2, 3, 4]}, {"spaceId": [1, 2, 3, 4, 5, 6, 7]}]}]}"#;
        assert!(FilterPolicy::parse(at_limit, Scope::MessageAttributes).is_ok());
    }

    #[test]
    fn complexity_weighs_nested_values_by_depth() {
        // The guide's example: 3 x 4 x 2 x 3 = 72, accepted...
        let nested = r#"{"key_a": {"key_b": {"key_c": ["1", "2", "3", "4"]}},
                         "key_d": {"key_e": ["1", "2", "3"]}}"#;
        assert!(FilterPolicy::parse(nested, Scope::MessageBody).is_ok());
        // ...and with a third top-level key of three values, 216: rejected.
        let over = r#"{"key_a": {"key_b": {"key_c": ["1", "2", "3", "4"]}},
                       "key_d": {"key_e": ["1", "2", "3"]}, "key_f": ["1", "2", "3"]}"#;
        assert_eq!(error(over, Scope::MessageBody), "Filter policy is too complex");
        // Nested $or: (3*4*2) + (3*4*6) + (2*4*2) + (2*4*6) = 160.
        let nested_or = r#"{"$or": [{"metricName": ["a", "b", "c"]}, {"namespace": ["x", "y"]}],
            "detail": {"scope": ["Service", "Test"],
                       "$or": [{"source": ["aws.cloudwatch"]}, {"type": ["t1", "t2", "t3"]}]}}"#;
        assert_eq!(error(nested_or, Scope::MessageBody), "Filter policy is too complex");
    }

    #[test]
    fn attribute_scope_rejects_nesting_that_body_scope_accepts() {
        let nested = r#"{"object": {"key": [{"prefix": "auto-"}]}}"#;
        assert_eq!(attr_error(nested), "Filter policy scope MessageAttributes does not support nested filter policy");
        assert!(FilterPolicy::parse(nested, Scope::MessageBody).is_ok());
    }

    #[test]
    fn or_key_without_an_or_shape_is_an_ordinary_key() {
        // One alternative: "$or" is a key whose array holds a (bad) match expression.
        assert_eq!(attr_error(r#"{"$or": [{"a": ["x"]}]}"#), "Unrecognized match type a");
        // Reserved names inside: not an OR either (the guide's example).
        assert_eq!(
            attr_error(r#"{"$or": [{"numeric": 123}, {"prefix": "abc"}]}"#),
            "Value of numeric must be an array."
        );
        // As a plain key it matches an attribute literally named "$or".
        assert!(attr_matches(r#"{"$or": [{"prefix": "a"}]}"#, &[("$or", "String", "abc")]));
    }

    // --- Attribute matching ------------------------------------------------------------------

    #[test]
    fn exact_strings_are_case_sensitive() {
        let p = r#"{"k": ["rugby", "tennis"]}"#;
        assert!(attr_matches(p, &[s("rugby")]));
        assert!(attr_matches(p, &[s("tennis")]));
        assert!(!attr_matches(p, &[s("Rugby")]));
        assert!(!attr_matches(p, &[s("baseball")]));
        assert!(!attr_matches(p, &[]));
    }

    #[test]
    fn keys_are_anded_and_values_ored() {
        let p = r#"{"customer_interests": ["rugby", "football"],
                    "price_usd": [{"numeric": [">", 100]}]}"#;
        let both = [("customer_interests", "String", "football"), ("price_usd", "Number", "150")];
        let cheap = [("customer_interests", "String", "rugby"), ("price_usd", "Number", "99")];
        let missing_price = [("customer_interests", "String", "rugby")];
        assert!(attr_matches(p, &both));
        assert!(!attr_matches(p, &cheap));
        assert!(!attr_matches(p, &missing_price));
    }

    #[test]
    fn string_array_matches_any_element() {
        let p = r#"{"k": ["rugby", "tennis"]}"#;
        assert!(attr_matches(p, &[arr(r#"["rugby", "tennis"]"#)]));
        assert!(attr_matches(p, &[arr(r#"["soccer", "rugby", "hockey"]"#)]));
        assert!(!attr_matches(p, &[arr(r#"["baseball"]"#)]));
        assert!(!attr_matches(p, &[arr("[]")]));
        // A String attribute holding array text is just a string.
        assert!(!attr_matches(p, &[s(r#"["rugby"]"#)]));
    }

    #[test]
    fn malformed_string_array_matches_nothing_but_exists() {
        let bad = [arr("not json")];
        assert!(!attr_matches(r#"{"k": ["not json"]}"#, &bad));
        assert!(!attr_matches(r#"{"k": [{"anything-but": "x"}]}"#, &bad));
        assert!(attr_matches(r#"{"k": [{"exists": true}]}"#, &bad));
    }

    #[test]
    fn string_array_elements_keep_their_json_types() {
        let value = [arr(r#"["a", 7, true, null]"#)];
        assert!(attr_matches(r#"{"k": [{"numeric": [">", 5]}]}"#, &value));
        assert!(attr_matches(r#"{"k": [7.0]}"#, &value));
        assert!(attr_matches(r#"{"k": [true]}"#, &value));
        assert!(attr_matches(r#"{"k": [null]}"#, &value));
        assert!(!attr_matches(r#"{"k": ["7"]}"#, &value));
        assert!(!attr_matches(r#"{"k": [false]}"#, &value));
    }

    #[test]
    fn exact_numbers_compare_numerically_and_only_with_numbers() {
        let p = r#"{"k": [5]}"#;
        for value in ["5", "5.0", "5e0", "0.5e1"] {
            assert!(attr_matches(p, &[n(value)]), "{value}");
        }
        assert!(!attr_matches(p, &[n("5.00001")]));
        assert!(!attr_matches(p, &[s("5")]));
        assert!(!attr_matches(r#"{"k": ["5"]}"#, &[n("5")]));
    }

    #[test]
    fn numeric_equality_accepts_any_spelling() {
        let p = r#"{"price_usd": [{"numeric": ["=", 301.5]}]}"#;
        assert!(attr_matches(p, &[("price_usd", "Number", "301.5")]));
        assert!(attr_matches(p, &[("price_usd", "Number", "3.015e2")]));
        assert!(!attr_matches(p, &[("price_usd", "Number", "301.4")]));
    }

    #[test]
    fn numeric_ranges_respect_their_bounds() {
        let p = r#"{"k": [{"numeric": [">", 0, "<=", 100]}]}"#;
        assert!(!attr_matches(p, &[n("0")]));
        assert!(attr_matches(p, &[n("0.00001")]));
        assert!(attr_matches(p, &[n("99")]));
        assert!(attr_matches(p, &[n("100")]));
        assert!(!attr_matches(p, &[n("100.01")]));
        assert!(!attr_matches(p, &[n("-1")]));
        let half_open = r#"{"k": [{"numeric": [">=", 10, "<", 20]}]}"#;
        assert!(attr_matches(half_open, &[n("10")]));
        assert!(!attr_matches(half_open, &[n("20")]));
        let negative = r#"{"k": [{"numeric": ["<", 0]}]}"#;
        assert!(attr_matches(negative, &[n("-0.5")]));
        assert!(!attr_matches(negative, &[n("0")]));
        let at_most = r#"{"k": [{"numeric": ["<=", 3]}]}"#;
        assert!(attr_matches(at_most, &[n("3")]));
    }

    #[test]
    fn numeric_conditions_ignore_strings_and_out_of_range_numbers() {
        let p = r#"{"k": [{"numeric": [">", 0]}]}"#;
        assert!(!attr_matches(p, &[s("50")]));
        assert!(!attr_matches(p, &[n("not a number")]));
        assert!(!attr_matches(p, &[n("NaN")]));
        assert!(!attr_matches(p, &[n("2e9")]));
        assert!(attr_matches(p, &[n("1e9")]));
    }

    #[test]
    fn custom_data_type_suffixes_keep_the_base_type() {
        assert!(attr_matches(r#"{"k": ["x"]}"#, &[("k", "String.custom", "x")]));
        assert!(attr_matches(r#"{"k": [{"numeric": [">", 1]}]}"#, &[("k", "Number.float", "1.5")]));
        assert!(!attr_matches(r#"{"k": ["1.5"]}"#, &[("k", "Number.float", "1.5")]));
    }

    #[test]
    fn prefix_suffix_and_equals_ignore_case() {
        let prefix = r#"{"k": [{"prefix": "bas"}]}"#;
        assert!(attr_matches(prefix, &[s("baseball")]));
        assert!(attr_matches(prefix, &[s("basketball")]));
        assert!(!attr_matches(prefix, &[s("rugby")]));
        assert!(!attr_matches(prefix, &[s("Baseball")]));
        let suffix = r#"{"k": [{"suffix": "ball"}]}"#;
        assert!(attr_matches(suffix, &[s("baseball")]));
        assert!(!attr_matches(suffix, &[s("rugby")]));
        let ignore_case = r#"{"k": [{"equals-ignore-case": "RuGbY"}]}"#;
        assert!(attr_matches(ignore_case, &[s("rugby")]));
        assert!(attr_matches(ignore_case, &[s("RUGBY")]));
        assert!(!attr_matches(ignore_case, &[s("rugby league")]));
        // String operators never meet numbers.
        assert!(!attr_matches(r#"{"k": [{"prefix": "1"}]}"#, &[n("123")]));
    }

    #[test]
    fn anything_but_strings() {
        let single = r#"{"k": [{"anything-but": "rugby"}]}"#;
        assert!(attr_matches(single, &[s("tennis")]));
        assert!(!attr_matches(single, &[s("rugby")]));
        let list = r#"{"k": [{"anything-but": ["rugby", "tennis"]}]}"#;
        assert!(attr_matches(list, &[s("baseball")]));
        assert!(attr_matches(list, &[s("football")]));
        assert!(!attr_matches(list, &[s("tennis")]));
        // Absent keys never satisfy anything-but.
        assert!(!attr_matches(list, &[]));
    }

    #[test]
    fn anything_but_on_arrays_needs_one_non_excluded_element() {
        let list = r#"{"k": [{"anything-but": ["rugby", "tennis"]}]}"#;
        assert!(attr_matches(list, &[arr(r#"["rugby", "baseball"]"#)]));
        assert!(!attr_matches(list, &[arr(r#"["rugby", "tennis"]"#)]));
        assert!(body_matches(list, r#"{"k": ["rugby", "baseball"]}"#));
        assert!(!body_matches(list, r#"{"k": ["rugby"]}"#));
    }

    #[test]
    fn anything_but_numbers() {
        let p = r#"{"price": [{"anything-but": [100, 500]}]}"#;
        assert!(attr_matches(p, &[("price", "Number", "101")]));
        assert!(attr_matches(p, &[("price", "Number", "100.1")]));
        assert!(!attr_matches(p, &[("price", "Number", "100")]));
        assert!(!attr_matches(p, &[("price", "Number", "1e2")]));
        assert!(attr_matches(p, &[("price", "Number.Array", "[100, 50]")]));
        assert!(!attr_matches(p, &[("price", "String", "101")]));
        let single = r#"{"price": [{"anything-but": 5}]}"#;
        assert!(attr_matches(single, &[("price", "Number", "6")]));
        assert!(!attr_matches(single, &[("price", "Number", "5.0")]));
    }

    #[test]
    fn anything_but_strings_accept_non_string_values() {
        // event-ruler's "match unless equal": a number is never one of the excluded strings.
        assert!(attr_matches(r#"{"k": [{"anything-but": "5"}]}"#, &[n("5")]));
        assert!(body_matches(r#"{"k": [{"anything-but": "x"}]}"#, r#"{"k": null}"#));
    }

    #[test]
    fn anything_but_prefix() {
        let p = r#"{"event": [{"anything-but": {"prefix": "order-"}}]}"#;
        assert!(attr_matches(p, &[("event", "String", "data-entry")]));
        assert!(attr_matches(p, &[("event", "String", "order_number")]));
        assert!(!attr_matches(p, &[("event", "String", "order-cancelled")]));
        assert!(!attr_matches(p, &[]));
    }

    #[test]
    fn exists_true_and_false() {
        let present = r#"{"store": [{"exists": true}]}"#;
        let absent = r#"{"store": [{"exists": false}]}"#;
        let with_store = [("store", "Number", "99"), ("def", "Number", "99")];
        let without_store = [("def", "Number", "99")];
        assert!(attr_matches(present, &with_store));
        assert!(!attr_matches(present, &without_store));
        assert!(!attr_matches(absent, &with_store));
        assert!(attr_matches(absent, &without_store));
        assert!(attr_matches(absent, &[]));
    }

    #[test]
    fn binary_attributes_exist_but_match_no_values() {
        let binary = [("k", "Binary", "")];
        assert!(attr_matches(r#"{"k": [{"exists": true}]}"#, &binary));
        assert!(!attr_matches(r#"{"k": [{"exists": false}]}"#, &binary));
        assert!(!attr_matches(r#"{"k": [""]}"#, &binary));
        assert!(!attr_matches(r#"{"k": [{"anything-but": "x"}]}"#, &binary));
        assert!(!attr_matches(r#"{"k": [{"prefix": ""}]}"#, &binary));
    }

    #[test]
    fn exists_false_combines_with_anything_but() {
        let p = r#"{"k": [{"exists": false}, {"anything-but": "blocked"}]}"#;
        assert!(attr_matches(p, &[]));
        assert!(attr_matches(p, &[s("fine")]));
        assert!(!attr_matches(p, &[s("blocked")]));
    }

    #[test]
    fn null_does_not_match_a_missing_attribute() {
        // Recorded against AWS: [null, anything-but] does not deliver a message without attr1.
        let p = r#"{"attr1": [null, {"anything-but": "whatever"}]}"#;
        assert!(!attr_matches(p, &[]));
        assert!(attr_matches(p, &[("attr1", "String", "other")]));
    }

    #[test]
    fn cidr_matches_ipv4_blocks() {
        let p = r#"{"source_ip": [{"cidr": "10.0.0.0/24"}]}"#;
        let ip = |v| [("source_ip", "String", v)];
        assert!(attr_matches(p, &ip("10.0.0.0")));
        assert!(attr_matches(p, &ip("10.0.0.255")));
        assert!(!attr_matches(p, &ip("10.1.1.0")));
        assert!(!attr_matches(p, &ip("10.0.1.0")));
        assert!(!attr_matches(p, &ip("not an ip")));
        assert!(!attr_matches(p, &ip("2001:db8::1")));
        assert!(!attr_matches(p, &[("source_ip", "Number", "10")]));
        // IPv4-mapped IPv6 spelling of an address in the block.
        assert!(attr_matches(p, &ip("::ffff:a00:7")));
    }

    #[test]
    fn cidr_matches_ipv6_blocks() {
        let p = r#"{"k": [{"cidr": "2001:db8::/32"}]}"#;
        assert!(attr_matches(p, &[s("2001:db8::1")]));
        assert!(attr_matches(p, &[s("2001:0DB8:ffff:ffff:ffff:ffff:ffff:ffff")]));
        assert!(!attr_matches(p, &[s("2001:db9::")]));
        assert!(!attr_matches(p, &[s("10.0.0.1")]));
        let zero = r#"{"k": [{"cidr": "::/0"}]}"#;
        assert!(attr_matches(zero, &[s("fe80::1")]));
    }

    #[test]
    fn cidr_range_starts_at_the_written_address() {
        // event-ruler does not clear host bits: 10.0.0.5/24 covers 10.0.0.5..=10.0.0.255.
        let p = r#"{"k": [{"cidr": "10.0.0.5/24"}]}"#;
        assert!(!attr_matches(p, &[s("10.0.0.4")]));
        assert!(attr_matches(p, &[s("10.0.0.5")]));
        assert!(attr_matches(p, &[s("10.0.0.200")]));
    }

    #[test]
    fn exact_ip_strings_match_other_spellings_of_the_address() {
        let p = r#"{"k": ["2001:db8::1"]}"#;
        assert!(attr_matches(p, &[s("2001:0db8:0:0:0:0:0:1")]));
        assert!(!attr_matches(p, &[s("2001:db8::2")]));
        assert!(attr_matches(r#"{"k": ["10.0.0.1"]}"#, &[s("10.0.0.1")]));
    }

    #[test]
    fn or_operator_over_attributes() {
        let p = r#"{"source": ["aws.cloudwatch"],
                    "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}]}"#;
        let src = ("source", "String", "aws.cloudwatch");
        assert!(attr_matches(p, &[src, ("metricName", "String", "CPUUtilization")]));
        assert!(attr_matches(p, &[src, ("namespace", "String", "AWS/EC2")]));
        assert!(!attr_matches(p, &[src, ("namespace", "String", "AWS/ES")]));
        assert!(!attr_matches(p, &[("namespace", "String", "AWS/EC2")]));
    }

    #[test]
    fn attribute_scope_ignores_the_body() {
        let p = policy(r#"{"k": ["v"]}"#, Scope::MessageAttributes);
        assert!(!p.matches(&|_: &str| None, r#"{"k": "v"}"#));
        assert!(p.matches(&lookup(&[s("v")]), "not json"));
    }

    // --- Body matching -----------------------------------------------------------------------

    #[test]
    fn nested_body_policy_matches_like_aws() {
        // LocalStack's AWS-recorded payload test.
        let p = r#"{"object": {"key": [{"prefix": "auto-"}, "hardcodedvalue"],
                               "nested_key": [{"exists": false}]},
                    "test": [{"exists": false}]}"#;
        assert!(body_matches(p, r#"{"object": {"key": "auto-test"}}"#));
        assert!(body_matches(p, r#"{"object": {"key": "hardcodedvalue"}}"#));
        for body in [
            r#"{"object": {"key": "test-auto"}}"#,
            r#"{"object": {"key": "auto-test"}, "test": "just-exists"}"#,
            r#"{"object": {"key": "auto-test", "nested_key": "just-exists"}}"#,
            r#"{"object": {"test": "auto-test"}}"#,
            r#"{"test": "auto-test"}"#,
        ] {
            assert!(!body_matches(p, body), "{body}");
        }
    }

    #[test]
    fn non_object_bodies_never_match() {
        let only_absence = r#"{"k": [{"exists": false}]}"#;
        assert!(body_matches(only_absence, "{}"));
        for body in ["Regular string message", r#""Regular string message""#, "[1]", "", "5"] {
            assert!(!body_matches(only_absence, body), "{body}");
        }
    }

    #[test]
    fn body_arrays_match_when_any_element_matches() {
        let p = r#"{"headers": {"route-to": ["queue1"]}}"#;
        assert!(body_matches(p, r#"{"headers": {"route-to": ["queue1"]}}"#));
        assert!(body_matches(p, r#"{"headers": {"route-to": ["queue1", "queue2"]}}"#));
        assert!(!body_matches(p, r#"{"headers": {"route-to": ["queue3"]}}"#));
        assert!(!body_matches(p, r#"{"headers": {"route-to": []}}"#));
    }

    #[test]
    fn body_arrays_of_objects_are_searched_at_any_depth() {
        let p = r#"{"Records": {"s3": {"object": {"key": [{"prefix": "auto-"}]}},
                                "eventName": [{"prefix": "ObjectCreated:"}]}}"#;
        let created = r#"{"Records": [{"eventName": "ObjectCreated:Put",
                          "s3": {"object": {"key": "auto-insurance-2314.xml", "size": 17}}}]}"#;
        let removed = r#"{"Records": [{"eventName": "ObjectRemoved:Delete",
                          "s3": {"object": {"key": "auto-insurance-2314.xml"}}}]}"#;
        let home = r#"{"Records": [{"eventName": "ObjectCreated:Put",
                       "s3": {"object": {"key": "home-insurance-2314.xml"}}}]}"#;
        let list_of_lists = r#"{"Records": [
            {"eventName": "ObjectCreated:Put", "s3": {"object": [[{"key": "auto-1.xml"}]]}},
            {"eventName": "ObjectRemoved:Delete", "s3": {"object": {"key": "home-1.xml"}}}]}"#;
        assert!(body_matches(p, created));
        assert!(!body_matches(p, removed));
        assert!(!body_matches(p, home));
        assert!(body_matches(p, list_of_lists));
    }

    #[test]
    fn dotted_keys_and_nesting_are_interchangeable() {
        let p = r#"{"object.nested": ["string.value"]}"#;
        assert!(body_matches(p, r#"{"object": {"nested": "string.value"}}"#));
        assert!(body_matches(p, r#"{"object.nested": "string.value"}"#));
        assert!(!body_matches(p, r#"{"object": {"nested": "test-auto"}}"#));
        let deep = r#"{"object.nested.test": ["string.value"]}"#;
        for body in [
            r#"{"object": {"nested": {"test": "string.value"}}}"#,
            r#"{"object.nested.test": "string.value"}"#,
            r#"{"object.nested": {"test": "string.value"}}"#,
            r#"{"object": {"nested.test": "string.value"}}"#,
        ] {
            assert!(body_matches(deep, body), "{body}");
        }
        let nested_policy = r#"{"object": {"nested.test": ["string.value"]}}"#;
        assert!(body_matches(nested_policy, r#"{"object": {"nested": {"test": "string.value"}}}"#));
    }

    #[test]
    fn body_literals_keep_their_types() {
        assert!(body_matches(r#"{"k": [null]}"#, r#"{"k": null}"#));
        assert!(!body_matches(r#"{"k": [null]}"#, r#"{}"#));
        assert!(!body_matches(r#"{"k": [null]}"#, r#"{"k": "null"}"#));
        assert!(body_matches(r#"{"k": [true]}"#, r#"{"k": true}"#));
        assert!(!body_matches(r#"{"k": [true]}"#, r#"{"k": "true"}"#));
        assert!(body_matches(r#"{"k": [5]}"#, r#"{"k": 5.0}"#));
        assert!(!body_matches(r#"{"k": [5]}"#, r#"{"k": "5"}"#));
        assert!(body_matches(r#"{"k": ["5"]}"#, r#"{"k": "5"}"#));
    }

    #[test]
    fn body_numeric_ranges() {
        let p = r#"{"order": {"price_usd": [{"numeric": [">=", 100, "<", 200]}]}}"#;
        assert!(body_matches(p, r#"{"order": {"price_usd": 150}}"#));
        assert!(body_matches(p, r#"{"order": {"price_usd": 1e2}}"#));
        assert!(!body_matches(p, r#"{"order": {"price_usd": 200}}"#));
        assert!(!body_matches(p, r#"{"order": {"price_usd": "150"}}"#));
        assert!(body_matches(p, r#"{"order": {"price_usd": [50, 150]}}"#));
    }

    #[test]
    fn exists_only_sees_leaves() {
        let absent = r#"{"detail": {"c-count": [{"exists": false}]}}"#;
        let present = r#"{"detail": {"c-count": [{"exists": true}]}}"#;
        let object_valued = r#"{"detail": {"c-count": {"c1": 100}}}"#;
        assert!(body_matches(absent, object_valued));
        assert!(!body_matches(present, object_valued));
        assert!(body_matches(present, r#"{"detail": {"c-count": null}}"#));
        assert!(body_matches(present, r#"{"detail": {"c-count": [1]}}"#));
        assert!(body_matches(absent, r#"{"detail": {"c-count": []}}"#));
        assert!(body_matches(absent, r#"{"detail": "flat"}"#));
    }

    #[test]
    fn or_operator_in_body_at_two_levels() {
        // The nested $or policy from LocalStack's payload tests (AND of two ORs).
        let p = r#"{"$or": [{"metricName": ["CPUUtilization", "ReadLatency"]},
                            {"namespace": ["AWS/EC2", "AWS/ES"]}],
                    "detail": {"scope": ["Service"],
                               "$or": [{"source": ["aws.cloudwatch"]},
                                       {"type": ["CloudWatch Alarm State Change"]}]}}"#;
        let rejected = [
            r#"{"metricName": "CPUUtilization", "detail": {"scope": "aws.cloudwatch", "type": "CloudWatch Alarm State Change"}}"#,
            r#"{"metricName": "CPUUtilization", "detail": {"scope": "Service", "type": "CPUUtilization"}}"#,
            r#"{"metricName": "CPUUtilization", "detail": {"type": "CloudWatch Alarm State Change"}}"#,
            r#"{"metricName": "CPUUtilization", "detail": {"scope": "Service"}}"#,
            r#"{"metricName": "CPUUtilization", "scope": "Service"}"#,
        ];
        let delivered = [
            r#"{"metricName": "CPUUtilization", "detail": {"scope": "Service", "source": "aws.cloudwatch"}}"#,
            r#"{"metricName": "ReadLatency", "detail": {"scope": "Service", "source": "aws.cloudwatch"}}"#,
            r#"{"namespace": "AWS/EC2", "detail": {"scope": "Service", "source": "aws.cloudwatch"}}"#,
            r#"{"namespace": "AWS/ES", "detail": {"scope": "Service", "source": "aws.cloudwatch"}}"#,
            r#"{"metricName": "CPUUtilization", "detail": {"scope": "Service", "type": "CloudWatch Alarm State Change"}}"#,
            r#"{"metricName": "CPUUtilization", "namespace": "AWS/EC2", "detail": {"scope": "Service", "type": "CloudWatch Alarm State Change"}}"#,
            r#"{"namespace": "AWS/ES", "metricName": "x", "detail": {"scope": "Service", "source": "aws.cloudwatch"}}"#,
        ];
        for body in rejected {
            assert!(!body_matches(p, body), "{body}");
        }
        for body in delivered {
            assert!(body_matches(p, body), "{body}");
        }
    }

    #[test]
    fn body_scope_ignores_attributes() {
        let p = policy(r#"{"k": ["v"]}"#, Scope::MessageBody);
        assert!(!p.matches(&lookup(&[s("v")]), r#"{"other": 1}"#));
        assert!(p.matches(&|_: &str| None, r#"{"k": "v"}"#));
    }

    #[test]
    fn body_cidr_and_string_operators() {
        let p = r#"{"client": {"ip": [{"cidr": "192.168.0.0/16"}],
                               "agent": [{"suffix": "bot"}]}}"#;
        assert!(body_matches(p, r#"{"client": {"ip": "192.168.4.20", "agent": "crawlerbot"}}"#));
        assert!(!body_matches(p, r#"{"client": {"ip": "192.169.0.1", "agent": "crawlerbot"}}"#));
        assert!(!body_matches(p, r#"{"client": {"ip": "192.168.4.20", "agent": "human"}}"#));
    }
}
