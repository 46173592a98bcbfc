//! `POST /auth/registration/delegated` and `/restart`: the checks of a
//! delegated login (nonce, bearer, body, user action, service account,
//! capability, lookup, type operation, state), then a fresh challenge and
//! its temporary token.

use serde::Serialize;

use super::body::{parse_challenge_body, ChallengeBody};
use super::credential::offers_passkeys;
use crate::domain::credentials::CredentialStore;
use crate::domain::ids::{OrgId, TokenId, UserId};
use crate::domain::model::{Identity, TokenKind, UserKind};
use crate::domain::permissions::{self, Capability, USERS_DELEGATE};
use crate::domain::ports::{
    Directory, DirectoryWriter, Refusal, ReplayStore, Signer, Spend, WriteError,
};
use crate::domain::registration::{
    temp_token_claims, RegistrationRecord, RegistrationStore, REGISTRATION_TTL_SECS,
};
use crate::domain::secret::{new_opaque_token, Redacted, SecretDigest};
use crate::domain::time::UnixMillis;
use crate::domain::token::{assemble, signing_input};
use crate::domain::webauthn::{CoseAlg, PasskeySettings};
use crate::error::Error;
use crate::service::caller::require_spent;
use crate::service::lifecycle::{self, NewUser};
use crate::service::{timed, ApiRequest, AuthService, Decision};

/// The target's state, after the permissions: only an active user that
/// has not registered, of the kind asked for, gets a challenge.
fn check_state(target: &Identity, kind: UserKind) -> Result<(), Error> {
    if target.archived || target.registered {
        return Err(Error::UserAlreadyRegistered);
    }
    if !target.active {
        return Err(Error::UserDeactivated);
    }
    if target.kind != kind {
        return Err(Error::bad_request(
            "kind does not match the existing user's kind",
        ));
    }
    Ok(())
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChallengeUser {
    pub id: UserId,
    pub display_name: String,
    pub name: String,
}

/// An object here, unlike the user action challenge's list.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SupportedCredentialKinds {
    pub first_factor: Vec<&'static str>,
    pub second_factor: Vec<&'static str>,
}

/// The registration challenge (the WebAuthn creation options, Dfns-shaped).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationChallenge {
    pub user: ChallengeUser,
    pub temporary_authentication_token: Redacted<String>,
    pub challenge: Redacted<String>,
    pub supported_credential_kinds: SupportedCredentialKinds,
    pub authenticator_selection: serde_json::Value,
    pub attestation: &'static str,
    pub pub_key_cred_params: serde_json::Value,
    pub exclude_credentials: Vec<serde_json::Value>,
    pub otp_url: &'static str,
    /// The org's first relying party, when it offers passkeys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rp: Option<RelyingPartyView>,
}

/// `rp` of a challenge that offers passkeys.
#[derive(Debug, Clone, Serialize)]
pub struct RelyingPartyView {
    pub id: String,
    pub name: String,
}

impl RelyingPartyView {
    /// The first relying party of an org that offers passkeys.
    pub fn of(settings: Option<&PasskeySettings>) -> Option<Self> {
        let settings = settings?;
        settings.first().map(|rp| Self {
            id: rp.rp_id.clone(),
            name: settings.org_name.clone(),
        })
    }
}

/// The creation options every credential challenge shares.
pub fn authenticator_selection() -> serde_json::Value {
    serde_json::json!({
        "residentKey": "required", "requireResidentKey": true, "userVerification": "required",
    })
}

/// `pubKeyCredParams`: the algorithms verified here.
pub fn pub_key_cred_params() -> serde_json::Value {
    CoseAlg::OFFERED
        .iter()
        .map(|a| serde_json::json!({"type": "public-key", "alg": a.id()}))
        .collect()
}

