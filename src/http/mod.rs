//! The Lambda entry: turns an API Gateway (v1, v2) or Function URL event
//! into an `ApiRequest`, routes it, and maps results onto the wire.

mod request;
mod response;
mod router;

pub use request::MAX_BODY_BYTES;

use std::time::Instant;

use lambda_http::{Body, Request, Response};

use crate::domain::ports::{Directory, ReplayStore, Signer};
use crate::error::Error;
use crate::service::AuthService;
use router::Route;

/// Handles one event. Never fails: every error becomes a contract answer.
pub async fn handle<D, R, S>(service: &AuthService<D, R, S>, event: Request) -> Response<Body>
where
    D: Directory,
    R: ReplayStore,
    S: Signer,
{
    let started = Instant::now();
    let request_id = request::request_id(&event);
    let route = router::route(event.method().as_str(), &request::path(&event));
    let route_name = route.as_ref().map_or("unrouted", Route::name);

    let outcome = match route {
        Err(e) => Err(e),
        Ok(route) => match request::api_request(&event) {
            Err(e) => Err(e),
            Ok(req) => router::dispatch(service, route, &req).await,
        },
    };
    let millis = started.elapsed().as_millis() as u64;
    match outcome {
        Ok((resp, decision)) => {
            tracing::info!(
                request_id,
                route = route_name,
                outcome = "ok",
                status = 200,
                caller = decision.caller.as_deref(),
                target = decision.target.as_deref(),
                latency_ms = millis,
                "decision"
            );
            resp
        }
        Err(err) => {
            log_rejection(&request_id, route_name, &err, millis);
            response::error(&err)
        }
    }
}

fn log_rejection(request_id: &str, route: &str, err: &Error, millis: u64) {
    match err {
        Error::Internal(detail) => tracing::error!(
            request_id,
            route,
            outcome = "error",
            status = 500,
            reason = err.reason(),
            detail = detail.as_str(),
            latency_ms = millis,
            "decision"
        ),
        _ => tracing::info!(
            request_id,
            route,
            outcome = "rejected",
            status = err.status(),
            reason = err.reason(),
            latency_ms = millis,
            "decision"
        ),
    }
}

/// Who a successful request was about, for the decision log.
#[derive(Debug, Default)]
pub struct Decision {
    pub caller: Option<String>,
    pub target: Option<String>,
}
