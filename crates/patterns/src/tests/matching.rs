//! Matching: the User Guide's and event-ruler's examples, one table per operator, each with
//! matching and non-matching events.

use serde_json::{Value, json};

use super::{event_with, pattern};

/// Checks `pattern_text` against each (detail, expected) pair, the detail inside a full event.
fn check_details(pattern_text: &str, cases: &[(Value, bool)]) {
    let p = pattern(pattern_text);
    for (detail, expected) in cases {
        assert_eq!(p.matches(&event_with(detail.clone())), *expected, "pattern {pattern_text}, detail {detail}");
    }
}

/// Checks `pattern_text` against whole events.
fn check_events(pattern_text: &str, cases: &[(Value, bool)]) {
    let p = pattern(pattern_text);
    for (event, expected) in cases {
        assert_eq!(p.matches(event), *expected, "pattern {pattern_text}, event {event}");
    }
}

#[test]
fn guide_ec2_termination_example() {
    let p = r#"{"source": ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"],
                "detail": {"state": ["terminated"]}}"#;
    check_details(
        p,
        &[
            (json!({"instance-id": "i-1234567890abcdef0", "state": "terminated"}), true),
            (json!({"instance-id": "i-1234567890abcdef0", "state": "running"}), false),
            (json!({"instance-id": "i-1234567890abcdef0"}), false),
        ],
    );
    let mut other_source = event_with(json!({"state": "terminated"}));
    other_source["source"] = json!("aws.fargate");
    assert!(!pattern(p).matches(&other_source));
    // Several values are ORed.
    let either = pattern(r#"{"source": ["aws.ec2", "aws.fargate"]}"#);
    assert!(either.matches(&other_source));
}

