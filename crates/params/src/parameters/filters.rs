//! `ParameterFilters` (and DescribeParameters' legacy `Filters`): which keys and options each
//! operation takes, with Parameter Store's error codes and messages, and matching.

use super::names::{check_path, under};
use super::{Kind, Parameter, Version};
use crate::{Error, Result, validation};

/// One filter as the request carries it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// `Key`: `Name`, `Path`, `Type`, `KeyId`, `Tier`, `DataType`, `Label` or `tag:<key>`.
    pub key: String,
    /// `Option`: `Equals` (default; `OneLevel` for `Path`), `BeginsWith`, `Contains`,
    /// `Recursive`, `OneLevel`.
    pub option: Option<String>,
    /// `Values`.
    pub values: Vec<String>,
}

/// Which operation a filter is for (each takes its own keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// GetParametersByPath.
    ByPath,
    /// DescribeParameters.
    Describe,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum FilterKey {
    Name,
    Path,
    Type,
    KeyId,
    Tier,
    DataType,
    Label,
    Tag(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Equals,
    BeginsWith,
    Contains,
    Recursive,
    OneLevel,
}

/// A filter that passed its checks.
#[derive(Debug, Clone)]
pub struct Checked {
    key: FilterKey,
    op: Op,
    values: Vec<String>,
}

const BY_PATH_KEYS: &str = "[Type, KeyId, Label, tag:<key>]";
const DESCRIBE_KEYS: &str = "[Name, Path, Type, KeyId, Tier, DataType, Label, tag:<key>]";

/// Checks `filters` for `usage`.
pub fn check(filters: &[Filter], usage: Use) -> Result<Vec<Checked>> {
    let mut out: Vec<Checked> = Vec::new();
    for f in filters {
        let key = match f.key.as_str() {
            "Name" => FilterKey::Name,
            "Path" => FilterKey::Path,
            "Type" => FilterKey::Type,
            "KeyId" => FilterKey::KeyId,
            "Tier" => FilterKey::Tier,
            "DataType" => FilterKey::DataType,
            "Label" => FilterKey::Label,
            k if k.len() > 4 && k.starts_with("tag:") && k.len() <= 132 => FilterKey::Tag(k[4..].to_string()),
            k => {
                let valid = if usage == Use::ByPath { BY_PATH_KEYS } else { DESCRIBE_KEYS };
                return Err(Error::InvalidFilterKey(format!(
                    "The following filter key is not valid: {k}. Valid filter keys include: {valid}."
                )));
            }
        };
        if usage == Use::ByPath
            && matches!(key, FilterKey::Name | FilterKey::Path | FilterKey::Tier | FilterKey::DataType)
        {
            return Err(Error::InvalidFilterKey(format!(
                "The following filter key is not valid: {}. Valid filter keys include: {BY_PATH_KEYS}.",
                f.key
            )));
        }
        if out.iter().any(|c| c.key == key) {
            return Err(Error::InvalidFilterKey(format!(
                "The following filter is duplicated in the request: {}. A request can contain only one occurrence of a specific filter.",
                f.key
            )));
        }
        let default = if key == FilterKey::Path { "OneLevel" } else { "Equals" };
        let option = f.option.as_deref().unwrap_or(default);
        let (op, valid) = match (&key, option) {
            (FilterKey::Path, "Recursive") => (Op::Recursive, ""),
            (FilterKey::Path, "OneLevel") => (Op::OneLevel, ""),
            (FilterKey::Path, _) => (Op::Equals, "[Recursive, OneLevel]"),
            (FilterKey::Name, "Contains") => (Op::Contains, ""),
            (FilterKey::Label, "Equals") => (Op::Equals, ""),
            (FilterKey::Label, _) => (Op::Contains, "[Equals]"),
            (_, "Equals") => (Op::Equals, ""),
            (_, "BeginsWith") => (Op::BeginsWith, ""),
            (FilterKey::Name, _) => (Op::Equals, "[Equals, BeginsWith, Contains]"),
            _ => (Op::Equals, "[Equals, BeginsWith]"),
        };
        if !valid.is_empty() {
            return Err(Error::InvalidFilterOption(format!(
                "The following filter option is not valid: {option}. Valid options include: {valid}."
            )));
        }
        if f.values.len() > 50 || f.values.iter().any(|v| v.is_empty() || v.chars().count() > 1024) {
            return Err(validation(format!(
                "1 validation error detected: Value at 'parameterFilters.{}.member.values' failed to satisfy constraint: Member must have length less than or equal to 50, each value from 1 to 1024 characters",
                out.len() + 1
            )));
        }
        if f.values.is_empty() && !matches!(key, FilterKey::Tag(_)) {
            return Err(Error::InvalidFilterValue(format!(
                "The following filter values are missing : null for filter key {}.",
                f.key
            )));
        }
        let bad_value = |v: &str, valid: &str| {
            Error::InvalidFilterValue(format!(
                "The following filter value is not valid: {v}. Valid values include: {valid}."
            ))
        };
        let mut values = f.values.clone();
        match key {
            FilterKey::Type => {
                if let Some(v) = values.iter().find(|v| op == Op::Equals && Kind::parse(v).is_none()) {
                    return Err(bad_value(v, "[SecureString, StringList, String]"));
                }
            }
            FilterKey::Tier => {
                if let Some(v) =
                    values.iter().find(|v| !matches!(v.as_str(), "Standard" | "Advanced" | "Intelligent-Tiering"))
                {
                    return Err(bad_value(v, "[Standard, Advanced, Intelligent-Tiering]"));
                }
            }
            FilterKey::Path => {
                for v in values.iter_mut() {
                    let lower = v.trim_start_matches('/').to_ascii_lowercase();
                    if lower.starts_with("aws") || lower.starts_with("ssm") {
                        return Err(validation(
                            "Filters for common parameters can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). When using global parameters, please specify within a global namespace.",
                        ));
                    }
                    *v = check_path(v).map_err(|_| {
                        validation(format!(
                            "The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward slash \"/\". It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). ({v})"
                        ))
                    })?;
                }
            }
            _ => {}
        }
        out.push(Checked { key, op, values });
    }
    Ok(out)
}

/// DescribeParameters' legacy `Filters` (`Name`, `Type`, `KeyId`; a name matches when it
/// begins with a value) as parameter filters.
pub fn legacy(filters: &[Filter]) -> Result<Vec<Checked>> {
    let mut converted = Vec::new();
    for f in filters {
        if !matches!(f.key.as_str(), "Name" | "Type" | "KeyId") {
            return Err(validation(format!(
                "1 validation error detected: Value '{}' at 'filters.1.member.key' failed to satisfy constraint: Member must satisfy enum value set: [Name, Type, KeyId]",
                f.key
            )));
        }
        let option = if f.key == "Name" { "BeginsWith" } else { "Equals" };
        converted.push(Filter { key: f.key.clone(), option: Some(option.into()), values: f.values.clone() });
    }
    check(&converted, Use::Describe)
}

fn text_matches(op: Op, have: &str, values: &[String]) -> bool {
    values.iter().any(|v| match op {
        Op::BeginsWith => have.starts_with(v.as_str()),
        Op::Contains => have.contains(v.as_str()),
        _ => have == v,
    })
}

/// The version of `p` that `filters` select: the one carrying a `Label` filter's label,
/// else the latest; `None` when a filter leaves the parameter out.
pub(super) fn select<'a>(filters: &[Checked], name: &str, p: &'a Parameter) -> Option<&'a Version> {
    let labelled = filters.iter().find(|f| f.key == FilterKey::Label);
    let v = match labelled {
        Some(f) => f.values.iter().find_map(|l| p.with_label(l))?,
        None => p.latest(),
    };
    let all = filters.iter().all(|f| match &f.key {
        FilterKey::Name => text_matches(f.op, name, &f.values),
        FilterKey::Path => f.values.iter().any(|prefix| under(prefix, name, f.op == Op::Recursive)),
        FilterKey::Type => text_matches(f.op, v.kind.as_str(), &f.values),
        FilterKey::KeyId => v.key_id.as_deref().is_some_and(|k| text_matches(f.op, k, &f.values)),
        FilterKey::Tier => text_matches(f.op, v.tier.as_str(), &f.values),
        FilterKey::DataType => text_matches(f.op, &v.data_type, &f.values),
        FilterKey::Label => true,
        FilterKey::Tag(k) => p.tags.get(k).is_some_and(|val| f.values.is_empty() || text_matches(f.op, val, &f.values)),
    });
    all.then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(key: &str, option: Option<&str>, values: &[&str]) -> Filter {
        Filter {
            key: key.into(),
            option: option.map(str::to_string),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    #[test]
    fn each_operation_takes_its_own_keys_and_options() {
        assert!(check(&[filter("Type", None, &["String"])], Use::ByPath).is_ok());
        assert!(matches!(check(&[filter("Name", None, &["x"])], Use::ByPath), Err(Error::InvalidFilterKey(_))));
        assert!(matches!(check(&[filter("Color", None, &["x"])], Use::Describe), Err(Error::InvalidFilterKey(_))));
        assert!(matches!(
            check(&[filter("Path", Some("Equals"), &["/a"])], Use::Describe),
            Err(Error::InvalidFilterOption(_))
        ));
        assert!(matches!(check(&[filter("Type", None, &["Text"])], Use::Describe), Err(Error::InvalidFilterValue(_))));
        assert!(matches!(check(&[filter("Name", None, &[])], Use::Describe), Err(Error::InvalidFilterValue(_))));
        assert!(check(&[filter("tag:env", None, &[])], Use::Describe).is_ok());
        assert!(matches!(
            check(&[filter("Type", None, &["String"]), filter("Type", None, &["SecureString"])], Use::Describe),
            Err(Error::InvalidFilterKey(_))
        ));
        assert!(matches!(
            check(&[filter("Label", Some("BeginsWith"), &["x"])], Use::ByPath),
            Err(Error::InvalidFilterOption(_))
        ));
    }
}
