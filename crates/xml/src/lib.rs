//! Reading small XML documents (what S3 requests carry: DeleteObjects, Tagging,
//! CreateBucketConfiguration, …; what query and rest-xml services answer) into a tree, with
//! quick-xml: elements, attributes, text, the five entities and character references. No
//! DTDs (so no entity expansion), namespace prefixes dropped, depth and size bounded.

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use quick_xml::reader::Reader;

/// An element: its local name, attributes (local names, values unescaped), child elements,
/// and its text (concatenated).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child named `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The value of the attribute named `name` (its local name).
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The text of the first child named `name`.
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }
}

const MAX_DEPTH: usize = 32;
/// The most elements a document may hold (DeleteObjects' 1000 keys need about 3000).
const MAX_ELEMENTS: usize = 50_000;

/// Parses a document into its root element; `None` if it is not well-formed (or holds a
/// DTD, or passes the depth or size bounds).
pub fn parse(doc: &[u8]) -> Option<Element> {
    let doc = std::str::from_utf8(doc).ok()?.trim_start_matches('\u{feff}');
    let mut reader = Reader::from_str(doc);
    let mut open: Vec<Element> = Vec::new();
    let (mut root, mut elements) = (None, 0usize);
    loop {
        let event = reader.read_event().ok()?;
        let start = match &event {
            Event::Start(e) | Event::Empty(e) => Some(e),
            _ => None,
        };
        if let Some(e) = start {
            elements += 1;
            if root.is_some() || open.len() >= MAX_DEPTH || elements > MAX_ELEMENTS {
                return None;
            }
            let name = std::str::from_utf8(e.local_name().into_inner()).ok()?.to_string();
            let mut attributes = Vec::new();
            for a in e.attributes() {
                let a = a.ok()?;
                let key = std::str::from_utf8(a.key.local_name().into_inner()).ok()?.to_string();
                attributes.push((key, a.unescape_value().ok()?.into_owned()));
            }
            open.push(Element { name, attributes, ..Default::default() });
        }
        match event {
            Event::Start(_) => {}
            Event::Empty(_) | Event::End(_) => {
                let done = open.pop()?;
                match open.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some(done),
                }
            }
            Event::Text(t) => {
                let text = t.xml10_content().ok()?;
                match open.last_mut() {
                    Some(el) => el.text.push_str(&text),
                    None if text.trim().is_empty() => {}
                    None => return None,
                }
            }
            Event::CData(c) => open.last_mut()?.text.push_str(&c.xml10_content().ok()?),
            Event::GeneralRef(r) => {
                let el = open.last_mut()?;
                match r.resolve_char_ref().ok()? {
                    Some(c) => el.text.push(c),
                    None => el.text.push_str(resolve_predefined_entity(&r.decode().ok()?)?),
                }
            }
            // No DTDs, so no entity expansion.
            Event::DocType(_) => return None,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if open.is_empty() { root } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_parse() {
        let doc = br#"<?xml version="1.0" encoding="UTF-8"?>
            <Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><!-- c -->
              <Object><Key>a &amp; b&#x41;&#66;</Key></Object>
              <Object><Key><![CDATA[<raw>]]></Key><VersionId/></Object>
              <Quiet>true</Quiet>
            </Delete>"#;
        let root = parse(doc).unwrap();
        assert_eq!(root.name, "Delete");
        let keys: Vec<_> = root.all("Object").filter_map(|o| o.text_of("Key")).collect();
        assert_eq!(keys, ["a & bAB", "<raw>"]);
        assert_eq!(root.text_of("Quiet"), Some("true"));
        let prefixed = parse(b"<s3:Tagging a='&gt;'><s3:TagSet/></s3:Tagging>").unwrap();
        assert!(prefixed.child("TagSet").is_some());
        assert_eq!(prefixed.attribute("a"), Some(">"));
    }

    #[test]
    fn malformed_documents_are_refused() {
        for bad in [
            &b"<a><b></a>"[..],
            b"<a>",
            b"<a></a><b></b>",
            b"<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>",
            b"<a>&bogus;</a>",
            b"",
            b"\xff",
        ] {
            assert!(parse(bad).is_none(), "{}", String::from_utf8_lossy(bad));
        }
        let deep = format!("{}{}", "<a>".repeat(40), "</a>".repeat(40));
        assert!(parse(deep.as_bytes()).is_none());
    }
}
