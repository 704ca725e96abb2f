//! rest-xml request bodies: a structure as an XML document, as the SDKs write it (lists
//! wrapped in their own element unless flattened, maps as `entry` elements, attributes
//! where the model says so).

use crate::model::{Kind, Model, Ref, XmlNamespace};
use crate::request::{array, given_members, join, map_refs, object};
use crate::scalars::{self, TimeFormat};
use quick_xml::escape::escape;
use serde_json::Value;

/// The document whose root `root` is the structure `v` of `r`'s shape.
pub(crate) fn document(
    model: &Model,
    r: &Ref,
    root: &str,
    ns: Option<&XmlNamespace>,
    v: &Value,
    at: &str,
) -> Result<String, String> {
    let mut out = String::new();
    let shape = model.shape(&r.shape);
    let given = given_members(shape, object(v, at)?, at)?;
    let owned: Vec<(&str, &Ref, Value)> = given.into_iter().map(|(n, r, v)| (n, r, v.clone())).collect();
    structure(model, root, ns, &owned, at, &mut out)?;
    Ok(out)
}

/// The document whose root `root` holds `members` (an input's body members).
pub(crate) fn members(
    model: &Model,
    root: &str,
    ns: Option<&XmlNamespace>,
    members: &[(&str, &Ref, Value)],
) -> Result<String, String> {
    let mut out = String::new();
    structure(model, root, ns, members, "", &mut out)?;
    Ok(out)
}

fn open(out: &mut String, name: &str, ns: Option<&XmlNamespace>) {
    out.push('<');
    out.push_str(name);
    if let Some(ns) = ns {
        match &ns.prefix {
            Some(p) => out.push_str(&format!(" xmlns:{p}=\"{}\"", escape(ns.uri.as_str()))),
            None => out.push_str(&format!(" xmlns=\"{}\"", escape(ns.uri.as_str()))),
        }
    }
}

fn structure(
    model: &Model,
    name: &str,
    ns: Option<&XmlNamespace>,
    members: &[(&str, &Ref, Value)],
    at: &str,
    out: &mut String,
) -> Result<(), String> {
    open(out, name, ns);
    // Attributes (S3's `xsi:type`), declaring the namespace of their prefix.
    for (member, r, v) in members.iter().filter(|(_, r, _)| r.xml_attribute) {
        if let Some(XmlNamespace { prefix: Some(p), uri }) = &r.xml_namespace {
            out.push_str(&format!(" xmlns:{p}=\"{}\"", escape(uri.as_str())));
        }
        let format = model.time_format(r, TimeFormat::Iso8601);
        let text = scalars::text(model.shape(&r.shape).kind, v, format, &join(at, member))?;
        out.push_str(&format!(" {}=\"{}\"", r.wire_name(member), escape(text.as_str())));
    }
    out.push('>');
    for (member, r, v) in members.iter().filter(|(_, r, _)| !r.xml_attribute) {
        element(model, r, r.wire_name(member), v, &join(at, member), out)?;
    }
    out.push_str(&format!("</{name}>"));
    Ok(())
}

/// The element(s) of member `r` named `name` holding `v`.
fn element(model: &Model, r: &Ref, name: &str, v: &Value, at: &str, out: &mut String) -> Result<(), String> {
    let shape = model.shape(&r.shape);
    match shape.kind {
        Kind::Structure => {
            let given = given_members(shape, object(v, at)?, at)?;
            let owned: Vec<(&str, &Ref, Value)> = given.into_iter().map(|(n, r, v)| (n, r, v.clone())).collect();
            // The namespace the member or its shape declares (S3's Grantee: `xsi`).
            let ns = r.xml_namespace.as_ref().or(shape.xml_namespace.as_ref());
            structure(model, name, ns, &owned, at, out)?;
        }
        Kind::List => {
            let member = shape.member.as_ref().expect("a list has a member");
            let items = array(v, at)?;
            if r.is_flattened(shape) {
                let item_name = member.location_name.as_deref().unwrap_or(name);
                for item in items {
                    element(model, member, item_name, item, at, out)?;
                }
            } else {
                out.push_str(&format!("<{name}>"));
                for item in items {
                    element(model, member, member.location_name.as_deref().unwrap_or("member"), item, at, out)?;
                }
                out.push_str(&format!("</{name}>"));
            }
        }
        Kind::Map => {
            let (key, value) = map_refs(shape);
            let key_name = key.location_name.as_deref().unwrap_or("key");
            let value_name = value.location_name.as_deref().unwrap_or("value");
            let flattened = r.is_flattened(shape);
            if !flattened {
                out.push_str(&format!("<{name}>"));
            }
            for (k, mv) in object(v, at)? {
                out.push_str(if flattened { "" } else { "<entry>" });
                if flattened {
                    out.push_str(&format!("<{name}>"));
                }
                out.push_str(&format!("<{key_name}>{}</{key_name}>", escape(k.as_str())));
                element(model, value, value_name, mv, &join(at, k), out)?;
                out.push_str(if flattened { "" } else { "</entry>" });
                if flattened {
                    out.push_str(&format!("</{name}>"));
                }
            }
            if !flattened {
                out.push_str(&format!("</{name}>"));
            }
        }
        kind => {
            let text = scalars::text(kind, v, model.time_format(r, TimeFormat::Iso8601), at)?;
            out.push_str(&format!("<{name}>{}</{name}>", escape(text.as_str())));
        }
    }
    Ok(())
}
