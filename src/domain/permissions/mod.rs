//! Operations and the capabilities they grant.
//!
//! Dfns renamed its operations twice, so each capability is granted by any
//! of its generations' forms: the oldest (G1) is a list of target-independent
//! operations, plus, for some capabilities, a type operation that depends on
//! the target's kind; the newer two (G2, G3) are one operation each, with no
//! target-kind condition. The capability is checked, not the string.

use std::collections::HashSet;

use crate::domain::model::{Identity, UserKind};
use crate::error::Error;

pub const USERS_READ: &str = "Auth:Users:Read";
pub const USERS_DELEGATE: &str = "Auth:Users:Delegate";
pub const USERS_CREATE: &str = "Auth:Users:Create";
pub const USERS_UPDATE: &str = "Auth:Users:Update";
pub const TYPES_EMPLOYEE: &str = "Auth:Types:Employee";
pub const TYPES_END_USER: &str = "Auth:Types:EndUser";
pub const LOGIN_DELEGATED: &str = "Auth:Login:Delegated";
pub const DELEGATED_LOGIN: &str = "Auth:Delegated:Login";
pub const REGISTER_DELEGATED: &str = "Auth:Register:Delegated";
pub const DELEGATED_REGISTER: &str = "Auth:Delegated:Register";
pub const USERS_ACTIVATE: &str = "Auth:Users:Activate";
pub const USERS_DEACTIVATE: &str = "Auth:Users:Deactivate";
pub const USERS_DELETE: &str = "Auth:Users:Delete";
/// Token introspection (RFC 7662), for service accounts only.
pub const TOKENS_INTROSPECT: &str = "Auth:Tokens:Introspect";

/// Longest operation name a permission may hold.
pub const MAX_OPERATION_LEN: usize = 128;

/// The operation needed to act on a user of `kind`.
pub fn type_operation(kind: UserKind) -> &'static str {
    match kind {
        UserKind::CustomerEmployee => TYPES_EMPLOYEE,
        UserKind::EndUser => TYPES_END_USER,
    }
}

/// What a caller may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    DelegatedLogin,
    DelegatedRegistration,
    CreateUser,
    ReadUsers,
    UpdateUser,
    ActivateUser,
    DeactivateUser,
    ArchiveUser,
}

impl Capability {
    pub const ALL: [Capability; 8] = [
        Capability::DelegatedLogin,
        Capability::DelegatedRegistration,
        Capability::CreateUser,
        Capability::ReadUsers,
        Capability::UpdateUser,
        Capability::ActivateUser,
        Capability::DeactivateUser,
        Capability::ArchiveUser,
    ];

    /// The G1 form's target-independent operations, in the order they are checked.
    pub fn g1_operations(self) -> &'static [&'static str] {
        match self {
            Capability::DelegatedLogin => &[USERS_READ, USERS_DELEGATE],
            Capability::DelegatedRegistration => &[USERS_CREATE, USERS_DELEGATE],
            Capability::CreateUser => &[USERS_CREATE],
            Capability::ReadUsers => &[USERS_READ],
            Capability::UpdateUser
            | Capability::ActivateUser
            | Capability::DeactivateUser
            | Capability::ArchiveUser => &[USERS_UPDATE],
        }
    }

    /// Whether the G1 form also needs the type operation of the target's kind.
    pub fn g1_needs_type_operation(self) -> bool {
        match self {
            Capability::DelegatedLogin
            | Capability::DelegatedRegistration
            | Capability::ActivateUser
            | Capability::DeactivateUser
            | Capability::ArchiveUser => true,
            Capability::CreateUser | Capability::ReadUsers | Capability::UpdateUser => false,
        }
    }

    /// The G2 and G3 forms: one operation each, no target-kind condition.
    /// Empty where every generation uses the G1 form.
    pub fn single_operations(self) -> &'static [&'static str] {
        match self {
            Capability::DelegatedLogin => &[LOGIN_DELEGATED, DELEGATED_LOGIN],
            Capability::DelegatedRegistration => &[REGISTER_DELEGATED, DELEGATED_REGISTER],
            Capability::ActivateUser => &[USERS_ACTIVATE],
            Capability::DeactivateUser => &[USERS_DEACTIVATE],
            Capability::ArchiveUser => &[USERS_DELETE],
            Capability::CreateUser | Capability::ReadUsers | Capability::UpdateUser => &[],
        }
    }

    /// The target-independent check. A G2/G3 form grants the capability
    /// whole; otherwise the G1 operations must all be held (else 403 naming
    /// the first missing one), and the returned grant may still need the
    /// type operation once the target is known.
    pub fn check(self, identity: &Identity, granted: &HashSet<String>) -> Result<Grant, Error> {
        if self
            .single_operations()
            .iter()
            .any(|op| granted.contains(*op))
        {
            return Ok(Grant {
                needs_type_check: false,
            });
        }
        require(identity, granted, self.g1_operations())?;
        Ok(Grant {
            needs_type_check: self.g1_needs_type_operation(),
        })
    }
}

/// A capability's target-independent part, granted. When it came from the
/// G1 form, the type operation is still to be checked after the lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "the type operation may still need checking"]
pub struct Grant {
    needs_type_check: bool,
}

impl Grant {
    pub fn needs_type_check(self) -> bool {
        self.needs_type_check
    }

    /// The type operation for a target of `kind`, when the G1 form needs it;
    /// else 403 naming it.
    pub fn check_type(
        self,
        identity: &Identity,
        granted: &HashSet<String>,
        kind: UserKind,
    ) -> Result<(), Error> {
        if self.needs_type_check {
            require(identity, granted, &[type_operation(kind)])
        } else {
            Ok(())
        }
    }
}

/// Ok when `granted` holds each of `needed`; else 403 naming the first missing one.
pub fn require(
    identity: &Identity,
    granted: &HashSet<String>,
    needed: &[&str],
) -> Result<(), Error> {
    match needed.iter().find(|op| !granted.contains(**op)) {
        None => Ok(()),
        Some(missing) => Err(forbidden(identity, missing)),
    }
}

/// The contract's 403 for `identity` and `operation`.
pub fn forbidden(identity: &Identity, operation: &str) -> Error {
    Error::Forbidden {
        caller_kind: identity.kind.as_str().to_string(),
        caller_id: identity.user_id.to_string(),
        operation: operation.to_string(),
    }
}

/// Whether `operation` is a well-formed operation name: two or more
/// `:`-separated segments of ASCII letters, at most 128 characters. Names
/// this service does not know are accepted (the SDK enums grow every release).
pub fn is_well_formed_operation(operation: &str) -> bool {
    operation.len() <= MAX_OPERATION_LEN
        && operation.split(':').count() >= 2
        && operation
            .split(':')
            .all(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphabetic()))
}

/// An operation name a permission may not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("operation {shown} is not well-formed: expected two or more ':'-separated segments of ASCII letters, at most {MAX_OPERATION_LEN} characters")]
pub struct MalformedOperation {
    /// The name as given, quoted and escaped, cut to a readable length.
    shown: String,
}

/// The rule permission creation applies to each operation name.
pub fn check_operation(operation: &str) -> Result<(), MalformedOperation> {
    if is_well_formed_operation(operation) {
        return Ok(());
    }
    let mut cut: String = operation.chars().take(MAX_OPERATION_LEN).collect();
    let more = cut.len() < operation.len();
    cut = format!("{cut:?}");
    if more {
        cut.push_str("...");
    }
    Err(MalformedOperation { shown: cut })
}

#[cfg(test)]
mod tests;
