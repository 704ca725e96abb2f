//! Lambda layers: versions of shared code published once and used by functions, which run
//! them under `/opt`. Kept in the store (not in memory): they are read when a function is
//! created or configured, never per invocation, so every server sees the same ones.

use crate::{Error, Functions, Result};
use squall_storage::{ItemExpect, ItemWrite, TableStore};
use squall_types::{FunctionLayer, LayerVersion, LayerVersionArn, layer_name_problem, layer_version_arn};
use std::collections::BTreeMap;

/// Each layer's versions: partition the layer's name, sort key the number (big-endian).
const VERSIONS: &str = "layer_versions";
/// Each layer's last number given, kept when its versions are deleted (numbers are never
/// reused).
const HEADS: &str = "layer_heads";

/// Most times a publication or a policy change is tried again when another server's
/// change of the same layer came between its read and its write.
const ATTEMPTS: usize = 8;

/// What PublishLayerVersion sets besides the code.
#[derive(Debug, Clone, Default)]
pub struct NewLayerVersion {
    /// Free text (at most 256 characters).
    pub description: String,
    /// Runtimes it suits (at most 15).
    pub compatible_runtimes: Vec<String>,
    /// Architectures it suits (at most 2).
    pub compatible_architectures: Vec<String>,
    /// Its licence (at most 512 characters).
    pub license_info: Option<String>,
}

/// A change of a layer version's policy statements, applied to them as stored (again, if
/// another server's change came between the read and the write).
pub type PolicyChange<'a> = Box<dyn Fn(&mut BTreeMap<String, String>) -> Result<()> + Send + Sync + 'a>;

fn not_found() -> Error {
    Error::NotFound { kind: "LayerVersion", name: String::new() }
}

fn decode(bytes: &[u8]) -> Result<LayerVersion> {
    serde_json::from_slice(bytes).map_err(|e| Error::Runtime(format!("a stored layer version does not parse: {e}")))
}

fn encode(v: &LayerVersion) -> Vec<u8> {
    serde_json::to_vec(v).expect("layer versions serialize")
}

impl Functions {
    fn layers(&self) -> &dyn TableStore {
        self.layers.as_ref()
    }

    /// The region of the ARNs this server gives (its destinations' region, set at start).
    pub(crate) fn region(&self) -> &str {
        self.destinations.get().map_or(squall_types::DEFAULT_REGION, |(_, r)| r.as_str())
    }

