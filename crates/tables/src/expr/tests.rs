//! Tests of expressions: parsing, DynamoDB's error messages, and evaluation.

use super::*;
use crate::value::{item_from_json, item_to_json};
use serde_json::{Value, json};

// ---- helpers ----

/// The placeholders of one request.
struct Req {
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl Req {
    fn new(names: &[(&str, &str)], values: Value) -> Req {
        Req {
            names: names.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            values: item_from_json(&values).unwrap().into_iter().collect(),
        }
    }

    fn none() -> Req {
        Req::new(&[], json!({}))
    }

    fn cx(&self) -> ExprContext<'_> {
        ExprContext::new(&self.names, &self.values)
    }
}

fn item(v: Value) -> Item {
    item_from_json(&v).unwrap()
}

fn message(e: Error) -> String {
    match e {
        Error::Validation(m) => m,
        other => panic!("not a validation error: {other:?}"),
    }
}

/// Evaluates a filter with names and values against an item.
fn eval_with(src: &str, names: &[(&str, &str)], values: Value, it: Value) -> bool {
    let req = Req::new(names, values);
    let cx = req.cx();
    let cond = parse_condition(src, ExprKind::Filter, &cx).unwrap_or_else(|e| panic!("{src}: {e}"));
    cx.check_unused().unwrap_or_else(|e| panic!("{src}: {e}"));
    cond.eval(&item(it)).unwrap()
}

fn eval(src: &str, values: Value, it: Value) -> bool {
    eval_with(src, &[], values, it)
}

/// The error of parsing a condition of `kind`.
fn cond_err_kind(kind: ExprKind, src: &str, names: &[(&str, &str)], values: Value) -> String {
    let req = Req::new(names, values);
    match parse_condition(src, kind, &req.cx()) {
        Ok(_) => panic!("{src}: parsed"),
        Err(e) => message(e),
    }
}

fn cond_err(src: &str, values: Value) -> String {
    cond_err_kind(ExprKind::Condition, src, &[], values)
}

fn n(s: &str) -> AttributeValue {
    AttributeValue::N(Number::parse(s).unwrap())
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_string())
}

use crate::number::Number;

/// Applies an update to an item, returning the new item as DynamoDB JSON.
fn update_with(src: &str, names: &[(&str, &str)], values: Value, it: Value) -> Result<Value, String> {
    let req = Req::new(names, values);
    let cx = req.cx();
    let u = parse_update(src, &cx).map_err(message)?;
    cx.check_unused().map_err(message)?;
    let mut it = item(it);
    u.apply(&mut it).map_err(message)?;
    Ok(item_to_json(&it))
}

fn update(src: &str, values: Value, it: Value) -> Result<Value, String> {
    update_with(src, &[], values, it)
}

fn update_err(src: &str, names: &[(&str, &str)], values: Value) -> String {
    let req = Req::new(names, values);
    match parse_update(src, &req.cx()) {
        Ok(_) => panic!("{src}: parsed"),
        Err(e) => message(e),
    }
}

fn project(src: &str, names: &[(&str, &str)], it: Value) -> Value {
    let req = Req::new(names, json!({}));
    let cx = req.cx();
    let p = parse_projection(src, &cx).unwrap_or_else(|e| panic!("{src}: {e}"));
    cx.check_unused().unwrap();
    item_to_json(&p.apply(&item(it)))
}

fn project_err(src: &str, names: &[(&str, &str)]) -> String {
    let req = Req::new(names, json!({}));
    match parse_projection(src, &req.cx()) {
        Ok(_) => panic!("{src}: parsed"),
        Err(e) => message(e),
    }
}

fn key(src: &str, values: Value, range: Option<&str>) -> Result<KeyCondition, String> {
    let req = Req::new(&[], values);
    let cx = req.cx();
    let k = key_condition(src, &cx, "p", range).map_err(message)?;
    cx.check_unused().map_err(message)?;
    Ok(k)
}

// ---- comparisons ----

#[test]
fn equality_covers_every_type() {
    let it = json!({
        "s": {"S": "x"}, "n": {"N": "1.50"}, "b": {"B": "AAE="}, "t": {"BOOL": true}, "z": {"NULL": true},
        "l": {"L": [{"S": "a"}, {"N": "2"}]}, "m": {"M": {"k": {"NS": ["1", "2"]}}},
        "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2"]}, "bs": {"BS": ["AA==", "AQ=="]}
    });
    for (path, v) in [
        ("s", json!({"S": "x"})),
        ("n", json!({"N": "1.5"})),
        ("b", json!({"B": "AAE="})),
        ("t", json!({"BOOL": true})),
        ("z", json!({"NULL": true})),
        ("l", json!({"L": [{"S": "a"}, {"N": "2.0"}]})),
        ("m", json!({"M": {"k": {"NS": ["2", "1"]}}})),
        ("ss", json!({"SS": ["b", "a"]})),
        ("ns", json!({"NS": ["2.0", "1"]})),
        ("bs", json!({"BS": ["AQ==", "AA=="]})),
    ] {
        assert!(eval(&format!("{path} = :v"), json!({":v": v}), it.clone()), "{path} = {v}");
        assert!(!eval(&format!("{path} <> :v"), json!({":v": v}), it.clone()), "{path} <> {v}");
        // A value of another type is never equal.
        let other = if path == "n" { json!({"S": "1.5"}) } else { json!({"N": "1.5"}) };
        assert!(!eval(&format!("{path} = :v"), json!({":v": other}), it.clone()), "{path}");
    }
    assert!(!eval("ss = :v", json!({":v": {"SS": ["a"]}}), it.clone()));
    assert!(!eval("l = :v", json!({":v": {"L": [{"N": "2"}, {"S": "a"}]}}), it.clone()), "lists keep order");
    assert!(!eval("n = :v", json!({":v": {"S": "1.5"}}), it.clone()));
    assert!(eval("n <> :v", json!({":v": {"S": "1.5"}}), it));
}

#[test]
fn absent_attributes_compare_false_except_not_equal() {
    let it = json!({"a": {"N": "1"}});
    let v = json!({":v": {"N": "1"}});
    assert!(!eval("q = :v", v.clone(), it.clone()));
    assert!(eval("q <> :v", v.clone(), it.clone()));
    for op in ["<", "<=", ">", ">="] {
        assert!(!eval(&format!("q {op} :v"), v.clone(), it.clone()), "{op}");
        assert!(!eval(&format!(":v {op} q"), v.clone(), it.clone()), "{op}");
        assert!(!eval(&format!("q {op} z"), json!({}), it.clone()), "{op}");
    }
    assert!(!eval("q = z", json!({}), it.clone()), "two absent attributes are not equal");
    assert!(eval("q <> z", json!({}), it.clone()));
    assert!(!eval("q BETWEEN :v AND :v", v.clone(), it.clone()));
    assert!(!eval("q IN (:v)", v, it.clone()));
    // A missing item behaves like an empty one.
    assert!(eval("p <> :v", json!({":v": {"S": "k"}}), json!({})));
}

#[test]
fn ordering_by_type() {
    let it = json!({"n": {"N": "10"}, "s": {"S": "b"}, "b": {"B": "fw=="}, "l": {"L": []}});
    let check = |src: &str, v: Value, want: bool| assert_eq!(eval(src, json!({":v": v}), it.clone()), want, "{src}");
    // Numbers numerically, never as strings.
    check("n > :v", json!({"N": "9"}), true);
    check("n < :v", json!({"N": "9.99"}), false);
    check("n <= :v", json!({"N": "1e1"}), true);
    check("n >= :v", json!({"N": "10.000"}), true);
    check("n > :v", json!({"N": "-100"}), true);
    // Strings by UTF-8 bytes: upper case sorts before lower case.
    check("s > :v", json!({"S": "a"}), true);
    check("s > :v", json!({"S": "Z"}), true);
    check("s < :v", json!({"S": "ba"}), true);
    check("s >= :v", json!({"S": "b"}), true);
    // Binary by unsigned bytes: 0x7f < 0x80.
    check("b < :v", json!({"B": "gA=="}), true);
    check("b > :v", json!({"B": "AA=="}), true);
    // Different types: false, not an error.
    check("n < :v", json!({"S": "99"}), false);
    check("s > :v", json!({"N": "1"}), false);
    // An item attribute of an unordered type is simply false…
    check("l < :v", json!({"N": "1"}), false);
    // …but an unordered constant is an error.
    let e = cond_err("a < :v", json!({":v": {"L": []}}));
    assert_eq!(
        e,
        "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: <, operand type: L"
    );
    assert!(cond_err(":v >= a", json!({":v": {"BOOL": true}})).contains("operand type: BOOL"));
    // Two item attributes compare too.
    assert!(eval("n > m", json!({}), json!({"n": {"N": "2"}, "m": {"N": "1"}})));
}

