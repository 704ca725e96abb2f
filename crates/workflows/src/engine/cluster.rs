//! Executions on a store several servers share: each running execution is run by the server
//! its `active` entry names. A server holds a lease of its own (`workflows.node.<id>`) while
//! it runs; every server looks now and then for executions whose server's lease is gone and
//! takes them over (the entry rewritten only if unchanged, so one server wins). A message
//! for an execution another server runs (StopExecution, SendTask*) is left in the store's
//! `inbox`, which the running server reads.

use super::store::{self, Active};
use super::{Engine, Msg};
use crate::{Failure, Result, corrupt};
use serde::{Deserialize, Serialize};
use squall_storage::ItemWrite;
use std::ops::Bound;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

/// Messages for executions another server runs (key: owner, arrival id).
const INBOX: &str = "inbox";
/// How long a server's lease lasts without renewal.
const LEASE_MS: u64 = 10_000;
/// How often the lease is renewed, orphans looked for and the inbox read (real time).
const EVERY: Duration = Duration::from_millis(250);

fn lease_name(node: &str) -> String {
    format!("workflows.node.{node}")
}

/// A message as it waits in the inbox.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Letter {
    Stop { execution: String, error: String, cause: String },
    Token { execution: String, run: String, nonce: u64, answer: std::result::Result<serde_json::Value, Failure> },
    Heartbeat { execution: String, run: String, nonce: u64 },
}

impl Letter {
    fn execution(&self) -> &str {
        match self {
            Letter::Stop { execution, .. } | Letter::Token { execution, .. } | Letter::Heartbeat { execution, .. } => {
                execution
            }
        }
    }
}

impl Engine {
    /// Leaves `letter` for the server running its execution; `false` if none does.
    pub(crate) async fn post(&self, letter: Letter) -> Result<bool> {
        let Some(active) = store::owner(self.store.as_ref(), letter.execution()).await? else { return Ok(false) };
        let id = format!("{:016x}{}", self.clock.now_ms(), uuid::Uuid::new_v4().simple());
        let item = serde_json::to_vec(&letter).expect("a letter serializes");
        let row =
            ItemWrite { table: INBOX.into(), pk: active.owner.into_bytes(), sk: id.into_bytes(), item: Some(item) };
        self.store.write(vec![row]).await?;
        Ok(true)
    }

    /// The worker of a shared store: this server's lease, its inbox, the orphans it takes.
    pub(crate) async fn cluster_work(self: Arc<Self>) {
        let me = self.cluster.node.clone();
        loop {
            match self.cluster.coordination.lease(&lease_name(&me), &me, LEASE_MS).await {
                Ok(true) => {
                    if let Err(e) = self.read_inbox().await {
                        tracing::warn!(error = %e, "workflows: reading the inbox failed");
                    }
                    if let Err(e) = self.claim_orphans().await {
                        tracing::warn!(error = %e, "workflows: looking for executions of stopped servers failed");
                    }
                }
                Ok(false) => tracing::warn!("workflows: another holder has this server's lease"),
                Err(e) => tracing::warn!(error = %e, "workflows: renewing this server's lease failed"),
            }
            tokio::time::sleep(EVERY).await;
        }
    }

    async fn read_inbox(&self) -> Result<()> {
        let me = self.cluster.node.as_bytes();
        let rows = self.store.query(INBOX, me, (Bound::Unbounded, Bound::Unbounded), true, 1000).await?;
        for row in rows {
            let letter: Letter =
                serde_json::from_slice(&row.item).map_err(|e| corrupt("a workflows letter".into(), e))?;
            let msg = match letter {
                Letter::Stop { execution, error, cause } => {
                    let (tx, _) = oneshot::channel();
                    (execution, Msg::Stop { failure: Failure::new(error, cause), reply: tx })
                }
                Letter::Token { execution, run, nonce, answer } => {
                    let (tx, _) = oneshot::channel();
                    (execution, Msg::Token { run, nonce, answer, reply: tx })
                }
                Letter::Heartbeat { execution, run, nonce } => {
                    let (tx, _) = oneshot::channel();
                    (execution, Msg::Heartbeat { run, nonce, reply: tx })
                }
            };
            // An execution that ended meanwhile drops its letters.
            self.deliver(&msg.0, msg.1);
            self.store.write(vec![ItemWrite { table: INBOX.into(), pk: me.to_vec(), sk: row.sk, item: None }]).await?;
        }
        Ok(())
    }

    /// Makes `arn`'s entry name this server with a new epoch, if it is still `was`; `None`
    /// when another server changed it first.
    pub(crate) async fn claim(&self, arn: &str, was: &Active) -> Result<Option<Active>> {
        let mine = Active::new(&was.machine, &was.name, &self.cluster.node);
        let written = self
            .store
            .write_checked(vec![store::active_row(arn, Some(&mine))], vec![store::active_expect(arn, was)])
            .await;
        match written {
            Ok(()) => Ok(Some(mine)),
            Err(squall_storage::Error::Conflict(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Takes over the running executions of servers whose lease is gone.
    async fn claim_orphans(self: &Arc<Self>) -> Result<usize> {
        let me = self.cluster.node.clone();
        let mut gone: Vec<String> = Vec::new();
        let mut alive: Vec<String> = Vec::new();
        let mut n = 0;
        for (arn, a) in store::active(self.store.as_ref()).await? {
            if a.owner == me || alive.contains(&a.owner) {
                continue;
            }
            if !gone.contains(&a.owner) {
                // Taking a live server's lease fails; a dead one's succeeds (and is given back).
                let name = lease_name(&a.owner);
                if self.cluster.coordination.lease(&name, &me, 1).await? {
                    self.cluster.coordination.release(&name, &me).await?;
                    gone.push(a.owner.clone());
                } else {
                    alive.push(a.owner.clone());
                    continue;
                }
            }
            let Some(mine) = self.claim(&arn, &a).await? else { continue };
            if let Some(mut exec) = store::load(self, &a.machine, &a.name).await? {
                exec.claim = Some(mine);
                tracing::info!(execution = %arn, from = %a.owner, "workflows: took over an execution of a stopped server");
                self.spawn(exec, true, None);
                n += 1;
            }
        }
        Ok(n)
    }
}
