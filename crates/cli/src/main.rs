//! `squall`: the server and its command-line client in one binary.
//!
//! - `server`: runs the platform (see `squall-server`).
//! - `deploy`, `remove`, `invoke`, `logs`, `ls`: talk to a running server over its api
//!   port, signing every request with SigV4 like any AWS client.
//!
//! Errors print one line (`error: …`) and exit with status 1.

mod client;
mod commands;

use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// Squall: a self-hosted serverless platform in one binary.
#[derive(Parser)]
#[command(name = "squall", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// How a service is deployed (`squall deploy` and `squall dev`).
#[derive(clap::Args)]
struct DeployArgs {
    /// The stage (`${opt:stage}`, `${sls:stage}`), instead of `provider.stage` or `dev`.
    #[arg(long)]
    stage: Option<String>,
    /// The region (`${opt:region}`, `${aws:region}`), instead of `provider.region`.
    #[arg(long)]
    region: Option<String>,
    /// `KEY=VALUE` for `${param:KEY}`, before the manifest's `params` (repeatable).
    #[arg(long = "param", value_name = "KEY=VALUE")]
    params: Vec<String>,
}

impl DeployArgs {
    fn options(self) -> commands::deploy::Options {
        commands::deploy::Options {
            stage: self.stage,
            region: self.region,
            params: self.params,
            serve_through: None,
            fast_build: false,
        }
    }
}

/// `squall deploy --canary`: traffic moves to the new versions in steps, watched.
#[derive(clap::Args)]
struct CanaryArgs {
    /// Move traffic to each function's new version gradually through its alias `live`
    /// (which its routes and event source mappings then invoke): this share more at each
    /// step (`10%`), the rest staying on the version before; a step whose new version
    /// fails too often rolls the function back.
    #[arg(long, value_name = "PERCENT")]
    canary: Option<String>,
    /// How long each step lasts, on the platform clock.
    #[arg(long, value_name = "DURATION", default_value = "1m", requires = "canary")]
    canary_interval: String,
    /// The new version's error rate above which its function rolls back.
    #[arg(long, value_name = "PERCENT", default_value = "5%", requires = "canary")]
    max_errors: String,
}

