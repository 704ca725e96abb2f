//! Where a function's code comes from: `ZipFile` (base64 in the request), or an object of
//! Squall's S3 (`S3Bucket`, `S3Key`), read as Lambda reads it when the function is created
//! or updated. Container images are refused.

use super::{ApiError, ApiState};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use futures::TryStreamExt;
use serde::Deserialize;
use squall_api::authorize::Caller;

/// Lambda's limit on a package it unzips (250 MB); an S3 object larger cannot be code.
const MAX_PACKAGE: u64 = 250 << 20;

/// CreateFunction's `Code`, and UpdateFunctionCode's same members.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub(super) struct CodeInput {
    pub(super) zip_file: Option<String>,
    #[serde(rename = "S3Bucket")]
    pub(super) s3_bucket: Option<String>,
    #[serde(rename = "S3Key")]
    pub(super) s3_key: Option<String>,
    #[serde(rename = "S3ObjectVersion")]
    pub(super) s3_object_version: Option<String>,
    pub(super) image_uri: Option<String>,
}

impl CodeInput {
    /// The package's bytes: decoded from `ZipFile`, or read from the S3 object.
    pub(super) async fn bytes(self, state: &ApiState, caller: Caller<'_>) -> Result<Vec<u8>, ApiError> {
        if self.image_uri.is_some() {
            return Err(ApiError::invalid("container images are not supported: give ZipFile or S3Bucket and S3Key"));
        }
        match (self.zip_file, self.s3_bucket, self.s3_key) {
            (Some(zip), None, None) => {
                B64.decode(zip.trim()).map_err(|e| ApiError::invalid(format!("ZipFile is not base64: {e}")))
            }
            (None, Some(bucket), Some(key)) => {
                read_object(state, caller, &bucket, &key, self.s3_object_version.as_deref()).await
            }
            (None, Some(_), None) | (None, None, Some(_)) => {
                Err(ApiError::invalid("S3Bucket and S3Key go together: give both"))
            }
            (None, None, None) => Err(ApiError::invalid("Code needs ZipFile, or S3Bucket and S3Key")),
            (Some(_), _, _) => Err(ApiError::invalid("Give either ZipFile or S3Bucket and S3Key, not both")),
        }
    }
}

/// An S3 object's bytes (its current version, or `version`), or Lambda's error naming S3's.
async fn read_object(
    state: &ApiState,
    caller: Caller<'_>,
    bucket: &str,
    key: &str,
    version: Option<&str>,
) -> Result<Vec<u8>, ApiError> {
    let s3_error = |code: &str, message: &str| {
        ApiError::invalid(format!("Error occurred while GetObject. S3 Error Code: {code}. S3 Error Message: {message}"))
    };
    let read = state.objects.get_object(bucket, key, (version, None), &Default::default(), None).await.map_err(
        |e| match e {
            squall_objects::Error::NoSuchBucket(_) => s3_error("NoSuchBucket", "The specified bucket does not exist"),
            squall_objects::Error::NoSuchKey(_) | squall_objects::Error::DeleteMarker { .. } => {
                s3_error("NoSuchKey", "The specified key does not exist.")
            }
            squall_objects::Error::NoSuchVersion { .. } => {
                s3_error("NoSuchVersion", "The specified version does not exist.")
            }
            squall_objects::Error::InvalidArgument(m) => s3_error("InvalidArgument", &m),
            e @ squall_objects::Error::InvalidObjectState { .. } => s3_error("InvalidObjectState", &e.to_string()),
            other => s3_error("InternalError", &other.to_string()),
        },
    )?;
    // An SSE-KMS object is read as S3 would read it for the caller: with its grant on the key.
    if let Some(squall_objects::sse::SseKind::Kms { key_arn, .. }) = read.record.encryption.as_ref().map(|e| &e.kind) {
        let object = format!("arn:aws:s3:::{bucket}/{key}");
        squall_api::kms_use::may_use_key(state, caller, key_arn, &object, &["kms:Decrypt"]).map_err(|_| {
            s3_error(
                "AccessDenied",
                &format!("the caller may not kms:Decrypt with {key_arn}, the key of {bucket}/{key}"),
            )
        })?;
    }
    if read.record.size > MAX_PACKAGE {
        return Err(ApiError::invalid(format!(
            "s3://{bucket}/{key} is {} bytes; a package is at most {MAX_PACKAGE} bytes",
            read.record.size
        )));
    }
    let chunks: Vec<bytes::Bytes> =
        read.body.try_collect().await.map_err(|e| s3_error("InternalError", &e.to_string()))?;
    Ok(chunks.concat())
}
