//! `POST /auth/registration`: the credential checks in order, and the
//! temporary token: single use, replaced by a newer challenge, and only
//! ever a registration token.

use delegated_login::adapters::kms::KmsSigner;
use delegated_login::domain::ports::Signer;
use delegated_login::domain::token::{assemble, build_claims, signing_input, TokenSubject};
use serde_json::json;

use super::*;

const LOGIN: &str = "/auth/login/delegated";

#[tokio::test]
async fn every_key_type_registers_and_answers_credential_and_user() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    for kind in ALL_KINDS {
        let name = email("kinds");
        let c = challenge_for(&client, &name, "EndUser").await;
        let key = TestKey::generate(kind);
        let mut body = register_body(&key, &cred_id(), &c.challenge);
        body["firstFactorCredential"]["credentialName"] = json!("my laptop");
        let reply = complete(&stack, &c.token, REGISTER, &body).await;
        assert_eq!(reply.status, 200, "{kind:?}: {reply:?}");
        let uuid = reply.body["credential"]["uuid"].as_str().unwrap();
        assert!(uuid.starts_with("cr-"), "{reply:?}");
        assert_eq!(
            reply.body,
            json!({"credential": {"uuid": uuid, "kind": "Key", "name": "my laptop"},
                   "user": {"id": c.user_id, "username": name, "orgId": org.org_id}})
        );
    }
    // A missing credentialName is "".
    let c = challenge_for(&client, &email("unnamed"), "EndUser").await;
    let key = TestKey::generate(KeyKind::P256);
    let reply = complete(
        &stack,
        &c.token,
        REGISTER,
        &register_body(&key, &cred_id(), &c.challenge),
    )
    .await;
    assert_eq!(reply.body["credential"]["name"], "", "{reply:?}");
}

