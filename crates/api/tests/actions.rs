//! The table of IAM actions against botocore's service models: every row names an operation
//! botocore knows, once, with an action of its service's IAM prefix, and `find` returns it.
//! botocore comes from the setup script; without python3 and botocore the test fails.

use serde_json::Value;
use squall_api::actions::{ACTIONS, Action, find};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::process::Command;

/// Prints `{"<service>": ["<operation>", …], …}` for the services named as arguments.
const OPERATION_NAMES: &str = "\
import json, sys
import botocore.session
session = botocore.session.get_session()
print(json.dumps({name: session.get_service_model(name).operation_names for name in sys.argv[1:]}))
";

fn describe(row: &Action) -> String {
    format!("{} {} ({} on {:?})", row.service, row.operation, row.action, row.resource)
}

/// botocore's operation names for each service of the table.
fn botocore_operations() -> BTreeMap<String, BTreeSet<String>> {
    let services: BTreeSet<&str> = ACTIONS.iter().map(|a| a.service).collect();
    let out = Command::new("python3").arg("-c").arg(OPERATION_NAMES).args(&services).output().unwrap_or_else(|e| {
        panic!("cannot run python3 ({e}): the table is checked against botocore; run the setup script to install them")
    });
    assert!(
        out.status.success(),
        "python3 could not list botocore's operations ({}): is botocore installed? Run the setup script.\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("python3 printed JSON");
    let doc = doc.as_object().expect("python3 printed an object");
    services
        .iter()
        .map(|s| {
            let ops = doc[*s].as_array().unwrap_or_else(|| panic!("no operations listed for {s}"));
            let ops = ops.iter().map(|o| o.as_str().expect("operation names are strings").to_string()).collect();
            (s.to_string(), ops)
        })
        .collect()
}

#[test]
fn every_operation_is_botocores() {
    let known = botocore_operations();
    let unknown: Vec<String> =
        ACTIONS.iter().filter(|a| !known[a.service].contains(a.operation)).map(describe).collect();
    assert!(unknown.is_empty(), "operations botocore's models do not have:\n  {}", unknown.join("\n  "));
}

#[test]
fn no_operation_twice() {
    let mut seen = HashSet::new();
    let twice: Vec<String> = ACTIONS.iter().filter(|a| !seen.insert((a.service, a.operation))).map(describe).collect();
    assert!(twice.is_empty(), "operations with more than one row:\n  {}", twice.join("\n  "));
}

#[test]
fn actions_have_their_services_prefix() {
    let wrong: Vec<String> = ACTIONS
        .iter()
        .filter(|a| {
            let prefix = match a.service {
                "dynamodbstreams" => "dynamodb",
                "stepfunctions" => "states",
                other => other,
            };
            let name = a.action.strip_prefix(prefix).and_then(|rest| rest.strip_prefix(':'));
            !name.is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphabetic()))
        })
        .map(describe)
        .collect();
    assert!(wrong.is_empty(), "actions not named `<service prefix>:<Name>`:\n  {}", wrong.join("\n  "));
}

#[test]
fn find_returns_each_row() {
    for row in ACTIONS {
        let found = find(row.service, row.operation);
        assert!(found.is_some_and(|f| std::ptr::eq(f, row)), "find does not return the row of {}", describe(row));
    }
    assert!(find("dynamodb", "NoSuchOperation").is_none());
    assert!(find("sqs", "GetItem").is_none());
}
