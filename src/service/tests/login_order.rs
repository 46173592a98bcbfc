//! `POST /auth/login/delegated` answers the contract's checks in order:
//! each test presents two failures at once, and the earlier check wins.

use super::support::*;
use crate::domain::nonce::NoncePolicy;
use crate::domain::ports::DirectoryWriter;

#[tokio::test]
async fn a_malformed_nonce_is_answered_before_the_bearer() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    let body = login_body(org.end_user.username.as_str());
    for nonce in [Some("not a nonce".to_string()), Some(nonce_at(-301)), None] {
        let mut req = w.post(&org.sa, LOGIN, &body);
        req.nonce = nonce.map(Into::into);
        req.authorization = Some("Bearer forged".to_string().into());
        assert_error(&w.login_req(&req).await.0, 400, NONCE_INVALID);
        req.authorization = None;
        assert_error(&w.login_req(&req).await.0, 400, NONCE_INVALID);
    }
    // Under the optional policy an absent nonce goes on to the bearer.
    let w = World::with_policy(NoncePolicy::Optional);
    let org = w.org(&ALL_OPERATIONS).await;
    let mut req = w.post(&org.sa, LOGIN, &body);
    req.nonce = None;
    req.authorization = Some("Bearer forged".to_string().into());
    assert_error(&w.login_req(&req).await.0, 401, NOT_AUTHORIZED);
}

#[tokio::test]
async fn a_bad_or_inactive_bearer_is_answered_before_a_reused_nonce() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    let body = login_body(org.end_user.username.as_str());
    // Passes the nonce check, fails later: the nonce is now recorded.
    let first = w.post(&org.sa, LOGIN, &body);
    assert_error(&w.login_req(&first).await.0, 403, UA_INVALID);
    assert_error(&w.login_req(&first).await.0, 400, NONCE_REUSED);

    let mut forged = first.clone();
    forged.authorization = Some("Bearer forged".to_string().into());
    assert_error(&w.login_req(&forged).await.0, 401, NOT_AUTHORIZED);
    // A token that verifies but is revoked, or whose account is
    // deactivated, is refused before the nonce too.
    w.directory().revoke_token(&org.sa.token_id).await.unwrap();
    assert_error(&w.login_req(&first).await.0, 401, NOT_AUTHORIZED);

    let sa = w.service_account(&org.org_id, &ALL_OPERATIONS).await;
    let req = w.post(&sa, LOGIN, &body);
    assert_error(&w.login_req(&req).await.0, 403, UA_INVALID);
    w.set_active(&sa.identity, false).await;
    assert_error(&w.login_req(&req).await.0, 401, NOT_AUTHORIZED);
}

#[tokio::test]
async fn a_reused_nonce_is_answered_before_the_body() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    let first = w.post(&org.sa, LOGIN, &login_body("nobody@example.co"));
    assert_error(&w.login_req(&first).await.0, 403, UA_INVALID);
    let mut bad_body = first.clone();
    bad_body.body = b"not json".to_vec().into();
    assert_error(&w.login_req(&bad_body).await.0, 400, NONCE_REUSED);
}

#[tokio::test]
async fn the_body_is_answered_before_the_user_action() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    for (body, message) in [
        ("{}", "username is required"),
        (r#"{"username":""}"#, "username must be a non-empty string"),
        (r#"{"username":1}"#, "username must be a string"),
        (
            r#"["someone"]"#,
            "invalid request body: expected a JSON object",
        ),
        // An absent body is the empty payload: `{}`.
        ("", "username is required"),
    ] {
        let mut req = w.post(&org.sa, LOGIN, body);
        assert_error(&w.login_req(&req).await.0, 400, message);
        req.nonce = Some(nonce_at(0).into());
        req.user_action = Some("made-up".to_string().into());
        assert_error(&w.login_req(&req).await.0, 400, message);
    }
}

#[tokio::test]
async fn the_user_action_is_answered_before_the_caller_kind() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    let employee = w.logged_in(&org, &org.employee, true).await;
    let body = login_body(org.end_user.username.as_str());
    let mut req = w.post(&employee, LOGIN, &body);
    assert_error(&w.login_req(&req).await.0, 403, UA_INVALID);
    req.nonce = Some(nonce_at(0).into());
    req.user_action = Some("made-up".to_string().into());
    assert_error(&w.login_req(&req).await.0, 403, UA_INVALID);
}