#[test]
fn literals_are_typed_and_numbers_compare_numerically() {
    check_details(
        r#"{"detail": {"v": [300]}}"#,
        &[
            (json!({"v": 300}), true),
            // Recorded against AWS: 300 matches 300.0 (an old guide sentence says otherwise).
            (json!({"v": 300.0}), true),
            (json!({"v": 3.0e2}), true),
            (json!({"v": "300"}), false),
            (json!({"v": 301}), false),
        ],
    );
    check_details(r#"{"detail": {"v": ["300"]}}"#, &[(json!({"v": "300"}), true), (json!({"v": 300}), false)]);
    check_details(r#"{"detail": {"v": [true]}}"#, &[(json!({"v": true}), true), (json!({"v": "true"}), false)]);
    // Integers beyond the numeric range (account numbers) still match exactly.
    check_details(
        r#"{"detail": {"account": [123456789012]}}"#,
        &[
            (json!({"account": 123456789012u64}), true),
            (json!({"account": 123456789013u64}), false),
            (json!({"account": "123456789012"}), false),
        ],
    );
}

#[test]
fn null_and_empty_values() {
    // The guide's "null values and empty strings" examples.
    check_details(
        r#"{"detail": {"responseElements": [null]}}"#,
        &[
            (json!({"eventVersion": "", "responseElements": null}), true),
            (json!({"eventVersion": ""}), false),
            (json!({"responseElements": "null"}), false),
        ],
    );
    check_details(
        r#"{"detail": {"eventVersion": [""]}}"#,
        &[
            (json!({"eventVersion": "", "responseElements": null}), true),
            (json!({"eventVersion": "1"}), false),
            (json!({"eventVersion": null}), false),
        ],
    );
}

#[test]
fn prefix() {
    check_events(
        r#"{"time": [{"prefix": "2017-10-02"}]}"#,
        &[
            (json!({"time": "2017-10-02T18:43:48Z"}), true),
            (json!({"time": "2017-10-03T18:43:48Z"}), false),
            (json!({"time": 20171002}), false),
            (json!({}), false),
        ],
    );
    check_details(
        r#"{"detail": {"service": [{"prefix": {"equals-ignore-case": "EventB"}}]}}"#,
        &[
            (json!({"service": "EventBridge"}), true),
            (json!({"service": "eventbridge"}), true),
            (json!({"service": "EVENTB"}), true),
            (json!({"service": "Event"}), false),
            (json!({"service": "AnEventBridge"}), false),
        ],
    );
}

#[test]
fn suffix() {
    check_details(
        r#"{"detail": {"FileName": [{"suffix": ".png"}]}}"#,
        &[
            (json!({"FileName": "image.png"}), true),
            (json!({"FileName": "image.PNG"}), false),
            (json!({"FileName": "image.png.txt"}), false),
        ],
    );
    check_details(
        r#"{"detail": {"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}}"#,
        &[
            (json!({"FileName": "image.PNG"}), true),
            (json!({"FileName": "image.Png"}), true),
            (json!({"FileName": "image.jpg"}), false),
        ],
    );
}

#[test]
fn equals_ignore_case() {
    check_details(
        r#"{"detail": {"Name": [{"equals-ignore-case": "alice"}]}}"#,
        &[
            (json!({"Name": "Alice"}), true),
            (json!({"Name": "ALICE"}), true),
            (json!({"Name": "Alicia"}), false),
            (json!({"Name": ["Bob", "aLiCe"]}), true),
        ],
    );
    // Case folding beyond ASCII.
    check_details(r#"{"detail": {"city": [{"equals-ignore-case": "ÉCOLE"}]}}"#, &[(json!({"city": "école"}), true)]);
}

#[test]
fn wildcard() {
    check_events(
        r#"{"source": [{"wildcard": "Simple*Service"}]}"#,
        &[
            (json!({"source": "SimpleService"}), true),
            (json!({"source": "Simple Notification Service"}), true),
            (json!({"source": "SimpleServices"}), false),
        ],
    );
    check_details(
        r#"{"detail": {"FilePath": [{"wildcard": "dir/*.png"}]}}"#,
        &[
            (json!({"FilePath": "dir/image.png"}), true),
            (json!({"FilePath": "dir/sub/image.png"}), true),
            (json!({"FilePath": "other/image.png"}), false),
        ],
    );
    // Recorded against AWS: a repeating sequence after the wildcard is accepted and matches.
    check_details(
        r#"{"detail": {"FileName": [{"wildcard": "/Users/*/dir/dir/dir/dir/dir/doc.txt"}]}}"#,
        &[
            (json!({"FileName": "/Users/ls_user/dir/dir/dir/dir/dir/doc.txt"}), true),
            (json!({"FileName": "/Users/ls_user/dir/dir/dir/dir/doc.txt"}), false),
        ],
    );
    // `\*` is a literal star, `\\` a backslash.
    check_details(
        r#"{"detail": {"v": [{"wildcard": "a\\*b*"}]}}"#,
        &[(json!({"v": "a*bc"}), true), (json!({"v": "axbc"}), false)],
    );
    check_details(
        r#"{"detail": {"v": [{"wildcard": "c:\\\\*"}]}}"#,
        &[(json!({"v": "c:\\dir"}), true), (json!({"v": "c:/dir"}), false)],
    );
    check_details(r#"{"detail": {"v": [{"wildcard": "*"}]}}"#, &[(json!({"v": ""}), true), (json!({"v": 1}), false)]);
}

#[test]
fn anything_but() {
    check_details(
        r#"{"detail": {"state": [{"anything-but": "initializing"}]}}"#,
        &[
            (json!({"state": "running"}), true),
            (json!({"state": "initializing"}), false),
            // Recorded against AWS: null and other non-strings are not the excluded string.
            (json!({"state": null}), true),
            (json!({"state": 12}), true),
            // Recorded against AWS: a missing field does not match.
            (json!({}), false),
        ],
    );
    check_details(
        r#"{"detail": {"x-limit": [{"anything-but": 123}]}}"#,
        &[
            (json!({"x-limit": 124}), true),
            (json!({"x-limit": 123}), false),
            (json!({"x-limit": 123.0}), false),
            (json!({"x-limit": "123"}), false),
        ],
    );
    check_details(
        r#"{"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}}"#,
        &[
            (json!({"state": "running"}), true),
            (json!({"state": "stopped"}), false),
            // Any element outside the list is enough.
            (json!({"state": ["stopped", "running"]}), true),
            (json!({"state": ["stopped", "overloaded"]}), false),
        ],
    );
    check_details(
        r#"{"detail": {"x-limit": [{"anything-but": [100, 200, 300]}]}}"#,
        &[(json!({"x-limit": 150}), true), (json!({"x-limit": 200}), false)],
    );
}

#[test]
fn anything_but_with_operators() {
    check_details(
        r#"{"detail": {"state": [{"anything-but": {"prefix": "init"}}]}}"#,
        &[
            (json!({"state": "running"}), true),
            (json!({"state": "initializing"}), false),
            // Recorded against AWS: a number is not a string with the prefix.
            (json!({"state": 12}), true),
        ],
    );
    check_details(
        r#"{"detail": {"FileName": [{"anything-but": {"suffix": ".png"}}]}}"#,
        &[(json!({"FileName": "a.txt"}), true), (json!({"FileName": "a.png"}), false)],
    );
    check_details(
        r#"{"detail": {"state": [{"anything-but": {"equals-ignore-case": "initializing"}}]}}"#,
        &[(json!({"state": "running"}), true), (json!({"state": "INITIALIZING"}), false)],
    );
    check_details(
        r#"{"detail": {"state": [{"anything-but": {"equals-ignore-case": ["a", "B"]}}]}}"#,
        &[(json!({"state": "c"}), true), (json!({"state": "b"}), false)],
    );
    check_details(
        r#"{"detail": {"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}}"#,
        &[
            (json!({"FilePath": "/usr/bin/ls"}), true),
            (json!({"FilePath": "/usr/lib/libc.so"}), false),
            (json!({"FilePath": 123}), true),
        ],
    );
    check_details(
        r#"{"detail": {"Region": [{"anything-but": {"prefix": ["us-", "eu-"]}}]}}"#,
        &[(json!({"Region": "ap-south-1"}), true), (json!({"Region": "eu-west-1"}), false)],
    );
}

#[test]
fn numeric() {
    // The guide's numeric example against event-ruler's sample event.
    let p = r#"{"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}],
                           "d-count": [{"numeric": ["<", 10]}],
                           "x-limit": [{"numeric": ["=", 3.018e2]}]}}"#;
    check_details(
        p,
        &[
            (json!({"c-count": 5, "d-count": 3, "x-limit": 301.8}), true),
            (json!({"c-count": 0, "d-count": 3, "x-limit": 301.8}), false),
            (json!({"c-count": 6, "d-count": 3, "x-limit": 301.8}), false),
            (json!({"c-count": 5, "d-count": 10, "x-limit": 301.8}), false),
            (json!({"c-count": 5, "d-count": 3, "x-limit": 301.9}), false),
            (json!({"c-count": "5", "d-count": 3, "x-limit": 301.8}), false),
        ],
    );
    check_details(
        r#"{"detail": {"price": [{"numeric": [">=", 100, "<", 200]}]}}"#,
        &[
            (json!({"price": 100}), true),
            (json!({"price": 199.999999}), true),
            (json!({"price": 200}), false),
            (json!({"price": [50, 150]}), true),
            // Outside event-ruler's range a value never satisfies a numeric condition.
            (json!({"price": 6e9}), false),
        ],
    );
    // Comparisons are exact to six decimal places; finer digits are cut off.
    check_details(
        r#"{"detail": {"v": [{"numeric": ["=", 0.1234567]}]}}"#,
        &[(json!({"v": 0.123456}), true), (json!({"v": 0.1234569}), true), (json!({"v": 0.123457}), false)],
    );
    check_details(
        r#"{"detail": {"v": [{"numeric": [">", -5, "<", -1]}]}}"#,
        &[(json!({"v": -3}), true), (json!({"v": -1}), false)],
    );
}

#[test]
fn exists() {
    let present = r#"{"detail": {"state": [{"exists": true}]}}"#;
    let absent = r#"{"detail": {"state": [{"exists": false}]}}"#;
    let with_state = json!({"instance-id": "i-abcd1111", "state": "pending"});
    // The guide's second example: `c-count` holds an object, and exists only sees leaves.
    let without_state = json!({"c-count": {"c1": 100}});
    check_details(
        present,
        &[(with_state.clone(), true), (without_state.clone(), false), (json!({"state": null}), true)],
    );
    check_details(absent, &[(with_state, false), (without_state, true)]);
    check_details(r#"{"detail": {"c-count": [{"exists": false}]}}"#, &[(json!({"c-count": {"c1": 100}}), true)]);
    // Recorded against AWS: an empty array is not a value.
    check_events(
        r#"{"resources": [{"exists": true}]}"#,
        &[(json!({"resources": []}), false), (json!({"resources": ["a"]}), true)],
    );
    check_events(r#"{"resources": [{"exists": false}]}"#, &[(json!({"resources": []}), true)]);
}

#[test]
fn cidr() {
    check_details(
        r#"{"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}}"#,
        &[
            (json!({"sourceIPAddress": "10.0.0.0"}), true),
            (json!({"sourceIPAddress": "10.0.0.255"}), true),
            (json!({"sourceIPAddress": "10.0.1.0"}), false),
            (json!({"sourceIPAddress": "not an ip"}), false),
            (json!({"sourceIPAddress": "2001:db8::1"}), false),
        ],
    );
    check_details(
        r#"{"detail": {"sourceIPAddress": [{"cidr": "2001:db8:1234:1a00::/64"}]}}"#,
        &[
            (json!({"sourceIPAddress": "2001:db8:1234:1a00::1"}), true),
            (json!({"sourceIPAddress": "2001:DB8:1234:1A00:FFFF:FFFF:FFFF:FFFF"}), true),
            (json!({"sourceIPAddress": "2001:db8:1234:1a01::"}), false),
        ],
    );
    // A literal IP address matches other spellings of the address.
    check_details(
        r#"{"detail": {"ip": ["2001:db8::1"]}}"#,
        &[(json!({"ip": "2001:0db8:0000:0000:0000:0000:0000:0001"}), true), (json!({"ip": "2001:db8::2"}), false)],
    );
}

#[test]
fn exactly_compares_the_text_as_written() {
    check_details(
        r#"{"detail": {"ip": [{"exactly": "10.0.0.1"}]}}"#,
        &[(json!({"ip": "10.0.0.1"}), true), (json!({"ip": "::ffff:a00:1"}), false)],
    );
}

#[test]
fn or_at_top_level_and_nested() {
    // event-ruler's README: source AND (metricName OR (metricType AND namespace) OR scope).
    let p = r#"{"source": ["aws.cloudwatch"],
                "$or": [{"metricName": ["CPUUtilization", "ReadLatency"]},
                        {"metricType": ["MetricType"], "namespace": ["AWS/EC2", "AWS/ES"]},
                        {"scope": ["Service"]}]}"#;
    check_events(
        p,
        &[
            (json!({"source": "aws.cloudwatch", "metricName": "ReadLatency"}), true),
            (json!({"source": "aws.cloudwatch", "metricType": "MetricType", "namespace": "AWS/ES"}), true),
            (json!({"source": "aws.cloudwatch", "metricType": "MetricType"}), false),
            (json!({"source": "aws.cloudwatch", "scope": "Service"}), true),
            (json!({"source": "aws.ec2", "scope": "Service"}), false),
        ],
    );
    // Parallel ORs at two levels.
    let p = r#"{"$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}],
                "detail": {"$or": [{"source": ["aws.cloudwatch"]}, {"detail-type": ["CloudWatch Alarm State Change"]}]}}"#;
    check_events(
        p,
        &[
            (json!({"namespace": "AWS/EC2", "detail": {"detail-type": "CloudWatch Alarm State Change"}}), true),
            (json!({"metricName": "CPUUtilization", "detail": {"source": "aws.cloudwatch"}}), true),
            (json!({"metricName": "CPUUtilization", "detail": {"source": "aws.ec2"}}), false),
            (json!({"detail": {"source": "aws.cloudwatch"}}), false),
        ],
    );
    // The guide's `$or` with exists and numeric.
    let p = r#"{"detail": {"$or": [{"c-count": [{"numeric": [">", 0, "<=", 5]}]},
                                  {"d-count": [{"numeric": ["<", 10]}]},
                                  {"x-limit": [{"numeric": ["=", 3.018e2]}]}]}}"#;
    check_details(
        p,
        &[(json!({"d-count": 3}), true), (json!({"x-limit": 301.8}), true), (json!({"c-count": 9}), false)],
    );
}

