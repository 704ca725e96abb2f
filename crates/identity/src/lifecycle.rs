//! Identities as the server starts them: on a shared store, a watcher that reloads them
//! when another server changed them.

use crate::Identities;
use squall_lifecycle::{Service, Workers};
use std::sync::Arc;

impl Service for Identities {
    fn name(&self) -> &'static str {
        "identities"
    }

    fn start(self: Arc<Self>) -> Workers {
        if !self.cluster.shared {
            return Workers::none();
        }
        let watcher = self.cluster.watch(crate::DOMAIN, &self, |me: Arc<Identities>| async move { me.refresh().await });
        Workers::none().with("definitions watcher", watcher)
    }
}
