//! Table-driven tests of the intrinsic functions. Rows marked "AWS doc" use the documentation's
//! exact input and output; rows marked "AWS observed" pin behaviour seen on the real service.

use super::*;
use serde_json::json;

const FAILS: &str = "States.Runtime";
/// What the test reader fails with for a missing path, to show it is passed through unchanged.
const PATH_FAILS: &str = "States.Runtime";

/// The context object `$$` paths read.
fn context() -> Value {
    json!({
        "Execution": {"Id": "arn:aws:states:us-east-1:123456789012:execution:sm:run-1", "Name": "run-1"},
        "State": {"Name": "Build"}
    })
}

/// A tiny resolver for the tests only: `$`, `$.a.b`, `$.a[0]`, `$['a b']`, `$$.x`.
fn resolve(path: &str, input: &Value) -> Result<Value, Failure> {
    let missing = || Failure::new(PATH_FAILS, format!("The JsonPath argument '{path}' could not be found"));
    let (root, mut rest) = match path.strip_prefix("$$") {
        Some(rest) => (context(), rest),
        None => (input.clone(), path.strip_prefix('$').ok_or_else(missing)?),
    };
    let mut current = &root;
    while !rest.is_empty() {
        let (step, after) = if let Some(quoted) = rest.strip_prefix("['") {
            let end = quoted.find("']").ok_or_else(missing)?;
            (current.get(&quoted[..end]), &quoted[end + 2..])
        } else if let Some(indexed) = rest.strip_prefix('[') {
            let end = indexed.find(']').ok_or_else(missing)?;
            let index: usize = indexed[..end].parse().map_err(|_| missing())?;
            (current.get(index), &indexed[end + 1..])
        } else if let Some(named) = rest.strip_prefix('.') {
            let end = named.find(['.', '[']).unwrap_or(named.len());
            (current.get(&named[..end]), &named[end..])
        } else {
            return Err(missing());
        };
        current = step.ok_or_else(missing)?;
        rest = after;
    }
    Ok(current.clone())
}

fn eval(expression: &str, input: &Value) -> Result<Value, Failure> {
    evaluate(expression, &|path| resolve(path, input))
}

type Row = (&'static str, Value, Result<Value, &'static str>);

