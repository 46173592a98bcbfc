//! Records of the directory as the rules see them.

use std::collections::HashSet;

use crate::domain::ids::{
    AssignmentId, CredId, CredentialId, OrgId, PermissionId, TokenId, UserId,
};
use crate::domain::time::UnixTime;
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
    pub active: bool,
}

/// A Key credential: a public key the identity signs user actions with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// Internal id, `cr-...`.
    pub credential_id: CredentialId,
    /// The id the client holds and sends back in its assertion.
    pub cred_id: CredId,
    pub public_key_pem: String,
    pub active: bool,
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
}

impl CallerRecord {
    pub fn active_credentials(&self) -> impl Iterator<Item = &Credential> {
        self.credentials.iter().filter(|c| c.active)
    }
}

/// Kind of a bearer token, from `app_metadata.tokenKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A user's login token (delegated or not).
    Token,
    /// A service account's long-lived token.
    ServiceAccount,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Token => "Token",
            TokenKind::ServiceAccount => "ServiceAccount",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "Token" => Some(TokenKind::Token),
            "ServiceAccount" => Some(TokenKind::ServiceAccount),
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
}
