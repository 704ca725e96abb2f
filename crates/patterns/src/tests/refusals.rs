//! Refusals: the messages (and positions) EventBridge answers, recorded against AWS where noted.

use super::{pattern, refusal};
use crate::Pattern;

/// The text after `Reason: ` for a refusal at `column` of a one-line pattern.
fn at(pattern: &str, reason: &str, column: usize) -> String {
    format!("{reason}\n at [Source: (String)\"{pattern}\"; line: 1, column: {column}]")
}

/// The same, with the position twice (event-ruler re-throws errors raised inside anything-but lists).
fn twice(pattern: &str, reason: &str, column: usize) -> String {
    let location = format!("\n at [Source: (String)\"{pattern}\"; line: 1, column: {column}]");
    format!("{reason}{location}{location}")
}

/// Refusals AWS returned for these exact patterns (LocalStack's snapshot recordings, 2024).
#[test]
fn refusals_recorded_against_aws() {
    let cases: &[(&str, String)] = &[
        (r#"{"int": 42}"#, at(r#"{"int": 42}"#, r#""int" must be an object or an array"#, 11)),
        (r#"{"string": "my-value"}"#, at(r#"{"string": "my-value"}"#, r#""string" must be an object or an array"#, 13)),
        (r#"{"resources": []}"#, at(r#"{"resources": []}"#, "Empty arrays are not allowed", 17)),
        (
            r#"{"detail": {"equal": [{"NUMERIC": ["=", 5]}]}}"#,
            at(r#"{"detail": {"equal": [{"NUMERIC": ["=", 5]}]}}"#, "Unrecognized match type NUMERIC", 36),
        ),
        (r#"{"my_key": [{"EXISTS": true}]}"#, at(r#"{"my_key": [{"EXISTS": true}]}"#, "Unrecognized match type EXISTS", 28)),
        (
            r#"{"detail": {"c-count": [{"numeric": [">", 0, ">", 0]}]}}"#,
            at(r#"{"detail": {"c-count": [{"numeric": [">", 0, ">", 0]}]}}"#, "Bad numeric range operator: >", 49),
        ),
        (
            r#"{"detail": {"c-count": [{"numeric": [">", 0, "<"]}]}}"#,
            at(r#"{"detail": {"c-count": [{"numeric": [">", 0, "<"]}]}}"#, "Value of < must be numeric", 50),
        ),
        (
            r#"{"EventBusArn": [{"wildcard": "*:*:*:*:*:event-bus/*"}]}"#,
            "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character".into(),
        ),
        (
            r#"{"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:**:event-bus/*"}]}"#,
            at(
                r#"{"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:**:event-bus/*"}]}"#,
                "Consecutive wildcard characters at pos 26",
                72,
            ),
        ),
        (
            r#"{"detail-type": [{"equals-ignore-case": ["ec2 instance state-change notification"]}]}"#,
            at(
                r#"{"detail-type": [{"equals-ignore-case": ["ec2 instance state-change notification"]}]}"#,
                "equals-ignore-case match pattern must be a string",
                42,
            ),
        ),
        (
            r#"{"detail-type": [{"equals-ignore-case": {"prefix": "ec2"}}]}"#,
            at(
                r#"{"detail-type": [{"equals-ignore-case": {"prefix": "ec2"}}]}"#,
                "equals-ignore-case match pattern must be a string",
                42,
            ),
        ),
        (
            r#"{"detail": {"state": [{"anything-but": {"equals-ignore-case": 123}}]}}"#,
            at(
                r#"{"detail": {"state": [{"anything-but": {"equals-ignore-case": 123}}]}}"#,
                "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.",
                66,
            ),
        ),
        (
            r#"{"detail": {"state": [{"anything-but": {"equals-ignore-case": [123, 456]}}]}}"#,
            twice(
                r#"{"detail": {"state": [{"anything-but": {"equals-ignore-case": [123, 456]}}]}}"#,
                "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.",
                67,
            ),
        ),
        (
            "this is valid json but not a dict",
            at(
                "this is valid json but not a dict",
                "Unrecognized token 'this': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
                5,
            ),
        ),
        (
            "{'bad': 'quotation'}",
            at(
                "{'bad': 'quotation'}",
                "Unexpected character (''' (code 39)): was expecting double-quote to start field name",
                2,
            ),
        ),
        (
            r#"{"not": closed mark""#,
            at(
                r#"{"not": closed mark""#,
                "Unrecognized token 'closed': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
                15,
            ),
        ),
        (
            r#"["not", "a", "dict", "but valid json"]"#,
            at(r#"["not", "a", "dict", "but valid json"]"#, "Filter is not an object", 2),
        ),
        (
            r#"{"EventBusArn": [{"wildcard": 123}]}"#,
            at(r#"{"EventBusArn": [{"wildcard": 123}]}"#, "wildcard match pattern must be a string", 34),
        ),
        (
            r#"{"EventBusArn": [{"wildcard": ["arn:aws:events:us-east-1:**:event-bus/*"]}]}"#,
            at(
                r#"{"EventBusArn": [{"wildcard": ["arn:aws:events:us-east-1:**:event-bus/*"]}]}"#,
                "wildcard match pattern must be a string",
                32,
            ),
        ),
        (
            r#"{"detail": {"state": [{"anything-but": {"wildcard": [123, "*/dir/*"]}}]}}"#,
            twice(
                r#"{"detail": {"state": [{"anything-but": {"wildcard": [123, "*/dir/*"]}}]}}"#,
                "wildcard match pattern must be a string",
                57,
            ),
        ),
        (
            r#"{"detail": {"FilePath": [{"anything-but": {"wildcard": 123}}]}}"#,
            at(
                r#"{"detail": {"FilePath": [{"anything-but": {"wildcard": 123}}]}}"#,
                "wildcard match pattern must be a string",
                59,
            ),
        ),
        (
            r#"{"detail": {"FileName": [{"anything-but": {"suffix": [123, ".txt"]}}]}}"#,
            twice(
                r#"{"detail": {"FileName": [{"anything-but": {"suffix": [123, ".txt"]}}]}}"#,
                "prefix/suffix match pattern must be a string",
                58,
            ),
        ),
        (
            r#"{"detail": {"FileName": [{"anything-but": {"suffix": 123}}]}}"#,
            at(
                r#"{"detail": {"FileName": [{"anything-but": {"suffix": 123}}]}}"#,
                "prefix/suffix match pattern must be a string",
                57,
            ),
        ),
        (
            r#"{"detail": {"state": [{"anything-but": {"prefix": [123, "test"]}}]}}"#,
            twice(
                r#"{"detail": {"state": [{"anything-but": {"prefix": [123, "test"]}}]}}"#,
                "prefix/suffix match pattern must be a string",
                55,
            ),
        ),
        (
            r#"{"detail": {"state": [{"anything-but": {"prefix": 123}}]}}"#,
            at(
                r#"{"detail": {"state": [{"anything-but": {"prefix": 123}}]}}"#,
                "prefix/suffix match pattern must be a string",
                54,
            ),
        ),
        (
            r#"{"time": [{"prefix": ["2022-07-13"]}]}"#,
            at(r#"{"time": [{"prefix": ["2022-07-13"]}]}"#, "prefix match pattern must be a string", 23),
        ),
        (r#"{"time": [{"prefix": 123}]}"#, at(r#"{"time": [{"prefix": 123}]}"#, "prefix match pattern must be a string", 25)),
        (r#"{"FileName": [{"suffix": 123}]}"#, at(r#"{"FileName": [{"suffix": 123}]}"#, "suffix match pattern must be a string", 29)),
        (
            r#"{"FileName": [{"suffix": [".png"]}]}"#,
            at(r#"{"FileName": [{"suffix": [".png"]}]}"#, "suffix match pattern must be a string", 27),
        ),
        (
            r#"{"detail": {"FileName": [{"anything-but": {"prefix": {"equals-ignore-case": "file"}}}]}}"#,
            at(
                r#"{"detail": {"FileName": [{"anything-but": {"prefix": {"equals-ignore-case": "file"}}}]}}"#,
                "Value of anything-but must be an array or single string/number value.",
                55,
            ),
        ),
        (
            r#"{"detail": {"FileName": [{"anything-but": {"suffix": {"equals-ignore-case": ".png"}}}]}}"#,
            at(
                r#"{"detail": {"FileName": [{"anything-but": {"suffix": {"equals-ignore-case": ".png"}}}]}}"#,
                "Value of anything-but must be an array or single string/number value.",
                55,
            ),
        ),
        (
            r#"{"detail": {"sourceIPAddress": [{"cidr": ["bad-type"]}]}}"#,
            at(
                r#"{"detail": {"sourceIPAddress": [{"cidr": ["bad-type"]}]}}"#,
                "prefix match pattern must be a string",
                43,
            ),
        ),
        (r#"{"detail": {"ip": [{"cidr": "bad-filter"}]}}"#, "Malformed CIDR, one '/' required".into()),
        (r#"{"detail": {"ip": [{"cidr": "10.0.0.0/xx"}]}}"#, "Malformed CIDR, mask bits must be an integer".into()),
        (r#"{"detail": {"ip": [{"cidr": "xx.11.xx/12"}]}}"#, "Nonstandard IP address: xx.11.xx".into()),
        (
            r#"{"detail": {"ip": [{"cidr": "xxxx:db8:1234:1a00::/64"}]}}"#,
            "Nonstandard IP address: xxxx:db8:1234:1a00::".into(),
        ),
    ];
    for (text, expected) in cases {
        let (_, detail) = refusal(text);
        assert_eq!(&detail, expected, "pattern {text}");
    }
}

#[test]
fn message_wraps_the_reason_like_the_exception() {
    let err = Pattern::parse(r#"{"source": "aws.ec2"}"#).expect_err("a bare value is refused");
    assert_eq!(err.reason(), r#""source" must be an object or an array"#);
    assert_eq!(
        err.message(),
        "Event pattern is not valid. Reason: \"source\" must be an object or an array\n at [Source: (String)\"{\"source\": \"aws.ec2\"}\"; line: 1, column: 13]"
    );
}

/// event-ruler's messages for malformed documents and leaves (reason only).
#[test]
fn structure_refusals() {
    let cases = [
        ("{}", "Empty objects are not allowed"),
        (r#"{"a": {}}"#, "Empty objects are not allowed"),
        ("[]", "Filter is not an object"),
        ("5", "Filter is not an object"),
        (r#""text""#, "Filter is not an object"),
        ("null", "Filter is not an object"),
        ("", "Filter is not an object"),
        ("   ", "Filter is not an object"),
        (r#"{"a": true}"#, r#""a" must be an object or an array"#),
        (r#"{"a": null}"#, r#""a" must be an object or an array"#),
        (r#"{"a": [["x"]]}"#, "Match value must be String, number, true, false, or null"),
        (r#"{"a": [{}]}"#, "Match expression name not found"),
        (r#"{"a": [{"prefix": "x", "suffix": "y"}]}"#, "Only one key allowed in match expression"),
        (r#"{"a": [{"regex": "x"}]}"#, "Unrecognized match type regex"),
        (r#"{"a": [{"exactly": 5}]}"#, "exact match pattern must be a string"),
    ];
    for (text, expected) in cases {
        assert_eq!(refusal(text).0, expected, "pattern {text}");
    }
}

#[test]
fn operand_refusals() {
    let cases = [
        (r#"{"a": [{"prefix": null}]}"#, "prefix match pattern must be a string"),
        (r#"{"a": [{"prefix": {}}]}"#, "Prefix expression name not found"),
        (r#"{"a": [{"prefix": {"wildcard": "x"}}]}"#, "Unsupported prefix pattern: wildcard"),
        (r#"{"a": [{"suffix": {"prefix": "x"}}]}"#, "Unsupported suffix pattern: prefix"),
        (r#"{"a": [{"suffix": {}}]}"#, "Suffix expression name not found"),
        (r#"{"a": [{"prefix": {"equals-ignore-case": 5}}]}"#, "equals-ignore-case match pattern must be a string"),
        (r#"{"a": [{"prefix": {"equals-ignore-case": "x", "b": 1}}]}"#, "Only one key allowed in match expression"),
        (r#"{"a": [{"exists": "yes"}]}"#, "exists match pattern must be either true or false."),
        (r#"{"a": [{"exists": true, "b": 1}]}"#, "Only one key allowed in match expression"),
        (r#"{"a": [{"cidr": 10}]}"#, "prefix match pattern must be a string"),
        (r#"{"a": [{"cidr": "10.0.0.0/32"}]}"#, "IPv4 mask bits must be < 32"),
        (r#"{"a": [{"cidr": "::/128"}]}"#, "IPv6 mask bits must be < 128"),
        (r#"{"a": [{"cidr": "10.0.0.0/-1"}]}"#, "Malformed CIDR, mask bits must not be negative"),
        (r#"{"a": [{"cidr": "10.0.0.300/8"}]}"#, "Invalid IP address: 10.0.0.300"),
        (r#"{"a": [{"wildcard": "a\\b"}]}"#, "Invalid escape character at pos 2"),
        (r#"{"a": [{"wildcard": "ab\\"}]}"#, "Invalid escape character at pos 3"),
        (r#"{"a": [{"wildcard": "**"}]}"#, "Consecutive wildcard characters at pos 1"),
    ];
    for (text, expected) in cases {
        assert_eq!(refusal(text).0, expected, "pattern {text}");
    }
}

#[test]
fn anything_but_refusals() {
    let cases = [
        (r#"{"a": [{"anything-but": null}]}"#, "Value of anything-but must be an array or single string/number value."),
        (r#"{"a": [{"anything-but": true}]}"#, "Value of anything-but must be an array or single string/number value."),
        (r#"{"a": [{"anything-but": {}}]}"#, "Anything-But expression name not found"),
        (r#"{"a": [{"anything-but": {"exists": false}}]}"#, "Unsupported anything-but pattern: exists"),
        (r#"{"a": [{"anything-but": {"prefix": ""}}]}"#, "Null prefix/suffix not allowed"),
        (r#"{"a": [{"anything-but": {"suffix": ["x", ""]}}]}"#, "Null prefix/suffix not allowed"),
        (
            r#"{"a": [{"anything-but": ["a", 1]}]}"#,
            "Inside anything but list, either all values are number or string, mixed type is not supported",
        ),
        (
            r#"{"a": [{"anything-but": []}]}"#,
            "Inside anything but list, either all values are number or string, mixed type is not supported",
        ),
        (r#"{"a": [{"anything-but": ["a", null]}]}"#, "Inside anything but list, start|null|boolean is not supported."),
        (r#"{"a": [{"anything-but": [6e9]}]}"#, "Value must be between -5.0E9 and 5.0E9, inclusive"),
        (r#"{"a": [{"anything-but": 6e9}]}"#, "Value must be between -5.0E9 and 5.0E9, inclusive"),
        (r#"{"a": [{"anything-but": "x", "b": 1}]}"#, "Too many elements in numeric expression"),
        (r#"{"a": [{"anything-but": {"prefix": "x", "b": 1}}]}"#, "Too many elements in numeric expression"),
        (r#"{"a": [{"anything-but": {"wildcard": "a**"}}]}"#, "Consecutive wildcard characters at pos 2"),
    ];
    for (text, expected) in cases {
        assert_eq!(refusal(text).0, expected, "pattern {text}");
    }
    // A single out-of-range number is refused outside the parser: no position.
    assert_eq!(refusal(r#"{"a": [{"anything-but": 6e9}]}"#).1, "Value must be between -5.0E9 and 5.0E9, inclusive");
}

#[test]
fn numeric_refusals() {
    let cases = [
        ("5", "Value of numeric must be an array."),
        ("[]", "Invalid member in numeric match: ]"),
        ("[1, \"<\"]", "Invalid member in numeric match: 1"),
        ("[\"operator\"]", "Unrecognized numeric range operator: operator"),
        ("[\"!=\", 1]", "Unrecognized numeric range operator: !="),
        ("[\"=\", \"000\"]", "Value of equals must be numeric"),
        ("[\">=\"]", "Value of >= must be numeric"),
        ("[\"<\", 100, \">\", 10]", "Too many elements in numeric expression"),
        ("[\"=\", 1, 2]", "Too many elements in numeric expression"),
        ("[\">=\", 1, \">\", 2]", "Bad numeric range operator: >"),
        ("[\">\", 3, \"<\", 1]", "Bottom must be less than top"),
        ("[\">\", 3, \"<=\", 3]", "Bottom must be less than top"),
        ("[\">\", 20, 30]", "Bad value in numeric range: 30"),
        ("[\">\", 20, \"<\", 30, \"<\", 50]", "Too many terms in numeric range expression"),
        ("[\"=\", 6e9]", "Value must be between -5.0E9 and 5.0E9, inclusive"),
        ("[\"<=\", 6e9]", "Value must be between -5.0E9 and 5.0E9, inclusive"),
        ("[\">=\", -6e9]", "Value must be between -5.0E9 and 5.0E9, inclusive"),
        // event-ruler builds `> x` as the range (x, 5e9]: ordering is checked before the range.
        ("[\">\", 6e9]", "Bottom must be less than top"),
        ("[\">=\", 5e9]", "Bottom must be less than top"),
        ("[\"<\", -5e9]", "Bottom must be less than top"),
        ("[\">\", 1, \"<\", 6e9]", "Value must be between -5.0E9 and 5.0E9, inclusive"),
    ];
    for (operand, expected) in cases {
        let text = format!(r#"{{"a": [{{"numeric": {operand}}}]}}"#);
        assert_eq!(refusal(&text).0, expected, "operand {operand}");
    }
    // Range errors are raised once the operand array is read: the position is after its `]`.
    let text = r#"{"a": [{"numeric": ["<=", 6e9]}]}"#;
    assert_eq!(refusal(text).1, at(text, "Value must be between -5.0E9 and 5.0E9, inclusive", 31));
    pattern(r#"{"a": [{"numeric": [">=", -5e9, "<=", 5e9]}]}"#);
}

#[test]
fn or_refusals() {
    let cases = [
        (r#"{"$or": {"a": ["x"]}}"#, "It must be an Array followed with $or."),
        (r#"{"$or": "a"}"#, "It must be an Array followed with $or."),
        (r#"{"$or": [{"a": ["x"]}]}"#, "There must have at least 2 Objects in $or relationship."),
        (r#"{"$or": []}"#, "There must have at least 2 Objects in $or relationship."),
        (r#"{"$or": [{"a": ["x"]}, "b"]}"#, "Only JSON object is allowed in array of $or relationship."),
        (
            r#"{"$or": [{"numeric": ["x"]}, {"b": ["y"]}]}"#,
            "numeric is Ruler reserved fieldName which cannot be used inside $or.",
        ),
        (
            r#"{"$or": [{"a": {"prefix": ["x"]}}, {"b": ["y"]}]}"#,
            "prefix is Ruler reserved fieldName which cannot be used inside $or.",
        ),
        (r#"{"$or": [{"a": ["x"]}, {}]}"#, "Empty objects are not allowed"),
    ];
    for (text, expected) in cases {
        assert_eq!(refusal(text).0, expected, "pattern {text}");
    }
    // Outside `$or` operator names are ordinary field names.
    pattern(r#"{"prefix": ["x"], "detail": {"numeric": [1]}}"#);
}

#[test]
fn json_syntax_refusals_follow_jackson() {
    let cases = [
        (
            "{",
            "Unexpected end-of-input: expected close marker for Object (start marker at [Source: (String)\"{\"; line: 1, column: 1])\n at [Source: (String)\"{\"; line: 1, column: 2]",
        ),
        (
            "{\"a\": [\"x\",]}",
            "Unexpected character (']' (code 93)): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: (String)\"{\"a\": [\"x\",]}\"; line: 1, column: 12]",
        ),
        (
            "{\"a\": [\"x\"] \"b\": [1]}",
            "Unexpected character ('\"' (code 34)): was expecting comma to separate Object entries\n at [Source: (String)\"{\"a\": [\"x\"] \"b\": [1]}\"; line: 1, column: 13]",
        ),
        (
            "{\"a\" [\"x\"]}",
            "Unexpected character ('[' (code 91)): was expecting a colon to separate field name and value\n at [Source: (String)\"{\"a\" [\"x\"]}\"; line: 1, column: 6]",
        ),
        (
            "{\"a\": [tru]}",
            "Unrecognized token 'tru': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: (String)\"{\"a\": [tru]}\"; line: 1, column: 11]",
        ),
        (
            "{\"a\": [01]}",
            "Invalid numeric value: Leading zeroes not allowed\n at [Source: (String)\"{\"a\": [01]}\"; line: 1, column: 9]",
        ),
        (
            "{\"a\": [\"x\"]]",
            "Unexpected close marker ']': expected '}' (for Object starting at [Source: (String)\"{\"a\": [\"x\"]]\"; line: 1, column: 1])\n at [Source: (String)\"{\"a\": [\"x\"]]\"; line: 1, column: 13]",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(refusal(text).1, expected, "pattern {text}");
    }
    let reasons = [
        ("{\"a\": [\"x\\q\"]}", "Unrecognized character escape 'q' (code 113)"),
        (
            "{\"a\": [\"x\ny\"]}",
            "Illegal unquoted character ((CTRL-CHAR, code 10)): has to be escaped using backslash to be included in string value",
        ),
        ("{\"a\": [\"x", "Unexpected end-of-input: was expecting closing quote for a string value"),
        ("{\"a", "Unexpected end-of-input in field name"),
        (
            "{\"a\": [-x]}",
            "Unexpected character ('x' (code 120)) in numeric value: expected digit (0-9) to follow minus sign, for valid numeric value",
        ),
        (
            "{\"a\": [1.]}",
            "Unexpected character (']' (code 93)) in numeric value: Decimal point not followed by a digit",
        ),
        ("{\"a\": [NaN]}", "Non-standard token 'NaN': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow"),
        (
            "{\"a\": [1], // note\n}",
            "Unexpected character ('/' (code 47)): maybe a (non-standard) comment? (not recognized as one since Feature 'ALLOW_COMMENTS' not enabled for parser)",
        ),
        ("{\"a\":", "Unexpected end-of-input within/between Object entries"),
    ];
    for (text, expected) in reasons {
        assert_eq!(refusal(text).0, expected, "pattern {text:?}");
    }
}

#[test]
fn positions_count_lines_and_utf16_columns() {
    let text = "{\n  \"source\": \"x\"\n}";
    assert_eq!(
        refusal(text).1,
        format!("\"source\" must be an object or an array\n at [Source: (String)\"{text}\"; line: 2, column: 14]")
    );
    // A character outside the BMP counts two columns, as in Java.
    let text = "{\"😀\": 1}";
    assert_eq!(refusal(text).1, at(text, "\"😀\" must be an object or an array", 9));
}

#[test]
fn long_patterns_are_cut_in_the_source_snippet() {
    let values: Vec<String> = (0..100).map(|i| format!("\"value-{i:03}\"")).collect();
    let text = format!(r#"{{"a": [{}], "b": 1}}"#, values.join(", "));
    let total = text.encode_utf16().count();
    let (_, detail) = refusal(&text);
    let expected_snippet = format!("(String)\"{}\"[truncated {} chars]", &text[..500], total - 500);
    assert!(detail.contains(&expected_snippet), "{detail}");
    assert!(detail.starts_with("\"b\" must be an object or an array\n at [Source: "));
}

#[test]
fn nesting_deeper_than_jackson_allows_is_refused() {
    // Run on a thread with a small stack, as servers do: compiling recurses once per level.
    let result = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(|| {
            let deep = format!("{}[1]{}", "{\"a\": ".repeat(999), "}".repeat(999));
            let deeper = format!("{}[1]{}", "{\"a\": ".repeat(1000), "}".repeat(1000));
            (Pattern::parse(&deep).is_ok(), Pattern::parse(&deeper).map_err(|e| e.to_string()))
        })
        .expect("thread starts")
        .join()
        .expect("no stack overflow");
    assert!(result.0, "999 levels of objects plus the array are within Jackson's 1000");
    assert_eq!(
        result.1.expect_err("1001 levels are refused"),
        "Document nesting depth (1001) exceeds the maximum allowed (1000, from `StreamReadConstraints.getMaxNestingDepth()`)"
    );
}

#[test]
fn or_expansion_is_capped() {
    // Ten parallel two-way `$or`s expand into 1024 branches, past Squall's cap of 1000.
    let group = |i: usize| format!(r#""k{i}": {{"$or": [{{"a": ["1"]}}, {{"b": ["2"]}}]}}"#);
    let nine: Vec<String> = (0..9).map(group).collect();
    pattern(&format!("{{{}}}", nine.join(", ")));
    let ten: Vec<String> = (0..10).map(group).collect();
    assert_eq!(
        refusal(&format!("{{{}}}", ten.join(", "))).1,
        "Event pattern is too complex: its $or combinations exceed 1000"
    );
}
