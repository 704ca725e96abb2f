//! Transactions: TransactWriteItems (up to 100 actions over any tables, all applied or
//! none, with `ClientRequestToken` idempotency for 10 minutes) and TransactGetItems (a
//! consistent read of up to 100 items).
//!
//! Every table involved is locked (in name order, so two transactions cannot deadlock)
//! while conditions are checked and the writes are submitted as one store write.

use crate::change::{Change, MAX_ATTEMPTS, too_busy};
use crate::expr::{self, ExprContext, ExprKind};
use crate::service::{Placeholders, Tables, check_size, encode};
use crate::value::Item;
use crate::{Error, Result};
use squall_storage::ItemWrite;
use std::collections::{BTreeSet, HashSet};

/// How long a `ClientRequestToken` is remembered.
const TOKEN_TTL_MS: u64 = 10 * 60 * 1000;

/// The pseudo-table that keeps recent tokens durably, written with their transaction, so
/// a retry after a restart is still recognized (`~` cannot be in a table name).
const TOKENS: &str = "~tokens";

/// Most actions in one transaction.
const MAX_ACTIONS: usize = 100;

/// What one action of a TransactWriteItems does.
#[derive(Debug, Clone)]
pub enum WriteAction {
    /// `Put`: the item.
    Put(Item),
    /// `Update`: the key and the `UpdateExpression`.
    Update(Item, String),
    /// `Delete`: the key.
    Delete(Item),
    /// `ConditionCheck`: the key (the condition is required).
    ConditionCheck(Item),
}

/// One action with its table and condition.
#[derive(Debug, Clone)]
pub struct TransactWrite {
    /// The table.
    pub table: String,
    /// The action.
    pub action: WriteAction,
    /// `ConditionExpression`.
    pub condition: Option<String>,
    /// Placeholders.
    pub placeholders: Placeholders,
    /// `ReturnValuesOnConditionCheckFailure: ALL_OLD`.
    pub return_old_on_failure: bool,
}

/// One read of a TransactGetItems.
#[derive(Debug, Clone)]
pub struct TransactGet {
    /// The table.
    pub table: String,
    /// The key.
    pub key: Item,
    /// `ProjectionExpression`.
    pub projection: Option<String>,
    /// Placeholders.
    pub placeholders: Placeholders,
}

/// Why one action of a cancelled transaction did not apply.
#[derive(Debug, Clone, PartialEq)]
pub struct CancelReason {
    /// `None`, `ConditionalCheckFailed` or `ValidationError`.
    pub code: String,
    /// A message, except for `None`.
    pub message: Option<String>,
    /// The item as it was, when asked for.
    pub item: Option<Item>,
}

/// An action checked and ready to run under the locks.
struct Prepared {
    table: String,
    pk: Vec<u8>,
    sk: Vec<u8>,
    key: Item,
    kind: Prepped,
    condition: Option<expr::Condition>,
    return_old_on_failure: bool,
}

enum Prepped {
    Put(Item),
    Update(expr::Update),
    Delete,
    Check,
}

