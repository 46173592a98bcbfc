//! `POST /auth/registration/delegated` and `/restart`: the answer, the
//! user it creates, and every refusal in the contract's order.

use delegated_login::adapters::dynamodb::DynamoDirectory;
use delegated_login::domain::ids::UserId;
use delegated_login::domain::ports::DirectoryWriter;
use serde_json::json;

use super::*;

#[tokio::test]
async fn creates_the_user_and_answers_the_challenge() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    let name = email("new");
    let reply = signed(
        &client,
        DELEGATED,
        &json!({"email": name, "kind": "EndUser", "externalId": "ext-1"}),
    )
    .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let b = &reply.body;
    let user_id = b["user"]["id"].as_str().unwrap().to_string();
    assert!(user_id.starts_with("us-"), "{b}");
    assert_eq!(
        b["user"],
        json!({"id": user_id, "displayName": name, "name": name})
    );
    assert_eq!(
        b["supportedCredentialKinds"],
        json!({"firstFactor": ["Key"], "secondFactor": []})
    );
    assert_eq!(
        b["authenticatorSelection"],
        json!({"residentKey": "required", "requireResidentKey": true, "userVerification": "required"})
    );
    assert_eq!(b["attestation"], "none");
    assert_eq!(
        b["pubKeyCredParams"],
        json!([{"type": "public-key", "alg": -7}, {"type": "public-key", "alg": -257}])
    );
    assert_eq!(b["excludeCredentials"], json!([]));
    assert_eq!(b["otpUrl"], "");
    let challenge = b["challenge"].as_str().unwrap();
    assert!(
        challenge.len() >= 22 && !challenge.contains('='),
        "{challenge}"
    );
    assert!(delegated_login::domain::decode_base64url(challenge).is_some_and(|c| c.len() >= 16));

    // The temporary token: an issuer-signed three-part JWT of kind Temp, 15 minutes.
    let token = b["temporaryAuthenticationToken"].as_str().unwrap();
    let (_, claims) = verify_with_jwks(token, &stack.jwks().await);
    assert_eq!(
        claims["https://custom/app_metadata"],
        json!({"userId": user_id, "orgId": org.org_id, "tokenKind": "Temp"})
    );
    assert_eq!(claims["sub"], org.org_id);
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        900
    );
    assert!(claims["jti"].as_str().is_some_and(|j| !j.is_empty()));

    // The user exists, active and not registered: it can be logged in, and
    // a second challenge names the same user.
    assert_eq!(client.delegated_login(&name).await.status, 200);
    let again = challenge_for(&client, &name, "EndUser").await;
    assert_eq!(again.user_id, user_id);
    assert_ne!(again.challenge, challenge);
    let dir = DynamoDirectory::from_sdk(&stack.sdk, DIRECTORY_TABLE);
    let stored = dir
        .identity(&UserId::parse(&user_id).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(stored.active && !stored.registered);
    assert_eq!(stored.external_id.as_deref(), Some("ext-1"));

    // Employees register the same way, through /restart too.
    let employee = email("employee");
    let reply = signed(
        &client,
        RESTART,
        &json!({"email": employee, "kind": "CustomerEmployee"}),
    )
    .await;
    assert_eq!(reply.status, 200, "{reply:?}");
}

#[tokio::test]
async fn concurrent_challenges_for_one_new_username_create_one_user() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    let body = json!({"email": email("racer"), "kind": "EndUser"}).to_string();
    let mut actions = Vec::new();
    for _ in 0..16 {
        actions.push(client.user_action(DELEGATED, &body).await);
    }
    let replies = futures::future::join_all(actions.iter().map(|ua| {
        let (body, client) = (&body, &client);
        async move {
            client
                .post(DELEGATED, body, &[("X-DFNS-USERACTION", ua.as_str())])
                .await
        }
    }))
    .await;
    let ids: std::collections::HashSet<&str> = replies
        .iter()
        .map(|r| {
            assert_eq!(r.status, 200, "{r:?}");
            r.body["user"]["id"].as_str().unwrap()
        })
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
}

