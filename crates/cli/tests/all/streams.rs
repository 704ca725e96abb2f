//! Table streams: the Streams API through boto3, and stream events delivered to functions.

use crate::harness::*;

#[test]
fn boto3_reads_table_streams() -> Result {
    let server = Server::start()?;
    let out = server.python(&root().join("tests/clients/dynamodb_streams.py"));
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("all DynamoDB Streams checks passed"), "{stdout}");
    Ok(())
}
