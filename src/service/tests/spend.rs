//! Each way a user action token is spent, refused or left behind by a
//! failing backend.

use futures::future::join_all;

use super::support::*;
use crate::adapters::memory::{DirectoryCall, ReplayCall};
use crate::domain::payload::binding;
use crate::domain::ports::{ChallengeRecord, ReplayStore, Signing};
use crate::domain::secret::{Redacted, SecretDigest};
use crate::domain::time::UnixTime;
use crate::domain::user_action::parse_user_action;

const INTERNAL: &str = "Internal Server Error";

#[tokio::test]
async fn a_user_action_is_spent_once_then_already_used() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    let name = org.end_user.username.as_str();
    let ua = w.user_action(&org.sa, LOGIN, &login_body(name)).await;
    let key = challenge_of(&ua);
    assert_eq!(w.replay().spent_at(&key), None);
    let req = w.login_request(&org.sa, name, &ua);
    assert!(w.login_req(&req).await.0.is_ok());
    assert!(w.replay().spent_at(&key).is_some());
    for _ in 0..2 {
        let again = w.login_request(&org.sa, name, &ua);
        assert_error(&w.login_req(&again).await.0, 400, UA_REUSED);
    }
}

#[tokio::test]
async fn of_concurrent_uses_exactly_one_logs_in() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    let name = org.end_user.username.as_str();
    let ua = w.user_action(&org.sa, LOGIN, &login_body(name)).await;
    let requests: Vec<_> = (0..16)
        .map(|_| w.login_request(&org.sa, name, &ua))
        .collect();
    let answers = join_all(requests.iter().map(|r| w.login_req(r))).await;
    let ok = answers.iter().filter(|(a, _)| a.is_ok()).count();
    let reused = answers
        .iter()
        .filter(|(a, _)| a.as_ref().is_err_and(|e| e.to_string() == UA_REUSED))
        .count();
    assert_eq!((ok, reused), (1, 15));
}

#[tokio::test]
async fn user_actions_of_other_requests_are_invalid_and_stay_unspent() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    let other_sa = w.service_account(&org.org_id, &ALL_OPERATIONS).await;
    let (name, employee) = (
        org.end_user.username.as_str(),
        org.employee.username.as_str(),
    );
    let body = login_body(name);

    assert_error(
        &w.login_req(&w.post(&org.sa, LOGIN, &body)).await.0,
        403,
        UA_INVALID,
    );
    let made_up = w.login_request(&org.sa, name, "made-up");
    assert_error(&w.login_req(&made_up).await.0, 403, UA_INVALID);

    let other_path = w.user_action(&org.sa, INIT, &body).await;
    let other_payload = w.user_action(&org.sa, LOGIN, &login_body(employee)).await;
    let other_method = w.user_action_for(&org.sa, "PUT", LOGIN, &body).await;
    let other_caller = w.user_action(&other_sa, LOGIN, &body).await;
    for ua in [&other_path, &other_payload, &other_method, &other_caller] {
        let req = w.login_request(&org.sa, name, ua);
        assert_error(&w.login_req(&req).await.0, 403, UA_INVALID);
        assert_eq!(w.replay().spent_at(&challenge_of(ua)), None);
    }
    // Refusals spend nothing: each still serves the request it is bound to.
    let own = w.login_request(&org.sa, employee, &other_payload);
    assert!(w.login_req(&own).await.0.is_ok());
    let own = w.login_request(&other_sa, name, &other_caller);
    assert!(w.login_req(&own).await.0.is_ok());
}

#[tokio::test]
async fn the_binding_ignores_formatting_and_the_query_string() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    let name = org.end_user.username.as_str();
    let signed = format!("{{ \"username\" :\n \"{name}\" }}");
    let ua = w.user_action(&org.sa, LOGIN, &signed).await;
    let mut req = w.login_request(&org.sa, name, &ua);
    req.path = format!("{LOGIN}?source=unit");
    assert!(w.login_req(&req).await.0.is_ok());
}

#[tokio::test]
async fn an_expired_user_action_is_invalid() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    let name = org.end_user.username.as_str();
    let bound = binding(org.sa.id(), "POST", LOGIN, login_body(name).as_bytes());
    let now = UnixTime::now();
    for (identifier, expires_at) in [("expired", now.plus_secs(-1)), ("fresh", now.plus_secs(60))] {
        let record = ChallengeRecord {
            key: SecretDigest::of(identifier.as_bytes()),
            caller_id: org.sa.id().clone(),
            challenge: Redacted::new("challenge".into()),
            binding: bound.clone(),
            expires_at: now.plus_secs(60),
        };
        w.replay().put_challenge(&record).await.unwrap();
        let signing = Signing {
            secret: SecretDigest::of(b"secret"),
            cred_id: org.sa.key().credential.cred_id.as_str().into(),
            expires_at,
        };
        let signed = w
            .replay()
            .sign_challenge(&record.key, org.sa.id(), &signing, now);
        assert!(signed.await.unwrap().is_some());
    }
    let expired = w.login_request(&org.sa, name, "expired.secret");
    assert_error(&w.login_req(&expired).await.0, 403, UA_INVALID);
    // The same record, unexpired, is spendable: only the time differed.
    let fresh = w.login_request(&org.sa, name, "fresh.secret");
    assert!(w.login_req(&fresh).await.0.is_ok());
}