#[tokio::test]
async fn a_login_token_cannot_delegate_whatever_it_holds() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    let employee = w.logged_in(&org, &org.employee, true).await;
    let target = org.end_user.username.as_str();
    // Holding nothing, it is refused Delegate (check 6), not Read (check 7).
    let denied = forbidden(&org.employee, DELEGATE);
    assert_error(&w.login(&employee, target).await.0, 403, &denied);
    w.grant(&org.employee, &ALL_OPERATIONS).await;
    assert_error(&w.login(&employee, target).await.0, 403, &denied);

    let end_user = w.logged_in(&org, &org.end_user, true).await;
    let (answer, _) = w.login(&end_user, org.employee.username.as_str()).await;
    let message = forbidden(&org.end_user, DELEGATE);
    assert!(message.starts_with("EndUser us-"), "{message}");
    assert_error(&answer, 403, &message);
}

#[tokio::test]
async fn read_is_named_before_delegate_and_before_the_lookup() {
    let w = World::new();
    let org = w.org(&[]).await;
    let sa = &org.sa.identity;
    let end_user = org.end_user.username.as_str();
    let read = forbidden(sa, READ);
    assert_error(&w.login(&org.sa, end_user).await.0, 403, &read);
    assert_error(&w.login(&org.sa, "nobody@example.co").await.0, 403, &read);

    let delegate_only = w.service_account(&org.org_id, &[DELEGATE]).await;
    let (answer, _) = w.login(&delegate_only, end_user).await;
    assert_error(&answer, 403, &forbidden(&delegate_only.identity, READ));

    let read_only = w.service_account(&org.org_id, &[READ]).await;
    let (answer, _) = w.login(&read_only, end_user).await;
    assert_error(&answer, 403, &forbidden(&read_only.identity, DELEGATE));
}

#[tokio::test]
async fn unknown_foreign_and_impossible_users_look_the_same() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    let other = w.org(&ALL_OPERATIONS).await;
    let upper = org.end_user.username.as_str().to_uppercase();
    let too_long = "a".repeat(257);
    let names = [
        "nobody@example.co",
        other.end_user.username.as_str(),
        other.employee.username.as_str(),
        &upper,
        SA_NAME,
        "a\u{0}b",
        &too_long,
    ];
    for name in names {
        let (answer, decision) = w.login(&org.sa, name).await;
        assert_error(&answer, 401, USER_NOT_FOUND);
        assert_eq!(decision.target, None, "{name}");
    }
    // Not found is answered before the type operations are looked at.
    let untyped = w.service_account(&org.org_id, &[READ, DELEGATE]).await;
    let (answer, _) = w.login(&untyped, "nobody@example.co").await;
    assert_error(&answer, 401, USER_NOT_FOUND);
}

#[tokio::test]
async fn the_type_operation_follows_the_target_and_precedes_its_status() {
    let w = World::new();
    let org = w.org(&[READ, DELEGATE, END_USER]).await;
    let (end_user, employee) = (
        org.end_user.username.as_str(),
        org.employee.username.as_str(),
    );
    assert!(w.login(&org.sa, end_user).await.0.is_ok());
    let (answer, _) = w.login(&org.sa, employee).await;
    assert_error(&answer, 403, &forbidden(&org.sa.identity, EMPLOYEE));

    let employees_only = w
        .service_account(&org.org_id, &[READ, DELEGATE, EMPLOYEE])
        .await;
    assert!(w.login(&employees_only, employee).await.0.is_ok());
    let missing = forbidden(&employees_only.identity, END_USER);
    assert_error(&w.login(&employees_only, end_user).await.0, 403, &missing);
    // A deactivated target the caller may not act on: the 403 comes first.
    w.set_active(&org.end_user, false).await;
    assert_error(&w.login(&employees_only, end_user).await.0, 403, &missing);
}

#[tokio::test]
async fn a_deactivated_target_is_400() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    let name = org.end_user.username.as_str();
    w.set_active(&org.end_user, false).await;
    let (answer, decision) = w.login(&org.sa, name).await;
    assert_error(&answer, 400, "User account has been deactivated.");
    assert_eq!(decision.issued_token, None);
    w.set_active(&org.end_user, true).await;
    assert!(w.login(&org.sa, name).await.0.is_ok());
}
