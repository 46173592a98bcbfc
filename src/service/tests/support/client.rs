//! What a client holds and sends: the contract's messages, nonces,
//! bodies, its Key credential and its bearer token.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::json;

use crate::domain::ids::{CredId, CredentialId, TokenId, UserId};
use crate::domain::model::{Credential, Identity};
use crate::domain::secret::random_bytes;
use crate::error::Error;
use crate::service::ActionInitResponse;

pub const ISSUER: &str = "https://auth.unit.test";
pub const LOGIN: &str = "/auth/login/delegated";
pub const INIT: &str = "/auth/action/init";
pub const ACTION: &str = "/auth/action";
pub const TTL_SECS: i64 = 6 * 3600;
pub const SA_NAME: &str = "platform backend";
pub const READ: &str = "Auth:Users:Read";
pub const DELEGATE: &str = "Auth:Users:Delegate";
pub const EMPLOYEE: &str = "Auth:Types:Employee";
pub const END_USER: &str = "Auth:Types:EndUser";
pub const ALL_OPERATIONS: [&str; 4] = [READ, DELEGATE, EMPLOYEE, END_USER];

pub const NONCE_INVALID: &str = "request nonce is missing or invalid";
pub const NONCE_REUSED: &str = "request nonce has already been used";
pub const UA_INVALID: &str = "user action signature is missing or invalid";
pub const UA_REUSED: &str = "user action has already been used";
pub const NOT_AUTHORIZED: &str = "Not Authorized.";
pub const USER_NOT_FOUND: &str = "User not found";
pub const CHALLENGE_INVALID: &str = "Challenge token is not valid.";
pub const NO_CREDENTIAL: &str =
    "User does not have a credential that can be used for the application.";

/// Asserts the contract error: status and exact message.
#[track_caller]
pub fn assert_error<T: std::fmt::Debug>(result: &Result<T, Error>, status: u16, message: &str) {
    match result {
        Ok(v) => panic!("expected {status} {message:?}, got {v:?}"),
        Err(e) => assert_eq!(
            (e.status(), e.to_string().as_str()),
            (status, message),
            "{e:?}"
        ),
    }
}

/// The contract's 403 for `who` lacking `operation`.
pub fn forbidden(who: &Identity, operation: &str) -> String {
    format!(
        "{} {} is not authorized to perform operation ({operation})",
        who.kind.as_str(),
        who.user_id
    )
}

/// A fresh `X-DFNS-NONCE` dated `offset_secs` from now.
pub fn nonce_at(offset_secs: i64) -> String {
    let date = chrono::Utc::now() + chrono::Duration::seconds(offset_secs);
    let uuid = URL_SAFE_NO_PAD.encode(random_bytes::<16>());
    URL_SAFE_NO_PAD.encode(json!({ "uuid": uuid, "date": date.to_rfc3339() }).to_string())
}

pub fn login_body(username: &str) -> String {
    json!({ "username": username }).to_string()
}

pub fn init_body(method: &str, path: &str, payload: &str) -> String {
    json!({
        "userActionPayload": payload,
        "userActionHttpMethod": method,
        "userActionHttpPath": path,
        "userActionServerKind": "Api",
    })
    .to_string()
}

/// A client's Key credential and its private key.
pub struct ClientKey {
    pub credential: Credential,
    pair: EcdsaKeyPair,
}

impl ClientKey {
    pub fn generate(active: bool) -> Self {
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).expect("key");
        let spki = pair.public_key().as_der().expect("spki");
        let pem = pem(spki.as_ref());
        let credential = Credential {
            credential_id: CredentialId::mint(),
            cred_id: CredId::mint(),
            public_key_pem: pem,
            active,
            kind: crate::domain::model::CredentialKind::Key,
            name: String::new(),
            created_at: None,
            passkey: None,
        };
        Self { credential, pair }
    }

    /// DER ECDSA over `message`, base64url, as the SDK key signers send it.
    pub fn sign_b64(&self, message: &[u8]) -> String {
        let signature = self.pair.sign(&SystemRandom::new(), message).expect("sign");
        URL_SAFE_NO_PAD.encode(signature.as_ref())
    }

    /// The `/auth/action` body asserting `client_data` with `signature`.
    pub fn assertion_with(&self, identifier: &str, client_data: &str, signature: &str) -> String {
        json!({
            "challengeIdentifier": identifier,
            "firstFactor": { "kind": "Key", "credentialAssertion": {
                "credId": self.credential.cred_id,
                "clientData": URL_SAFE_NO_PAD.encode(client_data),
                "signature": signature,
            }}
        })
        .to_string()
    }

    /// The `/auth/action` body the TS key signer sends for `challenge`.
    pub fn assertion(&self, challenge: &ActionInitResponse) -> String {
        let client_data =
            json!({ "type": "key.get", "challenge": challenge.challenge.expose() }).to_string();
        self.assertion_with(
            challenge.challenge_identifier.expose(),
            &client_data,
            &self.sign_b64(client_data.as_bytes()),
        )
    }
}

/// An identity as its client holds it: a bearer token and, maybe, a key.
pub struct Account {
    pub identity: Identity,
    pub token_id: TokenId,
    pub token: String,
    pub key: Option<ClientKey>,
}

impl Account {
    pub fn id(&self) -> &UserId {
        &self.identity.user_id
    }

    pub fn key(&self) -> &ClientKey {
        self.key.as_ref().expect("account has a key")
    }
}

/// A SubjectPublicKeyInfo in PEM, wrapped at 64 columns as browsers do.
fn pem(spki: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(spki);
    let mut out = String::from("-----BEGIN PUBLIC KEY-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).expect("base64 is ascii"));
        out.push('\n');
    }
    out.push_str("-----END PUBLIC KEY-----\n");
    out
}
