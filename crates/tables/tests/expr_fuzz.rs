//! Deterministic fuzzing of the expression parsers: tens of thousands of random token
//! soups and byte strings must each give an answer (a parse or a ValidationException),
//! never a panic or a hang.

mod common;

use common::Rng;
use squall_tables::expr::{ExprContext, ExprKind, key_condition, parse_condition, parse_projection, parse_update};
use squall_tables::{AttributeValue, Error, Item, Number};
use std::collections::HashMap;

const TOKENS: &[&str] = &[
    "a",
    "b",
    "#n",
    ":v",
    ":s",
    ":l",
    "=",
    "<>",
    "<",
    "<=",
    ">",
    ">=",
    "(",
    ")",
    "[",
    "]",
    "0",
    "7",
    ".",
    ",",
    "AND",
    "OR",
    "NOT",
    "BETWEEN",
    "IN",
    "SET",
    "REMOVE",
    "ADD",
    "DELETE",
    "+",
    "-",
    "size",
    "attribute_exists",
    "begins_with",
    "contains",
    "if_not_exists",
    "list_append",
    "attribute_type",
    "status",
    "#undefined",
    ":undefined",
    " ",
    "",
];

#[test]
fn random_expressions_never_panic() {
    let names = HashMap::from([("#n".to_string(), "name".to_string())]);
    let values = HashMap::from([
        (":v".to_string(), AttributeValue::N(Number::parse("1").unwrap())),
        (":s".to_string(), AttributeValue::S("x".into())),
        (":l".to_string(), AttributeValue::L(vec![AttributeValue::Bool(true)])),
    ]);
    let item = Item::from([
        ("a".to_string(), AttributeValue::N(Number::parse("3").unwrap())),
        ("name".to_string(), AttributeValue::S("xyz".into())),
        ("b".to_string(), AttributeValue::L(vec![AttributeValue::Null, AttributeValue::S("q".into())])),
    ]);
    let mut rng = Rng(42);
    let mut parsed = 0;
    for i in 0..30_000 {
        let src: String = if i % 10 == 0 {
            (0..rng.next() % 40).map(|_| char::from((rng.next() % 96 + 32) as u8)).collect()
        } else {
            (0..rng.next() % 16)
                .map(|_| TOKENS[(rng.next() % TOKENS.len() as u64) as usize])
                .collect::<Vec<_>>()
                .join(" ")
        };
        let cx = ExprContext::new(&names, &values);
        let check = |r: Result<(), Error>| match r {
            Ok(()) | Err(Error::Validation(_)) => {}
            Err(other) => panic!("{src:?}: not a validation error: {other}"),
        };
        if let Ok(c) = parse_condition(&src, ExprKind::Condition, &cx) {
            parsed += 1;
            check(c.eval(&item).map(drop));
        }
        if let Ok(u) = parse_update(&src, &cx) {
            parsed += 1;
            let mut copy = item.clone();
            check(u.apply(&mut copy));
        }
        if let Ok(p) = parse_projection(&src, &cx) {
            parsed += 1;
            p.apply(&item);
        }
        check(key_condition(&src, &cx, "a", Some("b")).map(drop));
    }
    // The soups are not all rejected: the generator reaches the evaluators too.
    assert!(parsed > 300, "only {parsed} parsed");
}
