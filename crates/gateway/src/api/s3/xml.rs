//! Reading the small XML documents S3 requests carry (DeleteObjects, Tagging,
//! CreateBucketConfiguration, …): elements, text and the five entities plus character
//! references. No DTDs (so no entity expansion), attributes are skipped, namespace
//! prefixes dropped.

/// An element: its local name, child elements, and its text (concatenated).
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Element {
    pub(crate) name: String,
    pub(crate) children: Vec<Element>,
    pub(crate) text: String,
}

impl Element {
    /// The first child named `name`.
    pub(crate) fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child named `name`.
    pub(crate) fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The text of the first child named `name`.
    pub(crate) fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }
}

const MAX_DEPTH: usize = 32;
/// The most elements a document may hold (DeleteObjects' 1000 keys need about 3000).
const MAX_ELEMENTS: usize = 50_000;

struct Parser<'a> {
    s: &'a str,
    at: usize,
    elements: usize,
}

/// Parses a document into its root element; `None` if it is not well-formed.
pub(crate) fn parse(doc: &[u8]) -> Option<Element> {
    let s = std::str::from_utf8(doc).ok()?.trim_start_matches('\u{feff}');
    let mut p = Parser { s, at: 0, elements: 0 };
    p.skip_misc()?;
    let root = p.element(0)?;
    p.skip_misc()?;
    (p.at == s.len()).then_some(root)
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.at..]
    }

    /// Skips whitespace, the XML declaration, processing instructions and comments.
    fn skip_misc(&mut self) -> Option<()> {
        loop {
            let trimmed = self.rest().trim_start();
            self.at = self.s.len() - trimmed.len();
            if trimmed.starts_with("<?") {
                self.at += trimmed.find("?>")? + 2;
            } else if trimmed.starts_with("<!--") {
                self.at += trimmed.find("-->")? + 3;
            } else if trimmed.starts_with("<!") {
                return None;
            } else {
                return Some(());
            }
        }
    }

    fn name(&mut self) -> Option<String> {
        let rest = self.rest();
        let end = rest.find(|c: char| c.is_whitespace() || c == '>' || c == '/')?;
        if end == 0 {
            return None;
        }
        self.at += end;
        let qualified = &rest[..end];
        Some(qualified.rsplit(':').next().unwrap_or(qualified).to_string())
    }

    fn element(&mut self, depth: usize) -> Option<Element> {
        self.elements += 1;
        if depth > MAX_DEPTH || self.elements > MAX_ELEMENTS || !self.rest().starts_with('<') {
            return None;
        }
        self.at += 1;
        let mut el = Element { name: self.name()?, ..Default::default() };
        // Attributes (skipped, but quoted values may hold '>').
        loop {
            let rest = self.rest();
            let c = rest.chars().next()?;
            if c == '>' {
                self.at += 1;
                break;
            }
            if rest.starts_with("/>") {
                self.at += 2;
                return Some(el);
            }
            if c == '"' || c == '\'' {
                self.at += 1 + self.rest()[1..].find(c)? + 1;
            } else {
                self.at += c.len_utf8();
            }
        }
        loop {
            let rest = self.rest();
            if rest.starts_with("</") {
                self.at += 2;
                let name = self.name()?;
                let close = self.rest().trim_start();
                if name != el.name || !close.starts_with('>') {
                    return None;
                }
                self.at = self.s.len() - close.len() + 1;
                return Some(el);
            } else if rest.starts_with("<!--") {
                self.at += rest.find("-->")? + 3;
            } else if rest.starts_with("<![CDATA[") {
                let end = rest.find("]]>")?;
                el.text.push_str(&rest[9..end]);
                self.at += end + 3;
            } else if rest.starts_with('<') {
                el.children.push(self.element(depth + 1)?);
            } else {
                let end = rest.find('<')?;
                el.text.push_str(&unescape(&rest[..end])?);
                self.at += end;
            }
        }
    }
}

fn unescape(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let end = rest[i..].find(';')? + i;
        let entity = &rest[i + 1..end];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = match entity.strip_prefix("#x").or_else(|| entity.strip_prefix("#X")) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                    None => entity.strip_prefix('#')?.parse().ok()?,
                };
                char::from_u32(code)?
            }
        };
        out.push(c);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Some(out)
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
        let prefixed = parse(b"<s3:Tagging a='>'><s3:TagSet/></s3:Tagging>").unwrap();
        assert!(prefixed.child("TagSet").is_some());
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
