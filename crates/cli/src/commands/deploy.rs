//! `squall deploy [DIR]`: validate serverless.yml, build, upload what changed, reconcile.

use super::block_on;
use super::package::{Package, package};
use crate::ClientArgs;
use crate::client::{Client, segment, server_error, xml_elements, xml_text};
use anyhow::{Context, anyhow, bail};
use http::Method;
use serde_json::Value;
use squall_functions::{DeploymentPlan, PlannedApiKey, PlannedFunction};
use squall_manifest::Manifest;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// `squall deploy`'s flags besides the directory.
#[derive(Clone)]
pub(crate) struct Options {
    /// `--stage`.
    pub(crate) stage: Option<String>,
    /// `--region`.
    pub(crate) region: Option<String>,
    /// `--param KEY=VALUE`, as given.
    pub(crate) params: Vec<String>,
    /// `--canary`: the alias every function's routes and event source mappings go
    /// through, whose traffic the canary shifts.
    pub(crate) serve_through: Option<String>,
    /// Run the build command with cargo's release profile relaxed for speed
    /// ([`FAST_CARGO_RELEASE`]), as `squall dev` does.
    pub(crate) fast_build: bool,
}

/// What `squall dev` sets for the service's build command: cargo's release profile without
/// link-time optimization, in 16 codegen units, incremental, so an edit rebuilds in a
/// fraction of a second instead of seconds (the component is bigger and a little slower;
/// `squall deploy` builds as the project says).
pub(crate) const FAST_CARGO_RELEASE: [(&str, &str); 3] = [
    ("CARGO_PROFILE_RELEASE_LTO", "false"),
    ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
    ("CARGO_PROFILE_RELEASE_INCREMENTAL", "true"),
];

pub(crate) fn run(
    args: &ClientArgs,
    dir: &Path,
    options: Options,
    canary: Option<super::canary::Canary>,
) -> anyhow::Result<ExitCode> {
    let Some(canary) = canary else { return deploy(args, dir, options).map(|_| ExitCode::SUCCESS) };
    let options = Options { serve_through: Some(super::canary::ALIAS.to_string()), ..options };
    let deployed = deploy(args, dir, options)?;
    super::canary::shift(args, &deployed, &canary)
}

