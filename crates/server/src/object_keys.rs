//! SSE-KMS's keys: the objects service asks Squall's KMS (`squall_params::Keys`) for data
//! keys, to open them and to name keys; the KMS's refusals take S3's `KMS.*` codes.

use async_trait::async_trait;
use squall_objects::sse::{Context, KeyService};
use squall_params::Params;
use std::sync::Arc;

/// The KMS, as the objects service sees it.
pub(crate) struct ObjectKeys(pub(crate) Arc<Params>);

/// A refusal of the KMS as S3 reports it.
fn refused(e: squall_params::Error) -> squall_objects::Error {
    use squall_params::Error as E;
    let code = match &e {
        E::NotFound(_) => "KMS.NotFoundException",
        E::Disabled(_) => "KMS.DisabledException",
        E::InvalidState(_) => "KMS.KMSInvalidStateException",
        E::InvalidCiphertext(_) => "KMS.InvalidCiphertextException",
        E::Storage(_) | E::Busy(_) => {
            return squall_objects::Error::Storage(squall_storage::Error::Backend(e.to_string()));
        }
        _ => "KMS.ValidationException",
    };
    squall_objects::Error::Kms { code, message: e.to_string() }
}

fn key_of(plaintext: &[u8]) -> squall_objects::Result<[u8; 32]> {
    plaintext.try_into().map_err(|_| squall_objects::Error::Kms {
        code: "KMS.InvalidCiphertextException",
        message: "the data key is not 32 bytes".into(),
    })
}

#[async_trait]
impl KeyService for ObjectKeys {
    async fn generate(
        &self,
        key_ref: Option<&str>,
        context: &Context,
    ) -> squall_objects::Result<([u8; 32], Vec<u8>, String)> {
        let keys = &self.0.keys;
        let key_ref = match key_ref {
            Some(k) => k.to_string(),
            None => keys.managed("s3").await.map_err(refused)?,
        };
        let data = keys.generate_data_key(&key_ref, context, 32).map_err(refused)?;
        Ok((key_of(&data.plaintext)?, data.ciphertext, data.key_arn))
    }

    fn open(&self, sealed: &[u8], context: &Context) -> squall_objects::Result<[u8; 32]> {
        key_of(&self.0.keys.decrypt(sealed, context, None).map_err(refused)?.plaintext)
    }

    fn resolve(&self, key_ref: &str) -> squall_objects::Result<(String, bool)> {
        let info = self.0.keys.info(key_ref).map_err(refused)?;
        Ok((info.arn, info.manager == squall_params::keys::KeyManager::Aws))
    }
}
