//! JSONata, the other query language of the States language (`QueryLanguage: JSONata`):
//! `{% … %}` expressions in a state's fields, evaluated by the `jsonata-rs` crate with
//! `$states` (the state's input, a Task's result, a caught error, the context object) and
//! the workflow's variables bound, plus the functions Step Functions adds and those of
//! JSONata's library the crate lacks (`functions`).

use crate::Failure;
use crate::failure::names;
use bumpalo::Bump;
use jsonata_rs::{ArrayFlags, JsonAta, Value as J};
use serde_json::{Map, Value};

mod functions;

/// How deep an expression may recurse, and for how long (ms) it may run.
const MAX_DEPTH: usize = 200;
const MAX_MS: usize = 1000;

/// The expression inside a `{% … %}` string, if it is one.
pub fn expression(text: &str) -> Option<&str> {
    text.trim().strip_prefix("{%")?.strip_suffix("%}").map(str::trim)
}

/// Whether an expression parses (for definitions' checks); why not.
pub fn check(expr: &str) -> Result<(), String> {
    let arena = Bump::new();
    JsonAta::new(expr, &arena).map(|_| ()).map_err(|e| format!("The JSONata expression '{expr}' is invalid: {e}"))
}

/// What expressions see: `$states` and the variables.
pub struct Bindings<'v> {
    pub states: Value,
    pub variables: &'v Map<String, Value>,
}

fn failure(expr: &str, why: impl std::fmt::Display) -> Failure {
    Failure::new(
        names::QUERY_EVALUATION_ERROR,
        format!("An error occurred while evaluating the JSONata expression '{expr}': {why}"),
    )
}

/// Evaluates one expression; `None` when it is undefined (no value).
pub fn evaluate(expr: &str, b: &Bindings<'_>) -> Result<Option<Value>, Failure> {
    let arena = Bump::new();
    let jsonata = JsonAta::new(expr, &arena).map_err(|e| failure(expr, e))?;
    for (name, arity, f) in functions::ADDED {
        jsonata.register_function(name, *arity, *f);
    }
    jsonata.assign_var("states", to_j(&arena, &b.states));
    for (k, v) in b.variables {
        jsonata.assign_var(k, to_j(&arena, v));
    }
    // Bounded, so a runaway expression fails its state instead of the server.
    let result = jsonata.evaluate_timeboxed(None, Some(MAX_DEPTH), Some(MAX_MS)).map_err(|e| failure(expr, e))?;
    if result.is_undefined() {
        return Ok(None);
    }
    if result.is_function() {
        return Err(failure(expr, "it evaluates to a function"));
    }
    serde_json::from_str(&result.serialize(false)).map(Some).map_err(|e| failure(expr, e))
}

/// A JSONata template: `{% … %}` strings evaluated, objects and arrays walked (a field whose
/// expression is undefined is left out), everything else as written.
pub fn template(value: &Value, b: &Bindings<'_>) -> Result<Value, Failure> {
    Ok(walk(value, b)?.unwrap_or(Value::Null))
}

fn walk(value: &Value, b: &Bindings<'_>) -> Result<Option<Value>, Failure> {
    match value {
        Value::String(s) => match expression(s) {
            Some(e) => evaluate(e, b),
            None => Ok(Some(value.clone())),
        },
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                if let Some(v) = walk(v, b)? {
                    out.insert(k.clone(), v);
                }
            }
            Ok(Some(Value::Object(out)))
        }
        Value::Array(a) => {
            let mut out = Vec::with_capacity(a.len());
            for v in a {
                out.push(walk(v, b)?.unwrap_or(Value::Null));
            }
            Ok(Some(Value::Array(out)))
        }
        other => Ok(Some(other.clone())),
    }
}

/// Every `{% … %}` of a template that does not parse, with its location.
pub fn problems(value: &Value, location: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    collect(value, location, &mut out);
    out
}

fn collect(value: &Value, location: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::String(s) => {
            if let Some(e) = expression(s)
                && let Err(why) = check(e)
            {
                out.push((location.to_string(), why));
            }
        }
        Value::Object(m) => m.iter().for_each(|(k, v)| collect(v, &format!("{location}/{k}"), out)),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, v)| collect(v, &format!("{location}/{i}"), out)),
        _ => {}
    }
}