#[tokio::test]
async fn the_credential_is_checked_signature_then_client_data_then_credid() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    let c = challenge_for(&client, &email("checks"), "EndUser").await;
    let key = TestKey::generate(KeyKind::Secp256k1);
    let id = cred_id();
    let send = |body: Value| {
        let (stack, token) = (&stack, c.token.clone());
        async move { complete(stack, &token, REGISTER, &body).await }
    };
    let info = |client_data: &str| {
        json!({"firstFactorCredential": {"credentialKind": "Key",
               "credentialInfo": credential_info_signed(&key, &id, client_data, client_data)}})
    };

    // Signed by another key than the PEM's.
    let mut forged = register_body(&key, &id, &c.challenge);
    let other = register_body(&TestKey::generate(KeyKind::Secp256k1), &id, &c.challenge);
    let mut attestation: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(
                other["firstFactorCredential"]["credentialInfo"]["attestationData"]
                    .as_str()
                    .unwrap(),
            )
            .unwrap(),
    )
    .unwrap();
    attestation["publicKey"] = json!(browser_pem(&key));
    forged["firstFactorCredential"]["credentialInfo"]["attestationData"] =
        json!(URL_SAFE_NO_PAD.encode(attestation.to_string()));
    send(forged)
        .await
        .assert_error(401, "Credential assertion is not valid.");
    // clientData sent re-serialised, signed as the browser wrote it.
    let browser = format!(r#"{{"type":"key.create","challenge":"{}"}}"#, c.challenge);
    let reordered = format!(r#"{{"challenge":"{}","type":"key.create"}}"#, c.challenge);
    let body = json!({"firstFactorCredential": {"credentialKind": "Key",
        "credentialInfo": credential_info_signed(&key, &id, &reordered, &browser)}});
    send(body)
        .await
        .assert_error(401, "Credential assertion is not valid.");
    // Well signed, wrong challenge or type.
    let wrong = format!(r#"{{"type":"key.create","challenge":"{}x"}}"#, c.challenge);
    send(info(&wrong))
        .await
        .assert_error(400, "Challenge token is not valid.");
    let get = format!(r#"{{"type":"key.get","challenge":"{}"}}"#, c.challenge);
    send(info(&get)).await.assert_error(
        400,
        "firstFactorCredential.credentialInfo.clientData.type must be key.create",
    );
    // Undecodable fields and unsupported parts, each naming its field.
    let mut undecodable = register_body(&key, &id, &c.challenge);
    undecodable["firstFactorCredential"]["credentialInfo"]["clientData"] = json!("***");
    let mut second = register_body(&key, &id, &c.challenge);
    second["secondFactorCredential"] = second["firstFactorCredential"].clone();
    let mut bad_recovery = register_body(&key, &id, &c.challenge);
    bad_recovery["recoveryCredential"] = credential(&key, &cred_id(), "Key", &c.challenge);
    let mut passkey = register_body(&key, &id, &c.challenge);
    passkey["firstFactorCredential"]["credentialKind"] = json!("Fido2");
    for (body, field) in [
        (
            undecodable,
            "firstFactorCredential.credentialInfo.clientData",
        ),
        (second, "secondFactorCredential"),
        (bad_recovery, "recoveryCredential.credentialKind"),
        (passkey, "firstFactorCredential.credentialKind"),
        (json!({}), "firstFactorCredential"),
    ] {
        let reply = send(body).await;
        assert_eq!(reply.status, 400, "{field}: {reply:?}");
        assert!(
            reply.message().starts_with(&format!("{field} ")),
            "{field}: {reply:?}"
        );
    }

    // A credId another user of the org registered: 400, and nothing spent.
    let taken = cred_id();
    register(&stack, &client, &email("first"), &taken).await;
    send(register_body(&key, &taken, &c.challenge))
        .await
        .assert_error(400, "credential already registered");
    // The same credId in another org is free.
    let elsewhere = stack.org(KeyKind::P256, &OPERATIONS).await;
    register(
        &stack,
        &Client::new(&stack, &elsewhere.sa),
        &email("other-org"),
        &taken,
    )
    .await;

    // None of the refusals spent the token; the first success does.
    let good = register_body(&key, &id, &c.challenge);
    assert_eq!(send(good.clone()).await.status, 200);
    send(good).await.assert_error(401, "Not Authorized.");
}

#[tokio::test]
async fn a_newer_challenge_replaces_the_earlier_token() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    let name = email("restart");
    let first = challenge_for(&client, &name, "EndUser").await;
    let reply = signed(&client, RESTART, &json!({"email": name, "kind": "EndUser"})).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["user"]["id"], first.user_id.as_str());
    let (token, challenge) = (
        reply.body["temporaryAuthenticationToken"].as_str().unwrap(),
        reply.body["challenge"].as_str().unwrap(),
    );
    let key = TestKey::generate(KeyKind::Ed25519);
    // The earlier token, even with its own challenge signed, stops working.
    complete(
        &stack,
        &first.token,
        REGISTER,
        &register_body(&key, &cred_id(), &first.challenge),
    )
    .await
    .assert_error(401, "Not Authorized.");
    // The new token with the earlier challenge: the challenge is wrong.
    complete(
        &stack,
        token,
        REGISTER,
        &register_body(&key, &cred_id(), &first.challenge),
    )
    .await
    .assert_error(400, "Challenge token is not valid.");
    let reply = complete(
        &stack,
        token,
        REGISTER,
        &register_body(&key, &cred_id(), challenge),
    )
    .await;
    assert_eq!(reply.status, 200, "{reply:?}");
}

/// A `Temp` token the issuer signed, for `user_id`, issued `age` seconds ago.
async fn temp_token(stack: &Stack, org_id: &str, user_id: &str, age: i64) -> String {
    let signer = KmsSigner::new(aws_sdk_kms::Client::new(&stack.sdk), stack.key_id.clone());
    let subject = TokenSubject {
        org_id,
        user_id,
        username: "forged",
        kind: delegated_login::domain::model::TokenKind::Temp,
        token_id: "uj-00000-00000-0000000000000000",
        actor: None,
    };
    let now = delegated_login::domain::unix_now() - age;
    let input = signing_input(signer.key_id(), &build_claims(ISSUER, &subject, now, 900));
    assemble(&input, &signer.sign(input.as_bytes()).await.unwrap())
}

#[tokio::test]
async fn only_a_live_temporary_token_of_an_active_user_completes() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    let c = challenge_for(&client, &email("bearer"), "EndUser").await;
    let key = TestKey::generate(KeyKind::P256);
    let body = register_body(&key, &cred_id(), &c.challenge);

    // Nonce first, then the bearer: none, a login token, a service account
    // token, an expired or unknown temporary token of this very user.
    stack
        .send(
            "POST",
            REGISTER,
            &[("Authorization", &format!("Bearer {}", c.token))],
            Some(&body.to_string()),
        )
        .await
        .assert_error(400, "request nonce is missing or invalid");
    let login = client.delegated_login(&org.end_user).await.body["token"]
        .as_str()
        .unwrap()
        .to_string();
    let expired = temp_token(&stack, &org.org_id, &c.user_id, 1000).await;
    let unknown = temp_token(&stack, &org.org_id, &c.user_id, 0).await;
    for token in ["", &login, &org.sa.info.token, &expired, &unknown] {
        complete(&stack, token, REGISTER, &body)
            .await
            .assert_error(401, "Not Authorized.");
    }
    // The user deactivated after its challenge: its token is dead.
    stack.admin.deactivate_user(&c.user_id).await.unwrap();
    complete(&stack, &c.token, REGISTER, &body)
        .await
        .assert_error(401, "Not Authorized.");
}

#[tokio::test]
async fn a_temporary_token_is_never_a_login_token() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &OPERATIONS).await;
    let c = challenge_for(&Client::new(&stack, &org.sa), &email("temp"), "EndUser").await;
    let holder = holding(&c.token, TestKey::generate(KeyKind::P256), "x");
    let temp = Client::new(&stack, &holder);
    // Twice: the second answer comes from the verified-token cache.
    for _ in 0..2 {
        temp.init(LOGIN, "{}")
            .await
            .assert_error(401, "Not Authorized.");
        temp.post("/auth/action", "{}", &[])
            .await
            .assert_error(401, "Not Authorized.");
        temp.post(LOGIN, &json!({"username": org.end_user}).to_string(), &[])
            .await
            .assert_error(401, "Not Authorized.");
        temp.post(
            DELEGATED,
            &json!({"email": email("z"), "kind": "EndUser"}).to_string(),
            &[],
        )
        .await
        .assert_error(401, "Not Authorized.");
    }
    // And it still completes its registration.
    let key = TestKey::generate(KeyKind::P256);
    let reply = complete(
        &stack,
        &c.token,
        REGISTER,
        &register_body(&key, &cred_id(), &c.challenge),
    )
    .await;
    assert_eq!(reply.status, 200, "{reply:?}");
}