/// Deploys the service in `dir`; the deployment's name (`<service>-<stage>`).
pub(crate) fn deploy(args: &ClientArgs, dir: &Path, options: Options) -> anyhow::Result<String> {
    let started = Instant::now();
    let (file, text) = read_manifest(dir)?;
    let mut params = std::collections::BTreeMap::new();
    for p in &options.params {
        let (k, v) = p.split_once('=').ok_or_else(|| anyhow!("--param {p:?}: expected KEY=VALUE"))?;
        params.insert(k.to_string(), v.to_string());
    }
    let shown = file.display().to_string();
    // `${env:}` reads this process's environment; `${file(...)}` files beside the manifest.
    let read_file = |path: &str| std::fs::read_to_string(dir.join(path)).map_err(|e| e.to_string());
    // `${ssm:}` reads the server's Parameter Store and Secrets Manager.
    let ssm_client = Client::new(args)?;
    let read_ssm = |name: &str, decrypt: bool| read_ssm(&ssm_client, name, decrypt);
    // `${cf:stack.Output}` reads another deployed service's outputs.
    let read_output = |stack: &str, output: &str| read_output(&ssm_client, stack, output);
    let inputs = squall_manifest::Inputs {
        stage: options.stage,
        region: options.region,
        env: std::env::vars().collect(),
        params,
        read_file: Some(&read_file),
        read_ssm: Some(&read_ssm),
        read_output: Some(&read_output),
    };
    // A queue's `Ref` is its URL on the server deployed to.
    let manifest = squall_manifest::parse_with(&shown, &text, &args.endpoint, &inputs).map_err(|e| anyhow!("{e}"))?;
    if options.serve_through.is_some()
        && let Some(f) = manifest.functions.iter().find(|f| !f.publish)
    {
        bail!(
            "--canary shifts traffic between published versions, and {} publishes none (versionFunctions: false)",
            f.config.name
        );
    }
    for w in &manifest.warnings {
        eprintln!("warning: {w}");
    }
    let client = Client::new(args)?;
    // Fail fast, before a long build, when the server is down or the key is wrong.
    let listed = block_on(client.call(Method::GET, "/squall/v1/services", vec![]))?.json()?;
    let http_base = listed["http"].as_str().unwrap_or_default().to_string();

    if let Some(cmd) = &manifest.build {
        println!("building: {cmd}");
        let mut build = std::process::Command::new("sh");
        build.arg("-c").arg(cmd).current_dir(dir);
        if options.fast_build {
            build.envs(FAST_CARGO_RELEASE);
        }
        let status = build.status().with_context(|| format!("running the build command {cmd:?}"))?;
        if !status.success() {
            bail!("the build command failed ({status}); nothing was deployed");
        }
    }
    let packages = package(&manifest, dir, &shown)?;
    block_on(async {
        println!(
            "deploying service {} to stage {} ({} functions)",
            manifest.service,
            manifest.stage,
            manifest.functions.len()
        );
        // A definition Step Functions would refuse stops the deploy before it changes anything.
        super::state_machines::validate(&client, &manifest, &shown).await?;
        // So does a role naming a managed policy Squall's IAM does not have.
        super::roles::validate(&client, &manifest, &shown).await?;
        // The service's roles come first: what runs as them names them.
        super::roles::ensure_roles(&client, manifest.deployment().as_str(), &manifest.roles).await?;
        ensure_tables(&client, &manifest.tables).await?;
        ensure_queues(&client, &manifest.queues).await?;
        ensure_topics(&client, &manifest.topics, &manifest.region).await?;
        super::buckets::ensure_buckets(&client, &manifest.buckets, &manifest.bucket_notifications).await?;
        super::buckets::ensure_policies(&client, &manifest.resource_policies).await?;
        let layers = super::layers::ensure_layers(&client, &manifest, dir, &listed).await?;
        for p in &packages {
            let path = format!("/squall/v1/artifacts/{}", p.sha256);
            let exists = client.call(Method::HEAD, &path, vec![]).await?.status == http::StatusCode::OK;
            if exists {
                println!("  {}: code unchanged ({}), not uploaded", p.key, size(p.bytes.len()));
            } else {
                println!("  {}: uploading {}", p.key, size(p.bytes.len()));
                client.call(Method::PUT, &path, p.bytes.clone()).await?;
            }
        }
        let mut plan = plan(&manifest, &packages, &layers, &http_base);
        for f in &mut plan.functions {
            f.config.serve_through = options.serve_through.clone();
        }
        let body = serde_json::to_vec(&plan).context("encoding the plan")?;
        let report = client
            .call(Method::PUT, &format!("/squall/v1/services/{}", segment(manifest.deployment().as_str())), body)
            .await?
            .json()?;
        print_report(&report);
        super::layers::delete_replaced(&client, &layers)
            .await
            .context("the functions are deployed, but layer versions they no longer use are not all deleted")?;
        // Functions removed by this deploy count as the service's: their subscriptions and
        // bucket notifications go.
        let mut functions: HashSet<String> = manifest.functions.iter().map(|f| f.config.name.to_string()).collect();
        functions.extend(
            report["changes"].as_array().into_iter().flatten().filter_map(|c| c["function"].as_str()).map(String::from),
        );
        ensure_subscriptions(&client, &manifest.subscriptions, &functions)
            .await
            .context("the functions are deployed, but their subscriptions are not all in place")?;
        super::buckets::ensure_notifications(&client, &manifest.buckets, &manifest.bucket_notifications, &functions)
            .await
            .context("the functions are deployed, but their buckets' notifications are not all in place")?;
        let machines = super::state_machines::ensure_state_machines(
            &client,
            manifest.deployment().as_str(),
            &manifest.state_machines,
        )
        .await
        .context("the functions are deployed, but their state machines are not all in place")?;
        // Rules may start the service's state machines: their targets are the service's too.
        let mut targets = functions.clone();
        targets.extend(machines.names.iter().cloned());
        super::rules::ensure_rules(
            &client,
            manifest.deployment().as_str(),
            &manifest.rules,
            &manifest.event_buses,
            &targets,
        )
        .await
        .context("the functions are deployed, but their event rules are not all in place")?;
        super::schedules::ensure_schedules(
            &client,
            manifest.deployment().as_str(),
            &manifest.schedules,
            &manifest.schedule_groups,
            &manifest.functions,
        )
        .await
        .context("the functions are deployed, but their schedules are not all in place")?;
        super::state_machines::finish(&client, manifest.deployment().as_str(), &machines)
            .await
            .context("the service is deployed, but state machines it no longer has are not all deleted")?;
        super::roles::finish(&client, manifest.deployment().as_str(), &manifest.roles)
            .await
            .context("the service is deployed, but IAM roles it no longer declares are not all deleted")?;
        super::permissions::print(&manifest.functions);
        println!("deployed {} ({}) in {:.1}s", manifest.service, manifest.stage, started.elapsed().as_secs_f64());
        Ok(manifest.deployment().to_string())
    })
}

