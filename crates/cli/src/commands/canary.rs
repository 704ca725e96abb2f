//! `squall deploy --canary 10%`: after the deploy, each function's alias `live` (which its
//! routes and event source mappings invoke) moves from the version it named to the new one
//! in steps: 10% of invocations, then 20%, … then all, one step per `--canary-interval` on
//! the platform clock. Before each step the new version's errors since the shift began are
//! read from the server; past `--max-errors` the function is rolled back to the version
//! before. The first canary deploy of a function creates `live` on its new version.

use super::block_on;
use crate::ClientArgs;
use crate::client::{Client, segment};
use anyhow::{Context, anyhow, bail};
use http::Method;
use serde_json::{Value, json};
use std::process::ExitCode;
use std::time::Duration;

/// The alias a canary deployment moves.
pub(crate) const ALIAS: &str = "live";

/// A canary's settings.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Canary {
    /// The share of invocations moved at each step, in (0, 1].
    step: f64,
    /// How long each step lasts, on the platform clock.
    interval_ms: u64,
    /// The new version's error rate (errors over invocations) that rolls back.
    max_error_rate: f64,
}

impl Canary {
    /// Reads the flags; `None` without `--canary`.
    pub(crate) fn parse(canary: Option<&str>, interval: &str, max_errors: &str) -> anyhow::Result<Option<Canary>> {
        let Some(canary) = canary else { return Ok(None) };
        let step = percent(canary).with_context(|| format!("--canary {canary}"))?;
        if step <= 0.0 {
            bail!("--canary {canary}: the share moved at each step must be above 0%");
        }
        let interval = humantime::parse_duration(interval)
            .with_context(|| format!("--canary-interval {interval:?} is not a duration such as 30s or 5m"))?;
        let max_error_rate = percent(max_errors).with_context(|| format!("--max-errors {max_errors}"))?;
        Ok(Some(Canary { step, interval_ms: interval.as_millis() as u64, max_error_rate }))
    }
}

/// `10%` (or `0.1`) as a share in 0..=1.
fn percent(text: &str) -> anyhow::Result<f64> {
    let share = match text.trim().strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|p| p / 100.0),
        None => text.trim().parse::<f64>(),
    }
    .map_err(|_| anyhow!("expected a percentage such as 10%"))?;
    if !(0.0..=1.0).contains(&share) {
        bail!("expected a percentage from 0% to 100%");
    }
    Ok(share)
}

/// One function being moved.
struct Shift {
    function: String,
    from: String,
    to: String,
    /// The new version's (invocations, errors) when the shift began.
    baseline: (u64, u64),
    weight: f64,
    done: bool,
}

/// Moves the deployment's functions' aliases to their new versions, step by step; exits
/// non-zero when any rolled back.
pub(crate) fn shift(args: &ClientArgs, deployment: &str, canary: &Canary) -> anyhow::Result<ExitCode> {
    let client = Client::new(args)?;
    block_on(async {
        let services = client.call(Method::GET, "/squall/v1/services", vec![]).await?.json()?;
        let service = services["services"].as_array().into_iter().flatten().find(|s| s["name"] == deployment);
        let functions: Vec<String> = service
            .and_then(|s| s["functions"].as_array())
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect();
        let mut shifts = Vec::new();
        for function in functions {
            let newest = newest_version(&client, &function).await?;
            let alias = format!("/2015-03-31/functions/{}/aliases/{ALIAS}", segment(&function));
            let current = client.send(Method::GET, &alias, &[], vec![]).await?;
            if current.status == http::StatusCode::NOT_FOUND {
                let body = json!({ "Name": ALIAS, "FunctionVersion": newest }).to_string().into_bytes();
                let path = format!("/2015-03-31/functions/{}/aliases", segment(&function));
                client.call(Method::POST, &path, body).await?;
                println!("{function}: alias {ALIAS} created on version {newest}; its routes go through it from now on");
                continue;
            }
            let from = current.json()?["FunctionVersion"].as_str().unwrap_or_default().to_string();
            if from == newest {
                continue;
            }
            let baseline = stats(&client, &function, &newest).await?;
            shifts.push(Shift { function, from, to: newest, baseline, weight: 0.0, done: false });
        }
        let mut rolled_back = false;
        while shifts.iter().any(|s| !s.done) {
            for s in shifts.iter_mut().filter(|s| !s.done) {
                s.weight = (s.weight + canary.step).min(1.0);
                if s.weight >= 1.0 {
                    set_alias(&client, &s.function, &s.to, None).await?;
                    println!("{}: all invocations on version {} (alias {ALIAS})", s.function, s.to);
                    s.done = true;
                } else {
                    set_alias(&client, &s.function, &s.from, Some((&s.to, s.weight))).await?;
                    println!(
                        "{}: {:.0}% of invocations on version {}, the rest on version {}",
                        s.function,
                        s.weight * 100.0,
                        s.to,
                        s.from
                    );
                }
            }
            if shifts.iter().all(|s| s.done) {
                break;
            }
            wait_platform(&client, canary.interval_ms).await?;
            for s in shifts.iter_mut().filter(|s| !s.done) {
                let (runs, errors) = stats(&client, &s.function, &s.to).await?;
                let (runs, errors) = (runs - s.baseline.0.min(runs), errors - s.baseline.1.min(errors));
                let rate = if runs == 0 { 0.0 } else { errors as f64 / runs as f64 };
                if errors > 0 && rate > canary.max_error_rate {
                    set_alias(&client, &s.function, &s.from, None).await?;
                    println!(
                        "{}: version {} failed {errors} of {runs} invocations ({:.0}% > {:.0}%): rolled back to version {}",
                        s.function,
                        s.to,
                        rate * 100.0,
                        canary.max_error_rate * 100.0,
                        s.from
                    );
                    s.done = true;
                    rolled_back = true;
                } else {
                    println!("{}: version {} ran {runs} invocations, {errors} failed", s.function, s.to);
                }
            }
        }
        Ok(if rolled_back { ExitCode::FAILURE } else { ExitCode::SUCCESS })
    })
}

