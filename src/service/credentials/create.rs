//! `POST /auth/credentials`: a new credential of the caller, answering a
//! credential challenge, the request signed with a user action by a
//! credential the caller already has.
//!
//! Checks, in order: nonce syntax, bearer, nonce fresh (with the user
//! action's spend and the org's passkey settings in the same stage),
//! body, user action, not a service account, the challenge (taken once),
//! the credential, then one transaction that stores it with its credId.

use super::{challenge_binding, require_person, CredentialView};
use crate::domain::credentials::CredentialStore;
use crate::domain::ports::{Directory, Refusal, ReplayStore, Signer, Spend, WriteError};
use crate::domain::secret::SecretDigest;
use crate::error::Error;
use crate::service::caller::require_spent;
use crate::service::registration::body::parse_new_credential_body;
use crate::service::registration::credential::verify_new_credential;
use crate::service::{timed, ApiRequest, AuthService, Decision};

impl<D, R, S> AuthService<D, R, S>
where
    D: Directory + CredentialStore,
    R: ReplayStore,
    S: Signer,
{
    /// `POST /auth/credentials`.
    pub async fn create_credential(
        &self,
        req: &ApiRequest,
        decision: &mut Decision,
    ) -> Result<CredentialView, Error> {
        let pre = self.preflight(req, decision)?;
        let body = parse_new_credential_body(req.body());
        let org_id = pre.caller.org_id.clone();
        let work = async {
            if body.is_err() {
                return (Ok(Spend::Invalid), Ok(None));
            }
            tokio::join!(
                self.spend_user_action(req, &pre),
                self.directory.passkey_settings(&org_id)
            )
        };
        let (active, (spend, passkeys)) = self.authenticate(&pre, decision, work).await?;
        let body = body?;
        require_spent(spend)?;
        require_person(&active)?;

        let identity = &active.identity;
        let key = SecretDigest::of(body.challenge_identifier.as_bytes());
        let taken = self
            .replay
            .take_challenge(&key, &identity.user_id, pre.now)
            .await?
            .filter(|c| c.binding == challenge_binding(&identity.user_id, body.credential.kind))
            .ok_or(Error::ChallengeInvalid)?;
        let passkeys = passkeys?;
        let credential = verify_new_credential(
            &body.credential,
            taken.challenge.expose(),
            passkeys.as_ref(),
            pre.now,
        )?;
        decision.credential = Some(credential.credential_id.clone());
        let written = timed(
            &mut decision.timings.write_ms,
            self.directory.add_user_credential(identity, &credential),
        )
        .await;
        match written {
            Ok(()) => Ok(CredentialView::from(&credential)),
            Err(WriteError::Refused(Refusal::CredIdTaken)) => {
                Err(Error::CredentialAlreadyRegistered)
            }
            Err(WriteError::Refused(_)) => Err(Error::NotAuthorized),
            Err(WriteError::Store(e)) => Err(e),
        }
    }
}
