//! SSM Parameter Store on the api port: awsJson1.1, `X-Amz-Target: AmazonSSM.<Op>`, signed
//! for `ssm`. Each operation decodes its document (`input`), calls one method of
//! `squall_params::Parameters`, and encodes the answer (`encode`); errors take SSM's codes
//! (`errors`). Systems Manager's other features (commands, documents, sessions…) are not
//! here: their operations answer `UnknownOperationException` naming Parameter Store.

mod encode;
mod errors;
mod input;
mod ssm;

pub use ssm::SERVICE;