    /// Publishes `zip` as the next version of layer `name` (created by its first version).
    pub async fn publish_layer_version(&self, name: &str, new: NewLayerVersion, zip: Vec<u8>) -> Result<LayerVersion> {
        if let Some(problem) = layer_name_problem(name) {
            return Err(Error::InvalidRequest(problem));
        }
        check_new(&new)?;
        let sha = crate::crud::sha256_hex(&zip);
        let size = zip.len() as u64;
        self.artifacts.put(&sha, zip).await?;
        for _ in 0..ATTEMPTS {
            let head = self.layers().get_item(HEADS, name.as_bytes(), b"").await?;
            let last = head.as_deref().and_then(|b| <[u8; 4]>::try_from(b).ok()).map_or(0, u32::from_be_bytes);
            let version = LayerVersion {
                name: name.to_string(),
                version: last + 1,
                description: new.description.clone(),
                created_ms: self.clock.now_ms(),
                compatible_runtimes: new.compatible_runtimes.clone(),
                compatible_architectures: new.compatible_architectures.clone(),
                license_info: new.license_info.clone(),
                code_sha256: sha.clone(),
                code_size: size,
                permissions: BTreeMap::new(),
                revision: 1,
            };
            let writes = vec![
                row(HEADS, name, &[], Some(version.version.to_be_bytes().to_vec())),
                row(VERSIONS, name, &version.version.to_be_bytes(), Some(encode(&version))),
            ];
            let expect =
                vec![ItemExpect { table: HEADS.into(), pk: name.as_bytes().to_vec(), sk: Vec::new(), item: head }];
            match self.layers().write_checked(writes, expect).await {
                Ok(()) => return Ok(version),
                Err(squall_storage::Error::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::Conflict(format!("layer {name} is being published elsewhere; try again")))
    }

    /// Version `version` of layer `name`.
    pub async fn layer_version(&self, name: &str, version: u32) -> Result<LayerVersion> {
        let item = self.layers().get_item(VERSIONS, name.as_bytes(), &version.to_be_bytes()).await?;
        item.as_deref().map(decode).transpose()?.ok_or_else(not_found)
    }

    /// Layer `name`'s versions, newest first.
    pub async fn layer_versions(&self, name: &str) -> Result<Vec<LayerVersion>> {
        let rows = self
            .layers()
            .query(VERSIONS, name.as_bytes(), (std::ops::Bound::Unbounded, std::ops::Bound::Unbounded), false, 10_000)
            .await?;
        rows.iter().map(|r| decode(&r.item)).collect()
    }

    /// Every layer with versions, by name, each with its versions newest first.
    pub async fn all_layers(&self) -> Result<BTreeMap<String, Vec<LayerVersion>>> {
        let mut out: BTreeMap<String, Vec<LayerVersion>> = BTreeMap::new();
        for r in squall_storage::scan_all(self.layers(), VERSIONS).await? {
            let v = decode(&r.item)?;
            out.entry(v.name.clone()).or_default().push(v);
        }
        for versions in out.values_mut() {
            versions.sort_by_key(|v| std::cmp::Reverse(v.version));
        }
        Ok(out)
    }

    /// Deletes a layer version (nothing when it does not exist, as on Lambda). Functions
    /// that use it keep running it: its code stays in the artifact store.
    pub async fn delete_layer_version(&self, name: &str, version: u32) -> Result<()> {
        self.layers().write(vec![row(VERSIONS, name, &version.to_be_bytes(), None)]).await?;
        Ok(())
    }

    /// Changes a layer version's policy statements, if it is still at `if_revision` when
    /// given; the version as written.
    pub async fn change_layer_policy(
        &self,
        name: &str,
        version: u32,
        if_revision: Option<u64>,
        change: PolicyChange<'_>,
    ) -> Result<LayerVersion> {
        for _ in 0..ATTEMPTS {
            let sk = version.to_be_bytes();
            let stored = self.layers().get_item(VERSIONS, name.as_bytes(), &sk).await?.ok_or_else(not_found)?;
            let mut next = decode(&stored)?;
            if if_revision.is_some_and(|r| r != next.revision) {
                return Err(Error::PreconditionFailed(
                    "The Revision Id provided does not match the latest Revision Id. Call the GetLayerVersionPolicy API to retrieve the latest Revision Id".into(),
                ));
            }
            let mut permissions = next.permissions.clone();
            change(&mut permissions)?;
            next.permissions = permissions;
            next.revision += 1;
            let expect = vec![ItemExpect {
                table: VERSIONS.into(),
                pk: name.as_bytes().to_vec(),
                sk: sk.to_vec(),
                item: Some(stored.clone()),
            }];
            match self.layers().write_checked(vec![row(VERSIONS, name, &sk, Some(encode(&next)))], expect).await {
                Ok(()) => return Ok(next),
                Err(squall_storage::Error::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::Conflict(format!(
            "the policy of layer version {name}:{version} is being changed elsewhere; try again"
        )))
    }

    /// The layer versions `arns` name, as a function keeps them: each must be one of this
    /// account's and region's, exist, and be the only version of its layer in the list.
    pub async fn function_layers(&self, arns: &[String]) -> Result<Vec<FunctionLayer>> {
        if arns.len() > squall_types::MAX_FUNCTION_LAYERS {
            return Err(Error::InvalidRequest(format!(
                "Cannot reference more than {} layers.",
                squall_types::MAX_FUNCTION_LAYERS
            )));
        }
        let mut out: Vec<FunctionLayer> = Vec::new();
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        for arn in arns {
            let missing = || Error::InvalidRequest(format!("Layer version {arn} does not exist."));
            let parsed = LayerVersionArn::parse(arn).ok_or_else(|| {
                Error::InvalidRequest(format!(
                    "1 validation error detected: Value '[{arn}]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy regular expression pattern: arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{{12}}:layer:[a-zA-Z0-9-_]+:[0-9]+]"
                ))
            })?;
            if parsed.account != squall_types::ACCOUNT_ID || parsed.region != self.region() {
                // Another account's layer (a public one, say) is not here to run: its code
                // would have to be published to this account first.
                return Err(Error::InvalidRequest(format!(
                    "Layer version {arn} does not exist. Squall has only the layers published to it (account {}, region {}): publish that layer's zip here with `aws lambda publish-layer-version` and use the ARN it answers",
                    squall_types::ACCOUNT_ID,
                    self.region()
                )));
            }
            if let Some(other) = seen.insert(parsed.name.clone(), arn) {
                return Err(Error::InvalidRequest(format!(
                    "Two different versions of the same layer are not allowed to be referenced in the same function. {other} and {arn} are versions of the same layer."
                )));
            }
            let version = match self.layer_version(&parsed.name, parsed.version).await {
                Ok(v) => v,
                Err(Error::NotFound { .. }) => return Err(missing()),
                Err(e) => return Err(e),
            };
            out.push(FunctionLayer {
                arn: layer_version_arn(self.region(), &version.name, version.version),
                code_sha256: version.code_sha256,
                code_size: version.code_size,
            });
        }
        Ok(out)
    }

    /// Deletes every layer version and every layer's numbering (`--dev`'s reset).
    pub(crate) async fn reset_layers(&self) -> Result<()> {
        let mut writes = Vec::new();
        for table in [VERSIONS, HEADS] {
            for r in squall_storage::scan_all(self.layers(), table).await? {
                writes.push(ItemWrite { table: table.into(), pk: r.pk, sk: r.sk, item: None });
            }
        }
        if !writes.is_empty() {
            self.layers().write(writes).await?;
        }
        Ok(())
    }

    /// The zip of a layer version.
    pub async fn layer_code(&self, name: &str, version: u32) -> Result<Vec<u8>> {
        let v = self.layer_version(name, version).await?;
        self.artifacts.get(&v.code_sha256).await?.ok_or_else(|| {
            Error::Runtime(format!("the code of layer {name}:{version} is missing from the artifact store"))
        })
    }
}

fn row(table: &str, name: &str, sk: &[u8], item: Option<Vec<u8>>) -> ItemWrite {
    ItemWrite { table: table.into(), pk: name.as_bytes().to_vec(), sk: sk.to_vec(), item }
}

/// Lambda's limits on what a layer version says of itself.
fn check_new(new: &NewLayerVersion) -> Result<()> {
    let invalid = |m: String| Err(Error::InvalidRequest(m));
    if new.description.chars().count() > 256 {
        return invalid("Description is at most 256 characters".into());
    }
    if new.license_info.as_ref().is_some_and(|l| l.chars().count() > 512) {
        return invalid("LicenseInfo is at most 512 characters".into());
    }
    if new.compatible_runtimes.len() > 15 {
        return invalid(format!(
            "1 validation error detected: Value '{:?}' at 'compatibleRuntimes' failed to satisfy constraint: Member must have length less than or equal to 15",
            new.compatible_runtimes
        ));
    }
    if new.compatible_architectures.len() > 2 {
        return invalid(format!(
            "1 validation error detected: Value '{:?}' at 'compatibleArchitectures' failed to satisfy constraint: Member must have length less than or equal to 2",
            new.compatible_architectures
        ));
    }
    for a in &new.compatible_architectures {
        if a != "x86_64" && a != "arm64" {
            return invalid(format!(
                "1 validation error detected: Value '[{a}]' at 'compatibleArchitectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64]]"
            ));
        }
    }
    Ok(())
}
