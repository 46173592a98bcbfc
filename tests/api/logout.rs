//! `PUT /auth/logout`: one token or every session of a user, the body
//! conventions of both SDKs, who may call it, and deactivation through
//! the operator CLI ending tokens for good.

use delegated_login::admin::ServiceAccount;
use serde_json::json;

use crate::cli::{admin_tables, json};
use crate::support::*;

const LOGOUT: &str = "/auth/logout";
const LOGIN: &str = "/auth/login/delegated";

/// A user of `org` logged in by delegation, with a Key credential of its
/// own so that it can ask for signing challenges.
async fn session(stack: &Stack, org: &Org, username: &str, user_id: &str) -> Account {
    let reply = Client::new(stack, &org.sa).delegated_login(username).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let key = TestKey::generate(KeyKind::P256);
    let (credential_id, cred_id) = stack
        .admin
        .add_credential(user_id, &key.public_pem())
        .await
        .unwrap();
    let info = ServiceAccount {
        user_id: user_id.to_string(),
        credential_id,
        cred_id,
        token_id: String::new(),
        token: reply.body["token"].as_str().unwrap().to_string(),
    };
    Account { info, key }
}

/// `PUT /auth/logout` with a fresh nonce. Without a body there is no
/// `content-type` either (the TS SDK); with one there is (Python sends `{}`).
async fn logout(stack: &Stack, account: &Account, body: Option<&str>) -> Reply {
    let bearer = Client::new(stack, account).bearer();
    let nonce = nonce();
    let headers = [
        ("Authorization", bearer.as_str()),
        ("X-DFNS-NONCE", nonce.as_str()),
    ];
    match body {
        None => {
            stack
                .send_without_content_type("PUT", LOGOUT, &headers, None)
                .await
        }
        Some(body) => stack.send("PUT", LOGOUT, &headers, Some(body)).await,
    }
}

/// Whether the account's token is still accepted: `/auth/action/init`
/// answers it a challenge, or refuses it as `Not Authorized.`
async fn accepted(stack: &Stack, account: &Account) -> bool {
    let reply = Client::new(stack, account).init(LOGIN, "{}").await;
    if reply.status == 200 {
        return true;
    }
    reply.assert_error(401, "Not Authorized.");
    false
}

fn iat(token: &str, jwks: &serde_json::Value) -> i64 {
    verify_with_jwks(token, jwks).1["iat"].as_i64().unwrap()
}

#[tokio::test]
async fn without_all_sessions_only_the_token_presented_ends() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    // TS (no body, no content-type), Python (`{}`), explicit false, empty text.
    for body in [
        None,
        Some("{}"),
        Some(r#"{"allSessions": false}"#),
        Some(""),
    ] {
        let first = session(&stack, &org, &org.end_user, &org.end_user_id).await;
        let second = session(&stack, &org, &org.end_user, &org.end_user_id).await;
        assert!(accepted(&stack, &first).await && accepted(&stack, &second).await);
        let reply = logout(&stack, &first, body).await;
        assert_eq!(
            (reply.status, &reply.body),
            (200, &json!({"message": "success"})),
            "{body:?}"
        );
        assert_eq!(reply.content_type, "application/json");
        assert!(!accepted(&stack, &first).await, "{body:?}");
        assert!(accepted(&stack, &second).await, "{body:?}");
    }
}

