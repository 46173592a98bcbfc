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
