//! What a registration leaves behind: a credential that signs the new
//! user's user actions at once, a recovery key that never does, a login
//! token from `/enduser`, and exactly one credential however many
//! completions race.

use serde_json::json;

use super::*;

const LOGIN: &str = "/auth/login/delegated";

/// `init` lists exactly `cred_id`, and the registered key signs a user action.
async fn signs_user_actions(stack: &Stack, account: &Account, cred_id: &str) {
    let client = Client::new(stack, account);
    let challenge = client.init(LOGIN, "{}").await;
    assert_eq!(challenge.status, 200, "{challenge:?}");
    assert_eq!(
        challenge.body["allowCredentials"],
        json!({"key": [{"type": "public-key", "id": cred_id}], "webauthn": []})
    );
    let action = client
        .post(
            "/auth/action",
            &client.assertion(&challenge.body).to_string(),
            &[],
        )
        .await;
    assert_eq!(action.status, 200, "{action:?}");
    assert!(action.body["userAction"]
        .as_str()
        .is_some_and(|u| !u.is_empty()));
}

#[tokio::test]
async fn the_registered_key_signs_the_new_users_user_actions_at_once() {
    let stack = Stack::start().await;
    for kind in ALL_KINDS {
        let org = stack.org(KeyKind::P256, &OPERATIONS).await;
        let sa = Client::new(&stack, &org.sa);
        let name = email("signer");
        let c = challenge_for(&sa, &name, "CustomerEmployee").await;
        let (key, id) = (TestKey::generate(kind), cred_id());
        let reply = complete(
            &stack,
            &c.token,
            REGISTER,
            &register_body(&key, &id, &c.challenge),
        )
        .await;
        assert_eq!(reply.status, 200, "{kind:?}: {reply:?}");
        let account = logged_in(&sa, &name, key, &id).await;
        signs_user_actions(&stack, &account, &id).await;
    }
}

#[tokio::test]
async fn a_recovery_key_is_stored_but_never_offered_for_user_actions() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &OPERATIONS).await;
    let sa = Client::new(&stack, &org.sa);
    let name = email("recovery");
    let c = challenge_for(&sa, &name, "EndUser").await;
    let (key, id) = (TestKey::generate(KeyKind::P256), cred_id());
    let (recovery, recovery_id) = (TestKey::generate(KeyKind::Ed25519), cred_id());
    let mut body = register_body(&key, &id, &c.challenge);
    body["recoveryCredential"] = credential(&recovery, &recovery_id, "RecoveryKey", &c.challenge);
    body["recoveryCredential"]["encryptedPrivateKey"] = json!("opaque");
    let reply = complete(&stack, &c.token, REGISTER, &body).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["credential"]["kind"], "Key");

    let account = logged_in(&sa, &name, key, &id).await;
    signs_user_actions(&stack, &account, &id).await;
    // Signing with the recovery key, naming its credId: not a usable credential.
    let as_recovery = holding(&account.info.token, recovery, &recovery_id);
    let client = Client::new(&stack, &as_recovery);
    let challenge = client.init(LOGIN, "{}").await.body;
    client
        .post(
            "/auth/action",
            &client.assertion(&challenge).to_string(),
            &[],
        )
        .await
        .assert_error(
            401,
            "User does not have a credential that can be used for the application.",
        );
    // Its credId is taken in the org all the same.
    let other = challenge_for(&sa, &email("second"), "EndUser").await;
    let key = TestKey::generate(KeyKind::P256);
    complete(
        &stack,
        &other.token,
        REGISTER,
        &register_body(&key, &recovery_id, &other.challenge),
    )
    .await
    .assert_error(400, "credential already registered");
    // One request cannot use one credId twice either.
    let same = cred_id();
    let mut twice = register_body(&key, &same, &other.challenge);
    twice["recoveryCredential"] = credential(&key, &same, "RecoveryKey", &other.challenge);
    complete(&stack, &other.token, REGISTER, &twice)
        .await
        .assert_error(400, "credential already registered");
}

#[tokio::test]
async fn end_user_registration_answers_a_working_login_token() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &OPERATIONS).await;
    let sa = Client::new(&stack, &org.sa);
    let name = email("enduser");
    let c = challenge_for(&sa, &name, "EndUser").await;
    let (key, id) = (TestKey::generate(KeyKind::Rsa2048), cred_id());
    let body = register_body(&key, &id, &c.challenge);

    // wallets is required, and must be empty; neither refusal spends the token.
    let mut missing = body.clone();
    missing.as_object_mut().unwrap().remove("wallets");
    complete(&stack, &c.token, END_USER, &missing)
        .await
        .assert_error(400, "wallets is required");
    let mut some = body.clone();
    some["wallets"] = json!([{"network": "EthereumSepolia"}]);
    complete(&stack, &c.token, END_USER, &some)
        .await
        .assert_error(400, "wallets are not supported by this service");

    let mut none = body.clone();
    none["wallets"] = json!([]);
    let reply = complete(&stack, &c.token, END_USER, &none).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["wallets"], json!([]));
    assert_eq!(
        reply.body["user"],
        json!({"id": c.user_id, "username": name, "orgId": org.org_id})
    );
    assert_eq!(reply.body["credential"]["kind"], "Key");
    let token = reply.body["authentication"]["token"].as_str().unwrap();
    let (_, claims) = verify_with_jwks(token, &stack.jwks().await);
    assert_eq!(
        claims["https://custom/app_metadata"],
        json!({"userId": c.user_id, "orgId": org.org_id, "tokenKind": "Token"})
    );
    assert_eq!(claims["https://custom/username"], name.as_str());
    assert!(claims.get("act").is_none(), "{claims}");
    assert!(claims["jti"].as_str().unwrap().starts_with("uj-"));
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        6 * 3600
    );
    signs_user_actions(&stack, &holding(token, key, &id), &id).await;

    // Registered now: the token is spent and the name answers 401.
    complete(&stack, &c.token, END_USER, &none)
        .await
        .assert_error(401, "Not Authorized.");
    signed(&sa, DELEGATED, &json!({"email": name, "kind": "EndUser"}))
        .await
        .assert_error(401, "User already exists.");
}

#[tokio::test]
async fn concurrent_completions_of_one_token_register_one_credential() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &OPERATIONS).await;
    let sa = Client::new(&stack, &org.sa);
    let name = email("race");
    let c = challenge_for(&sa, &name, "EndUser").await;
    let key = TestKey::generate(KeyKind::P256);
    // Each request its own credId: only the spend can stop the losers.
    let bodies: Vec<(String, Value)> = (0..64)
        .map(|_| {
            let id = cred_id();
            let body = register_body(&key, &id, &c.challenge);
            (id, body)
        })
        .collect();
    let replies = futures::future::join_all(
        bodies
            .iter()
            .map(|(_, body)| complete(&stack, &c.token, REGISTER, body)),
    )
    .await;
    let winners: Vec<usize> = (0..64).filter(|i| replies[*i].status == 200).collect();
    assert_eq!(winners.len(), 1, "{replies:?}");
    for (i, reply) in replies.iter().enumerate() {
        if i != winners[0] {
            reply.assert_error(401, "Not Authorized.");
        }
    }
    // The user holds exactly the winner's credential.
    let id = bodies[winners[0]].0.clone();
    let account = logged_in(&sa, &name, key, &id).await;
    signs_user_actions(&stack, &account, &id).await;
}