#[test]
fn between_is_inclusive() {
    let it = json!({"a": {"N": "5"}, "s": {"S": "cat"}, "lo": {"N": "1"}, "hi": {"N": "9"}});
    let check = |src: &str, v: Value, want: bool| assert_eq!(eval(src, v, it.clone()), want, "{src}");
    check("a BETWEEN :l AND :h", json!({":l": {"N": "5"}, ":h": {"N": "5"}}), true);
    check("a between :l and :h", json!({":l": {"N": "1"}, ":h": {"N": "4.9"}}), false);
    check("s BETWEEN :l AND :h", json!({":l": {"S": "cat"}, ":h": {"S": "dog"}}), true);
    check("a BETWEEN :l AND :h", json!({":l": {"S": "1"}, ":h": {"S": "9"}}), false);
    check("a BETWEEN lo AND hi", json!({}), true);
    // Bounds from the item in the wrong order: false, not an error.
    check("a BETWEEN hi AND lo", json!({}), false);
    assert_eq!(
        cond_err("a BETWEEN :l AND :h", json!({":l": {"N": "2"}, ":h": {"N": "1"}})),
        "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:2}, upper bound operand: AttributeValue: {N:1}"
    );
    assert_eq!(
        cond_err("a BETWEEN :l AND :h", json!({":l": {"N": "1"}, ":h": {"S": "a"}})),
        "Invalid ConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:a}"
    );
}

#[test]
fn in_lists() {
    let it = json!({"a": {"N": "74"}, "b": {"S": "x"}});
    let values = json!({":x": {"S": "dog"}, ":y": {"N": "74.0"}, ":z": {"N": "1"}});
    assert!(eval("a IN (:x, :y) OR a = :z", values.clone(), it.clone()));
    assert!(!eval("a in (:z)", json!({":z": {"N": "1"}}), it.clone()));
    assert!(eval("b IN (:z, b)", json!({":z": {"N": "1"}}), it.clone()));
    assert!(!eval("q IN (:x, :y, :z)", values, it.clone()));
    // Up to 100 operands, the one before IN included.
    let values: Value =
        (0..100).map(|i| (format!(":v{i}"), json!({"N": i.to_string()}))).collect::<serde_json::Map<_, _>>().into();
    let list: Vec<String> = (0..100).map(|i| format!(":v{i}")).collect();
    let e = cond_err(&format!("a IN ({})", list.join(",")), values.clone());
    assert_eq!(
        e,
        "Invalid ConditionExpression: The IN operator is provided with too many operands; number of operands: 101"
    );
    let list: Vec<String> = (0..99).map(|i| format!(":v{i}")).collect();
    assert!(eval(&format!("a IN ({}) OR a = :v99", list.join(",")), values, it.clone()));
    assert!(cond_err("a IN ()", json!({})).contains("Syntax error; token: \")\""));
    assert!(cond_err("a IN :v", json!({":v": {"N": "1"}})).contains("Syntax error"));
}

// ---- functions ----

#[test]
fn attribute_exists_and_not_exists() {
    let it = json!({"a": {"M": {"b": {"L": [{"N": "1"}, {"M": {"c": {"NULL": true}}}]}}}});
    for (path, exists) in [
        ("a", true),
        ("a.b", true),
        ("a.b[1].c", true),
        ("a.b[2]", false),
        ("a.b[0].c", false),
        ("a.x", false),
        ("a[0]", false),
        ("z", false),
    ] {
        assert_eq!(eval(&format!("attribute_exists({path})"), json!({}), it.clone()), exists, "{path}");
        assert_eq!(eval(&format!("attribute_not_exists ( {path} )"), json!({}), it.clone()), !exists, "{path}");
    }
    assert_eq!(
        cond_err("attribute_exists(:v)", json!({":v": {"S": "a"}})),
        "Invalid ConditionExpression: Operator or function requires a document path; operator or function: attribute_exists"
    );
    assert_eq!(
        cond_err("attribute_not_exists(a, b)", json!({})),
        "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: attribute_not_exists, number of operands: 2"
    );
}

#[test]
fn attribute_type_checks_each_type() {
    let it = json!({
        "s": {"S": "x"}, "n": {"N": "1"}, "b": {"B": "AA=="}, "t": {"BOOL": false}, "z": {"NULL": true},
        "l": {"L": []}, "m": {"M": {}}, "ss": {"SS": ["a"]}, "ns": {"NS": ["1"]}, "bs": {"BS": ["AA=="]}
    });
    let types = [("s", "S"), ("n", "N"), ("b", "B"), ("t", "BOOL"), ("z", "NULL"), ("l", "L"), ("m", "M")];
    let sets = [("ss", "SS"), ("ns", "NS"), ("bs", "BS")];
    for (path, t) in types.iter().chain(sets.iter()) {
        assert!(eval(&format!("attribute_type({path}, :t)"), json!({":t": {"S": t}}), it.clone()), "{path}");
        let other = if *t == "S" { "N" } else { "S" };
        assert!(!eval(&format!("attribute_type({path}, :t)"), json!({":t": {"S": other}}), it.clone()));
    }
    assert!(!eval("attribute_type(absent, :t)", json!({":t": {"S": "S"}}), it.clone()));
    assert!(eval("attribute_type(:v, :t)", json!({":t": {"S": "N"}, ":v": {"N": "0"}}), it));
    assert_eq!(
        cond_err("attribute_type(a, :t)", json!({":t": {"S": "DOG"}})),
        "Invalid ConditionExpression: Invalid attribute type name found; type: DOG, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}"
    );
    assert_eq!(
        cond_err("attribute_type(a, :t)", json!({":t": {"N": "1"}})),
        "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N"
    );
    assert!(
        cond_err("attribute_type(a, b)", json!({})).contains("operator or function: attribute_type, operand type: {")
    );
}

#[test]
fn begins_with_strings_and_binaries() {
    let it = json!({"a": {"S": "hello"}, "b": {"B": "aGkgdGhlcmU="}, "n": {"N": "12"}, "c": {"S": "he"}});
    assert!(eval("begins_with(a, :p)", json!({":p": {"S": "hell"}}), it.clone()));
    assert!(eval("begins_with(a, :p)", json!({":p": {"S": ""}}), it.clone()));
    assert!(!eval("begins_with(a, :p)", json!({":p": {"S": "dog"}}), it.clone()));
    assert!(eval("begins_with(b, :p)", json!({":p": {"B": "aGk="}}), it.clone()));
    assert!(!eval("begins_with(a, :p)", json!({":p": {"B": "aGk="}}), it.clone()), "types must match");
    assert!(eval("begins_with(a, c)", json!({}), it.clone()));
    assert!(eval("begins_with(:s, c)", json!({":s": {"S": "help"}}), it.clone()));
    // An item attribute of another type: false, not an error.
    assert!(!eval("begins_with(n, :p)", json!({":p": {"S": "1"}}), it.clone()));
    assert!(!eval("begins_with(absent, :p)", json!({":p": {"S": "1"}}), it));
    assert_eq!(
        cond_err("begins_with(a, :p)", json!({":p": {"N": "1"}})),
        "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"
    );
    assert!(cond_err("begins_with(a, size(b))", json!({})).contains("begins_with, operand type: N"));
}

#[test]
fn contains_substrings_and_members() {
    let it = json!({
        "s": {"S": "hello"}, "b": {"B": "aGkgdGhlcmU="},
        "ss": {"SS": ["dog", "cat"]}, "ns": {"NS": ["2", "4"]}, "bs": {"BS": ["AA==", "AQ=="]},
        "l": {"L": [{"S": "hi"}, {"NS": ["1", "2"]}, {"L": [{"N": "3"}]}, {"N": "7"}]}
    });
    let check =
        |src: &str, v: Value, want: bool| assert_eq!(eval(src, json!({":v": v}), it.clone()), want, "{src} {v}");
    check("contains(s, :v)", json!({"S": "ell"}), true);
    check("contains(s, :v)", json!({"S": "elk"}), false);
    check("contains(b, :v)", json!({"B": "aGVyZQ=="}), true);
    check("contains(ss, :v)", json!({"S": "cat"}), true);
    check("contains(ss, :v)", json!({"S": "ca"}), false);
    check("contains(ns, :v)", json!({"N": "4.0"}), true);
    check("contains(ns, :v)", json!({"S": "4"}), false);
    check("contains(bs, :v)", json!({"B": "AQ=="}), true);
    check("contains(l, :v)", json!({"S": "hi"}), true);
    check("contains(l, :v)", json!({"N": "7"}), true);
    check("contains(l, :v)", json!({"NS": ["2", "1"]}), true);
    check("contains(l, :v)", json!({"L": [{"N": "3"}]}), true);
    check("contains(l, :v)", json!({"S": "h"}), false);
    check("contains(absent, :v)", json!({"S": "h"}), false);
    check("contains(s, :v)", json!({"N": "1"}), false);
}

