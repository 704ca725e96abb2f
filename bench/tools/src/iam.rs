//! `squall-bench iam STATEMENTS ITERATIONS`: the time to evaluate one request against a
//! policy of STATEMENTS statements (each with wildcard actions, a resource with a policy
//! variable and a condition; only the last one applies), as the authorizer will for every
//! request. Prints `p50_ns p99_ns`.

use anyhow::Context as _;
use squall_iam::{Context, Decision, Policy, PolicyKind, Request};
use std::time::Instant;

pub const USAGE: &str = "iam STATEMENTS ITERATIONS";

pub fn run(args: &[&str]) -> anyhow::Result<()> {
    let [statements, iterations] = args else { anyhow::bail!("usage: squall-bench {USAGE}") };
    let statements: usize = statements.parse().context("STATEMENTS")?;
    let iterations: usize = iterations.parse().context("ITERATIONS")?;
    let mut list: Vec<String> = (0..statements.saturating_sub(1))
        .map(|i| {
            format!(
                r#"{{"Effect":"Allow","Action":["dynamodb:Get*","dynamodb:Query"],"Resource":"arn:aws:dynamodb:*:*:table/t{i}-${{aws:username}}","Condition":{{"IpAddress":{{"aws:SourceIp":"10.0.0.0/8"}}}}}}"#
            )
        })
        .collect();
    list.push(r#"{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::home/${aws:username}/*","Condition":{"StringLike":{"s3:prefix":"home/*"}}}"#.into());
    let doc = format!(r#"{{"Version":"2012-10-17","Statement":[{}]}}"#, list.join(","));
    let policy = Policy::parse(&doc, PolicyKind::Identity).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut context = Context::default();
    context.set("aws:username", "ada").set("aws:SourceIp", "192.168.1.1").set("s3:prefix", "home/ada");
    let request = Request {
        principal: "arn:aws:iam::000000000000:user/ada",
        action: "s3:GetObject",
        resource: "arn:aws:s3:::home/ada/notes.txt",
        context: &context,
    };
    let mut times = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let started = Instant::now();
        let d = policy.evaluate(std::hint::black_box(&request));
        times.push(started.elapsed().as_nanos() as u64);
        anyhow::ensure!(d == Decision::Allow, "the last statement allows the request");
    }
    times.sort_unstable();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!("{} {}", at(0.50), at(0.99));
    Ok(())
}