/// Where the client finds the server and its key.
#[derive(clap::Args, Clone)]
pub(crate) struct ClientArgs {
    /// The server's api endpoint.
    #[arg(long, env = "SQUALL_ENDPOINT", default_value = "http://127.0.0.1:4566", global = true)]
    endpoint: String,
    /// The server's data directory, where its `credentials` file is (used when
    /// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set).
    #[arg(long, env = "SQUALL_DATA_DIR", default_value = ".squall", global = true)]
    data_dir: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Server {
        /// Where state lives.
        #[arg(long, env = "SQUALL_DATA_DIR", default_value = ".squall")]
        data_dir: PathBuf,
        /// Address of the api port (AWS-compatible APIs and the control plane).
        #[arg(long, default_value = "127.0.0.1:4566")]
        api: SocketAddr,
        /// Address of the http port (deployed services' routes).
        #[arg(long, default_value = "127.0.0.1:8080")]
        http: SocketAddr,
        /// Region reported in ARNs.
        #[arg(long, env = "AWS_REGION", default_value = "us-east-1")]
        region: String,
        /// Most WebAssembly instances alive at once.
        #[arg(long, default_value_t = 1000)]
        max_instances: u32,
        /// Most processes one Lambda-runtime function may run at once (its concurrency).
        #[arg(long, default_value_t = 100)]
        max_concurrency: usize,
        /// Seconds an idle Lambda-runtime process is kept warm.
        #[arg(long, default_value_t = 300)]
        idle_timeout: u64,
        /// Run Lambda-runtime processes without the bubblewrap sandbox.
        #[arg(long)]
        no_sandbox: bool,
        /// A domain whose subdomains name buckets: `<bucket>.<domain>` on the api port and
        /// `<bucket>.s3-website.<domain>` on the http port (`localhost` always works).
        #[arg(long, env = "SQUALL_S3_DOMAIN")]
        s3_domain: Option<String>,
        /// Keep state in PostgreSQL (`postgres://user:password@host:port/database`) instead of
        /// the data directory, which then keeps the credentials file, objects' bytes (unless
        /// --blobs) and caches. Migrations run at start.
        #[arg(long, env = "SQUALL_STORE")]
        store: Option<String>,
        /// Keep objects' bytes in an S3-compatible bucket (`s3://bucket/prefix`) instead of
        /// the data directory (objects up to 64 KiB stay in their records).
        #[arg(long, env = "SQUALL_BLOBS")]
        blobs: Option<String>,
        /// The endpoint of --blobs' store (default: AWS's own for the region).
        #[arg(long, env = "SQUALL_BLOBS_ENDPOINT")]
        blobs_endpoint: Option<String>,
        /// The region --blobs' store signs for (default: --region).
        #[arg(long, env = "SQUALL_BLOBS_REGION")]
        blobs_region: Option<String>,
        /// The access key id for --blobs' store.
        #[arg(long, env = "SQUALL_BLOBS_ACCESS_KEY_ID", hide_env_values = true)]
        blobs_access_key_id: Option<String>,
        /// The secret access key for --blobs' store (prefer the environment variable).
        #[arg(long, env = "SQUALL_BLOBS_SECRET_ACCESS_KEY", hide_env_values = true)]
        blobs_secret_access_key: Option<String>,
        /// Milliseconds before the first retry of a failed asynchronous invocation (doubling
        /// for the second; Lambda waits about a minute).
        #[arg(long, default_value_t = 60_000, value_parser = clap::value_parser!(u64).range(0..=3_600_000))]
        async_retry_delay_ms: u64,
        /// Milliseconds before the first retry of a failed batch of stream records (doubling
        /// for each later one, up to a minute).
        #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(1..=60_000))]
        stream_retry_delay_ms: u64,
        /// Limit Lambda-runtime processes' memory with RLIMIT_DATA and sampling even where
        /// a cgroup could be made (tests the fallback).
        #[arg(long, hide = true)]
        no_memory_cgroups: bool,
        /// Benchmarks only: do not enforce function timeouts (measures what they cost).
        #[arg(long, hide = true)]
        bench_no_timeouts: bool,
        /// For test suites: serve `squall reset` (POST /squall/v1/reset, and moto's unsigned
        /// POST /moto-api/reset from loopback), and let POST /squall/v1/clock move the
        /// platform clock forward. Never on a server holding data you want to keep.
        #[arg(long)]
        dev: bool,
    },
    /// Deploy the service described by DIR/serverless.yml.
    Deploy {
        /// The service directory.
        #[arg(default_value = ".")]
        dir: PathBuf,
        #[command(flatten)]
        deploy: DeployArgs,
        #[command(flatten)]
        canary: CanaryArgs,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Deploy the service in DIR, then again whenever one of its files changes, showing
    /// every function's log lines as they come (stop with Ctrl-C).
    Dev {
        /// The service directory.
        #[arg(default_value = ".")]
        dir: PathBuf,
        #[command(flatten)]
        deploy: DeployArgs,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Remove a deployed service and its functions.
    Remove {
        /// The service name.
        service: String,
        /// The stage it was deployed to (`dev` unless deployed with another).
        #[arg(long, default_value = "dev")]
        stage: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Invoke a function and print its result.
    Invoke {
        /// The function name.
        function: String,
        /// The payload (JSON).
        #[arg(long, default_value = "{}")]
        data: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Print a function's logs.
    Logs {
        /// The function name.
        function: String,
        /// Keep printing new lines as they arrive.
        #[arg(long, short)]
        follow: bool,
        /// How many recent lines to print first.
        #[arg(long, default_value_t = 100)]
        tail: u32,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// List a state machine's executions, newest first.
    Executions {
        /// The state machine's name or ARN.
        machine: String,
        /// Only executions of this status (RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED).
        #[arg(long)]
        status: Option<String>,
        /// How many to list.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Print an execution and its history as a timeline.
    Execution {
        /// The execution's ARN.
        arn: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// List a function's failed invocations kept for replay (the newest 100, for 7 days).
    Failures {
        /// The function name.
        function: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Run a failed invocation again (its event, from `squall failures` or a log line's
    /// request id) and print both outcomes and their logs side by side; exits non-zero if
    /// the replay fails too.
    Replay {
        /// The failed invocation's request id.
        request_id: String,
        /// Run the version that failed instead of the function's current code.
        #[arg(long)]
        original: bool,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// List deployed services and functions.
    Ls {
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Delete every function, table, queue, topic, bucket and log (`squall server --dev` only).
    Reset {
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Move the platform clock of a `squall server --dev` forward (`squall clock advance 25h`):
    /// every schedule, TTL and timeout due in that time fires, in order.
    Clock {
        #[command(subcommand)]
        action: ClockAction,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Inside a function's sandbox whose egress is limited: carries its connections to the
    /// server, then runs the function (the server starts it; not for people).
    #[command(name = "net-bridge", hide = true)]
    NetBridge {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

#[derive(Subcommand)]
enum ClockAction {
    /// Move it forward by a duration: `90s`, `15m`, `25h`, `2d`, `1h 30m`.
    Advance {
        /// How far.
        by: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::NetBridge { args } => {
            return ExitCode::from(u8::try_from(squall_runtime_process::run_bridge(&args)).unwrap_or(1));
        }
        Command::Server {
            data_dir,
            api,
            http,
            region,
            max_instances,
            max_concurrency,
            idle_timeout,
            no_sandbox,
            s3_domain,
            store,
            blobs,
            blobs_endpoint,
            blobs_region,
            blobs_access_key_id,
            blobs_secret_access_key,
            no_memory_cgroups,
            async_retry_delay_ms,
            stream_retry_delay_ms,
            bench_no_timeouts,
            dev,
        } => {
            let engine = squall_runtime_wasm::EngineOptions {
                max_instances,
                enforce_timeouts: !bench_no_timeouts,
                ..Default::default()
            };
            let process = squall_runtime_process::ProcessOptions {
                work_dir: data_dir.join("process"),
                max_concurrency: max_concurrency.max(1),
                throttle_wait: std::time::Duration::from_millis(500),
                idle_timeout: std::time::Duration::from_secs(idle_timeout),
                region: region.clone(),
                endpoint_url: None,
                credentials: None,
                // Filled in by the server when bubblewrap works here.
                sandbox: (!no_sandbox).then(std::path::PathBuf::new),
                memory_cgroups: !no_memory_cgroups,
                node_sdk: squall_runtime_process::node_sdk_dir(),
                // This binary bridges the network of functions whose egress is limited.
                net_bridge: std::env::current_exe().ok(),
            };
            let async_policy = squall_functions::AsyncPolicy {
                retry_delay: std::time::Duration::from_millis(async_retry_delay_ms),
                ..Default::default()
            };
            if let Some(url) =
                store.as_deref().filter(|u| !u.starts_with("postgres://") && !u.starts_with("postgresql://"))
            {
                eprintln!(
                    "error: --store {:?} is not a PostgreSQL URL (postgres://user:password@host:port/database); without --store, state lives in --data-dir",
                    squall_server::redacted(url)
                );
                return ExitCode::FAILURE;
            }
            let blobs = match (blobs, blobs_access_key_id, blobs_secret_access_key) {
                (None, _, _) => None,
                (Some(url), Some(id), Some(secret)) => Some(squall_server::RemoteBlobs {
                    url,
                    endpoint: blobs_endpoint,
                    region: blobs_region.unwrap_or_else(|| region.clone()),
                    credentials: (id, secret),
                }),
                (Some(_), _, _) => {
                    eprintln!("error: --blobs needs SQUALL_BLOBS_ACCESS_KEY_ID and SQUALL_BLOBS_SECRET_ACCESS_KEY");
                    return ExitCode::FAILURE;
                }
            };
            commands::server::run(squall_server::ServerConfig {
                data_dir,
                store,
                api_addr: api,
                http_addr: http,
                region,
                blobs,
                s3_domain,
                engine,
                process,
                async_policy,
                triggers: squall_triggers::TriggerPolicy {
                    retry_delay: std::time::Duration::from_millis(stream_retry_delay_ms),
                    ..Default::default()
                },
                // A dev server's clock can be moved forward; a real one's cannot.
                clock: if dev { squall_clock::Clock::offset() } else { squall_clock::Clock::system() },
                dev,
            })
        }
        Command::Deploy { dir, deploy, canary, client } => {
            match commands::canary::Canary::parse(canary.canary.as_deref(), &canary.canary_interval, &canary.max_errors)
            {
                Ok(c) => commands::deploy::run(&client, &dir, deploy.options(), c),
                Err(e) => Err(e),
            }
        }
        Command::Dev { dir, deploy, client } => {
            commands::dev::run(&client, &dir, commands::deploy::Options { fast_build: true, ..deploy.options() })
        }
        Command::Remove { service, stage, client } => commands::remove(&client, &service, &stage),
        Command::Invoke { function, data, client } => commands::invoke(&client, &function, &data),
        Command::Logs { function, follow, tail, client } => commands::logs(&client, &function, follow, tail),
        Command::Executions { machine, status, limit, client } => {
            commands::executions::list(&client, &machine, status.as_deref(), limit)
        }
        Command::Execution { arn, client } => commands::executions::show(&client, &arn),
        Command::Failures { function, client } => commands::replay::list(&client, &function),
        Command::Replay { request_id, original, client } => commands::replay::run(&client, &request_id, original),
        Command::Ls { client } => commands::ls(&client),
        Command::Reset { client } => commands::reset(&client),
        Command::Clock { action: ClockAction::Advance { by }, client } => commands::advance_clock(&client, &by),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