#[test]
fn size_of_each_type() {
    let it = json!({
        "s": {"S": "hello"}, "b": {"B": "aGkgdGhlcmU="}, "ss": {"SS": ["a", "b", "c"]}, "ns": {"NS": ["1"]},
        "l": {"L": [{"N": "2"}, {"S": "dog"}]}, "m": {"M": {"x": {"N": "1"}, "y": {"M": {}}}},
        "n": {"N": "5"}, "t": {"BOOL": true}, "z": {"NULL": true}, "e": {"S": ""}
    });
    for (path, len) in [("s", "5"), ("b", "8"), ("ss", "3"), ("ns", "1"), ("l", "2"), ("m", "2"), ("e", "0")] {
        assert!(eval(&format!("size({path}) = :n"), json!({":n": {"N": len}}), it.clone()), "{path}");
        assert!(eval(&format!("size({path}) < :n"), json!({":n": {"N": "10"}}), it.clone()), "{path}");
    }
    for path in ["n", "t", "z", "absent"] {
        assert!(!eval(&format!("size({path}) = :n"), json!({":n": {"N": "1"}}), it.clone()), "{path}");
        assert!(eval(&format!("size({path}) <> :n"), json!({":n": {"N": "1"}}), it.clone()), "{path}");
    }
    assert!(!eval("size(s) = :n", json!({":n": {"S": "5"}}), it.clone()));
    assert!(eval("size(s) = n", json!({}), it.clone()));
    assert!(eval("size(ss) < size(s)", json!({}), it.clone()));
    assert!(eval("size(:v) = :n", json!({":v": {"S": "abc"}, ":n": {"N": "3"}}), it));
    // Strings count UTF-16 code units, as DynamoDB does: é is one, 𝄞 two.
    assert!(eval("size(u) = :n", json!({":n": {"N": "3"}}), json!({"u": {"S": "é𝄞"}})));
    assert_eq!(
        cond_err("size(a)", json!({})),
        "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: size"
    );
    assert_eq!(
        cond_err("size(:v) > a", json!({":v": {"N": "1"}})),
        "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: size, operand type: N"
    );
    assert!(cond_err("size(a, b) > :v", json!({":v": {"N": "1"}})).contains("size, number of operands: 2"));
    assert!(cond_err("size(size(a)) > :v", json!({":v": {"N": "1"}})).contains("size, operand type: N"));
}

#[test]
fn function_names_are_case_sensitive_and_known() {
    assert_eq!(
        cond_err("BEGINS_WITH(a, :v)", json!({":v": {"S": "x"}})),
        "Invalid ConditionExpression: Invalid function name; function: BEGINS_WITH"
    );
    assert_eq!(
        cond_err("dog(a) = :v", json!({":v": {"S": "x"}})),
        "Invalid ConditionExpression: Invalid function name; function: dog"
    );
    assert!(cond_err("if_not_exists(a, :v) = :v", json!({":v": {"S": "x"}})).contains("not allowed"));
    assert_eq!(
        cond_err("attribute_exists(a) < :v", json!({":v": {"N": "1"}})),
        "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: attribute_exists"
    );
    assert!(cond_err("a IN (b, contains(c, d))", json!({})).ends_with("function: contains"));
    assert!(cond_err("size(contains(a, b)) > a", json!({})).ends_with("function: contains"));
}

// ---- structure ----

#[test]
fn precedence_not_and_or() {
    let it = json!({"a": {"N": "1"}, "b": {"N": "2"}, "c": {"N": "3"}});
    let check = |src: &str, want: bool| assert_eq!(eval(src, json!({}), it.clone()), want, "{src}");
    check("a < b AND b < c", true);
    check("a < b and c < b", false);
    check("a < b OR c < b", true);
    check("b < a oR c < b", false);
    // AND binds tighter than OR.
    check("a < b OR c < b AND b < a", true);
    check("(a < b OR c < b) AND b < a", false);
    // NOT binds tighter than AND.
    check("NOT a < b AND c < b", false);
    check("NOT (a < b AND c < b)", true);
    check("nOt b < a", true);
    check("NOT NOT NOT NOT a < b", true);
    // BETWEEN's AND is its own.
    check("b BETWEEN a AND c AND a < b", true);
    check("(a < b OR b < a) AND (b < c AND (a < b OR b < c))", true);
    check("(a) < (b)", true);
    assert!(!eval("(size(a)) > :zero OR a = b", json!({":zero": {"N": "0"}}), it.clone()));
}

#[test]
fn parenthesized_operands_and_paths() {
    let it = json!({"a": {"M": {"b": {"M": {"c": {"N": "1"}}}}}, "x": {"N": "1"}});
    assert!(eval("(a.b).c = x", json!({}), it.clone()));
    assert!(eval("((a.b).c) = (x)", json!({}), it.clone()));
    assert!(eval("(attribute_exists(a.b))", json!({}), it));
}

#[test]
fn nested_paths_and_placeholders() {
    let it = json!({
        "a": {"M": {"b": {"L": [{"N": "0"}, {"N": "1"}, {"M": {"c": {"S": "deep"}}}]}}},
        "and": {"M": {"or": {"N": "2"}}},
        "a.b": {"S": "dotted"},
        "odd name!": {"N": "3"}
    });
    assert!(eval("a.b[2].c = :v", json!({":v": {"S": "deep"}}), it.clone()));
    assert!(eval("a . b [ 1 ] = :v", json!({":v": {"N": "1"}}), it.clone()));
    assert!(!eval("a.b[1] < a.b[2]", json!({}), it.clone()));
    assert!(eval("a.b[0] < a.b[1]", json!({}), it.clone()));
    assert!(eval_with("#n1.#n2 = :two", &[("#n1", "and"), ("#n2", "or")], json!({":two": {"N": "2"}}), it.clone()));
    // A dot inside a substituted name is part of the name.
    assert!(eval_with("#d = :v", &[("#d", "a.b")], json!({":v": {"S": "dotted"}}), it.clone()));
    assert!(eval_with("#x = :v", &[("#x", "odd name!")], json!({":v": {"N": "3"}}), it.clone()));
    assert!(eval_with("a.#k[2].c = :v", &[("#k", "b")], json!({":v": {"S": "deep"}}), it.clone()));
    assert!(eval_with("#1 = :_", &[("#1", "odd name!")], json!({":_": {"N": "3"}}), it));
}

#[test]
fn empty_and_syntax_errors() {
    assert_eq!(cond_err("", json!({})), "Invalid ConditionExpression: The expression can not be empty;");
    assert_eq!(cond_err("   ", json!({})), "Invalid ConditionExpression: The expression can not be empty;");
    assert_eq!(
        cond_err_kind(ExprKind::Filter, "a = = b", &[], json!({})),
        "Invalid FilterExpression: Syntax error; token: \"=\", near: \"= = b\""
    );
    assert_eq!(
        cond_err("foo", json!({})),
        "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"foo\""
    );
    assert_eq!(cond_err("a > 4", json!({})), "Invalid ConditionExpression: Syntax error; token: \"4\", near: \"> 4\"");
    assert_eq!(
        cond_err("a = :v b", json!({":v": {"N": "1"}})),
        "Invalid ConditionExpression: Syntax error; token: \"b\", near: \":v b\""
    );
    assert_eq!(
        cond_err("a != :v", json!({":v": {"N": "1"}})),
        "Invalid ConditionExpression: Syntax error; token: \"!\", near: \"a !=\""
    );
    for bad in [
        "things are not gonna be ok",
        "attribute_exists(Pictures-RearView)",
        "attribute_exists(Pictures..RearView)",
        "attribute_exists(Pi#ctures.RearView)",
        "attribute_exists(asdf[a])",
        "a in b, c",
        "a > between",
        "a in (b,c,)",
        "b[:a] > a",
        "ü > a",
        "(a)between(b.c[4.5].#d)and(:a)",
        "size(a).b > a",
        "(size(a)).b > a",
        "(size(a))[0] > a",
        "a = :v AND",
        "(a = :v",
        "a = :v)",
        "_a = :v",
        "a = # ",
        "NOT",
        "a BETWEEN :v :v",
    ] {
        let e = cond_err(bad, json!({":v": {"N": "1"}}));
        assert!(e.starts_with("Invalid ConditionExpression: Syntax error; token: "), "{bad}: {e}");
    }
}

#[test]
fn redundant_parentheses() {
    for src in [
        "((a = :v))",
        "a = :v and a > ((b))",
        "a = :v AND ((a = :v AND a = :v)) AND a = :v",
        "a = :v OR ((a = :v OR (a = :v OR a = :v)))",
        "(a)between(((b.c)).d)and(c)",
    ] {
        assert_eq!(
            cond_err(src, json!({":v": {"N": "1"}})),
            "Invalid ConditionExpression: The expression has redundant parentheses;",
            "{src}"
        );
    }
    // One pair at each level is fine.
    assert!(eval("((a = :v) AND (b = :v))", json!({":v": {"N": "1"}}), json!({"a": {"N": "1"}, "b": {"N": "1"}})));
    assert!(eval("NOT (a = :v)", json!({":v": {"N": "1"}}), json!({})));
}

