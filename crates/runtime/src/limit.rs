//! A function's reserved concurrency, held across the servers sharing a store: each server
//! allows its share of the limit, the limit divided by how many servers are alive, rounded
//! up. So a cluster runs at most the limit rounded up to a multiple of its size (a limit of
//! 10 on 3 servers: 4 each, 12 in all), and while the count is stale (a server that died
//! is counted until its lease ends; one that started is counted within a second) the
//! shares are those of the old count.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// How many servers share the store (never taken as less than one); a server on a store of
/// its own keeps the default, one.
#[derive(Debug, Clone)]
pub struct Servers(Arc<AtomicUsize>);

impl Default for Servers {
    fn default() -> Self {
        Servers(Arc::new(AtomicUsize::new(1)))
    }
}

impl Servers {
    /// Records how many servers are alive now.
    pub fn set(&self, n: usize) {
        self.0.store(n.max(1), Ordering::Relaxed);
    }

    /// How many servers are alive, at least one.
    pub fn get(&self) -> usize {
        self.0.load(Ordering::Relaxed).max(1)
    }
}

/// One function's limit on this server.
#[derive(Debug)]
pub struct ConcurrencyLimit {
    total: usize,
    servers: Servers,
    in_use: AtomicUsize,
    freed: Notify,
}

/// A slot of a [`ConcurrencyLimit`], given back when dropped.
#[derive(Debug)]
pub struct LimitPermit(Arc<ConcurrencyLimit>);

impl Drop for LimitPermit {
    fn drop(&mut self) {
        self.0.in_use.fetch_sub(1, Ordering::AcqRel);
        self.0.freed.notify_one();
    }
}

/// Functions' reserved concurrency by function name: one limit shared by all of a function's
/// versions (each kept under its own instance key), as Lambda's reservation is.
#[derive(Debug, Default)]
pub struct Reservations(Mutex<HashMap<String, (usize, Arc<ConcurrencyLimit>)>>);

impl Reservations {
    /// The limit of `function` reserving `total` across `servers` (a new one when the
    /// reservation changed).
    pub fn limit(&self, function: &str, total: usize, servers: &Servers) -> Arc<ConcurrencyLimit> {
        let mut by_name = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match by_name.get(function) {
            Some((t, limit)) if *t == total => limit.clone(),
            _ => {
                let limit = ConcurrencyLimit::new(total, servers.clone());
                by_name.insert(function.to_string(), (total, limit.clone()));
                limit
            }
        }
    }
}

impl ConcurrencyLimit {
    /// A limit of `total` across `servers`.
    pub fn new(total: usize, servers: Servers) -> Arc<ConcurrencyLimit> {
        Arc::new(ConcurrencyLimit { total, servers, in_use: AtomicUsize::new(0), freed: Notify::new() })
    }

    /// This server's share now.
    pub fn share(&self) -> usize {
        self.total.div_ceil(self.servers.get())
    }

    /// Slots in use on this server.
    pub fn in_use(&self) -> usize {
        self.in_use.load(Ordering::Acquire)
    }

    /// A slot if this server's share has one free now.
    pub fn try_acquire(self: &Arc<Self>) -> Option<LimitPermit> {
        let share = self.share();
        let mut current = self.in_use.load(Ordering::Acquire);
        loop {
            if current >= share {
                return None;
            }
            match self.in_use.compare_exchange_weak(current, current + 1, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return Some(LimitPermit(self.clone())),
                Err(now) => current = now,
            }
        }
    }

    /// A slot, waiting at most `wait` (real time) for one to be given back.
    pub async fn acquire(self: &Arc<Self>, wait: Duration) -> Option<LimitPermit> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            // Registered before looking, so a slot given back in between is not missed.
            let freed = self.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            if let Some(p) = self.try_acquire() {
                return Some(p);
            }
            if tokio::time::timeout_at(deadline, freed).await.is_err() {
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_server_allows_its_share_rounded_up() {
        let servers = Servers::default();
        let limit = ConcurrencyLimit::new(10, servers.clone());
        assert_eq!(limit.share(), 10);
        servers.set(3);
        assert_eq!(limit.share(), 4);
        servers.set(0);
        assert_eq!(limit.share(), 10, "never fewer than one server");
        assert_eq!(ConcurrencyLimit::new(0, servers).share(), 0, "a reservation of 0 disables");
    }

    #[test]
    fn slots_are_given_back_when_dropped() {
        let servers = Servers::default();
        servers.set(2);
        let limit = ConcurrencyLimit::new(4, servers.clone());
        let (a, b) = (limit.try_acquire(), limit.try_acquire());
        assert!(a.is_some() && b.is_some());
        assert!(limit.try_acquire().is_none(), "the share of two servers is 2");
        servers.set(1);
        let c = limit.try_acquire().expect("alone, the whole limit");
        drop((a, b, c));
        assert_eq!(limit.in_use(), 0);
    }

    #[tokio::test]
    async fn a_waiter_gets_the_slot_given_back_or_gives_up() {
        let limit = ConcurrencyLimit::new(1, Servers::default());
        let held = limit.try_acquire().unwrap();
        assert!(limit.acquire(Duration::from_millis(20)).await.is_none());
        let waiter = {
            let limit = limit.clone();
            tokio::spawn(async move { limit.acquire(Duration::from_secs(5)).await.is_some() })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop(held);
        assert!(waiter.await.unwrap());
    }
}
