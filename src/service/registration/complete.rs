//! `POST /auth/registration` and `/auth/registration/enduser`: the
//! temporary token's user registers its own credential.
//!
//! Checks, in order: nonce syntax, bearer (a `Temp` token whose user is
//! active and unregistered, and whose registration is still pending with
//! this token), nonce fresh, body, each credential (decode, signature,
//! clientData), then one transaction that spends the registration, stores
//! the credentials and marks the user registered.

use serde::Serialize;

use super::body::parse_register_body;
use super::credential::verify_new_credential;
use crate::domain::credentials::CredentialStore;
use crate::domain::ids::{CredentialId, OrgId, UserId};
use crate::domain::model::{
    Caller, CallerRecord, Credential, CredentialKind, Identity, TokenKind, TokenState,
};
use crate::domain::ports::{Directory, ReplayStore, Signer};
use crate::domain::registration::{
    Registration, RegistrationError, RegistrationRecord, RegistrationRefusal, RegistrationStore,
};
use crate::domain::secret::Redacted;
use crate::domain::time::UnixTime;
use crate::domain::username::Username;
use crate::error::Error;
use crate::service::caller::{check_actor, ActiveCaller, Preflight};
use crate::service::{timed, ApiRequest, AuthService, Decision};

#[derive(Debug, Serialize)]
pub struct RegisteredCredential {
    pub uuid: CredentialId,
    pub kind: &'static str,
    pub name: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisteredUser {
    pub id: UserId,
    pub username: Username,
    pub org_id: OrgId,
}

#[derive(Debug, Serialize)]
pub struct RegistrationResponse {
    pub credential: RegisteredCredential,
    pub user: RegisteredUser,
}

#[derive(Debug, Serialize)]
pub struct Authentication {
    pub token: Redacted<String>,
}

/// The registration answer, with no wallets and a login token.
#[derive(Debug, Serialize)]
pub struct EndUserRegistrationResponse {
    #[serde(flatten)]
    pub registration: RegistrationResponse,
    pub wallets: Vec<serde_json::Value>,
    pub authentication: Authentication,
}

/// A registration that went through.
struct Registered {
    now: UnixTime,
    user: Identity,
    credential: Credential,
}

impl Registered {
    fn response(&self) -> RegistrationResponse {
        RegistrationResponse {
            credential: RegisteredCredential {
                uuid: self.credential.credential_id.clone(),
                kind: self.credential.kind.as_str(),
                name: self.credential.name.clone(),
            },
            user: RegisteredUser {
                id: self.user.user_id.clone(),
                username: self.user.username.clone(),
                org_id: self.user.org_id.clone(),
            },
        }
    }
}

/// A temporary token is the only bearer registration takes: its user must
/// be an active user of its org that has not registered, not cut off, and
/// the token not revoked (and, like every bearer, not cut off as its
/// actor's: `check_actor`).
fn check_temp(caller: &Caller, record: CallerRecord) -> Result<ActiveCaller, Error> {
    let identity = record
        .identity
        .clone()
        .filter(|i| {
            i.active
                && !i.is_service_account
                && !i.registered
                && i.org_id == caller.org_id
                && !i.is_cut_off(caller.minted_at)
        })
        .ok_or(Error::NotAuthorized)?;
    if record.token == TokenState::Revoked {
        return Err(Error::NotAuthorized);
    }
    Ok(ActiveCaller {
        caller: caller.clone(),
        identity,
        record,
    })
}

impl<D, R, S> AuthService<D, R, S>
where
    D: Directory + CredentialStore,
    R: ReplayStore + RegistrationStore,
    S: Signer,
{
    /// `POST /auth/registration`.
    pub async fn register(
        &self,
        req: &ApiRequest,
        decision: &mut Decision,
    ) -> Result<RegistrationResponse, Error> {
        Ok(self.complete(req, decision, false).await?.response())
    }

    /// `POST /auth/registration/enduser`: the same, and a login token for
    /// the new user (no actor: no service account is involved).
    pub async fn register_end_user(
        &self,
        req: &ApiRequest,
        decision: &mut Decision,
    ) -> Result<EndUserRegistrationResponse, Error> {
        let done = self.complete(req, decision, true).await?;
        let user = &done.user;
        let token = self
            .issue_login_token(user, None, done.now, decision)
            .await?;
        Ok(EndUserRegistrationResponse {
            registration: done.response(),
            wallets: Vec::new(),
            authentication: Authentication { token },
        })
    }

    async fn complete(
        &self,
        req: &ApiRequest,
        decision: &mut Decision,
        end_user: bool,
    ) -> Result<Registered, Error> {
        let pre = self.preflight(req, decision)?; // 1, 2 (signature, claims)
        if pre.caller.token_kind != TokenKind::Temp {
            return Err(Error::NotAuthorized); // 2: only a temporary token registers
        }
        let (active, pending) = self.authenticate_temp(&pre, decision).await?; // 2, 3
        decision.target = Some(active.identity.user_id.clone());
        let body = parse_register_body(req.body(), end_user)?; // 4
        let challenge = pending.challenge.expose();
        // A passkey is checked against the org's relying parties.
        let passkeys = match body.first_factor.kind {
            CredentialKind::Fido2 => {
                self.directory
                    .passkey_settings(&active.identity.org_id)
                    .await?
            }
            _ => None,
        };
        let first =
            verify_new_credential(&body.first_factor, challenge, passkeys.as_ref(), pre.now)?; // 5
        let recovery = match &body.recovery {
            Some(r) => Some(verify_new_credential(r, challenge, None, pre.now)?),
            None => None,
        };
        if recovery
            .as_ref()
            .is_some_and(|r| r.cred_id == first.cred_id)
        {
            return Err(Error::CredentialAlreadyRegistered);
        }
        decision.credential = Some(first.credential_id.clone());

        // 6: spend, store, mark, all at once.
        let mut user = active.identity;
        let registration = Registration {
            user: user.clone(),
            token: pending.token,
            credentials: std::iter::once(first.clone()).chain(recovery).collect(),
            now: pre.now,
        };
        let written = timed(
            &mut decision.timings.write_ms,
            self.replay.complete_registration(&registration),
        )
        .await;
        match written {
            Ok(()) => {}
            Err(RegistrationError::Refused(RegistrationRefusal::CredIdTaken)) => {
                return Err(Error::CredentialAlreadyRegistered)
            }
            // Lost the race, replaced by a newer challenge, or the user changed.
            Err(RegistrationError::Refused(_)) => return Err(Error::NotAuthorized),
            Err(RegistrationError::Store(e)) => return Err(e),
        }
        user.registered = true;
        user.credential_uuid = Some(first.credential_id.clone());
        Ok(Registered {
            now: pre.now,
            user,
            credential: first,
        })
    }

    /// The caller read, the nonce write and the pending registration's read
    /// in one stage; answered as bearer (401), then nonce (400).
    async fn authenticate_temp(
        &self,
        pre: &Preflight,
        decision: &mut Decision,
    ) -> Result<(ActiveCaller, RegistrationRecord), Error> {
        let stage = async {
            tokio::join!(
                self.read_token_records(&pre.caller),
                self.record_nonce(pre),
                self.replay.registration(&pre.caller.user_id)
            )
        };
        let (records, fresh, pending) = timed(&mut decision.timings.store_ms, stage).await;
        let (record, actor) = records?;
        check_actor(&pre.caller, actor.as_ref())?;
        let active = check_temp(&pre.caller, record)?;
        let pending = pending?
            .filter(|p| p.admits(&pre.caller.token_id, pre.now))
            .ok_or(Error::NotAuthorized)?;
        if !fresh? {
            return Err(Error::NonceReused);
        }
        Ok((active, pending))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::TokenId;
    use std::collections::HashSet;

    fn caller(user: &Identity, kind: TokenKind) -> Caller {
        Caller {
            user_id: user.user_id.clone(),
            org_id: user.org_id.clone(),
            token_id: TokenId::new_issued(),
            token_kind: kind,
            issued_at: UnixTime::from_secs(1_000),
            minted_at: crate::domain::time::UnixMillis::from_millis(1_000_000),
            actor: None,
        }
    }

    fn record(user: Option<Identity>, token: TokenState) -> CallerRecord {
        CallerRecord {
            identity: user,
            credentials: Vec::new(),
            operations: HashSet::new(),
            token,
            limits: Default::default(),
        }
    }

    #[test]
    fn a_temp_token_needs_an_active_unregistered_user_of_its_org() {
        let user = Identity::new(
            OrgId::mint(),
            Username::parse("new@example.co").unwrap(),
            crate::domain::model::UserKind::EndUser,
            false,
        );
        let c = caller(&user, TokenKind::Temp);
        assert!(check_temp(&c, record(Some(user.clone()), TokenState::Unrecorded)).is_ok());
        let refused = |u: Option<Identity>, t: TokenState| {
            check_temp(&c, record(u, t)).err() == Some(Error::NotAuthorized)
        };
        assert!(refused(None, TokenState::Unrecorded));
        assert!(refused(Some(user.clone()), TokenState::Revoked));
        let changes: [fn(&mut Identity); 5] = [
            |u| u.active = false,
            |u| u.registered = true,
            |u| u.is_service_account = true,
            |u| u.org_id = OrgId::mint(),
            |u| u.cut_off = Some(crate::domain::time::UnixMillis::from_millis(1_000_000)),
        ];
        for change in changes {
            let mut u = user.clone();
            change(&mut u);
            assert!(refused(Some(u), TokenState::Unrecorded));
        }
    }
}
