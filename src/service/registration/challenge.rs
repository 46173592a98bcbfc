//! `POST /auth/registration/delegated` and `/restart`: the checks of a
//! delegated login (nonce, bearer, body, user action, service account,
//! capability, lookup, type operation, state), then a fresh challenge and
//! its temporary token.

use std::collections::HashSet;

use serde::Serialize;

use super::body::{parse_challenge_body, ChallengeBody};
use crate::domain::ids::{OrgId, TokenId, UserId};
use crate::domain::model::{Identity, TokenKind, UserKind};
use crate::domain::payload::binding;
use crate::domain::permissions::{self, require, USERS_DELEGATE};
use crate::domain::ports::{
    Directory, DirectoryWriter, Refusal, ReplayStore, Signer, Spend, WriteError,
};
use crate::domain::registration::{
    temp_token_claims, RegistrationRecord, RegistrationStore, REGISTRATION_TTL_SECS,
};
use crate::domain::secret::{new_opaque_token, Redacted, SecretDigest};
use crate::domain::token::{assemble, signing_input};
use crate::error::Error;
use crate::service::{timed, ApiRequest, AuthService, Decision};

/// G1 form of *delegated registration*: with `Auth:Users:Delegate` and
/// the type operation of the new user's kind.
const USERS_CREATE: &str = "Auth:Users:Create";
/// G2 and G3 forms: the whole capability, whatever the user's kind.
const REGISTER_DELEGATED: &str = "Auth:Register:Delegated";
const DELEGATED_REGISTER: &str = "Auth:Delegated:Register";

/// How much of *delegated registration* the caller was found to hold.
#[derive(Debug)]
enum Grant {
    /// A G2 or G3 operation: nothing more to check.
    Whole,
    /// The G1 operations so far; the type operation depends on the user.
    NeedsTypeOperation,
}

/// The capability *delegated registration*, target-independent part: any
/// of its forms, else 403 naming the first missing G1 operation.
fn delegated_registration(identity: &Identity, granted: &HashSet<String>) -> Result<Grant, Error> {
    if granted.contains(REGISTER_DELEGATED) || granted.contains(DELEGATED_REGISTER) {
        return Ok(Grant::Whole);
    }
    require(identity, granted, &[USERS_CREATE, USERS_DELEGATE])?;
    Ok(Grant::NeedsTypeOperation)
}

impl Grant {
    /// The part that depends on the user's kind.
    fn for_kind(
        &self,
        identity: &Identity,
        granted: &HashSet<String>,
        kind: UserKind,
    ) -> Result<(), Error> {
        match self {
            Grant::Whole => Ok(()),
            Grant::NeedsTypeOperation => {
                require(identity, granted, &[permissions::type_operation(kind)])
            }
        }
    }
}

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
}

