//! Attribute values and items, and their DynamoDB JSON form (`{"S": "x"}`, `{"N": "1"}`…).

use crate::Error;
use crate::number::Number;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// One attribute's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributeValue {
    /// String.
    S(String),
    /// Number.
    N(Number),
    /// Binary.
    B(Vec<u8>),
    /// Boolean.
    Bool(bool),
    /// Null.
    Null,
    /// Map.
    M(Item),
    /// List.
    L(Vec<AttributeValue>),
    /// String set (distinct, non-empty; kept in insertion order).
    Ss(Vec<String>),
    /// Number set.
    Ns(Vec<Number>),
    /// Binary set.
    Bs(Vec<Vec<u8>>),
}

/// An item: attribute names to values.
pub type Item = BTreeMap<String, AttributeValue>;

impl AttributeValue {
    /// DynamoDB's type descriptor: `S`, `N`, `B`, `BOOL`, `NULL`, `M`, `L`, `SS`, `NS`, `BS`.
    pub fn type_name(&self) -> &'static str {
        match self {
            AttributeValue::S(_) => "S",
            AttributeValue::N(_) => "N",
            AttributeValue::B(_) => "B",
            AttributeValue::Bool(_) => "BOOL",
            AttributeValue::Null => "NULL",
            AttributeValue::M(_) => "M",
            AttributeValue::L(_) => "L",
            AttributeValue::Ss(_) => "SS",
            AttributeValue::Ns(_) => "NS",
            AttributeValue::Bs(_) => "BS",
        }
    }

    /// The DynamoDB JSON form.
    pub fn to_json(&self) -> Value {
        match self {
            AttributeValue::S(s) => json!({ "S": s }),
            AttributeValue::N(n) => json!({ "N": n.to_string() }),
            AttributeValue::B(b) => json!({ "B": B64.encode(b) }),
            AttributeValue::Bool(b) => json!({ "BOOL": b }),
            AttributeValue::Null => json!({ "NULL": true }),
            AttributeValue::M(m) => json!({ "M": item_to_json(m) }),
            AttributeValue::L(l) => json!({ "L": l.iter().map(AttributeValue::to_json).collect::<Vec<_>>() }),
            AttributeValue::Ss(v) => json!({ "SS": v }),
            AttributeValue::Ns(v) => json!({ "NS": v.iter().map(Number::to_string).collect::<Vec<_>>() }),
            AttributeValue::Bs(v) => json!({ "BS": v.iter().map(|b| B64.encode(b)).collect::<Vec<_>>() }),
        }
    }

    /// Reads the DynamoDB JSON form, with DynamoDB's validation messages.
    pub fn from_json(v: &Value) -> Result<AttributeValue, Error> {
        let obj = v.as_object().ok_or_else(|| invalid("an AttributeValue must be an object"))?;
        let mut entries = obj.iter().filter(|(_, v)| !v.is_null());
        let (Some((kind, inner)), None) = (entries.next(), entries.next()) else {
            return Err(if obj.is_empty() {
                invalid("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
            } else {
                invalid(
                    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
                )
            });
        };
        let text = |what: &str| inner.as_str().ok_or_else(|| invalid(format!("{what} must be a string")));
        let list = |what: &str| inner.as_array().ok_or_else(|| invalid(format!("{what} must be a list")));
        Ok(match kind.as_str() {
            "S" => AttributeValue::S(text("S")?.to_string()),
            "N" => AttributeValue::N(number(text("N")?)?),
            "B" => AttributeValue::B(binary(text("B")?)?),
            "BOOL" => AttributeValue::Bool(inner.as_bool().ok_or_else(|| invalid("BOOL must be a boolean"))?),
            "NULL" => match inner.as_bool() {
                Some(true) => AttributeValue::Null,
                _ => {
                    return Err(invalid(
                        "One or more parameter values were invalid: Null attribute value types must have the value of true",
                    ));
                }
            },
            "M" => AttributeValue::M(item_from_json(inner)?),
            "L" => AttributeValue::L(list("L")?.iter().map(AttributeValue::from_json).collect::<Result<_, _>>()?),
            "SS" => {
                let v: Vec<String> = list("SS")?
                    .iter()
                    .map(|s| s.as_str().map(str::to_string).ok_or_else(|| invalid("SS members must be strings")))
                    .collect::<Result<_, _>>()?;
                check_set("string", &v, |s| s.clone())?;
                AttributeValue::Ss(v)
            }
            "NS" => {
                let v: Vec<Number> = list("NS")?
                    .iter()
                    .map(|s| s.as_str().ok_or_else(|| invalid("NS members must be strings")).and_then(number))
                    .collect::<Result<_, _>>()?;
                check_set("number", &v, Number::to_string)?;
                AttributeValue::Ns(v)
            }
            "BS" => {
                let v: Vec<Vec<u8>> = list("BS")?
                    .iter()
                    .map(|s| s.as_str().ok_or_else(|| invalid("BS members must be strings")).and_then(binary))
                    .collect::<Result<_, _>>()?;
                check_set("binary", &v, |b| B64.encode(b))?;
                AttributeValue::Bs(v)
            }
            other => return Err(invalid(format!("Supplied AttributeValue has an unknown datatype: {other}"))),
        })
    }

    /// Bytes counted toward DynamoDB's 400 KB item limit (value part).
    pub fn size(&self) -> usize {
        match self {
            AttributeValue::S(s) => s.len(),
            AttributeValue::N(n) => n.to_string().len().div_ceil(2) + 1,
            AttributeValue::B(b) => b.len(),
            AttributeValue::Bool(_) | AttributeValue::Null => 1,
            AttributeValue::M(m) => 3 + m.iter().map(|(k, v)| k.len() + v.size() + 1).sum::<usize>(),
            AttributeValue::L(l) => 3 + l.iter().map(|v| v.size() + 1).sum::<usize>(),
            AttributeValue::Ss(v) => v.iter().map(String::len).sum(),
            AttributeValue::Ns(v) => v.iter().map(|n| n.to_string().len().div_ceil(2) + 1).sum(),
            AttributeValue::Bs(v) => v.iter().map(Vec::len).sum(),
        }
    }
}

