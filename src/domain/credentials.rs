//! The caller's own credentials: the org's passkey settings, a new
//! credential, its status, and a passkey's sign counter. Each write is
//! conditional, so that concurrent requests cannot both pass a rule that
//! only one may (two assertions with one count, two deactivations that
//! would leave no active credential).

use std::future::Future;

use crate::domain::ids::{CredentialId, OrgId, UserId};
use crate::domain::model::{Credential, Identity};
use crate::domain::ports::WriteError;
use crate::domain::webauthn::PasskeySettings;
use crate::error::Error;

pub trait CredentialStore: Send + Sync {
    /// The org's passkey settings (none listed when the operator set
    /// none); `None` when the org is not on record.
    fn passkey_settings(
        &self,
        org_id: &OrgId,
    ) -> impl Future<Output = Result<Option<PasskeySettings>, Error>> + Send;

    /// Stores a passkey's new sign count only if it still holds `from`
    /// and is active: `false` when another assertion moved it first (or
    /// it was deactivated), so of two assertions with one count only one
    /// passes.
    fn advance_sign_count(
        &self,
        user_id: &UserId,
        credential_id: &CredentialId,
        from: u32,
        to: u32,
    ) -> impl Future<Output = Result<bool, Error>> + Send;

    /// The identity's new credential and its org-wide credId record,
    /// together; refused with `Refusal::CredIdTaken` when the credId is taken,
    /// `IdentityMissing` when the identity is gone.
    fn add_user_credential(
        &self,
        identity: &Identity,
        credential: &Credential,
    ) -> impl Future<Output = Result<(), WriteError>> + Send;

    /// Sets a credential's status (`CredentialMissing` when it is gone).
    /// Deactivating names `other`, a credential that must still be active
    /// at that instant (`NoOtherActive`): the last active credential is
    /// never deactivated, however many requests race.
    fn set_credential_status(
        &self,
        user_id: &UserId,
        credential_id: &CredentialId,
        active: bool,
        other: Option<&CredentialId>,
    ) -> impl Future<Output = Result<(), WriteError>> + Send;
}
