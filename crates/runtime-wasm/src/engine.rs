//! Engine configuration and the epoch ticker.

use futures::future::AbortHandle;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};
use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, OptLevel, PoolingAllocationConfig};

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
    /// Whether `timeout` is enforced. Only benchmarks turn this off, to measure what
    /// enforcing it costs; without it a looping guest holds a worker thread forever.
    pub enforce_timeouts: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            max_instances: 1000,
            max_memory_bytes: 4 << 30,
            epoch_tick: Duration::from_millis(5),
            enforce_timeouts: true,
        }
    }
}

/// Bytes of each memory, table and stack slot reset in place rather than decommitted.
const KEEP_RESIDENT: usize = 1 << 20;

pub(crate) fn build_engine(opts: &EngineOptions) -> wasmtime::Result<Engine> {
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(opts.max_instances)
        .total_core_instances(opts.max_instances * 4)
        .total_memories(opts.max_instances * 2)
        .total_tables(opts.max_instances * 4)
        .total_stacks(opts.max_instances)
        .max_memory_size(opts.max_memory_bytes)
        // Keep a few slots warm; the rest are decommitted so RSS falls after a load.
        .max_unused_warm_slots(8)
        // A fresh instance per request means a memory reset per request: reset the first
        // pages in place (found with PAGEMAP_SCAN where the kernel has it) instead of
        // unmapping them, so the next instance does not fault them back in.
        .linear_memory_keep_resident(KEEP_RESIDENT)
        .table_keep_resident(KEEP_RESIDENT)
        .async_stack_keep_resident(KEEP_RESIDENT)
        .pagemap_scan(Enabled::Auto);
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .epoch_interruption(true)
        .cranelift_opt_level(OptLevel::Speed)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&config)
}

/// An invocation the watchdog stops at its deadline.
struct Watch {
    deadline: Instant,
    abort: AbortHandle,
    /// Dead once the invocation ended; the entry is then dropped.
    alive: Weak<()>,
}

/// Advances the engine's epoch every tick until dropped, and stops invocations that pass
/// their deadline while parked in a host call (where epochs do not reach them).
///
/// One thread serves every invocation: registering is a push under an uncontended lock,
/// which costs far less per request than a tokio timer.
pub(crate) struct EpochTicker {
    stop: Arc<AtomicBool>,
    watches: Arc<Mutex<Vec<Watch>>>,
}

impl EpochTicker {
    pub(crate) fn start(engine: Engine, tick: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let watches: Arc<Mutex<Vec<Watch>>> = Arc::default();
        let (flag, list) = (stop.clone(), watches.clone());
        std::thread::Builder::new()
            .name("squall-epoch".into())
            .spawn(move || {
                let mut pending = Vec::new();
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(tick);
                    engine.increment_epoch();
                    std::mem::swap(&mut pending, &mut *list.lock().unwrap_or_else(|p| p.into_inner()));
                    let now = Instant::now();
                    pending.retain(|w| {
                        if w.alive.strong_count() == 0 {
                            return false;
                        }
                        if now >= w.deadline {
                            w.abort.abort();
                            return false;
                        }
                        true
                    });
                    list.lock().unwrap_or_else(|p| p.into_inner()).append(&mut pending);
                }
            })
            .expect("spawning the epoch thread");
        EpochTicker { stop, watches }
    }

    /// Aborts `abort` at `deadline` unless `alive` is gone by then.
    pub(crate) fn watch(&self, deadline: Instant, abort: AbortHandle, alive: Weak<()>) {
        self.watches.lock().unwrap_or_else(|p| p.into_inner()).push(Watch { deadline, abort, alive });
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
