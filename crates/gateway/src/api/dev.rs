//! What `squall server --dev` adds to the control plane, for test suites: a reset that
//! empties the platform, and moving the platform clock forward. Both are refused without
//! `--dev`.

use http::StatusCode;
use serde_json::json;
use squall_api::body::json_response;
use squall_api::{ApiError, ApiRequest, ApiState};
use squall_runtime::Body;
use std::time::Duration;

type Reply = Result<http::Response<Body>, ApiError>;

fn dev_only(state: &ApiState, what: &str) -> Result<(), ApiError> {
    if state.dev {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        "AccessDeniedException",
        format!("{what} is served only by a server started with `squall server --dev`"),
    ))
}

/// Deletes every function (with its logs), layer, event rule and bus, schedule and schedule group, topic, queue, table,
/// bucket, parameter and secret. Functions go
/// first, so no trigger or delivery runs into what is being deleted.
pub(super) async fn reset(state: &ApiState) -> Reply {
    dev_only(state, "the reset")?;
    state.functions.reset().await?;
    state.events.reset().await.map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ServiceException",
            format!("deleting event rules failed: {e}"),
        )
    })?;
    state.scheduler.reset().await.map_err(|e| {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "ServiceException", format!("deleting schedules failed: {e}"))
    })?;
    state.workflows.reset().await.map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ServiceException",
            format!("deleting state machines failed: {e}"),
        )
    })?;
    let internal = |what: &str, e: &dyn std::fmt::Display| {
        tracing::error!(error = %e, "reset: deleting {what} failed");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "ServiceException", format!("deleting {what} failed: {e}"))
    };
    state.topics.reset().await.map_err(|e| internal("topics", &e))?;
    state.queues.reset().await.map_err(|e| internal("queues", &e))?;
    state.tables.reset().await.map_err(|e| internal("tables", &e))?;
    state.objects.reset().await.map_err(|e| internal("buckets", &e))?;
    state.params.reset().await.map_err(|e| internal("parameters and secrets", &e))?;
    tracing::info!(
        "reset: every function, layer, event rule, topic, queue, table, bucket, parameter and secret deleted"
    );
    Ok(json_response(StatusCode::OK, &json!({ "reset": true })))
}

/// `POST /squall/v1/clock` with `{"advanceSeconds": N}`: moves the platform clock N
/// seconds forward (it never goes back), so what falls due in that time runs now.
pub(super) fn advance_clock(state: &ApiState, req: &ApiRequest) -> Reply {
    dev_only(state, "moving the clock")?;
    let doc: serde_json::Value = serde_json::from_slice(&req.body)
        .map_err(|e| ApiError::bad_content(format!("the body must be {{\"advanceSeconds\": N}}: {e}")))?;
    let seconds = doc
        .get("advanceSeconds")
        .and_then(serde_json::Value::as_f64)
        .filter(|s| s.is_finite() && *s >= 0.0 && *s <= 10.0 * 365.0 * 86_400.0)
        .ok_or_else(|| ApiError::invalid("advanceSeconds must be a number of seconds from 0 to ten years"))?;
    state
        .clock
        .advance(Duration::from_secs_f64(seconds))
        .map_err(|e| ApiError::invalid(format!("the clock cannot be moved: {e}")))?;
    Ok(json_response(StatusCode::OK, &json!({ "nowMs": state.clock.now_ms() })))
}
