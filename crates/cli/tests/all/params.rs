//! SSM Parameter Store and Secrets Manager through boto3 and the aws CLI: every operation,
//! durability across `kill -9`, the reset, and values encrypted at rest.

use crate::harness::*;

fn json(out: &std::process::Output) -> Result<serde_json::Value> {
    Ok(serde_json::from_str(&ok(out)?)?)
}

#[test]
fn boto3_drives_parameter_store() -> Result {
    let server = Server::start()?;
    server.client_script("ssm_boto3.py", "all SSM checks passed")?;
    Ok(())
}

#[test]
fn boto3_drives_secrets_manager_and_a_moved_clock_ends_recovery_windows() -> Result {
    let server = Server::start_with(&["--dev"])?;
    server.client_script_with("secretsmanager_boto3.py", &["dev"], "all Secrets Manager checks passed")?;
    Ok(())
}

#[test]
fn the_aws_cli_reads_parameters_by_path_and_secrets_and_reset_empties_both() -> Result {
    let server = Server::start_with(&["--dev"])?;
    for (name, value, kind) in [("/app/url", "db.internal:5432", "String"), ("/app/db/pw", "hunter2", "SecureString")] {
        ok(&server.aws(&["ssm", "put-parameter", "--name", name, "--value", value, "--type", kind]))?;
    }
    let all = json(&server.aws(&["ssm", "get-parameters-by-path", "--path", "/", "--recursive", "--with-decryption"]))?;
    let mut got: Vec<(String, String)> = all["Parameters"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| (p["Name"].as_str().unwrap_or("").into(), p["Value"].as_str().unwrap_or("").into()))
                .collect()
        })
        .unwrap_or_default();
    got.sort();
    assert_eq!(
        got,
        [("/app/db/pw".to_string(), "hunter2".to_string()), ("/app/url".into(), "db.internal:5432".into())],
        "{all}"
    );
    let one_level = json(&server.aws(&["ssm", "get-parameters-by-path", "--path", "/app"]))?;
    assert_eq!(one_level["Parameters"].as_array().map(Vec::len), Some(1), "{one_level}");
    let err = fails(&server.aws(&["ssm", "get-parameter", "--name", "/missing"]))?;
    assert!(err.contains("ParameterNotFound"), "{err}");
    let err = fails(&server.aws(&[
        "ssm",
        "put-parameter",
        "--name",
        "/k",
        "--value",
        "v",
        "--type",
        "SecureString",
        "--key-id",
        "alias/custom",
    ]))?;
    assert!(err.contains("ValidationException") && err.contains("alias/aws/ssm"), "{err}");

    let created =
        json(&server.aws(&["secretsmanager", "create-secret", "--name", "svc/token", "--secret-string", "t0k3n"]))?;
    let arn = created["ARN"].as_str().unwrap_or_default().to_string();
    let value = json(&server.aws(&["secretsmanager", "get-secret-value", "--secret-id", &arn]))?;
    assert_eq!(value["SecretString"], "t0k3n", "{value}");
    let pw = json(&server.aws(&[
        "secretsmanager",
        "get-random-password",
        "--password-length",
        "20",
        "--exclude-punctuation",
    ]))?;
    assert_eq!(pw["RandomPassword"].as_str().map(str::len), Some(20), "{pw}");
    let err = fails(&server.aws(&["secretsmanager", "rotate-secret", "--secret-id", "svc/token"]))?;
    assert!(err.contains("InvalidRequestException") && err.contains("not supported"), "{err}");

    let out = ok(&server.squall(&["reset"]))?;
    assert!(out.contains("reset"), "{out}");
    let described = json(&server.aws(&["ssm", "describe-parameters"]))?;
    assert_eq!(described["Parameters"].as_array().map(Vec::len), Some(0), "{described}");
    let listed = json(&server.aws(&["secretsmanager", "list-secrets", "--include-planned-deletion"]))?;
    assert_eq!(listed["SecretList"].as_array().map(Vec::len), Some(0), "{listed}");
    // The name is free at once: the reset deleted without a recovery window.
    ok(&server.aws(&["secretsmanager", "create-secret", "--name", "svc/token", "--secret-string", "again"]))?;
    Ok(())
}

