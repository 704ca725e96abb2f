//! Function packages: a zip unpacked once per digest into `<work>/code/<sha256>/`, read-only;
//! a function's layers unpacked once per list into `<work>/opt/<digest of the list>/`, each
//! over the ones before it, as Lambda stacks them under `/opt`.

use sha2::Digest as _;
use squall_runtime::{Error, Result};
use squall_types::{FunctionLayer, Runtime};
use std::io::Read;
use std::path::{Component, Path, PathBuf};

pub(crate) fn code_dir(work: &Path, sha256: &str) -> PathBuf {
    work.join("code").join(sha256)
}

/// Where the layers `layers` are unpacked together, if there are any.
pub(crate) fn layers_dir(work: &Path, layers: &[FunctionLayer]) -> Option<PathBuf> {
    if layers.is_empty() {
        return None;
    }
    let list: Vec<&str> = layers.iter().map(|l| l.code_sha256.as_str()).collect();
    Some(work.join("opt").join(hex::encode(sha2::Sha256::digest(list.join(",")))))
}

/// Unpacks `zip` (refusing entries that escape the directory) unless already done.
pub(crate) fn unpack(work: &Path, sha256: &str, zip: &[u8]) -> Result<PathBuf> {
    let dir = code_dir(work, sha256);
    if dir.exists() {
        return Ok(dir);
    }
    build(&dir, |tmp| extract(zip, tmp, "the package", &mut { UNZIPPED_LIMIT }))
}

/// Lambda's limit on what a function's package, and its layers together, unzip to.
const UNZIPPED_LIMIT: u64 = 262_144_000;

/// Unpacks `zips` (layers, in order) into one directory, each over the ones before it,
/// unless already done.
pub(crate) fn unpack_layers(dir: &Path, zips: &[(String, Vec<u8>)]) -> Result<PathBuf> {
    if dir.exists() {
        return Ok(dir.to_path_buf());
    }
    let mut budget = UNZIPPED_LIMIT;
    build(dir, |tmp| zips.iter().try_for_each(|(arn, zip)| extract(zip, tmp, &format!("layer {arn}"), &mut budget)))
}

