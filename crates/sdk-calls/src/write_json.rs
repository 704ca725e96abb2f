//! rest-json request bodies: members under their wire names, timestamps as seconds since
//! the epoch (unless the model says otherwise), blobs in base64.

use crate::model::{Kind, Model, Ref};
use crate::request::{array, given_members, join, object};
use crate::scalars::{self, TimeFormat};
use serde_json::{Map, Value};

/// `v` as member `r`'s shape travels in a JSON body.
pub(crate) fn value(model: &Model, r: &Ref, v: &Value, at: &str) -> Result<Value, String> {
    let shape = model.shape(&r.shape);
    Ok(match shape.kind {
        Kind::Structure => {
            let mut out = Map::new();
            for (name, mr, mv) in given_members(shape, object(v, at)?, at)? {
                out.insert(mr.wire_name(name).to_string(), value(model, mr, mv, &join(at, name))?);
            }
            Value::Object(out)
        }
        Kind::List => {
            let member = shape.member.as_ref().expect("a list has a member");
            let items: Result<Vec<Value>, String> = array(v, at)?.iter().map(|i| value(model, member, i, at)).collect();
            Value::Array(items?)
        }
        Kind::Map => {
            let member = shape.value.as_ref().expect("a map has a value");
            let mut out = Map::new();
            for (k, mv) in object(v, at)? {
                out.insert(k.clone(), value(model, member, mv, &join(at, k))?);
            }
            Value::Object(out)
        }
        Kind::Timestamp => {
            let format = model.time_format(r, TimeFormat::Epoch);
            let text = scalars::text(Kind::Timestamp, v, format, at)?;
            match format {
                TimeFormat::Epoch => Value::from(text.parse::<i64>().unwrap_or_default()),
                _ => Value::String(text),
            }
        }
        Kind::Blob => Value::String(scalars::text(Kind::Blob, v, TimeFormat::Epoch, at)?),
        Kind::Integer | Kind::Long => Value::from(
            scalars::text(shape.kind, v, TimeFormat::Epoch, at)?.parse::<i64>().map_err(|e| format!("{at}: {e}"))?,
        ),
        Kind::Boolean => Value::Bool(scalars::text(Kind::Boolean, v, TimeFormat::Epoch, at)? == "true"),
        Kind::Float | Kind::Double => match v {
            Value::Number(_) => v.clone(),
            _ => Value::from(
                scalars::text(shape.kind, v, TimeFormat::Epoch, at)?
                    .parse::<f64>()
                    .map_err(|e| format!("{at}: {e}"))?,
            ),
        },
        Kind::String => Value::String(scalars::text(Kind::String, v, TimeFormat::Epoch, at)?),
    })
}
