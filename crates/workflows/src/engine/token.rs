//! Task tokens: which execution, run and Task attempt a SendTask* call answers, as an
//! opaque string.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The token of a Task attempt.
pub fn make(execution: &str, run: &str, nonce: u64) -> String {
    let raw = serde_json::json!({"e": execution, "r": run, "n": nonce});
    URL_SAFE_NO_PAD.encode(raw.to_string())
}

/// What a token names: (execution ARN, run, attempt); `None` if it is not a token.
pub fn read(token: &str) -> Option<(String, String, u64)> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    Some((v["e"].as_str()?.to_string(), v["r"].as_str()?.to_string(), v["n"].as_u64()?))
}
