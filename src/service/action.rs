//! User Action Signing: `POST /auth/action/init` hands out a challenge
//! bound to the request to be signed; `POST /auth/action` trades a signed
//! challenge for a single-use user action token.

use serde::{Deserialize, Serialize};

use crate::domain::client_data::check_client_data;
use crate::domain::credential::PublicKey;
use crate::domain::decode_base64url;
use crate::domain::payload::binding;
use crate::domain::ports::{ChallengeRecord, Directory, ReplayStore, Signer, Signing};
use crate::domain::secret::{new_opaque_token, Redacted, SecretDigest};
use crate::domain::time::UnixTime;
use crate::domain::user_action::new_user_action;
use crate::error::Error;
use crate::service::{
    accept_force, parse_body, ApiRequest, AuthService, Decision, CHALLENGE_TTL_SECS,
    USER_ACTION_TTL_SECS,
};

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];
/// Credential kinds Dfns has besides `Key`; none can sign here.
const OTHER_FACTOR_KINDS: [&str; 5] = [
    "Fido2",
    "PasswordProtectedKey",
    "Password",
    "Totp",
    "RecoveryKey",
];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InitBody {
    user_action_payload: String,
    user_action_http_method: String,
    user_action_http_path: String,
    #[serde(default)]
    #[allow(dead_code)] // accepted for compatibility; only "Api" exists here
    user_action_server_kind: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionInitResponse {
    pub challenge: Redacted<String>,
    pub challenge_identifier: Redacted<String>,
    pub supported_credential_kinds: Vec<serde_json::Value>,
    pub user_verification: &'static str,
    pub attestation: &'static str,
    pub external_authentication_url: &'static str,
    pub allow_credentials: serde_json::Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ActionBody {
    challenge_identifier: Redacted<String>,
    first_factor: FirstFactor,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FirstFactor {
    kind: String,
    credential_assertion: Option<KeyAssertion>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeyAssertion {
    cred_id: String,
    client_data: String,
    signature: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionResponse {
    pub user_action: Redacted<String>,
}

/// A well-formed `/auth/action` request and the user action it would
/// earn: the challenge's key, what signing records on it, and the token
/// (handed out only on success).
struct Attempt {
    challenge: SecretDigest,
    signing: Signing,
    assertion: KeyAssertion,
    token: String,
}

impl Attempt {
    fn new(identifier: &Redacted<String>, assertion: KeyAssertion, now: UnixTime) -> Self {
        let (token, secret) = new_user_action(identifier.expose());
        Attempt {
            challenge: SecretDigest::of(identifier.expose().as_bytes()),
            signing: Signing {
                secret,
                cred_id: assertion.cred_id.clone(),
                expires_at: now.plus_secs(USER_ACTION_TTL_SECS),
            },
            assertion,
            token,
        }
    }
}

fn parse_init_body(body: &[u8]) -> Result<InitBody, Error> {
    let body: InitBody = parse_body(body)?;
    let method = body.user_action_http_method.to_ascii_uppercase();
    if !METHODS.contains(&method.as_str()) {
        return Err(Error::bad_request(
            "userActionHttpMethod must be one of GET, POST, PUT, PATCH, DELETE",
        ));
    }
    if !body.user_action_http_path.starts_with('/') {
        return Err(Error::bad_request(
            "userActionHttpPath must be an absolute path",
        ));
    }
    Ok(InitBody {
        user_action_http_method: method,
        ..body
    })
}

fn parse_action_body(body: &[u8]) -> Result<(Redacted<String>, KeyAssertion), Error> {
    let body: ActionBody = parse_body(body)?;
    if body.first_factor.kind != "Key" {
        // Only a kind the contract names is named back (as this service
        // spells it): the caller's own text never is.
        let known = OTHER_FACTOR_KINDS
            .iter()
            .find(|k| **k == body.first_factor.kind);
        return Err(Error::bad_request(match known {
            Some(kind) => {
                format!("firstFactor.kind {kind} is not supported: only Key credentials are")
            }
            None => "firstFactor.kind is not supported: only Key credentials are".to_string(),
        }));
    }
    let assertion = body
        .first_factor
        .credential_assertion
        .ok_or_else(|| Error::bad_request("firstFactor.credentialAssertion is required"))?;
    Ok((body.challenge_identifier, assertion))
}

impl<D: Directory, R: ReplayStore, S: Signer> AuthService<D, R, S> {
    /// `POST /auth/action/init`: one stage. The challenge is written
    /// alongside the caller's reads, before its checks are answered: it is
    /// keyed by the digest of an identifier handed out only on success, so
    /// a refused request leaves an item nobody can name (TTL'd with it).
    pub async fn action_init(
        &self,
        req: &ApiRequest,
        decision: &mut Decision,
    ) -> Result<ActionInitResponse, Error> {
        let pre = self.preflight(req, decision)?;
        let body = accept_force(req.query.as_deref()).and_then(|()| parse_init_body(req.body()));
        let challenge = new_opaque_token();
        let identifier = new_opaque_token();
        let put = async {
            let Ok(body) = &body else { return Ok(()) };
            let record = ChallengeRecord {
                key: SecretDigest::of(identifier.as_bytes()),
                caller_id: pre.caller.user_id.clone(),
                challenge: Redacted::new(challenge.clone()),
                binding: binding(
                    &pre.caller.user_id,
                    &body.user_action_http_method,
                    &body.user_action_http_path,
                    body.user_action_payload.as_bytes(),
                ),
                expires_at: pre.now.plus_secs(CHALLENGE_TTL_SECS),
            };
            self.replay.put_challenge(&record).await
        };
        let (active, put) = self.authenticate(&pre, decision, put).await?;
        body?;
        let creds: Vec<_> = active
            .record
            .active_credentials()
            .map(|c| serde_json::json!({ "type": "public-key", "id": c.cred_id }))
            .collect();
        if creds.is_empty() {
            return Err(Error::NoUsableCredential);
        }
        put?;
        Ok(ActionInitResponse {
            challenge: Redacted::new(challenge),
            challenge_identifier: Redacted::new(identifier),
            supported_credential_kinds: vec![
                serde_json::json!({"kind": "Key", "factor": "first", "requiresSecondFactor": false}),
            ],
            user_verification: "required",
            attestation: "none",
            external_authentication_url: "",
            allow_credentials: serde_json::json!({ "key": creds, "webauthn": [] }),
        })
    }

    /// `POST /auth/action`.
    pub async fn action_complete(
        &self,
        req: &ApiRequest,
        decision: &mut Decision,
    ) -> Result<ActionResponse, Error> {
        let pre = self.preflight(req, decision)?;
        // One stage: the challenge is marked signed alongside the caller's
        // reads, recording the digest of a fresh secret; the secret (half
        // of the user action token) is disclosed only once every check
        // below passed, so a refused request leaves a spent challenge whose
        // user action nobody can present.
        let parsed = accept_force(req.query.as_deref())
            .and_then(|()| parse_action_body(req.body()))
            .map(|(identifier, assertion)| Attempt::new(&identifier, assertion, pre.now));
        let sign = async {
            match &parsed {
                Ok(a) => {
                    let caller = &pre.caller.user_id;
                    let signed =
                        self.replay
                            .sign_challenge(&a.challenge, caller, &a.signing, pre.now);
                    signed.await
                }
                Err(_) => Ok(None),
            }
        };
        let (active, signed) = self.authenticate(&pre, decision, sign).await?;
        let Attempt {
            assertion, token, ..
        } = parsed?;
        let challenge = signed?.ok_or(Error::ChallengeInvalid)?;
        let credential = active
            .record
            .active_credentials()
            .find(|c| c.cred_id.as_str() == assertion.cred_id)
            .ok_or(Error::NoUsableCredential)?;
        decision.credential = Some(credential.credential_id.clone());
        let client_data = decode_base64url(&assertion.client_data)
            .ok_or_else(|| Error::bad_request("clientData must be base64url"))?;
        let signature = decode_base64url(&assertion.signature)
            .ok_or_else(|| Error::bad_request("signature must be base64url"))?;
        let key = PublicKey::from_pem(&credential.public_key_pem)
            .map_err(|_| Error::internal("credential", "stored public key does not parse"))?;
        if !key.verify(&client_data, &signature) {
            return Err(Error::AssertionInvalid);
        }
        check_client_data(&client_data, challenge.challenge.expose())?;
        Ok(ActionResponse {
            user_action: Redacted::new(token),
        })
    }
}
