//! User Action Signing: `/auth/action/init` and `/auth/action`.

use serde_json::json;

use super::support::*;
use crate::domain::payload::binding;
use crate::domain::ports::{ChallengeRecord, ReplayStore};
use crate::domain::secret::{Redacted, SecretDigest};
use crate::domain::time::UnixTime;
use crate::service::{ActionInitResponse, CHALLENGE_TTL_SECS};

const ASSERTION_INVALID: &str = "Credential assertion is not valid.";
const BAD_CLIENT_DATA: &str =
    "clientData must be base64url of a JSON object with type and challenge";

fn digest_of(challenge: &ActionInitResponse) -> SecretDigest {
    SecretDigest::of(challenge.challenge_identifier.expose().as_bytes())
}

fn key_get(challenge: &str) -> String {
    json!({ "type": "key.get", "challenge": challenge }).to_string()
}

#[tokio::test]
async fn init_offers_the_active_credentials_and_stores_a_bound_challenge() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    let extra = w.add_key(org.sa.id(), true).await;
    w.add_key(org.sa.id(), false).await;
    let challenge = w.init(&org.sa, "post", LOGIN, "{}").await;
    let v = serde_json::to_value(&challenge).unwrap();
    let mut offered: Vec<&str> = v["allowCredentials"]["key"]
        .as_array()
        .unwrap()
        .iter()
        .inspect(|c| assert_eq!(c["type"], "public-key"))
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    let mut active = vec![
        org.sa.key().credential.cred_id.as_str(),
        extra.credential.cred_id.as_str(),
    ];
    offered.sort_unstable();
    active.sort_unstable();
    assert_eq!(offered, active);
    assert_eq!(v["allowCredentials"]["webauthn"], json!([]));
    let kinds = json!([{"kind": "Key", "factor": "first", "requiresSecondFactor": false}]);
    assert_eq!(v["supportedCredentialKinds"], kinds);
    assert_eq!(v["userVerification"], "required");
    assert_eq!(v["attestation"], "none");
    assert_eq!(v["externalAuthenticationUrl"], "");

    let stored = w.replay().challenge(&digest_of(&challenge)).unwrap();
    assert_eq!(&stored.caller_id, org.sa.id());
    assert_eq!(stored.challenge, challenge.challenge);
    assert_eq!(stored.binding, binding(org.sa.id(), "POST", LOGIN, b""));
    let ttl = stored.expires_at.as_secs() - UnixTime::now().as_secs();
    assert!((CHALLENGE_TTL_SECS - 5..=CHALLENGE_TTL_SECS).contains(&ttl));
}

#[tokio::test]
async fn init_needs_an_active_credential() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    let end_user = w.logged_in(&org, &org.end_user, false).await;
    let req = || w.post(&end_user, INIT, &init_body("POST", LOGIN, "{}"));
    assert_error(&w.init_req(&req()).await.0, 401, NO_CREDENTIAL);
    w.add_key(end_user.id(), false).await;
    assert_error(&w.init_req(&req()).await.0, 401, NO_CREDENTIAL);
    w.add_key(end_user.id(), true).await;
    assert!(w.init_req(&req()).await.0.is_ok());
}

#[tokio::test]
async fn init_bodies_are_checked() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    let missing = json!({"userActionHttpMethod": "POST", "userActionHttpPath": LOGIN});
    for (body, message) in [
        (
            init_body("TRACE", LOGIN, "{}"),
            "userActionHttpMethod must be one of GET, POST, PUT, PATCH, DELETE",
        ),
        (
            init_body("POST", "auth/login/delegated", "{}"),
            "userActionHttpPath must be an absolute path",
        ),
        (missing.to_string(), "userActionPayload is required"),
    ] {
        let (answer, _) = w.init_req(&w.post(&org.sa, INIT, &body)).await;
        assert_error(&answer, 400, message);
    }
}

#[tokio::test]
async fn a_challenge_is_its_callers_and_single_use() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    let other = w.service_account(&org.org_id, &[]).await;
    let challenge = w.init(&org.sa, "POST", LOGIN, "{}").await;
    let key = digest_of(&challenge);

    // Another caller, signing it with its own credential: refused, and
    // the challenge stays for its owner.
    let (answer, decision) = w.action(&other, &other.key().assertion(&challenge)).await;
    assert_error(&answer, 400, CHALLENGE_INVALID);
    assert_eq!(decision.credential, None);
    assert!(w.replay().challenge(&key).is_some());

    let body = org.sa.key().assertion(&challenge);
    assert!(w.action(&org.sa, &body).await.0.is_ok());
    assert!(w.replay().challenge(&key).is_none());
    assert_error(&w.action(&org.sa, &body).await.0, 400, CHALLENGE_INVALID);

    let cd = key_get("anything");
    let made_up = org.sa.key().assertion_with("made-up", &cd, "c2ln");
    assert_error(&w.action(&org.sa, &made_up).await.0, 400, CHALLENGE_INVALID);
}

#[tokio::test]
async fn an_expired_challenge_is_not_valid() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    let key = org.sa.key();
    let now = UnixTime::now();
    for (identifier, expires_at) in [("old", now.plus_secs(-1)), ("new", now.plus_secs(60))] {
        let record = ChallengeRecord {
            key: SecretDigest::of(identifier.as_bytes()),
            caller_id: org.sa.id().clone(),
            challenge: Redacted::new(format!("{identifier}-challenge")),
            binding: binding(org.sa.id(), "POST", LOGIN, b"{}"),
            expires_at,
        };
        w.replay().put_challenge(&record).await.unwrap();
    }
    let cd = key_get("old-challenge");
    let old = key.assertion_with("old", &cd, &key.sign_b64(cd.as_bytes()));
    assert_error(&w.action(&org.sa, &old).await.0, 400, CHALLENGE_INVALID);
    assert!(w.replay().challenge(&SecretDigest::of(b"old")).is_some());
    // The same record, unexpired, is accepted: only the time differed.
    let cd = key_get("new-challenge");
    let new = key.assertion_with("new", &cd, &key.sign_b64(cd.as_bytes()));
    assert!(w.action(&org.sa, &new).await.0.is_ok());
}

