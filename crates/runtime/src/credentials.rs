//! What a function's processes sign their calls to the platform with: short-lived
//! credentials for its execution role, never the installation's key.

use squall_types::FunctionRecord;

/// A role session's credentials for one function.
#[derive(Debug, Clone)]
pub struct FunctionCredentials {
    /// `AWS_ACCESS_KEY_ID` (`ASIA…`).
    pub access_key_id: String,
    /// `AWS_SECRET_ACCESS_KEY`.
    pub secret_access_key: String,
    /// `AWS_SESSION_TOKEN`.
    pub session_token: String,
    /// When they expire (epoch milliseconds, platform clock).
    pub expires_ms: u64,
}

/// Where runtimes get each function's credentials.
pub trait CredentialSource: Send + Sync + std::fmt::Debug {
    /// Fresh credentials for `function`'s execution role.
    fn credentials(&self, function: &FunctionRecord) -> Result<FunctionCredentials, String>;

    /// The platform clock's time, against which [`FunctionCredentials::expires_ms`] is read.
    fn now_ms(&self) -> u64;
}