impl<D, R, S> AuthService<D, R, S>
where
    D: Directory + DirectoryWriter + CredentialStore,
    R: ReplayStore + RegistrationStore,
    S: Signer,
{
    /// `POST /auth/registration/delegated` and `/auth/registration/delegated/restart`.
    pub async fn delegated_registration(
        &self,
        req: &ApiRequest,
        decision: &mut Decision,
    ) -> Result<RegistrationChallenge, Error> {
        let pre = self.preflight(req, decision)?; // 1, 2 (signature, claims)
        let body = parse_challenge_body(req.body());
        let org_id = pre.caller.org_id.clone();

        // One stage, as for a delegated login: user action and target at once.
        let work = async {
            let Ok(body) = body.as_ref() else {
                return (Ok(Spend::Invalid), Ok(None), Ok(None));
            };
            tokio::join!(
                self.spend_user_action(req, &pre),
                self.directory.user_by_username(&org_id, &body.email),
                self.directory.passkey_settings(&org_id)
            )
        };
        let (active, (spend, target, passkeys)) = self.authenticate(&pre, decision, work).await?; // 2, 3
        let body = body?; // 4
        require_spent(spend)?; // 5
        let identity = &active.identity;
        if active.caller.token_kind != TokenKind::ServiceAccount || !identity.is_service_account {
            return Err(permissions::forbidden(identity, USERS_DELEGATE)); // 6
        }
        let granted = &active.record.operations;
        let grant = Capability::DelegatedRegistration.check(identity, granted)?; // 7
        let target = match target? {
            Some(target) => target, // 8
            None => {
                grant.check_type(identity, granted, body.kind)?;
                self.create_registering_user(&org_id, &body, decision)
                    .await?
            }
        };
        decision.target = Some(target.user_id.clone());
        grant.check_type(identity, granted, target.kind)?; // 9
        check_state(&target, body.kind)?; // 10

        // 11: a fresh challenge, replacing any earlier one, and its token.
        // Minted after the user's cut-off and the service account's actor
        // cut-off; `iat` stays the true second.
        let minted = identity.actor_mint_time(target.mint_time(UnixMillis::now()));
        let token_id = TokenId::new_issued_at(minted);
        let challenge = new_opaque_token();
        let issued_at = pre.now;
        let claims = temp_token_claims(
            &self.settings.issuer,
            &target,
            &identity.user_id,
            &token_id,
            issued_at,
        );
        let record = RegistrationRecord {
            user_id: target.user_id.clone(),
            token: SecretDigest::of(token_id.as_str().as_bytes()),
            challenge: Redacted::new(challenge.clone()),
            expires_at: issued_at.plus_secs(REGISTRATION_TTL_SECS),
        };
        let input = signing_input(self.signer.key_id(), &claims);
        let (signature, stored) = tokio::join!(
            timed(
                &mut decision.timings.sign_ms,
                self.signer.sign(input.as_bytes())
            ),
            self.replay.put_registration(&record)
        );
        let (signature, ()) = (signature?, stored?);
        let passkeys = passkeys?;
        let mut first_factor = vec!["Key"];
        if offers_passkeys(passkeys.as_ref()) {
            first_factor.push("Fido2");
        }
        decision.issued_token = Some(token_id);
        Ok(RegistrationChallenge {
            user: ChallengeUser {
                id: target.user_id.clone(),
                display_name: target.username.to_string(),
                name: target.username.to_string(),
            },
            temporary_authentication_token: Redacted::new(assemble(&input, &signature)),
            challenge: Redacted::new(challenge),
            supported_credential_kinds: SupportedCredentialKinds {
                first_factor,
                second_factor: vec![],
            },
            authenticator_selection: authenticator_selection(),
            attestation: "none",
            pub_key_cred_params: pub_key_cred_params(),
            exclude_credentials: Vec::new(),
            otp_url: "",
            rp: RelyingPartyView::of(passkeys.as_ref()),
        })
    }

    /// Creates the user (active, not registered) the way the operator CLI
    /// does. If a concurrent request created it first, that user is read
    /// instead: one username, one user.
    async fn create_registering_user(
        &self,
        org_id: &OrgId,
        body: &ChallengeBody,
        decision: &mut Decision,
    ) -> Result<Identity, Error> {
        let new = NewUser {
            org_id: org_id.clone(),
            username: body.email.clone(),
            kind: body.kind,
            external_id: body.external_id.clone(),
            is_sso_required: false,
        };
        let created = timed(
            &mut decision.timings.write_ms,
            lifecycle::create_user(&self.directory, new),
        )
        .await;
        match created {
            Ok(user) => Ok(user),
            Err(WriteError::Refused(Refusal::UsernameTaken)) => self
                .directory
                .user_by_username(org_id, &body.email)
                .await?
                .ok_or_else(|| Error::internal("registration", "username taken but not found")),
            Err(WriteError::Refused(refusal)) => Err(Error::internal(
                "registration user create",
                format!("{refusal:?}"),
            )),
            Err(WriteError::Store(e)) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::username::Username;

    #[test]
    fn state_rules_in_order() {
        let mut user = Identity::new(
            OrgId::mint(),
            Username::parse("u").unwrap(),
            UserKind::EndUser,
            false,
        );
        assert_eq!(check_state(&user, UserKind::EndUser), Ok(()));
        assert!(
            matches!(check_state(&user, UserKind::CustomerEmployee), Err(Error::BadRequest(m)) if m.starts_with("kind "))
        );
        user.active = false;
        assert_eq!(
            check_state(&user, UserKind::CustomerEmployee),
            Err(Error::UserDeactivated)
        );
        user.archived = true;
        assert_eq!(
            check_state(&user, UserKind::EndUser),
            Err(Error::UserAlreadyRegistered)
        );
        let mut registered = Identity::new(
            OrgId::mint(),
            Username::parse("r").unwrap(),
            UserKind::EndUser,
            false,
        );
        registered.registered = true;
        assert_eq!(
            check_state(&registered, UserKind::EndUser),
            Err(Error::UserAlreadyRegistered)
        );
    }
}