#[tokio::test]
async fn a_bad_signature_is_401_and_the_challenge_is_spent() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    let other = w.service_account(&org.org_id, &[]).await;
    let key = org.sa.key();
    let signatures = [
        key.sign_b64(b"something else"),
        other.key().sign_b64(b"placeholder"),
        String::new(),
    ];
    for signature in signatures {
        let challenge = w.init(&org.sa, "POST", LOGIN, "{}").await;
        let id = challenge.challenge_identifier.expose();
        let body = key.assertion_with(id, &key_get(challenge.challenge.expose()), &signature);
        let (answer, decision) = w.action(&org.sa, &body).await;
        assert_error(&answer, 401, ASSERTION_INVALID);
        assert_eq!(
            decision.credential,
            Some(key.credential.credential_id.clone())
        );
        let retry = key.assertion(&challenge);
        assert_error(&w.action(&org.sa, &retry).await.0, 400, CHALLENGE_INVALID);
    }
    // Another key's signature over the right bytes.
    let challenge = w.init(&org.sa, "POST", LOGIN, "{}").await;
    let cd = key_get(challenge.challenge.expose());
    let id = challenge.challenge_identifier.expose();
    let body = key.assertion_with(id, &cd, &other.key().sign_b64(cd.as_bytes()));
    assert_error(&w.action(&org.sa, &body).await.0, 401, ASSERTION_INVALID);

    let challenge = w.init(&org.sa, "POST", LOGIN, "{}").await;
    let id = challenge.challenge_identifier.expose();
    let body = key.assertion_with(id, &cd, "not base64url!");
    let (answer, _) = w.action(&org.sa, &body).await;
    assert_error(&answer, 400, "signature must be base64url");
}

#[tokio::test]
async fn client_data_is_read_after_its_signature() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    let key = org.sa.key();
    let shapes: [(Shape, u16, &str); 5] = [
        (
            |c| json!({"type": "webauthn.get", "challenge": c}).to_string(),
            400,
            "clientData.type must be key.get",
        ),
        (|_| key_get("another"), 400, CHALLENGE_INVALID),
        (|_| "not json".into(), 400, BAD_CLIENT_DATA),
        (
            |_| json!({"type": "key.get"}).to_string(),
            400,
            BAD_CLIENT_DATA,
        ),
        (python_client_data, 200, ""),
    ];
    for (shape, status, message) in shapes {
        let challenge = w.init(&org.sa, "POST", LOGIN, "{}").await;
        let cd = shape(challenge.challenge.expose());
        let id = challenge.challenge_identifier.expose();
        let body = key.assertion_with(id, &cd, &key.sign_b64(cd.as_bytes()));
        let (answer, _) = w.action(&org.sa, &body).await;
        match status {
            200 => assert!(answer.is_ok(), "{answer:?}"),
            _ => assert_error(&answer, status, message),
        }
    }
}

/// clientData built around a challenge.
type Shape = fn(&str) -> String;

/// What the Python SDK signs: extra keys, and any order.
fn python_client_data(challenge: &str) -> String {
    json!({
        "challenge": challenge,
        "crossOrigin": false,
        "origin": "https://app.dfns.io",
        "type": "key.get",
    })
    .to_string()
}

#[tokio::test]
async fn only_key_factors_are_supported_and_refusals_take_nothing() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    let challenge = w.init(&org.sa, "POST", LOGIN, "{}").await;
    let good = org.sa.key().assertion(&challenge);
    for kind in ["PasswordProtectedKey", "Password", "Totp"] {
        let mut body: serde_json::Value = serde_json::from_str(&good).unwrap();
        body["firstFactor"]["kind"] = json!(kind);
        let (answer, _) = w.action(&org.sa, &body.to_string()).await;
        let message =
            format!("firstFactor.kind {kind} is not supported: only Key and Fido2 credentials are");
        assert_error(&answer, 400, &message);
    }
    // A passkey assertion without its authenticator data.
    let mut fido2: serde_json::Value = serde_json::from_str(&good).unwrap();
    fido2["firstFactor"]["kind"] = json!("Fido2");
    let (answer, _) = w.action(&org.sa, &fido2.to_string()).await;
    assert_error(
        &answer,
        400,
        "firstFactor.credentialAssertion.authenticatorData is required",
    );
    let id = challenge.challenge_identifier.expose();
    let bare = json!({"challengeIdentifier": id, "firstFactor": {"kind": "Key"}});
    let (answer, _) = w.action(&org.sa, &bare.to_string()).await;
    assert_error(&answer, 400, "firstFactor.credentialAssertion is required");
    assert!(w.action(&org.sa, &good).await.0.is_ok());
}

#[tokio::test]
async fn an_assertion_must_name_an_active_credential_of_the_caller() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    let other = w.service_account(&org.org_id, &[]).await;
    let inactive = w.add_key(org.sa.id(), false).await;
    for key in [other.key(), &inactive] {
        let challenge = w.init(&org.sa, "POST", LOGIN, "{}").await;
        let (answer, decision) = w.action(&org.sa, &key.assertion(&challenge)).await;
        assert_error(&answer, 401, NO_CREDENTIAL);
        assert_eq!(decision.credential, None);
    }
}
