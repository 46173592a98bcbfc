//! API Gateway events as the handler receives them, and sending them the
//! way clients that omit `content-type` do.

use serde_json::{json, Value};

use super::{Reply, Stack};

/// An HTTP API (v2) event; `content_type`, when given, is added to the
/// headers (whose names are lowered, as v2 does).
pub fn http_api_v2(
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
    content_type: Option<&str>,
) -> String {
    let headers: serde_json::Map<String, Value> = headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), json!(v)))
        .chain(content_type.map(|c| ("content-type".to_string(), json!(c))))
        .collect();
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let params: serde_json::Map<String, Value> = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "queryStringParameters": params,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012", "apiId": "local", "domainName": "localhost",
            "domainPrefix": "localhost", "requestId": "test-request", "routeKey": "$default",
            "stage": "$default", "time": "28/Nov/2026:16:00:00 +0000", "timeEpoch": 1795881600000u64,
            "http": { "method": method, "path": path, "protocol": "HTTP/1.1",
                      "sourceIp": "127.0.0.1", "userAgent": "tests" }
        },
        "body": body,
        "isBase64Encoded": false
    })
    .to_string()
}

impl Stack {
    /// Like `send`, without a `content-type` header: what the TS SDK does
    /// for a request without a body.
    pub async fn send_without_content_type(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Reply {
        let event = http_api_v2(method, path, headers, body, None);
        self.handle_via(&self.service, &event).await
    }
}
