//! The operations: route, decode, authorize, call, encode.

use crate::documents::{self, only};
use crate::errors::{error, validation};
use crate::routes::{query_parameters, route};
use http::StatusCode;
use serde_json::json;
use squall_api::body::json_response;
use squall_api::json_input::Input;
use squall_api::{ApiError, ApiRequest, ApiState};
use squall_runtime::Body;
use squall_scheduler::names::{group_arn, group_of, schedule_arn};

type Reply = Result<http::Response<Body>, ApiError>;

/// Most items a list answers at once.
const MAX_RESULTS: usize = 100;

fn unknown() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "UnknownOperationException", "no such EventBridge Scheduler operation")
}

/// The query's parameters, refusing those the operation does not take.
fn query(req: &ApiRequest, op: &str) -> Result<Vec<(String, String)>, ApiError> {
    let params: Vec<(String, String)> =
        form_urlencoded::parse(req.uri.query().unwrap_or("").as_bytes()).into_owned().collect();
    let known = query_parameters(op);
    match params.iter().find(|(k, _)| !known.contains(&k.as_str())) {
        Some((k, _)) => Err(validation(format!("{op}: the query parameter {k} is not supported by Squall."))),
        None => Ok(params),
    }
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn max_results(params: &[(String, String)]) -> Result<usize, ApiError> {
    match param(params, "MaxResults") {
        None => Ok(MAX_RESULTS),
        Some(n) => n.parse::<usize>().ok().filter(|n| (1..=MAX_RESULTS).contains(n)).ok_or_else(|| {
            validation(format!(
                "1 validation error detected: Value '{n}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and {MAX_RESULTS}"
            ))
        }),
    }
}

/// The ARNs an operation acts on, and the role it passes, for authorization.
fn checks(
    state: &ApiState,
    op: &str,
    label: Option<&str>,
    input: &Input,
    params: &[(String, String)],
) -> Vec<(&'static str, String)> {
    let Some(row) = squall_api::actions::find("scheduler", op) else { return Vec::new() };
    let region = &state.region;
    let name = label.unwrap_or_default();
    let group = || {
        let given = input.str("GroupName").ok().flatten().or_else(|| param(params, "groupName"));
        group_of(given).unwrap_or_default()
    };
    let mut out = match op {
        "CreateSchedule" | "GetSchedule" | "UpdateSchedule" | "DeleteSchedule" => {
            vec![(row.action, schedule_arn(region, &group(), name))]
        }
        // Deleting a group deletes its schedules: that needs scheduler:DeleteSchedule on
        // them too, as on AWS.
        "DeleteScheduleGroup" => {
            vec![(row.action, group_arn(region, name)), ("scheduler:DeleteSchedule", schedule_arn(region, name, "*"))]
        }
        // Tags given at creation need scheduler:TagResource too.
        "CreateScheduleGroup" if input.get("Tags").is_some() => {
            vec![(row.action, group_arn(region, name)), ("scheduler:TagResource", group_arn(region, name))]
        }
        "CreateScheduleGroup" | "GetScheduleGroup" => vec![(row.action, group_arn(region, name))],
        "TagResource" | "UntagResource" | "ListTagsForResource" => vec![(row.action, name.to_string())],
        _ => vec![(row.action, "*".to_string())],
    };
    // Giving a schedule a role passes it on, as on AWS: else whoever may create schedules
    // could act with any role's permissions.
    if matches!(op, "CreateSchedule" | "UpdateSchedule")
        && let Some(role) =
            input.object("Target").ok().flatten().and_then(|t| t.str("RoleArn").ok().flatten().map(str::to_string))
    {
        out.push(("iam:PassRole", role));
    }
    out
}

pub(crate) async fn serve(state: &ApiState, req: &ApiRequest) -> Reply {
    let (op, label) = route(&req.method, req.uri.path()).ok_or_else(unknown)?;
    let params = query(req, op)?;
    let input = Input::parse(&req.body, "ValidationException")?;
    let mut keys = squall_api::request_keys::of_json(input.members());
    // UntagResource names its keys in the query.
    let tag_keys: Vec<String> = params.iter().filter(|(k, _)| k == "TagKeys").map(|(_, v)| v.clone()).collect();
    if !tag_keys.is_empty() {
        keys.set_all("aws:TagKeys", tag_keys);
    }
    keys.set("iam:PassedToService", "scheduler.amazonaws.com");
    squall_api::authorize::authorize_each(state, req.who().with_keys(&keys), "scheduler", op, || {
        checks(state, op, label.as_deref(), &input, &params)
    })?;
    if !matches!(op, "CreateSchedule" | "UpdateSchedule" | "CreateScheduleGroup" | "TagResource")
        && !input.members().is_empty()
    {
        return Err(validation(format!("{op} takes no request body.")));
    }
    let scheduler = &state.scheduler;
    let name = label.as_deref().unwrap_or_default();
    let out = match op {
        "CreateSchedule" => {
            let s = scheduler.create_schedule(documents::new_schedule(name, &input)?).await.map_err(error)?;
            json!({ "ScheduleArn": s.arn })
        }
        "UpdateSchedule" => {
            let s = scheduler.update_schedule(documents::new_schedule(name, &input)?).await.map_err(error)?;
            json!({ "ScheduleArn": s.arn })
        }
        "GetSchedule" => documents::schedule(&scheduler.schedule(param(&params, "groupName"), name).map_err(error)?),
        "DeleteSchedule" => {
            scheduler.delete_schedule(param(&params, "groupName"), name).await.map_err(error)?;
            json!({})
        }
        "ListSchedules" => {
            let page = scheduler
                .list_schedules(
                    param(&params, "ScheduleGroup"),
                    param(&params, "NamePrefix"),
                    documents::state(param(&params, "State"))?,
                    max_results(&params)?,
                    param(&params, "NextToken"),
                )
                .map_err(error)?;
            let mut out = json!({ "Schedules": page.schedules.iter().map(documents::summary).collect::<Vec<_>>() });
            if let Some(t) = page.next {
                out["NextToken"] = json!(t);
            }
            out
        }
        "CreateScheduleGroup" => {
            only(&input, op, &["ClientToken", "Tags"])?;
            let g =
                scheduler.create_group(name, input.tags("Tags")?, input.str("ClientToken")?).await.map_err(error)?;
            json!({ "ScheduleGroupArn": g.arn })
        }
        "GetScheduleGroup" => documents::group(&scheduler.group(name).map_err(error)?),
        "DeleteScheduleGroup" => {
            scheduler.delete_group(name).await.map_err(error)?;
            json!({})
        }
        "ListScheduleGroups" => {
            let (groups, next) = scheduler
                .list_groups(param(&params, "NamePrefix"), max_results(&params)?, param(&params, "NextToken"))
                .map_err(error)?;
            let mut out = json!({ "ScheduleGroups": groups.iter().map(documents::group).collect::<Vec<_>>() });
            if let Some(t) = next {
                out["NextToken"] = json!(t);
            }
            out
        }
        "TagResource" => {
            only(&input, op, &["Tags"])?;
            scheduler.tag(name, input.tags("Tags")?).await.map_err(error)?;
            json!({})
        }
        "UntagResource" => {
            let keys: Vec<String> = params.iter().filter(|(k, _)| k == "TagKeys").map(|(_, v)| v.clone()).collect();
            scheduler.untag(name, &keys).await.map_err(error)?;
            json!({})
        }
        "ListTagsForResource" => json!({ "Tags": documents::tags(&scheduler.tags(name).map_err(error)?) }),
        _ => return Err(unknown()),
    };
    Ok(json_response(StatusCode::OK, &out))
}
