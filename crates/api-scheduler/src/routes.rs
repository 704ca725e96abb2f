//! Operations by method and path, as botocore's `scheduler` model places them.

use http::Method;
use percent_encoding::percent_decode_str;

/// The operation a request names, and the label of its path (a name or an ARN, decoded).
pub(crate) fn route(method: &Method, path: &str) -> Option<(&'static str, Option<String>)> {
    let label = |rest: &str| {
        let decoded = percent_decode_str(rest).decode_utf8().ok()?.into_owned();
        (!decoded.is_empty()).then_some(decoded)
    };
    if path == "/schedules" {
        return (method == Method::GET).then_some(("ListSchedules", None));
    }
    if path == "/schedule-groups" {
        return (method == Method::GET).then_some(("ListScheduleGroups", None));
    }
    if let Some(rest) = path.strip_prefix("/schedules/") {
        let op = match *method {
            Method::POST => "CreateSchedule",
            Method::GET => "GetSchedule",
            Method::PUT => "UpdateSchedule",
            Method::DELETE => "DeleteSchedule",
            _ => return None,
        };
        return Some((op, Some(label(rest)?)));
    }
    if let Some(rest) = path.strip_prefix("/schedule-groups/") {
        let op = match *method {
            Method::POST => "CreateScheduleGroup",
            Method::GET => "GetScheduleGroup",
            Method::DELETE => "DeleteScheduleGroup",
            _ => return None,
        };
        return Some((op, Some(label(rest)?)));
    }
    if let Some(rest) = path.strip_prefix("/tags/") {
        let op = match *method {
            Method::POST => "TagResource",
            Method::GET => "ListTagsForResource",
            Method::DELETE => "UntagResource",
            _ => return None,
        };
        return Some((op, Some(label(rest)?)));
    }
    None
}

/// The query parameters each operation takes.
pub(crate) fn query_parameters(op: &str) -> &'static [&'static str] {
    match op {
        "GetSchedule" => &["groupName"],
        "DeleteSchedule" => &["groupName", "clientToken"],
        "DeleteScheduleGroup" => &["clientToken"],
        "ListSchedules" => &["ScheduleGroup", "MaxResults", "NamePrefix", "NextToken", "State"],
        "ListScheduleGroups" => &["MaxResults", "NamePrefix", "NextToken"],
        "UntagResource" => &["TagKeys"],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_operations() {
        assert_eq!(route(&Method::POST, "/schedules/nightly"), Some(("CreateSchedule", Some("nightly".into()))));
        assert_eq!(route(&Method::GET, "/schedules"), Some(("ListSchedules", None)));
        assert_eq!(
            route(&Method::GET, "/tags/arn%3Aaws%3Ascheduler%3Aus-east-1%3A000000000000%3Aschedule-group%2Fteam"),
            Some(("ListTagsForResource", Some("arn:aws:scheduler:us-east-1:000000000000:schedule-group/team".into())))
        );
        assert_eq!(route(&Method::PATCH, "/schedules/x"), None);
        assert_eq!(route(&Method::GET, "/schedules/"), None);
        assert_eq!(route(&Method::GET, "/elsewhere"), None);
    }
}
