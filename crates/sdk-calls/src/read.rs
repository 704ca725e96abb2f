//! Answers' documents read into output members: XML (query and rest-xml) and JSON
//! (rest-json) bodies, each by the shape the model gives.

use crate::model::{Kind, Model, Ref, Shape};
use crate::request::map_refs;
use crate::scalars;
use serde_json::{Map, Value};
use squall_xml::Element;

/// The members of structure `shape` found among `node`'s children and attributes.
pub(crate) fn xml_structure(model: &Model, shape: &Shape, node: &Element) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, r) in shape.members.iter().filter(|(_, r)| r.location.is_none()) {
        let mshape = model.shape(&r.shape);
        let wire = r.wire_name(name);
        if r.xml_attribute {
            let local = wire.rsplit(':').next().unwrap_or(wire);
            if let Some(text) = node.attribute(local) {
                out.insert(name.clone(), scalars::from_text(mshape.kind, text));
            }
            continue;
        }
        let flattened = matches!(mshape.kind, Kind::List | Kind::Map) && r.is_flattened(mshape);
        if !flattened {
            if let Some(child) = node.child(wire) {
                out.insert(name.clone(), xml_value(model, r, child));
            }
            continue;
        }
        if mshape.kind == Kind::List {
            let member = mshape.member.as_ref().expect("a list has a member");
            let item_name = member.location_name.as_deref().unwrap_or(wire);
            let items: Vec<Value> = node.all(item_name).map(|c| xml_value(model, member, c)).collect();
            if !items.is_empty() {
                out.insert(name.clone(), Value::Array(items));
            }
        } else {
            let entries: Map<String, Value> = node.all(wire).filter_map(|e| map_entry(model, mshape, e)).collect();
            if !entries.is_empty() {
                out.insert(name.clone(), Value::Object(entries));
            }
        }
    }
    out
}

/// The element `node` read as member `r`'s shape (lists and maps not flattened).
fn xml_value(model: &Model, r: &Ref, node: &Element) -> Value {
    let shape = model.shape(&r.shape);
    match shape.kind {
        Kind::Structure => Value::Object(xml_structure(model, shape, node)),
        Kind::List => {
            let member = shape.member.as_ref().expect("a list has a member");
            let item_name = member.location_name.as_deref().unwrap_or("member");
            Value::Array(node.all(item_name).map(|c| xml_value(model, member, c)).collect())
        }
        Kind::Map => Value::Object(node.all("entry").filter_map(|e| map_entry(model, shape, e)).collect()),
        kind => scalars::from_text(kind, &node.text),
    }
}

fn map_entry(model: &Model, shape: &Shape, entry: &Element) -> Option<(String, Value)> {
    let (key, value) = map_refs(shape);
    let k = entry.text_of(key.location_name.as_deref().unwrap_or("key"))?;
    let v = entry.child(value.location_name.as_deref().unwrap_or("value"))?;
    Some((k.to_string(), xml_value(model, value, v)))
}

/// A JSON body's members of structure `shape`, under the member names.
pub(crate) fn json_structure(model: &Model, shape: &Shape, doc: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, r) in shape.members.iter().filter(|(_, r)| r.location.is_none()) {
        if let Some(v) = doc.get(r.wire_name(name)).filter(|v| !v.is_null()) {
            out.insert(name.clone(), json_value(model, model.shape(&r.shape), v));
        }
    }
    out
}

fn json_value(model: &Model, shape: &Shape, v: &Value) -> Value {
    match (shape.kind, v) {
        (Kind::Structure, _) => Value::Object(json_structure(model, shape, v)),
        (Kind::List, Value::Array(items)) => {
            let member = model.shape(&shape.member.as_ref().expect("a list has a member").shape);
            Value::Array(items.iter().map(|i| json_value(model, member, i)).collect())
        }
        (Kind::Map, Value::Object(entries)) => {
            let value = model.shape(&shape.value.as_ref().expect("a map has a value").shape);
            Value::Object(entries.iter().map(|(k, v)| (k.clone(), json_value(model, value, v))).collect())
        }
        (kind, v) => scalars::from_json(kind, v),
    }
}
