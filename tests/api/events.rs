//! The shipped `events/` documents, rendered with real values and run
//! through the handler: each event shape the Lambda can be invoked with.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

use crate::support::*;

/// Replaces `{{NAME}}` placeholders in headers and body (decoding and
/// re-encoding a base64 body).
fn render(file: &str, vars: &[(&str, &str)]) -> String {
    let path = format!("{}/events/{file}", env!("CARGO_MANIFEST_DIR"));
    let mut event: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("event file")).expect("JSON");
    let fill = |s: &str| {
        vars.iter().fold(s.to_string(), |acc, (k, v)| {
            acc.replace(&format!("{{{{{k}}}}}"), v)
        })
    };
    fn walk(v: &mut Value, fill: &dyn Fn(&str) -> String) {
        match v {
            Value::String(s) => *s = fill(s),
            Value::Array(a) => a.iter_mut().for_each(|x| walk(x, fill)),
            Value::Object(o) => o.values_mut().for_each(|x| walk(x, fill)),
            _ => {}
        }
    }
    for key in ["headers", "multiValueHeaders"] {
        if let Some(h) = event.get_mut(key) {
            walk(h, &fill);
        }
    }
    if let Some(Value::String(body)) = event.get("body").cloned() {
        let b64 = event["isBase64Encoded"] == json!(true);
        let text = if b64 {
            String::from_utf8(STANDARD.decode(&body).unwrap()).unwrap()
        } else {
            body
        };
        let text = fill(&text);
        event["body"] = json!(if b64 { STANDARD.encode(text) } else { text });
    }
    event.to_string()
}

#[tokio::test]
async fn delegated_login_events_of_every_shape_log_the_user_in() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    let body = json!({ "username": org.end_user }).to_string();
    for file in [
        "delegated-login.http-api-v2.json",
        "delegated-login.rest-api-v1.json",
        "delegated-login.function-url.json",
    ] {
        let ua = client.user_action("/auth/login/delegated", &body).await;
        let n = nonce();
        let event = render(
            file,
            &[
                ("SERVICE_ACCOUNT_TOKEN", &org.sa.info.token),
                ("NONCE", &n),
                ("USER_ACTION", &ua),
                ("USERNAME", &org.end_user),
            ],
        );
        let reply = stack.send_event(&event).await;
        assert_eq!(reply.status, 200, "{file}: {reply:?}");
        let (_, claims) =
            verify_with_jwks(reply.body["token"].as_str().unwrap(), &stack.jwks().await);
        assert_eq!(
            claims["https://custom/app_metadata"]["userId"],
            org.end_user_id.as_str(),
            "{file}"
        );
    }
}

#[tokio::test]
async fn jwks_and_error_events() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let jwks = stack
        .send_event(&render("jwks.http-api-v2.json", &[]))
        .await;
    assert_eq!(jwks.status, 200);
    assert_eq!(jwks.body["keys"][0]["kid"], stack.key_id.as_str());

    let vars = [
        ("SERVICE_ACCOUNT_TOKEN", org.sa.info.token.as_str()),
        ("USER_ACTION", "x"),
        ("USERNAME", "x"),
    ];
    for (file, status, message) in [
        ("error.unknown-route.http-api-v2.json", 404, "Not Found"),
        (
            "error.wrong-method.http-api-v2.json",
            405,
            "Method Not Allowed",
        ),
        (
            "error.missing-nonce.http-api-v2.json",
            400,
            "request nonce is missing or invalid",
        ),
    ] {
        stack
            .send_event(&render(file, &vars))
            .await
            .assert_error(status, message);
    }
}
