//! The log pipeline: runtimes emit lines without blocking; one task batches them into the
//! log store and wakes readers that follow a function's logs.

use squall_runtime::LogSink;
use squall_storage::LogStore;
use squall_types::LogLine;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{Notify, mpsc, oneshot};

/// How many emitted batches may wait for the writer before new ones are dropped.
const QUEUE: usize = 4096;
/// The most lines written in one transaction.
const BATCH: usize = 2048;
/// How long the writer waits for more lines before writing what it has.
const LINGER: std::time::Duration = std::time::Duration::from_millis(10);

enum Msg {
    Lines(Vec<LogLine>),
    Flush(oneshot::Sender<()>),
}

/// The sending side, handed to runtimes.
pub struct LogPipe {
    tx: mpsc::Sender<Msg>,
    dropped: AtomicU64,
    /// Woken after every write, for followers.
    pub(crate) written: Arc<Notify>,
}

impl LogPipe {
    /// Starts the writer task on the current tokio runtime.
    pub fn start(store: Arc<dyn LogStore>) -> Arc<Self> {
        let (tx, mut rx) = mpsc::channel::<Msg>(QUEUE);
        let written = Arc::new(Notify::new());
        let notify = written.clone();
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut lines = Vec::new();
                let mut flushes = Vec::new();
                let mut next = Some(first);
                let linger_until = tokio::time::Instant::now() + LINGER;
                loop {
                    while let Some(msg) = next.take() {
                        match msg {
                            Msg::Lines(l) => lines.extend(l),
                            Msg::Flush(done) => flushes.push(done),
                        }
                        if lines.len() < BATCH {
                            next = rx.try_recv().ok();
                        }
                    }
                    // Wait a moment for more lines, so a steady trickle (one invocation after
                    // another) becomes few transactions; a flush or a full batch goes at once.
                    // Sleeping rather than waiting on the channel keeps senders from waking
                    // this task for every line.
                    if !flushes.is_empty() || lines.len() >= BATCH || tokio::time::Instant::now() >= linger_until {
                        break;
                    }
                    tokio::time::sleep_until(linger_until).await;
                    next = rx.try_recv().ok();
                    if next.is_none() {
                        break;
                    }
                }
                if !lines.is_empty() {
                    if let Err(e) = store.append(lines).await {
                        tracing::error!(error = %e, "writing function logs failed");
                    }
                    notify.notify_waiters();
                }
                for f in flushes {
                    let _ = f.send(());
                }
            }
        });
        Arc::new(LogPipe { tx, dropped: AtomicU64::new(0), written })
    }

    /// Waits until everything emitted so far is written.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Msg::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

/// The last `most` log lines of one invocation of `function`, once the runtime has written
/// them: its output is forwarded in the background, so after `settle` (real time, as the
/// forwarders run) and a flush of what was emitted, the function's newest lines are searched.
pub(crate) async fn invocation_lines(
    logs: &dyn LogStore,
    pipe: &LogPipe,
    function: &str,
    request_id: &str,
    settle: std::time::Duration,
    most: usize,
) -> Vec<String> {
    tokio::time::sleep(settle).await;
    pipe.flush().await;
    let tail = logs.tail(function, 4 * most).await.unwrap_or_default();
    let mine: Vec<String> = tail.into_iter().filter(|l| l.request_id == request_id).map(|l| l.message).collect();
    let skip = mine.len().saturating_sub(most);
    mine.into_iter().skip(skip).collect()
}

impl LogSink for LogPipe {
    fn emit(&self, lines: Vec<LogLine>) {
        if self.tx.try_send(Msg::Lines(lines)).is_err() {
            // Logging must never slow a function down; count what is lost instead.
            let n = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            if n.is_power_of_two() {
                tracing::warn!(dropped_batches = n, "log writer is behind; dropping function log lines");
            }
        }
    }
}