#[test]
fn reserved_words() {
    assert_eq!(
        cond_err("status = :v", json!({":v": {"S": "x"}})),
        "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status"
    );
    assert_eq!(
        cond_err_kind(ExprKind::Filter, "a.Name = :v", &[], json!({":v": {"S": "x"}})),
        "Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: Name"
    );
    assert!(cond_err(":v < abOrT", json!({":v": {"S": "x"}})).ends_with("reserved keyword: abOrT"));
    // Through a placeholder it's fine, and function names are not attribute names.
    assert!(eval_with(
        "#s = :v AND size(#s) = :one",
        &[("#s", "status")],
        json!({":v": {"S": "x"}, ":one": {"N": "1"}}),
        json!({"status": {"S": "x"}})
    ));
}

#[test]
fn undefined_placeholders() {
    assert_eq!(
        cond_err("#n = :v", json!({":v": {"S": "x"}})),
        "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #n"
    );
    assert_eq!(
        cond_err("a = :v", json!({})),
        "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :v"
    );
    assert!(cond_err("begins_with(:hello, #a, #b)", json!({})).ends_with("attribute value: :hello"));
    assert!(cond_err("a.b[1].#d = :v", json!({":v": {"S": "x"}})).ends_with("attribute name: #d"));
}

#[test]
fn distinct_operands() {
    for (src, op, path) in [
        ("a = a", "=", "[a]"),
        ("#a <> a", "<>", "[a]"),
        ("((a=a) OR (a=a))", "=", "[a]"),
        ("contains(ab.bc[1].a, ab.bc[1].#a)", "contains", "[ab, bc, [1], a]"),
        ("begins_with(ab.bc[1].a, ab.bc[1].#a)", "begins_with", "[ab, bc, [1], a]"),
    ] {
        let e = cond_err_kind(ExprKind::Filter, src, &[("#a", "a")], json!({}));
        assert_eq!(
            e,
            format!(
                "Invalid FilterExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: {op}, first operand: {path}"
            ),
        );
    }
}

#[test]
fn error_precedence() {
    // Syntax errors come before everything else.
    assert!(cond_err("((status = :nope)) AND", json!({})).contains("Syntax error"));
    // Redundant parentheses before unknown functions before misused ones before reserved words.
    assert!(cond_err("((a = :v)) AND dog(b)", json!({":v": {"N": "1"}})).contains("redundant parentheses"));
    assert!(cond_err("attribute_exists(a) = :v AND dog(b)", json!({":v": {"N": "1"}})).contains("function: dog"));
    assert!(
        cond_err("status = :v AND attribute_exists(a) = :v", json!({":v": {"N": "1"}}))
            .contains("not allowed to be used")
    );
    assert!(cond_err("attribute_exists(views, #a)", json!({})).contains("reserved keyword: views"));
    // Then the first primitive condition that has a problem; within it undefined placeholders,
    // operand counts, distinctness, operand types.
    assert!(cond_err("a = a AND b = :nope", json!({})).contains("distinct"));
    assert!(cond_err("b = :nope AND a = a", json!({})).contains(":nope"));
    assert!(cond_err("attribute_type(a, size(a)) AND a = a", json!({})).contains("attribute_type, operand type: N"));
    assert!(cond_err("attribute_not_exists(size(:a))", json!({":a": {"N": "1"}})).contains("size, operand type: N"));
    assert!(cond_err("attribute_not_exists(size(:a))", json!({":a": {"S": "1"}})).contains("requires a document path"));
}

// ---- the context ----

#[test]
fn unused_placeholders_across_expressions() {
    let req = Req::new(
        &[("#a", "a"), ("#b", "b"), ("#c", "c")],
        json!({":v": {"N": "1"}, ":w": {"N": "2"}, ":x": {"N": "3"}}),
    );
    let cx = req.cx();
    parse_condition("#a = :v", ExprKind::Condition, &cx).unwrap();
    assert_eq!(
        message(cx.check_unused().unwrap_err()),
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b, #c}"
    );
    parse_update("SET #b = :w, #c = :w", &cx).unwrap();
    assert_eq!(
        message(cx.check_unused().unwrap_err()),
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}"
    );
    parse_projection("#a, z", &cx).unwrap();
    parse_condition("a = :x OR b = :v", ExprKind::Filter, &cx).unwrap();
    cx.check_unused().unwrap();
    // Used even when evaluation would short-circuit.
    let req = Req::new(&[("#n", "n")], json!({":v": {"N": "1"}}));
    let cx = req.cx();
    parse_condition("attribute_not_exists(q) OR #n = :v", ExprKind::Condition, &cx).unwrap();
    cx.check_unused().unwrap();
}

#[test]
fn placeholder_keys_must_be_well_formed() {
    let req = Req::new(&[("#ok_1", "x"), ("a", "y")], json!({":v": {"N": "1"}}));
    assert_eq!(
        message(req.cx().check_keys().unwrap_err()),
        "ExpressionAttributeNames contains invalid key: Syntax error; key: \"a\""
    );
    let req = Req::new(&[("#ok", "x")], json!({"v": {"N": "1"}}));
    assert_eq!(
        message(req.cx().check_keys().unwrap_err()),
        "ExpressionAttributeValues contains invalid key: Syntax error; key: \"v\""
    );
    let req = Req::new(&[("#", "x")], json!({}));
    assert!(req.cx().check_keys().is_err());
    Req::new(&[("#1", "x")], json!({":_": {"N": "1"}})).cx().check_keys().unwrap();
}

#[test]
fn paths_print_like_dynamodb() {
    let req = Req::new(&[("#d", "[3]")], json!({}));
    let cx = req.cx();
    let p = parse_projection("a.b[2].#d", &cx).unwrap();
    assert_eq!(p.paths()[0].to_string(), "[a, b, [2], [3]]");
    assert_eq!(p.paths()[0].top(), "a");
    assert_eq!(p.paths()[0].steps(), &[PathStep::Name("b".into()), PathStep::Index(2), PathStep::Name("[3]".into())]);
}

// ---- projections ----

#[test]
fn projection_keeps_paths() {
    let it = json!({
        "id": {"S": "1"}, "name": {"S": "x"}, "n": {"N": "2"},
        "m": {"M": {"a": {"N": "1"}, "b": {"M": {"c": {"S": "deep"}, "d": {"S": "no"}}}, "e": {"BOOL": true}}},
        "l": {"L": [{"S": "l0"}, {"M": {"x": {"N": "1"}, "y": {"N": "2"}}}, {"S": "l2"}, {"S": "l3"}]}
    });
    assert_eq!(project("id, n", &[], it.clone()), json!({"id": {"S": "1"}, "n": {"N": "2"}}));
    assert_eq!(
        project("m.b.c, m.e, absent, m.zz", &[], it.clone()),
        json!({"m": {"M": {"b": {"M": {"c": {"S": "deep"}}}, "e": {"BOOL": true}}}})
    );
    // List elements keep their order, as a shorter list.
    assert_eq!(project("l[3], l[0], l[9]", &[], it.clone()), json!({"l": {"L": [{"S": "l0"}, {"S": "l3"}]}}));
    assert_eq!(project("l[1].y", &[], it.clone()), json!({"l": {"L": [{"M": {"y": {"N": "2"}}}]}}));
    assert_eq!(project("#n", &[("#n", "name")], it.clone()), json!({"name": {"S": "x"}}));
    assert_eq!(project("m.a[0], n.x", &[], it.clone()), json!({}), "paths through the wrong types are absent");
    assert_eq!(project("nothing", &[], it), json!({}));
}

#[test]
fn projection_errors() {
    assert_eq!(project_err("", &[]), "Invalid ProjectionExpression: The expression can not be empty;");
    assert_eq!(
        project_err("a, name", &[]),
        "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: name"
    );
    assert_eq!(
        project_err("a, #b", &[]),
        "Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; attribute name: #b"
    );
    assert_eq!(
        project_err("a, a.b", &[]),
        "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]"
    );
    assert!(project_err("x, #a", &[("#a", "x")]).contains("overlap"));
    assert_eq!(
        project_err("a.b, a[0]", &[]),
        "Invalid ProjectionExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a, [0]]"
    );
    assert!(project_err("a b", &[]).starts_with("Invalid ProjectionExpression: Syntax error; token: \"b\""));
    assert!(project_err("size(a)", &[]).contains("Syntax error"));
    assert!(project_err("a,", &[]).contains("token: \"<EOF>\""));
}

