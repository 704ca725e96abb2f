//! `squall server --dev`'s reset: every parameter, secret and key goes at once (secrets
//! and keys without a waiting period).

use crate::{Params, Result};

impl Params {
    /// Deletes every parameter, secret and key.
    pub async fn reset(&self) -> Result<()> {
        self.parameters.reset().await?;
        self.secrets.reset().await?;
        self.keys.reset().await
    }
}