#[tokio::test]
async fn existing_users_answer_by_state() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::Ed25519, &OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    let ask = |name: &str, kind: &str| {
        let body = json!({"email": name, "kind": kind});
        let client = &client;
        async move { signed(client, DELEGATED, &body).await }
    };

    // Not registered yet (created by the operator CLI): a challenge.
    let reply = ask(&org.end_user, "EndUser").await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["user"]["id"], org.end_user_id.as_str());
    // Another kind: 400 naming kind.
    let reply = ask(&org.employee, "EndUser").await;
    assert_eq!(reply.status, 400, "{reply:?}");
    assert!(reply.message().starts_with("kind "), "{reply:?}");

    // Registered: 401, on both paths.
    let registered = email("registered");
    register(&stack, &client, &registered, &cred_id()).await;
    for path in [DELEGATED, RESTART] {
        signed(
            &client,
            path,
            &json!({"email": registered, "kind": "EndUser"}),
        )
        .await
        .assert_error(401, "User already exists.");
    }

    // Deactivated: 400; archived: 401.
    stack.admin.deactivate_user(&org.end_user_id).await.unwrap();
    ask(&org.end_user, "EndUser")
        .await
        .assert_error(400, "User account has been deactivated.");
    let dir = DynamoDirectory::from_sdk(&stack.sdk, DIRECTORY_TABLE);
    let id = UserId::parse(&org.employee_id).unwrap();
    let mut employee = dir.identity(&id).await.unwrap().unwrap();
    (employee.active, employee.archived) = (false, true);
    dir.save_identity(&employee).await.unwrap();
    ask(&org.employee, "CustomerEmployee")
        .await
        .assert_error(401, "User already exists.");
}

#[tokio::test]
async fn a_user_of_another_org_with_that_name_is_irrelevant() {
    let stack = Stack::start().await;
    let (a, b) = (
        stack.org(KeyKind::P256, &OPERATIONS).await,
        stack.org(KeyKind::P256, &OPERATIONS).await,
    );
    let (in_a, in_b) = (Client::new(&stack, &a.sa), Client::new(&stack, &b.sa));
    let name = email("shared-name");
    register(&stack, &in_a, &name, &cred_id()).await;
    // Registered in A, new in B: another user, and B can register it.
    let c = challenge_for(&in_b, &name, "EndUser").await;
    assert_ne!(c.user_id, a.end_user_id);
    let key = TestKey::generate(KeyKind::P256);
    let reply = complete(
        &stack,
        &c.token,
        REGISTER,
        &register_body(&key, &cred_id(), &c.challenge),
    )
    .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["user"]["orgId"], b.org_id.as_str());
    // A's own not-yet-registered user is still A's and still unregistered.
    let again = challenge_for(&in_a, &a.end_user, "EndUser").await;
    assert_eq!(again.user_id, a.end_user_id);
}

