//! The rules every signed endpoint follows, end to end: the user action
//! binds to the path without its query, to the method, and to the payload
//! with `""`, `"{}"` and no body alike; a token this service did not issue
//! is a 403; a malformed body's 400 names the field and echoes nothing.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use delegated_login::adapters::dynamodb::DynamoReplayStore;
use delegated_login::domain::ids::UserId;
use delegated_login::domain::payload::binding;
use delegated_login::domain::ports::{ReplayStore, Spend};
use delegated_login::domain::secret::SecretDigest;
use delegated_login::domain::time::UnixTime;
use serde_json::{json, Value};

use crate::support::*;

const LOGIN: &str = "/auth/login/delegated";
const INIT: &str = "/auth/action/init";
const ACTION: &str = "/auth/action";
const INVALID: &str = "user action signature is missing or invalid";

/// init + action for any method, path and payload.
async fn signed(client: &Client<'_>, method: &str, path: &str, payload: &str) -> String {
    let body = json!({
        "userActionPayload": payload,
        "userActionHttpMethod": method,
        "userActionHttpPath": path,
        "userActionServerKind": "Api",
    });
    let challenge = client.post(INIT, &body.to_string(), &[]).await;
    assert_eq!(challenge.status, 200, "init: {challenge:?}");
    let action = client
        .post(ACTION, &client.assertion(&challenge.body).to_string(), &[])
        .await;
    assert_eq!(action.status, 200, "action: {action:?}");
    action.body["userAction"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_user_action_binds_to_the_path_without_its_query() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    let body = json!({ "username": org.end_user }).to_string();

    // Signed with the query (TS DfnsDelegatedApiClient), sent without it.
    for signed_path in [format!("{LOGIN}?x=1"), format!("{LOGIN}?force=true")] {
        let ua = client.user_action(&signed_path, &body).await;
        let reply = client
            .post(LOGIN, &body, &[("X-DFNS-USERACTION", &ua)])
            .await;
        assert_eq!(reply.status, 200, "{signed_path}: {reply:?}");
    }
    // Signed without the query (TS DfnsApiClient, Python), sent with it;
    // `force` in any accepted spelling is ignored.
    for query in ["x=1", "force=True", "force=false&x=%20y", "force=False"] {
        let ua = client.user_action(LOGIN, &body).await;
        let reply = client
            .post(
                &format!("{LOGIN}?{query}"),
                &body,
                &[("X-DFNS-USERACTION", &ua)],
            )
            .await;
        assert_eq!(reply.status, 200, "{query}: {reply:?}");
    }
    // The path part still has to match.
    let ua = client.user_action(&format!("{ACTION}?x=1"), &body).await;
    client
        .post(
            &format!("{LOGIN}?x=1"),
            &body,
            &[("X-DFNS-USERACTION", &ua)],
        )
        .await
        .assert_error(403, INVALID);
}

#[tokio::test]
async fn a_force_that_is_not_a_boolean_is_a_400_that_spends_nothing() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    let body = json!({ "username": org.end_user }).to_string();
    let ua = client.user_action(LOGIN, &body).await;
    for query in ["force=yes", "force=TRUE", "force", "force=true&force=true"] {
        let reply = client
            .post(
                &format!("{LOGIN}?{query}"),
                &body,
                &[("X-DFNS-USERACTION", &ua)],
            )
            .await;
        assert_eq!(reply.status, 400, "{query}: {reply:?}");
        assert!(reply.message().starts_with("force must be "), "{reply:?}");
        assert!(!reply.message().contains("yes"), "{reply:?}");
    }
    // Refused with the body, before the user action: it is still unspent.
    let reply = client
        .post(LOGIN, &body, &[("X-DFNS-USERACTION", &ua)])
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    // The signing endpoints check it too.
    let reply = client.post(&format!("{INIT}?force=1"), "{}", &[]).await;
    reply.assert_error(400, "force must be true or false");
}

#[tokio::test]
async fn the_user_action_binds_to_the_method() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    let body = json!({ "username": org.end_user }).to_string();
    for method in ["PUT", "DELETE"] {
        let ua = signed(&client, method, LOGIN, &body).await;
        client
            .post(LOGIN, &body, &[("X-DFNS-USERACTION", &ua)])
            .await
            .assert_error(403, INVALID);
    }
    // The SDKs send it upper case; the request's method is upper case.
    let ua = signed(&client, "POST", LOGIN, &body).await;
    let reply = client
        .post(LOGIN, &body, &[("X-DFNS-USERACTION", &ua)])
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
}

