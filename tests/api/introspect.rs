//! `POST /auth/token/introspect` (TRUST.md "Token introspection"): who may
//! ask, both body shapes, and `{"active": false}` for every token that is
//! not valid here right now.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use delegated_login::adapters::kms::KmsSigner;
use delegated_login::domain::ports::Signer;
use delegated_login::domain::token::{assemble, signing_input, Claims};
use serde_json::{json, Value};

use crate::registration::{challenge_for, email, OPERATIONS};
use crate::support::*;

pub const INTROSPECT: &str = "/auth/token/introspect";
pub const OP: &str = "Auth:Tokens:Introspect";

/// Delegated login and registration, and introspection.
pub fn with_introspection() -> Vec<&'static str> {
    let mut ops: Vec<&str> = OPERATIONS.to_vec();
    ops.push(OP);
    ops
}

/// Introspects `token` as `caller`, form-encoded.
pub async fn introspect(stack: &Stack, caller: &Account, token: &str) -> Value {
    let body = format!("token={}", urlencode(token));
    let reply = Client::new(stack, caller)
        .post(INTROSPECT, &body, &[])
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    reply.body
}

pub fn inactive() -> Value {
    json!({ "active": false })
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn claims_of(token: &str) -> Claims {
    let part = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// `claims` signed with the issuer's own KMS key: a genuine signature.
async fn signed(stack: &Stack, claims: &Claims) -> String {
    let signer = KmsSigner::new(aws_sdk_kms::Client::new(&stack.sdk), &stack.key_id);
    let input = signing_input(signer.key_id(), claims);
    let signature = signer.sign(input.as_bytes()).await.unwrap();
    assemble(&input, &signature)
}

fn login_token(reply: &Reply) -> String {
    assert_eq!(reply.status, 200, "{reply:?}");
    reply.body["token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_valid_login_token_is_active_with_its_claims() {
    // On the heap: the whole flow is too large a future for a test thread.
    Box::pin(async {
        let stack = Stack::start().await;
        let org = stack.org(KeyKind::P256, &with_introspection()).await;
        let token = login_token(
            &Client::new(&stack, &org.sa)
                .delegated_login(&org.end_user)
                .await,
        );
        let answer = introspect(&stack, &org.sa, &token).await;
        let claims = verify_with_jwks(&token, &stack.jwks().await).1;
        assert_eq!(answer["active"], true);
        assert_eq!(answer["token_type"], "Token");
        for claim in [
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "jti",
            "https://custom/username",
            "https://custom/app_metadata",
            "act",
        ] {
            assert_eq!(answer[claim], claims[claim], "{claim}");
            assert!(!answer[claim].is_null(), "{claim}");
        }
        assert_eq!(answer["act"]["sub"], org.sa.info.user_id.as_str());
        assert_eq!(answer["https://custom/username"], org.end_user.as_str());

        // A service account token (its own, here) too; and the JSON body.
        let body = json!({ "token": org.sa.info.token }).to_string();
        let reply = Client::new(&stack, &org.sa)
            .post(INTROSPECT, &body, &[])
            .await;
        assert_eq!(reply.status, 200, "{reply:?}");
        assert_eq!(reply.body["active"], true);
        assert_eq!(reply.body["token_type"], "ServiceAccount");
        assert_eq!(reply.body["jti"], org.sa.info.token_id.as_str());
        assert!(reply.body.get("act").is_none());
    })
    .await;
}

#[tokio::test]
async fn expired_future_forged_and_garbage_tokens_are_inactive() {
    // On the heap: the whole flow is too large a future for a test thread.
    Box::pin(async {
        let stack = Stack::start().await;
        let org = stack.org(KeyKind::P256, &with_introspection()).await;
        let token = login_token(
            &Client::new(&stack, &org.sa)
                .delegated_login(&org.end_user)
                .await,
        );
        let claims = claims_of(&token);
        let now = chrono::Utc::now().timestamp();
        // Genuinely signed, but expired (beyond the leeway) or not yet valid.
        let expired = signed(
            &stack,
            &Claims {
                iat: now - 7200,
                exp: now - 3600,
                ..claims.clone()
            },
        )
        .await;
        let future = signed(
            &stack,
            &Claims {
                iat: now + 3600,
                exp: now + 7200,
                ..claims.clone()
            },
        )
        .await;
        let not_before = signed(
            &stack,
            &Claims {
                nbf: Some(now + 3600),
                ..claims.clone()
            },
        )
        .await;
        // The same claims under another key (another stack's), and a tampered one.
        let other = Stack::start().await;
        let foreign = signed(&other, &claims).await;
        let tampered = {
            let parts: Vec<&str> = token.split('.').collect();
            let mut c = claims.clone();
            c.app_metadata.user_id = org.employee_id.clone();
            let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&c).unwrap());
            format!("{}.{}.{}", parts[0], body, parts[2])
        };
        for bad in [
            expired.as_str(),
            future.as_str(),
            not_before.as_str(),
            foreign.as_str(),
            tampered.as_str(),
            "a.b.c",
            "garbage",
            "",
        ] {
            assert_eq!(introspect(&stack, &org.sa, bad).await, inactive(), "{bad}");
        }
        // The genuine token still is.
        assert_eq!(introspect(&stack, &org.sa, &token).await["active"], true);
    })
    .await;
}

#[tokio::test]
async fn revoked_logged_out_foreign_and_temporary_tokens_are_inactive() {
    // On the heap: the whole flow is too large a future for a test thread.
    Box::pin(async {
        let stack = Stack::start().await;
        let org = stack.org(KeyKind::P256, &with_introspection()).await;
        let client = Client::new(&stack, &org.sa);

        let revoked = login_token(&client.delegated_login(&org.end_user).await);
        let jti = claims_of(&revoked).jti;
        assert_eq!(introspect(&stack, &org.sa, &revoked).await["active"], true);
        stack.admin.revoke_token(&jti).await.unwrap();
        assert_eq!(introspect(&stack, &org.sa, &revoked).await, inactive());

        // Logged out: this session, then every session.
        let session = login_token(&client.delegated_login(&org.employee).await);
        let other_session = login_token(&client.delegated_login(&org.employee).await);
        let user = Account {
            info: delegated_login::admin::ServiceAccount {
                user_id: org.employee_id.clone(),
                credential_id: String::new(),
                cred_id: String::new(),
                token_id: String::new(),
                token: session.clone(),
            },
            key: TestKey::generate(KeyKind::P256),
        };
        let bearer = Client::new(&stack, &user).bearer();
        let n = nonce();
        let headers = [
            ("Authorization", bearer.as_str()),
            ("X-DFNS-NONCE", n.as_str()),
        ];
        let out = stack
            .send(
                "PUT",
                "/auth/logout",
                &headers,
                Some(r#"{"allSessions":true}"#),
            )
            .await;
        assert_eq!(out.status, 200, "{out:?}");
        assert_eq!(introspect(&stack, &org.sa, &session).await, inactive());
        assert_eq!(
            introspect(&stack, &org.sa, &other_session).await,
            inactive()
        );

        // Deactivated user.
        let end_user = login_token(&client.delegated_login(&org.end_user).await);
        stack.admin.deactivate_user(&org.end_user_id).await.unwrap();
        assert_eq!(introspect(&stack, &org.sa, &end_user).await, inactive());

        // Another org's valid token, asked by this org's service account.
        let other = stack.org(KeyKind::P256, &with_introspection()).await;
        let foreign = login_token(
            &Client::new(&stack, &other.sa)
                .delegated_login(&other.end_user)
                .await,
        );
        assert_eq!(
            introspect(&stack, &other.sa, &foreign).await["active"],
            true
        );
        assert_eq!(introspect(&stack, &org.sa, &foreign).await, inactive());
        assert_eq!(
            introspect(&stack, &org.sa, &other.sa.info.token).await,
            inactive()
        );

        // A temporary registration token is never a login token.
        let temp = challenge_for(&client, &email("temp"), "EndUser")
            .await
            .token;
        assert_eq!(introspect(&stack, &org.sa, &temp).await, inactive());
    })
    .await;
}

#[tokio::test]
async fn only_a_service_account_holding_the_operation_may_ask() {
    // On the heap: the whole flow is too large a future for a test thread.
    Box::pin(async {
        let stack = Stack::start().await;
        let org = stack.org(KeyKind::P256, &with_introspection()).await;
        let token = org.sa.info.token.clone();
        let body = format!("token={token}");

        // No bearer, a bad one.
        let n = nonce();
        stack
            .send(
                "POST",
                INTROSPECT,
                &[("X-DFNS-NONCE", n.as_str())],
                Some(&body),
            )
            .await
            .assert_error(401, "Not Authorized.");
        let n = nonce();
        stack
            .send(
                "POST",
                INTROSPECT,
                &[
                    ("X-DFNS-NONCE", n.as_str()),
                    ("Authorization", "Bearer a.b.c"),
                ],
                Some(&body),
            )
            .await
            .assert_error(401, "Not Authorized.");

        // A user's login token.
        let user = stack.delegated_employee(&org, false).await;
        Client::new(&stack, &user)
            .post(INTROSPECT, &body, &[])
            .await
            .assert_error(
                403,
                &format!(
                    "CustomerEmployee {} is not authorized to perform operation ({OP})",
                    org.employee_id
                ),
            );

        // A service account without the operation.
        let without = stack
            .service_account(&org.org_id, KeyKind::P256, &ALL_OPERATIONS)
            .await;
        Client::new(&stack, &without)
            .post(INTROSPECT, &body, &[])
            .await
            .assert_error(
                403,
                &format!(
                    "CustomerEmployee {} is not authorized to perform operation ({OP})",
                    without.info.user_id
                ),
            );

        // A body without a token, after the caller checks passed.
        Client::new(&stack, &org.sa)
            .post(INTROSPECT, "token_type_hint=access_token", &[])
            .await
            .assert_error(400, "token is required");
        // The nonce policy applies, as for every POST.
        let bearer = Client::new(&stack, &org.sa).bearer();
        stack
            .send(
                "POST",
                INTROSPECT,
                &[("Authorization", bearer.as_str())],
                Some(&body),
            )
            .await
            .assert_error(400, "request nonce is missing or invalid");
    })
    .await;
}
