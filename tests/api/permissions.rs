//! Permission generations: delegated login is granted by its G1 form
//! (`Auth:Users:Read` + `Auth:Users:Delegate` + the type operation of the
//! target's kind), or by `Auth:Login:Delegated` (G2) or `Auth:Delegated:Login`
//! (G3) alone; refusals name the first missing G1 operation.

use delegated_login::admin::AdminError;

use crate::support::*;

const G2: &str = "Auth:Login:Delegated";
const G3: &str = "Auth:Delegated:Login";

fn forbidden(caller: &str, operation: &str) -> String {
    format!("CustomerEmployee {caller} is not authorized to perform operation ({operation})")
}

#[tokio::test]
async fn each_generation_grants_delegated_login_for_both_kinds() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &[]).await;
    let jwks = stack.jwks().await;
    for ops in [&[G3][..], &[G2], &ALL_OPERATIONS] {
        let sa = stack.service_account(&org.org_id, KeyKind::P256, ops).await;
        let client = Client::new(&stack, &sa);
        for (username, user_id) in [
            (&org.end_user, &org.end_user_id),
            (&org.employee, &org.employee_id),
        ] {
            let reply = client.delegated_login(username).await;
            assert_eq!(reply.status, 200, "{ops:?} {username}: {reply:?}");
            let (_, claims) = verify_with_jwks(reply.body["token"].as_str().unwrap(), &jwks);
            assert_eq!(
                claims["https://custom/app_metadata"]["userId"],
                user_id.as_str()
            );
            assert_eq!(claims["act"]["sub"], sa.info.user_id.as_str());
        }
    }
}

#[tokio::test]
async fn refusals_name_the_first_missing_g1_operation() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &[]).await;
    let (read, delegate) = ("Auth:Users:Read", "Auth:Users:Delegate");
    let (employee_op, end_user_op) = ("Auth:Types:Employee", "Auth:Types:EndUser");
    // (operations held, answer for the EndUser, answer for the CustomerEmployee):
    // None is a 200, Some(op) a 403 naming op.
    let cases: [(&[&str], Option<&str>, Option<&str>); 8] = [
        (&[], Some(read), Some(read)),
        (&[delegate], Some(read), Some(read)),
        (&[read], Some(delegate), Some(delegate)),
        (&[employee_op, end_user_op], Some(read), Some(read)),
        (&[read, delegate], Some(end_user_op), Some(employee_op)),
        (&[read, delegate, end_user_op], None, Some(employee_op)),
        (&[read, delegate, employee_op], Some(end_user_op), None),
        // Newer forms of other capabilities do not grant this one.
        (
            &[
                "Auth:Delegated:Register",
                "Auth:Register:Delegated",
                "Auth:Users:Activate",
            ],
            Some(read),
            Some(read),
        ),
    ];
    for (ops, end_user, employee) in cases {
        let sa = stack.service_account(&org.org_id, KeyKind::P256, ops).await;
        let client = Client::new(&stack, &sa);
        for (username, expected) in [(&org.end_user, end_user), (&org.employee, employee)] {
            let reply = client.delegated_login(username).await;
            match expected {
                None => assert_eq!(reply.status, 200, "{ops:?} {username}: {reply:?}"),
                Some(op) => reply.assert_error(403, &forbidden(&sa.info.user_id, op)),
            }
        }
    }
}

#[tokio::test]
async fn a_newer_form_keeps_the_order_of_the_other_checks() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    for op in [G2, G3] {
        let sa = stack
            .service_account(&org.org_id, KeyKind::P256, &[op])
            .await;
        let client = Client::new(&stack, &sa);
        // The lookup and the target's state still answer after it.
        client
            .delegated_login("nobody@example.co")
            .await
            .assert_error(401, "User not found");
        // A user action is still needed before the permissions are looked at.
        let body = serde_json::json!({ "username": org.end_user }).to_string();
        client
            .post("/auth/login/delegated", &body, &[])
            .await
            .assert_error(403, "user action signature is missing or invalid");
    }
    // Step 10 still answers for a holder of a newer form.
    let sa = stack
        .service_account(&org.org_id, KeyKind::P256, &[G3])
        .await;
    stack.admin.deactivate_user(&org.end_user_id).await.unwrap();
    Client::new(&stack, &sa)
        .delegated_login(&org.end_user)
        .await
        .assert_error(400, "User account has been deactivated.");

    // Step 6: a user's token holding a newer form is still not a service account's.
    let employee = stack.delegated_employee(&org, true).await;
    let pm = stack
        .admin
        .create_permission(&org.org_id, "newer", &[G2.to_string(), G3.to_string()])
        .await
        .unwrap();
    stack
        .admin
        .assign_permission(&pm, &org.employee_id)
        .await
        .unwrap();
    Client::new(&stack, &employee)
        .delegated_login(&org.employee)
        .await
        .assert_error(403, &forbidden(&org.employee_id, "Auth:Users:Delegate"));
}

#[tokio::test]
async fn permissions_accept_any_well_formed_operation_name() {
    let stack = Stack::start().await;
    let org_id = stack.admin.create_org("names").await.unwrap();
    let ops = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    // Names this service does not check are stored: the SDK enums grow.
    stack
        .admin
        .create_permission(
            &org_id,
            "newer",
            &ops(&["Auth:Creds:Code:Create", G2, G3, "Wallets:Read"]),
        )
        .await
        .expect("well-formed names");
    let too_long = format!("Auth:{}", "A".repeat(124));
    for bad in [
        "Auth",
        "Auth:",
        "Auth::Read",
        "Auth:Users:Read2",
        "Auth:Users Read",
        "Auth:*",
        too_long.as_str(),
    ] {
        let err = stack
            .admin
            .create_permission(&org_id, "bad", &ops(&["Auth:Users:Read", bad]))
            .await
            .unwrap_err();
        // Named, quoted, and cut at 128 characters.
        let shown = match bad.get(..128) {
            Some(cut) if cut.len() < bad.len() => format!("{cut:?}..."),
            _ => format!("{bad:?}"),
        };
        match err {
            AdminError::Invalid(message) => {
                assert!(message.contains(&shown), "{bad}: {message}");
            }
            other => panic!("{bad}: {other:?}"),
        }
    }
    // 128 characters is the most.
    let longest = format!("Auth:{}", "A".repeat(123));
    assert_eq!(longest.len(), 128);
    stack
        .admin
        .create_permission(&org_id, "longest", &ops(&[&longest]))
        .await
        .expect("128 characters");
}
