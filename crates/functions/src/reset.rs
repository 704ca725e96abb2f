//! `squall server --dev`'s reset: every service and function goes, with their logs.

use crate::{Functions, Result};

impl Functions {
    /// Removes every deployed service, then every function left (made through the Lambda
    /// API), each with its logs, routes and event source mappings.
    pub async fn reset(&self) -> Result<()> {
        for service in self.list_services() {
            self.remove_service(service.name.as_str()).await?;
        }
        for function in self.list_functions() {
            self.delete_function(function.config.name.as_str()).await?;
        }
        // Layers too, numbering included: after a reset a layer's first version is 1 again.
        self.reset_layers().await
    }
}
