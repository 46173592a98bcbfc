//! `GET /auth/credentials`: every credential of the caller, from the
//! caller's own read (no second read).

use serde::Serialize;

use super::{require_person, CredentialView};
use crate::domain::ports::{Directory, ReplayStore, Signer};
use crate::error::Error;
use crate::service::{ApiRequest, AuthService, Decision};

#[derive(Debug, Serialize)]
pub struct CredentialList {
    pub items: Vec<CredentialView>,
}

impl<D: Directory, R: ReplayStore, S: Signer> AuthService<D, R, S> {
    /// `GET /auth/credentials`.
    pub async fn list_credentials(
        &self,
        req: &ApiRequest,
        decision: &mut Decision,
    ) -> Result<CredentialList, Error> {
        let pre = self.preflight(req, decision)?;
        let (active, ()) = self.authenticate(&pre, decision, async {}).await?;
        require_person(&active)?;
        Ok(CredentialList {
            items: active
                .record
                .credentials
                .iter()
                .map(CredentialView::from)
                .collect(),
        })
    }
}
