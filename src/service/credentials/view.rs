//! A credential as the credentials API shows it.

use chrono::{DateTime, SecondsFormat};
use serde::Serialize;

use crate::domain::ids::{CredId, CredentialId};
use crate::domain::model::Credential;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialView {
    pub kind: &'static str,
    /// The id the client holds (the credId).
    pub credential_id: CredId,
    pub credential_uuid: CredentialId,
    pub date_created: String,
    pub is_active: bool,
    pub name: String,
    /// PEM SubjectPublicKeyInfo.
    pub public_key: String,
    /// `""` for anything but a passkey.
    pub relying_party_id: String,
    pub origin: String,
}

impl From<&Credential> for CredentialView {
    fn from(c: &Credential) -> Self {
        // Credentials stored before the field read as the epoch.
        let secs = c.created_at.map_or(0, |t| t.as_secs());
        let date_created = DateTime::from_timestamp(secs, 0)
            .unwrap_or_default()
            .to_rfc3339_opts(SecondsFormat::Millis, true);
        Self {
            kind: c.kind.as_str(),
            credential_id: c.cred_id.clone(),
            credential_uuid: c.credential_id.clone(),
            date_created,
            is_active: c.active,
            name: c.name.clone(),
            public_key: c.public_key_pem.clone(),
            relying_party_id: c
                .passkey
                .as_ref()
                .map(|p| p.rp_id.clone())
                .unwrap_or_default(),
            origin: c
                .passkey
                .as_ref()
                .map(|p| p.origin.clone())
                .unwrap_or_default(),
        }
    }
}
