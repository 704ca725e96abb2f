//! The WebAssembly runtime: components exporting `wasi:http/incoming-handler`, run on
//! wasmtime with a fresh instance per request.
//!
//! - [`engine`]: one `Engine` per process (pooling allocator, epoch interruption) and the
//!   epoch ticker thread.
//! - [`cache`]: compiled code on disk, keyed by artifact digest and engine compatibility,
//!   so a restart deserializes instead of recompiling.
//! - [`host`]: the per-store state (WASI, wasi:http, memory limiter).
//! - [`capture`]: the guest's stdout/stderr, kept as the invocation's log lines.
//! - [`runtime`]: [`WasmRuntime`], the `FunctionRuntime` implementation.
//!
//! This is the only crate allowed `unsafe`: loading precompiled code trusts the cache
//! directory, which only Squall writes.

mod cache;
mod capture;
mod engine;
mod host;
mod platform;
mod runtime;

pub use engine::EngineOptions;
pub use platform::Platform;
pub use runtime::WasmRuntime;
