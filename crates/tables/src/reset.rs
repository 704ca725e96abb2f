//! `squall server --dev`'s reset: every table goes, with its items, indexes and stream.

use crate::{Result, Tables};

impl Tables {
    /// Deletes every table.
    pub async fn reset(&self) -> Result<()> {
        loop {
            let (names, _) = self.list_tables(None, None)?;
            if names.is_empty() {
                return Ok(());
            }
            for name in names {
                self.delete_table(&name).await?;
            }
        }
    }
}
