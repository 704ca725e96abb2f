//! What each DynamoDB and DynamoDB Streams operation is authorized on: the tables, indexes
//! and streams its input names, with the action AWS checks for each (a transaction's items
//! each as their own kind of write), and DynamoDB's condition keys: `dynamodb:Select`,
//! `dynamodb:ReturnValues`, `dynamodb:ReturnConsumedCapacity`, the tags a request sets, and
//! `dynamodb:LeadingKeys` (the partition key values it touches, table by table; read only
//! when a policy of the caller's tests it).

use serde_json::{Map, Value};
use squall_api::authorize::{authorize, authorize_each};
use squall_api::{ApiError, ApiRequest, ApiState};
use std::collections::BTreeMap;

fn table_arn(state: &ApiState, table: &str) -> String {
    format!("arn:aws:dynamodb:{}:{}:table/{table}", state.region, squall_types::ACCOUNT_ID)
}

fn str_field<'a>(v: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    v.get(name).and_then(Value::as_str)
}

fn list(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array).map_or(&[][..], Vec::as_slice)
}

/// Authorizes DynamoDB `op` with `input` for `req`'s caller.
pub(crate) fn authorize_request(
    state: &ApiState,
    req: &ApiRequest,
    op: &str,
    input: &Map<String, Value>,
) -> Result<(), ApiError> {
    let mut keys = squall_api::request_keys::of_json(input);
    for (param, key) in [
        ("Select", "dynamodb:Select"),
        ("ReturnValues", "dynamodb:ReturnValues"),
        ("ReturnConsumedCapacity", "dynamodb:ReturnConsumedCapacity"),
    ] {
        if let Some(v) = str_field(input, param) {
            keys.set(key, v);
        }
    }
    let caller = req.who();
    if caller.tests_key("dynamodb:leadingkeys")
        && let Some(groups) = leading_keys(state, op, input)
    {
        // Each table with the partition key values the request touches in it.
        for (table, (checks, values)) in groups {
            let mut keys = keys.clone();
            keys.set_all("dynamodb:LeadingKeys", values);
            let checks =
                checks.into_iter().map(|(action, resource)| (action, resource.unwrap_or(table_arn(state, &table))));
            authorize_each(state, caller.with_keys(&keys), "dynamodb", op, || checks.collect())?;
        }
        return Ok(());
    }
    let caller = caller.with_keys(&keys);
    match op {
        "TransactWriteItems" => authorize_each(state, caller, "dynamodb", op, || {
            list(input.get("TransactItems"))
                .iter()
                .filter_map(Value::as_object)
                .flat_map(|item| item.iter())
                .filter_map(|(kind, body)| {
                    Some((transact_action(kind), table_arn(state, str_field(body.as_object()?, "TableName")?)))
                })
                .collect()
        }),
        _ => authorize(state, caller, "dynamodb", op, || resources(state, op, input)),
    }
}

fn transact_action(kind: &str) -> &'static str {
    match kind {
        "Put" => "dynamodb:PutItem",
        "Update" => "dynamodb:UpdateItem",
        "Delete" => "dynamodb:DeleteItem",
        "Get" => "dynamodb:GetItem",
        _ => "dynamodb:ConditionCheckItem",
    }
}

fn resources(state: &ApiState, op: &str, input: &Map<String, Value>) -> Vec<String> {
    match op {
        "BatchGetItem" | "BatchWriteItem" => input
            .get("RequestItems")
            .and_then(Value::as_object)
            .map(|m| m.keys().map(|t| table_arn(state, t)).collect())
            .unwrap_or_default(),
        "TransactGetItems" => list(input.get("TransactItems"))
            .iter()
            .filter_map(|i| str_field(i.get("Get")?.as_object()?, "TableName"))
            .map(|t| table_arn(state, t))
            .collect(),
        "TagResource" | "UntagResource" | "ListTagsOfResource" => {
            str_field(input, "ResourceArn").map(str::to_string).into_iter().collect()
        }
        "Query" | "Scan" => {
            let Some(table) = str_field(input, "TableName") else { return Vec::new() };
            match str_field(input, "IndexName") {
                Some(index) => vec![format!("{}/index/{index}", table_arn(state, table))],
                None => vec![table_arn(state, table)],
            }
        }
        _ => str_field(input, "TableName").map(|t| table_arn(state, t)).into_iter().collect(),
    }
}