/// Makes `dir` by `fill`ing a fresh temporary directory beside it and renaming it into place.
fn build(dir: &Path, fill: impl FnOnce(&Path) -> Result<()>) -> Result<PathBuf> {
    let parent = dir.parent().expect("unpacked directories have a parent");
    let base = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    // Unique per call: two unpacks of the same code may race, and must not share a directory.
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = parent.join(format!(".tmp-{base}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|e| Error::Internal(format!("creating {}: {e}", tmp.display())))?;
    if let Err(e) = fill(&tmp) {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    let io = |e: std::io::Error| Error::Internal(format!("unpacking: {e}"));
    match std::fs::rename(&tmp, dir) {
        Ok(()) => Ok(dir.to_path_buf()),
        // Another preparation of the same code won the race; its copy is identical.
        Err(_) if dir.exists() => {
            let _ = std::fs::remove_dir_all(&tmp);
            Ok(dir.to_path_buf())
        }
        Err(e) => Err(io(e)),
    }
}

/// Whether a path under `root` passes through a symbolic link (one a zip made): nothing
/// is written through one, or a zip could write outside its directory.
fn through_link(root: &Path, rel: &Path) -> bool {
    let mut at = root.to_path_buf();
    rel.components().any(|c| {
        at.push(c);
        std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink())
    })
}

/// Writes the entries of `zip` (`what`, for errors) under `tmp`, replacing files already
/// there; symbolic links are made as links (layers' shared libraries are). What it unzips
/// to counts against `budget`.
fn extract(zip: &[u8], tmp: &Path, what: &str, budget: &mut u64) -> Result<()> {
    let invalid = |m: String| Error::InvalidCode(m);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip))
        .map_err(|e| invalid(format!("{what} is not a zip file ({e})")))?;
    let io = |e: std::io::Error| Error::Internal(format!("unpacking: {e}"));
    let mut links = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| invalid(format!("a zip entry is unreadable ({e})")))?;
        let name = entry.name().to_string();
        let rel = Path::new(&name);
        if rel.components().any(|c| !matches!(c, Component::Normal(_) | Component::CurDir)) {
            return Err(invalid(format!("{what}'s entry {name:?} escapes its directory")));
        }
        if through_link(tmp, rel) {
            return Err(invalid(format!("{what}'s entry {name:?} lies under a symbolic link")));
        }
        let out = tmp.join(rel);
        let conflict = || {
            invalid(format!("{what}'s entry {name:?} is a file where another has a directory, or the other way round"))
        };
        if entry.is_dir() {
            if out.is_file() {
                return Err(conflict());
            }
            std::fs::create_dir_all(&out).map_err(io)?;
            continue;
        }
        *budget = budget.checked_sub(entry.size()).ok_or_else(|| {
            invalid(format!("Unzipped size must be smaller than {UNZIPPED_LIMIT} bytes ({what} goes past it)"))
        })?;
        if let Some(parent) = out.parent() {
            if parent.is_file() {
                return Err(conflict());
            }
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let mut bytes = Vec::new();
        // The header's size is the zip's word; what it really unzips to is bounded too.
        let limit = entry.size().saturating_add(1);
        (&mut entry).take(limit).read_to_end(&mut bytes).map_err(|e| invalid(format!("{name}: {e}")))?;
        if bytes.len() as u64 > entry.size() {
            return Err(invalid(format!("{what}'s entry {name:?} unzips to more than its header says")));
        }
        if out.is_dir() {
            return Err(conflict());
        }
        // A later layer's file replaces an earlier one's (which is read-only).
        if std::fs::symlink_metadata(&out).is_ok() {
            std::fs::remove_file(&out).map_err(io)?;
        }
        let mode = entry.unix_mode().unwrap_or(0o644);
        if mode & 0o170000 == 0o120000 {
            // Made after the files, so no entry of this zip is written through it.
            links.push((String::from_utf8_lossy(&bytes).into_owned(), out));
            continue;
        }
        std::fs::write(&out, &bytes).map_err(io)?;
        // Executables keep their execute bits; nothing stays writable.
        set_mode(&out, mode & 0o555 | 0o444).map_err(io)?;
    }
    for (target, at) in links {
        make_link(&target, &at).map_err(io)?;
    }
    Ok(())
}

#[cfg(unix)]
fn make_link(target: &str, at: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, at)
}

#[cfg(not(unix))]
fn make_link(_: &str, _: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> std::io::Result<()> {
    Ok(())
}

/// The interpreter a runtime needs, if any.
pub(crate) fn interpreter(runtime: Runtime) -> Option<&'static str> {
    match runtime {
        Runtime::Python { .. } => Some("python3"),
        Runtime::Node { .. } => Some("node"),
        Runtime::Ruby { .. } => Some("ruby"),
        _ => None,
    }
}

/// The installed interpreter's version (`3.11.7`), asked once per program.
pub(crate) fn installed_version(program: &'static str) -> Option<String> {
    static VERSIONS: std::sync::Mutex<Vec<(&str, Option<String>)>> = std::sync::Mutex::new(Vec::new());
    let mut known = VERSIONS.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, v)) = known.iter().find(|(p, _)| *p == program) {
        return v.clone();
    }
    let out = std::process::Command::new(program).arg("--version").output().ok();
    // `Python 3.11.7`, `v20.20.2`, `ruby 3.1.2p20 (...)`.
    let version = out.and_then(|o| {
        let text = String::from_utf8_lossy(if o.stdout.is_empty() { &o.stderr } else { &o.stdout }).into_owned();
        text.split_whitespace()
            .map(|w| w.trim_start_matches('v'))
            .find(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()))
            .map(|w| w.split(|c: char| !(c.is_ascii_digit() || c == '.')).next().unwrap_or(w).to_string())
    });
    known.push((program, version.clone()));
    version
}

