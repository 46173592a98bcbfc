//! What a delegated login issues, and the callers whose verified tokens
//! are still refused because their records say so.

use super::support::*;
use crate::domain::decode_base64url;
use crate::domain::ids::TokenId;
use crate::domain::model::{Caller, Identity, TokenKind};
use crate::domain::ports::DirectoryWriter;
use crate::domain::time::UnixTime;
use crate::domain::token::{Actor, Claims, AUDIENCE};

/// The answer of a login without a user action: 403 from an active
/// caller (checks 1 to 4 passed), 401 from one no longer active.
async fn probe(w: &World, account: &Account) -> Result<(), crate::Error> {
    let req = w.post(account, LOGIN, &login_body("nobody@example.co"));
    w.login_req(&req).await.0.map(|_| ())
}

fn part(token: &str, i: usize) -> serde_json::Value {
    let bytes = decode_base64url(token.split('.').nth(i).unwrap()).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn the_issued_token_verifies_and_names_its_actor() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    for target in [&org.end_user, &org.employee] {
        let (answer, decision) = w.login(&org.sa, target.username.as_str()).await;
        let token = answer.unwrap().token.into_inner();
        let jti = decision.issued_token.clone().unwrap();
        let bearer = format!("Bearer {token}");
        let now = UnixTime::now().as_secs();
        let caller = w.service.keys.verify_authorization(Some(&bearer), now);
        let expected = Caller {
            user_id: target.user_id.clone(),
            org_id: org.org_id.clone(),
            token_id: jti.clone(),
            token_kind: TokenKind::Token,
            issued_at: caller.as_ref().expect("verifies").issued_at,
            minted_at: jti.minted_at().expect("a timed id"),
            actor: Some(org.sa.id().clone()),
        };
        assert_eq!(caller, Ok(expected));
        let issued_at = caller.expect("verifies").issued_at.as_secs();
        assert!(
            (now - 5..=now).contains(&issued_at),
            "iat {issued_at} is now"
        );
        assert!(!jti.is_service_account() && jti.as_str().starts_with("uj-"));

        let header = part(&token, 0);
        let expected = serde_json::json!({"typ": "JWT", "alg": "ES256", "kid": "unit-key"});
        assert_eq!(header, expected);
        let claims: Claims = serde_json::from_value(part(&token, 1)).unwrap();
        let actor = Actor {
            sub: org.sa.id().to_string(),
        };
        assert_eq!(claims.act, Some(actor));
        assert_eq!(
            (claims.iss.as_str(), claims.aud.as_str()),
            (ISSUER, AUDIENCE)
        );
        assert_eq!(claims.sub, org.org_id.as_str());
        assert_eq!(claims.username, target.username.as_str());
        assert_eq!(claims.jti, jti.as_str());
        assert_eq!(claims.exp - claims.iat, TTL_SECS);

        // The login token is a working bearer of the user.
        let account = Account {
            identity: target.clone(),
            token_id: jti,
            token,
            key: None,
        };
        assert_error(&probe(&w, &account).await, 403, UA_INVALID);
    }
}

#[tokio::test]
async fn revoked_and_unrecorded_service_account_tokens_are_401() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    let sa = &org.sa.identity;
    let record = w.token_record(sa);
    w.directory().put_token(&record).await.unwrap();
    let second = Account {
        identity: sa.clone(),
        token: w
            .bearer(sa, TokenKind::ServiceAccount, &record.token_id)
            .await,
        token_id: record.token_id,
        key: None,
    };
    assert_error(&probe(&w, &org.sa).await, 403, UA_INVALID);
    w.directory().revoke_token(&org.sa.token_id).await.unwrap();
    assert_error(&probe(&w, &org.sa).await, 401, NOT_AUTHORIZED);
    // Revocation is per token: the account's other token still works.
    assert_error(&probe(&w, &second).await, 403, UA_INVALID);

    // Signed by the issuer, never recorded.
    let unrecorded = TokenId::new_service_account();
    let account = Account {
        identity: sa.clone(),
        token: w.bearer(sa, TokenKind::ServiceAccount, &unrecorded).await,
        token_id: unrecorded,
        key: None,
    };
    assert_error(&probe(&w, &account).await, 401, NOT_AUTHORIZED);
}

#[tokio::test]
async fn a_deactivated_service_account_is_401_with_every_token() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    w.set_active(&org.sa.identity, false).await;
    assert_error(&probe(&w, &org.sa).await, 401, NOT_AUTHORIZED);
    w.set_active(&org.sa.identity, true).await;
    assert_error(&probe(&w, &org.sa).await, 403, UA_INVALID);
}

#[tokio::test]
async fn tokens_must_agree_with_the_record_they_name() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    let other = w.new_org().await;
    let sa = &org.sa.identity;
    let as_account = |identity: &Identity, token: String, token_id: TokenId| Account {
        identity: identity.clone(),
        token,
        token_id,
        key: None,
    };

    // A service account token for a user, even one on record.
    let record = w.token_record(&org.end_user);
    w.directory().put_token(&record).await.unwrap();
    let token = w
        .bearer(&org.end_user, TokenKind::ServiceAccount, &record.token_id)
        .await;
    let account = as_account(&org.end_user, token, record.token_id);
    assert_error(&probe(&w, &account).await, 401, NOT_AUTHORIZED);

    // A login token for a service account.
    let jti = TokenId::new_issued();
    let token = w.bearer(sa, TokenKind::Token, &jti).await;
    let account = as_account(sa, token, jti);
    assert_error(&probe(&w, &account).await, 401, NOT_AUTHORIZED);

    // The service account's own token id, claimed for another org.
    let elsewhere = Identity {
        org_id: other,
        ..sa.clone()
    };
    let token = w
        .bearer(&elsewhere, TokenKind::ServiceAccount, &org.sa.token_id)
        .await;
    let account = as_account(&elsewhere, token, org.sa.token_id.clone());
    assert_error(&probe(&w, &account).await, 401, NOT_AUTHORIZED);

    // Another service account's token id: on record, active, not its own.
    let second = w.service_account(&org.org_id, &ALL_OPERATIONS).await;
    let token = w
        .bearer(
            &second.identity,
            TokenKind::ServiceAccount,
            &org.sa.token_id,
        )
        .await;
    let account = as_account(&second.identity, token, org.sa.token_id.clone());
    assert_error(&probe(&w, &account).await, 401, NOT_AUTHORIZED);
    assert_error(&probe(&w, &second).await, 403, UA_INVALID);
}

#[tokio::test]
async fn a_revoked_or_deactivated_login_token_is_401() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    let employee = w.logged_in(&org, &org.employee, false).await;
    let end_user = w.logged_in(&org, &org.end_user, false).await;
    assert_error(&probe(&w, &employee).await, 403, UA_INVALID);
    w.directory()
        .revoke_token(&employee.token_id)
        .await
        .unwrap();
    assert_error(&probe(&w, &employee).await, 401, NOT_AUTHORIZED);

    assert_error(&probe(&w, &end_user).await, 403, UA_INVALID);
    w.set_active(&org.end_user, false).await;
    assert_error(&probe(&w, &end_user).await, 401, NOT_AUTHORIZED);
}
