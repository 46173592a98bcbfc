//! `X-DFNS-NONCE` under both policies, and its place in the check order.

use crate::support::*;
use serde_json::json;

const LOGIN: &str = "/auth/login/delegated";
const INVALID: &str = "request nonce is missing or invalid";

#[tokio::test]
async fn required_policy_refuses_missing_malformed_stale_and_reused_nonces() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    let bearer = client.bearer();
    let body = json!({ "username": org.end_user }).to_string();
    let send = |nonce: Option<String>| {
        let (bearer, body) = (bearer.clone(), body.clone());
        let stack = &stack;
        async move {
            let mut headers = vec![("Authorization", bearer.as_str())];
            if let Some(n) = nonce.as_deref() {
                headers.push(("X-DFNS-NONCE", n));
            }
            stack.send("POST", LOGIN, &headers, Some(&body)).await
        }
    };
    send(None).await.assert_error(400, INVALID);
    send(Some("garbage".into()))
        .await
        .assert_error(400, INVALID);
    send(Some(nonce_at(-400))).await.assert_error(400, INVALID);
    send(Some(nonce_at(400))).await.assert_error(400, INVALID);

    // Inside the window, the nonce passes and the next check (user action) answers.
    let fresh = nonce_at(-240);
    send(Some(fresh.clone()))
        .await
        .assert_error(403, "user action signature is missing or invalid");
    send(Some(fresh))
        .await
        .assert_error(400, "request nonce has already been used");
}

#[tokio::test]
async fn nonce_syntax_is_checked_before_the_bearer_token() {
    let stack = Stack::start().await;
    let reply = stack
        .send(
            "POST",
            LOGIN,
            &[("Authorization", "Bearer nope"), ("X-DFNS-NONCE", "bad")],
            Some("{}"),
        )
        .await;
    reply.assert_error(400, INVALID);
    let reply = stack
        .send(
            "POST",
            LOGIN,
            &[("Authorization", "Bearer nope"), ("X-DFNS-NONCE", &nonce())],
            Some("{}"),
        )
        .await;
    reply.assert_error(401, "Not Authorized.");
}

#[tokio::test]
async fn replayed_nonce_is_reported_before_a_bad_body() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    let n = nonce();
    let headers = [
        ("Authorization", client.bearer()),
        ("X-DFNS-NONCE", n.clone()),
    ];
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    stack
        .send("POST", LOGIN, &headers, Some("not json"))
        .await
        .assert_error(400, "invalid request body: not JSON");
    stack
        .send("POST", LOGIN, &headers, Some("not json"))
        .await
        .assert_error(400, "request nonce has already been used");
}

#[tokio::test]
async fn optional_policy_serves_current_sdks_and_still_checks_sent_nonces() {
    let stack = Stack::with_env(&[("NONCE_POLICY", "optional")]).await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let mut client = Client::new(&stack, &org.sa);
    client.send_nonce = false;
    assert_eq!(client.delegated_login(&org.end_user).await.status, 200);

    let n = nonce();
    let body = json!({ "username": org.end_user }).to_string();
    let ua = client.user_action(LOGIN, &body).await;
    let ok = client
        .post(
            LOGIN,
            &body,
            &[("X-DFNS-USERACTION", &ua), ("X-DFNS-NONCE", &n)],
        )
        .await;
    assert_eq!(ok.status, 200, "{ok:?}");
    let ua = client.user_action(LOGIN, &body).await;
    client
        .post(
            LOGIN,
            &body,
            &[("X-DFNS-USERACTION", &ua), ("X-DFNS-NONCE", &n)],
        )
        .await
        .assert_error(400, "request nonce has already been used");
    client
        .post(LOGIN, &body, &[("X-DFNS-NONCE", "bad")])
        .await
        .assert_error(400, INVALID);
}

