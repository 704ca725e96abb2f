//! Storage classes. Every class keeps its bytes on the same store here, so a class is a
//! label S3's clients read back (HEAD, listings, attributes) and lifecycle transitions
//! change; the archive classes, whose objects S3 makes unreadable until restored, are
//! refused by name until RestoreObject is served.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// An object's storage class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StorageClass {
    /// The default.
    #[default]
    Standard,
    /// `REDUCED_REDUNDANCY`.
    ReducedRedundancy,
    /// `STANDARD_IA`.
    StandardIa,
    /// `ONEZONE_IA`.
    OnezoneIa,
    /// `INTELLIGENT_TIERING`.
    IntelligentTiering,
    /// `GLACIER_IR` (instant retrieval: readable as it is).
    GlacierIr,
}

impl StorageClass {
    const ALL: [StorageClass; 6] = [
        StorageClass::Standard,
        StorageClass::ReducedRedundancy,
        StorageClass::StandardIa,
        StorageClass::OnezoneIa,
        StorageClass::IntelligentTiering,
        StorageClass::GlacierIr,
    ];

    /// S3's name of the class.
    pub fn as_str(self) -> &'static str {
        match self {
            StorageClass::Standard => "STANDARD",
            StorageClass::ReducedRedundancy => "REDUCED_REDUNDANCY",
            StorageClass::StandardIa => "STANDARD_IA",
            StorageClass::OnezoneIa => "ONEZONE_IA",
            StorageClass::IntelligentTiering => "INTELLIGENT_TIERING",
            StorageClass::GlacierIr => "GLACIER_IR",
        }
    }

    /// Whether it is `STANDARD` (which records leave out).
    pub fn is_standard(&self) -> bool {
        *self == StorageClass::Standard
    }

    /// The class S3 names `name`: `InvalidStorageClass` for no class S3 has, `NotImplemented`
    /// for the archive classes (and the directory-bucket and device ones) Squall does not serve.
    pub fn parse(name: &str) -> Result<StorageClass> {
        if let Some(c) = Self::ALL.into_iter().find(|c| c.as_str() == name) {
            return Ok(c);
        }
        match name {
            "GLACIER" | "DEEP_ARCHIVE" => Err(Error::NotImplemented(format!(
                "the {name} storage class (archived objects must be restored with RestoreObject before they are read, which Squall does not serve yet)"
            ))),
            "EXPRESS_ONEZONE" | "OUTPOSTS" | "SNOW" => Err(Error::NotImplemented(format!(
                "the {name} storage class (no directory buckets, Outposts or Snow here)"
            ))),
            _ => Err(Error::InvalidStorageClass(name.to_string())),
        }
    }

    /// The least number of days after creation S3 lets a lifecycle rule move an object
    /// into this class.
    pub fn min_transition_days(self) -> u32 {
        match self {
            StorageClass::StandardIa | StorageClass::OnezoneIa => 30,
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_others_are_refused() {
        for c in StorageClass::ALL {
            assert_eq!(StorageClass::parse(c.as_str()).unwrap(), c);
            assert_eq!(serde_json::to_string(&c).unwrap(), format!("\"{}\"", c.as_str()));
        }
        assert!(matches!(StorageClass::parse("GLACIER"), Err(Error::NotImplemented(_))));
        assert!(matches!(StorageClass::parse("standard"), Err(Error::InvalidStorageClass(_))));
    }
}
