//! An identity's lifecycle, in one place for every caller (the operator
//! CLI, the users API): creation, activation, deactivation, archiving, and
//! the cut-off that ends its existing tokens.

use crate::domain::ids::{OrgId, TokenId};
use crate::domain::model::{Identity, UserKind};
use crate::domain::ports::{DirectoryWriter, Refusal, WriteError};
use crate::domain::time::UnixMillis;
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

/// The identity archived for good: inactive, its tokens cut off.
pub fn archived(identity: Identity, now: UnixMillis) -> Identity {
    Identity {
        active: false,
        archived: true,
        cut_off: Some(cut_off_at(&identity, now)),
        actor_cut_off: actor_cut_off_of(&identity, now),
        ..identity
    }
}

/// The actor cut-off that refuses every delegated token a service account
/// obtained up to `now`: `now`, or a millisecond past the previous one when
/// a token was minted just after it (`Identity::actor_mint_time`). It only
/// moves forward, and a token obtained afterwards is never refused.
pub fn actor_cut_off_at(account: &Identity, now: UnixMillis) -> UnixMillis {
    account.actor_mint_time(now)
}

/// A deactivated or archived service account's new actor cut-off (users
/// are never actors: theirs stays as it is).
fn actor_cut_off_of(identity: &Identity, now: UnixMillis) -> Option<UnixMillis> {
    match identity.is_service_account {
        true => Some(actor_cut_off_at(identity, now)),
        false => identity.actor_cut_off,
    }
}

/// The cut-off that refuses every token of `identity` minted up to `now`.
///
/// That is `now`, unless a token may already be minted later: one minted
/// in the same millisecond as the previous cut-off is minted a millisecond
/// after it (`Identity::mint_time`), and must be refused too. So the
/// cut-off only ever moves forward, and a token minted after it (again
/// through `mint_time`) is never refused.
pub fn cut_off_at(identity: &Identity, now: UnixMillis) -> UnixMillis {
    identity.mint_time(now)
}

/// Revokes a token by id. A login token (`uj-`) gets a revocation record;
/// a service account token (`to-`) must be on record, and its revocation
/// also cuts off, in the same write, every delegated token its account
/// obtained so far (a delegated token does not say which of the account's
/// tokens minted it, so all of them go). Refused with `TokenMissing` for
/// a `to-` token not on record.
pub async fn revoke_token<W: DirectoryWriter>(
    writer: &W,
    token_id: &TokenId,
    now: UnixMillis,
) -> Result<(), WriteError> {
    if !token_id.is_service_account() {
        return writer.revoke_token(token_id).await;
    }
    let owner = writer
        .token_owner(token_id)
        .await?
        .ok_or(WriteError::Refused(Refusal::TokenMissing))?;
    let account = writer
        .identity(&owner)
        .await?
        .ok_or(WriteError::Refused(Refusal::IdentityMissing))?;
    writer
        .revoke_actor_token(&owner, token_id, actor_cut_off_at(&account, now))
        .await
}

/// Activates or deactivates `identity` and returns it as stored.
///
/// Deactivation also sets the cut-off, so the identity's existing tokens
/// stay refused after a later activation: only tokens issued afterwards
/// work. Both are idempotent: asking for the state the identity is in
/// writes nothing. An archived identity is gone for good and is refused as
/// missing.
pub async fn set_user_active<W: DirectoryWriter>(
    writer: &W,
    identity: Identity,
    active: bool,
    now: UnixMillis,
) -> Result<Identity, WriteError> {
    match next_state(&identity, active, now)? {
        None => Ok(identity),
        Some(next) => {
            writer.save_identity(&next).await?;
            Ok(next)
        }
    }
}