#[tokio::test]
async fn permissions_are_checked_in_order_in_every_generation() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &[]).await;
    let with = |ops: &'static [&'static str]| {
        let stack = &stack;
        let org_id = org.org_id.clone();
        async move { stack.service_account(&org_id, KeyKind::P256, ops).await }
    };
    let forbidden = |sa: &Account, op: &str| {
        format!(
            "CustomerEmployee {} is not authorized to perform operation ({op})",
            sa.info.user_id
        )
    };
    let cases: [(&'static [&'static str], &str); 4] = [
        (&[], "Auth:Users:Create"),
        (
            &[
                "Auth:Users:Read",
                "Auth:Users:Delegate",
                "Auth:Types:EndUser",
            ],
            "Auth:Users:Create",
        ),
        (&["Auth:Users:Create"], "Auth:Users:Delegate"),
        (
            &[
                "Auth:Users:Create",
                "Auth:Users:Delegate",
                "Auth:Types:Employee",
            ],
            "Auth:Types:EndUser",
        ),
    ];
    let name = email("perm");
    for (ops, missing) in cases {
        let sa = with(ops).await;
        let reply = signed(
            &Client::new(&stack, &sa),
            DELEGATED,
            &json!({"email": name, "kind": "EndUser"}),
        )
        .await;
        reply.assert_error(403, &forbidden(&sa, missing));
    }
    // Nothing was created: the name is still free for a login.
    let login = with(&[
        "Auth:Users:Read",
        "Auth:Users:Delegate",
        "Auth:Types:EndUser",
    ])
    .await;
    Client::new(&stack, &login)
        .delegated_login(&name)
        .await
        .assert_error(401, "User not found");
    // The G2 and G3 single operations grant the whole capability.
    for op in [
        &["Auth:Register:Delegated"][..],
        &["Auth:Delegated:Register"],
    ] {
        let sa = with(op).await;
        let client = Client::new(&stack, &sa);
        for kind in ["EndUser", "CustomerEmployee"] {
            let reply = signed(
                &client,
                DELEGATED,
                &json!({"email": email(kind), "kind": kind}),
            )
            .await;
            assert_eq!(reply.status, 200, "{op:?} {kind}: {reply:?}");
        }
    }
    // The G1 type operation follows an existing user's kind.
    let employee_only = with(&[
        "Auth:Users:Create",
        "Auth:Users:Delegate",
        "Auth:Types:EndUser",
    ])
    .await;
    signed(
        &Client::new(&stack, &employee_only),
        DELEGATED,
        &json!({"email": org.employee, "kind": "CustomerEmployee"}),
    )
    .await
    .assert_error(403, &forbidden(&employee_only, "Auth:Types:Employee"));
}

#[tokio::test]
async fn only_service_accounts_with_a_user_action_and_a_good_body() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &OPERATIONS).await;
    let client = Client::new(&stack, &org.sa);
    let body = json!({"email": email("x"), "kind": "EndUser"}).to_string();

    // No user action, then one already spent.
    client
        .post(DELEGATED, &body, &[])
        .await
        .assert_error(403, "user action signature is missing or invalid");
    let ua = client.user_action(DELEGATED, &body).await;
    assert_eq!(
        client
            .post(DELEGATED, &body, &[("X-DFNS-USERACTION", &ua)])
            .await
            .status,
        200
    );
    client
        .post(DELEGATED, &body, &[("X-DFNS-USERACTION", &ua)])
        .await
        .assert_error(400, "user action has already been used");

    // The body is checked before the user action, naming the field.
    for (bad, field) in [
        (json!({"kind": "EndUser"}), "email"),
        (json!({"email": "", "kind": "EndUser"}), "email"),
        (json!({"email": 5, "kind": "EndUser"}), "email"),
        (json!({"email": "a@b.co"}), "kind"),
        (json!({"email": "a@b.co", "kind": "Robot"}), "kind"),
        (
            json!({"email": "a@b.co", "kind": "EndUser", "externalId": []}),
            "externalId",
        ),
    ] {
        let reply = client.post(DELEGATED, &bad.to_string(), &[]).await;
        assert_eq!(reply.status, 400, "{bad}: {reply:?}");
        assert!(reply.message().starts_with(field), "{bad}: {reply:?}");
        assert!(!reply.message().contains("Robot"), "echoed: {reply:?}");
    }

    // A user's login token, even with a user action: 403 naming Auth:Users:Delegate.
    let employee = stack.delegated_employee(&org, true).await;
    let reply = signed(
        &Client::new(&stack, &employee),
        DELEGATED,
        &json!({"email": email("y"), "kind": "EndUser"}),
    )
    .await;
    reply.assert_error(
        403,
        &format!(
            "CustomerEmployee {} is not authorized to perform operation (Auth:Users:Delegate)",
            org.employee_id
        ),
    );
    // No or a foreign bearer: 401.
    let n = nonce();
    stack
        .send("POST", DELEGATED, &[("X-DFNS-NONCE", &n)], Some(&body))
        .await
        .assert_error(401, "Not Authorized.");
}
