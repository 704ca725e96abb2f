//! Query and Scan against a reference model: random puts and deletes on a table with a
//! number sort key, then random key conditions, filters and page sizes; every answer must
//! equal what a plain ordered map says (numbers compared as exact decimals).

mod common;

use common::Rng;
use squall_storage_embedded::SqliteTableStore;
use squall_tables::schema::{CreateTable, KeyAttr, ScalarType};
use squall_tables::service::{Placeholders, ReadRequest, WriteOptions};
use squall_tables::{AttributeValue, Item, Number, Tables};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// A random decimal sort key: negatives, fractions, large and tiny magnitudes.
fn number(r: &mut Rng) -> String {
    let sign = if r.below(3) == 0 { "-" } else { "" };
    match r.below(4) {
        0 => format!("{sign}{}", r.below(100)),
        1 => format!("{sign}{}.{}", r.below(10), r.below(1000)),
        2 => format!("{sign}{}e{}", 1 + r.below(9), r.below(40)),
        _ => format!("{sign}0.{:03}", r.below(1000)),
    }
}

/// Which sort keys a key condition keeps.
type KeyTest = Box<dyn Fn(&Number) -> bool>;

fn n(s: &str) -> Number {
    Number::parse(s).unwrap()
}

fn placeholders(values: &[(&str, AttributeValue)]) -> Placeholders {
    Placeholders { names: HashMap::new(), values: values.iter().map(|(k, v)| (k.to_string(), v.clone())).collect() }
}

#[tokio::test]
async fn query_and_scan_agree_with_a_reference_model() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteTableStore::open(&dir.path().join("tables.db")).unwrap());
    let tables =
        Tables::open(store, squall_clock::Clock::manual(0), squall_lifecycle::Cluster::single()).await.unwrap();
    tables
        .create_table(
            CreateTable {
                name: "model".into(),
                key_schema: vec![("p".into(), "HASH".into()), ("s".into(), "RANGE".into())],
                attributes: vec![
                    KeyAttr { name: "p".into(), kind: ScalarType::S },
                    KeyAttr { name: "s".into(), kind: ScalarType::N },
                ],
                billing_mode: Some("PAY_PER_REQUEST".into()),
                throughput: None,
                indexes: vec![],
                stream: None,
                tags: vec![],
            },
            0,
            "id".into(),
        )
        .await
        .unwrap();

    let mut rng = Rng(0x5eed);
    // The model: partition → (sort key → the item's `v`).
    let mut model: BTreeMap<String, BTreeMap<Number, u64>> = BTreeMap::new();
    let partitions = ["a", "b", "c"];
    for _ in 0..600 {
        let p = partitions[rng.below(3) as usize].to_string();
        let s = number(&mut rng);
        let key =
            Item::from([("p".to_string(), AttributeValue::S(p.clone())), ("s".to_string(), AttributeValue::N(n(&s)))]);
        if rng.below(5) == 0 {
            tables.delete_item("model", &key, &WriteOptions::default()).await.unwrap();
            model.entry(p).or_default().remove(&n(&s));
        } else {
            let v = rng.below(10);
            let mut item = key;
            item.insert("v".into(), AttributeValue::N(n(&v.to_string())));
            tables.put_item("model", item, &WriteOptions::default()).await.unwrap();
            model.entry(p).or_default().insert(n(&s), v);
        }
    }

    for round in 0..300 {
        let p = partitions[rng.below(3) as usize];
        let (a, b) = {
            let (x, y) = (n(&number(&mut rng)), n(&number(&mut rng)));
            if x <= y { (x, y) } else { (y, x) }
        };
        let (cond, keep): (&str, KeyTest) = match rng.below(6) {
            0 => ("p = :p", Box::new(|_| true)),
            1 => (
                "p = :p AND s < :a",
                Box::new({
                    let a = a.clone();
                    move |s| *s < a
                }),
            ),
            2 => (
                "p = :p AND s <= :a",
                Box::new({
                    let a = a.clone();
                    move |s| *s <= a
                }),
            ),
            3 => (
                "p = :p AND s > :a",
                Box::new({
                    let a = a.clone();
                    move |s| *s > a
                }),
            ),
            4 => (
                "p = :p AND s >= :a",
                Box::new({
                    let a = a.clone();
                    move |s| *s >= a
                }),
            ),
            _ => (
                "p = :p AND s BETWEEN :a AND :b",
                Box::new({
                    let (a, b) = (a.clone(), b.clone());
                    move |s| *s >= a && *s <= b
                }),
            ),
        };
        let filtered = rng.below(2) == 0;
        let forward = rng.below(2) == 0;
        let mut values = vec![(":p", AttributeValue::S(p.into()))];
        if cond.contains(":a") {
            values.push((":a", AttributeValue::N(a.clone())));
        }
        if cond.contains(":b") {
            values.push((":b", AttributeValue::N(b.clone())));
        }
        if filtered {
            values.push((":odd", AttributeValue::N(n("5"))));
        }
        let mut expected: Vec<(Number, u64)> = model
            .get(p)
            .map(|m| m.iter().filter(|(s, _)| keep(s)).map(|(s, v)| (s.clone(), *v)).collect())
            .unwrap_or_default();
        if !forward {
            expected.reverse();
        }
        let expected: Vec<(Number, u64)> = expected.into_iter().filter(|(_, v)| !filtered || *v >= 5).collect();

        // Walk every page; the pages together must be the model's answer, in order.
        let limit = 1 + rng.below(40) as usize;
        let mut got = Vec::new();
        let mut start = None;
        for _ in 0..1000 {
            let req = ReadRequest {
                table: "model".into(),
                key_condition: Some(cond.into()),
                filter: filtered.then(|| "v >= :odd".to_string()),
                placeholders: placeholders(&values),
                forward,
                limit: Some(limit),
                start_key: start.take(),
                ..Default::default()
            };
            let page = tables.query(&req).await.unwrap();
            for item in &page.items {
                let (Some(AttributeValue::N(s)), Some(AttributeValue::N(v))) = (item.get("s"), item.get("v")) else {
                    panic!("round {round}: a malformed item {item:?}");
                };
                got.push((s.clone(), v.to_string().parse::<u64>().unwrap()));
            }
            match page.last_key {
                Some(k) => start = Some(k),
                None => break,
            }
        }
        assert_eq!(got, expected, "round {round}: {cond} forward={forward} filtered={filtered} limit={limit}");
    }

    // A paged scan sees every item exactly once.
    let total: usize = model.values().map(BTreeMap::len).sum();
    let mut seen = 0;
    let mut start = None;
    loop {
        let req = ReadRequest {
            table: "model".into(),
            forward: true,
            limit: Some(37),
            start_key: start.take(),
            ..Default::default()
        };
        let page = tables.scan(&req).await.unwrap();
        seen += page.items.len();
        match page.last_key {
            Some(k) => start = Some(k),
            None => break,
        }
    }
    assert_eq!(seen, total);
}
