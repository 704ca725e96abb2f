//! The additional checksums S3 stores beside the MD5 ETag: CRC32, CRC32C, CRC64NVME,
//! SHA1 and SHA256, each reported base64-encoded (big-endian for the CRCs). A CRC of a
//! multipart object may cover the whole object (`FULL_OBJECT`): the parts' CRCs combined
//! ([`combine`]), so no byte is read again.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// A checksum algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Algorithm {
    /// CRC-32 (ISO-HDLC, as zlib).
    Crc32,
    /// CRC-32C (Castagnoli).
    Crc32c,
    /// CRC-64/NVME.
    Crc64Nvme,
    /// SHA-1.
    Sha1,
    /// SHA-256.
    Sha256,
}

impl Algorithm {
    /// Every algorithm.
    pub const ALL: [Algorithm; 5] =
        [Algorithm::Crc32, Algorithm::Crc32c, Algorithm::Crc64Nvme, Algorithm::Sha1, Algorithm::Sha256];

    /// S3's name: `CRC32`, `CRC32C`, `CRC64NVME`, `SHA1`, `SHA256`.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Crc32 => "CRC32",
            Algorithm::Crc32c => "CRC32C",
            Algorithm::Crc64Nvme => "CRC64NVME",
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
        }
    }

    /// The algorithm S3 names `name` (any case).
    pub fn from_name(name: &str) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|a| a.name().eq_ignore_ascii_case(name))
    }

    /// The header carrying this checksum: `x-amz-checksum-crc32`, ….
    pub fn header(self) -> String {
        format!("x-amz-checksum-{}", self.name().to_ascii_lowercase())
    }

    /// How many bytes the digest has.
    pub fn digest_len(self) -> usize {
        match self {
            Algorithm::Crc32 | Algorithm::Crc32c => 4,
            Algorithm::Crc64Nvme => 8,
            Algorithm::Sha1 => 20,
            Algorithm::Sha256 => 32,
        }
    }

    /// Whether it is a CRC, whose part checksums combine into the whole object's.
    pub fn is_crc(self) -> bool {
        matches!(self, Algorithm::Crc32 | Algorithm::Crc32c | Algorithm::Crc64Nvme)
    }

    /// The reflected polynomial and width of a CRC.
    fn crc_params(self) -> Option<(u64, u32)> {
        match self {
            Algorithm::Crc32 => Some((0xedb8_8320, 32)),
            Algorithm::Crc32c => Some((0x82f6_3b78, 32)),
            Algorithm::Crc64Nvme => Some((0x9a6c_9329_ac4b_c9b5, 64)),
            Algorithm::Sha1 | Algorithm::Sha256 => None,
        }
    }

    /// Whether `value` is a well-formed base64 digest of this algorithm.
    pub fn is_well_formed(self, value: &str) -> bool {
        STANDARD.decode(value).is_ok_and(|d| d.len() == self.digest_len())
    }
}

/// What a multipart object's checksum covers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChecksumType {
    /// A checksum of the parts' checksums, with `-<parts>` after it.
    #[default]
    Composite,
    /// The checksum of the whole object (CRCs only).
    FullObject,
}

impl ChecksumType {
    /// S3's name: `COMPOSITE` or `FULL_OBJECT`.
    pub fn name(self) -> &'static str {
        match self {
            ChecksumType::Composite => "COMPOSITE",
            ChecksumType::FullObject => "FULL_OBJECT",
        }
    }

    /// The type S3 names `name` (any case).
    pub fn from_name(name: &str) -> Option<ChecksumType> {
        [ChecksumType::Composite, ChecksumType::FullObject].into_iter().find(|t| t.name().eq_ignore_ascii_case(name))
    }

    /// Whether it is [`ChecksumType::Composite`] (which records leave out).
    pub fn is_composite(&self) -> bool {
        *self == ChecksumType::Composite
    }
}

/// A running checksum.
pub enum Hasher {
    /// CRC-32.
    Crc32(crc32fast::Hasher),
    /// CRC-32C.
    Crc32c(u32),
    /// CRC-64/NVME (SIMD where the CPU has it: a byte-at-a-time table was slower than the
    /// network).
    Crc64Nvme(Box<crc64fast_nvme::Digest>),
    /// SHA-1.
    Sha1(Box<Sha1>),
    /// SHA-256.
    Sha256(Box<Sha256>),
}

impl Hasher {
    /// A fresh checksum of `algorithm`.
    pub fn new(algorithm: Algorithm) -> Hasher {
        match algorithm {
            Algorithm::Crc32 => Hasher::Crc32(crc32fast::Hasher::new()),
            Algorithm::Crc32c => Hasher::Crc32c(0),
            Algorithm::Crc64Nvme => Hasher::Crc64Nvme(Box::new(crc64fast_nvme::Digest::new())),
            Algorithm::Sha1 => Hasher::Sha1(Box::default()),
            Algorithm::Sha256 => Hasher::Sha256(Box::default()),
        }
    }

