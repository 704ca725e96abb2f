//! TypeScript handlers, bundled with esbuild as serverless-esbuild and
//! serverless-plugin-typescript do: each `file.export` handler whose `file.ts` exists
//! becomes `file.js` in the package.

use anyhow::{Context, anyhow, bail};
use squall_manifest::{Esbuild, Manifest};
use squall_types::Runtime;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The bundles made for one deploy, in a directory that lives as long as this.
pub(crate) struct Bundles {
    _dir: tempfile::TempDir,
    /// Name in the package → bundled file.
    pub(crate) files: BTreeMap<String, PathBuf>,
}

/// esbuild: the service's own `node_modules/.bin/esbuild`, else the one on `PATH`.
fn esbuild(dir: &Path) -> Option<PathBuf> {
    let local = dir.join("node_modules/.bin/esbuild");
    if local.is_file() {
        return Some(local);
    }
    squall_runtime_process::find_on_path("esbuild")
}

/// Bundles every TypeScript handler of the manifest's Node.js functions; `None` when the
/// plugins ask for no bundling or there is no TypeScript handler.
pub(crate) fn bundle(manifest: &Manifest, dir: &Path, options: &Esbuild) -> anyhow::Result<Option<Bundles>> {
    // (entry file without extension, Node.js major) of each TypeScript handler.
    let mut entries: BTreeMap<String, u8> = BTreeMap::new();
    for f in &manifest.functions {
        let Runtime::Node { major } = f.config.runtime else { continue };
        let Some((file, _)) = f.config.handler.rsplit_once('.') else { continue };
        if ["ts", "mts", "cts"].iter().any(|ext| dir.join(format!("{file}.{ext}")).is_file()) {
            entries.insert(file.to_string(), major);
        }
    }
    if entries.is_empty() {
        return Ok(None);
    }
    let Some(esbuild) = esbuild(dir) else {
        bail!(
            "the TypeScript handlers ({}) need esbuild to be bundled: run `npm install --save-dev esbuild` in {}",
            entries.keys().map(|e| format!("{e}.ts")).collect::<Vec<_>>().join(", "),
            dir.display()
        );
    };
    let out = tempfile::tempdir().context("making a directory for the bundles")?;
    let mut files = BTreeMap::new();
    for (file, major) in &entries {
        let source = ["ts", "mts", "cts"]
            .iter()
            .map(|ext| format!("{file}.{ext}"))
            .find(|s| dir.join(s).is_file())
            .expect("found above");
        let name = format!("{file}.js");
        let target = options.target.clone().unwrap_or_else(|| format!("node{major}"));
        let mut cmd = std::process::Command::new(&esbuild);
        cmd.current_dir(dir)
            .arg(&source)
            .args(["--bundle", "--platform=node", "--format=cjs", "--log-level=warning"])
            .arg(format!("--target={target}"))
            .arg(format!("--outfile={}", out.path().join(&name).display()))
            // As serverless-esbuild does: the AWS SDK v3 is the runtime's, not the bundle's.
            .arg("--external:@aws-sdk/*");
        for e in &options.external {
            cmd.arg(format!("--external:{e}"));
        }
        if options.minify {
            cmd.arg("--minify");
        }
        if options.sourcemap {
            cmd.arg("--sourcemap");
        }
        println!("  bundling {source} with esbuild");
        let status = cmd.status().with_context(|| format!("running {}", esbuild.display()))?;
        if !status.success() {
            return Err(anyhow!("esbuild could not bundle {source} ({status}); nothing was deployed"));
        }
        files.insert(name.clone(), out.path().join(&name));
        if options.sourcemap {
            files.insert(format!("{name}.map"), out.path().join(format!("{name}.map")));
        }
    }
    Ok(Some(Bundles { _dir: out, files }))
}
