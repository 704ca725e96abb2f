//! The accept loop shared by both ports.

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use squall_runtime::Body;
use squall_types::{RequestId, TraceContext};
use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;

/// The address of the connection a request came on (a request extension).
#[derive(Debug, Clone, Copy)]
pub struct PeerAddr(pub std::net::SocketAddr);

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

/// A request's `Host` without its port.
pub(crate) fn host_name(headers: &http::HeaderMap) -> &str {
    let host = headers.get(http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    host.rsplit_once(':').filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit())).map_or(host, |(h, _)| h)
}

/// The bucket a virtual-host name gives: `<bucket><suffix>.localhost` or, with a configured
/// domain, `<bucket><suffix>.<domain>`.
pub(crate) fn bucket_in_host<'h>(host: &'h str, suffix: &str, domain: Option<&str>) -> Option<&'h str> {
    let strip = |d: &str| host.strip_suffix(d)?.strip_suffix('.')?.strip_suffix(suffix).filter(|b| !b.is_empty());
    strip("localhost").or_else(|| domain.and_then(strip))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_name_buckets() {
        assert_eq!(bucket_in_host("photos.localhost", "", None), Some("photos"));
        assert_eq!(bucket_in_host("photos.s3.example.com", "", Some("s3.example.com")), Some("photos"));
        assert_eq!(bucket_in_host("site.s3-website.localhost", ".s3-website", None), Some("site"));
        assert_eq!(bucket_in_host("site.s3-website.example.com", ".s3-website", Some("example.com")), Some("site"));
        assert_eq!(bucket_in_host("localhost", "", None), None);
        assert_eq!(bucket_in_host(".localhost", "", None), None);
        assert_eq!(bucket_in_host("photos.example.org", "", Some("example.com")), None);
        assert_eq!(bucket_in_host("127.0.0.1", "", None), None);
        let mut h = http::HeaderMap::new();
        h.insert(http::header::HOST, http::HeaderValue::from_static("b.localhost:4566"));
        assert_eq!(host_name(&h), "b.localhost");
    }
}
