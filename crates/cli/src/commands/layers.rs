//! The service's own layers (serverless.yml `layers:`): zipped, and published through
//! Lambda's API as a new version only when the zip or the layer's settings changed since
//! the version this deployment last published (its `<Name>LambdaLayerQualifiedArn`
//! output), as the framework compares with its stack's output; only that version is
//! replaced, so stages sharing a layer name leave each other's versions alone.

use super::package::{list_files, select, zip_files};
use crate::client::{Client, segment};
use anyhow::{Context, anyhow};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use http::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use squall_manifest::{LayerRef, LayerSpec, Manifest};
use std::collections::BTreeMap;
use std::path::Path;

/// What a deploy did with the service's layers.
#[derive(Default)]
pub(crate) struct Layers {
    /// Each layer's version in use, by its key.
    pub(crate) arns: BTreeMap<String, String>,
    /// Versions a new one replaced, deleted once the functions moved on (not `retain`).
    pub(crate) replaced: Vec<(String, u64)>,
}

impl Layers {
    /// The layer version ARNs a function's `layers` name.
    pub(crate) fn of(&self, refs: &[LayerRef]) -> Vec<String> {
        refs.iter()
            .map(|r| match r {
                LayerRef::Arn(arn) => arn.clone(),
                LayerRef::Service(key) => self.arns.get(key).cloned().unwrap_or_default(),
            })
            .collect()
    }
}

/// The zip of a layer: its `package.artifact`, else the files of `path` its patterns choose.
fn zip_of(dir: &Path, l: &LayerSpec) -> anyhow::Result<Vec<u8>> {
    if let Some(artifact) = &l.package.artifact {
        return std::fs::read(dir.join(artifact))
            .map_err(|e| anyhow!("layers.{}.package.artifact: cannot read {artifact}: {e}", l.key));
    }
    let path = l.path.as_deref().unwrap_or(".");
    let root = dir.join(path);
    let files = list_files(&root).with_context(|| format!("layers.{}.path: listing {}", l.key, root.display()))?;
    let chosen = select(&files, &l.package.patterns)?.into_iter().map(|rel| (rel.clone(), root.join(rel))).collect();
    zip_files(&chosen).context("zipping the layer")
}

/// Publishes what changed of the manifest's layers and lets their allowed accounts use them.
/// `listed` is the server's services as the deploy read them at its start.
pub(crate) async fn ensure_layers(
    client: &Client,
    manifest: &Manifest,
    dir: &Path,
    listed: &Value,
) -> anyhow::Result<Layers> {
    let mut done = Layers::default();
    let stack = manifest.deployment().to_string();
    let previous = listed["services"].as_array().into_iter().flatten().find(|s| s["name"] == stack.as_str());
    for l in &manifest.layers {
        let zip = zip_of(dir, l)?;
        let sha = B64.encode(Sha256::digest(&zip));
        let base = format!("/2018-10-31/layers/{}/versions", segment(&l.name));
        // The version this deployment published last time, if it is still there.
        let published = previous
            .and_then(|s| s["outputs"][l.output_name()].as_str())
            .and_then(squall_types::LayerVersionArn::parse)
            .filter(|a| a.name == l.name);
        let current = match published {
            Some(a) => {
                let resp = client.send(Method::GET, &format!("{base}/{}", a.version), &[], vec![]).await?;
                if resp.status.is_success() { Some(resp.json()?) } else { None }
            }
            None => None,
        };
        let wanted = json!({
            "Description": l.description,
            "CompatibleRuntimes": l.compatible_runtimes,
            "CompatibleArchitectures": l.compatible_architectures,
        });
        let same = current.as_ref().is_some_and(|c| {
            c["Content"]["CodeSha256"] == sha.as_str()
                && ["Description", "CompatibleRuntimes", "CompatibleArchitectures"].iter().all(|k| c[*k] == wanted[*k])
                && c.get("LicenseInfo").and_then(Value::as_str) == l.license_info.as_deref()
        });
        let version = match (&current, same) {
            (Some(c), true) => {
                println!("  layer {}: unchanged (version {})", l.name, c["Version"]);
                c.clone()
            }
            _ => {
                let mut input = wanted.clone();
                input["Content"] = json!({ "ZipFile": B64.encode(&zip) });
                if let Some(license) = &l.license_info {
                    input["LicenseInfo"] = json!(license);
                }
                let made = client
                    .call(Method::POST, &base, serde_json::to_vec(&input)?)
                    .await
                    .with_context(|| format!("publishing layer {}", l.name))?
                    .json()?;
                println!("  layer {}: published version {} ({} bytes)", l.name, made["Version"], zip.len());
                if let (Some(c), false) = (&current, l.retain) {
                    done.replaced.push((l.name.clone(), c["Version"].as_u64().unwrap_or_default()));
                }
                made
            }
        };
        let n = version["Version"].as_u64().unwrap_or_default();
        for account in &l.allowed_accounts {
            // The framework's permission logical id, as the statement id.
            let sid = format!(
                "{}{}LambdaLayerPermission",
                l.logical_id.strip_suffix("LambdaLayer").unwrap_or(&l.logical_id),
                account.replace('*', "Wild")
            );
            let input = json!({ "StatementId": sid, "Action": "lambda:GetLayerVersion", "Principal": account });
            let resp =
                client.send(Method::POST, &format!("{base}/{n}/policy"), &[], serde_json::to_vec(&input)?).await?;
            // A statement already there (an unchanged version) stays.
            if !resp.status.is_success() && resp.status != http::StatusCode::CONFLICT {
                return Err(crate::client::server_error(&resp))
                    .with_context(|| format!("letting {account} use layer {}", l.name));
            }
        }
        let arn = version["LayerVersionArn"].as_str().unwrap_or_default().to_string();
        done.arns.insert(l.key.clone(), arn);
    }
    Ok(done)
}

/// Deletes the versions this deploy's new ones replaced (functions elsewhere that use one
/// keep running it).
pub(crate) async fn delete_replaced(client: &Client, layers: &Layers) -> anyhow::Result<()> {
    for (name, n) in &layers.replaced {
        client.call(Method::DELETE, &format!("/2018-10-31/layers/{}/versions/{n}", segment(name)), vec![]).await?;
    }
    Ok(())
}
