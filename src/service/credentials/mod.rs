//! The caller's own credentials (PASSKEYS.md section 5): a credential
//! challenge, a new credential signed for with a user action, the list,
//! and activation and deactivation. End users and employees only: a
//! service account's credentials are the operator's.
//!
//! `challenge`: `POST /auth/credentials/init`. `create`: `POST
//! /auth/credentials`. `list`: `GET /auth/credentials`. `status`: `PUT
//! /auth/credentials/activate` and `/deactivate`.

mod challenge;
mod create;
mod list;
mod status;
mod view;

pub use challenge::CredentialChallenge;
pub use list::CredentialList;
pub use status::{CredentialChange, Success};
pub use view::CredentialView;

use crate::domain::ids::UserId;
use crate::domain::model::CredentialKind;
use crate::domain::payload::binding;
use crate::domain::secret::SecretDigest;
use crate::error::Error;
use crate::service::caller::ActiveCaller;

/// Refuses a service account.
fn require_person(active: &ActiveCaller) -> Result<(), Error> {
    if active.identity.is_service_account {
        return Err(Error::ServiceAccountCredentials);
    }
    Ok(())
}

/// What a credential challenge is bound to: its caller and kind. No HTTP
/// method is named `CREDENTIAL`, so no user action request ever has this
/// binding: a credential challenge traded at `/auth/action` signs nothing.
fn challenge_binding(user_id: &UserId, kind: CredentialKind) -> SecretDigest {
    binding(
        user_id,
        "CREDENTIAL",
        &format!("/auth/credentials#{}", kind.as_str()),
        b"",
    )
}

/// The kinds a caller may add: what signs user actions.
fn parse_kind(kind: &str) -> Result<CredentialKind, Error> {
    match kind {
        "Key" => Ok(CredentialKind::Key),
        "Fido2" => Ok(CredentialKind::Fido2),
        _ => Err(Error::bad_request("kind must be Fido2 or Key")),
    }
}
