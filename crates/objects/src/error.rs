//! What can go wrong with a bucket or an object, in S3's vocabulary (the adapter maps each
//! to its status and code).

/// An objects failure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The bucket does not exist.
    #[error("The specified bucket does not exist")]
    NoSuchBucket(String),
    /// The key does not exist.
    #[error("The specified key does not exist.")]
    NoSuchKey(String),
    /// The version asked for does not exist.
    #[error("The specified version does not exist.")]
    NoSuchVersion {
        /// The key.
        key: String,
        /// The version id asked for.
        version_id: String,
    },
    /// The version read is a delete marker: the key's current one (S3 answers 404) or one
    /// named by id (405).
    #[error("{}", if *by_version { "The specified method is not allowed against this resource." } else { "The specified key does not exist." })]
    DeleteMarker {
        /// The key.
        key: String,
        /// The marker's version id (`None`: null).
        version_id: Option<String>,
        /// When it was made (Unix milliseconds).
        modified_ms: i64,
        /// Whether the request named it by version id.
        by_version: bool,
    },
    /// An object encrypted with a customer key, read without one.
    #[error(
        "The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object."
    )]
    SseCustomerKeyRequired,
    /// An object encrypted with a customer key, read with another.
    #[error("Access Denied: the customer-provided key is not the one the object was encrypted with.")]
    SseCustomerKeyMismatch,
    /// The bucket's state does not allow the change (object lock).
    #[error("{0}")]
    InvalidBucketState(String),
    /// Refused by a setting of the object itself (object lock).
    #[error("{0}")]
    AccessDenied(String),
    /// The bucket name breaks S3's naming rules.
    #[error("The specified bucket is not valid: {0}")]
    InvalidBucketName(String),
    /// The caller already owns a bucket of this name.
    #[error("Your previous request to create the named bucket succeeded and you already own it.")]
    BucketAlreadyOwnedByYou(String),
    /// A bucket holding objects cannot be deleted.
    #[error("The bucket you tried to delete is not empty")]
    BucketNotEmpty(String),
    /// The key is longer than 1024 bytes.
    #[error("Your key is too long")]
    KeyTooLong,
    /// The range starts past the object's end.
    #[error("The requested range is not satisfiable")]
    InvalidRange {
        /// The object's size, for `Content-Range: bytes */size`.
        size: u64,
    },
    /// An `If-Match`/`If-Unmodified-Since`/`If-None-Match: *` condition failed.
    #[error("At least one of the pre-conditions you specified did not hold")]
    PreconditionFailed,
    /// `If-None-Match`/`If-Modified-Since` say the caller's copy is current.
    #[error("Not Modified")]
    NotModified {
        /// The object's ETag, which a 304 still reports.
        etag: String,
        /// When it was last modified (Unix milliseconds).
        modified_ms: i64,
    },
    /// The body's MD5 or checksum is not the one the caller gave.
    #[error("{0}")]
    BadDigest(String),
    /// A `Content-MD5` or checksum value that is not well formed.
    #[error("{0}")]
    InvalidDigest(String),
    /// A request that is well formed but asks for something S3 does not allow.
    #[error("{0}")]
    InvalidRequest(String),
    /// An argument out of its allowed values.
    #[error("{0}")]
    InvalidArgument(String),
    /// The body ended before its declared length, or could not be read; `code` is the
    /// protocol's code for it (set by the adapter that produced the body).
    #[error("{message}")]
    Body {
        /// The S3 error code.
        code: &'static str,
        /// What went wrong.
        message: String,
    },
    /// A request S3 refuses as malformed (`BadRequest`).
    #[error("{0}")]
    BadRequest(String),
    /// A tag breaking S3's rules.
    #[error("{0}")]
    InvalidTag(String),
    /// The KMS refused (`code`: S3's name for it, `KMS.NotFoundException`, …).
    #[error("{message}")]
    Kms {
        /// S3's code.
        code: &'static str,
        /// What the KMS said.
        message: String,
    },
    /// An archived object not restored, or a restore of an object not archived
    /// (`InvalidObjectState`).
    #[error("{message}")]
    InvalidObjectState {
        /// What S3 says.
        message: String,
        /// The object's storage class.
        storage_class: &'static str,
    },
    /// BucketOwnerEnforced asked of a bucket whose ACL grants others.
    #[error("Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting")]
    InvalidBucketAclWithObjectOwnership(String),
    /// A grant to an e-mail address (`UnresolvableGrantByEmailAddress`).
    #[error("{0}")]
    UnresolvableGrantByEmailAddress(String),
    /// A logging target that does not exist or does not let logs in.
    #[error("{0}")]
    InvalidTargetBucketForLogging(String),
    /// A storage class S3 does not have (`InvalidStorageClass`).
    #[error("The storage class you specified is not valid: {0}")]
    InvalidStorageClass(String),
    /// Something S3 has that Squall does not (yet).
    #[error("{0}")]
    NotImplemented(String),
    /// The multipart upload does not exist (never did, or was completed or aborted).
    #[error(
        "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed."
    )]
    NoSuchUpload(String),
    /// A completion named a part that was not uploaded, or with another ETag or checksum.
    #[error(
        "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag."
    )]
    InvalidPart(String),
    /// A completion listed its parts out of ascending order.
    #[error("The list of parts was not in ascending order. Parts must be ordered by part number.")]
    InvalidPartOrder,
    /// A part other than the last is smaller than 5 MiB.
    #[error("Your proposed upload is smaller than the minimum allowed size")]
    EntityTooSmall {
        /// The part's size.
        size: u64,
    },
    /// A part number the object does not have.
    #[error("The requested partnumber is not satisfiable")]
    InvalidPartNumber,
    /// A bucket policy S3 would refuse.
    #[error("{0}")]
    MalformedPolicy(String),
    /// The bucket has no policy.
    #[error("The bucket policy does not exist")]
    NoSuchBucketPolicy(String),
    /// The bucket serves no website.
    #[error("The specified bucket does not have a website configuration")]
    NoSuchWebsiteConfiguration(String),
    /// A body longer than one write may be (5 GiB).
    #[error("Your proposed upload exceeds the maximum allowed size")]
    EntityTooLarge,
    /// The store failed.
    #[error(transparent)]
    Storage(#[from] squall_storage::Error),
}

/// Objects results.
pub type Result<T, E = Error> = std::result::Result<T, E>;
