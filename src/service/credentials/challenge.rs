//! `POST /auth/credentials/init`: a challenge for a new credential of the
//! caller, single use, 15 minutes, bound to the caller and the kind.

use serde::{Deserialize, Serialize};

use super::{challenge_binding, parse_kind, require_person};
use crate::domain::credentials::CredentialStore;
use crate::domain::model::CredentialKind;
use crate::domain::ports::{ChallengeRecord, Directory, ReplayStore, Signer};
use crate::domain::secret::{new_opaque_token, Redacted, SecretDigest};
use crate::error::Error;
use crate::service::registration::credential::offers_passkeys;
use crate::service::registration::{
    authenticator_selection, pub_key_cred_params, ChallengeUser, RelyingPartyView,
};
use crate::service::{parse_body, timed, ApiRequest, AuthService, Decision, CHALLENGE_TTL_SECS};

#[derive(Deserialize)]
struct InitBody {
    kind: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialChallenge {
    pub kind: &'static str,
    pub user: ChallengeUser,
    pub challenge_identifier: Redacted<String>,
    pub challenge: Redacted<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rp: Option<RelyingPartyView>,
    pub attestation: &'static str,
    pub pub_key_cred_params: serde_json::Value,
    /// The challenge identifier again, as the SDKs read it.
    pub temporary_authentication_token: Redacted<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authenticator_selection: Option<serde_json::Value>,
    /// The caller's passkeys (always an array: the browser signer maps it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclude_credentials: Option<Vec<serde_json::Value>>,
}

impl<D, R, S> AuthService<D, R, S>
where
    D: Directory + CredentialStore,
    R: ReplayStore,
    S: Signer,
{
    /// `POST /auth/credentials/init`.
    pub async fn credential_challenge(
        &self,
        req: &ApiRequest,
        decision: &mut Decision,
    ) -> Result<CredentialChallenge, Error> {
        let pre = self.preflight(req, decision)?;
        let org_id = pre.caller.org_id.clone();
        let work = self.directory.passkey_settings(&org_id);
        let (active, passkeys) = self.authenticate(&pre, decision, work).await?;
        require_person(&active)?;
        let body: InitBody = parse_body(req.body())?;
        let kind = parse_kind(&body.kind)?;
        let passkeys = passkeys?;
        if kind == CredentialKind::Fido2 && !offers_passkeys(passkeys.as_ref()) {
            return Err(Error::bad_request(
                "kind Fido2 is not offered: the org has no passkey settings",
            ));
        }

        let identity = &active.identity;
        let challenge = new_opaque_token();
        let identifier = new_opaque_token();
        let record = ChallengeRecord {
            key: SecretDigest::of(identifier.as_bytes()),
            caller_id: identity.user_id.clone(),
            challenge: Redacted::new(challenge.clone()),
            binding: challenge_binding(&identity.user_id, kind),
            expires_at: pre.now.plus_secs(CHALLENGE_TTL_SECS),
        };
        timed(
            &mut decision.timings.write_ms,
            self.replay.put_challenge(&record),
        )
        .await?;
        let fido2 = kind == CredentialKind::Fido2;
        let exclude = active
            .record
            .credentials
            .iter()
            .filter(|c| c.kind == CredentialKind::Fido2)
            .map(|c| serde_json::json!({"type": "public-key", "id": c.cred_id}))
            .collect();
        Ok(CredentialChallenge {
            kind: kind.as_str(),
            user: ChallengeUser {
                id: identity.user_id.clone(),
                display_name: identity.username.to_string(),
                name: identity.username.to_string(),
            },
            challenge_identifier: Redacted::new(identifier.clone()),
            challenge: Redacted::new(challenge),
            rp: RelyingPartyView::of(passkeys.as_ref()),
            attestation: "none",
            pub_key_cred_params: pub_key_cred_params(),
            temporary_authentication_token: Redacted::new(identifier),
            authenticator_selection: fido2.then(authenticator_selection),
            exclude_credentials: fido2.then_some(exclude),
        })
    }
}
