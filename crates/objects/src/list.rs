//! Listing a bucket's keys in UTF-8 byte order, with a prefix, a delimiter that rolls
//! keys up into common prefixes, a starting point and a page size.

use crate::record::ObjectRecord;
use crate::service::{OBJECTS_PK, Objects};
use crate::{Error, Result};
use std::ops::Bound;

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    /// Only keys beginning with this.
    pub prefix: String,
    /// Roll keys up to their first occurrence of this after the prefix.
    pub delimiter: Option<String>,
    /// Start after this key or common prefix (exclusive): `StartAfter`, `Marker`, or
    /// where the previous page ended.
    pub after: Option<String>,
    /// At most this many keys and common prefixes together (S3 caps it at 1000).
    pub max_keys: usize,
}

/// One page of a listing.
#[derive(Debug, Default)]
pub struct ListPage {
    /// Keys and their records (bytes left out), in order.
    pub objects: Vec<(String, ObjectRecord)>,
    /// Common prefixes, in order.
    pub common_prefixes: Vec<String>,
    /// Whether more keys follow.
    pub truncated: bool,
    /// The last key or common prefix of the page: where the next page starts after.
    pub last: Option<String>,
}

/// The smallest string after every string that starts with `prefix` (`prefix` is never
/// empty here; its last byte is never 0xff, since it is UTF-8).
pub(crate) fn past_prefix(prefix: &str) -> Vec<u8> {
    let mut v = prefix.as_bytes().to_vec();
    *v.last_mut().expect("a non-empty prefix") += 1;
    v
}

/// A row's key, which is UTF-8 (it was checked when written).
pub(crate) fn key_of(bucket: &str, sk: &[u8]) -> Result<String> {
    String::from_utf8(sk.to_vec()).map_err(|_| {
        Error::Storage(squall_storage::Error::Corrupt {
            what: format!("bucket {bucket:?}"),
            detail: "a key that is not UTF-8".into(),
        })
    })
}

impl Objects {
    /// One page of `bucket`'s keys (a key whose current version is a delete marker is
    /// not listed).
    pub async fn list_objects(&self, bucket: &str, req: &ListRequest) -> Result<ListPage> {
        self.get_bucket(bucket)?;
        let mut page = ListPage::default();
        if req.max_keys == 0 {
            return Ok(page);
        }
        let delimiter = req.delimiter.as_deref().filter(|d| !d.is_empty());
        let mut lower = match &req.after {
            Some(a) if a.as_str() >= req.prefix.as_str() => Bound::Excluded(a.as_bytes().to_vec()),
            _ => Bound::Included(req.prefix.as_bytes().to_vec()),
        };
        let count = |p: &ListPage| p.objects.len() + p.common_prefixes.len();
        'pages: loop {
            let want = (req.max_keys - count(&page)).clamp(1, 1000) + 1;
            let rows = self.store.query(bucket, OBJECTS_PK, (lower.clone(), Bound::Unbounded), true, want).await?;
            let exhausted = rows.len() < want;
            for row in rows {
                let key = key_of(bucket, &row.sk)?;
                if !key.starts_with(&req.prefix) {
                    break 'pages;
                }
                let mut record = ObjectRecord::decode(&key, &row.item)?;
                if record.delete_marker {
                    // Neither a key nor, alone, a common prefix.
                    lower = Bound::Excluded(row.sk);
                    continue;
                }
                let rolled = delimiter.and_then(|d| {
                    let rest = &key[req.prefix.len()..];
                    rest.find(d).map(|at| key[..req.prefix.len() + at + d.len()].to_string())
                });
                // A common prefix at or before `after` was listed on an earlier page.
                if let Some(cp) =
                    rolled.as_ref().filter(|cp| req.after.as_ref().is_none_or(|a| cp.as_str() > a.as_str()))
                {
                    if count(&page) == req.max_keys {
                        page.truncated = true;
                        break 'pages;
                    }
                    page.common_prefixes.push(cp.clone());
                    page.last = Some(cp.clone());
                }
                if let Some(cp) = rolled {
                    // Skip the rest of the keys under this prefix.
                    lower = Bound::Included(past_prefix(&cp));
                    continue 'pages;
                }
                if count(&page) == req.max_keys {
                    page.truncated = true;
                    break 'pages;
                }
                record.inline = Default::default();
                page.last = Some(key.clone());
                lower = Bound::Excluded(row.sk);
                page.objects.push((key, record));
            }
            if exhausted {
                break;
            }
        }
        Ok(page)
    }
}
