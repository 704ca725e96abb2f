//! `squall server --dev`'s reset: every queue goes, with its messages.

use crate::{Queues, Result};

impl Queues {
    /// Deletes every queue.
    pub async fn reset(&self) -> Result<()> {
        for name in self.list_queues("") {
            self.delete_queue(&name).await?;
        }
        Ok(())
    }
}