#[test]
fn repeated_keys_keep_the_last() {
    // The guide: only `{"anything-but": "us-east"}` counts for `location`.
    check_details(
        r#"{"detail": {"location": [{"prefix": "us-"}], "location": [{"anything-but": "us-east"}]}}"#,
        &[(json!({"location": "eu-west"}), true), (json!({"location": "us-east"}), false)],
    );
    // In event-ruler's expansion a field inside an `$or` alternative replaces the same field
    // written before the `$or`.
    let p = r#"{"a": ["1"], "$or": [{"a": ["2"]}, {"b": ["3"]}]}"#;
    check_events(p, &[(json!({"a": "2"}), true), (json!({"a": "1", "b": "3"}), true), (json!({"a": "1"}), false)]);
}

#[test]
fn arrays_match_when_any_element_does() {
    // The guide's arrays example.
    let p = r#"{"resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
                              "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f"]}"#;
    check_events(
        p,
        &[
            (
                json!({"resources": ["arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x",
                              "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"]}),
                true,
            ),
            (json!({"resources": ["arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x"]}), false),
        ],
    );
    // Arrays of objects and arrays of arrays are crushed out.
    let employees = json!({"employees": [
        [{"firstName": "John", "lastName": "Doe"}, {"firstName": "Anna", "lastName": "Smith"}],
        [{"firstName": "Peter", "lastName": "Jones"}]
    ]});
    check_events(r#"{"employees": {"firstName": ["Anna"]}}"#, &[(employees.clone(), true)]);
    // Array-consistent: two fields may not come from different elements of one array.
    check_events(r#"{"employees": {"firstName": ["Anna"], "lastName": ["Smith"]}}"#, &[(employees.clone(), true)]);
    check_events(r#"{"employees": {"firstName": ["Anna"], "lastName": ["Jones"]}}"#, &[(employees, false)]);
    // Recorded against AWS: exists holds when one element has the field.
    check_details(
        r#"{"detail": {"automations": {"id": [{"exists": true}]}}}"#,
        &[(json!({"automations": [{"key1": "value1"}, {"id": "match-does-exist"}, {"key2": "value2"}]}), true)],
    );
}

#[test]
fn array_consistency_spans_nesting_and_allows_independent_arrays() {
    let event = json!({"orders": [
        {"id": 1, "items": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 2}]},
        {"id": 2, "items": [{"sku": "c", "qty": 3}]}
    ], "tags": ["x", "y"]});
    let cases = [
        (r#"{"orders": {"id": [1], "items": {"sku": ["b"], "qty": [2]}}}"#, true),
        (r#"{"orders": {"id": [1], "items": {"sku": ["b"], "qty": [1]}}}"#, false),
        (r#"{"orders": {"id": [2], "items": {"sku": ["a"]}}}"#, false),
        // Fields in different arrays are independent.
        (r#"{"orders": {"id": [2]}, "tags": ["x"]}"#, true),
    ];
    for (text, expected) in cases {
        assert_eq!(pattern(text).matches(&event), expected, "{text}");
    }
}

#[test]
fn dotted_keys_and_nesting_are_the_same_field() {
    check_events(
        r#"{"detail": {"state.status": ["running"]}}"#,
        &[
            (json!({"detail": {"state": {"status": "running"}}}), true),
            (json!({"detail": {"state.status": "running"}}), true),
            (json!({"detail": {"state": {"status": "stopped"}}}), false),
        ],
    );
    check_events(
        r#"{"detail": {"state": {"status": ["running"]}}}"#,
        &[(json!({"detail.state.status": "running"}), true)],
    );
}

#[test]
fn the_guides_complex_example() {
    let p = r#"{"time": [{"prefix": "2017-10-02"}],
                "detail": {"state": [{"anything-but": "initializing"}],
                           "c-count": [{"numeric": [">", 0, "<=", 5]}],
                           "d-count": [{"numeric": ["<", 10]}],
                           "x-limit": [{"anything-but": [100, 200, 300]}]}}"#;
    let event = |state: &str, x_limit: u32| {
        json!({"time": "2017-10-02T16:24:49Z",
               "detail": {"state": state, "c-count": 3, "d-count": 9, "x-limit": x_limit}})
    };
    check_events(
        p,
        &[(event("processing", 999), true), (event("processing", 300), false), (event("initializing", 999), false)],
    );
}

#[test]
fn exact_fields_report_the_top_level_exact_tests() {
    let p =
        pattern(r#"{"source": ["aws.s3", "my.app"], "detail": {"size": [{"numeric": [">", 0]}], "kind": ["a", 5]}}"#);
    assert_eq!(
        p.exact_fields(),
        vec![
            ("detail.kind".to_string(), vec![json!("a"), json!(5)]),
            ("source".to_string(), vec![json!("aws.s3"), json!("my.app")]),
        ]
    );
    let p = pattern(r#"{"source": ["a"], "$or": [{"x": ["1"]}, {"y": ["2"]}]}"#);
    assert_eq!(p.exact_fields(), vec![("source".to_string(), vec![json!("a")])]);
}

#[test]
fn events_that_are_not_objects_match_nothing() {
    let p = pattern(r#"{"a": [{"exists": false}]}"#);
    assert!(p.matches(&json!({})));
    for event in [json!([]), json!("text"), json!(null), json!(5)] {
        assert!(!p.matches(&event), "{event}");
    }
}

#[test]
fn text_after_the_pattern_is_not_read() {
    // event-ruler stops reading at the end of the pattern object.
    assert!(pattern(r#"{"source": ["a"]} trailing"#).matches(&json!({"source": "a"})));
}

#[test]
fn public_types_can_be_shared_across_threads() {
    fn shareable<T: Clone + std::fmt::Debug + Send + Sync>() {}
    shareable::<crate::Pattern>();
    shareable::<crate::PatternIndex<String>>();
    shareable::<crate::PatternError>();
}

#[test]
fn numbers_compare_by_their_decimal_digits() {
    // Six decimal places, from the written digits rather than binary floating point.
    check_details(
        r#"{"detail": {"v": [{"numeric": ["=", 0.1]}]}}"#,
        &[
            (json!({"v": 0.1}), true),
            (json!({"v": 0.1000009}), true),
            (json!({"v": 0.100001}), false),
            (json!({"v": 0.099999}), false),
        ],
    );
    check_details(
        r#"{"detail": {"v": [{"numeric": [">=", -0.000001, "<", 0]}]}}"#,
        &[
            // Cut toward negative infinity: -0.0000005 is -0.000001.
            (json!({"v": -0.0000005}), true),
            (json!({"v": 0}), false),
        ],
    );
    check_details(r#"{"detail": {"v": [1e-7]}}"#, &[(json!({"v": 0}), true), (json!({"v": 0.000001}), false)]);
}

#[test]
fn fixed_point_conversion_works_on_decimal_text() {
    let cases: &[(&str, Option<i64>)] = &[
        ("0", Some(0)),
        ("-0.0", Some(0)),
        ("1", Some(1_000_000)),
        ("-1", Some(-1_000_000)),
        ("0.1234567", Some(123_456)),
        ("-0.0000005", Some(-1)),
        ("3.018e2", Some(301_800_000)),
        ("0.1e1", Some(1_000_000)),
        ("1E+3", Some(1_000_000_000)),
        ("1e-7", Some(0)),
        ("-1e-7", Some(-1)),
        ("5e9", Some(5_000_000_000_000_000)),
        ("-5000000000", Some(-5_000_000_000_000_000)),
        ("5000000000.1", None),
        ("1e400", None),
        ("0e99999999999999999999", Some(0)),
        ("-1e-99999999999999999999", Some(-1)),
    ];
    for (text, expected) in cases {
        assert_eq!(crate::values::micros(text), *expected, "{text}");
    }
}

#[test]
fn wildcard_complexity_follows_the_guides_examples() {
    // Accepted: one wildcard followed by a repeating sequence, several simple wildcards.
    pattern(r#"{"FileName": [{"wildcard": "/Users/*/dir/dir/dir/dir/dir/doc.txt"}]}"#);
    pattern(r#"{"FileName": [{"wildcard": "*.png"}, {"wildcard": "*.jpg"}, {"wildcard": "dir/*/*.gif"}]}"#);
    pattern(r#"{"EventBusArn": [{"wildcard": "*:*:*:*:event-bus/*"}]}"#);
    // Refused: six wildcards each followed by the same character (the guide's example).
    assert!(crate::Pattern::parse(r#"{"EventBusArn": [{"wildcard": "*:*:*:*:*:event-bus/*"}]}"#).is_err());
    // anything-but wildcards do not count, as in event-ruler's evaluator.
    pattern(r#"{"EventBusArn": [{"anything-but": {"wildcard": "*:*:*:*:*:event-bus/*"}}]}"#);
}
