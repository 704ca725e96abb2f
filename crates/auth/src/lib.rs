//! AWS Signature Version 4: verifying the requests Squall receives and signing the ones
//! its CLI sends. Also the access keys themselves.
//!
//! Pure decisions over plain data ([`SignableRequest`]): no HTTP types, no clock reads
//! (callers pass the time), no storage.
#![deny(missing_docs)]

mod canonical;
mod credentials;
mod post_form;
mod seal;
mod sigv2;
mod sigv4;
mod time;

pub use self::time::{format_amz_date, parse_amz_date, parse_http_date, parse_imf_fixdate};
pub use canonical::PathEncoding;
pub use credentials::Credentials;
pub use post_form::{PostCredential, verify_post_v2, verify_post_v4};
pub use seal::{KEY_LEN, OpenError, Sealer};
pub use sigv2::{HeaderV2, PresignedV2, canonical_resource_v2, verify_header_v2, verify_presigned_v2};
pub use sigv4::{
    AuthError, Authorization, PresignRequest, Presigned, SignableRequest, chained_signature, constant_time_eq, presign,
    request_time, sign, signing_key, verify, verify_presigned,
};
