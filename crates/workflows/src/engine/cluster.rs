//! Executions on a store several servers share: each running execution is run by the server
//! its `active` entry names. A server holds a lease of its own (`workflows.node.<id>`) while
//! it runs; every server looks now and then for executions whose server's lease is gone and
//! takes them over (the entry rewritten only if unchanged, so one server wins). A message
//! for an execution another server runs (StopExecution, SendTask*) is left in the store's
//! `inbox`, which every server reads: the one running the execution hands it to the actor,
//! which deletes the letter with the batch the message caused.

use super::store::{self, Active};
use super::{Engine, Msg};
use crate::{Failure, Result, corrupt};
use serde::{Deserialize, Serialize};
use squall_storage::ItemWrite;
use std::ops::Bound;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

/// Messages for executions another server runs (key: "", arrival id).
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
    Stop {
        execution: String,
        error: String,
        cause: String,
    },
    Token {
        execution: String,
        run: String,
        nonce: u64,
        secret: String,
        answer: std::result::Result<serde_json::Value, Failure>,
    },
    Heartbeat {
        execution: String,
        run: String,
        nonce: u64,
        secret: String,
    },
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
        if store::owner(self.store.as_ref(), letter.execution()).await?.is_none() {
            return Ok(false);
        }
        let id = format!("{:016x}{}", squall_clock::wall_ms(), uuid::Uuid::new_v4().simple());
        let item = serde_json::to_vec(&letter).expect("a letter serializes");
        let row = ItemWrite { table: INBOX.into(), pk: Vec::new(), sk: id.into_bytes(), item: Some(item) };
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

    /// Hands each letter for an execution running here to its actor (once); drops those
    /// for executions no server runs.
    async fn read_inbox(&self) -> Result<()> {
        let rows = self.store.query(INBOX, b"", (Bound::Unbounded, Bound::Unbounded), true, 1000).await?;
        self.handed.lock().unwrap_or_else(|p| p.into_inner()).retain(|k| rows.iter().any(|r| &r.sk == k));
        for row in rows {
            let seen = self.handed.lock().unwrap_or_else(|p| p.into_inner()).contains(&row.sk);
            if seen {
                continue;
            }
            let letter: Letter =
                serde_json::from_slice(&row.item).map_err(|e| corrupt("a workflows letter".into(), e))?;
            let execution = letter.execution().to_string();
            if !self.is_live(&execution) {
                if store::owner(self.store.as_ref(), &execution).await?.is_none() {
                    self.store.write(vec![delete_letter(row.sk)]).await?;
                }
                continue;
            }
            let sk = Some(row.sk.clone());
            let msg = match letter {
                Letter::Stop { error, cause, .. } => {
                    Msg::Stop { failure: Failure::new(error, cause), reply: oneshot::channel().0, letter: sk }
                }
                Letter::Token { run, nonce, secret, answer, .. } => {
                    Msg::Token { run, nonce, secret, answer, reply: oneshot::channel().0, letter: sk }
                }
                Letter::Heartbeat { run, nonce, secret, .. } => {
                    Msg::Heartbeat { run, nonce, secret, reply: oneshot::channel().0, letter: sk }
                }
            };
            if self.deliver(&execution, msg) {
                self.handed.lock().unwrap_or_else(|p| p.into_inner()).insert(row.sk);
            }
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
            // Loaded before it is claimed, so a claimed execution always has an actor.
            let mut exec = match store::load(self, &a.machine, &a.name).await {
                Ok(Some(exec)) => exec,
                Ok(None) => continue,
                Err(e) => {
                    tracing::error!(execution = %arn, error = %e, "workflows: an orphaned execution could not be loaded");
                    continue;
                }
            };
            let Some(mine) = self.claim(&arn, &a).await? else { continue };
            {
                exec.claim = Some(mine);
                tracing::info!(execution = %arn, from = %a.owner, "workflows: took over an execution of a stopped server");
                self.spawn(exec, true, None);
                n += 1;
            }
        }
        Ok(n)
    }
}

/// The write that deletes an inbox letter (with the batch its message caused).
pub(crate) fn delete_letter(sk: Vec<u8>) -> ItemWrite {
    ItemWrite { table: INBOX.into(), pk: Vec::new(), sk, item: None }
}