#[test]
fn acknowledged_parameters_and_secrets_survive_kill_9() -> Result {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let mut server = Server::start_in(&data)?;
    ok(&server.aws(&["ssm", "put-parameter", "--name", "/cfg/mode", "--value", "one", "--type", "String"]))?;
    ok(&server.aws(&["ssm", "put-parameter", "--name", "/cfg/mode", "--value", "two", "--overwrite"]))?;
    ok(&server.aws(&[
        "ssm",
        "label-parameter-version",
        "--name",
        "/cfg/mode",
        "--parameter-version",
        "1",
        "--labels",
        "old",
    ]))?;
    ok(&server.aws(&["ssm", "put-parameter", "--name", "/cfg/key", "--value", "k3y", "--type", "SecureString"]))?;
    let created = json(&server.aws(&["secretsmanager", "create-secret", "--name", "db", "--secret-string", "v1"]))?;
    ok(&server.aws(&["secretsmanager", "put-secret-value", "--secret-id", "db", "--secret-string", "v2"]))?;
    ok(&server.aws(&["secretsmanager", "create-secret", "--name", "doomed", "--secret-string", "x"]))?;
    ok(&server.aws(&["secretsmanager", "delete-secret", "--secret-id", "doomed", "--recovery-window-in-days", "7"]))?;

    server.kill9()?;
    let server = Server::start_in(&data)?;
    let mode = json(&server.aws(&["ssm", "get-parameter", "--name", "/cfg/mode"]))?;
    assert_eq!((&mode["Parameter"]["Value"], &mode["Parameter"]["Version"]), (&"two".into(), &2.into()), "{mode}");
    let old = json(&server.aws(&["ssm", "get-parameter", "--name", "/cfg/mode:old"]))?;
    assert_eq!(old["Parameter"]["Value"], "one", "{old}");
    let key = json(&server.aws(&["ssm", "get-parameter", "--name", "/cfg/key", "--with-decryption"]))?;
    assert_eq!(key["Parameter"]["Value"], "k3y", "{key}");
    let current = json(&server.aws(&["secretsmanager", "get-secret-value", "--secret-id", "db"]))?;
    assert_eq!(current["SecretString"], "v2", "{current}");
    assert_eq!(current["ARN"], created["ARN"], "the ARN, suffix included, is kept");
    let previous = json(&server.aws(&[
        "secretsmanager",
        "get-secret-value",
        "--secret-id",
        "db",
        "--version-stage",
        "AWSPREVIOUS",
    ]))?;
    assert_eq!(previous["SecretString"], "v1", "{previous}");
    let doomed = json(&server.aws(&["secretsmanager", "describe-secret", "--secret-id", "doomed"]))?;
    assert!(doomed.get("DeletedDate").is_some(), "the scheduled deletion is kept: {doomed}");
    Ok(())
}

#[test]
fn secure_values_are_encrypted_on_disk_under_a_private_key() -> Result {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let mut server = Server::start_in(&data)?;
    let plaintexts = ["PLAINTEXT-parameter-7f3a9c", "PLAINTEXT-secret-2b8e41", "PLAINTEXT-binary-5d0c77"];
    ok(&server.aws(&["ssm", "put-parameter", "--name", "/p", "--value", plaintexts[0], "--type", "SecureString"]))?;
    ok(&server.aws(&["secretsmanager", "create-secret", "--name", "s", "--secret-string", plaintexts[1]]))?;
    let file = tmp.path().join("binary");
    std::fs::write(&file, plaintexts[2])?;
    let blob = format!("fileb://{}", file.display());
    ok(&server.aws(&["secretsmanager", "create-secret", "--name", "b", "--secret-binary", &blob]))?;
    server.kill9()?;

    // No file under the data directory (databases, their WAL, logs) holds a plaintext, nor,
    // on PostgreSQL, under the database server's (tables, WAL).
    let pg_dir = tmp.path().join("data-postgres");
    let mut files = vec![data.clone()];
    if crate::harness::on_postgres() {
        files.push(pg_dir.clone());
    }
    let mut scanned = 0;
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path)?.map(|e| e.map(|e| e.path())).collect::<std::io::Result<Vec<_>>>()?);
            continue;
        }
        if !std::fs::symlink_metadata(&path)?.is_file() {
            continue; // PostgreSQL's socket
        }
        let bytes = std::fs::read(&path)?;
        for p in plaintexts {
            assert!(!bytes.windows(p.len()).any(|w| w == p.as_bytes()), "{} holds {p}", path.display());
        }
        scanned += 1;
    }
    let store = if crate::harness::on_postgres() { pg_dir.join("data/base") } else { data.join("params.db") };
    assert!(scanned > 5 && store.exists(), "the stores were scanned");
    let key = data.join("keys/params.key");
    assert_eq!(std::fs::read(&key)?.len(), 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key)?.permissions().mode() & 0o777, 0o600);
    }

    // The values read back after the restart; a key of the wrong size refuses to start.
    let server = Server::start_in(&data)?;
    let v = json(&server.aws(&["ssm", "get-parameter", "--name", "/p", "--with-decryption"]))?;
    assert_eq!(v["Parameter"]["Value"], plaintexts[0]);
    drop(server);
    let good = std::fs::read(&key)?;
    std::fs::write(&key, &good[..16])?;
    let refused = Server::start_in(&data).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(refused.contains("holds 16 bytes, not a 32-byte key"), "{refused}");
    // Another key of the right size does not open what the first one sealed.
    std::fs::write(&key, [7u8; 32])?;
    let refused = Server::start_in(&data).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(refused.contains("does not open"), "{refused}");
    std::fs::write(&key, &good)?;
    Server::start_in(&data)?;
    Ok(())
}
