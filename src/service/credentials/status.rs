//! `PUT /auth/credentials/activate` and `/deactivate`: signed writes on
//! one of the caller's credentials. Both are idempotent; the caller's
//! last active credential (of those that sign user actions) is never
//! deactivated, enforced by the write itself.

use serde::{Deserialize, Serialize};

use super::require_person;
use crate::domain::credentials::CredentialStore;
use crate::domain::model::CredentialKind;
use crate::domain::ports::{Directory, Refusal, ReplayStore, Signer, Spend, WriteError};
use crate::error::Error;
use crate::service::caller::require_spent;
use crate::service::{parse_body, timed, ApiRequest, AuthService, Decision};

/// Which way a request turns a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialChange {
    Activate,
    Deactivate,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusBody {
    credential_uuid: String,
}

#[derive(Debug, Serialize)]
pub struct Success {
    pub message: &'static str,
}

impl<D, R, S> AuthService<D, R, S>
where
    D: Directory + CredentialStore,
    R: ReplayStore,
    S: Signer,
{
    /// `PUT /auth/credentials/activate` and `/deactivate`.
    pub async fn change_credential(
        &self,
        req: &ApiRequest,
        decision: &mut Decision,
        change: CredentialChange,
    ) -> Result<Success, Error> {
        let pre = self.preflight(req, decision)?;
        let body = parse_body::<StatusBody>(req.body());
        let work = async {
            match &body {
                Ok(_) => self.spend_user_action(req, &pre).await,
                Err(_) => Ok(Spend::Invalid),
            }
        };
        let (active, spend) = self.authenticate(&pre, decision, work).await?;
        let body = body?;
        require_spent(spend)?;
        require_person(&active)?;

        let credentials = &active.record.credentials;
        let target = credentials
            .iter()
            .find(|c| c.credential_id.as_str() == body.credential_uuid)
            .ok_or(Error::CredentialNotFound)?;
        decision.credential = Some(target.credential_id.clone());
        let activate = change == CredentialChange::Activate;
        if target.active == activate {
            return Ok(Success { message: "success" });
        }
        let signs = |kind| matches!(kind, CredentialKind::Key | CredentialKind::Fido2);
        // Deactivating a signing credential needs another that stays active.
        let other = match (activate, signs(target.kind)) {
            (false, true) => Some(
                credentials
                    .iter()
                    .find(|c| c.active && signs(c.kind) && c.credential_id != target.credential_id)
                    .map(|c| &c.credential_id)
                    .ok_or(Error::LastActiveCredential)?,
            ),
            _ => None,
        };
        let user = &active.identity.user_id;
        let written = timed(
            &mut decision.timings.write_ms,
            self.directory
                .set_credential_status(user, &target.credential_id, activate, other),
        )
        .await;
        match written {
            Ok(()) => Ok(Success { message: "success" }),
            Err(WriteError::Refused(Refusal::NoOtherActive)) => Err(Error::LastActiveCredential),
            Err(WriteError::Refused(Refusal::CredentialMissing)) => Err(Error::CredentialNotFound),
            Err(WriteError::Refused(_)) => Err(Error::NotAuthorized),
            Err(WriteError::Store(e)) => Err(e),
        }
    }
}
