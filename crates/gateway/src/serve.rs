//! The accept loop shared by both ports.

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use squall_api::host::PeerAddr;
use squall_runtime::Body;
use squall_types::{RequestId, TraceContext};
use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;

/// A request's identity on either port: a fresh request id, its trace context (continuing
/// an incoming `traceparent`), and the span its log lines go under.
pub(crate) fn request_context<B>(
    port: &'static str,
    req: &http::Request<B>,
) -> (RequestId, TraceContext, tracing::Span) {
    let request_id = RequestId::new();
    let trace = TraceContext::from_traceparent(req.headers().get("traceparent").and_then(|v| v.to_str().ok()));
    let span = tracing::info_span!(
        "request",
        port,
        request_id = %request_id,
        trace_id = %trace.trace_id_hex(),
        method = %req.method(),
        path = %req.uri().path(),
    );
    (request_id, trace, span)
}

/// How long shutdown waits for in-flight requests before it drops them.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves `listener` with `handler` until `shutdown` completes, then stops accepting and
/// waits (up to 30 s) for the connections' in-flight requests to finish.
pub async fn serve<H, F>(listener: TcpListener, handler: H, shutdown: impl Future<Output = ()>)
where
    H: Fn(http::Request<Incoming>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = http::Response<Body>> + Send + 'static,
{
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let handler = handler.clone();
                let svc = service_fn(move |mut req: http::Request<Incoming>| {
                    req.extensions_mut().insert(PeerAddr(peer));
                    let fut = handler(req);
                    async move { Ok::<_, Infallible>(fut.await) }
                });
                // A client gets 30 s to send a request's head (the default needs a timer).
                let conn = http1::Builder::new()
                    .keep_alive(true)
                    .timer(TokioTimer::new())
                    .header_read_timeout(Duration::from_secs(30))
                    .serve_connection(TokioIo::new(stream), svc);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(%peer, error = %e, "connection ended with an error");
                    }
                });
            }
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown()).await.is_err() {
        tracing::warn!("in-flight requests did not finish within {DRAIN_TIMEOUT:?}; dropping them");
    }
}
