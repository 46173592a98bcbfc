//! The `Decision` each request fills in for the log, rejections included.

use super::support::*;

#[tokio::test]
async fn the_caller_is_named_once_its_token_verifies() {
    let w = World::new();
    let org = w.org(&[]).await;
    let sa = Some(org.sa.id().clone());
    let name = org.end_user.username.as_str();

    // Refused for its nonce, yet verified: the log says who sent it.
    let mut req = w.post(&org.sa, LOGIN, &login_body(name));
    req.nonce = Some("not a nonce".to_string().into());
    let (answer, decision) = w.login_req(&req).await;
    assert_error(&answer, 400, NONCE_INVALID);
    assert_eq!(decision.caller, sa);

    req.authorization = Some("Bearer forged".to_string().into());
    assert_eq!(w.login_req(&req).await.1.caller, None);

    // A 400 on the body and a 403 on the operations.
    let (answer, decision) = w.login_req(&w.post(&org.sa, LOGIN, "{}")).await;
    assert_error(&answer, 400, "username is required");
    assert_eq!((decision.caller, decision.target), (sa.clone(), None));
    let (answer, decision) = w.login(&org.sa, name).await;
    assert_error(&answer, 403, &forbidden(&org.sa.identity, READ));
    assert_eq!(decision.caller, sa);
    assert_eq!((decision.target, decision.issued_token), (None, None));

    // A verified token of a deactivated account: refused, still named.
    w.set_active(&org.sa.identity, false).await;
    let (answer, decision) = w.login_req(&w.post(&org.sa, LOGIN, "{}")).await;
    assert_error(&answer, 401, NOT_AUTHORIZED);
    assert_eq!(decision.caller, sa);
}

#[tokio::test]
async fn the_target_is_named_once_looked_up() {
    let w = World::new();
    let org = w.org(&[READ, DELEGATE, END_USER]).await;
    let (end_user, employee) = (&org.end_user, &org.employee);

    let (answer, decision) = w.login(&org.sa, employee.username.as_str()).await;
    assert_error(&answer, 403, &forbidden(&org.sa.identity, EMPLOYEE));
    assert_eq!(decision.target, Some(employee.user_id.clone()));

    w.set_active(end_user, false).await;
    let (answer, decision) = w.login(&org.sa, end_user.username.as_str()).await;
    assert_error(&answer, 400, "User account has been deactivated.");
    assert_eq!(decision.target, Some(end_user.user_id.clone()));
    assert_eq!(decision.issued_token, None);

    let (answer, decision) = w.login(&org.sa, "nobody@example.co").await;
    assert_error(&answer, 401, USER_NOT_FOUND);
    assert_eq!(decision.target, None);
}

#[tokio::test]
async fn a_login_names_the_token_it_issued_and_its_stages() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    let (answer, decision) = w.login(&org.sa, org.employee.username.as_str()).await;
    let token = answer.unwrap().token.into_inner();
    let jti = decision.issued_token.clone().unwrap();
    let claims = token.split('.').nth(1).unwrap();
    let claims = crate::domain::decode_base64url(claims).unwrap();
    let claims: crate::domain::token::Claims = serde_json::from_slice(&claims).unwrap();
    assert_eq!(claims.jti, jti.as_str());
    assert_eq!(decision.caller.as_ref(), Some(org.sa.id()));
    assert_eq!(decision.target.as_ref(), Some(&org.employee.user_id));
    // The credential that signed the user action it spent.
    let signed_with = org.sa.key().credential.credential_id.clone();
    assert_eq!(decision.credential, Some(signed_with));
    let t = decision.timings;
    assert!(t.store_ms.is_some() && t.sign_ms.is_some() && t.write_ms.is_none());
}

#[tokio::test]
async fn an_action_names_the_credential_it_verified() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    let key = org.sa.key();
    let req = w.post(&org.sa, INIT, &init_body("POST", LOGIN, "{}"));
    let (answer, decision) = w.init_req(&req).await;
    let challenge = answer.unwrap();
    assert_eq!(decision.caller.as_ref(), Some(org.sa.id()));
    assert_eq!((decision.credential, decision.target), (None, None));
    // One stage: the challenge is written with the caller's reads.
    assert!(decision.timings.store_ms.is_some() && decision.timings.write_ms.is_none());

    let (answer, decision) = w.action(&org.sa, &key.assertion(&challenge)).await;
    assert!(answer.is_ok());
    assert_eq!(
        decision.credential,
        Some(key.credential.credential_id.clone())
    );
    assert_eq!(decision.caller.as_ref(), Some(org.sa.id()));
    assert_eq!((decision.target, decision.issued_token), (None, None));
    assert!(decision.timings.store_ms.is_some() && decision.timings.write_ms.is_none());

    // A spent challenge: refused before any credential is looked at.
    let (answer, decision) = w.action(&org.sa, &key.assertion(&challenge)).await;
    assert_error(&answer, 400, CHALLENGE_INVALID);
    assert_eq!(decision.credential, None);
    assert_eq!(decision.caller.as_ref(), Some(org.sa.id()));
}
