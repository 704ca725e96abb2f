//! Names and ARNs of state machines and executions.

use squall_types::ACCOUNT_ID;

/// Whether `name` is a valid state machine or execution name: 1 to 80 characters, none of
/// whitespace, brackets, wildcards, the listed punctuation or control characters.
pub fn valid(name: &str) -> bool {
    let len = name.chars().count();
    (1..=80).contains(&len)
        && !name.chars().any(|c| {
            c.is_whitespace()
                || c.is_control()
                || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(c)
                || ('\u{7f}'..='\u{9f}').contains(&c)
        })
}

pub fn machine_arn(region: &str, name: &str) -> String {
    format!("arn:aws:states:{region}:{ACCOUNT_ID}:stateMachine:{name}")
}

pub fn execution_arn(region: &str, machine: &str, name: &str) -> String {
    format!("arn:aws:states:{region}:{ACCOUNT_ID}:execution:{machine}:{name}")
}

pub fn express_arn(region: &str, machine: &str, name: &str) -> String {
    format!("arn:aws:states:{region}:{ACCOUNT_ID}:express:{machine}:{name}:{}", uuid::Uuid::new_v4())
}

/// The machine name in a state machine's ARN (a version or alias suffix refused).
pub fn machine_of(arn: &str) -> Option<&str> {
    let rest = arn.strip_prefix("arn:aws:states:")?;
    let mut parts = rest.splitn(4, ':');
    let (_region, _account, kind, name) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    (kind == "stateMachine" && valid(name)).then_some(name)
}

/// The machine and execution names in an execution's ARN.
pub fn execution_of(arn: &str) -> Option<(&str, &str)> {
    let rest = arn.strip_prefix("arn:aws:states:")?;
    let mut parts = rest.splitn(5, ':');
    let (_region, _account, kind, machine, name) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    (kind == "execution" && valid(machine) && valid(name)).then_some((machine, name))
}

/// The machine name and qualifier (a version's number or an alias's name) in a state
/// machine's, version's or alias's ARN.
pub fn qualified(arn: &str) -> Option<(&str, Option<&str>)> {
    let rest = arn.strip_prefix("arn:aws:states:")?;
    let mut parts = rest.splitn(5, ':');
    let (_region, _account, kind, name) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let qualifier = parts.next();
    (kind == "stateMachine" && valid(name) && qualifier.is_none_or(|q| !q.is_empty() && !q.contains(':')))
        .then_some((name, qualifier))
}

/// Whether `name` is a valid alias name: letters, digits, `_`, `-` and `.`, not all digits.
pub fn valid_alias(name: &str) -> bool {
    (1..=80).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
        && !name.chars().all(|c| c.is_ascii_digit())
}
