//! DescribeParameters (every parameter's latest version, filtered, without values) and
//! GetParameterHistory (every kept version of one, oldest first).

use super::filters::{self, Filter, Use};
use super::{Found, Parameters, not_found};
use crate::paging::{self, max_results};
use crate::{Result, validation};

/// What a DescribeParameters asks for.
#[derive(Debug, Clone, Default)]
pub struct Describe {
    /// `Filters` (legacy: `Name`, `Type`, `KeyId`).
    pub filters: Vec<Filter>,
    /// `ParameterFilters`.
    pub parameter_filters: Vec<Filter>,
    /// `MaxResults` (1 to 50, default 50).
    pub max_results: Option<i64>,
    /// `NextToken`.
    pub next_token: Option<String>,
}

/// Most parameters in one page of DescribeParameters, and versions in one of
/// GetParameterHistory.
pub const MAX_PAGE: i64 = 50;

impl Parameters {
    /// DescribeParameters: the latest version of each parameter the filters keep, in name
    /// order, a page at a time (the adapter leaves the values out).
    pub fn describe(&self, q: &Describe) -> Result<(Vec<Found>, Option<String>)> {
        if !q.filters.is_empty() && !q.parameter_filters.is_empty() {
            return Err(validation("You can use either Filters or ParameterFilters in a single request."));
        }
        let filters = if q.filters.is_empty() {
            filters::check(&q.parameter_filters, Use::Describe)?
        } else {
            filters::legacy(&q.filters)?
        };
        let max = max_results(q.max_results, MAX_PAGE)?;
        let after = paging::after(q.next_token.as_deref())?;
        let (page, next) = {
            let params = self.read();
            let from = after.clone().unwrap_or_default();
            let matched = params.range(from..).filter_map(|(name, p)| {
                // A Label filter keeps parameters with the label on any version; the
                // latest is what is described.
                filters::select(&filters, name, p).map(|_| (name.clone(), p.latest().clone()))
            });
            paging::page(matched, |(n, _)| n.clone(), after.as_deref(), max)
        };
        let found = page
            .into_iter()
            .map(|(name, version)| Found { arn: self.arn(&name), selector: None, version, name })
            .collect();
        Ok((found, next))
    }

    /// GetParameterHistory: every kept version of a parameter, oldest first, a page at a time.
    pub fn history(
        &self,
        id: &str,
        decrypt: bool,
        max_results_asked: Option<i64>,
        next_token: Option<&str>,
    ) -> Result<(Vec<Found>, Option<String>)> {
        let name = self.resolve(id);
        let max = max_results(max_results_asked, MAX_PAGE)?;
        let after = paging::after(next_token)?;
        let (page, next) = {
            let params = self.read();
            let p = params.get(&name).ok_or_else(|| not_found(id))?;
            paging::page(p.versions.values().cloned(), |v| format!("{:020}", v.version), after.as_deref(), max)
        };
        let found = page
            .into_iter()
            .map(|v| {
                Ok(Found {
                    arn: self.arn(&name),
                    selector: None,
                    version: self.reveal(&name, &v, decrypt)?,
                    name: name.clone(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((found, next))
    }
}
