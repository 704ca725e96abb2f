//! What a request's connection and `Host` say: the peer's address, the host name, and the
//! bucket a virtual host names.

/// The address of the connection a request came on (a request extension).
#[derive(Debug, Clone, Copy)]
pub struct PeerAddr(pub std::net::SocketAddr);

/// A request's `Host` without its port.
pub fn host_name(headers: &http::HeaderMap) -> &str {
    let host = headers.get(http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    host.rsplit_once(':').filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit())).map_or(host, |(h, _)| h)
}

/// The bucket a virtual-host name gives: `<bucket><suffix>.localhost` or, with a configured
/// domain, `<bucket><suffix>.<domain>`.
pub fn bucket_in_host<'h>(host: &'h str, suffix: &str, domain: Option<&str>) -> Option<&'h str> {
    let strip = |d: &str| host.strip_suffix(d)?.strip_suffix('.')?.strip_suffix(suffix).filter(|b| !b.is_empty());
    strip("localhost").or_else(|| domain.and_then(strip))
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
