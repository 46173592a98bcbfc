//! Failing backends, produced for real by a proxy in front of moto: every
//! case answers 500 `Internal Server Error` within the function's timeout,
//! issues no token, and loses nothing already recorded. The same proxy
//! counts the AWS calls of a login.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::proxy::{Fault, Proxy};
use crate::support::*;

const LOGIN: &str = "/auth/login/delegated";
/// The function's timeout in template.yaml: every answer must come sooner.
const LAMBDA_TIMEOUT: Duration = Duration::from_secs(10);

async fn stack_behind_proxy() -> (Stack, Proxy) {
    let proxy = Proxy::start(moto::endpoint()).await;
    (Stack::behind(&proxy.endpoint).await, proxy)
}

#[tokio::test]
async fn a_login_is_one_dynamodb_stage_and_one_kms_sign() {
    let (stack, proxy) = stack_behind_proxy().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    let body = json!({ "username": org.end_user }).to_string();
    proxy.reset_counts();
    let ua = client.user_action(LOGIN, &body).await;
    let flow = proxy.counts();
    proxy.reset_counts();
    let reply = client
        .post(LOGIN, &body, &[("X-DFNS-USERACTION", &ua)])
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let login = proxy.counts();
    let get =
        |c: &std::collections::HashMap<String, usize>, op: &str| c.get(op).copied().unwrap_or(0);

    // The login itself: caller query, token read, nonce write (one
    // transaction, conditioned on the caller's records), user action
    // spend, target read; then one Sign. Nothing else.
    let expected = [
        ("Query", 1),
        ("GetItem", 2),
        ("TransactWriteItems", 1),
        ("UpdateItem", 1),
        ("Sign", 1),
    ];
    assert_eq!(login.values().sum::<usize>(), 6, "{login:?}");
    for (op, n) in expected {
        assert_eq!(get(&login, op), n, "{op}: {login:?}");
    }
    // init + action never sign.
    assert_eq!(get(&flow, "Sign"), 0, "{flow:?}");
    let stages = reply_stages(&stack, &client, &org.end_user).await;
    assert!(stages.store_ms.is_some() && stages.sign_ms.is_some() && stages.write_ms.is_none());
}

/// The stage timings a login reports (called on the service directly).
async fn reply_stages(
    stack: &Stack,
    client: &Client<'_>,
    username: &str,
) -> delegated_login::service::StageTimings {
    let body = json!({ "username": username }).to_string();
    let ua = client.user_action(LOGIN, &body).await;
    let req = delegated_login::service::ApiRequest {
        method: "POST".into(),
        path: LOGIN.into(),
        authorization: Some(client.bearer().into()),
        nonce: Some(nonce().into()),
        user_action: Some(ua.into()),
        body: body.into_bytes().into(),
        ..Default::default()
    };
    let mut decision = delegated_login::service::Decision::default();
    // Boxed as the router boxes it: the future holds several SDK calls.
    Box::pin(stack.service.delegated_login(&req, &mut decision))
        .await
        .expect("login");
    decision.timings
}

/// Logs in with a user action obtained while the backends were healthy,
/// under `fault` on `operation`, through the service built with the
/// function's own limits on AWS calls; asserts a 500 inside the function's
/// timeout; returns the user action.
async fn login_under_fault(
    stack: &Stack,
    proxy: &Proxy,
    client: &Client<'_>,
    body: &str,
    operation: &str,
    fault: Fault,
) -> String {
    let lambda = stack.lambda_limited_service().await;
    let ua = client.user_action(LOGIN, body).await;
    let (bearer, n) = (client.bearer(), nonce());
    let headers = [
        ("Authorization", bearer.as_str()),
        ("X-DFNS-NONCE", n.as_str()),
        ("X-DFNS-USERACTION", ua.as_str()),
    ];
    proxy.set_fault(operation, Some(fault));
    let started = Instant::now();
    let reply = stack
        .send_via(&lambda, "POST", LOGIN, &headers, Some(body))
        .await;
    let elapsed = started.elapsed();
    proxy.set_fault(operation, None);
    reply.assert_error(500, "Internal Server Error");
    assert!(
        elapsed < LAMBDA_TIMEOUT,
        "{operation} {fault:?}: answered after {elapsed:?}"
    );
    ua
}

#[tokio::test]
async fn kms_throttled_or_unreachable_is_a_bounded_500_and_nothing_recorded_is_lost() {
    let (stack, proxy) = stack_behind_proxy().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    let body = json!({ "username": org.end_user }).to_string();
    for fault in [
        Fault::Throttle,
        Fault::Drop,
        Fault::Delay(Duration::from_secs(5)),
    ] {
        let ua = login_under_fault(&stack, &proxy, &client, &body, "Sign", fault).await;
        // The user action was spent before the Sign failed: it stays spent.
        client
            .post(LOGIN, &body, &[("X-DFNS-USERACTION", &ua)])
            .await
            .assert_error(400, "user action has already been used");
    }
    // Healthy again: a fresh flow works.
    assert_eq!(client.delegated_login(&org.end_user).await.status, 200);
}

#[tokio::test]
async fn dynamodb_throttled_slow_or_dropped_is_a_bounded_500() {
    let (stack, proxy) = stack_behind_proxy().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    let body = json!({ "username": org.end_user }).to_string();
    let cases = [
        ("TransactWriteItems", Fault::Throttle),
        ("UpdateItem", Fault::Drop),
        ("Query", Fault::Delay(Duration::from_secs(5))),
        ("GetItem", Fault::Throttle),
    ];
    for (operation, fault) in cases {
        login_under_fault(&stack, &proxy, &client, &body, operation, fault).await;
    }
    assert_eq!(client.delegated_login(&org.end_user).await.status, 200);
}

#[tokio::test]
async fn a_failed_nonce_write_issues_no_token_and_the_nonce_stays_usable() {
    let (stack, proxy) = stack_behind_proxy().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    let body = json!({ "username": org.end_user }).to_string();
    let ua = client.user_action(LOGIN, &body).await;
    let n = nonce();
    let headers = [
        ("Authorization", client.bearer()),
        ("X-DFNS-NONCE", n.clone()),
        ("X-DFNS-USERACTION", ua),
    ];
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    proxy.set_fault("TransactWriteItems", Some(Fault::Throttle));
    stack
        .send("POST", LOGIN, &headers, Some(&body))
        .await
        .assert_error(500, "Internal Server Error");
    proxy.set_fault("TransactWriteItems", None);
    // The nonce was never recorded, so it is not "already used"; the user
    // action was spent in the same stage, so the retry stops there.
    stack
        .send("POST", LOGIN, &headers, Some(&body))
        .await
        .assert_error(400, "user action has already been used");
}