/// An output of the deployed service `stack` (`<service>-<stage>`), for `${cf:}`.
fn read_output(client: &Client, stack: &str, output: &str) -> Result<Option<String>, String> {
    block_on(async {
        let listed = client.call(Method::GET, "/squall/v1/services", vec![]).await?.json()?;
        let service = listed["services"].as_array().into_iter().flatten().find(|s| s["name"] == stack);
        Ok(service.and_then(|s| s["outputs"][output].as_str()).map(String::from))
    })
    .map_err(|e| format!("{e:#}"))
}

/// What an `${ssm:}` variable names: a parameter, or through
/// `/aws/reference/secretsmanager/<id>` a secret, as the framework reads them from AWS.
fn read_ssm(client: &Client, name: &str, decrypt: bool) -> Result<Option<squall_manifest::Stored>, String> {
    use squall_manifest::Stored;
    block_on(async {
        if let Some(id) = name.strip_prefix("/aws/reference/secretsmanager/") {
            let resp = client
                .json11("secretsmanager", "secretsmanager.GetSecretValue", &serde_json::json!({ "SecretId": id }))
                .await?;
            if resp.status == http::StatusCode::BAD_REQUEST
                && resp.json()?["__type"].as_str().is_some_and(|t| t.ends_with("ResourceNotFoundException"))
            {
                return Ok(None);
            }
            if !resp.status.is_success() {
                return Err(server_error(&resp));
            }
            let doc = resp.json()?;
            return match doc["SecretString"].as_str() {
                Some(s) => Ok(Some(Stored::Secret(s.to_string()))),
                None => Err(anyhow!("secret {id} holds binary data, which a variable cannot take")),
            };
        }
        let input = serde_json::json!({ "Name": name, "WithDecryption": decrypt });
        let resp = client.json11("ssm", "AmazonSSM.GetParameter", &input).await?;
        if resp.status == http::StatusCode::BAD_REQUEST
            && resp.json()?["__type"].as_str().is_some_and(|t| t.ends_with("ParameterNotFound"))
        {
            return Ok(None);
        }
        if !resp.status.is_success() {
            return Err(server_error(&resp));
        }
        let p = &resp.json()?["Parameter"];
        let value = p["Value"].as_str().unwrap_or_default().to_string();
        Ok(Some(if p["Type"] == "StringList" { Stored::StringList(value) } else { Stored::String(value) }))
    })
    .map_err(|e| format!("{e:#}"))
}

/// Creates the manifest's queues that do not exist yet, and sets the attributes of those
/// that do (a queue is never replaced: its messages stay).
async fn ensure_queues(client: &Client, queues: &[squall_manifest::QueueResource]) -> anyhow::Result<()> {
    for q in queues {
        let found = client.sqs("GetQueueUrl", &serde_json::json!({ "QueueName": q.name })).await?;
        let (action, resp) = if found.status.is_success() {
            let url = found.json()?["QueueUrl"].clone();
            let attrs = serde_json::json!({ "QueueUrl": url, "Attributes": q.attributes });
            ("exists", client.sqs("SetQueueAttributes", &attrs).await?)
        } else {
            let create = serde_json::json!({ "QueueName": q.name, "Attributes": q.attributes, "tags": q.tags });
            ("created", client.sqs("CreateQueue", &create).await?)
        };
        if !resp.status.is_success() {
            return Err(server_error(&resp).context(format!("creating queue {} ({})", q.name, q.logical_id)));
        }
        println!("  queue {}: {action}", q.name);
    }
    Ok(())
}

/// Calls SNS action `action`: the answer's XML, or the server's error.
pub(crate) async fn sns(client: &Client, action: &str, params: &[(&str, String)]) -> anyhow::Result<String> {
    let resp = client.sns(action, params).await?;
    if !resp.status.is_success() {
        return Err(server_error(&resp));
    }
    Ok(String::from_utf8_lossy(&resp.body).into_owned())
}

