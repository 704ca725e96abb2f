//! What a WebAssembly function calls the platform with, as a process function does: Squall's
//! API endpoint (`AWS_ENDPOINT_URL`) and its execution role's short-lived credentials
//! (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), cached per function
//! revision and renewed well before they expire; and what its outgoing HTTP may reach
//! ([`Egress`]): anywhere, or, when its service lists `custom.squall.egress`, the platform
//! and the granted hosts.

use squall_runtime::{CredentialSource, FunctionCredentials};
use squall_types::FunctionRecord;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use wasmtime_wasi_http::{RequestOptions, WasiHttpHooks};

/// The platform a runtime's functions call.
#[derive(Debug, Clone, Default)]
pub struct Platform {
    /// Squall's API (`None`: functions are not told where it is).
    pub endpoint: Option<SocketAddr>,
    /// Where execution-role credentials come from (`None`: functions get none).
    pub credentials: Option<Arc<dyn CredentialSource>>,
}

/// Credentials are renewed when less than this is left (longer than any invocation).
const RENEW_BEFORE_MS: u64 = 30 * 60 * 1000;

/// [`Platform`] with the credentials handed out so far.
#[derive(Debug, Default)]
pub(crate) struct PlatformState {
    pub(crate) platform: Platform,
    /// Function name → (revision, credentials).
    issued: Mutex<HashMap<String, (u64, FunctionCredentials)>>,
}

impl PlatformState {
    pub(crate) fn new(platform: Platform) -> PlatformState {
        PlatformState { platform, issued: Mutex::default() }
    }

    /// The variables `function` gets to reach the platform.
    pub(crate) fn environment(&self, function: &FunctionRecord) -> Vec<(String, String)> {
        let mut env = Vec::new();
        if let Some(addr) = self.platform.endpoint {
            env.push(("AWS_ENDPOINT_URL".to_string(), format!("http://{addr}")));
        }
        if let Some(c) = self.credentials(function) {
            env.push(("AWS_ACCESS_KEY_ID".to_string(), c.access_key_id));
            env.push(("AWS_SECRET_ACCESS_KEY".to_string(), c.secret_access_key));
            env.push(("AWS_SESSION_TOKEN".to_string(), c.session_token));
        }
        env
    }

    fn credentials(&self, function: &FunctionRecord) -> Option<FunctionCredentials> {
        let source = self.platform.credentials.as_ref()?;
        let key = function.instance_key();
        let now = source.now_ms();
        let mut issued = self.issued.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((revision, c)) = issued.get(&key)
            && *revision == function.revision
            && c.expires_ms > now + RENEW_BEFORE_MS
        {
            return Some(c.clone());
        }
        match source.credentials(function) {
            Ok(c) => {
                issued.insert(key, (function.revision, c.clone()));
                Some(c)
            }
            Err(e) => {
                tracing::warn!(function = function.config.name.as_str(), "no credentials for the function's role: {e}");
                None
            }
        }
    }

    /// The hooks of `function`'s outgoing HTTP.
    pub(crate) fn egress(&self, function: &FunctionRecord) -> Egress {
        let grants = function.config.egress.as_ref().map(|g| {
            let mut all = g.clone();
            if let Some(addr) = self.platform.endpoint {
                all.push(addr.to_string());
                all.push(format!("localhost:{}", addr.port()));
            }
            Arc::new(all)
        });
        Egress { grants, function: function.config.name.to_string() }
    }
}

/// What a function's outgoing HTTP may reach: `None` grants, anywhere.
pub(crate) struct Egress {
    grants: Option<Arc<Vec<String>>>,
    function: String,
}

type Sent = Box<
    dyn Future<
            Output = wasmtime_wasi_http::Result<(
                http::Response<wasmtime_wasi_http::WasiBody>,
                Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
            )>,
        > + Send,
>;

impl WasiHttpHooks for Egress {
    fn send_request(
        &mut self,
        request: http::Request<wasmtime_wasi_http::WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
    ) -> Sent {
        _ = fut;
        if let Some(grants) = &self.grants {
            let uri = request.uri();
            let host = uri.host().unwrap_or_default();
            let https = uri.scheme() == Some(&http::uri::Scheme::HTTPS);
            let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
            if !squall_types::egress_allows(grants, host, port) {
                tracing::warn!(function = %self.function, host, port, "egress refused: not granted by custom.squall.egress");
                return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
            }
        }
        Box::new(async move {
            use http_body_util::BodyExt;
            let (res, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((res.map(BodyExt::boxed_unsync), Box::new(io) as Box<dyn Future<Output = _> + Send>))
        })
    }
}
