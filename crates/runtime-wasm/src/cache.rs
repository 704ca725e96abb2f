//! Compiled components on disk: `<dir>/<artifact sha256>-<engine hash>.cwasm`.
//!
//! The engine hash covers the wasmtime version and every compilation setting, so a file
//! written by another build or configuration is never loaded; it is simply not found.

use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use wasmtime::Engine;
use wasmtime::component::Component;

pub(crate) struct CompiledCache {
    dir: PathBuf,
    engine_hash: String,
}

impl CompiledCache {
    pub(crate) fn open(dir: &Path, engine: &Engine) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut h);
        Ok(CompiledCache { dir: dir.to_path_buf(), engine_hash: format!("{:016x}", h.finish()) })
    }

    fn path(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{sha256}-{}.cwasm", self.engine_hash))
    }

    /// Loads compiled code for `sha256`, if cached and loadable.
    pub(crate) fn load(&self, engine: &Engine, sha256: &str) -> Option<Component> {
        let path = self.path(sha256);
        if !path.exists() {
            return None;
        }
        // SAFETY: the file was produced by `Engine::precompile_component` of an engine with
        // the same compatibility hash (it is in the name) and written atomically into a
        // directory only Squall writes; wasmtime additionally checks its header.
        match unsafe { Component::deserialize_file(engine, &path) } {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "discarding unusable compiled code");
                let _ = std::fs::remove_file(&path);
                None
            }
        }
    }

    /// Compiles `code` and stores the result; returns the component, loaded from the file
    /// just written (so the first run already uses the mmapped copy).
    pub(crate) fn compile_and_store(&self, engine: &Engine, sha256: &str, code: &[u8]) -> wasmtime::Result<Component> {
        let compiled = engine.precompile_component(code)?;
        let path = self.path(sha256);
        write_atomically(&self.dir, &path, &compiled)?;
        // SAFETY: `compiled` was produced just now by this engine.
        Ok(unsafe { Component::deserialize(engine, &compiled)? })
    }
}

fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let tmp = dir.join(format!(".tmp-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed)));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}
