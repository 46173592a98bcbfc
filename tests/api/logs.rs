//! Log hygiene: every log line written while login flows and failures run
//! is captured with the production subscriber, and no secret value appears.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::json;

use crate::support::*;

const LOGIN: &str = "/auth/login/delegated";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The process-wide capture (installed once for this test binary).
fn captured() -> &'static Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        delegated_login::telemetry::install(move || writer.clone());
        captured
    })
}

#[tokio::test]
async fn no_secret_reaches_a_log_line() {
    let logs = captured();
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    let mut secrets = vec![org.sa.info.token.clone()];
    let body = json!({ "username": org.end_user }).to_string();

    // A full flow, by hand, keeping every secret value it exchanges.
    let challenge = client.init(LOGIN, &body).await.body;
    let assertion = client.assertion(&challenge);
    let cred = &assertion["firstFactor"]["credentialAssertion"];
    for v in [
        &challenge["challenge"],
        &challenge["challengeIdentifier"],
        &cred["clientData"],
        &cred["signature"],
    ] {
        secrets.push(v.as_str().unwrap().to_string());
    }
    let ua = client
        .post("/auth/action", &assertion.to_string(), &[])
        .await
        .body["userAction"]
        .as_str()
        .unwrap()
        .to_string();
    let n = nonce();
    let headers = [
        ("Authorization", client.bearer()),
        ("X-DFNS-NONCE", n.clone()),
        ("X-DFNS-USERACTION", ua.clone()),
    ];
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let login = stack.send("POST", LOGIN, &headers, Some(&body)).await;
    assert_eq!(login.status, 200);
    secrets.extend([
        ua,
        n.clone(),
        login.body["token"].as_str().unwrap().to_string(),
    ]);
    // The nonce's uuid, decoded, is a secret too.
    let decoded: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&n).unwrap()).unwrap();
    secrets.push(decoded["uuid"].as_str().unwrap().to_string());

    // Failures: replays, forgeries, garbage.
    stack
        .send("POST", LOGIN, &headers, Some(&body))
        .await
        .assert_error(400, "request nonce has already been used");
    let forged = format!("{}x", org.sa.info.token);
    let bad_nonce = "eyJ1dWlkIjoic2VjcmV0LW5vbmNlLXZhbHVlIn0";
    stack
        .send(
            "POST",
            LOGIN,
            &[
                ("Authorization", &format!("Bearer {forged}")),
                ("X-DFNS-NONCE", bad_nonce),
            ],
            Some(&body),
        )
        .await
        .assert_error(400, "request nonce is missing or invalid");
    stack
        .send(
            "POST",
            LOGIN,
            &[
                ("Authorization", &format!("Bearer {forged}")),
                ("X-DFNS-NONCE", &nonce()),
            ],
            Some(&body),
        )
        .await
        .assert_error(401, "Not Authorized.");
    secrets.extend([forged, bad_nonce.to_string()]);
    let mut wrong_sig = client.assertion(&client.init(LOGIN, "{}").await.body);
    wrong_sig["firstFactor"]["credentialAssertion"]["signature"] = json!("c2lnbmF0dXJlLXNlY3JldA");
    secrets.push("c2lnbmF0dXJlLXNlY3JldA".into());
    client
        .post("/auth/action", &wrong_sig.to_string(), &[])
        .await
        .assert_error(401, "Credential assertion is not valid.");

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let decisions = text
        .lines()
        .filter(|l| l.contains(r#""message":"decision""#))
        .count();
    assert!(
        decisions >= 7,
        "captured {decisions} decision lines:\n{text}"
    );
    for secret in &secrets {
        assert!(secret.len() >= 16, "too short to search for: {secret}");
        assert!(
            !text.contains(secret.as_str()),
            "a secret reached the logs: {secret}"
        );
    }
    // Private keys never travel, but make sure no PEM block is logged.
    assert!(!text.contains("PRIVATE KEY"));
}

/// The decision lines captured so far whose `caller` is `caller`.
fn decisions_of(caller: &str) -> Vec<serde_json::Value> {
    let text = String::from_utf8(captured().0.lock().unwrap().clone()).unwrap();
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["message"] == "decision" && v["caller"] == caller)
        .collect()
}

