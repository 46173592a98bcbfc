//! Results onto the wire: JSON bodies, and the contract's error shape.

use lambda_http::{Body, Response};
use serde::Serialize;

use crate::error::Error;

/// A JSON answer that must not be cached (tokens, challenges, errors).
pub fn json<T: Serialize>(status: u16, body: &T) -> Response<Body> {
    with_cache_control(status, body, "no-store")
}

/// The JWKS: public, and relying parties should cache it for a while.
pub fn public_json<T: Serialize>(body: &T) -> Response<Body> {
    with_cache_control(200, body, "public, max-age=300")
}

fn with_cache_control<T: Serialize>(status: u16, body: &T, cache_control: &str) -> Response<Body> {
    let text = serde_json::to_string(body).unwrap_or_else(|_| "{}".to_string());
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("cache-control", cache_control)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_jwks_may_be_cached() {
        let cache = |r: &Response<Body>| r.headers()["cache-control"].to_str().unwrap().to_string();
        assert_eq!(cache(&json(200, &"token")), "no-store");
        assert_eq!(cache(&error(&Error::NotAuthorized)), "no-store");
        assert_eq!(cache(&public_json(&"keys")), "public, max-age=300");
    }
}
