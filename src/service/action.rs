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
use crate::domain::ports::{ChallengeRecord, Directory, ReplayStore, Signer, Signing};
use crate::domain::secret::{new_opaque_token, Redacted, SecretDigest};
use crate::domain::time::UnixTime;
use crate::domain::user_action::new_user_action;
use crate::domain::webauthn::PasskeyAssertion;
use crate::error::Error;
use crate::service::caller::ActiveCaller;
use crate::service::passkey_assertion::PasskeyAssertionBody;
use crate::service::{
    accept_force, parse_body, ApiRequest, AuthService, Decision, CHALLENGE_TTL_SECS,
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

/// A well-formed `/auth/action` request and the user action it would
/// earn: the challenge's key, what signing records on it, and the token
/// (handed out only on success).
struct Attempt {
    challenge: SecretDigest,
    signing: Signing,
    kind: CredentialKind,
    assertion: CredentialAssertion,
    token: String,
}

impl Attempt {
    fn new(
        identifier: &Redacted<String>,
        kind: CredentialKind,
        assertion: CredentialAssertion,
        now: UnixTime,
    ) -> Self {
        let (token, secret) = new_user_action(identifier.expose());
        Attempt {
            challenge: SecretDigest::of(identifier.expose().as_bytes()),
            signing: Signing {
                secret,
                cred_id: assertion.cred_id.clone(),
                expires_at: now.plus_secs(USER_ACTION_TTL_SECS),
            },
            kind,
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
        put?;
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
        // One stage: the challenge is marked signed alongside the caller's
        // reads, recording the digest of a fresh secret; the secret (half
        // of the user action token) is disclosed only once every check
        // below passed, so a refused request leaves a spent challenge whose
        // user action nobody can present.
        let parsed = accept_force(req.query.as_deref())
            .and_then(|()| parse_action_body(req.body()))
            .map(|(identifier, kind, assertion)| {
                Attempt::new(&identifier, kind, assertion, pre.now)
            });
        // A passkey's assertion is checked against the org's relying
        // parties: read in the same stage (the caller's org is the
        // token's), so that the sign count's write is the only second one.
        let sign = async {
            match &parsed {
                Ok(a) => {
                    let caller = &pre.caller.user_id;
                    let signed =
                        self.replay
                            .sign_challenge(&a.challenge, caller, &a.signing, pre.now);
                    // Boxed: two SDK calls' futures, kept off the stack.
                    let settings = Box::pin(async {
                        match a.kind {
                            CredentialKind::Fido2 => {
                                self.directory.passkey_settings(&pre.caller.org_id).await
                            }
                            _ => Ok(None),
                        }
                    });
                    tokio::join!(Box::pin(signed), settings)
                }
                Err(_) => (Ok(None), Ok(None)),
            }
        };
        let (active, (signed, settings)) = self.authenticate(&pre, decision, sign).await?;
        let Attempt {
            kind,
            assertion,
            token,
            ..
        } = parsed?;
        let challenge = signed?.ok_or(Error::ChallengeInvalid)?;
        let signed = challenge.challenge.expose();
        match kind {
            CredentialKind::Fido2 => {
                let passkey = assertion.passkey()?;
                let settings = settings?.ok_or(Error::NotAuthorized)?;
                self.verify_passkey_assertion(&active, &passkey, &settings, signed, decision)
                    .await?;
            }
            _ => self.verify_key_assertion(&active, &assertion, signed, decision)?,
        }
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