/// The identity after the change, or `None` when there is nothing to write.
fn next_state(
    identity: &Identity,
    active: bool,
    now: UnixMillis,
) -> Result<Option<Identity>, WriteError> {
    if identity.archived {
        return Err(WriteError::Refused(Refusal::IdentityMissing));
    }
    if identity.active == active {
        return Ok(None);
    }
    let (cut_off, actor_cut_off) = match active {
        true => (identity.cut_off, identity.actor_cut_off),
        false => (
            Some(cut_off_at(identity, now)),
            actor_cut_off_of(identity, now),
        ),
    };
    Ok(Some(Identity {
        active,
        cut_off,
        actor_cut_off,
        ..identity.clone()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::OrgId;
    use crate::domain::model::UserKind;
    use crate::domain::username::Username;

    const T: UnixMillis = UnixMillis::from_millis(1_800_000_000_250);

    fn user() -> Identity {
        Identity::new(
            OrgId::mint(),
            Username::parse("jdoe@example.co").unwrap(),
            UserKind::EndUser,
            false,
        )
    }

    #[test]
    fn deactivation_cuts_off_every_token_issued_so_far() {
        let u = user();
        let off = next_state(&u, false, T).unwrap().unwrap();
        assert!(!off.active);
        assert_eq!(off.cut_off, Some(T));
        assert!(off.is_cut_off(T));
        assert!(!off.is_cut_off(T.plus_millis(1)));
        // Everything else is kept.
        assert_eq!(
            Identity {
                active: true,
                cut_off: None,
                ..off
            },
            u
        );
    }

    #[test]
    fn activation_keeps_the_cut_off_so_old_tokens_stay_dead() {
        let off = next_state(&user(), false, T).unwrap().unwrap();
        let on = next_state(&off, true, T.plus_millis(10_000))
            .unwrap()
            .unwrap();
        assert!(on.active);
        assert_eq!(on.cut_off, Some(T));
        assert!(on.is_cut_off(T));
        // A token minted at once, in the cut-off's millisecond, is not refused.
        assert!(!on.is_cut_off(on.mint_time(T)));
    }

    fn service_account() -> Identity {
        Identity::new(
            OrgId::mint(),
            Username::parse("robot").unwrap(),
            UserKind::CustomerEmployee,
            true,
        )
    }

    #[test]
    fn deactivating_or_archiving_a_service_account_cuts_off_its_delegated_tokens() {
        let sa = service_account();
        let off = next_state(&sa, false, T).unwrap().unwrap();
        assert_eq!(off.actor_cut_off, Some(T));
        assert!(off.is_actor_cut_off(T));
        let on = next_state(&off, true, T).unwrap().unwrap();
        assert_eq!(on.actor_cut_off, off.actor_cut_off);
        // Obtained after the cut-off, even in the same millisecond: not refused.
        assert!(!on.is_actor_cut_off(on.actor_mint_time(T)));
        let gone = archived(on.clone(), T);
        assert!(gone.is_actor_cut_off(on.actor_mint_time(T)));
        // A user's deactivation sets no actor cut-off.
        assert_eq!(
            next_state(&user(), false, T)
                .unwrap()
                .unwrap()
                .actor_cut_off,
            None
        );
    }

    #[test]
    fn both_are_idempotent() {
        let u = user();
        assert_eq!(next_state(&u, true, T), Ok(None));
        let off = next_state(&u, false, T).unwrap().unwrap();
        // A second deactivation does not move the cut-off.
        assert_eq!(next_state(&off, false, T.plus_millis(60_000)), Ok(None));
    }

    #[test]
    fn an_archived_identity_cannot_change_state() {
        let mut u = user();
        u.active = false;
        u.archived = true;
        for active in [true, false] {
            assert_eq!(
                next_state(&u, active, T),
                Err(WriteError::Refused(Refusal::IdentityMissing))
            );
        }
    }

    #[test]
    fn a_cut_off_in_the_same_millisecond_also_refuses_tokens_minted_after_the_last() {
        // Deactivated, activated and logged in again within one millisecond:
        // the new token is minted at T + 1 ms, and the next cut-off covers it.
        let on = next_state(&next_state(&user(), false, T).unwrap().unwrap(), true, T)
            .unwrap()
            .unwrap();
        let minted = on.mint_time(T);
        assert_eq!(minted, T.plus_millis(1));
        let off = next_state(&on, false, T).unwrap().unwrap();
        assert!(off.is_cut_off(minted));
        assert_eq!(cut_off_at(&on, T), minted);
        // Once the clock passes the cut-off, it is simply `now`.
        assert_eq!(cut_off_at(&on, T.plus_millis(5_000)), T.plus_millis(5_000));
    }
}
