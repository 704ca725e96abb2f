//! AWS KMS on the api port: awsJson1.1, `X-Amz-Target: TrentService.<Op>`, signed for
//! `kms`. Each operation is authorized (`access`: the key a request names, an alias
//! resolved to its key, the key a ciphertext names), decodes its document (`input`: blobs
//! in base64, encryption contexts, and the members Squall does not honour, refused by
//! name), calls one method of `squall_params::Keys` (`manage` for keys and aliases,
//! `crypto` for Encrypt, Decrypt and the rest) and encodes the answer (`encode`); errors
//! take KMS's codes (`errors`). The operations of KMS's model Squall does not serve are
//! refused with `UnsupportedOperationException` saying why (`unserved`).

mod access;
mod crypto;
mod encode;
mod errors;
mod input;
mod kms;
mod manage;
mod unserved;

pub use kms::SERVICE;
