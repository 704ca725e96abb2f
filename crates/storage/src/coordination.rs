//! What the servers sharing one store agree on: who runs each worker that must run once
//! (leases), and when definitions that every server caches changed (versions).

use crate::Result;
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The prefix of the lease each live server holds, named after itself
/// (`server.<id>`): counting them counts the servers, and a server without one is gone.
pub const SERVER_LEASES: &str = "server.";

/// Leases and definition versions.
///
/// Contract for every backend:
/// - at any instant at most one holder has a lease; a holder keeps it while it renews it
///   within its time to live, and loses it once that passes without renewal (its server
///   died), when another may take it; lease time is the backend's own clock, so servers'
///   clocks need not agree;
/// - `bump` makes a domain's version larger than any reader has seen before.
#[async_trait]
pub trait Coordination: Send + Sync + 'static {
    /// Takes lease `name` for `holder`, or renews it, for `ttl_ms`; whether `holder` has it.
    async fn lease(&self, name: &str, holder: &str, ttl_ms: u64) -> Result<bool>;

    /// Gives lease `name` up, if `holder` has it.
    async fn release(&self, name: &str, holder: &str) -> Result<()>;

    /// How many leases whose names start with `prefix` are held now (each live server
    /// holds one named after it, so this counts them).
    async fn held(&self, prefix: &str) -> Result<usize>;

    /// Records that `domain`'s definitions changed; its new version.
    async fn bump(&self, domain: &str) -> Result<u64>;

    /// Every domain's version (a domain never bumped is absent).
    async fn versions(&self) -> Result<BTreeMap<String, u64>>;
}

/// [`Coordination`] for one process (the embedded backend has one server): leases and
/// versions in memory (a restart reloads every definition anyway).
#[derive(Default)]
pub struct Local {
    leases: Mutex<BTreeMap<String, (String, Instant)>>,
    versions: Mutex<BTreeMap<String, u64>>,
}

#[async_trait]
impl Coordination for Local {
    async fn lease(&self, name: &str, holder: &str, ttl_ms: u64) -> Result<bool> {
        let mut leases = self.leases.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let free = leases.get(name).is_none_or(|(h, until)| h == holder || *until <= now);
        if free {
            leases.insert(name.to_string(), (holder.to_string(), now + Duration::from_millis(ttl_ms)));
        }
        Ok(free)
    }

    async fn release(&self, name: &str, holder: &str) -> Result<()> {
        let mut leases = self.leases.lock().unwrap_or_else(|p| p.into_inner());
        if leases.get(name).is_some_and(|(h, _)| h == holder) {
            leases.remove(name);
        }
        Ok(())
    }

    async fn held(&self, prefix: &str) -> Result<usize> {
        let leases = self.leases.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        Ok(leases.iter().filter(|(name, (_, until))| name.starts_with(prefix) && *until > now).count())
    }

    async fn bump(&self, domain: &str) -> Result<u64> {
        let mut versions = self.versions.lock().unwrap_or_else(|p| p.into_inner());
        let v = versions.entry(domain.to_string()).or_default();
        *v += 1;
        Ok(*v)
    }

    async fn versions(&self) -> Result<BTreeMap<String, u64>> {
        Ok(self.versions.lock().unwrap_or_else(|p| p.into_inner()).clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_process_holds_what_it_takes() {
        let c = Local::default();
        assert!(c.lease("l", "a", 60_000).await.unwrap());
        assert!(!c.lease("l", "b", 60_000).await.unwrap());
        c.release("l", "a").await.unwrap();
        assert!(c.lease("l", "b", 60_000).await.unwrap());
        assert_eq!(c.bump("d").await.unwrap() + 1, c.bump("d").await.unwrap());
    }
}
