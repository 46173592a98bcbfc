//! Records of the directory as the rules see them.

use std::collections::HashSet;

use crate::domain::ids::{
    AssignmentId, CredId, CredentialId, OrgId, PermissionId, TokenId, UserId,
};
use crate::domain::time::{UnixMillis, UnixTime};
use crate::domain::username::Username;

/// Kind of a user-like identity, as Dfns names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum UserKind {
    CustomerEmployee,
    EndUser,
}

impl UserKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UserKind::CustomerEmployee => "CustomerEmployee",
            UserKind::EndUser => "EndUser",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "CustomerEmployee" => Some(UserKind::CustomerEmployee),
            "EndUser" => Some(UserKind::EndUser),
            _ => None,
        }
    }
}

/// An org: the tenant every identity belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    pub org_id: OrgId,
    pub name: String,
    pub created_at: UnixTime,
}

/// A user or service account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub user_id: UserId,
    pub org_id: OrgId,
    /// A service account's name is its username here.
    pub username: Username,
    pub kind: UserKind,
    pub is_service_account: bool,
    /// False once deactivated or archived.
    pub active: bool,
    /// Archived (deleted) for good; the username stays taken.
    pub archived: bool,
    /// True once the user registered a credential of its own.
    pub registered: bool,
    /// The first credential the user registered.
    pub credential_uuid: Option<CredentialId>,
    /// The platform's own id for the user, stored and echoed.
    pub external_id: Option<String>,
    pub is_sso_required: bool,
    /// Tokens of this identity minted at or before this instant are
    /// refused (logout of all sessions, deactivation): no token list needed.
    pub cut_off: Option<UnixMillis>,
    /// For a service account: delegated tokens naming it as actor
    /// (`act.sub`) minted at or before this instant are refused
    /// (deactivation, archiving, revocation of any of its tokens).
    pub actor_cut_off: Option<UnixMillis>,
    /// The stored revision this value was read at: a save is refused when
    /// another write moved it since, so no write undoes another.
    pub revision: u64,
}

impl Identity {
    /// A new, active identity that has registered nothing yet.
    pub fn new(
        org_id: OrgId,
        username: Username,
        kind: UserKind,
        is_service_account: bool,
    ) -> Self {
        Self {
            user_id: UserId::mint(),
            org_id,
            username,
            kind,
            is_service_account,
            active: true,
            archived: false,
            registered: false,
            credential_uuid: None,
            external_id: None,
            is_sso_required: false,
            cut_off: None,
            actor_cut_off: None,
            revision: 0,
        }
    }

    /// True when a token minted at `minted` was cut off.
    pub fn is_cut_off(&self, minted: UnixMillis) -> bool {
        self.cut_off.is_some_and(|c| minted <= c)
    }

    /// True when a token naming this identity as its actor, minted at
    /// `minted`, was cut off.
    pub fn is_actor_cut_off(&self, minted: UnixMillis) -> bool {
        self.actor_cut_off.is_some_and(|c| minted <= c)
    }

    /// When a delegated token this service account obtains is minted, for
    /// a user whose own `mint_time` is `t`: after the actor cut-off too, so
    /// that a token obtained right after a revocation works.
    pub fn actor_mint_time(&self, t: UnixMillis) -> UnixMillis {
        match self.actor_cut_off {
            Some(c) if t <= c => c.plus_millis(1),
            _ => t,
        }
    }

    /// When a token minted now is minted: after the cut-off, even in the
    /// same millisecond, so that a login right after a logout or a
    /// re-activation works. Its `iat` stays the true second.
    pub fn mint_time(&self, now: UnixMillis) -> UnixMillis {
        match self.cut_off {
            Some(c) if now <= c => c.plus_millis(1),
            _ => now,
        }
    }
}

/// Kind of a credential, as Dfns names it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CredentialKind {
    /// Signs user actions.
    #[default]
    Key,
    /// Registered for account recovery; never offered for user actions.
    RecoveryKey,
    /// A passkey (WebAuthn): signs user actions with assertions.
    Fido2,
}

impl CredentialKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::Key => "Key",
            CredentialKind::RecoveryKey => "RecoveryKey",
            CredentialKind::Fido2 => "Fido2",
        }
    }
}

/// A public key credential of an identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// Internal id, `cr-...`.
    pub credential_id: CredentialId,
    /// The id the client holds and sends back in its assertion.
    pub cred_id: CredId,
    pub public_key_pem: String,
    pub active: bool,
    pub kind: CredentialKind,
    /// The name given at registration (`""` when none).
    pub name: String,
    /// When it was registered (`None` on items older than the field).
    pub created_at: Option<UnixTime>,
    /// What a `Fido2` credential is bound to; `None` for every other kind.
    pub passkey: Option<Passkey>,
}

