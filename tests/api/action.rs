//! User Action Signing: `/auth/action/init` and `/auth/action`.

use crate::support::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::json;

const LOGIN: &str = "/auth/login/delegated";

#[tokio::test]
async fn init_lists_the_callers_credentials_exactly() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::Ed25519, &ALL_OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    let reply = client.init(LOGIN, r#"{"username":"x"}"#).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let b = &reply.body;
    assert_eq!(
        b["allowCredentials"],
        json!({"key": [{"type": "public-key", "id": org.sa.info.cred_id}], "webauthn": []})
    );
    assert_eq!(
        b["supportedCredentialKinds"],
        json!([{"kind": "Key", "factor": "first", "requiresSecondFactor": false}])
    );
    assert_eq!(b["userVerification"], "required");
    assert_eq!(b["attestation"], "none");
    assert_eq!(b["externalAuthenticationUrl"], "");
    assert!(b["challenge"].as_str().unwrap().len() >= 32);
    assert_ne!(b["challenge"], b["challengeIdentifier"]);
}

#[tokio::test]
async fn init_refuses_a_caller_without_credentials_and_bad_bodies() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    // A delegated employee token: the employee has no credential.
    let employee = stack.delegated_employee(&org, false).await;
    Client::new(&stack, &employee)
        .init(LOGIN, "{}")
        .await
        .assert_error(
            401,
            "User does not have a credential that can be used for the application.",
        );

    let client = Client::new(&stack, &org.sa);
    for body in [
        "nope",
        "{}",
        r#"{"userActionPayload":"{}","userActionHttpMethod":"TRACE","userActionHttpPath":"/x"}"#,
        r#"{"userActionPayload":"{}","userActionHttpMethod":"POST","userActionHttpPath":"x"}"#,
    ] {
        let reply = client.post("/auth/action/init", body, &[]).await;
        assert_eq!(reply.status, 400, "{body}: {reply:?}");
    }
}

#[tokio::test]
async fn challenges_are_single_use_and_bound_to_their_caller() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    let challenge = client.init(LOGIN, "{}").await.body;
    let assertion = client.assertion(&challenge).to_string();

    // Another service account of the same org cannot redeem it...
    let other = stack.service_account(&org.org_id, KeyKind::P256, &[]).await;
    let stolen = Client::new(&stack, &other);
    stolen
        .post("/auth/action", &assertion, &[])
        .await
        .assert_error(400, "Challenge token is not valid.");
    // ...and did not burn it: the owner can, once.
    assert_eq!(
        client.post("/auth/action", &assertion, &[]).await.status,
        200
    );
    client
        .post("/auth/action", &assertion, &[])
        .await
        .assert_error(400, "Challenge token is not valid.");

    let unknown =
        json!({"challengeIdentifier": "nope", "firstFactor": assertion_factor(&client, "x")});
    client
        .post("/auth/action", &unknown.to_string(), &[])
        .await
        .assert_error(400, "Challenge token is not valid.");
}

fn assertion_factor(client: &Client<'_>, challenge: &str) -> serde_json::Value {
    client.assertion(&json!({"challenge": challenge, "challengeIdentifier": "x"}))["firstFactor"]
        .clone()
}

#[tokio::test]
async fn concurrent_redemptions_of_one_challenge_yield_one_user_action() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    let challenge = client.init(LOGIN, "{}").await.body;
    let assertion = client.assertion(&challenge).to_string();
    let replies =
        futures::future::join_all((0..64).map(|_| client.post("/auth/action", &assertion, &[])))
            .await;
    let ok = replies.iter().filter(|r| r.status == 200).count();
    assert_eq!(ok, 1, "{replies:?}");
}

#[tokio::test]
async fn assertions_are_checked_credential_signature_then_client_data() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::Secp256k1, &ALL_OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);

    let fresh = || async { client.init(LOGIN, "{}").await.body };
    let mut a = client.assertion(&fresh().await);
    a["firstFactor"]["credentialAssertion"]["credId"] = json!("not-my-credential");
    client
        .post("/auth/action", &a.to_string(), &[])
        .await
        .assert_error(
            401,
            "User does not have a credential that can be used for the application.",
        );

    let mut a = client.assertion(&fresh().await);
    let other_key = TestKey::generate(KeyKind::Secp256k1);
    a["firstFactor"]["credentialAssertion"]["signature"] = json!(other_key.sign_b64(b"whatever"));
    client
        .post("/auth/action", &a.to_string(), &[])
        .await
        .assert_error(401, "Credential assertion is not valid.");

    // Correctly signed, but for the wrong challenge or type.
    for (kind, challenge_ok) in [("key.get", false), ("webauthn.get", true)] {
        let challenge = fresh().await;
        let c = if challenge_ok {
            challenge["challenge"].clone()
        } else {
            json!("another")
        };
        let cd = json!({"type": kind, "challenge": c}).to_string();
        let body = json!({"challengeIdentifier": challenge["challengeIdentifier"], "firstFactor": {"kind": "Key",
            "credentialAssertion": {"credId": org.sa.info.cred_id, "clientData": URL_SAFE_NO_PAD.encode(&cd),
            "signature": org.sa.key.sign_b64(cd.as_bytes())}}});
        let reply = client.post("/auth/action", &body.to_string(), &[]).await;
        assert_eq!(reply.status, 400, "{kind}: {reply:?}");
    }

    // Python's clientData shape, padded base64url, key order irrelevant.
    let challenge = fresh().await;
    let cd = json!({"crossOrigin": false, "origin": "https://app.dfns.io", "challenge": challenge["challenge"], "type": "key.get"}).to_string();
    let body = json!({"challengeIdentifier": challenge["challengeIdentifier"], "firstFactor": {"kind": "Key",
        "credentialAssertion": {"credId": org.sa.info.cred_id,
        "clientData": base64::engine::general_purpose::URL_SAFE.encode(&cd),
        "signature": org.sa.key.sign_b64(cd.as_bytes()), "algorithm": "SHA256"}}});
    let reply = client.post("/auth/action", &body.to_string(), &[]).await;
    assert_eq!(reply.status, 200, "{reply:?}");
}

#[tokio::test]
async fn other_factor_kinds_are_a_clear_400() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    for kind in ["PasswordProtectedKey", "Password", "Totp"] {
        let challenge = client.init(LOGIN, "{}").await.body;
        let body = json!({"challengeIdentifier": challenge["challengeIdentifier"], "firstFactor": {"kind": kind}});
        let reply = client.post("/auth/action", &body.to_string(), &[]).await;
        reply.assert_error(
            400,
            &format!(
                "firstFactor.kind {kind} is not supported: only Key and Fido2 credentials are"
            ),
        );
    }
}