impl Tables {
    /// TransactWriteItems. `token` is the `ClientRequestToken` with a fingerprint of the
    /// whole request: the same token and request within 10 minutes succeeds again without
    /// applying twice; the same token with another request is refused.
    pub async fn transact_write(
        &self,
        actions: Vec<TransactWrite>,
        token: Option<(String, u64)>,
        now_ms: u64,
    ) -> Result<()> {
        if actions.is_empty() || actions.len() > MAX_ACTIONS {
            return Err(Error::Validation(format!(
                "1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to {MAX_ACTIONS} and greater than or equal to 1"
            )));
        }
        let mut prepared = Vec::with_capacity(actions.len());
        let mut seen = HashSet::new();
        for a in actions {
            let p = self.prepare(a)?;
            if !seen.insert((p.table.clone(), p.pk.clone(), p.sk.clone())) {
                return Err(Error::Validation(
                    "Transaction request cannot include multiple operations on one item".into(),
                ));
            }
            prepared.push(p);
        }
        let tables: BTreeSet<String> = prepared.iter().map(|p| p.table.clone()).collect();
        let locks: Vec<_> = tables.iter().map(|t| self.lock(t)).collect();
        for _ in 0..MAX_ATTEMPTS {
            let mut held = Vec::with_capacity(locks.len());
            for l in &locks {
                held.push(l.lock().await);
            }
            let mut change = Change::default();
            if self.check_token(&mut change, token.as_ref(), now_ms).await? {
                return Ok(());
            }
            let mut reasons = Vec::with_capacity(prepared.len());
            let mut failed = false;
            for p in &prepared {
                let old = self.load_for(&mut change, &p.table, &p.pk, &p.sk).await?;
                match self.apply_action(&mut change, p, old).await? {
                    None => reasons.push(CancelReason { code: "None".into(), message: None, item: None }),
                    Some(reason) => {
                        failed = true;
                        reasons.push(reason);
                    }
                }
            }
            if failed {
                return Err(Error::TransactionCanceled { reasons });
            }
            if let Some((t, fingerprint)) = &token {
                let record = format!("{} {fingerprint}", now_ms + TOKEN_TTL_MS);
                change.push(ItemWrite {
                    table: TOKENS.into(),
                    pk: t.as_bytes().to_vec(),
                    sk: Vec::new(),
                    item: Some(record.into_bytes()),
                });
            }
            if self.commit(change, held).await? {
                if let Some((t, fingerprint)) = token {
                    self.tokens
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(t, (now_ms + TOKEN_TTL_MS, fingerprint));
                }
                return Ok(());
            }
        }
        Err(too_busy(tables.first().map_or("", |t| t.as_str())))
    }

    /// Whether a transaction with this token and request applied already (within 10
    /// minutes); refused when the token came with another request. Call under the locks, so
    /// a retry racing its first attempt waits for it and then finds its token; on a shared
    /// store the token's absence is a condition of the commit.
    async fn check_token(&self, change: &mut Change, token: Option<&(String, u64)>, now_ms: u64) -> Result<bool> {
        let Some((t, fingerprint)) = token else { return Ok(false) };
        let known = {
            let mut tokens = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
            tokens.retain(|_, (expires, _)| *expires > now_ms);
            tokens.get(t).copied()
        };
        let known = match known {
            Some(k) => Some(k),
            None => {
                let bytes = self.read_for(change, TOKENS, t.as_bytes(), b"").await?;
                bytes.as_deref().and_then(parse_token).filter(|(expires, _)| *expires > now_ms)
            }
        };
        match known {
            Some((_, f)) if f == *fingerprint => Ok(true),
            Some(_) => Err(Error::IdempotentParameterMismatch(
                "The request uses the same client token as a previous, but non-identical request.".into(),
            )),
            None => Ok(false),
        }
    }

    /// Checks one action against the item as it is (`old`) and adds its writes to
    /// `change`; why it cannot apply, if it cannot.
    async fn apply_action(&self, change: &mut Change, p: &Prepared, old: Option<Item>) -> Result<Option<CancelReason>> {
        let empty = Item::new();
        let holds = match &p.condition {
            Some(c) => c.eval(old.as_ref().unwrap_or(&empty))?,
            None => true,
        };
        if !holds {
            return Ok(Some(CancelReason {
                code: "ConditionalCheckFailed".into(),
                message: Some("The conditional request failed".into()),
                item: old.filter(|_| p.return_old_on_failure),
            }));
        }
        let item = match &p.kind {
            Prepped::Put(item) => Some(item.clone()),
            Prepped::Update(u) => {
                let mut new = old.clone().unwrap_or_else(|| p.key.clone());
                if let Err(e) = u.apply(&mut new).and_then(|()| check_size(&new)) {
                    return Ok(Some(CancelReason {
                        code: "ValidationError".into(),
                        message: Some(e.to_string()),
                        item: None,
                    }));
                }
                Some(new)
            }
            Prepped::Delete => None,
            Prepped::Check => return Ok(None),
        };
        let def = self.def(&p.table)?;
        self.derived_writes(change, &def, old.as_ref(), item.as_ref(), false).await?;
        change.push(ItemWrite {
            table: p.table.clone(),
            pk: p.pk.clone(),
            sk: p.sk.clone(),
            item: item.as_ref().map(encode),
        });
        Ok(None)
    }