/// The highest published version of `function`.
async fn newest_version(client: &Client, function: &str) -> anyhow::Result<String> {
    let mut marker = String::new();
    let mut newest = None;
    loop {
        let mut path = format!("/2015-03-31/functions/{}/versions?MaxItems=50", segment(function));
        if !marker.is_empty() {
            path.push_str(&format!("&Marker={}", segment(&marker)));
        }
        let page = client.call(Method::GET, &path, vec![]).await?.json()?;
        for v in page["Versions"].as_array().into_iter().flatten() {
            if let Some(n) = v["Version"].as_str().and_then(|n| n.parse::<u64>().ok()) {
                newest = newest.max(Some(n));
            }
        }
        match page["NextMarker"].as_str() {
            Some(m) if !m.is_empty() => marker = m.to_string(),
            _ => break,
        }
    }
    newest.map(|n| n.to_string()).ok_or_else(|| anyhow!("{function} has no published version to shift to"))
}

/// Points the alias at `primary`, with `extra` (a version and its share) if given.
async fn set_alias(client: &Client, function: &str, primary: &str, extra: Option<(&str, f64)>) -> anyhow::Result<()> {
    let weights = match extra {
        Some((version, share)) => json!({ version: share }),
        None => json!({}),
    };
    let body = json!({ "FunctionVersion": primary, "RoutingConfig": { "AdditionalVersionWeights": weights } });
    let path = format!("/2015-03-31/functions/{}/aliases/{ALIAS}", segment(function));
    client.call(Method::PUT, &path, body.to_string().into_bytes()).await?;
    Ok(())
}

/// The (invocations, errors) of one version of `function` on the server.
async fn stats(client: &Client, function: &str, version: &str) -> anyhow::Result<(u64, u64)> {
    let path = format!("/squall/v1/functions/{}/stats", segment(function));
    let answer = client.call(Method::GET, &path, vec![]).await?.json()?;
    let v = &answer["versions"][version];
    Ok((v["invocations"].as_u64().unwrap_or(0), v["errors"].as_u64().unwrap_or(0)))
}

/// Waits until `ms` have passed on the server's platform clock (a `--dev` clock moved
/// forward ends the wait at once), looking every 200 ms.
async fn wait_platform(client: &Client, ms: u64) -> anyhow::Result<()> {
    let now = |answer: Value| answer["nowMs"].as_u64().unwrap_or_default();
    let until = now(client.call(Method::GET, "/squall/v1/clock", vec![]).await?.json()?) + ms;
    loop {
        if now(client.call(Method::GET, "/squall/v1/clock", vec![]).await?.json()?) >= until {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_read_as_shares_and_durations() {
        let c = Canary::parse(Some("10%"), "30s", "5%").unwrap().unwrap();
        assert_eq!(c, Canary { step: 0.1, interval_ms: 30_000, max_error_rate: 0.05 });
        assert_eq!(Canary::parse(None, "1m", "5%").unwrap(), None);
        assert!(Canary::parse(Some("0%"), "1m", "5%").is_err());
        assert!(Canary::parse(Some("120%"), "1m", "5%").is_err());
        assert!(Canary::parse(Some("10%"), "soon", "5%").is_err());
        assert_eq!(percent("0.25").unwrap(), 0.25);
    }
}
