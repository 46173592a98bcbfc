//! The Lambda entry: turns an API Gateway (v1, v2) or Function URL event
//! into an `ApiRequest`, routes it, and maps results onto the wire.

mod metrics;
mod request;
mod response;
mod router;

pub use request::MAX_BODY_BYTES;
pub use router::Route;

use std::time::Instant;

use lambda_http::{Body, Request, Response};

use crate::domain::ports::{Directory, ReplayStore, Signer};
use crate::error::Error;
use crate::service::{AuthService, StageTimings};
use metrics::RequestMetrics;

/// Who a successful request was about, for the decision log.
#[derive(Debug, Default)]
pub struct Decision {
    pub caller: Option<String>,
    pub target: Option<String>,
    pub token_issued: bool,
}

/// Handles one event. Never fails: every error becomes a contract answer.
pub async fn handle<D, R, S>(service: &AuthService<D, R, S>, event: Request) -> Response<Body>
where
    D: Directory,
    R: ReplayStore,
    S: Signer,
{
    let started = Instant::now();
    let request_id = request::request_id(&event);
    let mut timings = StageTimings::default();
    let parsed = parse_event(&event);
    let route_name = parsed
        .as_ref()
        .map_or("unrouted", |(route, _)| route.name());
    let outcome = match parsed {
        Err(e) => Err(e),
        Ok((route, req)) => router::dispatch(service, route, &req, &mut timings).await,
    };
    let latency_ms = crate::service::elapsed_ms(started);
    let (response, decision, err) = match outcome {
        Ok((response, decision)) => (response, decision, None),
        Err(err) => (response::error(&err), Decision::default(), Some(err)),
    };
    log_decision(
        &request_id,
        route_name,
        &decision,
        err.as_ref(),
        latency_ms,
        &timings,
    );
    metrics::emit(&RequestMetrics {
        route: route_name,
        outcome: outcome_label(err.as_ref()),
        reason: err.as_ref().map_or("none", Error::reason),
        latency_ms,
        timings: &timings,
        token_issued: decision.token_issued,
    });
    response
}

/// The event-to-request path: route (404/405) and the use cases' view of
/// the request (413 for oversized bodies). Pure, so it can be fuzzed.
pub fn parse_event(event: &Request) -> Result<(Route, crate::service::ApiRequest), Error> {
    let route = router::route(event.method().as_str(), &request::path(event))?;
    Ok((route, request::api_request(event)?))
}

fn outcome_label(err: Option<&Error>) -> &'static str {
    match err {
        None => "ok",
        Some(Error::Internal(_)) => "error",
        Some(_) => "rejected",
    }
}

/// One line per decision: ids, route, outcome, reason and stage latencies;
/// never a token, key, nonce or user action value.
fn log_decision(
    request_id: &str,
    route: &str,
    decision: &Decision,
    err: Option<&Error>,
    latency_ms: f64,
    t: &StageTimings,
) {
    let status = err.map_or(200, Error::status);
    let reason = err.map(Error::reason);
    let outcome = outcome_label(err);
    let (caller, target) = (decision.caller.as_deref(), decision.target.as_deref());
    let (store_ms, sign_ms, write_ms) = (t.store_ms, t.sign_ms, t.write_ms);
    match err {
        Some(Error::Internal(detail)) => tracing::error!(
            request_id,
            route,
            outcome,
            status,
            reason,
            detail = detail.as_str(),
            latency_ms,
            store_ms,
            sign_ms,
            write_ms,
            "decision"
        ),
        _ => tracing::info!(
            request_id, route, outcome, status, reason, caller, target, latency_ms, store_ms,
            sign_ms, write_ms, "decision"
        ),
    }
}