/// `Tags.member.N.Key` / `.Value` parameters.
pub(super) fn tag_params(tags: &BTreeMap<String, String>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, (k, v)) in tags.iter().enumerate() {
        out.push((format!("Tags.member.{}.Key", i + 1), k.clone()));
        out.push((format!("Tags.member.{}.Value", i + 1), v.clone()));
    }
    out
}

/// Creates the manifest's topics (CreateTopic returns an existing topic's ARN) and sets
/// their attributes; a topic is never replaced, so its subscriptions stay.
async fn ensure_topics(client: &Client, topics: &[squall_manifest::TopicResource], region: &str) -> anyhow::Result<()> {
    for t in topics {
        let what = if t.logical_id.is_empty() { String::new() } else { format!(" ({})", t.logical_id) };
        let tags = tag_params(&t.tags);
        let mut params = vec![("Name", t.name.clone())];
        params.extend(tags.iter().map(|(k, v)| (k.as_str(), v.clone())));
        let mut resp = client.sns("CreateTopic", &params).await?;
        if !resp.status.is_success() && !t.tags.is_empty() {
            // CreateTopic refuses to change an existing topic's tags; TagResource does.
            let plain = client.sns("CreateTopic", &[("Name", t.name.clone())]).await?;
            if plain.status.is_success() {
                let arn = xml_text(&String::from_utf8_lossy(&plain.body), "TopicArn").unwrap_or_default();
                let mut params = vec![("ResourceArn", arn)];
                params.extend(tags.iter().map(|(k, v)| (k.as_str(), v.clone())));
                sns(client, "TagResource", &params).await.with_context(|| format!("tagging topic {}", t.name))?;
                resp = plain;
            }
        }
        if !resp.status.is_success() {
            return Err(server_error(&resp).context(format!("creating topic {}{what}", t.name)));
        }
        let arn = xml_text(&String::from_utf8_lossy(&resp.body), "TopicArn")
            .ok_or_else(|| anyhow!("creating topic {}: the answer names no TopicArn", t.name))?;
        let expected = format!("arn:aws:sns:{region}:{}:{}", squall_types::ACCOUNT_ID, t.name);
        if arn != expected {
            bail!(
                "topic {}: the server's ARN is {arn}, but serverless.yml's references use {expected}: set provider.region to the server's region",
                t.name
            );
        }
        for (name, value) in &t.attributes {
            let params =
                [("TopicArn", arn.clone()), ("AttributeName", name.clone()), ("AttributeValue", value.clone())];
            sns(client, "SetTopicAttributes", &params)
                .await
                .with_context(|| format!("setting {name} of topic {}{what}", t.name))?;
        }
        println!("  topic {}: ready", t.name);
    }
    Ok(())
}

/// The name after the last `:` of an ARN (a topic's name).
fn last_segment(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or(arn)
}

/// Makes the manifest's subscriptions (Subscribe returns an existing one's ARN) and sets
/// their attributes, then unsubscribes the service's functions from what the manifest no
/// longer asks for.
async fn ensure_subscriptions(
    client: &Client,
    subscriptions: &[squall_manifest::SubscriptionResource],
    functions: &HashSet<String>,
) -> anyhow::Result<()> {
    let mut kept = HashSet::new();
    for s in subscriptions {
        let at = || format!("{}: subscribing {} to {}", s.origin, s.endpoint, s.topic_arn);
        let params = [
            ("TopicArn", s.topic_arn.clone()),
            ("Protocol", s.protocol.clone()),
            ("Endpoint", s.endpoint.clone()),
            ("ReturnSubscriptionArn", "true".to_string()),
        ];
        let answer = sns(client, "Subscribe", &params).await.with_context(at)?;
        let arn = xml_text(&answer, "SubscriptionArn")
            .ok_or_else(|| anyhow!("{}: the answer names no SubscriptionArn", at()))?;
        for (name, value) in subscription_settings(&s.attributes) {
            let params =
                [("SubscriptionArn", arn.clone()), ("AttributeName", name.to_string()), ("AttributeValue", value)];
            sns(client, "SetSubscriptionAttributes", &params)
                .await
                .with_context(|| format!("{}: setting {name}", s.origin))?;
        }
        kept.insert(arn);
        println!("  subscription {} -> {}: ready", last_segment(&s.topic_arn), s.endpoint);
    }
    unsubscribe_functions(client, functions, &kept).await
}

