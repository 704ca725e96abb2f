//! GetRandomPassword: characters drawn uniformly from the operating system's random source,
//! with at least one of each included kind when asked (the default).

use crate::crypto::random_below;
use crate::{Result, validation};

/// Secrets Manager's punctuation set.
pub const PUNCTUATION: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
/// The default length.
pub const DEFAULT_LENGTH: i64 = 32;
/// The longest password.
pub const MAX_LENGTH: i64 = 4096;

/// What a GetRandomPassword asks for.
#[derive(Debug, Clone, Default)]
pub struct PasswordRules {
    /// `PasswordLength` (1 to 4096, default 32).
    pub length: Option<i64>,
    /// `ExcludeCharacters`.
    pub exclude_characters: Option<String>,
    /// `ExcludeNumbers`.
    pub exclude_numbers: bool,
    /// `ExcludePunctuation`.
    pub exclude_punctuation: bool,
    /// `ExcludeUppercase`.
    pub exclude_uppercase: bool,
    /// `ExcludeLowercase`.
    pub exclude_lowercase: bool,
    /// `IncludeSpace`.
    pub include_space: bool,
    /// `RequireEachIncludedType` (default true).
    pub require_each_included_type: Option<bool>,
}

/// A random password following `rules`.
pub fn random_password(rules: &PasswordRules) -> Result<String> {
    let length = rules.length.unwrap_or(DEFAULT_LENGTH);
    if !(1..=MAX_LENGTH).contains(&length) {
        return Err(validation(format!(
            "1 validation error detected: Value '{length}' at 'passwordLength' failed to satisfy constraint: Member must have value between 1 and {MAX_LENGTH}"
        )));
    }
    let excluded = rules.exclude_characters.clone().unwrap_or_default();
    let kind = |include: bool, chars: &str| -> Vec<char> {
        if include { chars.chars().filter(|c| !excluded.contains(*c)).collect() } else { Vec::new() }
    };
    let kinds: Vec<Vec<char>> = [
        kind(!rules.exclude_lowercase, "abcdefghijklmnopqrstuvwxyz"),
        kind(!rules.exclude_uppercase, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
        kind(!rules.exclude_numbers, "0123456789"),
        kind(!rules.exclude_punctuation, PUNCTUATION),
        kind(rules.include_space, " "),
    ]
    .into_iter()
    .filter(|k| !k.is_empty())
    .collect();
    let all: Vec<char> = kinds.concat();
    if all.is_empty() {
        return Err(validation("The password has no characters to draw from: every kind of character is excluded."));
    }
    let length = length as usize;
    let each = rules.require_each_included_type.unwrap_or(true);
    if each && length < kinds.len() {
        return Err(validation(format!(
            "The password length {length} is too short to include each of the {} included kinds of character.",
            kinds.len()
        )));
    }
    let mut out: Vec<char> = (0..length).map(|_| all[random_below(all.len())]).collect();
    if each {
        // One position per kind, chosen at random without repeats, gets a character of it.
        let mut positions: Vec<usize> = (0..length).collect();
        for k in &kinds {
            let at = positions.swap_remove(random_below(positions.len()));
            out[at] = k[random_below(k.len())];
        }
    }
    Ok(out.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_follow_their_rules() {
        let p = random_password(&PasswordRules::default()).unwrap();
        assert_eq!(p.chars().count(), 32);
        for kind in [
            |c: char| c.is_ascii_lowercase(),
            |c: char| c.is_ascii_uppercase(),
            |c: char| c.is_ascii_digit(),
            |c: char| PUNCTUATION.contains(c),
        ] {
            assert!(p.chars().any(kind), "{p}");
        }
        let rules = PasswordRules {
            length: Some(200),
            exclude_characters: Some("abc".into()),
            exclude_punctuation: true,
            exclude_uppercase: true,
            include_space: true,
            ..Default::default()
        };
        let p = random_password(&rules).unwrap();
        assert!(p.chars().all(|c| (c.is_ascii_lowercase() && !"abc".contains(c)) || c.is_ascii_digit() || c == ' '));
        assert!(p.contains(' '));
        let none = PasswordRules {
            exclude_lowercase: true,
            exclude_uppercase: true,
            exclude_numbers: true,
            exclude_punctuation: true,
            ..Default::default()
        };
        assert!(random_password(&none).is_err());
        assert!(random_password(&PasswordRules { length: Some(3), ..Default::default() }).is_err());
        assert!(random_password(&PasswordRules { length: Some(0), ..Default::default() }).is_err());
        let short = PasswordRules { length: Some(3), require_each_included_type: Some(false), ..Default::default() };
        assert_eq!(random_password(&short).unwrap().len(), 3);
    }
}
