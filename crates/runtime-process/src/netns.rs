//! A process function's network when its service limits egress (`custom.squall.egress`):
//! the sandbox gets its own network namespace (bubblewrap's `--unshare-net`: loopback
//! only, no route out). Inside, a bridge ([`run_bridge`], the `squall net-bridge` command)
//! listens on the loopback addresses the function already knows (its Runtime API, Squall's
//! API) and on an HTTP proxy address, and carries each connection over a Unix socket to
//! this server ([`Bridge`]), which connects the first two through and lets the proxy reach
//! only the hosts the service grants. Clients find the proxy through `HTTPS_PROXY` and
//! `HTTP_PROXY` (`NODE_USE_ENV_PROXY` for Node.js); a client that ignores them reaches
//! nothing outside.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UnixListener, UnixStream};

/// The host side of one process's bridge: a Unix socket per forwarded address and one for
/// the proxy, in a directory the sandbox sees. Dropped with the process.
pub(crate) struct Bridge {
    dir: PathBuf,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    /// What the bridge inside is told: `--forward <addr>=<socket>` pairs.
    pub(crate) forwards: Vec<(SocketAddr, PathBuf)>,
    /// The proxy's address inside the namespace.
    pub(crate) proxy: SocketAddr,
}

impl Drop for Bridge {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A port for the proxy inside the namespace, apart from the forwarded ones.
fn proxy_port(taken: &[SocketAddr]) -> u16 {
    (3128..).find(|p| !taken.iter().any(|a| a.port() == *p)).unwrap_or(3128)
}

impl Bridge {
    /// Listens in a new directory under `base` for connections to each of `platform`
    /// (addresses on this host the function reaches at the same address inside) and for
    /// the proxy, which lets through only what `grants` allow; `function` names the logs.
    pub(crate) fn start(
        base: &Path,
        platform: &[SocketAddr],
        grants: Vec<String>,
        function: &str,
    ) -> io::Result<Bridge> {
        std::fs::create_dir_all(base)?;
        let dir = base.join(format!("{:016x}", squall_types::random_u64()));
        std::fs::create_dir(&dir)?;
        let mut bridge = Bridge {
            dir: dir.clone(),
            tasks: Vec::new(),
            forwards: Vec::new(),
            proxy: SocketAddr::from(([127, 0, 0, 1], proxy_port(platform))),
        };
        for (i, target) in platform.iter().enumerate() {
            let socket = dir.join(format!("{i}.sock"));
            let listener = UnixListener::bind(&socket)?;
            let target = *target;
            bridge.tasks.push(tokio::spawn(async move {
                while let Ok((mut inside, _)) = listener.accept().await {
                    tokio::spawn(async move {
                        if let Ok(mut outside) = TcpStream::connect(target).await {
                            let _ = tokio::io::copy_bidirectional(&mut inside, &mut outside).await;
                        }
                    });
                }
            }));
            bridge.forwards.push((target, socket));
        }
        let socket = dir.join("proxy.sock");
        let listener = UnixListener::bind(&socket)?;
        // The platform's own addresses are granted too, for clients that proxy everything.
        let grants: Arc<Vec<String>> =
            Arc::new(grants.into_iter().chain(platform.iter().map(|a| a.to_string())).collect());
        let function = Arc::<str>::from(function);
        bridge.tasks.push(tokio::spawn(async move {
            while let Ok((inside, _)) = listener.accept().await {
                let (grants, function) = (grants.clone(), function.clone());
                tokio::spawn(async move {
                    if let Err(e) = proxy(inside, &grants, &function).await {
                        tracing::debug!(function = %function, "egress proxy connection: {e}");
                    }
                });
            }
        }));
        bridge.forwards.push((bridge.proxy, socket));
        Ok(bridge)
    }

    /// The directory the sandbox must see (bound read-write: connecting writes).
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// The environment that points HTTP clients at the proxy.
    pub(crate) fn environment(&self) -> Vec<(String, String)> {
        let proxy = format!("http://{}", self.proxy);
        let mut env: Vec<(String, String)> = ["HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"]
            .iter()
            .map(|k| (k.to_string(), proxy.clone()))
            .collect();
        // The platform's addresses are reached directly, through the bridge; other loopback
        // ports only as granted, through the proxy.
        let platform: Vec<String> =
            self.forwards.iter().filter(|(a, _)| *a != self.proxy).map(|(a, _)| a.to_string()).collect();
        for k in ["NO_PROXY", "no_proxy"] {
            env.push((k.into(), platform.join(",")));
        }
        env.push(("NODE_USE_ENV_PROXY".into(), "1".into()));
        env
    }