#[tokio::test]
async fn all_sessions_ends_every_token_and_a_new_login_works_at_once() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let first = session(&stack, &org, &org.employee, &org.employee_id).await;
    let second = session(&stack, &org, &org.employee, &org.employee_id).await;
    let reply = logout(&stack, &first, Some(r#"{"allSessions": true}"#)).await;
    assert_eq!(
        (reply.status, reply.body),
        (200, json!({"message": "success"}))
    );
    assert!(!accepted(&stack, &first).await);
    assert!(!accepted(&stack, &second).await);
    let third = session(&stack, &org, &org.employee, &org.employee_id).await;
    assert!(accepted(&stack, &third).await);
    // Other users of the org keep their sessions.
    let other = session(&stack, &org, &org.end_user, &org.end_user_id).await;
    assert!(accepted(&stack, &other).await);
}

/// The login right after a logout of every session works at once: the
/// cut-off is kept to the millisecond and compared with the instant the
/// token id carries, so no second needs to pass, and `iat` stays the true
/// second (relying parties that refuse a future `iat` accept it). The
/// same-millisecond case is the unit tests' (`lifecycle`, `model`).
#[tokio::test]
async fn a_login_right_after_a_logout_of_every_session_works() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let jwks = stack.jwks().await;
    let sa = Client::new(&stack, &org.sa);
    let login_body = json!({ "username": org.end_user }).to_string();
    // Signed beforehand: it is the service account's, and survives the
    // user's logout.
    let ua = sa.user_action(LOGIN, &login_body).await;
    let old = session(&stack, &org, &org.end_user, &org.end_user_id).await;
    let reply = logout(&stack, &old, Some(r#"{"allSessions": true}"#)).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let login = sa
        .post(LOGIN, &login_body, &[("X-DFNS-USERACTION", &ua)])
        .await;
    assert_eq!(login.status, 200, "{login:?}");
    let token = login.body["token"].as_str().unwrap().to_string();
    let new_iat = iat(&token, &jwks);
    assert!(
        new_iat <= chrono::Utc::now().timestamp(),
        "iat is never ahead"
    );
    assert!(iat(&old.info.token, &jwks) <= new_iat);
    assert!(!accepted(&stack, &old).await);
    // The new token, with the credential `old` added before the logout.
    let info = ServiceAccount { token, ..old.info };
    let new = Account { info, key: old.key };
    assert!(accepted(&stack, &new).await);
}

#[tokio::test]
async fn a_revoked_token_is_refused_everywhere_on_the_very_next_request() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let user = session(&stack, &org, &org.employee, &org.employee_id).await;
    let client = Client::new(&stack, &user);
    // This also leaves the token in the service's verified-token cache:
    // every request below goes through the same service instance.
    let challenge = client.init(LOGIN, "{}").await;
    assert_eq!(challenge.status, 200, "{challenge:?}");
    assert_eq!(logout(&stack, &user, None).await.status, 200);
    client
        .init(LOGIN, "{}")
        .await
        .assert_error(401, "Not Authorized.");
    client
        .post(
            "/auth/action",
            &client.assertion(&challenge.body).to_string(),
            &[],
        )
        .await
        .assert_error(401, "Not Authorized.");
    for body in [None, Some("{}"), Some(r#"{"allSessions": true}"#)] {
        logout(&stack, &user, body)
            .await
            .assert_error(401, "Not Authorized.");
    }
}

#[tokio::test]
async fn service_accounts_cannot_log_out() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    for body in [None, Some(r#"{"allSessions": true}"#)] {
        logout(&stack, &org.sa, body).await.assert_error(
            403,
            "service accounts cannot log out; revoke the token instead",
        );
    }
    // Nothing was revoked or cut off.
    assert!(accepted(&stack, &org.sa).await);
    let reply = Client::new(&stack, &org.sa)
        .delegated_login(&org.end_user)
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
}

#[tokio::test]
async fn refusals_come_in_order_and_end_nothing() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let user = session(&stack, &org, &org.end_user, &org.end_user_id).await;
    let bearer = Client::new(&stack, &user).bearer();
    let n = nonce();
    // No bearer token.
    stack
        .send("PUT", LOGOUT, &[("X-DFNS-NONCE", n.as_str())], Some("{}"))
        .await
        .assert_error(401, "Not Authorized.");
    // No nonce, under the default policy (the TS 0.6 SDK sends one on PUTs too).
    stack
        .send_without_content_type("PUT", LOGOUT, &[("Authorization", bearer.as_str())], None)
        .await
        .assert_error(400, "request nonce is missing or invalid");
    // Malformed bodies: the field is named, the input never echoed.
    for (body, message) in [
        (
            r#"{"allSessions": "yes-secret"}"#,
            "allSessions must be a boolean",
        ),
        (r#"{"allSessions": 1}"#, "allSessions must be a boolean"),
        ("not json", "invalid request body: not JSON"),
        ("[true]", "invalid request body: expected a JSON object"),
        ("null", "invalid request body: expected a JSON object"),
        ("42", "invalid request body: expected a JSON object"),
        (
            r#"{"allSessions": {"$ne": null}}"#,
            "allSessions must be a boolean",
        ),
    ] {
        logout(&stack, &user, Some(body))
            .await
            .assert_error(400, message);
    }
    let deep = "{".repeat(5000);
    let reply = logout(&stack, &user, Some(&deep)).await;
    assert_eq!(reply.status, 400, "{reply:?}");
    assert!(reply.message().starts_with("invalid request body: "));
    // A replayed nonce: refused before anything is written.
    let headers = [
        ("Authorization", bearer.as_str()),
        ("X-DFNS-NONCE", n.as_str()),
    ];
    stack
        .send("PUT", LOGOUT, &headers, Some(r#"{"allSessions": 1}"#))
        .await
        .assert_error(400, "allSessions must be a boolean");
    stack
        .send("PUT", LOGOUT, &headers, None)
        .await
        .assert_error(400, "request nonce has already been used");
    stack
        .send("POST", LOGOUT, &headers, None)
        .await
        .assert_error(405, "Method Not Allowed");
    assert!(accepted(&stack, &user).await);
}

#[tokio::test]
async fn cli_deactivation_ends_existing_tokens_for_good() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let user = &org.end_user_id;
    let old = session(&stack, &org, &org.end_user, user).await;
    let sa = Client::new(&stack, &org.sa);

    let out = json(&admin_tables(
        &format!("user deactivate --user-id {user}"),
        &[],
    ));
    assert_eq!(out, json!({"userId": user, "status": "Inactive"}));
    assert!(!accepted(&stack, &old).await);
    sa.delegated_login(&org.end_user)
        .await
        .assert_error(400, "User account has been deactivated.");
    // Idempotent, both ways.
    json(&admin_tables(
        &format!("user deactivate --user-id {user}"),
        &[],
    ));
    for _ in 0..2 {
        let out = json(&admin_tables(
            &format!("user activate --user-id {user}"),
            &[],
        ));
        assert_eq!(out, json!({"userId": user, "status": "Active"}));
    }
    assert!(!accepted(&stack, &old).await, "old tokens stay dead");
    let new = session(&stack, &org, &org.end_user, user).await;
    assert!(accepted(&stack, &new).await, "a new login works at once");

    // A service account too: its old token stays dead, a new one works at once.
    let sa_id = &org.sa.info.user_id;
    json(&admin_tables(
        &format!("user deactivate --user-id {sa_id}"),
        &[],
    ));
    assert!(!accepted(&stack, &org.sa).await);
    json(&admin_tables(
        &format!("user activate --user-id {sa_id}"),
        &[],
    ));
    assert!(!accepted(&stack, &org.sa).await);
    let signing = [
        ("SIGNING_KEY_ID", stack.key_id.as_str()),
        ("TOKEN_ISSUER", ISSUER),
    ];
    let issued = json(&admin_tables(
        &format!("token create --service-account {sa_id} --days-valid 1"),
        &signing,
    ));
    let renewed = Account {
        info: ServiceAccount {
            token: issued["token"].as_str().unwrap().to_string(),
            ..org.sa.info.clone()
        },
        key: org.sa.key,
    };
    let reply = Client::new(&stack, &renewed)
        .delegated_login(&org.end_user)
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");

    let unknown = admin_tables(
        "user activate --user-id us-00000-00000-0000000000000000",
        &[],
    );
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("not found"));
}
