//! The hello example: `GET /greet/{name}` answers "Hello, {name}!".
//!
//! Squall passes route parameters in the `x-squall-path-params` header, form-encoded
//! (`name=ada&id=7`), and the request path relative to the service.

use wstd::http::{Body, Error, Request, Response};

#[wstd::http_server]
async fn main(request: Request<Body>) -> Result<Response<Body>, Error> {
    let name = path_param(&request, "name").unwrap_or_else(|| "world".to_string());
    let greeting = std::env::var("GREETING").unwrap_or_else(|_| "Hello".to_string());
    println!("greeted {name}");
    Ok(Response::builder()
        .header("content-type", "text/plain; charset=utf-8")
        .body(format!("{greeting}, {name}!").into())?)
}

fn path_param(request: &Request<Body>, key: &str) -> Option<String> {
    let header = request.headers().get("x-squall-path-params")?.to_str().ok()?;
    header.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (decode(k) == key).then(|| decode(v))
    })
}

/// Decodes `application/x-www-form-urlencoded` text (`+` is a space, `%XX` a byte).
fn decode(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = bytes.next();
                let lo = bytes.next();
                match (hi, lo) {
                    (Some(h), Some(l)) => match u8::from_str_radix(&String::from_utf8_lossy(&[h, l]), 16) {
                        Ok(v) => out.push(v),
                        Err(_) => out.extend_from_slice(&[b'%', h, l]),
                    },
                    _ => out.push(b'%'),
                }
            }
            _ => out.push(b),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
