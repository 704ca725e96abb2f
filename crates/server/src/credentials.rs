//! The installation's access key: created once, kept in the metadata store (the source of
//! truth, shared by every node), and written to `<data-dir>/credentials` for the CLI and
//! the `aws` CLI.

use anyhow::Context;
use squall_auth::Credentials;
use squall_storage::MetaStore;
use std::io::Write;
use std::path::{Path, PathBuf};

const SETTING: &str = "access_key";

/// The stored key, creating it on first start; `true` when created now.
pub(crate) async fn load_or_create(meta: &dyn MetaStore) -> anyhow::Result<(Credentials, bool)> {
    let fresh = Credentials::generate();
    let value = format!("{}:{}", fresh.access_key_id, fresh.secret_access_key);
    let stored = meta.init_setting(SETTING, &value).await.context("storing the access key")?;
    let (id, secret) = stored.split_once(':').context("the stored access key is corrupt")?;
    let creds = Credentials { access_key_id: id.to_string(), secret_access_key: secret.to_string() };
    let created = creds == fresh;
    Ok((creds, created))
}

/// Writes the shared-credentials file (profile `squall`, mode 0600) if it is not already
/// exactly that.
pub(crate) fn write_file(data_dir: &Path, creds: &Credentials) -> anyhow::Result<PathBuf> {
    let path = data_dir.join("credentials");
    let text = creds.to_ini("squall");
    if std::fs::read_to_string(&path).is_ok_and(|t| t == text) {
        return Ok(path);
    }
    let tmp = data_dir.join(".credentials.tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(&tmp).with_context(|| format!("writing {}", tmp.display()))?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use squall_storage_embedded::EmbeddedStores;

    #[tokio::test]
    async fn the_key_is_created_once_and_written_private() {
        let dir = tempfile::tempdir().unwrap();
        let stores = EmbeddedStores::open(dir.path()).unwrap();
        let (first, created) = load_or_create(stores.meta.as_ref()).await.unwrap();
        assert!(created);
        let (again, created) = load_or_create(stores.meta.as_ref()).await.unwrap();
        assert!(!created);
        assert_eq!(first, again);

        let path = write_file(dir.path(), &first).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(Credentials::from_ini(&text, "squall"), Some(first));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}
