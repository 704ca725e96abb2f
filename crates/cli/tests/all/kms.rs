//! KMS through boto3 and the aws CLI: every operation and its errors, ciphertexts that
//! decrypt after `kill -9`, and the reset.

use crate::harness::*;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

fn json(out: &std::process::Output) -> Result<serde_json::Value> {
    Ok(serde_json::from_str(&ok(out)?)?)
}

#[test]
fn boto3_drives_kms_and_a_moved_clock_ends_waiting_periods() -> Result {
    let server = Server::start_with(&["--dev"])?;
    server.client_script_with("kms_boto3.py", &["dev"], "all KMS checks passed")
}

/// `aws kms encrypt` of `plaintext` (through a `fileb://` file in `dir`) under `key`: the
/// ciphertext's bytes.
fn encrypt(server: &Server, dir: &std::path::Path, key: &str, plaintext: &[u8]) -> Result<Vec<u8>> {
    let file = dir.join("plaintext");
    std::fs::write(&file, plaintext)?;
    let out = json(&server.aws(&[
        "kms",
        "encrypt",
        "--key-id",
        key,
        "--plaintext",
        &format!("fileb://{}", file.display()),
        "--encryption-context",
        "app=notes",
    ]))?;
    Ok(B64.decode(out["CiphertextBlob"].as_str().unwrap_or_default())?)
}

/// `aws kms decrypt` of `ciphertext` (through a `fileb://` file in `dir`): the plaintext.
fn decrypt(server: &Server, dir: &std::path::Path, ciphertext: &[u8]) -> Result<Vec<u8>> {
    let file = dir.join("ciphertext");
    std::fs::write(&file, ciphertext)?;
    let blob = format!("fileb://{}", file.display());
    let out = json(&server.aws(&["kms", "decrypt", "--ciphertext-blob", &blob, "--encryption-context", "app=notes"]))?;
    Ok(B64.decode(out["Plaintext"].as_str().unwrap_or_default())?)
}

#[test]
fn the_aws_cli_encrypts_under_an_alias_and_ciphertexts_decrypt_after_kill_9() -> Result {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let mut server = Server::start_in(&data)?;
    let created = json(&server.aws(&["kms", "create-key", "--description", "notes"]))?;
    let key_id = created["KeyMetadata"]["KeyId"].as_str().unwrap_or_default().to_string();
    let key_arn = created["KeyMetadata"]["Arn"].as_str().unwrap_or_default().to_string();
    assert_eq!(key_arn, format!("arn:aws:kms:us-east-1:000000000000:key/{key_id}"), "{created}");
    ok(&server.aws(&["kms", "create-alias", "--alias-name", "alias/notes", "--target-key-id", &key_id]))?;
    let aliases = json(&server.aws(&["kms", "list-aliases", "--key-id", &key_id]))?;
    assert_eq!(aliases["Aliases"][0]["AliasName"], "alias/notes", "{aliases}");
    assert_eq!(aliases["Aliases"][0]["TargetKeyId"], key_id.as_str(), "{aliases}");

    let ciphertext = encrypt(&server, tmp.path(), "alias/notes", b"meet at noon")?;
    assert!(!ciphertext.windows(12).any(|w| w == b"meet at noon"));
    assert_eq!(decrypt(&server, tmp.path(), &ciphertext)?, b"meet at noon");
    let err = fails(&server.aws(&["kms", "encrypt", "--key-id", "alias/none", "--plaintext", "aGk="]))?;
    assert!(err.contains("NotFoundException"), "{err}");
    ok(&server.aws(&["kms", "disable-key", "--key-id", &key_id]))?;
    let file = tmp.path().join("ciphertext");
    let err = fails(&server.aws(&[
        "kms",
        "decrypt",
        "--ciphertext-blob",
        &format!("fileb://{}", file.display()),
        "--encryption-context",
        "app=notes",
    ]))?;
    assert!(err.contains("DisabledException"), "{err}");
    ok(&server.aws(&["kms", "enable-key", "--key-id", &key_arn]))?;

    // Acknowledged, then killed: the key, its alias and its state are in the store.
    server.kill9()?;
    let server = Server::start_in(&data)?;
    assert_eq!(decrypt(&server, tmp.path(), &ciphertext)?, b"meet at noon", "an earlier ciphertext decrypts");
    let described = json(&server.aws(&["kms", "describe-key", "--key-id", "alias/notes"]))?;
    assert_eq!(described["KeyMetadata"]["Arn"], key_arn.as_str(), "{described}");
    assert_eq!(described["KeyMetadata"]["KeyState"], "Enabled", "{described}");
    assert_eq!(described["KeyMetadata"]["Description"], "notes", "{described}");
    let again = encrypt(&server, tmp.path(), &key_arn, b"still here")?;
    assert_eq!(decrypt(&server, tmp.path(), &again)?, b"still here");
    Ok(())
}

