//! `CredentialStore` in memory, with the directory table's conditions.

use super::directory::{require, MemoryDirectory};
use super::lock;
use crate::domain::credentials::CredentialStore;
use crate::domain::ids::{CredentialId, OrgId, UserId};
use crate::domain::model::{Credential, Identity};
use crate::domain::ports::{Refusal, WriteError};
use crate::domain::webauthn::{PasskeySettings, RelyingParty};
use crate::error::Error;

impl MemoryDirectory {
    /// Replaces an org's passkey settings, as the operator CLI does;
    /// `false` when the org is not on record.
    pub fn set_passkeys(&self, org_id: &OrgId, parties: Vec<RelyingParty>) -> bool {
        let mut store = lock(&self.store);
        if !store.orgs.contains_key(org_id) {
            return false;
        }
        store.passkeys.insert(org_id.clone(), parties);
        true
    }
}

impl CredentialStore for MemoryDirectory {
    async fn passkey_settings(&self, org_id: &OrgId) -> Result<Option<PasskeySettings>, Error> {
        let store = lock(&self.store);
        Ok(store.orgs.get(org_id).map(|org| PasskeySettings {
            org_name: org.name.clone(),
            relying_parties: store.passkeys.get(org_id).cloned().unwrap_or_default(),
        }))
    }

    async fn advance_sign_count(
        &self,
        user_id: &UserId,
        credential_id: &CredentialId,
        from: u32,
        to: u32,
    ) -> Result<bool, Error> {
        let mut store = lock(&self.store);
        let passkey = store
            .credentials
            .get_mut(user_id)
            .and_then(|c| c.get_mut(credential_id))
            .filter(|c| c.active)
            .and_then(|c| c.passkey.as_mut())
            .filter(|p| p.sign_count == from);
        Ok(match passkey {
            Some(p) => {
                p.sign_count = to;
                true
            }
            None => false,
        })
    }

    async fn add_user_credential(
        &self,
        identity: &Identity,
        credential: &Credential,
    ) -> Result<(), WriteError> {
        let mut store = lock(&self.store);
        let user = &identity.user_id;
        require(store.profiles.contains_key(user), Refusal::IdentityMissing)?;
        let mine = store.credentials.get(user);
        require(
            !mine.is_some_and(|c| c.contains_key(&credential.credential_id)),
            Refusal::Conflict,
        )?;
        let taken = store.profiles.values().any(|p| {
            p.org_id == identity.org_id
                && store
                    .credentials
                    .get(&p.user_id)
                    .is_some_and(|c| c.values().any(|c| c.cred_id == credential.cred_id))
        });
        require(!taken, Refusal::CredIdTaken)?;
        store.insert_credential(user, credential);
        Ok(())
    }

    async fn set_credential_status(
        &self,
        user_id: &UserId,
        credential_id: &CredentialId,
        active: bool,
        other: Option<&CredentialId>,
    ) -> Result<(), WriteError> {
        let mut store = lock(&self.store);
        let credentials = store.credentials.get_mut(user_id);
        let Some(credentials) = credentials else {
            return Err(WriteError::Refused(Refusal::CredentialMissing));
        };
        require(
            credentials.contains_key(credential_id),
            Refusal::CredentialMissing,
        )?;
        if let Some(other) = other {
            require(
                credentials.get(other).is_some_and(|c| c.active),
                Refusal::NoOtherActive,
            )?;
        }
        if let Some(c) = credentials.get_mut(credential_id) {
            c.active = active;
        }
        Ok(())
    }
}
