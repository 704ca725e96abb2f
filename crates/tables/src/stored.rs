//! How items are kept in the store: a version byte, then CBOR shaped like DynamoDB JSON
//! (`{"S": text}`, `{"B": bytes}`…) but with binary values as bytes, not base64, so a binary
//! attribute costs its size rather than a third more. Items written before this format are
//! DynamoDB JSON, which starts with `{` and is still read.

use crate::number::Number;
use crate::value::{AttributeValue, Item, item_from_json};
use ciborium::Value as Cbor;

/// The first byte of an item in this format.
const CBOR_V1: u8 = 1;

/// The stored bytes of `item`.
pub(crate) fn encode(item: &Item) -> Vec<u8> {
    let mut out = vec![CBOR_V1];
    ciborium::into_writer(&map(item), &mut out).expect("writing CBOR to memory cannot fail");
    out
}

/// An item from its stored bytes (this format, or the DynamoDB JSON of older versions).
pub(crate) fn decode(bytes: &[u8]) -> Result<Item, String> {
    match bytes.split_first() {
        Some((&CBOR_V1, rest)) => {
            let v: Cbor = ciborium::from_reader(rest).map_err(|e| e.to_string())?;
            item_of(&v)
        }
        _ => {
            let v: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
            item_from_json(&v).map_err(|e| e.to_string())
        }
    }
}

fn map(item: &Item) -> Cbor {
    Cbor::Map(item.iter().map(|(k, v)| (Cbor::Text(k.clone()), value(v))).collect())
}

fn value(v: &AttributeValue) -> Cbor {
    let (tag, inner) = match v {
        AttributeValue::S(s) => ("S", Cbor::Text(s.clone())),
        AttributeValue::N(n) => ("N", Cbor::Text(n.to_string())),
        AttributeValue::B(b) => ("B", Cbor::Bytes(b.clone())),
        AttributeValue::Bool(b) => ("BOOL", Cbor::Bool(*b)),
        AttributeValue::Null => ("NULL", Cbor::Bool(true)),
        AttributeValue::M(m) => ("M", map(m)),
        AttributeValue::L(l) => ("L", Cbor::Array(l.iter().map(value).collect())),
        AttributeValue::Ss(s) => ("SS", Cbor::Array(s.iter().map(|x| Cbor::Text(x.clone())).collect())),
        AttributeValue::Ns(n) => ("NS", Cbor::Array(n.iter().map(|x| Cbor::Text(x.to_string())).collect())),
        AttributeValue::Bs(b) => ("BS", Cbor::Array(b.iter().map(|x| Cbor::Bytes(x.clone())).collect())),
    };
    Cbor::Map(vec![(Cbor::Text(tag.into()), inner)])
}

fn item_of(v: &Cbor) -> Result<Item, String> {
    let Cbor::Map(entries) = v else { return Err("an item is not a map".into()) };
    entries
        .iter()
        .map(|(k, v)| match k {
            Cbor::Text(name) => Ok((name.clone(), value_of(v)?)),
            _ => Err("an attribute name is not text".into()),
        })
        .collect()
}

fn value_of(v: &Cbor) -> Result<AttributeValue, String> {
    let Cbor::Map(entries) = v else { return Err("a value is not a map".into()) };
    let [(Cbor::Text(tag), inner)] = entries.as_slice() else { return Err("a value is not one typed entry".into()) };
    let text = |v: &Cbor| match v {
        Cbor::Text(s) => Ok(s.clone()),
        _ => Err(format!("a {tag} value is not text")),
    };
    let bytes = |v: &Cbor| match v {
        Cbor::Bytes(b) => Ok(b.clone()),
        _ => Err(format!("a {tag} value is not bytes")),
    };
    let number = |v: &Cbor| Number::parse(&text(v)?);
    let list = |v: &Cbor| match v {
        Cbor::Array(items) => Ok(items.clone()),
        _ => Err(format!("a {tag} value is not a list")),
    };
    Ok(match tag.as_str() {
        "S" => AttributeValue::S(text(inner)?),
        "N" => AttributeValue::N(number(inner)?),
        "B" => AttributeValue::B(bytes(inner)?),
        "BOOL" => match inner {
            Cbor::Bool(b) => AttributeValue::Bool(*b),
            _ => return Err("a BOOL value is not a boolean".into()),
        },
        "NULL" => AttributeValue::Null,
        "M" => AttributeValue::M(item_of(inner)?),
        "L" => AttributeValue::L(list(inner)?.iter().map(value_of).collect::<Result<_, _>>()?),
        "SS" => AttributeValue::Ss(list(inner)?.iter().map(text).collect::<Result<_, _>>()?),
        "NS" => AttributeValue::Ns(list(inner)?.iter().map(number).collect::<Result<_, _>>()?),
        "BS" => AttributeValue::Bs(list(inner)?.iter().map(bytes).collect::<Result<_, _>>()?),
        other => return Err(format!("unknown value type {other}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::item_to_json;

    fn sample() -> Item {
        let n = |s: &str| Number::parse(s).unwrap();
        let mut nested = Item::new();
        nested.insert("deep".into(), AttributeValue::L(vec![AttributeValue::Null, AttributeValue::Bool(false)]));
        Item::from([
            ("s".into(), AttributeValue::S("héllo".into())),
            ("n".into(), AttributeValue::N(n("-12.5e3"))),
            ("b".into(), AttributeValue::B(vec![0, 255, 7])),
            ("t".into(), AttributeValue::Bool(true)),
            ("z".into(), AttributeValue::Null),
            ("m".into(), AttributeValue::M(nested)),
            ("ss".into(), AttributeValue::Ss(vec!["a".into(), "b".into()])),
            ("ns".into(), AttributeValue::Ns(vec![n("1"), n("0.25")])),
            ("bs".into(), AttributeValue::Bs(vec![vec![1], vec![2, 3]])),
        ])
    }

    #[test]
    fn every_type_round_trips_and_older_json_items_still_read() {
        let item = sample();
        let stored = encode(&item);
        assert_eq!(stored[0], CBOR_V1);
        assert_eq!(decode(&stored).unwrap(), item);
        let json = item_to_json(&item).to_string().into_bytes();
        assert_eq!(decode(&json).unwrap(), item, "an item stored by an older version");
        assert!(decode(&[CBOR_V1, 0xff]).is_err());
    }

    #[test]
    fn binary_values_cost_their_size() {
        let item = Item::from([("v".into(), AttributeValue::B(vec![7; 1000]))]);
        let stored = encode(&item).len();
        assert!(stored < 1020, "{stored} bytes for a 1000-byte binary value");
        assert!(item_to_json(&item).to_string().len() > 1300, "base64 in JSON costs a third more");
    }
}
