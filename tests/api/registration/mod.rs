//! Delegated registration (LIFECYCLE.md section 3): the challenge, the
//! completion with a Key credential built as the Dfns browser key signer
//! builds it, and what the registered credential can do afterwards.

mod challenge;
mod complete;
mod flows;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use delegated_login::admin::ServiceAccount;
use serde_json::{json, Value};

use crate::support::*;

pub const DELEGATED: &str = "/auth/registration/delegated";
pub const RESTART: &str = "/auth/registration/delegated/restart";
pub const REGISTER: &str = "/auth/registration";
pub const END_USER: &str = "/auth/registration/enduser";

/// Delegated login and delegated registration, in their G1 forms.
pub const OPERATIONS: [&str; 5] = [
    "Auth:Users:Read",
    "Auth:Users:Delegate",
    "Auth:Types:Employee",
    "Auth:Types:EndUser",
    "Auth:Users:Create",
];

/// A username no other test uses.
pub fn email(tag: &str) -> String {
    let n = URL_SAFE_NO_PAD.encode(delegated_login::domain::secret::random_bytes::<6>());
    format!("{tag}-{n}@example.co")
}

/// The SDK's signed request: init, action, then the request itself.
pub async fn signed(client: &Client<'_>, path: &str, body: &Value) -> Reply {
    let body = body.to_string();
    let ua = client.user_action(path, &body).await;
    client
        .post(path, &body, &[("X-DFNS-USERACTION", &ua)])
        .await
}

/// A registration challenge the service account asked for.
pub struct Challenge {
    pub user_id: String,
    pub token: String,
    pub challenge: String,
}

pub async fn challenge_for(client: &Client<'_>, email: &str, kind: &str) -> Challenge {
    let reply = signed(client, DELEGATED, &json!({"email": email, "kind": kind})).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    Challenge {
        user_id: reply.body["user"]["id"].as_str().unwrap().to_string(),
        token: reply.body["temporaryAuthenticationToken"]
            .as_str()
            .unwrap()
            .to_string(),
        challenge: reply.body["challenge"].as_str().unwrap().to_string(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The PEM as a browser exports it (no trailing newline).
pub fn browser_pem(key: &TestKey) -> String {
    key.public_pem().trim_end().to_string()
}

/// `clientData` and `attestationData` as `BrowserKeySigner.create()`
/// builds them, signed over `signed_client_data` (the same, honestly).
pub fn credential_info_signed(
    key: &TestKey,
    cred_id: &str,
    client_data: &str,
    signed_client_data: &str,
) -> Value {
    let pem = browser_pem(key);
    let fingerprint = format!(
        r#"{{"clientDataHash":"{}","publicKey":{}}}"#,
        hex(
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, signed_client_data.as_bytes())
                .as_ref()
        ),
        Value::from(pem.as_str())
    );
    let signature = URL_SAFE_NO_PAD
        .decode(key.sign_b64(fingerprint.as_bytes()))
        .unwrap();
    let attestation = format!(
        r#"{{"publicKey":{},"signature":"{}"}}"#,
        Value::from(pem.as_str()),
        hex(&signature)
    );
    json!({
        "credId": cred_id,
        "clientData": URL_SAFE_NO_PAD.encode(client_data),
        "attestationData": URL_SAFE_NO_PAD.encode(attestation),
    })
}

/// A credential of `kind` (`Key`, `RecoveryKey`) for `challenge`.
pub fn credential(key: &TestKey, cred_id: &str, kind: &str, challenge: &str) -> Value {
    let client_data = format!(r#"{{"type":"key.create","challenge":"{challenge}"}}"#);
    json!({
        "credentialKind": kind,
        "credentialInfo": credential_info_signed(key, cred_id, &client_data, &client_data),
    })
}

/// A fresh credId, as the browser signer makes one.
pub fn cred_id() -> String {
    URL_SAFE_NO_PAD.encode(delegated_login::domain::secret::random_bytes::<32>())
}

/// A completion body with one Key credential.
pub fn register_body(key: &TestKey, cred_id: &str, challenge: &str) -> Value {
    json!({"firstFactorCredential": credential(key, cred_id, "Key", challenge)})
}

/// POSTs `body` with the temporary token as the bearer.
pub async fn complete(stack: &Stack, token: &str, path: &str, body: &Value) -> Reply {
    let bearer = format!("Bearer {token}");
    let n = nonce();
    let headers = [
        ("Authorization", bearer.as_str()),
        ("X-DFNS-NONCE", n.as_str()),
    ];
    stack
        .send("POST", path, &headers, Some(&body.to_string()))
        .await
}

/// The new user logged in by the service account, holding its registered key.
pub async fn logged_in(client: &Client<'_>, email: &str, key: TestKey, cred_id: &str) -> Account {
    let reply = client.delegated_login(email).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    holding(reply.body["token"].as_str().unwrap(), key, cred_id)
}

/// A client identity: a bearer token and a credential key.
pub fn holding(token: &str, key: TestKey, cred_id: &str) -> Account {
    Account {
        info: ServiceAccount {
            user_id: String::new(),
            credential_id: String::new(),
            cred_id: cred_id.to_string(),
            token_id: String::new(),
            token: token.to_string(),
        },
        key,
    }
}

/// A registered user, start to finish; returns its registered key.
pub async fn register(stack: &Stack, client: &Client<'_>, email: &str, cred_id: &str) -> TestKey {
    let c = challenge_for(client, email, "EndUser").await;
    let key = TestKey::generate(KeyKind::P256);
    let reply = complete(
        stack,
        &c.token,
        REGISTER,
        &register_body(&key, cred_id, &c.challenge),
    )
    .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    key
}