#[test]
fn projection_top_level_names() {
    let req = Req::none();
    let p = parse_projection("a.b, c, a.d, c2[1]", &req.cx()).unwrap();
    assert_eq!(p.top_level_names(), vec!["a", "c", "c2"]);
}

// ---- updates ----

#[test]
fn set_values() {
    let got =
        update("SET a = :v, b = :w", json!({":v": {"S": "x"}, ":w": {"L": []}}), json!({"k": {"S": "1"}})).unwrap();
    assert_eq!(got, json!({"k": {"S": "1"}, "a": {"S": "x"}, "b": {"L": []}}));
    // Clause keywords are case-insensitive; whitespace is free.
    let got = update("  sEt   b=:v  ", json!({":v": {"N": "5"}}), json!({"b": {"N": "1"}})).unwrap();
    assert_eq!(got, json!({"b": {"N": "5"}}));
    // Copies read the item as it was before the update.
    let got = update("SET b = a, a = :v", json!({":v": {"N": "2"}}), json!({"a": {"N": "1"}})).unwrap();
    assert_eq!(got, json!({"a": {"N": "2"}, "b": {"N": "1"}}));
    assert_eq!(
        update("SET x = :v, y = x", json!({":v": {"N": "4"}}), json!({"k": {"S": "1"}})).unwrap_err(),
        "The provided expression refers to an attribute that does not exist in the item"
    );
    assert!(update("SET c = z", json!({}), json!({})).unwrap_err().contains("does not exist"));
    // A new item starts empty.
    let got = update("SET a = :v", json!({":v": {"BOOL": true}}), json!({})).unwrap();
    assert_eq!(got, json!({"a": {"BOOL": true}}));
}

#[test]
fn set_arithmetic() {
    let it = json!({"a": {"N": "5.3"}, "s": {"S": "x"}});
    assert_eq!(update("SET a = a + :v", json!({":v": {"N": "0.05"}}), it.clone()).unwrap()["a"], json!({"N": "5.35"}));
    assert_eq!(update("SET a = :v - a", json!({":v": {"N": "10"}}), it.clone()).unwrap()["a"], json!({"N": "4.7"}));
    assert_eq!(update("SET b = a - a", json!({}), it.clone()).unwrap()["b"], json!({"N": "0"}));
    assert_eq!(update("SET b = (a + :v)", json!({":v": {"N": "1"}}), it.clone()).unwrap()["b"], json!({"N": "6.3"}));
    assert_eq!(update("SET b = (a) + (:v)", json!({":v": {"N": "1"}}), it.clone()).unwrap()["b"], json!({"N": "6.3"}));
    assert_eq!(
        update("SET b = if_not_exists(b, :z) + :one", json!({":z": {"N": "0"}, ":one": {"N": "1"}}), it.clone())
            .unwrap()["b"],
        json!({"N": "1"})
    );
    assert_eq!(
        update("SET s = s + :v", json!({":v": {"N": "1"}}), it.clone()).unwrap_err(),
        "An operand in the update expression has an incorrect data type"
    );
    assert!(update("SET q = q + :v", json!({":v": {"N": "1"}}), it.clone()).unwrap_err().contains("does not exist"));
    assert_eq!(
        update_err("SET a = :v + a", &[], json!({":v": {"S": "x"}})),
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S"
    );
    assert!(
        update_err("SET a = a - :v", &[], json!({":v": {"L": []}}))
            .ends_with("operator or function: -, operand type: L")
    );
    let big = json!({":v": {"N": "99999999999999999999999999999999999999"}});
    assert!(update("SET a = :v + :v", big, json!({})).unwrap_err().contains("38"));
    // Only one + or - per value.
    assert!(update_err("SET b = a + :v + :v", &[], json!({":v": {"N": "1"}})).contains("Syntax error; token: \"+\""));
}

#[test]
fn list_append_and_if_not_exists() {
    let it = json!({"l": {"L": [{"S": "a"}]}, "s": {"S": "x"}});
    let v = json!({":v": {"L": [{"N": "1"}, {"S": "b"}]}});
    assert_eq!(
        update("SET l = list_append(l, :v)", v.clone(), it.clone()).unwrap()["l"],
        json!({"L": [{"S": "a"}, {"N": "1"}, {"S": "b"}]})
    );
    assert_eq!(
        update("SET l = list_append(:v, l)", v.clone(), it.clone()).unwrap()["l"],
        json!({"L": [{"N": "1"}, {"S": "b"}, {"S": "a"}]})
    );
    assert_eq!(
        update(
            "SET m = list_append(if_not_exists(m, :e), :v)",
            json!({":e": {"L": []}, ":v": {"L": [{"N": "1"}]}}),
            it.clone()
        )
        .unwrap()["m"],
        json!({"L": [{"N": "1"}]})
    );
    assert!(update("SET l = list_append(q, :v)", v.clone(), it.clone()).unwrap_err().contains("does not exist"));
    assert_eq!(
        update("SET l = list_append(s, :v)", v, it.clone()).unwrap_err(),
        "An operand in the update expression has an incorrect data type"
    );
    assert_eq!(
        update_err("SET l = list_append(l, :v)", &[], json!({":v": {"S": "x"}})),
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: S"
    );
    assert_eq!(
        update_err("SET l = list_append(l)", &[], json!({})),
        "Invalid UpdateExpression: Incorrect number of operands for operator or function; operator or function: list_append, number of operands: 1"
    );
    // if_not_exists
    let v = json!({":v": {"N": "9"}});
    assert_eq!(update("SET a = if_not_exists(a, :v)", v.clone(), json!({})).unwrap()["a"], json!({"N": "9"}));
    assert_eq!(update("SET s = if_not_exists(s, :v)", v.clone(), it.clone()).unwrap()["s"], json!({"S": "x"}));
    assert_eq!(update("SET t = if_not_exists(s, :v)", v.clone(), it.clone()).unwrap()["t"], json!({"S": "x"}));
    assert_eq!(
        update("SET a = if_not_exists (b, if_not_exists(c, :v))", v.clone(), json!({})).unwrap()["a"],
        json!({"N": "9"})
    );
    assert_eq!(
        update_err("SET a = if_not_exists(:v, :v)", &[], v.clone()),
        "Invalid UpdateExpression: Operator or function requires a document path; operator or function: if_not_exists"
    );
    assert!(update_err("SET a = if_not_exists(a)", &[], json!({})).contains("if_not_exists, number of operands: 1"));
    assert_eq!(
        update_err("SET a = f(b, c)", &[], json!({})),
        "Invalid UpdateExpression: Invalid function name; function: f"
    );
    assert!(update_err("SET a = LIST_APPEND(a, b)", &[], json!({})).contains("function: LIST_APPEND"));
    assert!(update_err("SET a = size(b)", &[], json!({})).contains("Invalid function name; function: size"));
    assert!(
        update_err("SET c = if_not_exists(c, :a + :b)", &[], json!({":a": {"N": "1"}, ":b": {"N": "1"}}))
            .contains("Syntax error")
    );
}

#[test]
fn set_nested_paths() {
    let it = json!({"a": {"M": {"b": {"N": "3"}, "c": {"L": [{"S": "hi"}, {"M": {"x": {"M": {"y": {"L": [{"N": "3"}, {"N": "5"}, {"N": "7"}]}}}}}]}}}, "s": {"S": "str"}});
    let got = update_with("SET a.c[1].#n.y[1] = :v, a.d = :v", &[("#n", "x")], json!({":v": {"N": "9"}}), it.clone())
        .unwrap();
    assert_eq!(got["a"]["M"]["c"]["L"][1]["M"]["x"]["M"]["y"]["L"][1], json!({"N": "9"}));
    assert_eq!(got["a"]["M"]["d"], json!({"N": "9"}));
    let got = update("SET z = a.c[1].x.y[2]", json!({}), it.clone()).unwrap();
    assert_eq!(got["z"], json!({"N": "7"}));
    for bad in ["SET q.c = :v", "SET s.c = :v", "SET a.c.x = :v", "SET s[0] = :v", "SET q[0] = :v", "SET a.c[7].x = :v"]
    {
        assert_eq!(
            update(bad, json!({":v": {"N": "1"}}), it.clone()).unwrap_err(),
            "The document path provided in the update expression is invalid for update",
            "{bad}"
        );
    }
    assert!(update("SET c.c = :v", json!({":v": {"N": "1"}}), json!({})).unwrap_err().contains("invalid for update"));
    // A dot inside a substituted name is a top-level name.
    let got = update_with("SET #a = :v", &[("#a", "a.b")], json!({":v": {"N": "1"}}), json!({})).unwrap();
    assert_eq!(got, json!({"a.b": {"N": "1"}}));
}

