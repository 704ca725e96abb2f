//! What the functions service tells its callers.

/// A functions-service failure; adapters map each variant to their protocol's error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The named function or service does not exist.
    #[error("{kind} not found: {name}")]
    NotFound {
        /// "Function" or "Service".
        kind: &'static str,
        /// The missing name.
        name: String,
    },
    /// The resource exists or is owned by someone else.
    #[error("{0}")]
    Conflict(String),
    /// A conditional update found the function at another revision.
    #[error("{0}")]
    PreconditionFailed(String),
    /// The request is malformed or breaks a limit.
    #[error("{0}")]
    InvalidRequest(String),
    /// The code cannot run (not a component, missing export, does not compile).
    #[error("{0}")]
    InvalidCode(String),
    /// A plan references artifacts that were never uploaded.
    #[error("artifacts not uploaded: {}", .0.join(", "))]
    MissingArtifacts(Vec<String>),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] squall_storage::Error),
    /// The runtime failed (not the function: the platform).
    #[error("runtime: {0}")]
    Runtime(String),
}

/// Service results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<squall_runtime::Error> for Error {
    fn from(e: squall_runtime::Error) -> Self {
        match e {
            squall_runtime::Error::InvalidCode(m) => Error::InvalidCode(m),
            other => Error::Runtime(other.to_string()),
        }
    }
}
