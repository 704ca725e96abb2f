//! Secrets Manager on the api port: awsJson1.1, `X-Amz-Target: secretsmanager.<Op>`, signed
//! for `secretsmanager`. Each operation decodes its document (`input`), calls one method of
//! `squall_params::Secrets`, and encodes the answer (`encode`); errors take Secrets
//! Manager's codes (`errors`). Rotation is refused with a message saying it is not
//! supported yet; replication, resource policies and BatchGetSecretValue answer
//! `UnknownOperationException`.

mod encode;
mod errors;
mod input;
mod secretsmanager;

pub use secretsmanager::SERVICE;