#[tokio::test]
async fn empty_payloads_bind_alike_through_the_store() {
    // Python signs "" and sends no body on a PUT or DELETE without a
    // logical body; the TS clients sign and send "{}". A user action
    // issued for one is spent by a request with the other.
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    let replay = DynamoReplayStore::new(aws_sdk_dynamodb::Client::new(&stack.sdk), REPLAY_TABLE);
    let caller = UserId::parse(&org.sa.info.user_id).unwrap();
    let path = format!("/auth/users/{}", org.end_user_id);
    for method in ["PUT", "DELETE"] {
        for (signed_payload, sent) in [("", "{}"), ("{}", ""), ("", ""), ("{}", " { } ")] {
            // Signed for the path with a query, as one SDK does.
            let ua = signed(
                &client,
                method,
                &format!("{path}?force=True"),
                signed_payload,
            )
            .await;
            let key = SecretDigest::of(ua.as_bytes());
            let now = UnixTime::now();
            let spend = |bytes: &[u8]| binding(&caller, method, &path, bytes);
            // Another payload does not match, and spends nothing.
            assert_eq!(
                replay
                    .spend_user_action(&key, &spend(br#"{"force":true}"#), now)
                    .await,
                Ok(Spend::Invalid)
            );
            assert_eq!(
                replay
                    .spend_user_action(&key, &spend(sent.as_bytes()), now)
                    .await,
                Ok(Spend::Spent),
                "{method} signed {signed_payload:?}, sent {sent:?}"
            );
        }
    }
}

#[tokio::test]
async fn an_absent_body_is_the_empty_object() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    let bearer = client.bearer();
    for body in [None, Some(""), Some("{}"), Some("  ")] {
        let n = nonce();
        let headers = [("Authorization", bearer.as_str()), ("X-DFNS-NONCE", &n)];
        stack
            .send("POST", LOGIN, &headers, body)
            .await
            .assert_error(400, "username is required");
    }
}

#[tokio::test]
async fn a_user_action_this_service_did_not_issue_is_a_403() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    let body = json!({ "username": org.end_user }).to_string();
    // What an SDK's single-request mode sends: the signed assertion itself.
    let challenge = client.init(LOGIN, &body).await.body;
    let blob = URL_SAFE_NO_PAD.encode(client.assertion(&challenge).to_string());
    let jwt_like = format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"ES256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(r#"{"sub":"x"}"#),
        URL_SAFE_NO_PAD.encode([7u8; 64])
    );
    let long = "A".repeat(8_000);
    for foreign in [
        blob.as_str(),
        &org.sa.info.token,
        &jwt_like,
        &long,
        "%%%",
        "",
    ] {
        client
            .post(LOGIN, &body, &[("X-DFNS-USERACTION", foreign)])
            .await
            .assert_error(403, INVALID);
    }
}

#[tokio::test]
async fn a_malformed_body_is_named_and_never_echoed() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    let marker = "zq-distinctive-input-7781";
    let assertion = |a: Value| json!({ "challengeIdentifier": "c", "firstFactor": { "kind": "Key", "credentialAssertion": a } });
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            LOGIN,
            json!({ "username": [marker] }),
            "username must be a string",
        ),
        (
            LOGIN,
            json!({ "username": { marker: 1 } }),
            "username must be a string",
        ),
        (
            LOGIN,
            json!({ "username": 7, marker: true }),
            "username must be a string",
        ),
        (LOGIN, json!({ marker: "x" }), "username is required"),
        (
            INIT,
            json!({ "userActionPayload": { "p": marker }, "userActionHttpMethod": "POST", "userActionHttpPath": "/" }),
            "userActionPayload must be a string",
        ),
        (
            INIT,
            json!({ "userActionPayload": "", "userActionHttpPath": "/" }),
            "userActionHttpMethod is required",
        ),
        (
            INIT,
            json!({ "userActionPayload": "", "userActionHttpMethod": marker, "userActionHttpPath": "/" }),
            "userActionHttpMethod must be one of GET, POST, PUT, PATCH, DELETE",
        ),
        (
            INIT,
            json!({ "userActionPayload": "", "userActionHttpMethod": "POST", "userActionHttpPath": marker }),
            "userActionHttpPath must be an absolute path",
        ),
        (
            ACTION,
            json!({ "challengeIdentifier": [marker], "firstFactor": { "kind": "Key" } }),
            "challengeIdentifier must be a string",
        ),
        (
            ACTION,
            json!({ "challengeIdentifier": "c", "firstFactor": { "kind": marker } }),
            "firstFactor.kind is not supported: only Key and Fido2 credentials are",
        ),
        (
            ACTION,
            json!({ "challengeIdentifier": "c", "firstFactor": marker }),
            "firstFactor must be an object",
        ),
        (
            ACTION,
            assertion(json!({ "credId": 7, "clientData": marker, "signature": marker })),
            "firstFactor.credentialAssertion.credId must be a string",
        ),
        (
            ACTION,
            assertion(json!({ "credId": marker, "signature": marker })),
            "firstFactor.credentialAssertion.clientData is required",
        ),
    ];
    for (path, body, expected) in cases {
        let reply = client.post(path, &body.to_string(), &[]).await;
        reply.assert_error(400, expected);
        assert!(
            !reply.body.to_string().contains(marker),
            "{path} {body}: {reply:?}"
        );
    }
    // Not JSON, whatever it holds.
    for body in [format!(r#"{{"username": "{marker}""#), marker.to_string()] {
        let reply = client.post(LOGIN, &body, &[]).await;
        reply.assert_error(400, "invalid request body: not JSON");
    }
}
