//! Bearer tokens: revocation, deactivation, foreign issuers, and key rotation.

use crate::support::*;

const LOGIN: &str = "/auth/login/delegated";

#[tokio::test]
async fn missing_foreign_and_garbage_tokens_are_401() {
    let stack = Stack::start().await;
    let other = Stack::start().await; // same tables, another signing key
    let org = other.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let foreign = format!("Bearer {}", org.sa.info.token);
    for auth in [
        None,
        Some("Bearer"),
        Some("Bearer a.b.c"),
        Some("Basic dXNlcjpwYXNz"),
        Some(foreign.as_str()),
    ] {
        let n = nonce();
        let mut headers = vec![("X-DFNS-NONCE", n.as_str())];
        if let Some(a) = auth {
            headers.push(("Authorization", a));
        }
        stack
            .send("POST", LOGIN, &headers, Some("{}"))
            .await
            .assert_error(401, "Not Authorized.");
    }
}

#[tokio::test]
async fn revoked_tokens_and_deactivated_accounts_stop_at_once() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    assert_eq!(client.delegated_login(&org.end_user).await.status, 200);
    stack
        .admin
        .revoke_token(&org.sa.info.token_id)
        .await
        .unwrap();
    client
        .init(LOGIN, "{}")
        .await
        .assert_error(401, "Not Authorized.");

    let second = stack
        .service_account(&org.org_id, KeyKind::P256, &ALL_OPERATIONS)
        .await;
    let client = Client::new(&stack, &second);
    let ua = client
        .user_action(
            LOGIN,
            &serde_json::json!({"username": org.end_user}).to_string(),
        )
        .await;
    stack
        .admin
        .deactivate_user(&second.info.user_id)
        .await
        .unwrap();
    client
        .post(
            LOGIN,
            &serde_json::json!({"username": org.end_user}).to_string(),
            &[("X-DFNS-USERACTION", &ua)],
        )
        .await
        .assert_error(401, "Not Authorized.");
}

#[tokio::test]
async fn revoked_delegated_tokens_stop_at_once() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let employee = stack.delegated_employee(&org, true).await;
    let (_, claims) = verify_with_jwks(&employee.info.token, &stack.jwks().await);
    let client = Client::new(&stack, &employee);
    assert_eq!(client.init(LOGIN, "{}").await.status, 200);
    stack
        .admin
        .revoke_token(claims["jti"].as_str().unwrap())
        .await
        .unwrap();
    client
        .init(LOGIN, "{}")
        .await
        .assert_error(401, "Not Authorized.");
}

#[tokio::test]
async fn rotation_keeps_old_tokens_valid_and_both_keys_published() {
    let old = Stack::start().await;
    let org = old.org(KeyKind::P256, &ALL_OPERATIONS).await; // its token is signed by the old key
    let new_key = old.admin.create_signing_key(None).await.unwrap();
    let mut env = old.env.clone();
    env.insert("SIGNING_KEY_ID".into(), new_key.clone());
    env.insert("PREVIOUS_SIGNING_KEY_IDS".into(), old.key_id.clone());
    let rotated = Stack {
        service: Stack::service_for(&old.sdk, &env).await,
        service_endpoint: old.service_endpoint.clone(),
        sdk: old.sdk.clone(),
        admin: old.admin.clone(),
        key_id: new_key.clone(),
        env,
    };
    let jwks = rotated.jwks().await;
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids, vec![new_key.as_str(), old.key_id.as_str()]);

    let reply = Client::new(&rotated, &org.sa)
        .delegated_login(&org.end_user)
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let (header, _) = verify_with_jwks(reply.body["token"].as_str().unwrap(), &jwks);
    assert_eq!(header["kid"], new_key.as_str());
    // Once the old key is dropped from configuration its tokens stop working.
    let mut env = rotated.env.clone();
    env.remove("PREVIOUS_SIGNING_KEY_IDS");
    let dropped = Stack {
        service: Stack::service_for(&old.sdk, &env).await,
        env,
        ..rotated
    };
    Client::new(&dropped, &org.sa)
        .init(LOGIN, "{}")
        .await
        .assert_error(401, "Not Authorized.");
    // A token re-issued under the new key keeps the account working.
    let reissued = dropped
        .admin
        .create_service_account_token(&org.sa.info.user_id, 1, &new_key, ISSUER)
        .await
        .unwrap();
    let account = Account {
        info: delegated_login::admin::ServiceAccount {
            token: reissued.token,
            token_id: reissued.token_id,
            ..org.sa.info.clone()
        },
        key: org.sa.key,
    };
    let reply = Client::new(&dropped, &account)
        .delegated_login(&org.end_user)
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
}

#[tokio::test]
async fn unknown_paths_and_methods_answer_in_the_error_shape() {
    let stack = Stack::start().await;
    stack
        .send("GET", "/nope", &[], None)
        .await
        .assert_error(404, "Not Found");
    stack
        .send("GET", LOGIN, &[], None)
        .await
        .assert_error(405, "Method Not Allowed");
    stack
        .send("POST", "/.well-known/jwks.json", &[], None)
        .await
        .assert_error(405, "Method Not Allowed");
    let big = format!(r#"{{"username":"{}"}}"#, "a".repeat(70 * 1024));
    stack
        .send("POST", LOGIN, &[], Some(&big))
        .await
        .assert_error(413, "request body is too large");
}