#[test]
fn set_list_index_past_the_end_appends_in_order() {
    let it = json!({"a": {"L": [{"S": "one"}, {"S": "two"}, {"S": "three"}]}});
    let got = update("SET a[7] = :v", json!({":v": {"S": "hello"}}), it.clone()).unwrap();
    assert_eq!(got["a"]["L"].as_array().unwrap().len(), 4);
    assert_eq!(got["a"]["L"][3], json!({"S": "hello"}));
    let got = update(
        "SET a[84] = :v1, a[37] = :v2, a[17] = :v3, a[50] = :v4, a[1] = :v5",
        json!({":v1": {"S": "a1"}, ":v2": {"S": "a2"}, ":v3": {"S": "a3"}, ":v4": {"S": "a4"}, ":v5": {"S": "TWO"}}),
        it,
    )
    .unwrap();
    let strings: Vec<&str> = got["a"]["L"].as_array().unwrap().iter().map(|v| v["S"].as_str().unwrap()).collect();
    assert_eq!(strings, ["one", "TWO", "three", "a3", "a2", "a4", "a1"]);
}

#[test]
fn remove_actions() {
    let it = json!({
        "k": {"S": "1"}, "a": {"S": "x"}, "b": {"N": "1"},
        "m": {"M": {"x": {"N": "1"}, "c": {"L": [{"S": "hi"}, {"M": {"y": {"L": [{"N": "3"}, {"N": "5"}, {"N": "7"}]}, "q": {"N": "2"}}}]}}},
        "l": {"L": [{"N": "2"}, {"N": "3"}, {"N": "4"}, {"N": "5"}, {"N": "6"}, {"N": "7"}]}
    });
    let got = update("REMOVE a, b, absent", json!({}), it.clone()).unwrap();
    assert!(got.get("a").is_none() && got.get("b").is_none() && got.get("k").is_some());
    let got = update("REMOVE m.c[1].y[1], m.c[1].q, m.x", json!({}), it.clone()).unwrap();
    assert_eq!(got["m"], json!({"M": {"c": {"L": [{"S": "hi"}, {"M": {"y": {"L": [{"N": "3"}, {"N": "7"}]}}}]}}}));
    // Several indexes of one list mean the original positions.
    let got = update("REMOVE l[1], l[3], l[0]", json!({}), it.clone()).unwrap();
    assert_eq!(got["l"], json!({"L": [{"N": "4"}, {"N": "6"}, {"N": "7"}]}));
    // Also when mixed with SET.
    let got = update("REMOVE l[1] SET l[3] = :v", json!({":v": {"N": "17"}}), it.clone()).unwrap();
    assert_eq!(got["l"], json!({"L": [{"N": "2"}, {"N": "4"}, {"N": "17"}, {"N": "6"}, {"N": "7"}]}));
    let got = update("SET l[3] = :v REMOVE l[1]", json!({":v": {"N": "17"}}), it.clone()).unwrap();
    assert_eq!(got["l"], json!({"L": [{"N": "2"}, {"N": "4"}, {"N": "17"}, {"N": "6"}, {"N": "7"}]}));
    // Missing leaves are ignored; absent or mistyped parents are errors.
    assert_eq!(update("REMOVE l[17], m.nope", json!({}), it.clone()).unwrap(), item_to_json(&item(it.clone())));
    for bad in ["REMOVE a.c", "REMOVE nope.c", "REMOVE nope[0]", "REMOVE a[0]"] {
        assert!(update(bad, json!({}), it.clone()).unwrap_err().contains("invalid for update"), "{bad}");
    }
    // On a absent item any REMOVE does nothing.
    assert_eq!(update("REMOVE x.y, z[0], w", json!({}), json!({})).unwrap(), json!({}));
    // Removing the last member leaves an empty map or list.
    let got = update("REMOVE m.x, m.c", json!({}), it).unwrap();
    assert_eq!(got["m"], json!({"M": {}}));
}

#[test]
fn add_actions() {
    let it = json!({"n": {"N": "3"}, "s": {"S": "hi"}, "ss": {"SS": ["dog", "cat"]}, "ns": {"NS": ["1", "2"]}, "m": {"M": {"c": {"N": "1"}}}});
    assert_eq!(update("ADD n :v", json!({":v": {"N": "4"}}), it.clone()).unwrap()["n"], json!({"N": "7"}));
    assert_eq!(update("ADD n :v", json!({":v": {"N": "-3"}}), it.clone()).unwrap()["n"], json!({"N": "0"}));
    assert_eq!(
        update("add x :v, y :w", json!({":v": {"N": "1.2"}, ":w": {"N": "-0.5"}}), it.clone()).unwrap()["y"],
        json!({"N": "-0.5"})
    );
    assert_eq!(
        update("ADD m.c :v", json!({":v": {"N": "1"}}), it.clone()).unwrap()["m"],
        json!({"M": {"c": {"N": "2"}}})
    );
    assert_eq!(update("ADD m.d :v", json!({":v": {"N": "1"}}), it.clone()).unwrap()["m"]["M"]["d"], json!({"N": "1"}));
    assert!(update("ADD q.d :v", json!({":v": {"N": "1"}}), it.clone()).unwrap_err().contains("invalid for update"));
    assert_eq!(update("ADD n :v", json!({":v": {"N": "8"}}), json!({})).unwrap(), json!({"n": {"N": "8"}}));
    // Sets: union, keeping the existing order.
    assert_eq!(
        update("ADD ss :v", json!({":v": {"SS": ["cat", "pig"]}}), it.clone()).unwrap()["ss"],
        json!({"SS": ["dog", "cat", "pig"]})
    );
    assert_eq!(
        update("ADD ns :v", json!({":v": {"NS": ["2.0", "3"]}}), it.clone()).unwrap()["ns"],
        json!({"NS": ["1", "2", "3"]})
    );
    assert_eq!(
        update("ADD fresh :v", json!({":v": {"BS": ["AA=="]}}), it.clone()).unwrap()["fresh"],
        json!({"BS": ["AA=="]})
    );
    for (path, v) in
        [("s", json!({"N": "1"})), ("n", json!({"SS": ["a"]})), ("ss", json!({"NS": ["1"]})), ("ns", json!({"N": "1"}))]
    {
        assert_eq!(
            update(&format!("ADD {path} :v"), json!({":v": v}), it.clone()).unwrap_err(),
            "An operand in the update expression has an incorrect data type",
            "{path}"
        );
    }
    for (v, t) in [
        (json!({"S": "a"}), "STRING"),
        (json!({"B": "AA=="}), "BINARY"),
        (json!({"BOOL": true}), "BOOLEAN"),
        (json!({"NULL": true}), "NULL"),
        (json!({"L": []}), "LIST"),
        (json!({"M": {}}), "MAP"),
    ] {
        assert_eq!(
            update_err("ADD a :v", &[], json!({":v": v})),
            format!(
                "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: {t}, typeSet: ALLOWED_FOR_ADD_OPERAND"
            )
        );
    }
}

#[test]
fn delete_actions() {
    let it = json!({"k": {"S": "1"}, "ss": {"SS": ["dog", "cat", "mouse"]}, "ns": {"NS": ["1", "2"]}, "s": {"S": "x"}});
    assert_eq!(
        update("DELETE ss :v", json!({":v": {"SS": ["cat", "mouse", "pig"]}}), it.clone()).unwrap()["ss"],
        json!({"SS": ["dog"]})
    );
    assert_eq!(update("DELETE ns :v", json!({":v": {"NS": ["1.0"]}}), it.clone()).unwrap()["ns"], json!({"NS": ["2"]}));
    // Deleting every member removes the attribute.
    let got = update("DELETE ss :v", json!({":v": {"SS": ["cat", "dog", "mouse"]}}), it.clone()).unwrap();
    assert!(got.get("ss").is_none());
    // Deleting from a absent attribute does nothing.
    assert_eq!(
        update("DELETE zz :v", json!({":v": {"SS": ["a"]}}), it.clone()).unwrap(),
        item_to_json(&item(it.clone()))
    );
    assert_eq!(update("DELETE zz :v", json!({":v": {"SS": ["a"]}}), json!({})).unwrap(), json!({}));
    for (path, v) in [("s", json!({"SS": ["x"]})), ("ss", json!({"NS": ["1"]}))] {
        assert_eq!(
            update(&format!("DELETE {path} :v"), json!({":v": v}), it.clone()).unwrap_err(),
            "An operand in the update expression has an incorrect data type"
        );
    }
    assert_eq!(
        update_err("DELETE ss :v", &[], json!({":v": {"N": "1"}})),
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER, typeSet: ALLOWED_FOR_DELETE_OPERAND"
    );
    assert!(update_err("DELETE ss :v", &[], json!({":v": {"S": "a"}})).contains("operand type: STRING"));
}

#[test]
fn update_is_all_or_nothing() {
    let it = json!({"a": {"N": "1"}, "s": {"S": "x"}});
    let req = Req::new(&[], json!({":v": {"N": "2"}}));
    let cx = req.cx();
    let u = parse_update("SET a = :v, b = :v ADD s :v", &cx).unwrap();
    let mut got = item(it.clone());
    assert!(u.apply(&mut got).is_err());
    assert_eq!(got, item(it));
}