/// Per table: its checks (an action, and the resource when not the table itself) and the
/// partition key values touched. `None` for an operation on no items' keys (Scan, the
/// table operations), authorized without the key, as on DynamoDB.
type Groups = BTreeMap<String, (Vec<(&'static str, Option<String>)>, Vec<String>)>;

fn leading_keys(state: &ApiState, op: &str, input: &Map<String, Value>) -> Option<Groups> {
    let mut groups = Groups::new();
    let mut add = |table: &str, action: &'static str, resource: Option<String>, key: Option<&Value>| {
        let entry = groups.entry(table.to_string()).or_default();
        if !entry.0.iter().any(|(a, r)| *a == action && *r == resource) {
            entry.0.push((action, resource));
        }
        let value = state.tables.partition_key(table, None).ok().and_then(|pk| scalar(key?.get(&pk)?));
        entry.1.extend(value);
    };
    let table = str_field(input, "TableName");
    match op {
        "GetItem" | "DeleteItem" | "UpdateItem" => add(table?, action_of(op), None, input.get("Key")),
        "PutItem" => add(table?, "dynamodb:PutItem", None, input.get("Item")),
        "Query" => {
            let table = table?;
            let index = str_field(input, "IndexName");
            let resource = index.map(|i| format!("{}/index/{i}", table_arn(state, table)));
            let value = str_field(input, "KeyConditionExpression").and_then(|kc| {
                let placeholders = crate::dynamodb::placeholders(input).ok()?;
                state.tables.query_partition(table, index, kc, &placeholders).ok()
            });
            let entry = groups.entry(table.to_string()).or_default();
            entry.0.push(("dynamodb:Query", resource));
            entry.1.extend(value.as_ref().and_then(|v| scalar(&v.to_json())));
        }
        "BatchGetItem" => {
            for (t, body) in input.get("RequestItems")?.as_object()? {
                let keys = list(body.get("Keys"));
                if keys.is_empty() {
                    add(t, "dynamodb:BatchGetItem", None, None);
                }
                for key in keys {
                    add(t, "dynamodb:BatchGetItem", None, Some(key));
                }
            }
        }
        "BatchWriteItem" => {
            for (t, writes) in input.get("RequestItems")?.as_object()? {
                for w in list(Some(writes)) {
                    let key = w.pointer("/PutRequest/Item").or_else(|| w.pointer("/DeleteRequest/Key"));
                    add(t, "dynamodb:BatchWriteItem", None, key);
                }
            }
        }
        "TransactGetItems" | "TransactWriteItems" => {
            for item in list(input.get("TransactItems")).iter().filter_map(Value::as_object) {
                for (kind, body) in item {
                    let Some(body) = body.as_object() else { continue };
                    let Some(t) = str_field(body, "TableName") else { continue };
                    let action = if op == "TransactGetItems" { "dynamodb:GetItem" } else { transact_action(kind) };
                    add(t, action, None, body.get("Key").or_else(|| body.get("Item")));
                }
            }
        }
        _ => return None,
    }
    Some(groups)
}

fn action_of(op: &str) -> &'static str {
    match op {
        "GetItem" => "dynamodb:GetItem",
        "DeleteItem" => "dynamodb:DeleteItem",
        _ => "dynamodb:UpdateItem",
    }
}

/// A key attribute's value as the condition key holds it (`{"S": "a"}` is `a`).
fn scalar(v: &Value) -> Option<String> {
    let (kind, value) = v.as_object()?.iter().next()?;
    matches!(kind.as_str(), "S" | "N" | "B").then(|| value.as_str().map(str::to_string)).flatten()
}
