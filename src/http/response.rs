//! Results onto the wire: JSON bodies, and the contract's error shape.

use lambda_http::{Body, Response};
use serde::Serialize;

use crate::error::Error;

pub fn json<T: Serialize>(status: u16, body: &T) -> Response<Body> {
    let text = serde_json::to_string(body).unwrap_or_else(|_| "{}".to_string());
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("cache-control", "no-store")
        .body(Body::Text(text))
        .unwrap_or_default()
}

/// `{"error": {"message": ...}}` with the error's status.
pub fn error(err: &Error) -> Response<Body> {
    json(
        err.status(),
        &serde_json::json!({ "error": { "message": err.to_string() } }),
    )
}
