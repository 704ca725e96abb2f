//! GetParameter, GetParameters and GetParametersByPath: reads from memory, with `name:3` and
//! `name:label` selectors, SecureStrings opened only when decryption is asked for.

use super::filters::{self, Filter, Use};
use super::names::{Selector, check_path, name_of, split_selector, under};
use super::{Parameter, Parameters, Version, not_found};
use crate::paging::{self, max_results};
use crate::{Error, Result, validation};

/// A parameter version as a read reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// `Name`, without a selector.
    pub name: String,
    /// `ARN`.
    pub arn: String,
    /// `Selector` (`:3`, `:label`) when the request named one.
    pub selector: Option<String>,
    /// The version (its value opened when decryption was asked for).
    pub version: Version,
}

/// What a GetParametersByPath asks for.
#[derive(Debug, Clone, Default)]
pub struct ByPath {
    /// `Path`.
    pub path: String,
    /// `Recursive`.
    pub recursive: bool,
    /// `ParameterFilters`.
    pub filters: Vec<Filter>,
    /// `WithDecryption`.
    pub decrypt: bool,
    /// `MaxResults` (1 to 10, default 10).
    pub max_results: Option<i64>,
    /// `NextToken`.
    pub next_token: Option<String>,
}

/// Most names in one GetParameters.
pub const MAX_NAMES: usize = 10;
/// Most parameters in one page of GetParametersByPath.
pub const MAX_BY_PATH: i64 = 10;

impl Parameters {
    /// The stored name an id names: a name, or a parameter ARN (whose plain name may be
    /// stored with or without a leading slash).
    pub(super) fn resolve(&self, id: &str) -> String {
        let name = name_of(id);
        if id.starts_with("arn:") && !name.starts_with('/') {
            let slashed = format!("/{name}");
            if self.read().contains_key(&slashed) {
                return slashed;
            }
        }
        name
    }

    /// The version `selector` picks in `p`.
    fn pick<'a>(p: &'a Parameter, name: &str, selector: &Selector) -> Result<&'a Version> {
        match selector {
            Selector::Latest => Ok(p.latest()),
            Selector::Version(n) => p.versions.get(n).ok_or_else(|| {
                Error::VersionNotFound(format!(
                    "Systems Manager could not find version {n} of {name}. Verify the version and try again."
                ))
            }),
            Selector::Label(l) => p.with_label(l).ok_or_else(|| not_found(&format!("{name}:{l}"))),
        }
    }

    /// GetParameter: `id` is a name or ARN, with an optional `:version` or `:label`.
    pub fn get(&self, id: &str, decrypt: bool) -> Result<Found> {
        let (plain, selector_text, selector) = split_selector(id);
        let name = self.resolve(plain);
        let v = {
            let params = self.read();
            let p = params.get(&name).ok_or_else(|| not_found(id))?;
            Self::pick(p, &name, &selector)?.clone()
        };
        Ok(Found {
            arn: self.arn(&name),
            selector: selector_text.map(|s| format!(":{s}")),
            version: self.reveal(&name, &v, decrypt)?,
            name,
        })
    }

    /// GetParameters: the parameters found, and the ids that were not (as given).
    pub fn get_many(&self, ids: &[String], decrypt: bool) -> Result<(Vec<Found>, Vec<String>)> {
        if ids.is_empty() || ids.len() > MAX_NAMES {
            return Err(validation(format!(
                "1 validation error detected: Value '[{}]' at 'names' failed to satisfy constraint: Member must have length less than or equal to {MAX_NAMES} and greater than or equal to 1",
                ids.join(", ")
            )));
        }
        let (mut found, mut invalid) = (Vec::new(), Vec::new());
        let mut seen = std::collections::BTreeSet::new();
        for id in ids {
            if !seen.insert(id.as_str()) {
                continue;
            }
            match self.get(id, decrypt) {
                Ok(f) => found.push(f),
                Err(Error::NotFound(_) | Error::VersionNotFound(_)) => invalid.push(id.clone()),
                Err(e) => return Err(e),
            }
        }
        Ok((found, invalid))
    }

    /// GetParametersByPath: the parameters under a path, in name order, a page at a time.
    pub fn by_path(&self, q: &ByPath) -> Result<(Vec<Found>, Option<String>)> {
        let prefix = check_path(&q.path)?;
        let max = max_results(q.max_results, MAX_BY_PATH)?;
        let filters = filters::check(&q.filters, Use::ByPath)?;
        let after = paging::after(q.next_token.as_deref())?;
        // Lazily, under the read lock: a page reads at most one parameter past its end.
        let (page, next) = {
            let params = self.read();
            let start = after.clone().unwrap_or_else(|| prefix.clone());
            let matched = params
                .range(start..)
                .take_while(|(name, _)| name.starts_with(&prefix))
                .filter(|(name, _)| under(&prefix, name, q.recursive))
                .filter_map(|(name, p)| filters::select(&filters, name, p).map(|v| (name.clone(), v.clone())));
            paging::page(matched, |(n, _)| n.clone(), after.as_deref(), max)
        };
        let found = page
            .into_iter()
            .map(|(name, v)| {
                Ok(Found { arn: self.arn(&name), selector: None, version: self.reveal(&name, &v, q.decrypt)?, name })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((found, next))
    }
}
