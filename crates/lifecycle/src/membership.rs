//! How many servers share the store: each holds a lease named after itself while it runs,
//! and counts the live ones, so limits that hold across the cluster (functions' reserved
//! concurrency) can be shared out.

use crate::{Cluster, LEASE_TTL, Service, Workers};
use std::sync::Arc;
use std::time::Duration;

/// How often a server renews its own lease and counts the others (real time: servers'
/// liveness is). A server that starts is counted by the others within this; one that dies
/// is counted until its lease ends ([`LEASE_TTL`]); one that stops gives its lease back.
pub const COUNT_EVERY: Duration = Duration::from_secs(1);

use squall_storage::SERVER_LEASES as PREFIX;

/// Keeps this server counted among the store's, handing each count to `set`.
pub struct Membership {
    cluster: Cluster,
    set: Box<dyn Fn(usize) + Send + Sync>,
}

impl Membership {
    /// This server in `cluster`, the counts going to `set`.
    pub fn new(cluster: Cluster, set: impl Fn(usize) + Send + Sync + 'static) -> Membership {
        Membership { cluster, set: Box::new(set) }
    }

    fn lease(&self) -> String {
        format!("{PREFIX}{}", self.cluster.node)
    }

    /// Renews this server's lease and counts the live ones; a failure is logged and the
    /// last count stands.
    async fn count(&self) {
        let c = &self.cluster.coordination;
        let counted = async {
            c.lease(&self.lease(), &self.cluster.node, LEASE_TTL.as_millis() as u64).await?;
            c.held(PREFIX).await
        };
        match counted.await {
            Ok(n) => (self.set)(n),
            Err(e) => tracing::warn!("counting the servers of the store: {e}"),
        }
    }
}

#[async_trait::async_trait]
impl Service for Membership {
    fn name(&self) -> &'static str {
        "membership"
    }

    fn start(self: Arc<Self>) -> Workers {
        if !self.cluster.shared {
            return Workers::none();
        }
        let me = self.clone();
        Workers::none().with(
            "server count",
            tokio::spawn(async move {
                loop {
                    me.count().await;
                    tokio::time::sleep(COUNT_EVERY).await;
                }
            }),
        )
    }

    /// Gives the lease back, so the others stop counting this server at once.
    async fn drain(&self) {
        if self.cluster.shared
            && let Err(e) = self.cluster.coordination.release(&self.lease(), &self.cluster.node).await
        {
            tracing::warn!("giving back this server's lease: {e}");
        }
    }
}
