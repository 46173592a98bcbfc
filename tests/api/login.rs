//! `POST /auth/login/delegated`: the happy path for every key type and
//! each of the contract's checks, in order.

use crate::support::*;
use futures::future::join_all;
use serde_json::json;

const LOGIN: &str = "/auth/login/delegated";

#[tokio::test]
async fn logs_in_with_every_credential_key_type_and_token_verifies_independently() {
    let stack = Stack::start().await;
    for kind in ALL_KINDS {
        let org = stack.org(kind, &ALL_OPERATIONS).await;
        let client = Client::new(&stack, &org.sa);
        for (username, user_id) in [
            (&org.end_user, &org.end_user_id),
            (&org.employee, &org.employee_id),
        ] {
            let reply = client.delegated_login(username).await;
            assert_eq!(reply.status, 200, "{kind:?}: {reply:?}");
            let token = reply.body["token"].as_str().expect("token");
            let (header, claims) = verify_with_jwks(token, &stack.jwks().await);
            assert_eq!(
                header,
                json!({"typ": "JWT", "alg": "ES256", "kid": stack.key_id})
            );
            assert!(!stack.key_id.starts_with("arn:"));
            assert_eq!(claims["iss"], ISSUER);
            assert_eq!(claims["aud"], "dfns:auth:user");
            assert_eq!(claims["sub"], org.org_id);
            assert_eq!(claims["https://custom/username"], username.as_str());
            assert_eq!(
                claims["https://custom/app_metadata"],
                json!({"userId": user_id, "orgId": org.org_id, "tokenKind": "Token"})
            );
            assert_eq!(claims["act"], json!({"sub": org.sa.info.user_id}));
            assert!(claims["jti"].as_str().unwrap().starts_with("uj-"));
            assert_eq!(
                claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
                6 * 3600
            );
        }
    }
}

#[tokio::test]
async fn token_lifetime_is_configurable() {
    let stack = Stack::with_env(&[("DELEGATED_TOKEN_TTL_SECONDS", "900")]).await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let reply = Client::new(&stack, &org.sa)
        .delegated_login(&org.end_user)
        .await;
    let (_, claims) = verify_with_jwks(reply.body["token"].as_str().unwrap(), &stack.jwks().await);
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        900
    );
}

#[tokio::test]
async fn malformed_bodies_are_400_naming_the_field() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    for (body, message) in [
        ("not json", "invalid request body: not JSON"),
        ("", "username is required"),
        ("{}", "username is required"),
        (r#"{"user": "a@b.co"}"#, "username is required"),
        (r#"{"username": 42}"#, "username must be a string"),
        (r#"{"username": null}"#, "username must be a string"),
        (r#"{"username": ""}"#, "username must be a non-empty string"),
        (
            r#"{"username": "a@b.co", "username": "c@d.co"}"#,
            "username must be given once",
        ),
        ("[]", "invalid request body: expected a JSON object"),
    ] {
        let ua = client.user_action(LOGIN, body).await;
        client
            .post(LOGIN, body, &[("X-DFNS-USERACTION", &ua)])
            .await
            .assert_error(400, message);
    }
}

#[tokio::test]
async fn user_action_must_be_present_valid_and_bound() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    let body = json!({ "username": org.end_user }).to_string();
    let invalid = "user action signature is missing or invalid";

    client
        .post(LOGIN, &body, &[])
        .await
        .assert_error(403, invalid);
    client
        .post(LOGIN, &body, &[("X-DFNS-USERACTION", "made-up")])
        .await
        .assert_error(403, invalid);

    // Bound to another body.
    let other = json!({ "username": org.employee }).to_string();
    let ua = client.user_action(LOGIN, &other).await;
    client
        .post(LOGIN, &body, &[("X-DFNS-USERACTION", &ua)])
        .await
        .assert_error(403, invalid);
    // Bound to another path.
    let ua = client.user_action("/auth/action/init", &body).await;
    client
        .post(LOGIN, &body, &[("X-DFNS-USERACTION", &ua)])
        .await
        .assert_error(403, invalid);
    // Bound to another caller of the same org.
    let other_sa = stack
        .service_account(&org.org_id, KeyKind::P256, &ALL_OPERATIONS)
        .await;
    let ua = Client::new(&stack, &other_sa)
        .user_action(LOGIN, &body)
        .await;
    client
        .post(LOGIN, &body, &[("X-DFNS-USERACTION", &ua)])
        .await
        .assert_error(403, invalid);
    // A mismatched attempt does not spend it: its owner still can.
    assert_eq!(
        Client::new(&stack, &other_sa)
            .post(LOGIN, &body, &[("X-DFNS-USERACTION", &ua)])
            .await
            .status,
        200
    );

    // Spent once, then reused.
    let ua = client.user_action(LOGIN, &body).await;
    assert_eq!(
        client
            .post(LOGIN, &body, &[("X-DFNS-USERACTION", &ua)])
            .await
            .status,
        200
    );
    client
        .post(LOGIN, &body, &[("X-DFNS-USERACTION", &ua)])
        .await
        .assert_error(400, "user action has already been used");
}

#[tokio::test]
async fn concurrent_uses_of_one_user_action_issue_exactly_one_token() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    let body = json!({ "username": org.end_user }).to_string();
    let ua = client.user_action(LOGIN, &body).await;
    let headers = [("X-DFNS-USERACTION", ua.as_str())];
    let replies = join_all((0..64).map(|_| client.post(LOGIN, &body, &headers))).await;
    let ok = replies.iter().filter(|r| r.status == 200).count();
    let reused = replies
        .iter()
        .filter(|r| r.message() == "user action has already been used")
        .count();
    assert_eq!((ok, reused), (1, 63), "{replies:?}");
}

#[tokio::test]
async fn caller_must_be_a_service_account_with_read_and_delegate() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &[]).await;
    let client = Client::new(&stack, &org.sa);
    let sa_id = &org.sa.info.user_id;
    let reply = client.delegated_login(&org.end_user).await;
    reply.assert_error(
        403,
        &format!(
            "CustomerEmployee {sa_id} is not authorized to perform operation (Auth:Users:Read)"
        ),
    );

    let read_only = stack
        .service_account(&org.org_id, KeyKind::P256, &["Auth:Users:Read"])
        .await;
    let reply = Client::new(&stack, &read_only)
        .delegated_login(&org.end_user)
        .await;
    let id = &read_only.info.user_id;
    reply.assert_error(
        403,
        &format!(
            "CustomerEmployee {id} is not authorized to perform operation (Auth:Users:Delegate)"
        ),
    );

    // Type permissions follow the target's kind.
    let end_users_only = stack
        .service_account(
            &org.org_id,
            KeyKind::P256,
            &[
                "Auth:Users:Read",
                "Auth:Users:Delegate",
                "Auth:Types:EndUser",
            ],
        )
        .await;
    let client = Client::new(&stack, &end_users_only);
    assert_eq!(client.delegated_login(&org.end_user).await.status, 200);
    let id = &end_users_only.info.user_id;
    client.delegated_login(&org.employee).await.assert_error(
        403,
        &format!(
            "CustomerEmployee {id} is not authorized to perform operation (Auth:Types:Employee)"
        ),
    );
}

