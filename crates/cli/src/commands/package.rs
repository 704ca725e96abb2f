//! What `squall deploy` uploads for each function: a WebAssembly component as it is, or
//! for a Lambda runtime a zip of the service directory chosen by `package.patterns` (one
//! for the service, or one per function with `individually`), a prebuilt
//! `package.artifact`, plus what serverless-python-requirements would install.

use anyhow::{Context, anyhow, bail};
use globset::{GlobBuilder, GlobMatcher};
use sha2::{Digest, Sha256};
use squall_manifest::{FunctionSpec, Manifest};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// One function's code, read and hashed.
pub(crate) struct Package {
    pub(crate) key: String,
    pub(crate) sha256: String,
    pub(crate) bytes: Vec<u8>,
}

/// Lambda's limit on a package's unzipped size.
const UNZIPPED_LIMIT: u64 = 262_144_000;

/// Directories never packaged: VCS, Squall's and the framework's own state, build output,
/// bytecode caches.
const SKIP: &[&str] = &[".git", ".squall", ".serverless", "target", "__pycache__"];

pub(crate) fn package(manifest: &Manifest, dir: &Path, file: &str) -> anyhow::Result<Vec<Package>> {
    let mut out = Vec::new();
    // Zips already made, by what went into them, so functions packaged alike share one.
    let mut made: HashMap<(Vec<String>, bool), (String, Vec<u8>)> = HashMap::new();
    let files = list_files(dir).with_context(|| format!("listing {}", dir.display()))?;
    let wsgi = match &manifest.plugins.wsgi_app {
        Some(app) => Some(wsgi_files(app)?),
        None => None,
    };
    let bundles = match &manifest.plugins.typescript {
        Some(options) => super::bundle::bundle(manifest, dir, options)?,
        None => None,
    };
    for f in &manifest.functions {
        let at = |key: &str| {
            let line = manifest.locate(&["functions", &f.key, key]).map(|l| format!(":{l}")).unwrap_or_default();
            format!("{file}{line}: functions.{}.{key}", f.key)
        };
        if !f.config.runtime.is_process() {
            out.push(component(dir, f, &at("handler"))?);
            continue;
        }
        let own = f.package.as_ref();
        if let Some(artifact) = own.and_then(|p| p.artifact.as_ref()).or(manifest.package.artifact.as_ref()) {
            let bytes = std::fs::read(dir.join(artifact))
                .map_err(|e| anyhow!("{}: cannot read the artifact {artifact}: {e}", at("package")))?;
            check_unzipped(&bytes, &f.key).with_context(|| format!("the artifact {artifact}"))?;
            out.push(Package { key: f.key.clone(), sha256: hex::encode(Sha256::digest(&bytes)), bytes });
            continue;
        }
        let individually = manifest.package.individually || own.is_some_and(|p| p.individually);
        let mut patterns = manifest.package.patterns.clone();
        if individually {
            patterns.extend(own.map(|p| p.patterns.clone()).unwrap_or_default());
        }
        let python = manifest.plugins.python_requirements.is_some() && f.config.runtime.is_python();
        let python = python || (wsgi.is_some() && f.config.runtime.is_python());
        let (sha256, bytes) = match made.get(&(patterns.clone(), python)) {
            Some(z) => z.clone(),
            None => {
                let mut chosen: BTreeMap<String, PathBuf> =
                    select(&files, &patterns)?.into_iter().map(|rel| (rel.clone(), dir.join(&rel))).collect();
                // Bundled handlers replace their sources' output; the sources stay out.
                if let Some(b) = &bundles {
                    chosen.retain(|rel, _| !(rel.ends_with(".ts") || rel.ends_with(".mts") || rel.ends_with(".cts")));
                    chosen.extend(b.files.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
                if let Some((_, generated)) = wsgi.as_ref().filter(|_| f.config.runtime.is_python()) {
                    chosen.extend(generated.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
                if python && let Some(req) = &manifest.plugins.python_requirements {
                    // The service's own files win over an installed package's.
                    for (rel, path) in requirements(dir, req)? {
                        chosen.entry(rel).or_insert(path);
                    }
                }
                let bytes = zip_files(&chosen).context("zipping the package")?;
                let z = (hex::encode(Sha256::digest(&bytes)), bytes);
                made.insert((patterns, python), z.clone());
                z
            }
        };
        check_unzipped(&bytes, &f.key)?;
        out.push(Package { key: f.key.clone(), sha256, bytes });
    }
    Ok(out)
}

/// The adapter serverless-wsgi would add: Squall's `wsgi_handler.py` and the
/// `.serverless-wsgi` file naming the app, written to a directory that lives as long as
/// the returned handle.
fn wsgi_files(app: &str) -> anyhow::Result<(tempfile::TempDir, BTreeMap<String, PathBuf>)> {
    let dir = tempfile::tempdir().context("making a directory for the WSGI adapter")?;
    let handler = dir.path().join("wsgi_handler.py");
    std::fs::write(&handler, include_str!("shipped/wsgi_handler.py"))?;
    let config = dir.path().join(".serverless-wsgi");
    std::fs::write(&config, serde_json::json!({ "app": app }).to_string())?;
    let files = BTreeMap::from([("wsgi_handler.py".to_string(), handler), (".serverless-wsgi".to_string(), config)]);
    Ok((dir, files))
}

/// A WebAssembly function's component.
fn component(dir: &Path, f: &FunctionSpec, at: &str) -> anyhow::Result<Package> {
    let path = dir.join(&f.config.handler);
    let bytes = std::fs::read(&path).map_err(|e| anyhow!("{at}: cannot read {}: {e}", path.display()))?;
    if !bytes.starts_with(b"\0asm") {
        bail!("{at}: {} is not a WebAssembly file", f.config.handler);
    }
    if bytes.get(4..8) == Some(&[1, 0, 0, 0]) {
        bail!("{at}: {} is a core WebAssembly module, not a component (build for wasm32-wasip2)", f.config.handler);
    }
    Ok(Package { key: f.key.clone(), sha256: hex::encode(Sha256::digest(&bytes)), bytes })
}

/// Refuses a zip whose files add up to more than Lambda takes.
fn check_unzipped(bytes: &[u8], key: &str) -> anyhow::Result<()> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).context("reading the zip")?;
    let mut total = 0u64;
    for i in 0..zip.len() {
        total += zip.by_index_raw(i)?.size();
    }
    if total > UNZIPPED_LIMIT {
        bail!(
            "the package of function {key} is {} MB unzipped; Lambda takes at most 250 MB (narrow package.patterns)",
            total / 1_000_000
        );
    }
    Ok(())
}

/// Every file under `dir`, relative, `/`-separated, sorted; skipping [`SKIP`].
pub(super) fn list_files(dir: &Path) -> std::io::Result<Vec<String>> {
    fn walk(root: &Path, rel: &Path, files: &mut Vec<String>) -> std::io::Result<()> {
        let mut entries: Vec<_> = std::fs::read_dir(root.join(rel))?.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = e.file_name();
            let path = rel.join(&name);
            let kind = e.file_type()?;
            if kind.is_dir() {
                if !SKIP.iter().any(|s| name == *s) {
                    walk(root, &path, files)?;
                }
            } else if kind.is_file() {
                files.push(path.to_string_lossy().replace('\\', "/"));
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    walk(dir, Path::new(""), &mut files)?;
    Ok(files)
}

/// The framework's pattern semantics: start from every file, then apply each pattern in
/// order (`glob` adds what it matches, `!glob` removes it).
pub(super) fn select(files: &[String], patterns: &[String]) -> anyhow::Result<Vec<String>> {
    let compiled: Vec<(bool, GlobMatcher)> = patterns
        .iter()
        .map(|p| {
            let (keep, glob) = match p.strip_prefix('!') {
                Some(g) => (false, g),
                None => (true, p.as_str()),
            };
            let glob = glob.trim_start_matches("./");
            let m = GlobBuilder::new(glob)
                .literal_separator(true)
                .build()
                .map_err(|e| anyhow!("package pattern {p:?}: {e}"))?
                .compile_matcher();
            Ok((keep, m))
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(files
        .iter()
        .filter(|f| compiled.iter().fold(true, |chosen, (keep, m)| if m.is_match(f.as_str()) { *keep } else { chosen }))
        .cloned()
        .collect())
}

/// What serverless-python-requirements would put in the package: `requirements` installed
/// with pip into a directory cached by the file's hash (and the interpreter's version), so
/// an unchanged file is not installed again.
fn requirements(dir: &Path, file: &str) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let path = dir.join(file);
    let Ok(text) = std::fs::read(&path) else {
        // As the plugin does: no requirements file, nothing to install.
        return Ok(vec![]);
    };
    let version = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let digest = hex::encode(Sha256::digest([text.as_slice(), version.as_bytes()].concat()));
    let cache = pip_cache()?.join(&digest[..32]);
    if !cache.is_dir() {
        let partial = cache.with_extension(format!("partial-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&partial);
        println!("  installing {file} with pip (cached by its hash)");
        let status = std::process::Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile", "-r"])
            .arg(&path)
            .arg("--target")
            .arg(&partial)
            // Paths in the file are relative to the service, as the plugin runs pip there.
            .current_dir(dir)
            .status()
            .context("running python3 -m pip")?;
        if !status.success() {
            let _ = std::fs::remove_dir_all(&partial);
            bail!("pip could not install {file} ({status}); nothing was deployed");
        }
        std::fs::rename(&partial, &cache).context("keeping the installed requirements")?;
    }
    let files = list_files(&cache)?;
    Ok(files.into_iter().map(|rel| (rel.clone(), cache.join(rel))).collect())
}

/// Where installed requirements are kept: `$XDG_CACHE_HOME/squall/pip`, else
/// `~/.cache/squall/pip`.
fn pip_cache() -> anyhow::Result<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .ok_or_else(|| anyhow!("neither XDG_CACHE_HOME nor HOME is set: nowhere to cache requirements"))?;
    let dir = base.join("squall").join("pip");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// A zip of `files` (name in the zip → file), the same bytes for the same files (sorted
/// entries, fixed timestamps), so an unchanged package is not uploaded again. File modes
/// are kept (`bootstrap` stays executable).
pub(super) fn zip_files(files: &BTreeMap<String, PathBuf>) -> anyhow::Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, full) in files {
        #[cfg(unix)]
        let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(full)?.permissions()) & 0o777;
        #[cfg(not(unix))]
        let mode = 0o644;
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(mode);
        zip.start_file(name.as_str(), options)?;
        std::io::Write::write_all(&mut zip, &std::fs::read(full)?)?;
    }
    Ok(zip.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn patterns_apply_in_order_as_the_framework_does() {
        let all = files(&["handler.py", "lib/a.py", "lib/b.txt", "tests/t.py", "node_modules/x/i.js", "README.md"]);
        let pick = |p: &[&str]| select(&all, &files(p)).unwrap();
        assert_eq!(pick(&[]), all, "everything by default");
        assert_eq!(
            pick(&["!tests/**", "!README.md"]),
            files(&["handler.py", "lib/a.py", "lib/b.txt", "node_modules/x/i.js"])
        );
        assert_eq!(pick(&["!**", "handler.py", "lib/**"]), files(&["handler.py", "lib/a.py", "lib/b.txt"]));
        assert_eq!(pick(&["!**", "lib/**", "!lib/*.txt"]), files(&["lib/a.py"]));
        assert_eq!(pick(&["!./**", "./handler.py"]), files(&["handler.py"]), "a leading ./ is the directory itself");
        assert_eq!(
            pick(&["!*.py"]),
            files(&["lib/a.py", "lib/b.txt", "tests/t.py", "node_modules/x/i.js", "README.md"]),
            "* stays in its directory"
        );
        assert!(select(&all, &files(&["lib/[a"])).is_err());
    }

    #[test]
    fn packages_over_lambdas_unzipped_limit_are_refused() {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("zeros", options).unwrap();
        let chunk = vec![0u8; 1 << 20];
        for _ in 0..251 {
            std::io::Write::write_all(&mut zip, &chunk).unwrap();
        }
        let bytes = zip.finish().unwrap().into_inner();
        let err = check_unzipped(&bytes, "big").unwrap_err().to_string();
        assert!(err.contains("function big is 263 MB unzipped; Lambda takes at most 250 MB"), "{err}");
    }
}