/// An item's size as DynamoDB counts it: names plus values.
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + v.size()).sum()
}

/// An item in DynamoDB JSON.
pub fn item_to_json(item: &Item) -> Value {
    Value::Object(item.iter().map(|(k, v)| (k.clone(), v.to_json())).collect::<Map<_, _>>())
}

/// An item from DynamoDB JSON.
pub fn item_from_json(v: &Value) -> Result<Item, Error> {
    let obj = v.as_object().ok_or_else(|| invalid("an item must be a map of attribute values"))?;
    obj.iter().map(|(k, v)| Ok((k.clone(), AttributeValue::from_json(v)?))).collect()
}

fn invalid(message: impl Into<String>) -> Error {
    Error::Validation(message.into())
}

fn number(s: &str) -> Result<Number, Error> {
    Number::parse(s).map_err(invalid)
}

fn binary(s: &str) -> Result<Vec<u8>, Error> {
    B64.decode(s).map_err(|_| invalid("Invalid Base64 encoding of a binary value"))
}

fn check_set<T>(kind: &str, v: &[T], show: impl Fn(&T) -> String) -> Result<(), Error> {
    if v.is_empty() {
        return Err(invalid(format!("One or more parameter values were invalid: An {kind} set  may not be empty")));
    }
    let mut seen = std::collections::HashSet::new();
    if v.iter().any(|x| !seen.insert(show(x))) {
        let all: Vec<String> = v.iter().map(show).collect();
        return Err(invalid(format!(
            "One or more parameter values were invalid: Input collection [{}] contains duplicates.",
            all.join(", ")
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_type() {
        let doc = json!({
            "s": {"S": "x"}, "n": {"N": "1.50"}, "b": {"B": "AAE="}, "t": {"BOOL": true}, "z": {"NULL": true},
            "m": {"M": {"in": {"L": [{"S": "a"}, {"N": "2"}]}}},
            "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2"]}, "bs": {"BS": ["AA=="]}
        });
        let item = item_from_json(&doc).unwrap();
        assert_eq!(item["n"], AttributeValue::N(Number::parse("1.5").unwrap()));
        assert_eq!(item["b"], AttributeValue::B(vec![0, 1]));
        let back = item_to_json(&item);
        assert_eq!(back["n"], json!({"N": "1.5"}));
        assert_eq!(item_from_json(&back).unwrap(), item);
    }

    #[test]
    fn refuses_what_dynamodb_refuses() {
        for (bad, says) in [
            (json!({}), "empty"),
            (json!({"S": "a", "N": "1"}), "more than one"),
            (json!({"N": "x"}), "numeric"),
            (json!({"NULL": false}), "Null"),
            (json!({"SS": []}), "may not be empty"),
            (json!({"SS": ["a", "a"]}), "duplicates"),
            (json!({"NS": ["1", "1.0"]}), "duplicates"),
            (json!({"Q": "a"}), "unknown"),
        ] {
            let e = AttributeValue::from_json(&bad).unwrap_err().to_string();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }
}
