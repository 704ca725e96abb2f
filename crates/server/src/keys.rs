//! The key parameters and secrets are sealed with: 32 random bytes in
//! `<data-dir>/keys/params.key` (directory 0700, file 0600), created on first start and read
//! on every start after. A file of another size is refused, never replaced: every
//! SecureString and secret value is encrypted under the key it holds.

use anyhow::Context;
use squall_params::KEY_LEN;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where the key lives under the data directory.
pub(crate) fn path(data_dir: &Path) -> PathBuf {
    data_dir.join("keys").join("params.key")
}

/// The key, created when missing.
pub(crate) fn load_or_create(data_dir: &Path) -> anyhow::Result<[u8; KEY_LEN]> {
    let path = path(data_dir);
    match std::fs::read(&path) {
        Ok(bytes) => <[u8; KEY_LEN]>::try_from(bytes.as_slice()).map_err(|_| {
            anyhow::anyhow!(
                "{} holds {} bytes, not a {KEY_LEN}-byte key: restore it from a backup (every SecureString parameter and secret is encrypted under it), or move it away to start without the parameters and secrets stored so far",
                path.display(),
                bytes.len()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(&path),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

fn create(path: &Path) -> anyhow::Result<[u8; KEY_LEN]> {
    let dir = path.parent().expect("the key has a directory");
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut key = [0u8; KEY_LEN];
    getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("drawing a key from the operating system: {e}"))?;
    let tmp = dir.join(".params.key.tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(&tmp).with_context(|| format!("writing {}", tmp.display()))?;
    f.write_all(&key)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    std::fs::File::open(dir).and_then(|d| d.sync_all()).with_context(|| format!("syncing {}", dir.display()))?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_created_once_private_and_a_wrong_size_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create(dir.path()).unwrap();
        assert_eq!(load_or_create(dir.path()).unwrap(), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path(dir.path())), 0o600);
            assert_eq!(mode(&dir.path().join("keys")), 0o700);
        }
        std::fs::write(path(dir.path()), b"short").unwrap();
        let e = load_or_create(dir.path()).unwrap_err().to_string();
        assert!(e.contains("holds 5 bytes, not a 32-byte key"), "{e}");
        assert_eq!(std::fs::read(path(dir.path())).unwrap(), b"short", "never replaced");
    }
}
