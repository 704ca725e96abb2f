//! Storage classes. Every class keeps its bytes on the same store here, so a class is a
//! label S3's clients read back (HEAD, listings, attributes) and lifecycle transitions
//! change; the archive classes (GLACIER, DEEP_ARCHIVE) keep their objects unreadable, as
//! S3 does, until RestoreObject makes a copy readable for some days (at once here).

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
    /// `GLACIER` (flexible retrieval: read only once restored).
    Glacier,
    /// `DEEP_ARCHIVE` (read only once restored).
    DeepArchive,
}

impl StorageClass {
    const ALL: [StorageClass; 8] = [
        StorageClass::Standard,
        StorageClass::ReducedRedundancy,
        StorageClass::StandardIa,
        StorageClass::OnezoneIa,
        StorageClass::IntelligentTiering,
        StorageClass::GlacierIr,
        StorageClass::Glacier,
        StorageClass::DeepArchive,
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
            StorageClass::Glacier => "GLACIER",
            StorageClass::DeepArchive => "DEEP_ARCHIVE",
        }
    }

    /// Whether its objects must be restored before they are read.
    pub fn is_archive(self) -> bool {
        matches!(self, StorageClass::Glacier | StorageClass::DeepArchive)
    }

    /// Whether it is `STANDARD` (which records leave out).
    pub fn is_standard(&self) -> bool {
        *self == StorageClass::Standard
    }

    /// The class S3 names `name`: `InvalidStorageClass` for no class S3 has, `NotImplemented`
    /// for the directory-bucket and device ones Squall does not serve.
    pub fn parse(name: &str) -> Result<StorageClass> {
        if let Some(c) = Self::ALL.into_iter().find(|c| c.as_str() == name) {
            return Ok(c);
        }
        match name {
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
        assert!(StorageClass::parse("GLACIER").unwrap().is_archive() && !StorageClass::GlacierIr.is_archive());
        assert!(matches!(StorageClass::parse("SNOW"), Err(Error::NotImplemented(_))));
        assert!(matches!(StorageClass::parse("standard"), Err(Error::InvalidStorageClass(_))));
    }
}
