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
