//! Failing backends, produced for real by a proxy in front of moto: every
//! case answers 500 `Internal Server Error` within the function's timeout,
//! issues no token, and loses nothing already recorded. (The same proxy
//! counts each request's calls and stages: see `stages`.)

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
        ("PutItem", Fault::Throttle),
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
    proxy.set_fault("PutItem", Some(Fault::Throttle));
    stack
        .send("POST", LOGIN, &headers, Some(&body))
        .await
        .assert_error(500, "Internal Server Error");
    proxy.set_fault("PutItem", None);
    // The nonce was never recorded, so it is not "already used"; the user
    // action was spent in the same stage, so the retry stops there.
    stack
        .send("POST", LOGIN, &headers, Some(&body))
        .await
        .assert_error(400, "user action has already been used");
}