/// A passkey's relying party, origin, authenticator model and counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passkey {
    pub rp_id: String,
    /// The origin of the page that created it.
    pub origin: String,
    /// The authenticator model's AAGUID, as a UUID.
    pub aaguid: String,
    /// The last signature counter seen (0: the authenticator does not count).
    pub sign_count: u32,
}

/// A named list of operations in an org.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    pub permission_id: PermissionId,
    pub org_id: OrgId,
    pub name: String,
    pub operations: Vec<String>,
    pub active: bool,
}

/// A permission given to an identity; its operations are copied in, so
/// that one read of the identity brings back everything it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub assignment_id: AssignmentId,
    pub permission_id: PermissionId,
    /// The permission's name when it was assigned, for the User object.
    pub permission_name: String,
    pub operations: Vec<String>,
    pub active: bool,
}

/// A service account token on record (login tokens are not recorded
/// unless revoked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub token_id: TokenId,
    pub user_id: UserId,
    pub org_id: OrgId,
    pub expires_at: UnixTime,
}

/// What the directory knows about a bearer token's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    Active,
    Revoked,
    /// No record: fine for short-lived issued tokens, fatal for
    /// service account tokens (which are always recorded).
    Unrecorded,
}

/// Everything about a caller that one directory read brings back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerRecord {
    pub identity: Option<Identity>,
    pub credentials: Vec<Credential>,
    /// Operations granted through the identity's permission assignments.
    pub operations: HashSet<String>,
    pub token: TokenState,
    /// The limits an operator set on a service account (none by default).
    pub limits: crate::domain::limits::ServiceAccountLimits,
}

impl CallerRecord {
    /// The credentials that may sign user actions: active `Key`
    /// credentials (a recovery key never does).
    pub fn active_credentials(&self) -> impl Iterator<Item = &Credential> {
        self.credentials
            .iter()
            .filter(|c| c.active && c.kind == CredentialKind::Key)
    }

    /// The passkeys that may sign user actions: active `Fido2` credentials.
    pub fn active_passkeys(&self) -> impl Iterator<Item = &Credential> {
        self.credentials
            .iter()
            .filter(|c| c.active && c.kind == CredentialKind::Fido2)
    }
}

/// Kind of a bearer token, from `app_metadata.tokenKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A user's login token (delegated or not).
    Token,
    /// A service account's long-lived token.
    ServiceAccount,
    /// A registration's temporary token: accepted only by registration
    /// completion, never as a login token.
    Temp,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Token => "Token",
            TokenKind::ServiceAccount => "ServiceAccount",
            TokenKind::Temp => "Temp",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "Token" => Some(TokenKind::Token),
            "ServiceAccount" => Some(TokenKind::ServiceAccount),
            "Temp" => Some(TokenKind::Temp),
            _ => None,
        }
    }
}

/// The authenticated caller, as its verified bearer token names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: UserId,
    pub org_id: OrgId,
    pub token_id: TokenId,
    pub token_kind: TokenKind,
    /// The token's `iat`.
    pub issued_at: UnixTime,
    /// When it was minted, to the millisecond, against the identity's
    /// cut-off (see `bearer::minted_at`).
    pub minted_at: UnixMillis,
    /// The service account that obtained the token (`act.sub`), whose
    /// actor cut-off it is also checked against.
    pub actor: Option<UserId>,
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
    fn a_cut_off_refuses_tokens_minted_at_or_before_it() {
        let mut u = user();
        let t = UnixMillis::from_millis(1_000_500);
        assert!(!u.is_cut_off(t));
        u.cut_off = Some(t);
        assert!(u.is_cut_off(t.plus_millis(-1)));
        assert!(u.is_cut_off(t));
        assert!(!u.is_cut_off(t.plus_millis(1)));
    }

    #[test]
    fn tokens_minted_after_a_cut_off_are_never_cut_off() {
        let mut u = user();
        let t = UnixMillis::from_millis(1_000_500);
        assert_eq!(u.mint_time(t), t);
        u.cut_off = Some(t);
        // In the same millisecond as the cut-off: one millisecond later.
        assert!(!u.is_cut_off(u.mint_time(t)));
        assert_eq!(u.mint_time(t.plus_millis(5)), t.plus_millis(5));
    }
}
