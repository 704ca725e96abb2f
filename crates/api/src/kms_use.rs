//! Whether a caller may use a KMS key through S3 (SSE-KMS): `kms:GenerateDataKey` to write
//! an object under it, `kms:Decrypt` to read one, asked as S3 asks KMS on the caller's
//! behalf (`kms:ViaService` is S3, the object's ARN its `kms:EncryptionContext:aws:s3:arn`).
//! S3's AWS-managed key (`alias/aws/s3`) needs no grant, as on AWS, whose key policy lets
//! the account use it through S3. Shared by the S3 adapter and Lambda's code from S3.

use crate::ApiState;
use crate::authorize::{Caller, authorize_action_under};
use crate::error::ApiError;
use squall_iam::Context;

/// Checks `caller` may do each of `actions` with the key `key_ref` (an id, ARN or alias)
/// for the object `object_arn`.
pub fn may_use_key(
    state: &ApiState,
    caller: Caller<'_>,
    key_ref: &str,
    object_arn: &str,
    actions: &[&'static str],
) -> Result<(), KeyRefusal> {
    let (arn, aws_managed) = state.objects.resolve_kms_key(key_ref).map_err(KeyRefusal::Key)?;
    if aws_managed {
        return Ok(());
    }
    let mut keys = Context::default();
    keys.set("kms:ViaService", format!("s3.{}.amazonaws.com", state.region));
    keys.set("kms:CallerAccount", squall_types::ACCOUNT_ID);
    keys.set("kms:EncryptionContext:aws:s3:arn", object_arn);
    let caller = Caller { keys: Some(&keys), ..caller };
    for action in actions {
        authorize_action_under(state, caller, "kms", action, arn.clone(), None).map_err(KeyRefusal::Denied)?;
    }
    Ok(())
}

/// Why a key may not be used.
#[derive(Debug)]
pub enum KeyRefusal {
    /// The key is not there (or no KMS is wired): the objects service's error.
    Key(squall_objects::Error),
    /// The caller has no grant.
    Denied(ApiError),
}
