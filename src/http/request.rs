//! Reading what the use cases need out of a `lambda_http` request.

use lambda_http::{Body, Request, RequestExt};

use crate::error::Error;
use crate::service::ApiRequest;

/// Larger bodies are refused with 413 before any parsing.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

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
        authorization: header(event, "authorization"),
        nonce: header(event, "x-dfns-nonce"),
        user_action: header(event, "x-dfns-useraction"),
        body: body.to_vec(),
    })
}