#[tokio::test]
async fn a_delegated_user_token_cannot_delegate() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    // Give the employee a credential and every permission: still not a service account.
    let employee = stack.delegated_employee(&org, true).await;
    let ops: Vec<String> = ALL_OPERATIONS.iter().map(|s| s.to_string()).collect();
    let pm = stack
        .admin
        .create_permission(&org.org_id, "all", &ops)
        .await
        .unwrap();
    stack
        .admin
        .assign_permission(&pm, &org.employee_id)
        .await
        .unwrap();
    let reply = Client::new(&stack, &employee)
        .delegated_login(&org.end_user)
        .await;
    reply.assert_error(
        403,
        &format!(
            "CustomerEmployee {} is not authorized to perform operation (Auth:Users:Delegate)",
            org.employee_id
        ),
    );
}

#[tokio::test]
async fn unknown_and_other_org_users_look_the_same() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let other = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    client
        .delegated_login(&other.end_user)
        .await
        .assert_error(401, "User not found");
    client
        .delegated_login("nobody@example.co")
        .await
        .assert_error(401, "User not found");
    // Exact match: no case folding.
    client
        .delegated_login(&org.end_user.to_uppercase())
        .await
        .assert_error(401, "User not found");
    // A service account is not a user to log in as.
    client
        .delegated_login("platform backend")
        .await
        .assert_error(401, "User not found");
}

#[tokio::test]
async fn deactivated_users_are_refused() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    stack.admin.deactivate_user(&org.end_user_id).await.unwrap();
    Client::new(&stack, &org.sa)
        .delegated_login(&org.end_user)
        .await
        .assert_error(400, "User account has been deactivated.");
}

#[tokio::test]
async fn non_ascii_usernames_bind_across_escaping() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let name = format!("jösé-{}@exämple.co", &org.org_id[3..8]);
    stack
        .admin
        .create_user(
            &org.org_id,
            &name,
            delegated_login::domain::model::UserKind::EndUser,
        )
        .await
        .unwrap();
    let client = Client::new(&stack, &org.sa);
    // Python SDK: signs ASCII-escaped JSON, sends UTF-8.
    let signed: String = json!({ "username": name })
        .to_string()
        .chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                format!("\\u{:04x}", c as u32)
            }
        })
        .collect();
    assert!(signed.contains("\\u00f6"));
    let ua = client.user_action(LOGIN, &signed).await;
    let sent = json!({ "username": name }).to_string();
    let reply = client
        .post(LOGIN, &sent, &[("X-DFNS-USERACTION", &ua)])
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let (_, claims) = verify_with_jwks(reply.body["token"].as_str().unwrap(), &stack.jwks().await);
    assert_eq!(claims["https://custom/username"], name.as_str());
}
