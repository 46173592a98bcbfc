//! Passkeys end to end (PASSKEYS.md): an org's relying parties set by the
//! operator, a passkey user registered by delegation, user actions signed
//! with passkeys, a second passkey added through the credentials API, the
//! list, deactivation and its last-credential rule, and the refusals a
//! browser's mistakes and a cloned authenticator meet.

use serde_json::{json, Value};

use crate::cli::{admin_tables, json as cli_json};
use crate::registration::{challenge_for, complete, email, signed, OPERATIONS, REGISTER};
use crate::support::passkeys::{Authenticator, Ceremony, Format};
use crate::support::*;

const ORIGIN: &str = "https://app.example.com";
const LOGIN: &str = "/auth/login/delegated";
const CREDENTIALS: &str = "/auth/credentials";

fn create() -> Ceremony {
    Ceremony::new("webauthn.create", ORIGIN, "example.com")
}

fn get() -> Ceremony {
    Ceremony::new("webauthn.get", ORIGIN, "example.com")
}

/// `credentialInfo` of a registration, as the SDKs send it.
fn info(reg: &passkeys::Registration) -> Value {
    json!({"credId": reg.cred_id, "clientData": reg.client_data, "attestationData": reg.attestation_data})
}

/// An org whose passkeys are bound to example.com (any https subdomain),
/// set with the operator CLI.
async fn passkey_org(stack: &Stack) -> Org {
    let org = stack.org(KeyKind::P256, &OPERATIONS).await;
    let out = cli_json(&admin_tables(
        &format!(
            "org passkeys --org {} --rp-id example.com --origins *",
            org.org_id
        ),
        &[],
    ));
    assert_eq!(
        out["passkeys"],
        json!([{"rpId": "example.com", "origins": "*"}])
    );
    org
}

/// A passkey user: registered by delegation with `authenticator`, then
/// logged in by the service account.
struct PasskeyUser {
    user_id: String,
    account: Account,
}

async fn register_passkey_user(
    stack: &Stack,
    org: &Org,
    authenticator: &Authenticator,
) -> PasskeyUser {
    let sa = Client::new(stack, &org.sa);
    let name = email("passkey");
    let c = challenge_for(&sa, &name, "EndUser").await;
    let reg = authenticator.register(&create(), &c.challenge);
    let body = json!({"firstFactorCredential": {
        "credentialKind": "Fido2",
        "credentialName": "laptop",
        "credentialInfo": info(&reg),
    }});
    let reply = complete(stack, &c.token, REGISTER, &body).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["credential"]["kind"], "Fido2");
    assert_eq!(reply.body["credential"]["name"], "laptop");
    let login = sa.delegated_login(&name).await;
    assert_eq!(login.status, 200, "{login:?}");
    let info = delegated_login::admin::ServiceAccount {
        user_id: c.user_id.clone(),
        credential_id: String::new(),
        cred_id: reg.cred_id,
        token_id: String::new(),
        token: login.body["token"].as_str().unwrap().to_string(),
    };
    PasskeyUser {
        user_id: c.user_id,
        account: Account {
            info,
            key: TestKey::generate(KeyKind::P256),
        },
    }
}

/// `/auth/action` with a passkey assertion over `challenge`.
fn passkey_action(challenge: &Value, assertion: &passkeys::Assertion) -> String {
    json!({
        "challengeIdentifier": challenge["challengeIdentifier"],
        "firstFactor": {"kind": "Fido2", "credentialAssertion": {
            "credId": assertion.cred_id,
            "clientData": assertion.client_data,
            "authenticatorData": assertion.authenticator_data,
            "signature": assertion.signature,
            "userHandle": assertion.user_handle,
        }}
    })
    .to_string()
}

/// init, then an assertion by `authenticator` from a page at `ceremony`'s
/// origin: the `/auth/action` reply.
async fn sign_with(
    client: &Client<'_>,
    user_id: &str,
    authenticator: &mut Authenticator,
    ceremony: &Ceremony,
    path: &str,
    payload: &str,
) -> Reply {
    let challenge = client.init(path, payload).await;
    assert_eq!(challenge.status, 200, "{challenge:?}");
    let c = challenge.body["challenge"].as_str().unwrap().to_string();
    let assertion = authenticator.assert(ceremony, &c, user_id);
    client
        .post(
            "/auth/action",
            &passkey_action(&challenge.body, &assertion),
            &[],
        )
        .await
}