#[test]
fn update_sections_and_targets() {
    let req = Req::new(&[("#k", "pk")], json!({":v": {"N": "1"}, ":s": {"SS": ["a"]}}));
    let cx = req.cx();
    let u = parse_update("REMOVE a.b, x SET c = :v, #k = :v ADD d :v DELETE e.f :s", &cx).unwrap();
    assert_eq!(u.top_level_targets(), vec!["a", "x", "c", "pk", "d", "e"]);
    assert_eq!(u.targets().len(), 6);
    cx.check_unused().unwrap();
    for (src, section) in [
        ("SET a = :v SET b = :v", "SET"),
        ("REMOVE a SET b = :v REMOVE c", "REMOVE"),
        ("ADD a :v SET b = :v ADD c :v", "ADD"),
        ("delete a :s delete b :s", "DELETE"),
    ] {
        assert_eq!(
            update_err(src, &[], json!({":v": {"N": "1"}, ":s": {"SS": ["a"]}})),
            format!(
                "Invalid UpdateExpression: The \"{section}\" section can only be used once in an update expression;"
            )
        );
    }
}

#[test]
fn update_path_overlaps_and_conflicts() {
    let names = [("#c", "c"), ("#d", "[3]")];
    for (src, one, two) in [
        ("set d[1] = a, d.b = a, c[1].a = a, #c = if_not_exists(a)", "[c, [1], a]", "[c]"),
        ("set c.b.#c = a, c = a", "[c, b, c]", "[c]"),
        ("set a = b remove a", "[a]", "[a]"),
        ("set #c[3].#d = a, #c[3] = a", "[c, [3], [3]]", "[c, [3]]"),
        ("remove c, #c.a", "[c]", "[c, a]"),
        ("SET a = :v, a.b = :v", "[a]", "[a, b]"),
        ("SET a[1][1] = :v, a[1] = :v", "[a, [1], [1]]", "[a, [1]]"),
    ] {
        let names: Vec<(&str, &str)> = names.iter().copied().filter(|(k, _)| src.contains(k)).collect();
        let values = if src.contains(":v") { json!({":v": {"N": "1"}}) } else { json!({}) };
        assert_eq!(
            update_err(src, &names, values),
            format!(
                "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: {one}, path two: {two}"
            ),
            "{src}"
        );
    }
    for (src, one, two) in [
        ("set #c[3].#d = a, #c.#d[3] = b", "[c, [3], [3]]", "[c, [3], [3]]"),
        ("remove a.#c set a[1] = b", "[a, c]", "[a, [1]]"),
    ] {
        let names: Vec<(&str, &str)> = names.iter().copied().filter(|(k, _)| src.contains(k)).collect();
        assert_eq!(
            update_err(src, &names, json!({})),
            format!(
                "Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: {one}, path two: {two}"
            ),
            "{src}"
        );
    }
    // Paths that only share a prefix are fine.
    let got = update(
        "SET a.b = :v, a.c.d = :v, b.x = :v REMOVE a.x, b.y",
        json!({":v": {"N": "1"}}),
        json!({"a": {"M": {"x": {"N": "3"}, "c": {"M": {}}}}, "b": {"M": {"x": {"N": "1"}, "y": {"N": "2"}}}}),
    )
    .unwrap();
    assert_eq!(
        got,
        json!({"a": {"M": {"b": {"N": "1"}, "c": {"M": {"d": {"N": "1"}}}}}, "b": {"M": {"x": {"N": "1"}}}})
    );
}

#[test]
fn update_syntax_and_name_errors() {
    assert_eq!(update_err("", &[], json!({})), "Invalid UpdateExpression: The expression can not be empty;");
    assert_eq!(
        update_err("SET MyStr = myNum + 1", &[], json!({})),
        "Invalid UpdateExpression: Syntax error; token: \"1\", near: \"+ 1\""
    );
    assert_eq!(
        update_err("SET MyStr = myNum Mystr2 myNum2", &[], json!({})),
        "Invalid UpdateExpression: Syntax error; token: \"Mystr2\", near: \"myNum Mystr2 myNum2\""
    );
    assert_eq!(
        update_err("SET MyStr = my Num", &[], json!({})),
        "Invalid UpdateExpression: Syntax error; token: \"Num\", near: \"my Num\""
    );
    assert_eq!(
        update_err("SET _123 = :v", &[], json!({})),
        "Invalid UpdateExpression: Syntax error; token: \"_\", near: \"SET _123\""
    );
    for bad in [
        "whatever",
        "set a",
        "add a",
        "delete a",
        "set a=set",
        "remove a = b",
        "add a = b",
        "delete a b",
        "add abort b",
        "remove a b",
        "set a b",
        "set :a = b",
        "remove :a",
        "set a = b / c",
        "set a[1] = 1",
        "set a[:x] = b",
        "set a[#x] = b",
        "SET if_not_exist(a, b) = a",
        "set (a = (b + c))",
        "set a = (b.c).d + e",
        "SET a = :v,",
        "SET # = :v",
        "SET a = :",
        "SET hi-there = :v",
    ] {
        let e = update_err(bad, &[], json!({":v": {"N": "1"}}));
        assert!(e.starts_with("Invalid UpdateExpression: Syntax error; token: "), "{bad}: {e}");
    }
    assert_eq!(
        update_err(" set #c = :v set abOrt = :v ", &[("#c", "c")], json!({":v": {"N": "1"}})),
        "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: abOrt"
    );
    assert!(update_err("SET a = :v", &[], json!({})).ends_with("attribute value: :v"));
    assert!(update_err("SET #a = :v", &[], json!({":v": {"N": "1"}})).ends_with("attribute name: #a"));
    assert!(update_err("SET a = b.#c", &[], json!({})).ends_with("attribute name: #c"));
    // Reserved words win over undefined placeholders and repeated sections.
    assert!(update_err("SET status = :nope SET b = :nope", &[], json!({})).contains("reserved keyword: status"));
    // ADD and DELETE operand errors lose to path overlaps.
    assert!(update_err("SET a = :s ADD a :s", &[], json!({":s": {"S": "x"}})).contains("overlap"));
}

#[test]
fn update_placeholders_on_both_sides() {
    let got = update_with("SET #one = #two", &[("#one", "c"), ("#two", "a")], json!({}), json!({"a": {"S": "hello"}}))
        .unwrap();
    assert_eq!(got["c"], json!({"S": "hello"}));
    let req = Req::new(&[("#one", "c"), ("#two", "a"), ("#three", "z")], json!({}));
    let cx = req.cx();
    parse_update("SET #one = #two", &cx).unwrap();
    assert!(message(cx.check_unused().unwrap_err()).ends_with("keys: {#three}"));
}

// ---- key conditions ----

#[test]
fn key_conditions_split_into_hash_and_range() {
    let v = json!({":p": {"S": "k"}, ":c": {"N": "5"}, ":d": {"N": "9"}});
    let only = |src: &str, values: Value| key(src, values, Some("c")).unwrap_or_else(|e| panic!("{src}: {e}"));
    assert_eq!(key("p = :p", json!({":p": {"S": "k"}}), None).unwrap(), KeyCondition { hash: s("k"), range: None });
    assert_eq!(only(" p  =   :p ", json!({":p": {"S": "k"}})).range, None);
    for (src, want) in [
        ("p = :p AND c = :c", RangeCondition::Eq(n("5"))),
        ("p = :p AND c < :c", RangeCondition::Lt(n("5"))),
        ("p = :p AND c <= :c", RangeCondition::Le(n("5"))),
        ("p = :p AND c > :c", RangeCondition::Gt(n("5"))),
        ("p = :p AND c >= :c", RangeCondition::Ge(n("5"))),
        // Operands either way round; conditions in either order.
        (":p = p AND :c < c", RangeCondition::Gt(n("5"))),
        ("c >= :c and p = :p", RangeCondition::Ge(n("5"))),
        (":c >= c AND p = :p", RangeCondition::Le(n("5"))),
        ("p = :p AnD c BeTwEeN :c aNd :d", RangeCondition::Between(n("5"), n("9"))),
        ("((c = :c) AND (p = :p))", RangeCondition::Eq(n("5"))),
    ] {
        let mut values = v.clone();
        if !src.contains(":d") {
            values.as_object_mut().unwrap().remove(":d");
        }
        let k = only(src, values);
        assert_eq!(k.hash, s("k"), "{src}");
        assert_eq!(k.range, Some(want), "{src}");
    }
    let k = only("p = :p AND begins_with(c, :c)", json!({":p": {"S": "k"}, ":c": {"S": "ab"}}));
    assert_eq!(k.range, Some(RangeCondition::BeginsWith(s("ab"))));
    let req = Req::new(&[("#h", "p"), ("#r", "c")], json!({":p": {"S": "k"}, ":c": {"N": "1"}}));
    let cx = req.cx();
    let k = key_condition("#h = :p AND #r > :c", &cx, "p", Some("c")).unwrap();
    assert_eq!(k.range, Some(RangeCondition::Gt(n("1"))));
    cx.check_unused().unwrap();
}

