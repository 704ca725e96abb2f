//! `squall server --dev`'s reset: every parameter and every secret goes at once (secrets
//! without a recovery window).

use crate::{Params, Result};

impl Params {
    /// Deletes every parameter and secret.
    pub async fn reset(&self) -> Result<()> {
        self.parameters.reset().await?;
        self.secrets.reset().await
    }
}