/// A note when `runtime` asks for a version other than the installed interpreter's (a
/// Python or Ruby minor, a Node.js major): the function runs on the installed one.
pub(crate) fn version_note(runtime: Runtime) -> Option<String> {
    let program = interpreter(runtime)?;
    let installed = installed_version(program)?;
    let mut parts = installed.split('.');
    let (major, minor) = (parts.next()?, parts.next().unwrap_or("0"));
    let same = match runtime {
        Runtime::Python { minor: m } => major == "3" && minor == m.to_string(),
        Runtime::Ruby { minor: m } => major == "3" && minor == m.to_string(),
        Runtime::Node { major: m } => major == m.to_string(),
        _ => true,
    };
    let name = match runtime {
        Runtime::Python { .. } => "Python",
        Runtime::Ruby { .. } => "Ruby",
        _ => "Node.js",
    };
    (!same).then(|| format!("{runtime} runs on the installed {name} {installed}"))
}

/// What runs `runtime` here, as Lambda's runtime management names a runtime version: the
/// installed interpreter and its version, or for `provided.*` the host itself.
pub(crate) fn runtime_version(runtime: Runtime) -> Option<String> {
    let name = match runtime {
        Runtime::Python { .. } => "Python",
        Runtime::Node { .. } => "Node.js",
        Runtime::Ruby { .. } => "Ruby",
        _ => return Some(format!("{runtime} on {} {}", std::env::consts::OS, std::env::consts::ARCH)),
    };
    Some(format!("{name} {}", installed_version(interpreter(runtime)?)?))
}

fn on_path(program: &str) -> bool {
    find_on_path(program).is_some()
}

/// Where `program` is on `PATH`, if it is.
pub fn find_on_path(program: &str) -> Option<std::path::PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths).map(|p| p.join(program)).find(|p| p.is_file())
}

/// Checks that `dir` can run as `runtime` with `handler` (a custom runtime's bootstrap may
/// come from its layers, `opt`, as on Lambda); errors say what is missing.
pub(crate) fn check(runtime: Runtime, handler: &str, dir: &Path, opt: Option<&Path>) -> Result<()> {
    let invalid = |m: String| Err(Error::InvalidCode(m));
    if let Some(program) = interpreter(runtime)
        && !on_path(program)
    {
        return invalid(format!("runtime {runtime} needs {program}, which is not installed on this server"));
    }
    match runtime {
        Runtime::Provided { .. } => {
            let Some(bootstrap) = bootstrap(dir, opt) else {
                return invalid(format!(
                    "runtime {runtime} needs an executable named bootstrap at the package root (or at a layer's)"
                ));
            };
            if !is_executable(&bootstrap) {
                return invalid("the package's bootstrap is not executable (chmod +x it before packaging)".into());
            }
        }
        Runtime::Python { .. } => {
            let Some((module, _)) = handler.rsplit_once('.') else {
                return invalid(format!("handler {handler:?} must be module.function"));
            };
            let base = dir.join(module.replace('.', "/"));
            if !base.with_extension("py").is_file() && !base.join("__init__.py").is_file() {
                return invalid(format!("handler {handler:?}: no {module}.py in the package"));
            }
        }
        Runtime::Node { .. } => {
            let Some((file, _)) = handler.rsplit_once('.') else {
                return invalid(format!("handler {handler:?} must be file.export"));
            };
            if !["js", "cjs", "mjs"].iter().any(|ext| dir.join(file).with_extension(ext).is_file()) {
                return invalid(format!("handler {handler:?}: no {file}.js, .cjs or .mjs in the package"));
            }
        }
        Runtime::Ruby { .. } => {
            let Some((file, _)) = handler.split_once('.') else {
                return invalid(format!("handler {handler:?} must be file.method"));
            };
            if !dir.join(file).with_extension("rb").is_file() {
                return invalid(format!("handler {handler:?}: no {file}.rb in the package"));
            }
        }
        Runtime::Go => {
            let binary = dir.join(handler);
            if handler.is_empty() || !binary.is_file() {
                return invalid(format!(
                    "runtime go1.x runs the handler as an executable: no {handler:?} in the package"
                ));
            }
            if !is_executable(&binary) {
                return invalid(format!("the handler {handler} is not executable (chmod +x it before packaging)"));
            }
        }
        Runtime::Wasm => return invalid("wasm functions do not run as processes".into()),
    }
    Ok(())
}

