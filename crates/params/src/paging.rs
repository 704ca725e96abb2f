//! The `NextToken`s both services hand out: the sort key of the last item of a page, so the
//! next page starts after it even when items were added or removed in between. Opaque to
//! clients (base64 of a versioned form); anything else is [`Error::InvalidNextToken`].

use crate::{Error, Result, validation};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

const PREFIX: &str = "squall-page-1:";

/// The token for a page that ended at `last`.
pub(crate) fn token(last: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{PREFIX}{last}"))
}

/// Where a page starts: after the key a token names (`None` without a token).
pub(crate) fn after(token: Option<&str>) -> Result<Option<String>> {
    let Some(t) = token else { return Ok(None) };
    let bytes = URL_SAFE_NO_PAD.decode(t).map_err(|_| Error::InvalidNextToken)?;
    let text = String::from_utf8(bytes).map_err(|_| Error::InvalidNextToken)?;
    text.strip_prefix(PREFIX).map(|k| Some(k.to_string())).ok_or(Error::InvalidNextToken)
}

/// `MaxResults` checked against `1..=max`, or `max` when absent.
pub(crate) fn max_results(asked: Option<i64>, max: i64) -> Result<usize> {
    match asked {
        None => Ok(max as usize),
        Some(n) if n < 1 => Err(validation(format!(
            "1 validation error detected: Value '{n}' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"
        ))),
        Some(n) if n > max => Err(validation(format!(
            "1 validation error detected: Value '{n}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to {max}"
        ))),
        Some(n) => Ok(n as usize),
    }
}

/// One page of `items` (already in key order and filtered) after `after`: at most `max`,
/// and the token of the next page when more remain.
pub(crate) fn page<T>(
    items: impl IntoIterator<Item = T>,
    key: impl Fn(&T) -> String,
    after: Option<&str>,
    max: usize,
) -> (Vec<T>, Option<String>) {
    let mut out = Vec::new();
    let mut more = false;
    for item in items {
        if after.is_some_and(|a| key(&item).as_str() <= a) {
            continue;
        }
        if out.len() == max {
            more = true;
            break;
        }
        out.push(item);
    }
    let next = if more { out.last().map(|i| token(&key(i))) } else { None };
    (out, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_follow_each_other_and_tokens_round_trip() {
        let names = ["a", "b", "c", "d", "e"];
        let (first, next) = page(names, |s| s.to_string(), None, 2);
        assert_eq!(first, ["a", "b"]);
        let after = after(next.as_deref()).unwrap();
        let (second, next) = page(names, |s| s.to_string(), after.as_deref(), 2);
        assert_eq!(second, ["c", "d"]);
        let after = super::after(next.as_deref()).unwrap();
        let (last, next) = page(names, |s| s.to_string(), after.as_deref(), 2);
        assert_eq!((last, next), (vec!["e"], None));
        assert!(matches!(super::after(Some("nope!")), Err(Error::InvalidNextToken)));
        assert!(matches!(super::after(Some("bm9wZQ")), Err(Error::InvalidNextToken)));
    }
}
