//! Counted, not claimed: each request of the SDK flow (init, action,
//! login) makes exactly the AWS calls listed here, in exactly these
//! sequential stages, with and without `X-DFNS-NONCE`. The proxy in front
//! of moto holds every answer for `PACE`, so calls made together overlap
//! (one stage) and a call made after an answer cannot (a second stage).

use std::time::Duration;

use serde_json::json;

use crate::support::proxy::{stages, Proxy};
use crate::support::*;

const LOGIN: &str = "/auth/login/delegated";
const PACE: Duration = Duration::from_millis(250);

/// A stage's operations, sorted as `stages` sorts them.
fn stage(ops: &[&str]) -> Vec<String> {
    let mut ops: Vec<String> = ops.iter().map(|s| s.to_string()).collect();
    ops.sort();
    ops
}

/// Runs `request` with the proxy's record cleared: its reply, its
/// stages, and how many writes it made to the replay table.
async fn staged(
    proxy: &Proxy,
    request: impl std::future::Future<Output = Reply>,
) -> (Reply, Vec<Vec<String>>, usize) {
    proxy.reset_calls();
    let reply = request.await;
    let calls = proxy.calls();
    let replay_writes = calls
        .iter()
        .filter(|c| c.table.as_deref() == Some(REPLAY_TABLE))
        .filter(|c| ["PutItem", "UpdateItem", "DeleteItem"].contains(&c.operation.as_str()))
        .count();
    (reply, stages(&calls), replay_writes)
}

async fn full_flow_stages(nonce_policy: &str, send_nonce: bool) {
    let proxy = Proxy::start(moto::endpoint()).await;
    let stack = Stack::behind_with_env(&proxy.endpoint, &[("NONCE_POLICY", nonce_policy)]).await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let mut client = Client::new(&stack, &org.sa);
    client.send_nonce = send_nonce;
    let body = json!({ "username": org.end_user }).to_string();
    // The nonce's conditional put joins the first stage of every request.
    let nonce: &[&str] = if send_nonce { &["PutItem"] } else { &[] };
    let with_nonce = |ops: &[&str]| stage(&[ops, nonce].concat());
    proxy.set_pace(Some(PACE));

    // init: the caller's profile query and token read, with the challenge put.
    let (init, init_stages, init_writes) = staged(&proxy, client.init(LOGIN, &body)).await;
    assert_eq!(init.status, 200, "{init:?}");
    assert_eq!(
        init_stages,
        vec![with_nonce(&["Query", "GetItem", "PutItem"])]
    );

    // action: the same reads, with the one update that signs the challenge.
    let assertion = client.assertion(&init.body).to_string();
    let (action, action_stages, action_writes) =
        staged(&proxy, client.post("/auth/action", &assertion, &[])).await;
    assert_eq!(action.status, 200, "{action:?}");
    assert_eq!(
        action_stages,
        vec![with_nonce(&["Query", "GetItem", "UpdateItem"])]
    );

    // login: reads, the spend, the login counter and the target read in
    // one stage; then the KMS Sign with the audit record's put alongside.
    let ua = action.body["userAction"].as_str().unwrap().to_string();
    let headers = [("X-DFNS-USERACTION", ua.as_str())];
    let login = client.post(LOGIN, &body, &headers);
    let (login, login_stages, login_writes) = staged(&proxy, login).await;
    assert_eq!(login.status, 200, "{login:?}");
    let reads = ["Query", "GetItem", "UpdateItem", "UpdateItem", "GetItem"];
    assert_eq!(
        login_stages,
        vec![with_nonce(&reads), stage(&["Sign", "PutItem"])]
    );
    proxy.set_pace(None);
    // Replay-table writes of the flow: the challenge's put, its signing
    // and its spend, plus the login counter (the rate limit's) and one
    // nonce per request when sent.
    let nonces = if send_nonce { 3 } else { 0 };
    assert_eq!(init_writes + action_writes + login_writes, 3 + 1 + nonces);
}

#[tokio::test]
async fn each_request_is_one_store_stage_with_nonces() {
    full_flow_stages("required", true).await;
}

#[tokio::test]
async fn each_request_is_one_store_stage_without_nonces() {
    full_flow_stages("optional", false).await;
}

/// The measurement itself can fail: two calls one after the other are two
/// stages, the same two made together are one.
#[tokio::test]
async fn a_second_sequential_stage_is_seen() {
    let proxy = Proxy::start(moto::endpoint()).await;
    let sdk = sdk_config_for(&proxy.endpoint, MOTO_LIMITS).await;
    let db = aws_sdk_dynamodb::Client::new(&sdk);
    let read = || {
        db.get_item()
            .table_name(REPLAY_TABLE)
            .key(
                "pk",
                aws_sdk_dynamodb::types::AttributeValue::S("NOTHING".into()),
            )
            .send()
    };
    Stack::start().await; // the tables exist
    proxy.set_pace(Some(PACE));
    proxy.reset_calls();
    read().await.unwrap();
    read().await.unwrap();
    assert_eq!(
        stages(&proxy.calls()),
        vec![stage(&["GetItem"]), stage(&["GetItem"])]
    );
    proxy.reset_calls();
    let (a, b) = tokio::join!(read(), read());
    a.unwrap();
    b.unwrap();
    assert_eq!(stages(&proxy.calls()), vec![stage(&["GetItem", "GetItem"])]);
}