/// A custom runtime's bootstrap: the package's, else its layers' (Lambda looks in
/// `/var/task`, then `/opt`).
pub(crate) fn bootstrap(dir: &Path, opt: Option<&Path>) -> Option<PathBuf> {
    std::iter::once(dir).chain(opt).map(|d| d.join("bootstrap")).find(|b| b.is_file())
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(_: &Path) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_runtime_version_other_than_the_installed_one_gets_a_note() {
        if on_path("python3") {
            let note = version_note(Runtime::Python { minor: 99 }).unwrap();
            assert!(note.starts_with("python3.99 runs on the installed Python 3."), "{note}");
            let installed = installed_version("python3").unwrap();
            let minor: u8 = installed.split('.').nth(1).unwrap().parse().unwrap();
            assert_eq!(version_note(Runtime::Python { minor }), None, "the installed minor needs no note");
        }
        if on_path("node") {
            assert!(
                version_note(Runtime::Node { major: 99 })
                    .unwrap()
                    .starts_with("nodejs99.x runs on the installed Node.js ")
            );
        }
        assert_eq!(version_note(Runtime::Provided { al2: true }), None);
    }

    fn zip(entries: &[(&str, &[u8], u32)]) -> Vec<u8> {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, bytes, mode) in entries {
            z.start_file(*name, zip::write::SimpleFileOptions::default().unix_permissions(*mode)).unwrap();
            z.write_all(bytes).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    #[test]
    fn unpacks_read_only_and_checks_handlers() {
        let work = tempfile::tempdir().unwrap();
        let z = zip(&[("bootstrap", b"#!/bin/sh\n", 0o755), ("app/handler.py", b"def main(e, c): pass\n", 0o644)]);
        let dir = unpack(work.path(), "abc", &z).unwrap();
        assert!(check(Runtime::Provided { al2: false }, "ignored", &dir, None).is_ok());
        assert!(check(Runtime::Python { minor: 12 }, "app.handler.main", &dir, None).is_ok() || !on_path("python3"));
        let err = check(Runtime::Python { minor: 12 }, "nope.main", &dir, None).unwrap_err().to_string();
        assert!(err.contains("no nope.py") || err.contains("not installed"), "{err}");
        let mode = |p: &str| {
            use std::os::unix::fs::PermissionsExt;
            std::fs::metadata(dir.join(p)).unwrap().permissions().mode() & 0o777
        };
        assert_eq!((mode("bootstrap"), mode("app/handler.py")), (0o555, 0o444), "code is read-only");
        // Unpacking again is a no-op.
        assert_eq!(unpack(work.path(), "abc", b"not even a zip").unwrap(), dir);
    }

    #[test]
    fn layers_unpack_in_order_each_over_the_ones_before_and_may_hold_the_bootstrap() {
        let work = tempfile::tempdir().unwrap();
        let layer = |sha: &str| FunctionLayer { arn: format!("arn:{sha}"), code_sha256: sha.into(), code_size: 1 };
        assert_eq!(layers_dir(work.path(), &[]), None);
        let (a, b) = (layer("a"), layer("b"));
        let dir = layers_dir(work.path(), &[a.clone(), b.clone()]).unwrap();
        assert_ne!(Some(&dir), layers_dir(work.path(), &[b, a]).as_ref(), "the order is part of the set");
        let first = zip(&[("python/m.py", b"first", 0o644), ("bootstrap", b"#!/bin/sh\n", 0o755)]);
        let second = zip(&[("python/m.py", b"second", 0o644)]);
        unpack_layers(&dir, &[("a".into(), first), ("b".into(), second)]).unwrap();
        assert_eq!(std::fs::read(dir.join("python/m.py")).unwrap(), b"second");
        let code = unpack(work.path(), "code", &zip(&[("task.txt", b"", 0o644)])).unwrap();
        assert_eq!(bootstrap(&code, Some(&dir)), Some(dir.join("bootstrap")));
        assert!(check(Runtime::Provided { al2: true }, "x", &code, Some(&dir)).is_ok());
        let bad = unpack_layers(&work.path().join("opt").join("bad"), &[("arn:bad".into(), b"junk".to_vec())]);
        assert!(bad.unwrap_err().to_string().contains("layer arn:bad is not a zip"));
    }

    #[test]
    fn symbolic_links_stay_links_and_nothing_is_written_through_one() {
        let work = tempfile::tempdir().unwrap();
        let with_link = |extra: &[(&str, &[u8])]| {
            let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            let opts = zip::write::SimpleFileOptions::default();
            z.start_file("lib/libfoo.so.1", opts).unwrap();
            z.write_all(b"elf").unwrap();
            z.add_symlink("lib/libfoo.so", "libfoo.so.1", opts).unwrap();
            z.add_symlink("escape", "/tmp", opts).unwrap();
            for (name, bytes) in extra {
                z.start_file(*name, opts).unwrap();
                z.write_all(bytes).unwrap();
            }
            z.finish().unwrap().into_inner()
        };
        let dir = unpack_layers(&work.path().join("opt").join("ok"), &[("l1".into(), with_link(&[]))]).unwrap();
        assert!(std::fs::symlink_metadata(dir.join("lib/libfoo.so")).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read(dir.join("lib/libfoo.so")).unwrap(), b"elf");
        // A later layer may not write through an earlier one's link.
        let through = zip(&[("escape/planted", b"x", 0o644)]);
        let err = unpack_layers(
            &work.path().join("opt").join("bad"),
            &[("l1".into(), with_link(&[])), ("l2".into(), through)],
        );
        assert!(err.unwrap_err().to_string().contains("lies under a symbolic link"));
        assert!(!std::path::Path::new("/tmp/planted").exists());
        // A file where another layer has a directory is the zip's fault, not the server's.
        let clash = zip(&[("lib", b"a file", 0o644)]);
        let err = unpack_layers(
            &work.path().join("opt").join("clash"),
            &[("l1".into(), with_link(&[])), ("l2".into(), clash)],
        );
        assert!(matches!(err, Err(Error::InvalidCode(_))), "{err:?}");
    }

    #[test]
    fn refuses_escaping_entries_missing_bootstraps_and_non_zips() {
        let work = tempfile::tempdir().unwrap();
        let evil = zip(&[("../evil", b"x", 0o644)]);
        assert!(unpack(work.path(), "evil", &evil).unwrap_err().to_string().contains("escapes"));
        assert!(!work.path().join("evil").exists());
        assert!(unpack(work.path(), "junk", b"junk").unwrap_err().to_string().contains("not a zip"));
        let dir = unpack(work.path(), "nob", &zip(&[("main.py", b"", 0o644)])).unwrap();
        assert!(check(Runtime::Provided { al2: true }, "x", &dir, None).unwrap_err().to_string().contains("bootstrap"));
        let dir = unpack(work.path(), "noexec", &zip(&[("bootstrap", b"", 0o644)])).unwrap();
        assert!(
            check(Runtime::Provided { al2: true }, "x", &dir, None).unwrap_err().to_string().contains("not executable")
        );
    }
}
