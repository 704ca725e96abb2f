//! Access keys.

use std::fmt;

/// An access key pair.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The public half, e.g. `AKSQ…` (20 characters).
    pub access_key_id: String,
    /// The secret half (40 characters).
    pub secret_access_key: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials").field("access_key_id", &self.access_key_id).finish_non_exhaustive()
    }
}

impl Credentials {
    /// A fresh random key pair, shaped like AWS's (so tools that check the shape accept it).
    pub fn generate() -> Self {
        const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        const SECRET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut rnd = [0u8; 56];
        getrandom::fill(&mut rnd).expect("the operating system's random source is available");
        let id: String = rnd[..16].iter().map(|b| UPPER[(*b as usize) % UPPER.len()] as char).collect();
        let secret: String = rnd[16..].iter().map(|b| SECRET[(*b as usize) % SECRET.len()] as char).collect();
        Credentials { access_key_id: format!("AKSQ{id}"), secret_access_key: secret }
    }

    /// The AWS shared-credentials file text for this key under `profile`.
    pub fn to_ini(&self, profile: &str) -> String {
        format!(
            "[{profile}]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            self.access_key_id, self.secret_access_key
        )
    }

    /// Reads `profile` from shared-credentials file text.
    pub fn from_ini(text: &str, profile: &str) -> Option<Self> {
        let mut in_profile = false;
        let (mut id, mut secret) = (None, None);
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with('[') && line.ends_with(']') {
                in_profile = line[1..line.len() - 1].trim() == profile;
                continue;
            }
            if !in_profile {
                continue;
            }
            if let Some((k, v)) = line.split_once('=') {
                match k.trim() {
                    "aws_access_key_id" => id = Some(v.trim().to_string()),
                    "aws_secret_access_key" => secret = Some(v.trim().to_string()),
                    _ => {}
                }
            }
        }
        Some(Credentials { access_key_id: id?, secret_access_key: secret? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_round_trip_through_ini() {
        let c = Credentials::generate();
        assert_eq!(c.access_key_id.len(), 20);
        assert_eq!(c.secret_access_key.len(), 40);
        assert_ne!(c, Credentials::generate());
        let text = format!("[default]\naws_access_key_id = x\naws_secret_access_key = y\n\n{}", c.to_ini("squall"));
        assert_eq!(Credentials::from_ini(&text, "squall"), Some(c));
        assert_eq!(Credentials::from_ini(&text, "other"), None);
    }
}
