//! `squall server --dev`'s reset: every topic goes, with its subscriptions.

use crate::{Result, Topics};

impl Topics {
    /// Deletes every topic.
    pub async fn reset(&self) -> Result<()> {
        loop {
            let (arns, _) = self.list_topics(None)?;
            if arns.is_empty() {
                return Ok(());
            }
            for arn in arns {
                self.delete_topic(&arn).await?;
            }
        }
    }
}
