//! What each DynamoDB and DynamoDB Streams operation is authorized on: the tables, indexes
//! and streams its input names, with the action AWS checks for each (a transaction's items
//! each as their own kind of write).

use serde_json::{Map, Value};
use squall_api::{ApiError, ApiRequest, ApiState};

fn table_arn(state: &ApiState, table: &str) -> String {
    format!("arn:aws:dynamodb:{}:{}:table/{table}", state.region, squall_types::ACCOUNT_ID)
}

fn str_field<'a>(v: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    v.get(name).and_then(Value::as_str)
}

/// Authorizes DynamoDB `op` with `input` for `req`'s caller.
pub(crate) fn authorize(
    state: &ApiState,
    req: &ApiRequest,
    op: &str,
    input: &Map<String, Value>,
) -> Result<(), ApiError> {
    match op {
        "TransactWriteItems" => req.authorize_each(state, "dynamodb", op, || {
            let items = input.get("TransactItems").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
            items
                .iter()
                .filter_map(Value::as_object)
                .flat_map(|item| item.iter())
                .filter_map(|(kind, body)| {
                    let action = match kind.as_str() {
                        "Put" => "dynamodb:PutItem",
                        "Update" => "dynamodb:UpdateItem",
                        "Delete" => "dynamodb:DeleteItem",
                        _ => "dynamodb:ConditionCheckItem",
                    };
                    Some((action, table_arn(state, str_field(body.as_object()?, "TableName")?)))
                })
                .collect()
        }),
        _ => req.authorize(state, "dynamodb", op, || resources(state, op, input)),
    }
}

fn resources(state: &ApiState, op: &str, input: &Map<String, Value>) -> Vec<String> {
    match op {
        "BatchGetItem" | "BatchWriteItem" => input
            .get("RequestItems")
            .and_then(Value::as_object)
            .map(|m| m.keys().map(|t| table_arn(state, t)).collect())
            .unwrap_or_default(),
        "TransactGetItems" => input
            .get("TransactItems")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice)
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