    /// Adds `data`.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Crc32(h) => h.update(data),
            Hasher::Crc32c(c) => *c = crc32c::crc32c_append(*c, data),
            Hasher::Crc64Nvme(h) => h.write(data),
            Hasher::Sha1(h) => h.update(data),
            Hasher::Sha256(h) => h.update(data),
        }
    }

    /// The digest's bytes.
    pub fn finish_bytes(self) -> Vec<u8> {
        match self {
            Hasher::Crc32(h) => h.finalize().to_be_bytes().to_vec(),
            Hasher::Crc32c(c) => c.to_be_bytes().to_vec(),
            Hasher::Crc64Nvme(h) => h.sum64().to_be_bytes().to_vec(),
            Hasher::Sha1(h) => h.finalize().to_vec(),
            Hasher::Sha256(h) => h.finalize().to_vec(),
        }
    }

    /// The digest, base64-encoded as S3 reports it.
    pub fn finish(self) -> String {
        STANDARD.encode(self.finish_bytes())
    }
}

/// `a` times `b` modulo the CRC's polynomial, both in the reflected order (the top bit
/// the coefficient of x^0). `a` is not zero.
fn mult_mod(a: u64, mut b: u64, poly: u64, top: u64) -> u64 {
    let (mut m, mut p) = (top, 0);
    loop {
        if a & m != 0 {
            p ^= b;
            if a & (m - 1) == 0 {
                return p;
            }
        }
        m >>= 1;
        b = if b & 1 != 0 { (b >> 1) ^ poly } else { b >> 1 };
    }
}

/// The CRC of `A` followed by `B`, from the CRC of `A` (`first`), the CRC of `B` (`second`)
/// and `B`'s length, as zlib's `crc32_combine` reckons it (shifting `first` by
/// x^(8·len) modulo the polynomial); `None` for an algorithm that is no CRC.
pub fn combine(algorithm: Algorithm, first: u64, second: u64, second_len: u64) -> Option<u64> {
    let (poly, width) = algorithm.crc_params()?;
    let top = 1u64 << (width - 1);
    // x^(8·len) by squaring: `power` runs through x^(2^k), starting at x^1.
    let (mut shift, mut power, mut n) = (top, top >> 1, second_len.checked_mul(8)?);
    while n != 0 {
        if n & 1 != 0 {
            shift = mult_mod(power, shift, poly, top);
        }
        power = mult_mod(power, power, poly, top);
        n >>= 1;
    }
    Some(mult_mod(shift, first, poly, top) ^ second)
}

/// A CRC's value from its base64 digest.
pub fn crc_value(value: &str) -> Option<u64> {
    let bytes = STANDARD.decode(value).ok()?;
    match bytes.len() {
        4 => Some(u64::from(u32::from_be_bytes(bytes.try_into().ok()?))),
        8 => Some(u64::from_be_bytes(bytes.try_into().ok()?)),
        _ => None,
    }
}

/// A CRC's base64 digest.
pub fn crc_digest(algorithm: Algorithm, value: u64) -> String {
    match algorithm {
        Algorithm::Crc64Nvme => STANDARD.encode(value.to_be_bytes()),
        _ => STANDARD.encode((value as u32).to_be_bytes()),
    }
}

/// The base64 checksum of `data`.
pub fn checksum_of(algorithm: Algorithm, data: &[u8]) -> String {
    let mut h = Hasher::new(algorithm);
    h.update(data);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The catalogue's check values over "123456789".
    #[test]
    fn check_values() {
        let hex = |a| hex::encode(STANDARD.decode(checksum_of(a, b"123456789")).unwrap());
        assert_eq!(hex(Algorithm::Crc32), "cbf43926");
        assert_eq!(hex(Algorithm::Crc32c), "e3069283");
        assert_eq!(hex(Algorithm::Crc64Nvme), "ae8b14860a799888");
        assert_eq!(hex(Algorithm::Sha1), "f7c3bc1d808e04732adf679965ccc34ca7ae3441");
        assert_eq!(checksum_of(Algorithm::Sha256, b""), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    }

    /// Combining the CRCs of two halves gives the CRC of the whole, for every split.
    #[test]
    fn combined_crcs_equal_the_whole_objects() {
        let data: Vec<u8> = (0..3000u32).map(|i| (i * 31 + 7) as u8).collect();
        for a in [Algorithm::Crc32, Algorithm::Crc32c, Algorithm::Crc64Nvme] {
            let crc = |d: &[u8]| crc_value(&checksum_of(a, d)).unwrap();
            for split in [0, 1, 7, 1000, 2999, 3000] {
                let (x, y) = data.split_at(split);
                let got = combine(a, crc(x), crc(y), y.len() as u64).unwrap();
                assert_eq!(crc_digest(a, got), checksum_of(a, &data), "{} split at {split}", a.name());
            }
        }
        assert_eq!(combine(Algorithm::Sha256, 1, 2, 3), None);
    }

    #[test]
    fn streaming_equals_one_shot() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7) as u8).collect();
        for a in Algorithm::ALL {
            let mut h = Hasher::new(a);
            for piece in data.chunks(333) {
                h.update(piece);
            }
            assert_eq!(h.finish(), checksum_of(a, &data), "{}", a.name());
            assert!(a.is_well_formed(&checksum_of(a, &data)));
            assert_eq!(Algorithm::from_name(&a.name().to_lowercase()), Some(a));
        }
        assert!(!Algorithm::Crc32.is_well_formed("AAAAAAAA"));
    }
}
