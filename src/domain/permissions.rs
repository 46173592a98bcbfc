//! The operations delegated login needs.

use std::collections::HashSet;

use crate::domain::model::{Identity, UserKind};
use crate::error::Error;

pub const USERS_READ: &str = "Auth:Users:Read";
pub const USERS_DELEGATE: &str = "Auth:Users:Delegate";
pub const TYPES_EMPLOYEE: &str = "Auth:Types:Employee";
pub const TYPES_END_USER: &str = "Auth:Types:EndUser";

/// The operation needed to act on a user of `kind`.
pub fn type_operation(kind: UserKind) -> &'static str {
    match kind {
        UserKind::CustomerEmployee => TYPES_EMPLOYEE,
        UserKind::EndUser => TYPES_END_USER,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{OrgId, UserId};
    use crate::domain::username::Username;

    fn sa() -> Identity {
        let mut sa = Identity::new(
            OrgId::parse("or-01jtb-imrht-edl9flkevj8gev5j").unwrap(),
            Username::parse("sa").unwrap(),
            UserKind::CustomerEmployee,
            true,
        );
        sa.user_id = UserId::parse("us-01jtb-imrht-edl9flkevj8gev5j").unwrap();
        sa
    }

    #[test]
    fn names_the_first_missing_operation() {
        let granted: HashSet<String> = [USERS_DELEGATE.to_string()].into();
        let err = require(&sa(), &granted, &[USERS_READ, USERS_DELEGATE]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "CustomerEmployee us-01jtb-imrht-edl9flkevj8gev5j is not authorized to perform operation (Auth:Users:Read)"
        );
        let granted: HashSet<String> = [USERS_READ.to_string(), USERS_DELEGATE.to_string()].into();
        assert_eq!(
            require(&sa(), &granted, &[USERS_READ, USERS_DELEGATE]),
            Ok(())
        );
    }

    #[test]
    fn type_operation_follows_target_kind() {
        assert_eq!(type_operation(UserKind::EndUser), TYPES_END_USER);
        assert_eq!(type_operation(UserKind::CustomerEmployee), TYPES_EMPLOYEE);
    }
}
