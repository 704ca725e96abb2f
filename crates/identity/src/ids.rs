//! Unique ids and secrets, in IAM's shapes.

/// Characters of IAM's unique ids and access key ids.
const ID_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/// Characters of secret access keys.
const SECRET_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn random(chars: &[u8], len: usize) -> String {
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).expect("the system's random source works");
    // Both alphabets' lengths divide 256, so every character is equally likely.
    bytes.iter().map(|b| chars[*b as usize % chars.len()] as char).collect()
}

/// A unique id with IAM's prefix for its kind (`AIDA` users, `AGPA` groups, `AROA` roles,
/// `ANPA` policies): 21 characters.
pub(crate) fn unique_id(prefix: &str) -> String {
    format!("{prefix}{}", random(ID_CHARS, 17))
}

/// A long-term access key id: `AKIA` and 16 characters.
pub(crate) fn access_key_id() -> String {
    format!("AKIA{}", random(ID_CHARS, 16))
}

/// A session's access key id: `ASIA` and 16 characters.
pub(crate) fn session_key_id() -> String {
    format!("ASIA{}", random(ID_CHARS, 16))
}

/// A secret access key: 40 characters.
pub(crate) fn secret() -> String {
    random(SECRET_CHARS, 40)
}

/// 17 id characters that always come out the same for `name` (the ids of AWS's own
/// policies, which every server must agree on).
pub(crate) fn stable_suffix(name: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(name.as_bytes());
    digest.iter().take(17).map(|b| ID_CHARS[*b as usize % ID_CHARS.len()] as char).collect()
}
