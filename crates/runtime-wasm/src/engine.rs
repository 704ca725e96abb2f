//! Engine configuration and the epoch ticker.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, OptLevel, PoolingAllocationConfig};

/// Server-wide limits of the WebAssembly engine.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// How many instances may be live at once (the pooling allocator's slots).
    pub max_instances: u32,
    /// The largest linear memory any function may have, in bytes (per-function limits
    /// come from `memorySize`, capped by this).
    pub max_memory_bytes: usize,
    /// How often the epoch advances; the granularity of timeouts and of yielding a busy
    /// guest to other tasks.
    pub epoch_tick: Duration,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions { max_instances: 1000, max_memory_bytes: 4 << 30, epoch_tick: Duration::from_millis(5) }
    }
}

pub(crate) fn build_engine(opts: &EngineOptions) -> wasmtime::Result<Engine> {
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(opts.max_instances)
        .total_core_instances(opts.max_instances * 4)
        .total_memories(opts.max_instances * 2)
        .total_tables(opts.max_instances * 4)
        .total_stacks(opts.max_instances)
        .max_memory_size(opts.max_memory_bytes)
        // Keep a few slots warm; the rest are decommitted so RSS falls after a load.
        .max_unused_warm_slots(64);
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .epoch_interruption(true)
        .cranelift_opt_level(OptLevel::Speed)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&config)
}

/// Advances the engine's epoch every tick until dropped.
pub(crate) struct EpochTicker {
    stop: Arc<AtomicBool>,
}

impl EpochTicker {
    pub(crate) fn start(engine: Engine, tick: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::Builder::new()
            .name("squall-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(tick);
                    engine.increment_epoch();
                }
            })
            .expect("spawning the epoch thread");
        EpochTicker { stop }
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
