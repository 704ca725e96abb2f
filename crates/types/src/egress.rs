//! Egress grants: the hosts a function may reach besides the platform, as
//! `custom.squall.egress` lists them: `api.stripe.com`, `*.example.com` (its subdomains),
//! `10.0.0.5:8443` (one port; without one, any port).

/// Why an egress entry is refused, or `None` when it is one.
pub fn egress_entry_problem(entry: &str) -> Option<String> {
    let not_host =
        || Some(format!("{entry:?} is not a host name, *.domain, or an IP address (with an optional :port)"));
    if entry.contains('/') {
        return not_host();
    }
    let (host, port) = split(entry);
    if let Some(port) = port
        && port.parse::<u16>().map_or(true, |p| p == 0)
    {
        return Some(format!("{entry:?}: {port} is not a port"));
    }
    let name = host.strip_prefix("*.").unwrap_or(host);
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
    };
    let is_ip =
        host.parse::<std::net::IpAddr>().is_ok() || host.trim_matches(['[', ']']).parse::<std::net::Ipv6Addr>().is_ok();
    if is_ip || (!name.is_empty() && name.len() <= 253 && name.split('.').all(label_ok)) { None } else { not_host() }
}

/// `host[:port]`, an IPv6 address in brackets.
fn split(entry: &str) -> (&str, Option<&str>) {
    if let Some(rest) = entry.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((ip, after)) => (ip, after.strip_prefix(':')),
            None => (entry, None),
        };
    }
    match entry.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h, Some(p)),
        _ => (entry, None),
    }
}

/// Whether `grants` let a function reach `host` on `port`.
pub fn egress_allows(grants: &[String], host: &str, port: u16) -> bool {
    let host = host.trim_matches(['[', ']']).trim_end_matches('.');
    grants.iter().any(|g| {
        let (h, p) = split(g);
        if p.is_some_and(|p| p.parse::<u16>().ok() != Some(port)) {
            return false;
        }
        match h.strip_prefix("*.") {
            Some(domain) => {
                host.len() > domain.len() + 1
                    && host[host.len() - domain.len()..].eq_ignore_ascii_case(domain)
                    && host.as_bytes()[host.len() - domain.len() - 1] == b'.'
            }
            None => h.eq_ignore_ascii_case(host),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_hosts_wildcard_domains_or_addresses_with_optional_ports() {
        for ok in ["api.stripe.com", "*.example.com", "10.0.0.5:8443", "localhost", "[::1]:80", "::1"] {
            assert_eq!(egress_entry_problem(ok), None, "{ok}");
        }
        for bad in ["", "http://x.com", "x.com:0", "x.com:http", "*.", "a b.com", "x.com/path", "-x.com"] {
            assert!(egress_entry_problem(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn grants_match_hosts_domains_and_ports() {
        let grants: Vec<String> = ["api.stripe.com", "*.example.com", "10.0.0.5:8443"].map(String::from).to_vec();
        assert!(egress_allows(&grants, "api.stripe.com", 443));
        assert!(egress_allows(&grants, "API.Stripe.com.", 80));
        assert!(!egress_allows(&grants, "stripe.com", 443));
        assert!(egress_allows(&grants, "a.b.example.com", 443));
        assert!(!egress_allows(&grants, "example.com", 443), "a wildcard names subdomains only");
        assert!(!egress_allows(&grants, "badexample.com", 443));
        assert!(egress_allows(&grants, "10.0.0.5", 8443));
        assert!(!egress_allows(&grants, "10.0.0.5", 22));
        assert!(!egress_allows(&[], "api.stripe.com", 443));
    }
}