fn run_rows(rows: Vec<Row>) {
    let mut wrong = Vec::new();
    for (expression, input, expected) in rows {
        let got = eval(expression, &input).map_err(|failure| failure.error);
        let matches = match (&got, &expected) {
            (Ok(value), Ok(wanted)) => value == wanted,
            (Err(error), Err(wanted)) => error == wanted,
            _ => false,
        };
        if !matches {
            wrong.push(format!(
                "{expression}\n    input:    {input}\n    expected: {expected:?}\n    got:      {got:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{} rows wrong:\n{}", wrong.len(), wrong.join("\n"));
}

#[test]
fn documented_examples() {
    run_rows(vec![
        // AWS doc: States.Format, both forms.
        (
            "States.Format('Hello, my name is {}.', $.name)",
            json!({"name": "Arnav", "template": "Hello, my name is {}."}),
            Ok(json!("Hello, my name is Arnav.")),
        ),
        (
            "States.Format($.template, $.name)",
            json!({"name": "Arnav", "template": "Hello, my name is {}."}),
            Ok(json!("Hello, my name is Arnav.")),
        ),
        // ASL spec: States.Format with a number literal.
        (
            "States.Format('Your name is {}, we are in the year {}', $.name, 2020)",
            json!({"name": "Foo", "zebra": "stripe"}),
            Ok(json!("Your name is Foo, we are in the year 2020")),
        ),
        // AWS doc.
        (
            "States.StringToJson($.escapedJsonString)",
            json!({"escapedJsonString": "{\"foo\": \"bar\"}"}),
            Ok(json!({"foo": "bar"})),
        ),
        // AWS doc and ASL spec.
        (
            "States.JsonToString($.unescapedJson)",
            json!({"unescapedJson": {"foo": "bar"}}),
            Ok(json!("{\"foo\":\"bar\"}")),
        ),
        (
            "States.JsonToString($.someJson)",
            json!({"someJson": {"name": "Foo", "year": 2020}, "zebra": "stripe"}),
            Ok(json!("{\"name\":\"Foo\",\"year\":2020}")),
        ),
        // AWS doc and ASL spec.
        ("States.Array($.Id)", json!({"Id": 123456}), Ok(json!([123456]))),
        (
            "States.Array('Foo', 2020, $.someJson, null)",
            json!({"someJson": {"random": "abcdefg"}, "zebra": "stripe"}),
            Ok(json!(["Foo", 2020, {"random": "abcdefg"}, null])),
        ),
        // AWS doc.
        (
            "States.ArrayPartition($.inputArray,4)",
            json!({"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9]}),
            Ok(json!([[1, 2, 3, 4], [5, 6, 7, 8], [9]])),
        ),
        (
            "States.ArrayContains($.inputArray, $.lookingFor)",
            json!({"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9], "lookingFor": 5}),
            Ok(json!(true)),
        ),
        ("States.ArrayRange(1, 9, 2)", json!({}), Ok(json!([1, 3, 5, 7, 9]))),
        (
            "States.ArrayGetItem($.inputArray, $.index)",
            json!({"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9], "index": 5}),
            Ok(json!(6)),
        ),
        ("States.ArrayLength($.inputArray)", json!({"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9]}), Ok(json!(9))),
        (
            "States.ArrayUnique($.inputArray)",
            json!({"inputArray": [1, 2, 3, 3, 3, 3, 3, 3, 4]}),
            Ok(json!([1, 2, 3, 4])),
        ),
        ("States.Base64Encode($.input)", json!({"input": "Data to encode"}), Ok(json!("RGF0YSB0byBlbmNvZGU="))),
        // The doc prints "Decoded data" here, which is not what its input decodes to.
        ("States.Base64Decode($.base64)", json!({"base64": "RGF0YSB0byBlbmNvZGU="}), Ok(json!("Data to encode"))),
        // The doc prints this digest with a digit dropped; this is SHA-1 of "input data".
        (
            "States.Hash($.Data, $.Algorithm)",
            json!({"Data": "input data", "Algorithm": "SHA-1"}),
            Ok(json!("aaff4a450a104cd177d28d18d74485e8cae074b7")),
        ),
        (
            "States.JsonMerge($.json1, $.json2, false)",
            json!({"json1": {"a": {"a1": 1, "a2": 2}, "b": 2}, "json2": {"a": {"a3": 1, "a4": 2}, "c": 3}}),
            Ok(json!({"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3})),
        ),
        ("States.MathAdd($.value1, $.step)", json!({"value1": 111, "step": -1}), Ok(json!(110))),
        ("States.StringSplit('1,2,3,4,5', ',')", json!({}), Ok(json!(["1", "2", "3", "4", "5"]))),
        (
            "States.StringSplit($.inputString, $.splitter)",
            json!({"inputString": "1,2,3,4,5", "splitter": ","}),
            Ok(json!(["1", "2", "3", "4", "5"])),
        ),
        (
            "States.StringSplit($.inputString, $.splitter)",
            json!({"inputString": "This.is+a,test=string", "splitter": ".+,="}),
            Ok(json!(["This", "is", "a", "test", "string"])),
        ),
    ]);
}

#[test]
fn format() {
    run_rows(vec![
        // Every escape: \{ \} \' \\ are literal characters, not placeholders or quotes.
        (r"States.Format('\{\} \'{}\' \\ {}', $.a, 1)", json!({"a": "x"}), Ok(json!(r"{} 'x' \ 1"))),
        (r"States.Format('\\{}', 'x')", json!({}), Ok(json!(r"\x"))),
        // AWS observed: null is written "null"; numbers and booleans as JSON text.
        (
            "States.Format('{}|{}|{}|{}|{}', null, true, $.n, 3.5, $.s)",
            json!({"n": -1, "s": ""}),
            Ok(json!("null|true|-1|3.5|")),
        ),
        ("States.Format('no placeholders')", json!({}), Ok(json!("no placeholders"))),
        ("States.Format('  {}  ', $.a)", json!({"a": "x"}), Ok(json!("  x  "))),
        ("States.Format('{}', States.ArrayLength($.a))", json!({"a": [1, 2, 3]}), Ok(json!("3"))),
        (
            "States.Format('arn:{}:{}', $.svc, States.JsonToString($.obj))",
            json!({"svc": "lambda", "obj": {"k": 1}}),
            Ok(json!("arn:lambda:{\"k\":1}")),
        ),
        ("States.Format('{}:{}', $.name, $$.Execution.Name)", json!({"name": "job"}), Ok(json!("job:run-1"))),
        // A template read from a path is taken as it is: lone braces and backslashes stay.
        ("States.Format($.t, 'x')", json!({"t": r"a { b } \ {}"}), Ok(json!(r"a { b } \ x"))),
        ("States.Format('{} {}', $.a)", json!({"a": "x"}), Err(FAILS)),
        ("States.Format('{}', $.a, $.b)", json!({"a": "x", "b": "y"}), Err(FAILS)),
        ("States.Format('{}', $.o)", json!({"o": {"k": 1}}), Err(FAILS)),
        ("States.Format('{}', $.l)", json!({"l": [1]}), Err(FAILS)),
        ("States.Format($.t, 'x')", json!({"t": 123}), Err(FAILS)),
        // AWS observed: unescaped braces that are not a placeholder fail.
        ("States.Format('Hello {', $.a)", json!({"a": "x"}), Err(FAILS)),
        ("States.Format('Hello {{}}', $.a)", json!({"a": "x"}), Err(FAILS)),
        ("States.Format('}')", json!({}), Err(FAILS)),
    ]);
}

#[test]
fn json_conversions() {
    run_rows(vec![
        ("States.StringToJson($.s)", json!({"s": "42"}), Ok(json!(42))),
        ("States.StringToJson($.s)", json!({"s": " [1, \"a\", null] "}), Ok(json!([1, "a", null]))),
        ("States.StringToJson('\"x\"')", json!({}), Ok(json!("x"))),
        ("States.StringToJson($.s)", json!({"s": "{not json"}), Err(FAILS)),
        ("States.StringToJson($.s)", json!({"s": {"a": 1}}), Err(FAILS)),
        ("States.JsonToString($.v)", json!({"v": [1, "a", null, true]}), Ok(json!("[1,\"a\",null,true]"))),
        ("States.JsonToString($.v)", json!({"v": "a"}), Ok(json!("\"a\""))),
        ("States.JsonToString($)", json!({"k": 1}), Ok(json!("{\"k\":1}"))),
        (
            "States.JsonMerge(States.StringToJson($.a), States.StringToJson($.b), false)",
            json!({"a": "{\"left\":1}", "b": "{\"right\":2}"}),
            Ok(json!({"left": 1, "right": 2})),
        ),
    ]);
}

#[test]
fn arrays() {
    run_rows(vec![
        ("States.Array()", json!({}), Ok(json!([]))),
        ("States.Array( $.a , $.b )", json!({"a": 1, "b": 2}), Ok(json!([1, 2]))),
        ("States.Array(false, '', 0, null, -1.5, 1e2)", json!({}), Ok(json!([false, "", 0, null, -1.5, 100.0]))),
        ("States.Array(1, States.Array(2, 3))", json!({}), Ok(json!([1, [2, 3]]))),
        (
            "States.Array($.a[1], $.a[0].b, $['odd key'])",
            json!({"a": [{"b": 7}, 8], "odd key": 9}),
            Ok(json!([8, 7, 9])),
        ),
        // States.ArrayPartition: AWS observed truncation of a fractional size.
        ("States.ArrayPartition($.a, 2.6)", json!({"a": [1, 2, 3, 4, 5]}), Ok(json!([[1, 2], [3, 4], [5]]))),
        ("States.ArrayPartition($.a, 10)", json!({"a": [1, 2, 3]}), Ok(json!([[1, 2, 3]]))),
        ("States.ArrayPartition($.a, 2147483647)", json!({"a": [1]}), Ok(json!([[1]]))),
        ("States.ArrayPartition($.a, 3)", json!({"a": []}), Ok(json!([]))),
        ("States.ArrayPartition(States.Array(1,2,3,4,5), 2)", json!({}), Ok(json!([[1, 2], [3, 4], [5]]))),
        ("States.ArrayPartition($.a, 0)", json!({"a": [1]}), Err(FAILS)),
        ("States.ArrayPartition($.a, -1)", json!({"a": [1]}), Err(FAILS)),
        ("States.ArrayPartition($.a, 0.6)", json!({"a": [1]}), Err(FAILS)),
        ("States.ArrayPartition($.a, '2')", json!({"a": [1]}), Err(FAILS)),
        ("States.ArrayPartition($.a, 2)", json!({"a": "not-array"}), Err(FAILS)),
        // States.ArrayContains: structural for containers, by text for scalars (AWS observed).
        ("States.ArrayContains($.a, 5)", json!({"a": [1, 2, 3]}), Ok(json!(false))),
        ("States.ArrayContains($.a, null)", json!({"a": [1, null]}), Ok(json!(true))),
        ("States.ArrayContains($.a, $.t)", json!({"a": [{"a": 1}, [1, 2]], "t": [1, 2]}), Ok(json!(true))),
        ("States.ArrayContains($.a, $.t)", json!({"a": [{"a": 1}], "t": {"a": 1, "extra": null}}), Ok(json!(false))),
        ("States.ArrayContains($.a, true)", json!({"a": ["true"]}), Ok(json!(true))),
        ("States.ArrayContains($.a, false)", json!({"a": [0, 1, -1]}), Ok(json!(false))),
        ("States.ArrayContains($.a, 'C')", json!({"a": ["A", "B", "C"]}), Ok(json!(true))),
        ("States.ArrayContains('not-array', 'x')", json!({}), Err(FAILS)),
        // States.ArrayRange: truncation (AWS observed), direction, the 1000-item limit.
        ("States.ArrayRange(5, 1, -2)", json!({}), Ok(json!([5, 3, 1]))),
        ("States.ArrayRange(-2, 2, 2)", json!({}), Ok(json!([-2, 0, 2]))),
        ("States.ArrayRange(3, 3, -1)", json!({}), Ok(json!([3]))),
        ("States.ArrayRange(5, 1, 1)", json!({}), Ok(json!([]))),
        ("States.ArrayRange(1.4, 5.6, 2.2)", json!({}), Ok(json!([1, 3, 5]))),
        ("States.ArrayRange(1.6, 1.4, 1)", json!({}), Ok(json!([1]))),
        ("States.ArrayLength(States.ArrayRange(1, 1000, 1))", json!({}), Ok(json!(1000))),
        ("States.ArrayLength(States.ArrayRange(1000, 1, -1))", json!({}), Ok(json!(1000))),
        ("States.ArrayRange(1, 1001, 1)", json!({}), Err(FAILS)),
        ("States.ArrayRange(1, 10, 0)", json!({}), Err(FAILS)),
        ("States.ArrayRange(1, 10, 0.49)", json!({}), Err(FAILS)),
        ("States.ArrayRange($.a, 5, 1)", json!({"a": "1"}), Err(FAILS)),
        ("States.ArrayRange($$.Execution.Name, 5, 1)", json!({}), Err(FAILS)),
        // States.ArrayGetItem.
        ("States.ArrayGetItem($.a, 0)", json!({"a": [null]}), Ok(json!(null))),
        ("States.ArrayGetItem($.a, 1)", json!({"a": [{"a": 1}, {"b": 2}]}), Ok(json!({"b": 2}))),
        ("States.ArrayGetItem(States.Array('x', 'y', 'z'), 1)", json!({}), Ok(json!("y"))),
        ("States.ArrayGetItem($.a, 1.2)", json!({"a": [10, 20, 30]}), Ok(json!(20))),
        ("States.ArrayGetItem($.a, 999)", json!({"a": []}), Ok(json!(null))),
        ("States.ArrayGetItem($.a, 3)", json!({"a": [10, 20, 30]}), Err(FAILS)),
        ("States.ArrayGetItem($.a, -1)", json!({"a": [10, 20, 30]}), Err(FAILS)),
        ("States.ArrayGetItem($.a, '1')", json!({"a": [10, 20, 30]}), Err(FAILS)),
        ("States.ArrayGetItem('not-array', 0)", json!({}), Err(FAILS)),
        // States.ArrayLength.
        ("States.ArrayLength($.a)", json!({"a": []}), Ok(json!(0))),
        ("States.ArrayLength($.a)", json!({"a": [[1], [2], [3]]}), Ok(json!(3))),
        ("States.ArrayLength(States.Array())", json!({}), Ok(json!(0))),
        ("States.ArrayLength($.o)", json!({"o": {"k": 1}}), Err(FAILS)),
        ("States.ArrayLength('not-array')", json!({}), Err(FAILS)),
        // States.ArrayUnique: first occurrences, in order.
        ("States.ArrayUnique($.a)", json!({"a": ["a", "b", "a", "c", "b"]}), Ok(json!(["a", "b", "c"]))),
        ("States.ArrayUnique($.a)", json!({"a": [1, "1", 1.0, "01", null, null]}), Ok(json!([1, "1", "01", null]))),
        ("States.ArrayUnique($.a)", json!({"a": [{"a": 1, "b": 2}, {"b": 2, "a": 1}]}), Ok(json!([{"a": 1, "b": 2}]))),
        ("States.ArrayUnique($.a)", json!({"a": [[1, 2], [1, 2], [2, 1]]}), Ok(json!([[1, 2], [2, 1]]))),
        ("States.ArrayUnique($.o)", json!({"o": {"a": 1}}), Err(FAILS)),
    ]);
}

#[test]
fn encodings_and_hashes() {
    let long = |n: usize| json!({"s": "a".repeat(n)});
    run_rows(vec![
        ("States.Base64Encode('')", json!({}), Ok(json!(""))),
        ("States.Base64Encode($.s)", json!({"s": "✓"}), Ok(json!("4pyT"))),
        ("States.Base64Encode('🚀')", json!({}), Ok(json!("8J+agA=="))),
        ("States.Base64Encode(States.Format('{}-{}', $.a, $.b))", json!({"a": "x", "b": "y"}), Ok(json!("eC15"))),
        ("States.Base64Encode($.s)", long(10_000), Ok(json!(STANDARD.encode("a".repeat(10_000))))),
        ("States.Base64Encode($.s)", long(10_001), Err(FAILS)),
        ("States.Base64Encode(123)", json!({}), Err(FAILS)),
        ("States.Base64Encode($.o)", json!({"o": {}}), Err(FAILS)),
        // Decoding is lenient, as AWS's is (observed): no padding, spaces and stray characters.
        ("States.Base64Decode('YWJjZA==')", json!({}), Ok(json!("abcd"))),
        ("States.Base64Decode('YWJjZA')", json!({}), Ok(json!("abcd"))),
        ("States.Base64Decode(' YWJj ZA== ')", json!({}), Ok(json!("abcd"))),
        ("States.Base64Decode('YWJjAGRlZg==')", json!({}), Ok(json!("abc\u{0}def"))),
        ("States.Base64Decode('44GT44KT44Gr44Gh44Gv')", json!({}), Ok(json!("こんにちは"))),
        ("States.Base64Decode(States.Base64Encode($.s))", json!({"s": "hello"}), Ok(json!("hello"))),
        ("States.Base64Decode('A')", json!({}), Err(FAILS)),
        ("States.Base64Decode($.s)", json!({"s": "A".repeat(10_001)}), Err(FAILS)),
        ("States.Base64Decode(123)", json!({}), Err(FAILS)),
        // States.Hash: every algorithm; data that is not a string is hashed as its JSON text.
        ("States.Hash('hello', 'MD5')", json!({}), Ok(json!("5d41402abc4b2a76b9719d911017c592"))),
        ("States.Hash('hello', 'SHA-1')", json!({}), Ok(json!("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"))),
        (
            "States.Hash('hello', 'SHA-256')",
            json!({}),
            Ok(json!("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")),
        ),
        (
            "States.Hash('hello', 'SHA-384')",
            json!({}),
            Ok(json!(
                "59e1748777448c69de6b800d7a33bbfb9ff1b463e44354c3553bcdb9c666fa90125a3c79f90397bdf5f6a13de828684f"
            )),
        ),
        (
            "States.Hash('hello', 'SHA-512')",
            json!({}),
            Ok(json!(
                "9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca7\
                 2323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043"
            )),
        ),
        (
            "States.Hash(123, 'SHA-256')",
            json!({}),
            Ok(json!("a665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae3")),
        ),
        (
            "States.Hash($.o, 'SHA-256')",
            json!({"o": {"a": 1}}),
            Ok(json!("015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862")),
        ),
        ("States.Hash($.s, 'SHA-256')", long(10_001), Err(FAILS)),
        ("States.Hash('data', 'sha-256')", json!({}), Err(FAILS)),
        ("States.Hash('data', 'SHA256')", json!({}), Err(FAILS)),
        ("States.Hash('data', 'MD-5')", json!({}), Err(FAILS)),
        ("States.Hash('hello', 123)", json!({}), Err(FAILS)),
    ]);
}

#[test]
fn merge_math_split_and_uuid() {
    run_rows(vec![
        (
            "States.JsonMerge($.a, $.b, false)",
            json!({"a": {"x": 1, "y": 2}, "b": {"y": 3, "z": 4}}),
            Ok(json!({"x": 1, "y": 3, "z": 4})),
        ),
        ("States.JsonMerge($.a, $.b, false)", json!({"a": {"k": {"l": 1}}, "b": {"k": null}}), Ok(json!({"k": null}))),
        // AWS observed: a flag that is not a boolean is taken as shallow.
        ("States.JsonMerge($.a, $.b, $.deep)", json!({"a": {"x": 1}, "b": {}, "deep": "false"}), Ok(json!({"x": 1}))),
        ("States.JsonMerge($.a, $.b, true)", json!({"a": {}, "b": {}}), Err(FAILS)),
        ("States.JsonMerge($.a, $.b, false)", json!({"a": [], "b": {}}), Err(FAILS)),
        ("States.JsonMerge($.a, $.b, false)", json!({"a": {}, "b": null}), Err(FAILS)),
        // States.MathRandom: AWS observed -5 for seed 42 over [-5, 5) and failures below.
        ("States.MathRandom(-5, 5, 42)", json!({}), Ok(json!(-5))),
        ("States.MathRandom(7, 8)", json!({}), Ok(json!(7))),
        ("States.MathRandom(1, 1)", json!({}), Err(FAILS)),
        ("States.MathRandom(10, 5)", json!({}), Err(FAILS)),
        ("States.MathRandom(1.4, 1.6)", json!({}), Err(FAILS)),
        ("States.MathRandom('a', 10)", json!({}), Err(FAILS)),
        ("States.MathRandom($.s, $.e)", json!({"s": 1, "e": null}), Err(FAILS)),
        ("States.MathRandom(1, 10, $.seed)", json!({"seed": null}), Err(FAILS)),
        ("States.MathRandom(1, 10, 'seed')", json!({}), Err(FAILS)),
        // States.MathAdd: AWS observed rounding and Java int limits on operands and sum.
        ("States.MathAdd($.a, $.b)", json!({"a": 1.6, "b": 2.7}), Ok(json!(5))),
        ("States.MathAdd($.a, $.b)", json!({"a": 0.1, "b": 0.2}), Ok(json!(0))),
        ("States.MathAdd(-5, 3)", json!({}), Ok(json!(-2))),
        ("States.MathAdd(2147483647, 0)", json!({}), Ok(json!(2147483647))),
        ("States.MathAdd(-2147483647, -1)", json!({}), Ok(json!(-2147483648_i64))),
        ("States.MathAdd(States.MathAdd($.x, 1), 2)", json!({"x": 5}), Ok(json!(8))),
        ("States.MathAdd(2147483647, 1)", json!({}), Err(FAILS)),
        ("States.MathAdd(-2147483648, -1)", json!({}), Err(FAILS)),
        ("States.MathAdd(3000000000, 1)", json!({}), Err(FAILS)),
        ("States.MathAdd('1', 2)", json!({}), Err(FAILS)),
        ("States.MathAdd(true, 1)", json!({}), Err(FAILS)),
        ("States.MathAdd($.l, 1)", json!({"l": [1]}), Err(FAILS)),
        // States.StringSplit: every delimiter character splits; empty strings are dropped (AWS observed).
        ("States.StringSplit($.s, ',')", json!({"s": "a,,b,"}), Ok(json!(["a", "b"]))),
        ("States.StringSplit($.s, ',')", json!({"s": ""}), Ok(json!([]))),
        ("States.StringSplit($.s, 'ab')", json!({"s": "1a2b3ab4"}), Ok(json!(["1", "2", "3", "4"]))),
        ("States.StringSplit($.s, '')", json!({"s": "abc"}), Ok(json!(["abc"]))),
        (
            "States.StringSplit(States.Format('{}-{}', $.a, $.b), '-')",
            json!({"a": "x", "b": "y"}),
            Ok(json!(["x", "y"])),
        ),
        ("States.StringSplit($.s, ',')", json!({"s": 123}), Err(FAILS)),
        ("States.StringSplit($.s, $.d)", json!({"s": "a,b", "d": null}), Err(FAILS)),
        ("States.UUID(1)", json!({}), Err(FAILS)),
    ]);
}

#[test]
fn calls_paths_and_syntax() {
    let nested = |depth: usize| format!("{}1{}", "States.Array(".repeat(depth), ")".repeat(depth));
    assert_eq!(eval(&nested(10), &json!({})), Ok(json!([[[[[[[[[[1]]]]]]]]]])));
    assert_eq!(eval(&nested(11), &json!({})).map_err(|f| f.error), Err(FAILS.to_string()));
    run_rows(vec![
        ("  States.Array(1)  ", json!({}), Ok(json!([1]))),
        (
            "States.Array($$.State.Name, $$.Execution.Id)",
            json!({}),
            Ok(json!(["Build", "arn:aws:states:us-east-1:123456789012:execution:sm:run-1"])),
        ),
        // A path that fails is the caller's failure, passed through unchanged.
        ("States.ArrayLength($.missing)", json!({}), Err(PATH_FAILS)),
        ("States.Format('{}', States.Array($.missing))", json!({}), Err(PATH_FAILS)),
        // Wrong argument counts, unknown functions and malformed text fail at run time too.
        ("States.ArrayLength()", json!({}), Err(FAILS)),
        ("States.ArrayLength($.a, 9)", json!({"a": []}), Err(FAILS)),
        ("States.ArrayRange(1, 5)", json!({}), Err(FAILS)),
        ("States.MathRandom(1, 10, 5, 99)", json!({}), Err(FAILS)),
        ("States.Hash('hello')", json!({}), Err(FAILS)),
        ("States.JsonMerge($.a, $.b)", json!({"a": {}, "b": {}}), Err(FAILS)),
        ("States.Format()", json!({}), Err(FAILS)),
        ("States.Foo(1)", json!({}), Err(FAILS)),
        ("States.Array(States.Foo())", json!({}), Err(FAILS)),
        ("States.Array($.a) trailing", json!({"a": 1}), Err(FAILS)),
        ("States.Array(", json!({}), Err(FAILS)),
        (r"States.Format('a\nb')", json!({}), Err(FAILS)),
    ]);
}

#[test]
fn paths_are_passed_whole() {
    let echo = |path: &str| Ok(Value::from(path));
    let got =
        evaluate("States.Array($['a, b'], $.x[0] , $$.Execution.Id,$['it\\'s'],$.items[?(@.id == 1)].name, $)", &echo);
    let want = json!(["$['a, b']", "$.x[0]", "$$.Execution.Id", "$['it\\'s']", "$.items[?(@.id == 1)].name", "$"]);
    assert_eq!(got, Ok(want));
}

#[test]
fn math_random_is_in_range_and_seeded_results_repeat() {
    for _ in 0..200 {
        let Ok(Value::Number(n)) = eval("States.MathRandom(-3, 4)", &json!({})) else { panic!("not a number") };
        assert!((-3..4).contains(&n.as_i64().unwrap_or(99)), "{n} out of range");
    }
    let seeded = |seed: i64| eval(&format!("States.MathRandom(1, 1000, {seed})"), &json!({}));
    assert_eq!(seeded(7), seeded(7));
    assert_ne!(seeded(1), seeded(2));
    let wide = eval("States.MathRandom($.s, $.e, 3)", &json!({"s": -3_000_000_000_i64, "e": 3_000_000_000_i64}));
    let Ok(Value::Number(n)) = wide else { panic!("not a number: {wide:?}") };
    assert!((-3_000_000_000..3_000_000_000).contains(&n.as_i64().unwrap_or(i64::MAX)));
}

#[test]
fn java_random_matches_java() {
    // `new java.util.Random(42).nextInt()` is -1170105035.
    assert_eq!(JavaRandom::new(42).next(32), -1_170_105_035);
    // `new Random(0).nextInt()` is -1155484576, so its `nextInt(16)`, Java's power-of-two
    // shortcut, is (16 * (3139482720 >> 1)) >> 31 = 11.
    assert_eq!(JavaRandom::new(0).next(32), -1_155_484_576);
    assert_eq!(JavaRandom::new(0).below(16), 11);
}

#[test]
fn uuid_is_version_4() {
    let Ok(Value::String(id)) = eval("States.UUID()", &json!({})) else { panic!("not a string") };
    let parsed = uuid::Uuid::parse_str(&id).map(|u| u.get_version_num());
    assert_eq!((id.len(), parsed), (36, Ok(4)));
    assert_ne!(eval("States.UUID()", &json!({})), Ok(Value::String(id)));
}

#[test]
fn failures_say_which_function() {
    let failure = eval("States.ArrayGetItem($.a, 5)", &json!({"a": [1]}));
    assert_eq!(failure, Err(Failure::new(FAILS, "Invalid arguments in States.ArrayGetItem")));
    let failure = eval("States.Foo(1)", &json!({}));
    assert_eq!(failure, Err(Failure::new(FAILS, "The function 'States.Foo' is not supported")));
}

#[test]
fn recognises_calls() {
    let rows = [
        ("States.Format('x')", true),
        ("States.ArrayPartition($.a, 2)", true),
        ("States.UUID()", true),
        ("  States.Array()", true),
        ("States.Foo(1)", false),
        ("States.Format", false),
        ("States.Formatx('x')", false),
        ("States.Format ('x')", false),
        ("$.States.Format('x')", false),
        ("$.a", false),
        ("", false),
    ];
    for (text, want) in rows {
        assert_eq!(is_intrinsic(text), want, "{text}");
    }
}

#[test]
fn checks_definitions() {
    let rows: [(&str, Result<(), &str>); 34] = [
        ("States.Format('Hello {}', $.name)", Ok(())),
        ("States.Format($.t)", Ok(())),
        ("States.Array()", Ok(())),
        ("States.Array($['a, b'], $.c[0], $$.Execution.Id)", Ok(())),
        ("States.MathRandom(1, 10)", Ok(())),
        ("States.MathRandom(1, 10, 42)", Ok(())),
        ("States.JsonMerge($.a, $.b, false)", Ok(())),
        ("States.Hash(States.Array(1), 'MD5')", Ok(())),
        ("States.ArrayLength(States.StringToJson($.s))", Ok(())),
        (r"States.Format('\{\}\'\\')", Ok(())),
        ("States.Format('Hello {')", Ok(())),
        ("States.Foo(1)", Err("The function 'States.Foo' is not supported")),
        ("States.Format('{}', States.Foo())", Err("The function 'States.Foo' is not supported")),
        ("States.Format()", Err("States.Format: needs at least 1 argument")),
        ("States.ArrayRange(1, 2)", Err("States.ArrayRange: needs exactly 3 arguments")),
        ("States.ArrayLength($.a, $.b)", Err("States.ArrayLength: needs exactly 1 argument")),
        ("States.MathRandom(1)", Err("States.MathRandom: needs 2 or 3 arguments")),
        ("States.UUID(1)", Err("States.UUID: takes no arguments")),
        ("States.Array(States.MathAdd(1))", Err("States.MathAdd: needs exactly 2 arguments")),
        ("States.Base64Encode(123)", Err("States.Base64Encode: argument 1 must be a string, not a number")),
        ("States.ArrayLength('x')", Err("States.ArrayLength: argument 1 must be an array, not a string")),
        ("States.JsonMerge($.a, $.b, 'false')", Err("States.JsonMerge: argument 3 must be a boolean, not a string")),
        ("States.MathAdd(null, 1)", Err("States.MathAdd: argument 1 must be a number, not null")),
        (
            "States.ArrayLength(States.Format('x'))",
            Err("States.ArrayLength: argument 1 must be an array, not a string"),
        ),
        (
            "States.Format('{}', States.Array(1))",
            Err("States.Format: argument 2 must be a string, number, boolean or null, not an array"),
        ),
        (r"States.Format('a\nb')", Err("invalid escape sequence '\\n' in a string literal")),
        ("States.Format('abc", Err("unterminated string literal")),
        ("States.Array(1,)", Err("expected an argument at character 15")),
        ("States.Array(1) trailing", Err("unexpected text after the call")),
        ("States.Array(1", Err("expected ',' or ')' at character 14")),
        ("States.Array(1.)", Err("invalid number '1.'")),
        ("States.Array(.5)", Err("expected an argument")),
        ("States.Array(tru)", Err("unexpected 'tru'")),
        ("States.Array([1,2])", Err("expected an argument")),
    ];
    for (text, want) in rows {
        match (check(text), want) {
            (Ok(()), Ok(())) => {}
            (Err(message), Err(fragment)) => {
                assert!(message.contains(fragment), "{text}: {message:?} lacks {fragment:?}")
            }
            (got, want) => panic!("{text}: got {got:?}, want {want:?}"),
        }
    }
    let deep = format!("{}1{}", "States.Array(".repeat(11), ")".repeat(11));
    assert_eq!(check(&deep), Err("Intrinsic functions can be nested at most 10 deep".to_string()));
}