    /// The bridge's arguments before the function's program.
    pub(crate) fn arguments(&self) -> Vec<std::ffi::OsString> {
        let mut args: Vec<std::ffi::OsString> = vec!["net-bridge".into()];
        for (addr, socket) in &self.forwards {
            args.push("--forward".into());
            let mut pair = std::ffi::OsString::from(format!("{addr}="));
            pair.push(socket);
            args.push(pair);
        }
        args.push("--".into());
        args
    }
}

/// The longest request head the proxy reads.
const MAX_HEAD: usize = 16 << 10;

/// One proxy connection: a `CONNECT host:port` tunnel, or one plain `http://` request,
/// to a granted host; anything else gets 403 naming the host.
async fn proxy(mut inside: UnixStream, grants: &[String], function: &str) -> io::Result<()> {
    let mut head = Vec::with_capacity(1024);
    let end = loop {
        let mut buf = [0u8; 2048];
        let n = inside.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
        if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        if head.len() > MAX_HEAD {
            return respond(&mut inside, "431 Request Header Fields Too Large", "request head too large").await;
        }
    };
    let text = String::from_utf8_lossy(&head[..end]).into_owned();
    let mut lines = text.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let (method, target) = (request_line.next().unwrap_or_default(), request_line.next().unwrap_or_default());
    let (host, port, forwarded) = if method.eq_ignore_ascii_case("CONNECT") {
        let Some((host, port)) = target.rsplit_once(':').and_then(|(h, p)| Some((h, p.parse::<u16>().ok()?))) else {
            return respond(&mut inside, "400 Bad Request", "CONNECT needs host:port").await;
        };
        (host.to_string(), port, None)
    } else {
        let Ok(uri) = target.parse::<http::Uri>() else {
            return respond(&mut inside, "400 Bad Request", "a proxy request needs an absolute http:// URL").await;
        };
        let (Some(host), Some("http")) = (uri.host(), uri.scheme_str()) else {
            return respond(&mut inside, "400 Bad Request", "a proxy request needs an absolute http:// URL").await;
        };
        // One request per connection, in origin form: a kept-alive connection must not
        // carry a later request for another host to this one.
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        let mut out = format!("{method} {path} HTTP/1.1\r\n");
        for line in lines.filter(|l| !l.is_empty()) {
            let name = line.split(':').next().unwrap_or_default().trim();
            if !["connection", "proxy-connection", "keep-alive", "proxy-authorization"]
                .iter()
                .any(|h| name.eq_ignore_ascii_case(h))
            {
                out.push_str(line);
                out.push_str("\r\n");
            }
        }
        out.push_str("Connection: close\r\n\r\n");
        (host.to_string(), uri.port_u16().unwrap_or(80), Some(out))
    };
    if !squall_types::egress_allows(grants, &host, port) {
        tracing::warn!(function, host, port, "egress refused: not granted by custom.squall.egress");
        let why = format!("squall: {host}:{port} is not granted to this function (custom.squall.egress)");
        return respond(&mut inside, "403 Forbidden", &why).await;
    }
    let mut outside = match TcpStream::connect((host.as_str(), port)).await {
        Ok(s) => s,
        Err(e) => return respond(&mut inside, "502 Bad Gateway", &format!("squall: {host}:{port}: {e}")).await,
    };
    match forwarded {
        None => inside.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await?,
        Some(head) => outside.write_all(head.as_bytes()).await?,
    }
    // Bytes the client sent after the head (a body, or a TLS hello) go on.
    outside.write_all(&head[end..]).await?;
    tokio::io::copy_bidirectional(&mut inside, &mut outside).await?;
    Ok(())
}

async fn respond(inside: &mut UnixStream, status: &str, message: &str) -> io::Result<()> {
    let body = format!("{message}\n");
    let reply = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    inside.write_all(reply.as_bytes()).await
}

/// `squall net-bridge --forward <addr>=<socket>… -- <program> <args>…`, run inside the
/// sandbox's network namespace: listens on each address, carries each connection to its
/// socket, runs the program and exits as it does.
pub fn run_bridge(args: &[String]) -> i32 {
    let Some(split) = args.iter().position(|a| a == "--") else {
        eprintln!("net-bridge: usage: net-bridge --forward ADDR=SOCKET... -- PROGRAM ARGS...");
        return 2;
    };
    let (options, program) = (&args[..split], &args[split + 1..]);
    for pair in options.chunks(2) {
        let [flag, value] = pair else { return usage(&format!("{pair:?}")) };
        let Some((addr, socket)) = value.split_once('=').filter(|_| flag == "--forward") else { return usage(value) };
        let Ok(addr) = addr.parse::<SocketAddr>() else { return usage(addr) };
        let listener = match std::net::TcpListener::bind(addr) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("net-bridge: listening on {addr}: {e}");
                return 1;
            }
        };
        let socket = PathBuf::from(socket);
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let socket = socket.clone();
                std::thread::spawn(move || {
                    if let Ok(outside) = std::os::unix::net::UnixStream::connect(&socket) {
                        splice(conn, outside);
                    }
                });
            }
        });
    }
    let Some((name, rest)) = program.split_first() else { return usage("no program") };
    match std::process::Command::new(name).args(rest).status() {
        Ok(status) => status.code().unwrap_or(1),
        Err(e) => {
            eprintln!("net-bridge: running {name}: {e}");
            127
        }
    }
}

fn usage(what: &str) -> i32 {
    eprintln!("net-bridge: cannot read {what}");
    2
}

/// Copies both ways until each side ends.
fn splice(tcp: std::net::TcpStream, unix: std::os::unix::net::UnixStream) {
    let (Ok(tcp2), Ok(unix2)) = (tcp.try_clone(), unix.try_clone()) else { return };
    let up = std::thread::spawn(move || pump(tcp, unix));
    pump(unix2, tcp2);
    let _ = up.join();
}

fn pump(mut from: impl Read + Shut, mut to: impl Write + Shut) {
    let mut buf = [0u8; 16 << 10];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    to.shut_write();
}

/// Half-closing, for both kinds of stream.
trait Shut {
    fn shut_write(&self);
}

impl Shut for std::net::TcpStream {
    fn shut_write(&self) {
        let _ = self.shutdown(std::net::Shutdown::Write);
    }
}

impl Shut for std::os::unix::net::UnixStream {
    fn shut_write(&self) {
        let _ = self.shutdown(std::net::Shutdown::Write);
    }
}
