//! A test guest that misbehaves on request, to prove that a failing function fails only
//! its own invocation. Routes (path relative to the service):
//!
//! - `/echo`: streams the request body back.
//! - `/env/{name}`: the environment variable `name`.
//! - `/headers/…`: the request's method, path and headers, one per line.
//! - `/log`: writes to stdout and stderr, then answers.
//! - `/trap`: panics.
//! - `/loop`: spins forever.
//! - `/alloc/{mib}`: allocates and touches `mib` MiB.
//! - `/sleep/{ms}`: waits in a host call.
//! - `/fetch/{port}`: GETs `http://127.0.0.1:{port}/` and answers its status and body, or
//!   the error that stopped it.

use wstd::http::{Body, Client, Error, Request, Response, StatusCode};

#[wstd::http_server]
async fn main(request: Request<Body>) -> Result<Response<Body>, Error> {
    let path = request.uri().path().to_string();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["echo"] => Ok(Response::new(request.into_body())),
        ["env", name] => Ok(text(std::env::var(name).unwrap_or_default())),
        ["headers", ..] => {
            let mut out = format!("{} {}\n", request.method(), request.uri());
            for (k, v) in request.headers() {
                out.push_str(&format!("{}: {}\n", k, v.to_str().unwrap_or("?")));
            }
            Ok(text(out))
        }
        ["log"] => {
            println!("to stdout");
            eprintln!("to stderr");
            Ok(text("logged".into()))
        }
        ["trap"] => panic!("the guest panicked on purpose"),
        ["loop"] => {
            let mut x: u64 = 0;
            loop {
                x = std::hint::black_box(x.wrapping_add(1));
            }
        }
        ["alloc", mib] => {
            let mib: usize = mib.parse().unwrap_or(1);
            let mut v = vec![0u8; mib << 20];
            for i in (0..v.len()).step_by(4096) {
                v[i] = 1;
            }
            Ok(text(format!("allocated {} MiB", std::hint::black_box(&v).len() >> 20)))
        }
        ["fetch", port] => {
            let outgoing = Request::get(format!("http://127.0.0.1:{port}/")).body(Body::empty())?;
            match Client::new().send(outgoing).await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let mut body = response.into_body();
                    let got = body.str_contents().await.map(str::to_string).unwrap_or_default();
                    Ok(text(format!("{status} {got}")))
                }
                Err(e) => Ok(text(format!("error {e:?}"))),
            }
        }
        ["sleep", ms] => {
            let ms: u64 = ms.parse().unwrap_or(0);
            wstd::task::sleep(wstd::time::Duration::from_millis(ms)).await;
            Ok(text(format!("slept {ms} ms")))
        }
        _ => {
            let mut r = text(format!("no such test route {path}"));
            *r.status_mut() = StatusCode::NOT_FOUND;
            Ok(r)
        }
    }
}

fn text(s: String) -> Response<Body> {
    Response::new(s.into())
}