#[test]
fn reset_deletes_every_key_and_alias() -> Result {
    let server = Server::start_with(&["--dev"])?;
    let created = json(&server.aws(&["kms", "create-key"]))?;
    let key_id = created["KeyMetadata"]["KeyId"].as_str().unwrap_or_default().to_string();
    ok(&server.aws(&["kms", "create-alias", "--alias-name", "alias/temp", "--target-key-id", &key_id]))?;
    ok(&server.squall(&["reset"]))?;
    let keys = json(&server.aws(&["kms", "list-keys"]))?;
    assert_eq!(keys["Keys"].as_array().map(Vec::len), Some(0), "{keys}");
    let aliases = json(&server.aws(&["kms", "list-aliases"]))?;
    assert_eq!(aliases["Aliases"].as_array().map(Vec::len), Some(0), "{aliases}");
    Ok(())
}

/// Runs `attempt` until it succeeds, for at most 15 s (a change made through one server
/// shows on the others within a moment).
fn eventually<T>(what: &str, mut attempt: impl FnMut() -> Result<T>) -> Result<T> {
    let start = std::time::Instant::now();
    loop {
        match attempt() {
            Ok(v) => return Ok(v),
            Err(e) if start.elapsed() > std::time::Duration::from_secs(15) => anyhow::bail!("{what} never held: {e}"),
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(100)),
        }
    }
}

#[test]
fn two_servers_on_one_postgresql_share_keys_aliases_and_states() -> Result {
    let (_pg, url) = crate::postgres::database("kms")?;
    let tmp = tempfile::tempdir()?;
    let a = Server::start_in_with(&tmp.path().join("a"), &["--store", &url])?;
    crate::postgres::share_key(&tmp.path().join("a"), &tmp.path().join("b"))?;
    let b = Server::start_in_with(&tmp.path().join("b"), &["--store", &url])?;

    let created = json(&a.aws(&["kms", "create-key"]))?;
    let key_id = created["KeyMetadata"]["KeyId"].as_str().unwrap_or_default().to_string();
    ok(&a.aws(&["kms", "create-alias", "--alias-name", "alias/shared", "--target-key-id", &key_id]))?;
    // Made through a, used through b: the material is the store's, not the server's.
    let dir_b = tmp.path().join("files-b");
    std::fs::create_dir_all(&dir_b)?;
    let through_b = eventually("b encrypts under a's key", || encrypt(&b, &dir_b, "alias/shared", b"across"))?;
    assert_eq!(decrypt(&a, tmp.path(), &through_b)?, b"across");
    // An alias taken through one is taken on the other: the second create is refused.
    let err = fails(&b.aws(&["kms", "create-alias", "--alias-name", "alias/shared", "--target-key-id", &key_id]))?;
    assert!(err.contains("AlreadyExistsException"), "{err}");
    // Disabled through b, refused through a.
    ok(&b.aws(&["kms", "disable-key", "--key-id", &key_id]))?;
    eventually("a sees the key disabled", || {
        let out = a.aws(&["kms", "encrypt", "--key-id", &key_id, "--plaintext", "aGk="]);
        let err = fails(&out)?;
        anyhow::ensure!(err.contains("DisabledException"), "{err}");
        Ok(())
    })?;
    // S3's AWS managed key asked for through both is one key.
    let on_a = json(&a.aws(&["kms", "describe-key", "--key-id", "alias/aws/s3"]))?;
    let on_b =
        eventually("b finds the managed key", || json(&b.aws(&["kms", "describe-key", "--key-id", "alias/aws/s3"])))?;
    assert_eq!(on_a["KeyMetadata"]["KeyId"], on_b["KeyMetadata"]["KeyId"], "{on_a} {on_b}");
    Ok(())
}
