//! User lifecycle changes shared by the API and the operator CLI, so the
//! two cannot drift: creating a user, and activating or deactivating one.

use crate::domain::ids::OrgId;
use crate::domain::model::{Identity, UserKind};
use crate::domain::ports::{DirectoryWriter, WriteError};
use crate::domain::time::UnixTime;
use crate::domain::username::Username;

/// What a new user is made of.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub org_id: OrgId,
    pub username: Username,
    pub kind: UserKind,
    pub external_id: Option<String>,
    pub is_sso_required: bool,
}

/// Creates an active user that has registered nothing yet. Refused with
/// `OrgMissing` or `UsernameTaken`; nothing is written then.
pub async fn create_user<W: DirectoryWriter>(
    writer: &W,
    new: NewUser,
) -> Result<Identity, WriteError> {
    let mut identity = Identity::new(new.org_id, new.username, new.kind, false);
    identity.external_id = new.external_id;
    identity.is_sso_required = new.is_sso_required;
    writer.create_identity(&identity).await?;
    Ok(identity)
}

/// The identity with its new state: deactivation also cuts off every
/// token issued so far, for good (activation does not bring them back).
/// Idempotent: an identity already in that state is returned unchanged.
pub fn with_active(mut identity: Identity, active: bool, now: UnixTime) -> Identity {
    if identity.active == active {
        return identity;
    }
    identity.active = active;
    if !active {
        identity.cut_off = Some(now);
    }
    identity
}

/// Activates or deactivates an identity, writing only when it changes.
pub async fn set_active<W: DirectoryWriter>(
    writer: &W,
    identity: Identity,
    active: bool,
    now: UnixTime,
) -> Result<Identity, WriteError> {
    if identity.active == active {
        return Ok(identity);
    }
    let changed = with_active(identity, active, now);
    writer.save_identity(&changed).await?;
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> Identity {
        Identity::new(
            OrgId::mint(),
            Username::parse("jdoe@example.co").unwrap(),
            UserKind::EndUser,
            false,
        )
    }

    #[test]
    fn deactivation_cuts_off_and_activation_keeps_the_cut_off() {
        let t = UnixTime::from_secs(1_000);
        let off = with_active(user(), false, t);
        assert!(!off.active);
        assert_eq!(off.cut_off, Some(t));
        let on = with_active(off, true, t.plus_secs(10));
        assert!(on.active);
        assert_eq!(on.cut_off, Some(t), "old tokens stay dead");
        // Idempotent: deactivating twice keeps the first cut-off.
        let off = with_active(on, false, t.plus_secs(20));
        let again = with_active(off.clone(), false, t.plus_secs(30));
        assert_eq!(again, off);
    }
}