    /// Deletes stored tokens that have expired, a bounded page at a time; how many.
    pub(crate) async fn forget_expired_tokens(&self, now_ms: u64) -> Result<usize> {
        let rows = self.store.scan(TOKENS, None, 1000).await?;
        let mut writes = Vec::new();
        for r in rows {
            let expires = parse_token(&r.item).map_or(0, |(e, _)| e);
            if expires <= now_ms {
                writes.push(ItemWrite { table: TOKENS.into(), pk: r.pk, sk: r.sk, item: None });
            }
        }
        let n = writes.len();
        if n > 0 {
            self.store.write(writes).await?;
        }
        Ok(n)
    }

    fn prepare(&self, a: TransactWrite) -> Result<Prepared> {
        let def = self.def(&a.table)?;
        let cx = ExprContext::new(&a.placeholders.names, &a.placeholders.values);
        let condition =
            a.condition.as_deref().map(|c| expr::parse_condition(c, ExprKind::Condition, &cx)).transpose()?;
        let (key_source, exact, kind) = match a.action {
            WriteAction::Put(item) => {
                check_size(&item)?;
                (item.clone(), false, Prepped::Put(item))
            }
            WriteAction::Update(key, update) => {
                let u = expr::parse_update(&update, &cx)?;
                if let Some(k) = u.top_level_targets().iter().find(|t| def.key.is_key(t)) {
                    return Err(Error::Validation(format!(
                        "One or more parameter values were invalid: Cannot update attribute {k}. This attribute is part of the key"
                    )));
                }
                (key, true, Prepped::Update(u))
            }
            WriteAction::Delete(key) => (key, true, Prepped::Delete),
            WriteAction::ConditionCheck(key) => {
                if condition.is_none() {
                    return Err(Error::Validation(
                        "1 validation error detected: Value null at 'transactItems.1.member.conditionCheck.conditionExpression' failed to satisfy constraint: Member must not be null".into(),
                    ));
                }
                (key, true, Prepped::Check)
            }
        };
        cx.check_unused()?;
        let (pk, sk) = def.key.encode(&key_source, exact)?;
        let key = def.key.key_of(&key_source);
        Ok(Prepared { table: a.table, pk, sk, key, kind, condition, return_old_on_failure: a.return_old_on_failure })
    }

    /// TransactGetItems: each item (or `None`), read while no transaction writes.
    pub async fn transact_get(&self, gets: Vec<TransactGet>) -> Result<Vec<Option<Item>>> {
        if gets.is_empty() || gets.len() > MAX_ACTIONS {
            return Err(Error::Validation(format!(
                "1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to {MAX_ACTIONS} and greater than or equal to 1"
            )));
        }
        let mut plans = Vec::with_capacity(gets.len());
        for g in &gets {
            let def = self.def(&g.table)?;
            let cx = ExprContext::new(&g.placeholders.names, &g.placeholders.values);
            let projection = g.projection.as_deref().map(|p| expr::parse_projection(p, &cx)).transpose()?;
            cx.check_unused()?;
            let (pk, sk) = def.key.encode(&g.key, true)?;
            plans.push((g.table.clone(), pk, sk, projection));
        }
        let tables: BTreeSet<String> = plans.iter().map(|p| p.0.clone()).collect();
        let locks: Vec<_> = tables.iter().map(|t| self.lock(t)).collect();
        let mut held = Vec::with_capacity(locks.len());
        for l in &locks {
            held.push(l.lock().await);
        }
        let mut out = Vec::with_capacity(plans.len());
        for (table, pk, sk, projection) in &plans {
            let item = self.load(table, pk, sk).await?;
            out.push(item.map(|i| match projection {
                Some(p) => p.apply(&i),
                None => i,
            }));
        }
        Ok(out)
    }
}

/// A stored token's (expiry ms, request fingerprint).
fn parse_token(bytes: &[u8]) -> Option<(u64, u64)> {
    let text = std::str::from_utf8(bytes).ok()?;
    let (e, f) = text.split_once(' ')?;
    Some((e.parse().ok()?, f.parse().ok()?))
}