/// A user action token signed with a passkey for (POST, path, body).
async fn passkey_user_action(
    client: &Client<'_>,
    user_id: &str,
    authenticator: &mut Authenticator,
    path: &str,
    body: &str,
) -> String {
    let reply = sign_with(client, user_id, authenticator, &get(), path, body).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    reply.body["userAction"].as_str().unwrap().to_string()
}

/// A signed PUT, as the SDK sends one.
async fn put_signed(
    client: &Client<'_>,
    user_id: &str,
    a: &mut Authenticator,
    path: &str,
    body: &Value,
) -> Reply {
    let body = body.to_string();
    let challenge = client
        .post(
            "/auth/action/init",
            &json!({"userActionPayload": body, "userActionHttpMethod": "PUT", "userActionHttpPath": path}).to_string(),
            &[],
        )
        .await;
    let c = challenge.body["challenge"].as_str().unwrap().to_string();
    let action = client
        .post(
            "/auth/action",
            &passkey_action(&challenge.body, &a.assert(&get(), &c, user_id)),
            &[],
        )
        .await;
    assert_eq!(action.status, 200, "{action:?}");
    let ua = action.body["userAction"].as_str().unwrap().to_string();
    let bearer = client.bearer();
    let n = nonce();
    client
        .stack
        .send(
            "PUT",
            path,
            &[
                ("Authorization", &bearer),
                ("X-DFNS-NONCE", &n),
                ("X-DFNS-USERACTION", &ua),
            ],
            Some(&body),
        )
        .await
}

async fn list(client: &Client<'_>) -> Reply {
    let bearer = client.bearer();
    let n = nonce();
    client
        .stack
        .send(
            "GET",
            CREDENTIALS,
            &[("Authorization", &bearer), ("X-DFNS-NONCE", &n)],
            None,
        )
        .await
}

