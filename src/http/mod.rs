//! The Lambda entry: turns an API Gateway (v1, v2) or Function URL event
//! into an `ApiRequest`, routes it, and maps results onto the wire.

mod audit;
mod metrics;
mod request;
mod response;
mod router;

pub use request::MAX_BODY_BYTES;
pub use router::Route;

use std::time::Instant;

use lambda_http::{Body, Request, Response};

use crate::domain::ports::{DirectoryStore, ReplayStore, Signer};
use crate::domain::registration::RegistrationStore;
use crate::error::Error;
use crate::service::{ApiRequest, AuthService, Decision};
use metrics::RequestMetrics;

/// Handles one event. Never fails: every error becomes a contract answer.
pub async fn handle<D, R, S>(service: &AuthService<D, R, S>, event: Request) -> Response<Body>
where
    D: DirectoryStore,
    R: ReplayStore + RegistrationStore,
    S: Signer,
{
    let started = Instant::now();
    let request_id = request::request_id(&event);
    let mut decision = Decision {
        request_id: Some(request_id.clone()),
        ..Decision::default()
    };
    let parsed = parse_event(&event);
    let route_name = parsed
        .as_ref()
        .map_or("unrouted", |(route, _)| route.name());
    let issues_logins = parsed
        .as_ref()
        .is_ok_and(|(route, _)| route.issues_login_tokens());
    let (outcome, client, audited) = match parsed {
        Err(e) => (Err(e), Client::default(), None),
        Ok((route, req)) => {
            let outcome = router::dispatch(service, route, &req, &mut decision).await;
            let client = Client::of(&req);
            (
                outcome,
                client,
                audit::event_of(route).map(|event| (event, req)),
            )
        }
    };
    let latency_ms = crate::service::elapsed_ms(started);
    let (response, err) = match outcome {
        Ok(response) => (response, None),
        Err(err) => (response::error(&err), Some(err)),
    };
    // After the answer is decided: a refused login's record, or a made
    // change's (an issued token's was written with its sign).
    if let Some((event, req)) = &audited {
        // Boxed, like the use cases: its future stays off the stack.
        Box::pin(service.audit_answer(*event, req, &decision, err.as_ref())).await;
    }
    log_decision(
        &request_id,
        route_name,
        &decision,
        &client,
        err.as_ref(),
        latency_ms,
    );
    metrics::emit(&RequestMetrics {
        route: route_name,
        outcome: outcome_label(err.as_ref()),
        reason: err.as_ref().map_or("none", Error::reason),
        latency_ms,
        timings: &decision.timings,
        token_issued: issues_logins && decision.issued_token.is_some(),
    });
    response
}

/// The event-to-request path: route (404/405) and the use cases' view of
/// the request (413 for oversized bodies). Pure, so it can be fuzzed.
pub fn parse_event(event: &Request) -> Result<(Route, ApiRequest), Error> {
    let route = router::route(event.method().as_str(), &request::path(event))?;
    Ok((route, request::api_request(event)?))
}

/// Where a request came from, for the decision log.
#[derive(Default)]
struct Client {
    source_ip: Option<String>,
    user_agent: Option<String>,
}

impl Client {
    fn of(req: &ApiRequest) -> Self {
        Self {
            source_ip: req.source_ip.clone(),
            user_agent: req.user_agent.clone(),
        }
    }
}

fn outcome_label(err: Option<&Error>) -> &'static str {
    match err {
        None => "ok",
        Some(Error::Internal(_)) => "error",
        Some(_) => "rejected",
    }
}

/// One line per request, answered or refused: who asked, about whom, what
/// was issued and with which credential, from where, the outcome and its
/// reason, and each stage's latency. Ids only: never a token, key, nonce,
/// challenge or user action value.
fn log_decision(
    request_id: &str,
    route: &str,
    d: &Decision,
    client: &Client,
    err: Option<&Error>,
    latency_ms: f64,
) {
    let status = err.map_or(200, Error::status);
    let reason = err.map(Error::reason);
    let outcome = outcome_label(err);
    let id = |v: Option<&dyn std::fmt::Display>| v.map(|v| v.to_string());
    let caller = id(d.caller.as_ref().map(|v| v as _));
    let target = id(d.target.as_ref().map(|v| v as _));
    let jti = id(d.issued_token.as_ref().map(|v| v as _));
    let credential = id(d.credential.as_ref().map(|v| v as _));
    let (caller, target, jti, credential) = (
        caller.as_deref(),
        target.as_deref(),
        jti.as_deref(),
        credential.as_deref(),
    );
    let (source_ip, user_agent) = (client.source_ip.as_deref(), client.user_agent.as_deref());
    let t = &d.timings;
    let (store_ms, sign_ms, write_ms) = (t.store_ms, t.sign_ms, t.write_ms);
    let detail = match err {
        Some(Error::Internal(detail)) => Some(detail.as_str()),
        _ => None,
    };
    macro_rules! decision {
        ($level:ident) => {
            tracing::$level!(
                request_id, route, outcome, status, reason, detail, caller, target, jti,
                credential, source_ip, user_agent, latency_ms, store_ms, sign_ms, write_ms,
                "decision"
            )
        };
    }
    if detail.is_some() {
        decision!(error);
    } else {
        decision!(info);
    }
}
