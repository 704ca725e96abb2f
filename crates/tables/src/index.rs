//! Secondary index entries. Each index's entries live in the store under a table of their
//! own (`<table>#<index>`): partition key = the index's partition key value; sort key = the
//! index's sort key value, then the item's table key, each part escaped and terminated so
//! the concatenation orders by the index sort key first; value = the projected item.
//! An item without the index's key attributes has no entry (a sparse index).

use crate::expr::RangeCondition;
use crate::schema::{IndexDef, IndexProjection, KeySchema, ScalarType, TableDef, index_store_name, scalar_key};
use crate::service::{KeyRange, encode};
use crate::value::{AttributeValue, Item};
use crate::{Error, Result};
use squall_storage::ItemWrite;
use std::ops::Bound;

/// Appends `part` so that byte order of the whole keeps `part`'s order: `00` becomes
/// `00 FF`, and `00 00` ends the part (lower than any continuation).
fn push_part(out: &mut Vec<u8>, part: &[u8]) {
    for &b in part {
        out.push(b);
        if b == 0 {
            out.push(0xFF);
        }
    }
    out.extend_from_slice(&[0, 0]);
}

fn escaped(part: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(part.len() + 2);
    push_part(&mut out, part);
    out.truncate(out.len() - 2);
    out
}

/// The value of an index key attribute in `item`: `None` when absent, an error when it
/// has another type than the index's key.
fn key_value(index: &IndexDef, attr: &crate::schema::KeyAttr, item: &Item) -> Result<Option<Vec<u8>>> {
    let Some(v) = item.get(&attr.name) else { return Ok(None) };
    match scalar_key(v, attr.kind) {
        Some(b) if !b.is_empty() => Ok(Some(b)),
        Some(_) => Err(Error::Validation(format!(
            "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: {}, IndexKey: {}",
            index.name, attr.name
        ))),
        None => Err(Error::Validation(format!(
            "One or more parameter values were invalid: Type mismatch for Index Key {} Expected: {} Actual: {} IndexName: {}",
            attr.name,
            attr.kind.as_str(),
            v.type_name(),
            index.name
        ))),
    }
}

/// Where `item` appears in `index`, if it does.
pub(crate) fn entry_key(index: &IndexDef, table: &KeySchema, item: &Item) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
    let Some(pk) = key_value(index, &index.key.hash, item)? else { return Ok(None) };
    let mut sk = Vec::new();
    if let Some(r) = &index.key.range {
        let Some(range) = key_value(index, r, item)? else { return Ok(None) };
        push_part(&mut sk, &range);
    }
    let (tpk, tsk) = table.encode(item, false)?;
    push_part(&mut sk, &tpk);
    sk.extend_from_slice(&tsk);
    Ok(Some((pk, sk)))
}

/// The key attributes an index entry always carries: the table's and the index's.
pub(crate) fn keys_of(index: &IndexDef, table: &KeySchema, item: &Item) -> Item {
    let mut keys = table.key_of(item);
    keys.extend(index.key.key_of(item));
    keys
}

/// What `index` keeps of `item`.
pub(crate) fn projected(index: &IndexDef, table: &KeySchema, item: &Item) -> Item {
    match &index.projection {
        IndexProjection::All => item.clone(),
        IndexProjection::KeysOnly => keys_of(index, table, item),
        IndexProjection::Include(names) => {
            let mut out = keys_of(index, table, item);
            out.extend(names.iter().filter_map(|n| item.get(n).map(|v| (n.clone(), v.clone()))));
            out
        }
    }
}

/// The index writes for one item changing from `old` to `new` (either may be absent).
pub(crate) fn changes(def: &TableDef, old: Option<&Item>, new: Option<&Item>) -> Result<Vec<ItemWrite>> {
    let mut out = Vec::new();
    for index in &def.indexes {
        let table = index_store_name(&def.name, &index.name);
        let before = old.map(|o| entry_key(index, &def.key, o)).transpose()?.flatten();
        let after = new.map(|n| entry_key(index, &def.key, n)).transpose()?.flatten();
        if let Some((pk, sk)) = &before
            && after.as_ref() != Some(&(pk.clone(), sk.clone()))
        {
            out.push(ItemWrite { table: table.clone(), pk: pk.clone(), sk: sk.clone(), item: None });
        }
        if let (Some((pk, sk)), Some(item)) = (after, new) {
            out.push(ItemWrite { table, pk, sk, item: Some(encode(&projected(index, &def.key, item))) });
        }
    }
    Ok(out)
}

/// Entry sort-key bounds for a condition on the index's sort key.
pub(crate) fn entry_range(cond: Option<&RangeCondition>, kind: ScalarType) -> Result<KeyRange> {
    let Some(cond) = cond else { return Ok((Bound::Unbounded, Bound::Unbounded)) };
    let key = |v: &AttributeValue| {
        scalar_key(v, kind).map(|b| escaped(&b)).ok_or_else(|| {
            Error::Validation(
                "One or more parameter values were invalid: Condition parameter type does not match schema type".into(),
            )
        })
    };
    // Every entry whose sort key equals v starts with esc(v) 00 00; those after it with
    // esc(v) 00 01 or above.
    let at = |v: &AttributeValue| {
        key(v).map(|mut k| {
            k.extend_from_slice(&[0, 0]);
            k
        })
    };
    let past = |v: &AttributeValue| {
        key(v).map(|mut k| {
            k.extend_from_slice(&[0, 1]);
            k
        })
    };
    Ok(match cond {
        RangeCondition::Eq(v) => (Bound::Included(at(v)?), Bound::Excluded(past(v)?)),
        RangeCondition::Lt(v) => (Bound::Unbounded, Bound::Excluded(at(v)?)),
        RangeCondition::Le(v) => (Bound::Unbounded, Bound::Excluded(past(v)?)),
        RangeCondition::Gt(v) => (Bound::Included(past(v)?), Bound::Unbounded),
        RangeCondition::Ge(v) => (Bound::Included(at(v)?), Bound::Unbounded),
        RangeCondition::Between(a, b) => {
            if scalar_key(a, kind) > scalar_key(b, kind) {
                return Err(Error::Validation(
                    "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound".into(),
                ));
            }
            (Bound::Included(at(a)?), Bound::Excluded(past(b)?))
        }
        RangeCondition::BeginsWith(v) => {
            if kind == ScalarType::N {
                return Err(Error::Validation(
                    "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N".into(),
                ));
            }
            let prefix = key(v)?;
            (Bound::Included(prefix.clone()), crate::service::prefix_end(prefix))
        }
    })
}

/// The stored key of the entry an `ExclusiveStartKey` names.
pub(crate) fn start_entry(index: &IndexDef, table: &KeySchema, start: &Item) -> Result<(Vec<u8>, Vec<u8>)> {
    entry_key(index, table, start)?.ok_or_else(|| {
        Error::Validation(
            "The provided starting key is invalid: The provided key element does not match the schema".into(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_parts_keep_their_order_when_joined() {
        let joined = |a: &[u8], b: &[u8]| {
            let mut v = Vec::new();
            push_part(&mut v, a);
            v.extend_from_slice(b);
            v
        };
        // "a" < "a\0" < "ab", whatever follows each.
        assert!(joined(b"a", b"\xff\xff") < joined(b"a\0", b""));
        assert!(joined(b"a\0", b"\xff") < joined(b"ab", b""));
        assert!(joined(b"", b"\xff") < joined(b"\0", b""));
    }
}
