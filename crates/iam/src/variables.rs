//! Policy variables: `${aws:username}` and the like in resources and condition values,
//! replaced by the request's values before matching; `${*}`, `${?}` and `${$}` stand for
//! the characters themselves, and `${key, 'default'}` gives a value for a missing key.

use crate::context::Context;
use std::borrow::Cow;

/// `text` with its variables replaced. `None` when a variable names a key the request does
/// not have (or has several values for) and gives no default: IAM then treats the element as
/// not matching.
pub fn substitute<'a>(text: &'a str, context: &Context) -> Option<Cow<'a, str>> {
    if !text.contains("${") {
        return Some(Cow::Borrowed(text));
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            // Not a variable: kept as written.
            out.push_str(&rest[start..]);
            return Some(Cow::Owned(out));
        };
        let inner = after[..end].trim();
        match inner {
            "*" | "?" | "$" => out.push_str(inner),
            _ => {
                let (key, default) = match inner.split_once(',') {
                    Some((k, d)) => (k.trim(), Some(d.trim().trim_matches('\''))),
                    None => (inner, None),
                };
                match (context.single(key), default) {
                    (Some(v), _) => out.push_str(v),
                    (None, Some(d)) => out.push_str(d),
                    (None, None) => return None,
                }
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::substitute;
    use crate::context::Context;

    #[test]
    fn variables_take_the_requests_values() {
        let mut c = Context::default();
        c.set("aws:username", "ada");
        assert_eq!(substitute("arn:aws:s3:::home/${aws:username}/*", &c).unwrap(), "arn:aws:s3:::home/ada/*");
        assert_eq!(substitute("${AWS:UserName}", &c).unwrap(), "ada", "keys ignore case");
        assert_eq!(substitute("a${*}b${?}${$}", &c).unwrap(), "a*b?$");
        assert_eq!(substitute("${aws:PrincipalTag/team, 'none'}", &c).unwrap(), "none");
        assert!(substitute("${aws:PrincipalTag/team}", &c).is_none(), "a missing key does not match");
        assert_eq!(substitute("no variables", &c).unwrap(), "no variables");
    }
}