/// The challenge item a user action token names.
fn challenge_of(ua: &str) -> SecretDigest {
    parse_user_action(ua)
        .expect("a user action token")
        .challenge
}

#[tokio::test]
async fn a_failed_sign_issues_nothing_and_the_user_action_stays_spent() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    let name = org.end_user.username.as_str();
    let ua = w.user_action(&org.sa, LOGIN, &login_body(name)).await;
    w.signer().fail_next();
    let (answer, decision) = w.login_req(&w.login_request(&org.sa, name, &ua)).await;
    assert_error(&answer, 500, INTERNAL);
    assert_eq!(decision.issued_token, None);
    assert_eq!(decision.target.as_ref(), Some(&org.end_user.user_id));
    let retry = w.login_request(&org.sa, name, &ua);
    assert_error(&w.login_req(&retry).await.0, 400, UA_REUSED);
}

#[tokio::test]
async fn a_failed_nonce_write_leaves_the_nonce_unrecorded() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    let name = org.end_user.username.as_str();
    let ua = w.user_action(&org.sa, LOGIN, &login_body(name)).await;
    let req = w.login_request(&org.sa, name, &ua);
    w.replay().fail_next(ReplayCall::RecordNonce);
    assert_error(&w.login_req(&req).await.0, 500, INTERNAL);
    // The nonce is not "already used"; the user action was spent in the
    // same stage, so the retry stops there.
    assert_error(&w.login_req(&req).await.0, 400, UA_REUSED);
}

#[tokio::test]
async fn failed_reads_and_spends_are_500() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    let name = org.end_user.username.as_str();
    for call in [DirectoryCall::Caller, DirectoryCall::UserByUsername] {
        let ua = w.user_action(&org.sa, LOGIN, &login_body(name)).await;
        w.directory().fail_next(call);
        let req = w.login_request(&org.sa, name, &ua);
        assert_error(&w.login_req(&req).await.0, 500, INTERNAL);
    }
    let ua = w.user_action(&org.sa, LOGIN, &login_body(name)).await;
    w.replay().fail_next(ReplayCall::SpendUserAction);
    let req = w.login_request(&org.sa, name, &ua);
    assert_error(&w.login_req(&req).await.0, 500, INTERNAL);
    // The failed spend spent nothing.
    let retry = w.login_request(&org.sa, name, &ua);
    assert!(w.login_req(&retry).await.0.is_ok());
}

#[tokio::test]
async fn a_refused_caller_leaves_no_nonce_and_a_fresh_one_is_kept() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    let nonce_key = |req: &crate::service::ApiRequest| {
        let value = req.nonce.as_ref().unwrap().expose().clone();
        let policy = crate::domain::nonce::NoncePolicy::Required;
        let n = crate::domain::nonce::check_nonce(Some(&value), policy, 300, UnixTime::now());
        n.unwrap().unwrap().key
    };
    // An active caller's nonce stays recorded.
    let req = w.post(&org.sa, INIT, &init_body("POST", LOGIN, "{}"));
    assert!(w.init_req(&req).await.0.is_ok());
    assert!(w.replay().has_nonce(org.sa.id(), &nonce_key(&req)));

    // A deactivated one's is removed on the refusal path.
    w.set_active(&org.sa.identity, false).await;
    let req = w.post(&org.sa, INIT, &init_body("POST", LOGIN, "{}"));
    let (answer, decision) = w.init_req(&req).await;
    assert_error(&answer, 401, "Not Authorized.");
    assert!(!w.replay().has_nonce(org.sa.id(), &nonce_key(&req)));
    assert!(decision.timings.write_ms.is_some());
    // A failed removal leaves it to expire; the refusal stands.
    w.replay().fail_next(ReplayCall::ForgetNonce);
    let req = w.post(&org.sa, INIT, &init_body("POST", LOGIN, "{}"));
    assert_error(&w.init_req(&req).await.0, 401, "Not Authorized.");
    assert!(w.replay().has_nonce(org.sa.id(), &nonce_key(&req)));
}
