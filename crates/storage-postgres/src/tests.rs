//! The PostgreSQL backend against the storage contracts, on a throwaway server.

use crate::PgStores;
use squall_storage_conformance::TempPostgres;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_message_store_keeps_the_contract() {
    let pg = TempPostgres::start().expect("a throwaway PostgreSQL");
    let stores = PgStores::connect(&pg.url()).await.expect("connects and migrates");
    squall_storage_conformance::messages::all(Arc::new(stores.messages())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_connecting_together_migrate_once() {
    let pg = TempPostgres::start().expect("a throwaway PostgreSQL");
    let url = pg.database("together").expect("a database");
    let connects = (0..4).map(|_| {
        let url = url.clone();
        tokio::spawn(async move { PgStores::connect(&url).await.map(|_| ()) })
    });
    for c in futures_join(connects).await {
        c.expect("every node connects");
    }
}

async fn futures_join<T>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("a task"));
    }
    out
}
