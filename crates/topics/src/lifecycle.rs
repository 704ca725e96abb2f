//! Topics as the server starts and stops them.

use crate::Topics;
use squall_lifecycle::{Service, Workers};
use std::sync::Arc;

impl Service for Topics {
    fn name(&self) -> &'static str {
        "topics"
    }

    /// HTTP deliveries cut short by a stop stay in the outbox and go after the next start.
    fn start(self: Arc<Self>) -> Workers {
        Workers::none().with("http deliveries", self.start_deliveries())
    }
}
