//! Reading what the use cases need out of a `lambda_http` request.

use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt};

use crate::domain::secret::Redacted;
use crate::error::Error;
use crate::service::ApiRequest;

/// Larger bodies are refused with 413 before any parsing.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// A longer user agent is cut for the log.
const MAX_USER_AGENT_LEN: usize = 256;

/// The route path: without API Gateway's stage prefix or query string.
pub fn path(event: &Request) -> String {
    let raw = event.raw_http_path();
    if raw.is_empty() {
        event.uri().path().to_string()
    } else {
        raw.to_string()
    }
}

pub fn request_id(event: &Request) -> String {
    event
        .lambda_context_ref()
        .map(|c| c.request_id.clone())
        .unwrap_or_default()
}

/// A header's value; names are case-insensitive (v1 keeps case, v2 lowers it).
fn header(event: &Request, name: &str) -> Option<String> {
    event
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// The client's address as API Gateway or the Function URL saw it.
fn source_ip(event: &Request) -> Option<String> {
    match event.request_context_ref()? {
        RequestContext::ApiGatewayV2(ctx) => ctx.http.source_ip.clone(),
        RequestContext::ApiGatewayV1(ctx) => ctx.identity.source_ip.clone(),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

fn user_agent(event: &Request) -> Option<String> {
    let from_context = || match event.request_context_ref()? {
        RequestContext::ApiGatewayV2(ctx) => ctx.http.user_agent.clone(),
        RequestContext::ApiGatewayV1(ctx) => ctx.identity.user_agent.clone(),
        #[allow(unreachable_patterns)]
        _ => None,
    };
    header(event, "user-agent").or_else(from_context).map(|ua| {
        ua.chars()
            .filter(|c| !c.is_control())
            .take(MAX_USER_AGENT_LEN)
            .collect()
    })
}

pub fn api_request(event: &Request) -> Result<ApiRequest, Error> {
    let body: &[u8] = match event.body() {
        Body::Empty => &[],
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => &[],
    };
    if body.len() > MAX_BODY_BYTES {
        return Err(Error::PayloadTooLarge);
    }
    Ok(ApiRequest {
        method: event.method().as_str().to_string(),
        path: path(event),
        query: event
            .uri()
            .query()
            .filter(|q| !q.is_empty())
            .map(str::to_string),
        authorization: header(event, "authorization").map(Redacted::new),
        nonce: header(event, "x-dfns-nonce").map(Redacted::new),
        user_action: header(event, "x-dfns-useraction").map(Redacted::new),
        body: Redacted::new(body.to_vec()),
        source_ip: source_ip(event),
        user_agent: user_agent(event),
    })
}