#[tokio::test]
async fn rejections_name_their_caller() {
    captured();
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    let login_body = json!({ "username": org.end_user }).to_string();

    // A 400 on each route, after the bearer verified: bad bodies.
    client
        .post(LOGIN, r#"{"username":1}"#, &[])
        .await
        .assert_error(400, "username must be a string");
    let init = client
        .post("/auth/action/init", r#"{"userActionPayload":1}"#, &[])
        .await;
    assert_eq!(init.status, 400, "{init:?}");
    let action = client.post("/auth/action", "[]", &[]).await;
    assert_eq!(action.status, 400, "{action:?}");
    // A 400 before the bearer's turn still names it: a reused nonce.
    let n = nonce();
    let headers = [
        ("Authorization", client.bearer()),
        ("X-DFNS-NONCE", n.clone()),
    ];
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    stack.send("POST", LOGIN, &headers, Some(&login_body)).await;
    stack
        .send("POST", LOGIN, &headers, Some(&login_body))
        .await
        .assert_error(400, "request nonce has already been used");
    // 403s: no user action on the login; an employee's login token on it.
    client
        .post(LOGIN, &login_body, &[])
        .await
        .assert_error(403, "user action signature is missing or invalid");
    // 401 on init and action: a caller with no credential of that id.
    let mut wrong = client.assertion(&client.init(LOGIN, &login_body).await.body);
    wrong["firstFactor"]["credentialAssertion"]["credId"] = json!("not-a-credential");
    client
        .post("/auth/action", &wrong.to_string(), &[])
        .await
        .assert_error(
            401,
            "User does not have a credential that can be used for the application.",
        );

    let sa = org.sa.info.user_id.as_str();
    let lines = decisions_of(sa);
    let has = |route: &str, status: u64, reason: &str| {
        lines.iter().any(|l| {
            l["route"] == route
                && l["status"] == status
                && l["reason"] == reason
                && l["outcome"] == "rejected"
                && l["source_ip"] == "127.0.0.1"
                && l["user_agent"].is_string()
        })
    };
    for (route, status, reason) in [
        ("POST /auth/login/delegated", 400, "bad_request"),
        ("POST /auth/login/delegated", 400, "nonce_reused"),
        ("POST /auth/login/delegated", 403, "user_action_invalid"),
        ("POST /auth/action/init", 400, "bad_request"),
        ("POST /auth/action", 400, "bad_request"),
        ("POST /auth/action", 401, "no_usable_credential"),
    ] {
        assert!(
            has(route, status, reason),
            "no {route} {status} {reason} naming {sa}: {lines:#?}"
        );
    }

    // A 403 for a missing operation names the caller, and a successful
    // login names target, jti and the credential that signed its action.
    let employee = stack.delegated_employee(&org, true).await;
    let as_employee = Client::new(&stack, &employee);
    as_employee
        .delegated_login(&org.end_user)
        .await
        .assert_error(
            403,
            &format!(
                "CustomerEmployee {} is not authorized to perform operation (Auth:Users:Delegate)",
                org.employee_id
            ),
        );
    assert!(decisions_of(&org.employee_id)
        .iter()
        .any(|l| l["route"] == "POST /auth/login/delegated" && l["status"] == 403u64));
    let ok = client.delegated_login(&org.end_user).await;
    assert_eq!(ok.status, 200, "{ok:?}");
    let lines = decisions_of(sa);
    let login = lines
        .iter()
        .rev()
        .find(|l| l["route"] == "POST /auth/login/delegated" && l["outcome"] == "ok")
        .expect("the login's line");
    assert_eq!(login["target"], org.end_user_id.as_str());
    assert!(login["jti"].as_str().unwrap().starts_with("uj-"));
    assert!(lines.iter().any(|l| l["route"] == "POST /auth/action"
        && l["outcome"] == "ok"
        && l["credential"] == org.sa.info.credential_id.as_str()));
}
