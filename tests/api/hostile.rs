//! Hostile input on every endpoint: each answer is a clear 4xx in the
//! contract's shape, never a panic or a 500.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::json;

use crate::support::*;

const LOGIN: &str = "/auth/login/delegated";
const INIT: &str = "/auth/action/init";
const ACTION: &str = "/auth/action";

fn assert_client_error(reply: &Reply, what: &str) {
    assert!((400..500).contains(&reply.status), "{what}: {reply:?}");
    assert!(!reply.message().is_empty(), "{what}: {reply:?}");
    assert_eq!(reply.content_type, "application/json", "{what}");
}

#[tokio::test]
async fn bad_bodies_on_every_post_endpoint() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    let long_name = json!({ "username": "a".repeat(10_000) }).to_string();
    let control = json!({ "username": "jdoe\u{0000}\u{001b}[31m@example.co" }).to_string();
    let bodies: Vec<String> = vec![
        "".into(),
        "not json".into(),
        "[]".into(),
        "42".into(),
        "null".into(),
        r#"{"username": ["a"]}"#.into(),
        r#"{"username": {"$ne": null}}"#.into(),
        r#"{"userActionPayload": 1, "userActionHttpMethod": "POST", "userActionHttpPath": "/"}"#
            .into(),
        r#"{"challengeIdentifier": 5, "firstFactor": "Key"}"#.into(),
        r#"{"challengeIdentifier": "x", "firstFactor": {"kind": "Key"}}"#.into(),
        "{".repeat(5000),
        long_name,
        control,
    ];
    for path in [LOGIN, INIT, ACTION] {
        for body in &bodies {
            let reply = client.post(path, body, &[]).await;
            assert_client_error(&reply, &format!("{path} {}", &body[..body.len().min(40)]));
        }
    }
    // Invalid UTF-8 arrives base64-encoded in a binary event body.
    let event = json!({
        "version": "2.0", "routeKey": "$default", "rawPath": LOGIN, "rawQueryString": "",
        "headers": {"authorization": client.bearer(), "x-dfns-nonce": nonce(), "content-type": "application/octet-stream"},
        "requestContext": {"http": {"method": "POST", "path": LOGIN, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "t"},
                           "accountId": "1", "apiId": "a", "domainName": "d", "domainPrefix": "d", "requestId": "r",
                           "routeKey": "$default", "stage": "$default", "time": "t", "timeEpoch": 0},
        "body": base64::engine::general_purpose::STANDARD.encode([0xff, 0xfe, b'{', 0x80]),
        "isBase64Encoded": true
    });
    assert_client_error(&stack.send_event(&event.to_string()).await, "invalid UTF-8");
}

#[tokio::test]
async fn bad_headers() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let bearer = Client::new(&stack, &org.sa).bearer();
    let enc = |s: &str| URL_SAFE_NO_PAD.encode(s);
    let nonces = [
        "%%%not-base64%%%".to_string(),
        enc("not json"),
        enc(r#"{"uuid":"short","date":"2026-11-28T16:00:00Z"}"#),
        enc(r#"{"uuid":"long-enough-uuid-value","date":"2026-02-30T25:61:00Z"}"#),
        enc(r#"{"uuid":"long-enough-uuid-value","date":"+275760-09-13T00:00:00Z"}"#),
        "A".repeat(100_000),
    ];
    for n in &nonces {
        let reply = stack
            .send(
                "POST",
                LOGIN,
                &[("Authorization", &bearer), ("X-DFNS-NONCE", n)],
                Some("{}"),
            )
            .await;
        reply.assert_error(400, "request nonce is missing or invalid");
    }
    let long = format!("Bearer {}", "a".repeat(100_000));
    let authorizations = [
        "",
        "Bearer",
        "Bearer  ",
        "Token abc",
        "bearer a.b",
        "Bearer a.b.c.d",
        &long,
    ];
    for auth in authorizations {
        let reply = stack
            .send(
                "POST",
                LOGIN,
                &[("Authorization", auth), ("X-DFNS-NONCE", &nonce())],
                Some("{}"),
            )
            .await;
        reply.assert_error(401, "Not Authorized.");
    }
}

#[tokio::test]
async fn bad_assertions() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    let other = stack.service_account(&org.org_id, KeyKind::P256, &[]).await;
    let cases: Vec<(&str, serde_json::Value)> = vec![
        ("clientData not base64url", json!("%%%")),
        (
            "clientData not JSON",
            json!(URL_SAFE_NO_PAD.encode("not json")),
        ),
        ("signature not base64url", json!("%%%")),
        (
            "signature wrong length",
            json!(URL_SAFE_NO_PAD.encode([1u8; 7])),
        ),
        ("unknown credId", json!("bm90LWEtY3JlZA")),
        ("another identity's credId", json!(other.info.cred_id)),
    ];
    for (what, value) in cases {
        let challenge = client.init(LOGIN, "{}").await.body;
        let mut a = client.assertion(&challenge);
        let field = match what {
            w if w.starts_with("clientData") => "clientData",
            w if w.starts_with("signature") => "signature",
            _ => "credId",
        };
        a["firstFactor"]["credentialAssertion"][field] = value;
        let reply = client.post(ACTION, &a.to_string(), &[]).await;
        assert_client_error(&reply, what);
    }
}

#[tokio::test]
async fn an_array_body_is_refused_even_with_a_matching_user_action() {
    // serde would read ["name"] as {"username": "name"}; the contract's
    // bodies are objects.
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    let body = json!([org.end_user]).to_string();
    let ua = client.user_action(LOGIN, &body).await;
    client
        .post(LOGIN, &body, &[("X-DFNS-USERACTION", &ua)])
        .await
        .assert_error(400, "invalid request body: expected a JSON object");
}