/// The SetSubscriptionAttributes calls that bring a subscription to `desired`, in an order
/// that keeps every step valid: a filter policy for the message body may nest, one for
/// message attributes may not, so the scope goes first when it becomes `MessageBody` and
/// last otherwise. An absent filter policy is removed (an empty value); the scope of a
/// policy without one is `MessageAttributes`.
fn subscription_settings(desired: &BTreeMap<String, String>) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for name in ["DeliveryPolicy", "RawMessageDelivery", "RedrivePolicy"] {
        if let Some(v) = desired.get(name) {
            out.push((name, v.clone()));
        }
    }
    let scope = desired.get("FilterPolicyScope").cloned();
    match desired.get("FilterPolicy") {
        Some(policy) => {
            let scope = scope.unwrap_or_else(|| "MessageAttributes".to_string());
            let policy = ("FilterPolicy", policy.clone());
            if scope == "MessageBody" {
                out.extend([("FilterPolicyScope", scope), policy]);
            } else {
                out.extend([policy, ("FilterPolicyScope", scope)]);
            }
        }
        None => {
            out.push(("FilterPolicy", String::new()));
            out.extend(scope.map(|s| ("FilterPolicyScope", s)));
        }
    }
    out
}

/// The function name in a Lambda function ARN (a qualifier after it dropped).
pub(crate) fn function_of_arn(arn: &str) -> Option<&str> {
    let (_, rest) = arn.strip_prefix("arn:aws:lambda:")?.split_once(":function:")?;
    rest.split(':').next().filter(|n| !n.is_empty())
}

/// Unsubscribes every `lambda` subscription whose endpoint is one of `functions` (by name,
/// whatever the ARN's region) and whose ARN is not in `keep`.
pub(crate) async fn unsubscribe_functions(
    client: &Client,
    functions: &HashSet<String>,
    keep: &HashSet<String>,
) -> anyhow::Result<()> {
    let mut stale = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let params: Vec<(&str, String)> = next.iter().map(|n| ("NextToken", n.clone())).collect();
        let answer = sns(client, "ListSubscriptions", &params).await.context("listing subscriptions")?;
        for m in xml_elements(&answer, "member") {
            let field = |name: &str| xml_text(m, name).unwrap_or_default();
            let (arn, endpoint) = (field("SubscriptionArn"), field("Endpoint"));
            if field("Protocol") == "lambda"
                && function_of_arn(&endpoint).is_some_and(|f| functions.contains(f))
                && !keep.contains(&arn)
            {
                stale.push((arn, field("TopicArn"), endpoint));
            }
        }
        next = xml_text(&answer, "NextToken").filter(|t| !t.is_empty());
        if next.is_none() {
            break;
        }
    }
    for (arn, topic, endpoint) in stale {
        sns(client, "Unsubscribe", &[("SubscriptionArn", arn.clone())])
            .await
            .with_context(|| format!("unsubscribing {endpoint} from {topic}"))?;
        println!("  subscription {} -> {endpoint}: removed", last_segment(&topic));
    }
    Ok(())
}

/// Creates the manifest's tables that do not exist yet (with their TTL); a table that
/// exists must have the same key schema, since squall never replaces a table.
async fn ensure_tables(client: &Client, tables: &[squall_manifest::TableResource]) -> anyhow::Result<()> {
    for t in tables {
        let described = client.dynamodb("DescribeTable", &serde_json::json!({ "TableName": t.name })).await?;
        let created = if described.status.is_success() {
            let table = described.json()?;
            let current = &table["Table"]["KeySchema"];
            if current != &t.create["KeySchema"] {
                bail!(
                    "table {} exists with another key schema ({current}); squall does not replace tables: delete it first",
                    t.name
                );
            }
            // A stream asked for and not there yet is enabled; an existing one is kept.
            let wanted = &t.create["StreamSpecification"];
            if !wanted.is_null() && table["Table"]["StreamSpecification"]["StreamEnabled"] != true {
                let spec = serde_json::json!({ "TableName": t.name, "StreamSpecification": wanted });
                let resp = client.dynamodb("UpdateTable", &spec).await?;
                if !resp.status.is_success() {
                    return Err(server_error(&resp).context(format!("enabling the stream of table {}", t.name)));
                }
            }
            false
        } else if String::from_utf8_lossy(&described.body).contains("ResourceNotFoundException") {
            let resp = client.dynamodb("CreateTable", &t.create).await?;
            if !resp.status.is_success() {
                return Err(server_error(&resp).context(format!("creating table {} ({})", t.name, t.logical_id)));
            }
            true
        } else {
            return Err(server_error(&described).context(format!("looking up table {}", t.name)));
        };
        if let Some(attr) = &t.ttl {
            let ttl =
                client.dynamodb("DescribeTimeToLive", &serde_json::json!({ "TableName": t.name })).await?.json()?;
            if ttl["TimeToLiveDescription"]["TimeToLiveStatus"] != "ENABLED" {
                let spec = serde_json::json!({ "TableName": t.name, "TimeToLiveSpecification": { "Enabled": true, "AttributeName": attr } });
                let resp = client.dynamodb("UpdateTimeToLive", &spec).await?;
                if !resp.status.is_success() {
                    return Err(server_error(&resp).context(format!("enabling TTL on table {}", t.name)));
                }
            }
        }
        println!("  table {}: {}", t.name, if created { "created" } else { "exists" });
    }
    Ok(())
}

