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

    fn ops(list: &[&str]) -> HashSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    /// The operation a 403 names, or None for a pass.
    fn refused(result: Result<(), Error>) -> Option<String> {
        match result {
            Ok(()) => None,
            Err(Error::Forbidden { operation, .. }) => Some(operation),
            Err(other) => panic!("unexpected {other:?}"),
        }
    }

    /// The whole check for `capability` on a target of `kind`.
    fn decide(capability: Capability, granted: &[&str], kind: UserKind) -> Option<String> {
        let granted = ops(granted);
        refused(
            capability
                .check(&sa(), &granted)
                .and_then(|g| g.check_type(&sa(), &granted, kind)),
        )
    }

    const KINDS: [UserKind; 2] = [UserKind::EndUser, UserKind::CustomerEmployee];

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

    #[test]
    fn the_table_of_forms() {
        use Capability::*;
        let table: [(Capability, &[&str], bool, &[&str]); 8] = [
            (
                DelegatedLogin,
                &[USERS_READ, USERS_DELEGATE],
                true,
                &["Auth:Login:Delegated", "Auth:Delegated:Login"],
            ),
            (
                DelegatedRegistration,
                &[USERS_CREATE, USERS_DELEGATE],
                true,
                &["Auth:Register:Delegated", "Auth:Delegated:Register"],
            ),
            (CreateUser, &["Auth:Users:Create"], false, &[]),
            (ReadUsers, &["Auth:Users:Read"], false, &[]),
            (UpdateUser, &["Auth:Users:Update"], false, &[]),
            (
                ActivateUser,
                &["Auth:Users:Update"],
                true,
                &["Auth:Users:Activate"],
            ),
            (
                DeactivateUser,
                &["Auth:Users:Update"],
                true,
                &["Auth:Users:Deactivate"],
            ),
            (
                ArchiveUser,
                &["Auth:Users:Update"],
                true,
                &["Auth:Users:Delete"],
            ),
        ];
        assert_eq!(table.map(|row| row.0), Capability::ALL);
        for (capability, g1, typed, single) in table {
            assert_eq!(capability.g1_operations(), g1, "{capability:?}");
            assert_eq!(
                capability.g1_needs_type_operation(),
                typed,
                "{capability:?}"
            );
            assert_eq!(capability.single_operations(), single, "{capability:?}");
        }
    }

    #[test]
    fn every_capability_by_its_g1_form() {
        for capability in Capability::ALL {
            for kind in KINDS {
                let mut full: Vec<&str> = capability.g1_operations().to_vec();
                if capability.g1_needs_type_operation() {
                    full.push(type_operation(kind));
                }
                assert_eq!(decide(capability, &full, kind), None, "{capability:?}");
                // Without each operation in turn: refused, naming it (the
                // earlier ones being held, it is the first missing).
                for (i, missing) in full.iter().enumerate() {
                    let mut held = full.clone();
                    held.remove(i);
                    assert_eq!(
                        decide(capability, &held, kind).as_deref(),
                        Some(*missing),
                        "{capability:?} {kind:?} without {missing}"
                    );
                }
                // The other kind's type operation does not stand in.
                if capability.g1_needs_type_operation() {
                    let other = KINDS.into_iter().find(|k| *k != kind).unwrap();
                    let mut wrong = capability.g1_operations().to_vec();
                    wrong.push(type_operation(other));
                    assert_eq!(
                        decide(capability, &wrong, kind).as_deref(),
                        Some(type_operation(kind))
                    );
                }
            }
        }
    }

    #[test]
    fn every_capability_by_each_single_form_for_both_kinds() {
        for capability in Capability::ALL {
            for op in capability.single_operations() {
                let granted = ops(&[op]);
                let grant = capability.check(&sa(), &granted).unwrap();
                assert!(!grant.needs_type_check(), "{capability:?} {op}");
                for kind in KINDS {
                    assert_eq!(decide(capability, &[op], kind), None, "{capability:?} {op}");
                }
            }
        }
    }

    #[test]
    fn nothing_held_names_the_first_g1_operation() {
        for capability in Capability::ALL {
            for kind in KINDS {
                assert_eq!(
                    decide(capability, &[], kind).as_deref(),
                    Some(capability.g1_operations()[0]),
                    "{capability:?}"
                );
            }
        }
        assert_eq!(
            decide(Capability::DelegatedLogin, &[], UserKind::EndUser).as_deref(),
            Some(USERS_READ)
        );
    }

    #[test]
    fn forms_do_not_cross_capabilities() {
        // Delegated login's forms grant neither registration nor user updates.
        for op in [LOGIN_DELEGATED, DELEGATED_LOGIN] {
            assert_eq!(
                decide(Capability::DelegatedRegistration, &[op], UserKind::EndUser).as_deref(),
                Some(USERS_CREATE)
            );
            assert_eq!(
                decide(Capability::ActivateUser, &[op], UserKind::EndUser).as_deref(),
                Some(USERS_UPDATE)
            );
        }
        // Activation's form does not grant deactivation or archiving.
        for capability in [Capability::DeactivateUser, Capability::ArchiveUser] {
            assert_eq!(
                decide(capability, &[USERS_ACTIVATE], UserKind::EndUser).as_deref(),
                Some(USERS_UPDATE)
            );
        }
        // A G1 form with a G2 form beside it needs no type operation.
        let granted = ops(&[USERS_READ, USERS_DELEGATE, LOGIN_DELEGATED]);
        let grant = Capability::DelegatedLogin.check(&sa(), &granted).unwrap();
        assert!(!grant.needs_type_check());
    }

    #[test]
    fn g1_login_messages_are_unchanged() {
        let err = Capability::DelegatedLogin
            .check(&sa(), &ops(&[USERS_DELEGATE]))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "CustomerEmployee us-01jtb-imrht-edl9flkevj8gev5j is not authorized to perform operation (Auth:Users:Read)"
        );
        let granted = ops(&[USERS_READ, USERS_DELEGATE, TYPES_END_USER]);
        let grant = Capability::DelegatedLogin.check(&sa(), &granted).unwrap();
        assert!(grant.needs_type_check());
        let err = grant
            .check_type(&sa(), &granted, UserKind::CustomerEmployee)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "CustomerEmployee us-01jtb-imrht-edl9flkevj8gev5j is not authorized to perform operation (Auth:Types:Employee)"
        );
    }

    #[test]
    fn operation_names() {
        for ok in [
            "Auth:Users:Read",
            "Auth:Creds:Code:Create",
            "A:b",
            "Wallets:Read",
            &format!("A:{}", "b".repeat(MAX_OPERATION_LEN - 2)),
        ] {
            assert!(is_well_formed_operation(ok), "{ok}");
        }
        for bad in [
            "",
            "Auth",
            "Auth:",
            ":Users",
            "Auth::Read",
            "Auth:Users:Read:",
            "Auth:Users Read",
            " Auth:Users:Read",
            "Auth:Users:Read2",
            "Auth:Users-Read:X",
            "Auth:Üsers",
            "Auth:*",
            &format!("A:{}", "b".repeat(MAX_OPERATION_LEN - 1)),
        ] {
            assert!(!is_well_formed_operation(bad), "{bad:?}");
        }
    }

    #[test]
    fn a_malformed_operation_is_named() {
        assert_eq!(check_operation("Auth:Users:Read"), Ok(()));
        let err = check_operation("Auth:Users Read").unwrap_err();
        assert_eq!(
            err.to_string(),
            "operation \"Auth:Users Read\" is not well-formed: expected two or more ':'-separated segments of ASCII letters, at most 128 characters"
        );
        let long = "A:".repeat(1000);
        let shown = check_operation(&long).unwrap_err().to_string();
        assert!(shown.len() < 400, "{shown}");
        assert!(shown.contains("\"..."), "{shown}");
        // Control characters are escaped, never printed.
        let shown = check_operation("Auth:\u{1b}[31m").unwrap_err().to_string();
        assert!(!shown.contains('\u{1b}'), "{shown}");
    }

    proptest::proptest! {
        #[test]
        fn generated_names_follow_the_rule(segments in proptest::collection::vec("[A-Za-z]{1,12}", 2..6)) {
            let name = segments.join(":");
            proptest::prop_assert_eq!(is_well_formed_operation(&name), name.len() <= MAX_OPERATION_LEN);
        }

        #[test]
        fn any_string_is_judged_without_panic(name in "\\PC{0,140}") {
            let _ = is_well_formed_operation(&name);
        }
    }
}
