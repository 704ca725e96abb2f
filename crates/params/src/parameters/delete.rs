//! DeleteParameter and DeleteParameters: a parameter goes with every version and its tags.

use super::{Parameters, head_write, not_found, version_write};
use crate::{Error, Result, validation};

/// Most names in one DeleteParameters.
pub const MAX_DELETE: usize = 10;

impl Parameters {
    /// DeleteParameter.
    pub async fn delete(&self, id: &str) -> Result<()> {
        let name = self.resolve(id);
        let _admin = self.admin.lock().await;
        self.sync().await?;
        let versions: Vec<u64> = match self.read().get(&name) {
            Some(p) => p.versions.keys().copied().collect(),
            None => return Err(not_found(id)),
        };
        let mut writes = vec![head_write(&name, None)];
        writes.extend(versions.into_iter().map(|v| version_write(&name, v, None)));
        self.ledger.commit(writes).await?;
        self.write().remove(&name);
        Ok(())
    }

    /// DeleteParameters: the names deleted, and those that were not there.
    pub async fn delete_many(&self, ids: &[String]) -> Result<(Vec<String>, Vec<String>)> {
        if ids.is_empty() || ids.len() > MAX_DELETE {
            return Err(validation(format!(
                "1 validation error detected: Value '[{}]' at 'names' failed to satisfy constraint: Member must have length less than or equal to {MAX_DELETE} and greater than or equal to 1",
                ids.join(", ")
            )));
        }
        let (mut deleted, mut invalid) = (Vec::new(), Vec::new());
        for id in ids {
            match self.delete(id).await {
                Ok(()) => deleted.push(id.clone()),
                Err(Error::NotFound(_)) => invalid.push(id.clone()),
                Err(e) => return Err(e),
            }
        }
        Ok((deleted, invalid))
    }

    /// Deletes every parameter (`squall server --dev`'s reset).
    pub(crate) async fn reset(&self) -> Result<()> {
        let names: Vec<String> = self.read().keys().cloned().collect();
        for name in names {
            match self.delete(&name).await {
                Ok(()) | Err(Error::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}
