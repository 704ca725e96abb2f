//! The function runtimes: WebAssembly components and Lambda-runtime processes, behind one
//! `ByKind`.

use crate::ServerConfig;
use anyhow::Context;
use squall_functions::LogPipe;
use squall_runtime::{ByKind, Servers};
use squall_runtime_process::{ProcessOptions, ProcessRuntime};
use squall_runtime_wasm::WasmRuntime;
use std::net::SocketAddr;
use std::sync::Arc;

/// Both runtimes; functions get `AWS_ENDPOINT_URL` pointing at `api_addr` and their
/// execution role's credentials from `roles`; reserved concurrency is shared among
/// `servers`.
pub(crate) fn build(
    config: &ServerConfig,
    roles: Arc<crate::roles::FunctionRoles>,
    api_addr: SocketAddr,
    log_pipe: Arc<LogPipe>,
    servers: Servers,
) -> anyhow::Result<Arc<ByKind>> {
    let wasm = WasmRuntime::new(
        &config.data_dir.join("cache").join("wasm"),
        config.engine.clone(),
        &config.region,
        log_pipe.clone(),
        servers.clone(),
    )
    .context("starting the WebAssembly runtime")?
    .with_platform(squall_runtime_wasm::Platform { endpoint: Some(api_addr), credentials: Some(roles.clone()) });
    // Absolute: processes run with their code directory as the working directory.
    let data_dir =
        std::fs::canonicalize(&config.data_dir).with_context(|| format!("resolving {}", config.data_dir.display()))?;
    let sandbox = match config.process.sandbox {
        Some(_) if squall_runtime_process::sandbox_available() => Some(data_dir.clone()),
        Some(_) => {
            tracing::warn!(
                "bubblewrap (bwrap) is not installed or cannot create namespaces here: Lambda-runtime functions run unsandboxed"
            );
            None
        }
        None => None,
    };
    if config.process.node_sdk.is_none() && squall_runtime_process::find_on_path("node").is_some() {
        tracing::warn!(
            "the AWS SDK for JavaScript v3 is not installed for Node.js functions (scripts/setup.sh installs it): require('@aws-sdk/...') will fail in them"
        );
    }
    let process = ProcessRuntime::new(
        ProcessOptions {
            work_dir: data_dir.join("process"),
            sandbox,
            endpoint_url: Some(format!("http://{api_addr}")),
            credentials: Some(roles),
            region: config.region.clone(),
            ..config.process.clone()
        },
        log_pipe,
        servers,
    )
    .context("starting the process runtime")?;
    Ok(Arc::new(ByKind { wasm: Arc::new(wasm), process }))
}