pub(crate) fn to_j<'a>(arena: &'a Bump, v: &Value) -> &'a J<'a> {
    match v {
        Value::Null => J::null(arena),
        Value::Bool(b) => J::bool(*b),
        Value::Number(n) => J::number(arena, n.as_f64().unwrap_or(0.0)),
        Value::String(s) => J::string(arena, s),
        Value::Array(a) => {
            let out = J::array_with_capacity(arena, a.len(), ArrayFlags::empty());
            for x in a {
                out.push(to_j(arena, x));
            }
            out
        }
        Value::Object(m) => {
            let out = J::object_with_capacity(arena, m.len());
            for (k, x) in m {
                out.insert(k, to_j(arena, x));
            }
            out
        }
    }
}

pub(crate) fn from_j<'a>(v: &'a J<'a>) -> Value {
    serde_json::from_str(&v.serialize(false)).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn expressions_see_states_and_variables() {
        let vars: Map<String, Value> = [("limit".to_string(), json!(3))].into_iter().collect();
        let b = Bindings { states: json!({"input": {"items": [1, 2, 3, 4], "name": "ada"}}), variables: &vars };
        assert_eq!(evaluate("$states.input.name", &b).unwrap(), Some(json!("ada")));
        assert_eq!(evaluate("$count($states.input.items) > $limit", &b).unwrap(), Some(json!(true)));
        assert_eq!(evaluate("$partition($states.input.items, 3)", &b).unwrap(), Some(json!([[1, 2, 3], [4]])));
        assert_eq!(evaluate("$range(1, 9, 4)", &b).unwrap(), Some(json!([1, 5, 9])));
        assert_eq!(evaluate("$range(9, 1, -4)", &b).unwrap(), Some(json!([9, 5, 1])));
        assert_eq!(evaluate("$range(3, 1, 1)", &b).unwrap(), Some(json!([])));
        // A step too small to move the start: at most 1000 items, not a loop without end.
        assert!(evaluate("$range(10000000000000000, 10000000000000002, 1)", &b).unwrap().is_some());
        assert_eq!(evaluate("$parse('{\"a\": 1}').a", &b).unwrap(), Some(json!(1)));
        assert_eq!(evaluate("$hash('Data', 'SHA-1')", &b).unwrap().unwrap().as_str().unwrap().len(), 40);
        assert_eq!(evaluate("$states.input.nothing", &b).unwrap(), None);
        let t =
            json!({"greeting": "{% 'Hello, ' & $states.input.name %}", "n": 1, "gone": "{% $states.input.nothing %}"});
        assert_eq!(template(&t, &b).unwrap(), json!({"greeting": "Hello, ada", "n": 1}));
        assert_eq!(evaluate("$states.input.(", &b).unwrap_err().error, "States.QueryEvaluationError");
        assert!(check("1 +").is_err());
    }

    #[test]
    fn the_library_functions_jsonata_rs_lacks() {
        let vars = Map::new();
        let b = Bindings { states: json!({}), variables: &vars };
        let eval = |e: &str| evaluate(e, &b).unwrap().unwrap();
        assert_eq!(
            eval("[$type(1), $type('a'), $type(true), $type(null), $type([]), $type({}), $type($sum)]"),
            json!(["number", "string", "boolean", "null", "array", "object", "function"])
        );
        assert_eq!(evaluate("$type($nothing)", &b).unwrap(), None);
        assert_eq!(eval("$average([1, 2, 6])"), json!(3));
        assert_eq!(evaluate("$average([])", &b).unwrap(), None);
        assert_eq!(evaluate("$average(['a'])", &b).unwrap_err().error, "States.QueryEvaluationError");
        assert_eq!(eval("$sort($shuffle([3, 1, 2, 5, 4]))"), json!([1, 2, 3, 4, 5]));
        assert_eq!(eval("$spread({'a': 1, 'b': 2})"), json!([{"a": 1}, {"b": 2}]));
        assert_eq!(
            eval("[$formatBase(100, 2), $formatBase(-255, 16), $formatBase(7.6)]"),
            json!(["1100100", "-ff", "8"])
        );
        assert_eq!(eval("$encodeUrlComponent('?x=test')"), json!("%3Fx%3Dtest"));
        assert_eq!(
            eval("$encodeUrl('https://x.org/?x=шеллы')"),
            json!("https://x.org/?x=%D1%88%D0%B5%D0%BB%D0%BB%D1%8B")
        );
        assert_eq!(eval("$decodeUrlComponent('%3Fx%3Dtest')"), json!("?x=test"));
        assert_eq!(eval("$decodeUrl('%3Fx%3D%D1%88%20')"), json!("%3Fx%3Dш "));
        assert_eq!(eval("$base64decode($base64encode('hi'))"), json!("hi"));
    }
}