#[tokio::test]
async fn an_expired_but_still_stored_nonce_is_free_again() {
    // Window of 1 s: the record expires almost at once, but TTL deletion
    // is lazy, so the item is still in the table when the nonce returns.
    let stack = Stack::with_env(&[("REPLAY_WINDOW_SECONDS", "2")]).await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let bearer = Client::new(&stack, &org.sa).bearer();
    let uuid = "0f6a3b7c-8d9e-4f00-a1b2-reused";
    let make = || {
        use base64::Engine;
        let date = chrono::Utc::now().to_rfc3339();
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(json!({"uuid": uuid, "date": date}).to_string())
    };
    let send = |n: String| {
        let bearer = bearer.clone();
        let stack = &stack;
        async move {
            stack
                .send(
                    "POST",
                    LOGIN,
                    &[("Authorization", &bearer), ("X-DFNS-NONCE", &n)],
                    Some("{}"),
                )
                .await
        }
    };
    assert_eq!(send(make()).await.status, 400); // passes the nonce, fails the body
    send(make())
        .await
        .assert_error(400, "request nonce has already been used");
    tokio::time::sleep(std::time::Duration::from_millis(5200)).await;
    let again = send(make()).await;
    assert_ne!(
        again.message(),
        "request nonce has already been used",
        "{again:?}"
    );
}

#[tokio::test]
async fn concurrent_requests_with_one_nonce_pass_the_check_once() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let bearer = Client::new(&stack, &org.sa).bearer();
    let n = nonce();
    let headers = [
        ("Authorization", bearer.as_str()),
        ("X-DFNS-NONCE", n.as_str()),
    ];
    let replies =
        futures::future::join_all((0..64).map(|_| stack.send("POST", LOGIN, &headers, Some("{}"))))
            .await;
    let passed = replies
        .iter()
        .filter(|r| r.message() != "request nonce has already been used")
        .count();
    assert_eq!(passed, 1, "{replies:?}");
}

/// Whether the replay table holds `nonce` as `caller`'s, read directly.
async fn nonce_recorded(stack: &Stack, caller: &str, nonce: &str) -> bool {
    use base64::Engine;
    let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(nonce)
        .unwrap();
    let value: serde_json::Value = serde_json::from_slice(&decoded).unwrap();
    let uuid = value["uuid"].as_str().unwrap();
    let digest = delegated_login::domain::secret::SecretDigest::of(uuid.as_bytes());
    let pk = format!("NONCE#{caller}#{}", digest.as_str());
    aws_sdk_dynamodb::Client::new(&stack.sdk)
        .get_item()
        .table_name(REPLAY_TABLE)
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(pk))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .is_some()
}

#[tokio::test]
async fn no_nonce_is_left_for_a_revoked_token_or_an_inactive_identity() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let session = stack.delegated_employee(&org, false).await;
    let init = json!({
        "userActionPayload": "{}",
        "userActionHttpMethod": "POST",
        "userActionHttpPath": LOGIN,
    })
    .to_string();
    let send = |account: &Account| {
        let (bearer, n) = (format!("Bearer {}", account.info.token), nonce());
        let (stack, init) = (&stack, &init);
        async move {
            let headers = [("Authorization", bearer.as_str()), ("X-DFNS-NONCE", &n)];
            let reply = stack
                .send("POST", "/auth/action/init", &headers, Some(init))
                .await;
            (reply, n)
        }
    };
    // Active callers' nonces are recorded.
    let (reply, n) = send(&org.sa).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert!(nonce_recorded(&stack, &org.sa.info.user_id, &n).await);
    let (reply, n) = send(&session).await;
    reply.assert_error(
        401,
        "User does not have a credential that can be used for the application.",
    );
    assert!(nonce_recorded(&stack, &org.employee_id, &n).await);

    // A revoked token's is not.
    stack
        .admin
        .revoke_token(&org.sa.info.token_id)
        .await
        .unwrap();
    let (reply, n) = send(&org.sa).await;
    reply.assert_error(401, "Not Authorized.");
    assert!(!nonce_recorded(&stack, &org.sa.info.user_id, &n).await);

    // Nor a deactivated identity's.
    stack.admin.deactivate_user(&org.employee_id).await.unwrap();
    let (reply, n) = send(&session).await;
    reply.assert_error(401, "Not Authorized.");
    assert!(!nonce_recorded(&stack, &org.employee_id, &n).await);
}
