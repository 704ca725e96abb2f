//! Task tokens: which execution, run and Task attempt a SendTask* call answers, with the
//! attempt's secret (128 random bits kept in its run), so a token cannot be guessed.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A fresh secret for a Task attempt that hands out a token.
pub fn secret() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The token of a Task attempt.
pub fn make(execution: &str, run: &str, nonce: u64, secret: &str) -> String {
    let raw = serde_json::json!({"e": execution, "r": run, "n": nonce, "s": secret});
    URL_SAFE_NO_PAD.encode(raw.to_string())
}

/// What a token names: (execution ARN, run, attempt, secret); `None` if it is not a token.
pub fn read(token: &str) -> Option<(String, String, u64, String)> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    Some((v["e"].as_str()?.to_string(), v["r"].as_str()?.to_string(), v["n"].as_u64()?, v["s"].as_str()?.to_string()))
}
