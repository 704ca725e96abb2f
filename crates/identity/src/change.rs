//! How every change is made: decided on a copy of the current identities, written to the
//! store (one at a time across servers), then made current.

use crate::state::{State, Touch};
use crate::{Identities, Result};
use std::sync::Arc;

impl Identities {
    /// Applies `decide` to a copy of the identities (current across servers) at the
    /// platform clock's time; what it returns is stored, then the copy is made current.
    pub(crate) async fn change<T>(&self, decide: impl FnOnce(&mut State, u64) -> Result<(T, Vec<Touch>)>) -> Result<T> {
        let _one = self.changing.lock().await;
        if self.ledger.stale().await? {
            self.reload().await?;
        }
        let mut next = State::clone(&self.snapshot());
        let (out, touched) = decide(&mut next, self.clock.now_ms())?;
        if touched.is_empty() {
            return Ok(out);
        }
        let writes = next.writes(&touched)?;
        self.ledger.commit(writes).await?;
        next.resolve();
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(next);
        Ok(out)
    }
}
