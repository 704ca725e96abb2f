//! The guest's stdout and stderr, collected per invocation and cut into log lines.
//!
//! Output past [`MAX_BYTES`] per stream is dropped (with a marker line) instead of
//! failing the guest: logging too much must not change what a function does.

use bytes::Bytes;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamError};

/// Per-stream cap on what one invocation may log.
pub(crate) const MAX_BYTES: usize = 1 << 20;

#[derive(Default)]
struct Buffer {
    bytes: Vec<u8>,
    truncated: bool,
}

/// One captured stream; clones share the buffer.
#[derive(Clone, Default)]
pub(crate) struct Capture {
    inner: Arc<Mutex<Buffer>>,
}

impl Capture {
    fn append(&self, data: &[u8]) {
        let mut b = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let room = MAX_BYTES.saturating_sub(b.bytes.len());
        if data.len() > room {
            b.truncated = true;
        }
        let take = data.len().min(room);
        b.bytes.extend_from_slice(&data[..take]);
    }

    /// The lines written so far (a final unterminated line included), emptying the buffer.
    pub(crate) fn take_lines(&self) -> Vec<String> {
        let mut b = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let bytes = std::mem::take(&mut b.bytes);
        let mut lines: Vec<String> = String::from_utf8_lossy(&bytes)
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l).to_string())
            .collect();
        if lines.last().is_some_and(|l| l.is_empty()) {
            lines.pop();
        }
        if std::mem::take(&mut b.truncated) {
            lines.push(format!("[squall: output beyond {MAX_BYTES} bytes was dropped]"));
        }
        lines
    }
}

impl IsTerminal for Capture {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for Capture {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }

    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }
}

impl AsyncWrite for Capture {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        self.append(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[async_trait::async_trait]
impl Pollable for Capture {
    async fn ready(&mut self) {}
}

impl OutputStream for Capture {
    fn write(&mut self, bytes: Bytes) -> Result<(), StreamError> {
        self.append(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), StreamError> {
        Ok(())
    }

    fn check_write(&mut self) -> Result<usize, StreamError> {
        // Always accept; `append` drops what is over the cap.
        Ok(64 * 1024)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_lines_and_caps_output() {
        let c = Capture::default();
        c.append(b"one\r\ntwo\nthr");
        c.append(b"ee");
        assert_eq!(c.take_lines(), ["one", "two", "three"]);
        assert!(c.take_lines().is_empty());
        c.append(&vec![b'x'; MAX_BYTES + 10]);
        let lines = c.take_lines();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].len(), MAX_BYTES);
        assert!(lines[1].contains("dropped"));
    }
}