fn read_manifest(dir: &Path) -> anyhow::Result<(PathBuf, String)> {
    for name in ["serverless.yml", "serverless.yaml"] {
        let file = dir.join(name);
        match std::fs::read_to_string(&file) {
            Ok(t) => return Ok((file, t)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(anyhow!("{}: {e}", file.display())),
        }
    }
    bail!("{}: no serverless.yml here", dir.display())
}

/// What the server is asked to make the service: its functions with their packages, its
/// routes, keys and outputs (`resources.Outputs`, and `ServiceEndpoint` / `HttpApiUrl`
/// as the framework adds them, at `http_base`).
fn plan(manifest: &Manifest, packages: &[Package], layers: &super::layers::Layers, http_base: &str) -> DeploymentPlan {
    let mut outputs: BTreeMap<String, String> =
        manifest.outputs.iter().map(|o| (o.name.clone(), o.value.clone())).collect();
    // As the framework: each layer's version ARN is an output (`${cf:…}` reads it).
    for l in &manifest.layers {
        if let Some(arn) = layers.arns.get(&l.key) {
            outputs.entry(l.output_name()).or_insert(arn.clone());
        }
    }
    let url = format!("{http_base}/{}/{}", manifest.service, manifest.stage);
    let routes = || manifest.functions.iter().flat_map(|f| &f.routes).chain(&manifest.state_machine_routes);
    if routes().any(|r| r.api.is_rest()) {
        outputs.entry("ServiceEndpoint".into()).or_insert(url.clone());
    }
    if routes().any(|r| !r.api.is_rest()) {
        outputs.entry("HttpApiUrl".into()).or_insert(url);
    }
    DeploymentPlan {
        outputs,
        gateway_responses: manifest.gateway_responses.clone(),
        resource_policies: manifest.resource_policies.clone(),
        routes: manifest.state_machine_routes.clone(),
        service: manifest.deployment(),
        stage: Some(manifest.stage.clone()),
        cors: manifest.cors.clone(),
        api_keys: manifest
            .api_keys
            .iter()
            .map(|k| PlannedApiKey { name: k.name.clone(), value: k.value.clone(), throttle: k.throttle })
            .collect(),
        binary_media_types: manifest.binary_media_types.clone(),
        functions: manifest
            .functions
            .iter()
            .zip(packages)
            .map(|(f, p)| PlannedFunction {
                config: squall_types::FunctionConfig {
                    layers: layers
                        .of(&f.layers)
                        .into_iter()
                        .map(|arn| squall_types::FunctionLayer { arn, code_sha256: String::new(), code_size: 0 })
                        .collect(),
                    ..f.config.clone()
                },
                code_sha256: p.sha256.clone(),
                routes: f.routes.clone(),
                publish: f.publish,
                url: f.url.clone(),
            })
            .collect(),
    }
}

fn print_report(report: &Value) {
    for w in report["warnings"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        eprintln!("warning: {w}");
    }
    for c in report["changes"].as_array().into_iter().flatten() {
        println!("  {} {}", c["action"].as_str().unwrap_or("?"), c["function"].as_str().unwrap_or("?"));
    }
    let base = report["http"].as_str().unwrap_or("");
    let routes: Vec<&str> = report["routes"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    if !routes.is_empty() {
        println!("endpoints:");
        for r in routes {
            match r.split_once(' ') {
                Some((m, p)) => println!("  {m} {base}{p}"),
                None => println!("  ANY {base}/*"),
            }
        }
    }
    let urls: Vec<&Value> = report["urls"].as_array().into_iter().flatten().collect();
    if !urls.is_empty() {
        println!("function urls:");
        for u in urls {
            let (function, id) = (u[0].as_str().unwrap_or("?"), u[1].as_str().unwrap_or("?"));
            let root = report["http_root"].as_str().unwrap_or(base);
            println!("  {function}: {root}/lambda-url/{id}/");
        }
    }
    if let Some(outputs) = report["outputs"].as_object().filter(|o| !o.is_empty()) {
        println!("outputs:");
        for (k, v) in outputs {
            println!("  {k}: {}", v.as_str().unwrap_or_default());
        }
    }
    let keys = report["api_keys"].as_array().into_iter().flatten();
    let keys: Vec<String> = keys
        .map(|k| format!("  {}: {}", k["name"].as_str().unwrap_or("?"), k["value"].as_str().unwrap_or("?")))
        .collect();
    if !keys.is_empty() {
        println!("api keys:\n{}", keys.join("\n"));
    }
}

fn size(n: usize) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MiB", n as f64 / (1 << 20) as f64)
    } else {
        format!("{:.1} KiB", n as f64 / 1024.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_well() {
        assert_eq!(size(1536), "1.5 KiB");
        assert_eq!(size(3 << 20), "3.0 MiB");
    }

    #[test]
    fn handlers_must_be_components_and_errors_point_at_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let yaml = "service: s\nprovider:\n  name: aws\n  runtime: wasm\nfunctions:\n  f:\n    handler: f.wasm\n";
        let manifest = squall_manifest::parse("serverless.yml", yaml).unwrap();
        let err = package(&manifest, dir.path(), "serverless.yml").err().unwrap().to_string();
        assert!(err.starts_with("serverless.yml:7: functions.f.handler: cannot read"), "{err}");
        std::fs::write(dir.path().join("f.wasm"), b"\0asm\x01\0\0\0").unwrap();
        let err = package(&manifest, dir.path(), "serverless.yml").err().unwrap().to_string();
        assert!(err.contains("core WebAssembly module"), "{err}");
        std::fs::write(dir.path().join("f.wasm"), b"\0asm\x0d\0\x01\0").unwrap();
        let p = package(&manifest, dir.path(), "serverless.yml").unwrap();
        assert_eq!(p[0].sha256.len(), 64);
        let plan = plan(&manifest, &p, &Default::default(), "http://127.0.0.1:8080");
        assert_eq!(plan.functions[0].config.name.as_str(), "s-dev-f");
        assert_eq!((plan.service.as_str(), plan.stage.as_deref()), ("s-dev", Some("dev")));
    }

    #[test]
    fn subscription_settings_keep_every_step_valid() {
        let names = |d: &[(&str, &str)]| -> Vec<(&'static str, String)> {
            subscription_settings(&d.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
        };
        assert_eq!(names(&[]), [("FilterPolicy", String::new())]);
        let body =
            names(&[("FilterPolicy", "{}"), ("FilterPolicyScope", "MessageBody"), ("RawMessageDelivery", "true")]);
        let order: Vec<&str> = body.iter().map(|(n, _)| *n).collect();
        assert_eq!(order, ["RawMessageDelivery", "FilterPolicyScope", "FilterPolicy"]);
        let attrs = names(&[("FilterPolicy", "{}")]);
        assert_eq!(attrs, [("FilterPolicy", "{}".into()), ("FilterPolicyScope", "MessageAttributes".into())]);
    }

    #[test]
    fn function_names_come_out_of_arns() {
        assert_eq!(function_of_arn("arn:aws:lambda:us-east-1:000000000000:function:shop-f"), Some("shop-f"));
        assert_eq!(function_of_arn("arn:aws:lambda:eu-west-1:000000000000:function:shop-f:live"), Some("shop-f"));
        assert_eq!(function_of_arn("arn:aws:sqs:us-east-1:000000000000:q"), None);
        assert_eq!(last_segment("arn:aws:sns:us-east-1:000000000000:orders"), "orders");
    }
}
