//! User Action Signing: `POST /auth/action/init` hands out a challenge
//! bound to the request to be signed; `POST /auth/action` trades a signed
//! challenge for a single-use user action token.

use serde::{Deserialize, Serialize};

use crate::domain::client_data::check_client_data;
use crate::domain::credential::PublicKey;
use crate::domain::credentials::CredentialStore;
use crate::domain::decode_base64url;
use crate::domain::model::{Credential, CredentialKind};
use crate::domain::payload::binding;
use crate::domain::ports::{ChallengeRecord, Directory, ReplayStore, Signer, UserActionRecord};
use crate::domain::secret::{new_opaque_token, Redacted, SecretDigest};
use crate::domain::webauthn::PasskeyAssertion;
use crate::error::Error;
use crate::service::caller::ActiveCaller;
use crate::service::passkey_assertion::PasskeyAssertionBody;
use crate::service::{
    accept_force, parse_body, timed, ApiRequest, AuthService, Decision, CHALLENGE_TTL_SECS,
    USER_ACTION_TTL_SECS,
};

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];
/// Credential kinds Dfns has besides `Key` and `Fido2`; none can sign here.
const OTHER_FACTOR_KINDS: [&str; 4] = ["PasswordProtectedKey", "Password", "Totp", "RecoveryKey"];

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
    credential_assertion: Option<CredentialAssertion>,
}

/// A Key credential's assertion, or a passkey's (with its authenticator
/// data and, optionally, the user handle).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CredentialAssertion {
    cred_id: String,
    client_data: String,
    signature: String,
    #[serde(default)]
    authenticator_data: Option<String>,
    #[serde(default)]
    user_handle: Option<String>,
}

