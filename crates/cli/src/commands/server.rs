//! `squall server`.

use anyhow::Context;
use squall_server::{ServerConfig, Started};
use std::io::Write;
use std::process::ExitCode;

pub(crate) fn run(config: ServerConfig) -> anyhow::Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,wasmtime=warn,cranelift=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting tokio")?;
    let data_dir = config.data_dir.clone();
    runtime.block_on(squall_server::run(config, |s| announce(s, &data_dir), shutdown_signal()))?;
    Ok(ExitCode::SUCCESS)
}

/// Tells the user where things are. Tests read the `api:` and `http:` lines. Write errors
/// are ignored: a server must not stop because nobody reads its stdout.
fn announce(s: &Started, data_dir: &std::path::Path) {
    let creds = std::fs::canonicalize(&s.credentials_file).unwrap_or_else(|_| s.credentials_file.clone());
    let mut text = format!(
        "squall is serving\n  api:  http://{}  (AWS APIs and the control plane)\n  http: http://{}  (deployed routes: /<service>/<stage>/<path>)\n  data: {}\n",
        s.api_addr,
        s.http_addr,
        data_dir.display()
    );
    if s.key_created {
        text.push_str(&format!("created access key {} in {}\n", s.access_key_id, creds.display()));
    }
    text.push_str(&format!(
        "use it with the aws CLI:\n  export AWS_SHARED_CREDENTIALS_FILE={} AWS_PROFILE=squall AWS_DEFAULT_REGION=us-east-1\n  aws --endpoint-url http://{} lambda list-functions\n",
        creds.display(),
        s.api_addr
    ));
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