#[test]
fn key_condition_errors() {
    let v = |src: &str| {
        let mut values = serde_json::Map::new();
        for (name, val) in
            [(":p", json!({"S": "k"})), (":c", json!({"N": "3"})), (":d", json!({"N": "7"})), (":a", json!({"N": "1"}))]
        {
            if src.contains(name) {
                values.insert(name.into(), val);
            }
        }
        Value::Object(values)
    };
    let err = |src: &str| key(src, v(src), Some("c")).unwrap_err();
    for (src, want) in [
        ("c = :c", "Query condition missed key schema element: p"),
        ("x = :a", "Query condition missed key schema element: p"),
        ("p = :p AND a < :a", "Query condition missed key schema element: c"),
        ("p < :p", "Query key condition not supported"),
        ("begins_with(p, :p)", "Query key condition not supported"),
        ("p BETWEEN :p AND :p", "Query key condition not supported"),
        ("p = :p AND p = :p", "KeyConditionExpressions must only contain one condition per key"),
        ("p = :p AND c >= :c AND c <= :d", "KeyConditionExpressions must only contain one condition per key"),
        ("p = :p AND c < :c AND a < :a", "Conditions can be of length 1 or 2 only"),
        ("c = :c OR p = :p", "Invalid operator used in KeyConditionExpression: OR"),
        ("NOT c = :c AND p = :p", "Invalid operator used in KeyConditionExpression: NOT"),
        ("p = :p AND c <> :c", "Invalid operator used in KeyConditionExpression: <>"),
        ("p = :p AND c IN (:c)", "Invalid operator used in KeyConditionExpression: IN"),
        ("p = :p AND attribute_exists(c)", "Invalid operator used in KeyConditionExpression: attribute_exists"),
        ("p = :p AND contains(c, :c)", "Invalid operator used in KeyConditionExpression: contains"),
        ("p = :p AND a.b < :a", "KeyConditionExpressions cannot have conditions on nested attributes"),
        ("p = :p AND c[0] < :a", "KeyConditionExpressions cannot have conditions on nested attributes"),
        ("p = c", "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"),
        (":p = :a", "Invalid condition in KeyConditionExpression: No key attribute specified"),
        ("p = :p AND size(c) > :c", "KeyConditionExpressions cannot contain nested operations"),
        (
            ":c BETWEEN c AND :d AND p = :p",
            "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand",
        ),
        (
            "begins_with(:p, c) AND p = :p",
            "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand",
        ),
    ] {
        assert_eq!(err(src), want, "{src}");
    }
    assert_eq!(
        key("p = :p AND x = :a", v("p = :p AND x = :a"), None).unwrap_err(),
        "Query key condition not supported"
    );
    assert_eq!(
        key("", json!({}), Some("c")).unwrap_err(),
        "Invalid KeyConditionExpression: The expression can not be empty;"
    );
    assert!(err("p = :p AND c != :c").starts_with("Invalid KeyConditionExpression: Syntax error; token: \"!\""));
    assert_eq!(
        err("p = :nope"),
        "Invalid KeyConditionExpression: An expression attribute value used in expression is not defined; attribute value: :nope"
    );
    assert!(err("p = :p AND dog(c, :c)").ends_with("Invalid function name; function: dog"));
    assert!(
        key("p = :p AND begins_with(c, :c)", json!({":p": {"S": "k"}, ":c": {"N": "3"}}), Some("c"))
            .unwrap_err()
            .contains("begins_with")
    );
    assert!(
        key("p = :p AND c BETWEEN :d AND :c", json!({":p": {"S": "k"}, ":c": {"N": "3"}, ":d": {"N": "7"}}), Some("c"))
            .unwrap_err()
            .contains("upper bound")
    );
    assert!(err("status = :p").contains("reserved keyword: status"));
    // Unused values are the caller's check, as for every expression.
    assert!(key("p = :p", json!({":p": {"S": "k"}, ":qq": {"N": "1"}}), None).unwrap_err().contains(":qq"));
}

#[test]
fn range_conditions_match_sort_keys() {
    let check = |c: RangeCondition, v: AttributeValue, want: bool| assert_eq!(c.matches(&v), want, "{c:?} {v:?}");
    check(RangeCondition::Eq(n("5")), n("5.0"), true);
    check(RangeCondition::Lt(n("5")), n("4"), true);
    check(RangeCondition::Lt(n("5")), n("5"), false);
    check(RangeCondition::Le(n("5")), n("5"), true);
    check(RangeCondition::Gt(s("b")), s("ba"), true);
    check(RangeCondition::Ge(s("b")), s("a"), false);
    check(RangeCondition::Between(n("1"), n("3")), n("3"), true);
    check(RangeCondition::Between(n("1"), n("3")), n("0"), false);
    check(RangeCondition::BeginsWith(s("ab")), s("abc"), true);
    check(RangeCondition::BeginsWith(s("ab")), s("a"), false);
    check(RangeCondition::BeginsWith(AttributeValue::B(vec![1])), AttributeValue::B(vec![1, 2]), true);
    check(RangeCondition::Lt(n("5")), s("1"), false);
    assert_eq!(RangeCondition::Between(n("1"), n("3")).values(), vec![&n("1"), &n("3")]);
}

// ---- limits and odds and ends ----

#[test]
fn expression_limits() {
    let long = format!("a = :v{}", " ".repeat(4100));
    assert_eq!(
        cond_err(&long, json!({":v": {"N": "1"}})),
        "Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; expression size: 4106"
    );
    let deep = format!("{}a = :v{}", "(".repeat(101), ")".repeat(101));
    assert!(cond_err(&deep, json!({":v": {"N": "1"}})).contains("Syntax error; token: \"(\""));
    // At most 300 operators and functions.
    let many: Vec<String> = (0..150).map(|_| "a = :v".to_string()).collect();
    assert!(eval(&many.join(" OR "), json!({":v": {"N": "1"}}), json!({"a": {"N": "1"}})));
    let many: Vec<String> = (0..151).map(|_| "a = :v".to_string()).collect();
    assert_eq!(
        cond_err(&many.join(" OR "), json!({":v": {"N": "1"}})),
        "Invalid ConditionExpression: The expression contains too many operators; operator count: 301"
    );
    let nots = format!("{}a = :v", "NOT ".repeat(298));
    assert!(eval(&nots, json!({":v": {"N": "1"}}), json!({"a": {"N": "1"}})));
    let sets: Vec<String> = (0..301).map(|i| format!("a{i}=:v+:v")).collect();
    assert!(
        update_err(&format!("SET {}", sets.join(",")), &[], json!({":v": {"N": "1"}})).contains("operator count: 301")
    );
}

#[test]
fn add_and_delete_inside_documents() {
    let it = json!({"l": {"L": [{"N": "1"}, {"SS": ["a"]}]}, "m": {"M": {}}});
    let got = update("ADD l[0] :n, l[1] :s", json!({":n": {"N": "2"}, ":s": {"SS": ["b"]}}), it.clone()).unwrap();
    assert_eq!(got["l"], json!({"L": [{"N": "3"}, {"SS": ["a", "b"]}]}));
    let got = update("DELETE l[1] :s", json!({":s": {"SS": ["a"]}}), it.clone()).unwrap();
    assert_eq!(got["l"], json!({"L": [{"N": "1"}]}));
    assert!(
        update("DELETE q.r :s", json!({":s": {"SS": ["a"]}}), it.clone()).unwrap_err().contains("invalid for update")
    );
    assert_eq!(update("DELETE m.r :s", json!({":s": {"SS": ["a"]}}), it.clone()).unwrap()["m"], json!({"M": {}}));
}

#[test]
fn names_are_reported_before_values() {
    let req = Req::new(&[("#x", "x")], json!({":x": {"N": "1"}}));
    assert!(message(req.cx().check_unused().unwrap_err()).contains("ExpressionAttributeNames"));
    Req::none().cx().check_unused().unwrap();
}

#[test]
fn paths_resolve_in_items() {
    let it = item(json!({"a": {"M": {"b": {"L": [{"S": "x"}]}}}}));
    let req = Req::none();
    let p = parse_projection("a.b[0], a.b[1], a.c, z", &req.cx()).unwrap();
    let found: Vec<bool> = p.paths().iter().map(|p| p.resolve(&it).is_some()).collect();
    assert_eq!(found, [true, false, false, false]);
    assert!(p.paths()[3].is_top_level());
    assert_eq!(Path::attribute("a").resolve(&it), it.get("a"));
}