#[tokio::test]
async fn challenges_offer_passkeys_only_where_the_org_has_settings() {
    let stack = Stack::start().await;
    let plain = stack.org(KeyKind::P256, &OPERATIONS).await;
    let reply = signed(
        &Client::new(&stack, &plain.sa),
        "/auth/registration/delegated",
        &json!({"email": email("plain"), "kind": "EndUser"}),
    )
    .await;
    assert_eq!(
        reply.body["supportedCredentialKinds"]["firstFactor"],
        json!(["Key"])
    );
    assert!(reply.body.get("rp").is_none(), "{reply:?}");

    let org = passkey_org(&stack).await;
    let reply = signed(
        &Client::new(&stack, &org.sa),
        "/auth/registration/delegated",
        &json!({"email": email("offered"), "kind": "EndUser"}),
    )
    .await;
    assert_eq!(
        reply.body["supportedCredentialKinds"]["firstFactor"],
        json!(["Key", "Fido2"])
    );
    assert_eq!(
        reply.body["rp"],
        json!({"id": "example.com", "name": "test org"})
    );
    assert_eq!(
        reply.body["user"]["id"],
        reply.body["user"]["id"].as_str().unwrap()
    );
    // C is unpadded base64url of at least 16 bytes.
    let c = reply.body["challenge"].as_str().unwrap();
    assert!(
        c.len() >= 22
            && !c.contains('=')
            && c.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
}

#[tokio::test]
async fn a_passkey_user_registers_signs_adds_a_second_passkey_and_manages_them() {
    let stack = Stack::start().await;
    let org = passkey_org(&stack).await;
    let mut first = Authenticator::es256(1).counting_from(1);
    let user = register_passkey_user(&stack, &org, &first).await;
    let client = Client::new(&stack, &user.account);

    // init offers the passkey, and only it; a passkey signs a user action.
    let init = client.init(LOGIN, "{}").await;
    assert_eq!(
        init.body["allowCredentials"],
        json!({"key": [], "webauthn": [{"type": "public-key", "id": first.cred_id_b64()}]})
    );
    assert_eq!(
        init.body["supportedCredentialKinds"],
        json!([{"kind": "Fido2", "factor": "first", "requiresSecondFactor": false}])
    );

    // A second passkey (RS256, packed self attestation, mobile challenge encoding).
    let init = client
        .post("/auth/credentials/init", r#"{"kind":"Fido2"}"#, &[])
        .await;
    assert_eq!(init.status, 200, "{init:?}");
    assert_eq!(init.body["kind"], "Fido2");
    assert_eq!(init.body["rp"]["id"], "example.com");
    assert_eq!(init.body["user"]["id"], user.user_id.as_str());
    assert_eq!(
        init.body["temporaryAuthenticationToken"],
        init.body["challengeIdentifier"]
    );
    assert_eq!(
        init.body["excludeCredentials"],
        json!([{"type": "public-key", "id": first.cred_id_b64()}])
    );
    assert_eq!(
        init.body["authenticatorSelection"]["userVerification"],
        "required"
    );
    let mut second = Authenticator::rs256(2);
    let ceremony = Ceremony {
        format: Format::PackedSelf,
        utf8_challenge: false,
        ..create()
    };
    let reg = second.register(&ceremony, init.body["challenge"].as_str().unwrap());
    let body = json!({
        "credentialKind": "Fido2",
        "credentialName": "phone",
        "challengeIdentifier": init.body["challengeIdentifier"],
        "credentialInfo": info(&reg),
    })
    .to_string();
    let ua = passkey_user_action(&client, &user.user_id, &mut first, CREDENTIALS, &body).await;
    let created = client
        .post(CREDENTIALS, &body, &[("X-DFNS-USERACTION", &ua)])
        .await;
    assert_eq!(created.status, 200, "{created:?}");
    assert_eq!(created.body["kind"], "Fido2");
    assert_eq!(created.body["credentialId"], second.cred_id_b64());
    assert_eq!(created.body["relyingPartyId"], "example.com");
    assert_eq!(created.body["origin"], ORIGIN);
    assert_eq!(created.body["name"], "phone");
    assert_eq!(created.body["isActive"], true);
    assert!(created.body["publicKey"]
        .as_str()
        .unwrap()
        .starts_with("-----BEGIN PUBLIC KEY-----"));
    assert!(created.body["dateCreated"].as_str().unwrap().ends_with('Z'));
    let second_uuid = created.body["credentialUuid"].as_str().unwrap().to_string();

    // The challenge was single use: the same body again is refused.
    let again = passkey_user_action(&client, &user.user_id, &mut first, CREDENTIALS, &body).await;
    client
        .post(CREDENTIALS, &body, &[("X-DFNS-USERACTION", &again)])
        .await
        .assert_error(400, "Challenge token is not valid.");

    // The list shows both; the second passkey signs too.
    let listed = list(&client).await;
    assert_eq!(listed.status, 200, "{listed:?}");
    let items = listed.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{listed:?}");
    let first_uuid = items
        .iter()
        .find(|c| c["credentialId"] == first.cred_id_b64())
        .map(|c| c["credentialUuid"].as_str().unwrap().to_string())
        .unwrap();
    let reply = sign_with(&client, &user.user_id, &mut second, &get(), LOGIN, "{}").await;
    assert_eq!(reply.status, 200, "{reply:?}");

    // Deactivate the first (signed with it), idempotently; the second is
    // then the last active one and stays.
    let off = |uuid: &str| json!({"credentialUuid": uuid});
    for _ in 0..2 {
        let reply = put_signed(
            &client,
            &user.user_id,
            &mut second,
            "/auth/credentials/deactivate",
            &off(&first_uuid),
        )
        .await;
        assert_eq!(
            (reply.status, &reply.body),
            (200, &json!({"message": "success"})),
            "{reply:?}"
        );
    }
    put_signed(
        &client,
        &user.user_id,
        &mut second,
        "/auth/credentials/deactivate",
        &off(&second_uuid),
    )
    .await
    .assert_error(400, "cannot deactivate the last active credential");
    // The deactivated passkey is no longer offered nor usable.
    let init = client.init(LOGIN, "{}").await;
    assert_eq!(
        init.body["allowCredentials"]["webauthn"],
        json!([{"type": "public-key", "id": second.cred_id_b64()}])
    );
    sign_with(&client, &user.user_id, &mut first, &get(), LOGIN, "{}")
        .await
        .assert_error(
            401,
            "User does not have a credential that can be used for the application.",
        );
    // Activation brings it back; an unknown uuid is 404.
    let reply = put_signed(
        &client,
        &user.user_id,
        &mut second,
        "/auth/credentials/activate",
        &off(&first_uuid),
    )
    .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(
        sign_with(&client, &user.user_id, &mut first, &get(), LOGIN, "{}")
            .await
            .status,
        200
    );
    put_signed(
        &client,
        &user.user_id,
        &mut second,
        "/auth/credentials/activate",
        &off("cr-00000-00000-0000000000000000"),
    )
    .await
    .assert_error(404, "Credential not found");
}

#[tokio::test]
async fn a_cloned_counter_a_foreign_origin_and_a_stranger_are_refused() {
    let stack = Stack::start().await;
    let org = passkey_org(&stack).await;
    let mut authenticator = Authenticator::es256(3).counting_from(7);
    let user = register_passkey_user(&stack, &org, &authenticator).await;
    let client = Client::new(&stack, &user.account);
    let invalid = "Credential assertion is not valid.";
    assert_eq!(
        sign_with(
            &client,
            &user.user_id,
            &mut authenticator,
            &get(),
            LOGIN,
            "{}"
        )
        .await
        .status,
        200
    );

    // A clone replays the count the service stored (8): refused.
    let challenge = client.init(LOGIN, "{}").await.body;
    let c = challenge["challenge"].as_str().unwrap();
    let clone = authenticator.assert_with_count(&get(), c, &user.user_id, 8);
    client
        .post("/auth/action", &passkey_action(&challenge, &clone), &[])
        .await
        .assert_error(401, invalid);

    // Two assertions with one new count, at once: exactly one passes.
    let (a, b) = (
        client.init(LOGIN, "{}").await.body,
        client.init(LOGIN, "{}").await.body,
    );
    let sign = |ch: &Value| {
        authenticator.assert_with_count(
            &get(),
            ch["challenge"].as_str().unwrap(),
            &user.user_id,
            20,
        )
    };
    let (sa, sb) = (passkey_action(&a, &sign(&a)), passkey_action(&b, &sign(&b)));
    let (ra, rb) = tokio::join!(
        client.post("/auth/action", &sa, &[]),
        client.post("/auth/action", &sb, &[])
    );
    let mut statuses = [ra.status, rb.status];
    statuses.sort();
    assert_eq!(statuses, [200, 401], "{ra:?} {rb:?}");
    authenticator.sign_count = 20;

    // A page origin the org does not allow, for assertion and registration.
    let evil = Ceremony {
        origin: "https://evil.test".into(),
        ..get()
    };
    sign_with(
        &client,
        &user.user_id,
        &mut authenticator,
        &evil,
        LOGIN,
        "{}",
    )
    .await
    .assert_error(401, invalid);
    let http = Ceremony {
        origin: "http://app.example.com".into(),
        ..get()
    };
    sign_with(
        &client,
        &user.user_id,
        &mut authenticator,
        &http,
        LOGIN,
        "{}",
    )
    .await
    .assert_error(401, invalid);
    let sa = Client::new(&stack, &org.sa);
    let name = email("evil");
    let c = challenge_for(&sa, &name, "EndUser").await;
    let reg = Authenticator::es256(4).register(
        &Ceremony {
            origin: "https://evil.test".into(),
            ..create()
        },
        &c.challenge,
    );
    let body = json!({"firstFactorCredential": {"credentialKind": "Fido2",
        "credentialInfo": info(&reg)}});
    complete(&stack, &c.token, REGISTER, &body)
        .await
        .assert_error(401, invalid);

    // Another user's passkey (same org) does not sign for this user.
    let mut stranger = Authenticator::es256(5);
    register_passkey_user(&stack, &org, &stranger).await;
    sign_with(&client, &user.user_id, &mut stranger, &get(), LOGIN, "{}")
        .await
        .assert_error(
            401,
            "User does not have a credential that can be used for the application.",
        );
    // The same credId registered again in the org: refused.
    let c = challenge_for(&sa, &email("dup"), "EndUser").await;
    let reg = stranger.register(&create(), &c.challenge);
    let body = json!({"firstFactorCredential": {"credentialKind": "Fido2",
        "credentialInfo": info(&reg)}});
    complete(&stack, &c.token, REGISTER, &body)
        .await
        .assert_error(400, "credential already registered");
}

#[tokio::test]
async fn a_key_user_adds_a_passkey_and_service_accounts_are_refused() {
    let stack = Stack::start().await;
    let org = passkey_org(&stack).await;
    let employee = stack.delegated_employee(&org, true).await;
    let client = Client::new(&stack, &employee);

    // The Key credential signs for a new passkey; Key users are unchanged.
    let init = client
        .post("/auth/credentials/init", r#"{"kind":"Fido2"}"#, &[])
        .await;
    assert_eq!(init.body["excludeCredentials"], json!([]), "{init:?}");
    let mut passkey = Authenticator::es256(6);
    let ceremony = Ceremony {
        format: Format::PackedX5c,
        ..create()
    };
    let reg = passkey.register(&ceremony, init.body["challenge"].as_str().unwrap());
    let body = json!({"credentialKind": "Fido2", "challengeIdentifier": init.body["challengeIdentifier"],
        "credentialInfo": info(&reg)});
    let created = crate::registration::signed(&client, CREDENTIALS, &body).await;
    assert_eq!(created.status, 200, "{created:?}");
    let listed = list(&client).await;
    let kinds: Vec<&str> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 2);
    assert!(
        kinds.contains(&"Key") && kinds.contains(&"Fido2"),
        "{kinds:?}"
    );
    let key_item = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "Key")
        .unwrap()
        .clone();
    assert_eq!(
        (
            key_item["relyingPartyId"].as_str(),
            key_item["origin"].as_str()
        ),
        (Some(""), Some(""))
    );
    // Both kinds are offered at init, and both sign.
    let init = client.init(LOGIN, "{}").await;
    assert_eq!(
        init.body["supportedCredentialKinds"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        client
            .post(
                "/auth/action",
                &client.assertion(&init.body).to_string(),
                &[]
            )
            .await
            .status,
        200
    );
    let reply = sign_with(&client, &org.employee_id, &mut passkey, &get(), LOGIN, "{}").await;
    assert_eq!(reply.status, 200, "{reply:?}");

    // A Key challenge does not answer for a passkey (bound to its kind).
    let key_init = client
        .post("/auth/credentials/init", r#"{"kind":"Key"}"#, &[])
        .await;
    assert_eq!(key_init.status, 200, "{key_init:?}");
    assert!(key_init.body.get("excludeCredentials").is_none());
    let reg =
        Authenticator::es256(7).register(&create(), key_init.body["challenge"].as_str().unwrap());
    let body = json!({"credentialKind": "Fido2", "challengeIdentifier": key_init.body["challengeIdentifier"],
        "credentialInfo": info(&reg)});
    crate::registration::signed(&client, CREDENTIALS, &body)
        .await
        .assert_error(400, "Challenge token is not valid.");

    // A service account manages no credentials here.
    let sa = Client::new(&stack, &org.sa);
    list(&sa).await.assert_error(
        403,
        "service account credentials are managed by the operator",
    );
    sa.post("/auth/credentials/init", r#"{"kind":"Key"}"#, &[])
        .await
        .assert_error(
            403,
            "service account credentials are managed by the operator",
        );
}

#[tokio::test]
async fn the_operator_sets_checks_and_clears_passkey_settings() {
    let stack = Stack::start().await;
    let org = passkey_org(&stack).await;
    for bad in [
        "--rp-id Example.com --origins *".to_string(),
        "--rp-id example.com --origins example.com".to_string(),
        r#"--json [{"rpId":"a.com","origins":"all"}]"#.to_string(),
        "--rp-id example.com".to_string(),
    ] {
        let out = admin_tables(&format!("org passkeys --org {} {bad}", org.org_id), &[]);
        assert!(!out.status.success(), "{bad}");
        assert!(
            !String::from_utf8_lossy(&out.stderr).trim().is_empty(),
            "{bad}"
        );
    }
    let unknown = admin_tables(
        "org passkeys --org or-00000-00000-0000000000000000 --rp-id example.com --origins *",
        &[],
    );
    assert!(!unknown.status.success());
    // A list with an http origin for local development.
    let out = cli_json(&admin_tables(
        &format!(
            r#"org passkeys --org {} --json [{{"rpId":"localhost","origins":["http://localhost:3000"]}}]"#,
            org.org_id
        ),
        &[],
    ));
    assert_eq!(
        out["passkeys"],
        json!([{"rpId": "localhost", "origins": ["http://localhost:3000"]}])
    );
    let sa = Client::new(&stack, &org.sa);
    let c = challenge_for(&sa, &email("local"), "EndUser").await;
    let local = Ceremony::new("webauthn.create", "http://localhost:3000", "localhost");
    let reg = Authenticator::es256(8).register(&local, &c.challenge);
    let body =
        json!({"firstFactorCredential": {"credentialKind": "Fido2", "credentialInfo": info(&reg)}});
    let reply = complete(&stack, &c.token, REGISTER, &body).await;
    assert_eq!(reply.status, 200, "{reply:?}");

    // Cleared: the org offers Key only, and a passkey registration is a 400.
    let out = cli_json(&admin_tables(
        &format!("org passkeys --org {} --clear", org.org_id),
        &[],
    ));
    assert_eq!(out["passkeys"], json!([]));
    let reply = signed(
        &sa,
        "/auth/registration/delegated",
        &json!({"email": email("cleared"), "kind": "EndUser"}),
    )
    .await;
    assert_eq!(
        reply.body["supportedCredentialKinds"]["firstFactor"],
        json!(["Key"])
    );
    let c = challenge_for(&sa, &email("cleared2"), "EndUser").await;
    let reg = Authenticator::es256(9).register(&create(), &c.challenge);
    let body =
        json!({"firstFactorCredential": {"credentialKind": "Fido2", "credentialInfo": info(&reg)}});
    complete(&stack, &c.token, REGISTER, &body).await.assert_error(
        400,
        "firstFactorCredential.credentialKind Fido2 is not offered: the org has no passkey settings",
    );
}

/// Counted, as `stages.rs` counts the Key flow: a passkey's `/auth/action`
/// reads the org's relying parties alongside the caller's reads and the
/// challenge's signing (one stage), then stores the sign count, which only
/// a verified assertion may move (the second and last).
#[tokio::test]
async fn a_passkey_action_is_one_store_stage_then_the_sign_count() {
    use crate::support::proxy::{stages, Proxy};
    let proxy = Proxy::start(moto::endpoint()).await;
    let stack = Stack::behind_with_env(&proxy.endpoint, &[("NONCE_POLICY", "optional")]).await;
    let org = passkey_org(&stack).await;
    let mut device = Authenticator::es256(7).counting_from(1);
    let user = register_passkey_user(&stack, &org, &device).await;
    let mut client = Client::new(&stack, &user.account);
    client.send_nonce = false;
    let challenge = client.init(LOGIN, "{}").await;
    assert_eq!(challenge.status, 200, "{challenge:?}");
    let c = challenge.body["challenge"].as_str().unwrap().to_string();
    let body = passkey_action(&challenge.body, &device.assert(&get(), &c, &user.user_id));

    proxy.set_pace(Some(std::time::Duration::from_millis(250)));
    proxy.reset_calls();
    let reply = client.post("/auth/action", &body, &[]).await;
    let calls = proxy.calls();
    proxy.set_pace(None);
    assert_eq!(reply.status, 200, "{reply:?}");
    let sorted = |ops: &[&str]| {
        let mut ops: Vec<String> = ops.iter().map(|s| s.to_string()).collect();
        ops.sort();
        ops
    };
    assert_eq!(
        stages(&calls),
        vec![
            // The caller's partition, its token's record, the minting
            // service account's cut-off (a delegated token), the org's
            // passkey settings, and the challenge's signing.
            sorted(&["Query", "GetItem", "GetItem", "GetItem", "UpdateItem"]),
            sorted(&["UpdateItem"]),
        ]
    );
}