impl<D, R, S> AuthService<D, R, S>
where
    D: Directory + DirectoryWriter,
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
        let ua_key = req
            .user_action
            .as_ref()
            .map(|t| SecretDigest::of(t.expose().as_bytes()));
        let org_id = pre.caller.org_id.clone();
        let ua_binding = binding(&pre.caller.user_id, &req.method, &req.path, req.body());

        // One stage, as for a delegated login: user action and target at once.
        let work = async {
            let Ok(body) = body.as_ref() else {
                return (Ok(Spend::Invalid), Ok(None));
            };
            let spend = async {
                match &ua_key {
                    Some(key) => {
                        self.replay
                            .spend_user_action(key, &ua_binding, pre.now)
                            .await
                    }
                    None => Ok(Spend::Invalid),
                }
            };
            tokio::join!(spend, self.directory.user_by_username(&org_id, &body.email))
        };
        let (active, (spend, target)) = self.authenticate(&pre, decision, work).await?; // 2, 3
        let body = body?; // 4
        match spend? {
            Spend::Spent => {} // 5
            Spend::AlreadySpent => return Err(Error::UserActionReused),
            Spend::Invalid => return Err(Error::UserActionInvalid),
        }
        let identity = &active.identity;
        if active.caller.token_kind != TokenKind::ServiceAccount || !identity.is_service_account {
            return Err(permissions::forbidden(identity, USERS_DELEGATE)); // 6
        }
        let granted = &active.record.operations;
        let grant = delegated_registration(identity, granted)?; // 7
        let target = match target? {
            Some(target) => target, // 8
            None => {
                grant.for_kind(identity, granted, body.kind)?;
                self.create_user(&org_id, &body, decision).await?
            }
        };
        decision.target = Some(target.user_id.clone());
        grant.for_kind(identity, granted, target.kind)?; // 9
        check_state(&target, body.kind)?; // 10

        // 11: a fresh challenge, replacing any earlier one, and its token.
        let token_id = TokenId::new_issued();
        let challenge = new_opaque_token();
        let issued_at = target.issue_time(pre.now);
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
                first_factor: vec!["Key"],
                second_factor: vec![],
            },
            authenticator_selection: serde_json::json!({
                "residentKey": "required", "requireResidentKey": true, "userVerification": "required",
            }),
            attestation: "none",
            pub_key_cred_params: serde_json::json!([
                {"type": "public-key", "alg": -7}, {"type": "public-key", "alg": -257},
            ]),
            exclude_credentials: Vec::new(),
            otp_url: "",
        })
    }

    /// Creates the user (active, not registered) the way the operator CLI
    /// does. If a concurrent request created it first, that user is read
    /// instead: one username, one user.
    async fn create_user(
        &self,
        org_id: &OrgId,
        body: &ChallengeBody,
        decision: &mut Decision,
    ) -> Result<Identity, Error> {
        let mut user = Identity::new(org_id.clone(), body.email.clone(), body.kind, false);
        user.external_id = body.external_id.clone();
        let created = timed(
            &mut decision.timings.write_ms,
            self.directory.create_identity(&user),
        )
        .await;
        match created {
            Ok(()) => Ok(user),
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

    fn sa() -> Identity {
        Identity::new(
            OrgId::mint(),
            Username::parse("sa").unwrap(),
            UserKind::CustomerEmployee,
            true,
        )
    }

    fn ops(list: &[&str]) -> HashSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn missing(r: Result<impl std::fmt::Debug, Error>) -> String {
        match r {
            Err(Error::Forbidden { operation, .. }) => operation,
            other => panic!("not a 403: {other:?}"),
        }
    }

    #[test]
    fn any_generation_grants_delegated_registration() {
        let sa = sa();
        for single in [REGISTER_DELEGATED, DELEGATED_REGISTER] {
            let granted = ops(&[single]);
            let grant = delegated_registration(&sa, &granted).unwrap();
            for kind in [UserKind::EndUser, UserKind::CustomerEmployee] {
                assert!(grant.for_kind(&sa, &granted, kind).is_ok());
            }
        }
        let g1 = ops(&[USERS_CREATE, USERS_DELEGATE, "Auth:Types:EndUser"]);
        let grant = delegated_registration(&sa, &g1).unwrap();
        assert!(grant.for_kind(&sa, &g1, UserKind::EndUser).is_ok());
        assert_eq!(
            missing(grant.for_kind(&sa, &g1, UserKind::CustomerEmployee)),
            "Auth:Types:Employee"
        );
    }

    #[test]
    fn names_the_first_missing_g1_operation() {
        let sa = sa();
        assert_eq!(
            missing(delegated_registration(&sa, &ops(&[]))),
            USERS_CREATE
        );
        assert_eq!(
            missing(delegated_registration(&sa, &ops(&[USERS_CREATE]))),
            USERS_DELEGATE
        );
        // Login operations are not registration operations.
        let login = ops(&["Auth:Users:Read", USERS_DELEGATE, "Auth:Login:Delegated"]);
        assert_eq!(missing(delegated_registration(&sa, &login)), USERS_CREATE);
    }

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