impl CredentialAssertion {
    fn passkey(&self) -> Result<PasskeyAssertionBody<'_>, Error> {
        let authenticator_data = self.authenticator_data.as_deref().ok_or_else(|| {
            Error::bad_request("firstFactor.credentialAssertion.authenticatorData is required")
        })?;
        Ok(PasskeyAssertionBody {
            cred_id: &self.cred_id,
            assertion: PasskeyAssertion {
                client_data: &self.client_data,
                authenticator_data,
                signature: &self.signature,
                user_handle: self.user_handle.as_deref(),
            },
        })
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionResponse {
    pub user_action: Redacted<String>,
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

fn parse_action_body(
    body: &[u8],
) -> Result<(Redacted<String>, CredentialKind, CredentialAssertion), Error> {
    let body: ActionBody = parse_body(body)?;
    let kind = match body.first_factor.kind.as_str() {
        "Key" => Some(CredentialKind::Key),
        "Fido2" => Some(CredentialKind::Fido2),
        _ => None,
    };
    let Some(kind) = kind else {
        // Only a kind the contract names is named back (as this service
        // spells it): the caller's own text never is.
        let known = OTHER_FACTOR_KINDS
            .iter()
            .find(|k| **k == body.first_factor.kind);
        return Err(Error::bad_request(match known {
            Some(kind) => {
                format!(
                    "firstFactor.kind {kind} is not supported: only Key and Fido2 credentials are"
                )
            }
            None => {
                "firstFactor.kind is not supported: only Key and Fido2 credentials are".to_string()
            }
        }));
    };
    let assertion = body
        .first_factor
        .credential_assertion
        .ok_or_else(|| Error::bad_request("firstFactor.credentialAssertion is required"))?;
    if kind == CredentialKind::Fido2 {
        assertion.passkey()?; // refused before the challenge is taken
    }
    Ok((body.challenge_identifier, kind, assertion))
}

impl<D: Directory + CredentialStore, R: ReplayStore, S: Signer> AuthService<D, R, S> {
    /// `POST /auth/action/init`.
    pub async fn action_init(
        &self,
        req: &ApiRequest,
        decision: &mut Decision,
    ) -> Result<ActionInitResponse, Error> {
        let pre = self.preflight(req, decision)?;
        let (active, ()) = self.authenticate(&pre, decision, async {}).await?;
        accept_force(req.query.as_deref())?;
        let body = parse_init_body(req.body())?;
        let listed = |c: &Credential| serde_json::json!({ "type": "public-key", "id": c.cred_id });
        let creds: Vec<_> = active.record.active_credentials().map(listed).collect();
        let passkeys: Vec<_> = active.record.active_passkeys().map(listed).collect();
        if creds.is_empty() && passkeys.is_empty() {
            return Err(Error::NoUsableCredential);
        }
        // The kinds the caller can sign with.
        let kinds = [("Key", &creds), ("Fido2", &passkeys)]
            .into_iter()
            .filter(|(_, offered)| !offered.is_empty())
            .map(|(kind, _)| {
                serde_json::json!({"kind": kind, "factor": "first", "requiresSecondFactor": false})
            })
            .collect();
        let challenge = new_opaque_token();
        let identifier = new_opaque_token();
        let record = ChallengeRecord {
            key: SecretDigest::of(identifier.as_bytes()),
            caller_id: active.identity.user_id.clone(),
            challenge: Redacted::new(challenge.clone()),
            binding: binding(
                &active.identity.user_id,
                &body.user_action_http_method,
                &body.user_action_http_path,
                body.user_action_payload.as_bytes(),
            ),
            expires_at: pre.now.plus_secs(CHALLENGE_TTL_SECS),
        };
        timed(
            &mut decision.timings.write_ms,
            self.replay.put_challenge(&record),
        )
        .await?;
        Ok(ActionInitResponse {
            challenge: Redacted::new(challenge),
            challenge_identifier: Redacted::new(identifier),
            supported_credential_kinds: kinds,
            user_verification: "required",
            attestation: "none",
            external_authentication_url: "",
            allow_credentials: serde_json::json!({ "key": creds, "webauthn": passkeys }),
        })
    }

    /// `POST /auth/action`.
    pub async fn action_complete(
        &self,
        req: &ApiRequest,
        decision: &mut Decision,
    ) -> Result<ActionResponse, Error> {
        let pre = self.preflight(req, decision)?;
        let parsed =
            accept_force(req.query.as_deref()).and_then(|()| parse_action_body(req.body()));
        let take = async {
            match &parsed {
                Ok((identifier, _, _)) => {
                    let key = SecretDigest::of(identifier.expose().as_bytes());
                    self.replay
                        .take_challenge(&key, &pre.caller.user_id, pre.now)
                        .await
                }
                Err(_) => Ok(None),
            }
        };
        let (active, taken) = self.authenticate(&pre, decision, take).await?;
        let (_, kind, assertion) = parsed?;
        let challenge = taken?.ok_or(Error::ChallengeInvalid)?;
        let signed = challenge.challenge.expose();
        match kind {
            CredentialKind::Fido2 => {
                let passkey = assertion.passkey()?;
                self.verify_passkey_assertion(&active, &passkey, signed, decision)
                    .await?;
            }
            _ => self.verify_key_assertion(&active, &assertion, signed, decision)?,
        }

        let token = new_opaque_token();
        let record = UserActionRecord {
            key: SecretDigest::of(token.as_bytes()),
            caller_id: active.identity.user_id.clone(),
            binding: challenge.binding,
            expires_at: pre.now.plus_secs(USER_ACTION_TTL_SECS),
        };
        timed(
            &mut decision.timings.write_ms,
            self.replay.put_user_action(&record),
        )
        .await?;
        Ok(ActionResponse {
            user_action: Redacted::new(token),
        })
    }
    /// A Key credential's assertion: the signature over the raw
    /// clientData, then its type and challenge.
    fn verify_key_assertion(
        &self,
        active: &ActiveCaller,
        assertion: &CredentialAssertion,
        challenge: &str,
        decision: &mut Decision,
    ) -> Result<(), Error> {
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
        check_client_data(&client_data, challenge)
    }
}
