//! Per-invocation store state: WASI, wasi:http, and the memory limiter.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// What one store holds; dropped with the store when the invocation ends.
pub(crate) struct Host {
    pub(crate) wasi: WasiCtx,
    pub(crate) http: WasiHttpCtx,
    pub(crate) table: ResourceTable,
    pub(crate) limits: MemoryLimit,
    /// What its outgoing HTTP may reach.
    pub(crate) egress: crate::platform::Egress,
}

impl WasiView for Host {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for Host {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.egress }
    }
}

/// The function's `memorySize` as a ceiling on every linear memory and table of the
/// instance; remembers whether the guest hit it, so a trap that follows can be reported
/// as running out of memory.
pub(crate) struct MemoryLimit {
    pub(crate) max_bytes: usize,
    pub(crate) exceeded: Arc<AtomicBool>,
}

/// Table elements are cheap but not free: a guest may not grow a table without bound.
const MAX_TABLE_ELEMENTS: usize = 1 << 20;

impl ResourceLimiter for MemoryLimit {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.max_bytes {
            self.exceeded.store(true, Ordering::Relaxed);
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}
