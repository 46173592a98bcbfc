//! The users API over moto: create, list, get, update, activate,
//! deactivate, archive; org scoping; permissions in their generations;
//! the SDKs' body and query conventions.

use serde_json::{json, Value};

use crate::support::*;

const USERS_OPS: [&str; 6] = [
    "Auth:Users:Read",
    "Auth:Users:Delegate",
    "Auth:Users:Create",
    "Auth:Users:Update",
    "Auth:Types:Employee",
    "Auth:Types:EndUser",
];

async fn org_with_users_ops(stack: &Stack) -> Org {
    stack.org(KeyKind::P256, &USERS_OPS).await
}

fn create_body(email: &str, kind: &str) -> String {
    json!({ "email": email, "kind": kind }).to_string()
}

#[tokio::test]
async fn create_then_get_a_user_object() {
    let stack = Stack::start().await;
    let org = org_with_users_ops(&stack).await;
    let sa = Client::new(&stack, &org.sa);
    let email = format!("new-{}@example.co", &org.org_id[3..8]);
    let body = json!({ "email": email, "kind": "EndUser", "externalId": "ext-1" }).to_string();
    let created = sa.signed("POST", "/auth/users", &body).await;
    assert_eq!(created.status, 200, "{created:?}");
    let user = &created.body;
    let id = user["userId"].as_str().unwrap();
    assert!(id.starts_with("us-"));
    for (field, expected) in [
        ("username", json!(email)),
        ("name", json!(email)),
        ("kind", json!("EndUser")),
        ("orgId", json!(org.org_id)),
        ("credentialUuid", json!("")),
        ("isActive", json!(true)),
        ("isServiceAccount", json!(false)),
        ("isRegistered", json!(false)),
        ("isSSORequired", json!(false)),
        ("externalId", json!("ext-1")),
        ("permissionAssignments", json!([])),
    ] {
        assert_eq!(user[field], expected, "{field}: {user}");
    }
    let got = sa.call("GET", &format!("/auth/users/{id}"), None).await;
    assert_eq!(got.status, 200, "{got:?}");
    assert_eq!(&got.body, user);

    // A user without assignments lists none.
    let sa_view = sa
        .call("GET", &format!("/auth/users/{}", org.employee_id), None)
        .await;
    assert_eq!(sa_view.body["permissionAssignments"], json!([]));

    // Taken usernames, unsupported fields, bad kinds.
    sa.signed("POST", "/auth/users", &body)
        .await
        .assert_error(400, "User already exists.");
    let direct = json!({ "email": "d@example.co", "kind": "EndUser", "registration": "Direct" });
    sa.signed("POST", "/auth/users", &direct.to_string())
        .await
        .assert_error(400, "direct registration is not supported");
    let with_key = json!({ "email": "k@example.co", "kind": "EndUser", "publicKey": "pem" });
    sa.signed("POST", "/auth/users", &with_key.to_string())
        .await
        .assert_error(400, "publicKey is not supported");
    sa.signed("POST", "/auth/users", &create_body("r@example.co", "Robot"))
        .await
        .assert_error(400, "kind must be one of CustomerEmployee, EndUser");
    // A write without a user action.
    sa.call(
        "POST",
        "/auth/users",
        Some(&create_body("x@example.co", "EndUser")),
    )
    .await
    .assert_error(403, "user action signature is missing or invalid");
}

#[tokio::test]
async fn ids_of_other_orgs_and_service_accounts_are_not_found() {
    let stack = Stack::start().await;
    let org = org_with_users_ops(&stack).await;
    let other = org_with_users_ops(&stack).await;
    let sa = Client::new(&stack, &org.sa);
    for id in [
        other.end_user_id.as_str(),
        org.sa.info.user_id.as_str(),
        "us-00000-00000-0000000000000000",
        "not-an-id",
    ] {
        sa.call("GET", &format!("/auth/users/{id}"), None)
            .await
            .assert_error(404, "User not found");
        sa.signed("PUT", &format!("/auth/users/{id}/deactivate"), "{}")
            .await
            .assert_error(404, "User not found");
    }
    // The other org's user is untouched.
    let theirs = Client::new(&stack, &other.sa)
        .call("GET", &format!("/auth/users/{}", other.end_user_id), None)
        .await;
    assert_eq!(theirs.body["isActive"], true);
}

#[tokio::test]
async fn lists_page_by_page_within_the_org() {
    let stack = Stack::start().await;
    let org = org_with_users_ops(&stack).await;
    let other = org_with_users_ops(&stack).await;
    let sa = Client::new(&stack, &org.sa);
    for n in 0..3 {
        let r = sa
            .signed(
                "POST",
                "/auth/users",
                &create_body(&format!("page-{n}@example.co"), "EndUser"),
            )
            .await;
        assert_eq!(r.status, 200, "{r:?}");
    }
    // 5 users: the org's end user and employee, and three more.
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let path = match &token {
            Some(t) => format!("/auth/users?limit=2&paginationToken={t}"),
            None => "/auth/users?limit=2".to_string(),
        };
        let page = sa.call("GET", &path, None).await;
        assert_eq!(page.status, 200, "{page:?}");
        let items = page.body["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(
            items
                .iter()
                .map(|u| u["username"].as_str().unwrap().to_string()),
        );
        match page.body.get("nextPageToken").and_then(Value::as_str) {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
        assert!(seen.len() < 20, "pagination does not end");
    }
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted, "username order");
    assert_eq!(seen.len(), 5, "{seen:?}");
    assert!(!seen.iter().any(|u| u.contains(&other.org_id[3..8])));

    let ends = sa.call("GET", "/auth/users?kind=EndUser", None).await;
    let kinds: Vec<&Value> = ends.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| &u["kind"])
        .collect();
    assert_eq!(kinds.len(), 4);
    assert!(kinds.iter().all(|k| *k == "EndUser"));
    // Python encodes a list as its repr.
    sa.call("GET", "/auth/users?kind=%5B%27EndUser%27%5D", None)
        .await
        .assert_error(400, "kind must be one of CustomerEmployee, EndUser");
    sa.call("GET", "/auth/users?limit=0", None)
        .await
        .assert_error(400, "limit must be a whole number from 1 to 200");
    // A page token of another org is refused.
    let first = sa.call("GET", "/auth/users?limit=1", None).await;
    let t = first.body["nextPageToken"].as_str().unwrap();
    Client::new(&stack, &other.sa)
        .call("GET", &format!("/auth/users?paginationToken={t}"), None)
        .await
        .assert_error(400, "paginationToken is not valid");
}

#[tokio::test]
async fn deactivation_ends_tokens_for_good_and_activation_lets_new_ones_in() {
    let stack = Stack::start().await;
    let org = org_with_users_ops(&stack).await;
    let sa = Client::new(&stack, &org.sa);
    let employee = stack.delegated_employee(&org, true).await;
    let as_employee = Client::new(&stack, &employee);
    let path = format!("/auth/users/{}", org.employee_id);

    // TS: `{}` signed and sent; Python: `""` signed, no body, `force=True`.
    let off = sa.signed("PUT", &format!("{path}/deactivate"), "{}").await;
    assert_eq!(off.status, 200, "{off:?}");
    assert_eq!(off.body["isActive"], false);
    as_employee
        .call("POST", "/auth/action/init", Some("{}"))
        .await
        .assert_error(401, "Not Authorized.");
    sa.delegated_login(&org.employee)
        .await
        .assert_error(400, "User account has been deactivated.");
    // Idempotent.
    let again = sa
        .signed_python("PUT", &format!("{path}/deactivate?force=True"))
        .await;
    assert_eq!(again.status, 200, "{again:?}");

    let on = sa.signed_python("PUT", &format!("{path}/activate")).await;
    assert_eq!(on.status, 200, "{on:?}");
    assert_eq!(on.body["isActive"], true);
    // The old token stays dead; a new login works at once.
    as_employee
        .call("POST", "/auth/action/init", Some("{}"))
        .await
        .assert_error(401, "Not Authorized.");
    let fresh = sa.delegated_login(&org.employee).await;
    assert_eq!(fresh.status, 200, "{fresh:?}");

    // Update echoes isSSORequired.
    let updated = sa
        .signed("PUT", &path, &json!({ "isSSORequired": true }).to_string())
        .await;
    assert_eq!(updated.status, 200, "{updated:?}");
    assert_eq!(updated.body["isSSORequired"], true);
    sa.signed("PUT", &path, r#"{"isSSORequired":"yes-please"}"#)
        .await
        .assert_error(400, "isSSORequired must be a boolean");
}

#[tokio::test]
async fn archived_users_are_gone_but_readable() {
    let stack = Stack::start().await;
    let org = org_with_users_ops(&stack).await;
    let sa = Client::new(&stack, &org.sa);
    let path = format!("/auth/users/{}", org.end_user_id);
    // Python's DELETE: signs "", sends no body.
    let gone = sa.signed_python("DELETE", &path).await;
    assert_eq!(gone.status, 200, "{gone:?}");
    assert_eq!(gone.body["isActive"], false);
    let read = sa.call("GET", &path, None).await;
    assert_eq!(read.status, 200, "{read:?}");
    sa.signed("PUT", &format!("{path}/activate"), "{}")
        .await
        .assert_error(404, "User not found");
    sa.signed("DELETE", &path, "{}")
        .await
        .assert_error(404, "User not found");
    sa.delegated_login(&org.end_user)
        .await
        .assert_error(401, "User not found");
    let listed = sa.call("GET", "/auth/users", None).await;
    assert!(!listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["userId"] == org.end_user_id.as_str()));
    // The username stays taken.
    sa.signed(
        "POST",
        "/auth/users",
        &create_body(&org.end_user, "EndUser"),
    )
    .await
    .assert_error(400, "User already exists.");
}

#[tokio::test]
async fn permissions_in_every_generation() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &[]).await;
    let other_sa = |ops: &'static [&'static str]| {
        let stack = &stack;
        let org_id = org.org_id.clone();
        async move { stack.service_account(&org_id, KeyKind::P256, ops).await }
    };
    let path = format!("/auth/users/{}", org.end_user_id);

    // Nothing: the first operation of the oldest form is named.
    let none = other_sa(&[]).await;
    let c = Client::new(&stack, &none);
    let msg = |op: &str| {
        format!(
            "CustomerEmployee {} is not authorized to perform operation ({op})",
            none.info.user_id
        )
    };
    c.call("GET", "/auth/users", None)
        .await
        .assert_error(403, &msg("Auth:Users:Read"));
    c.signed("PUT", &format!("{path}/deactivate"), "{}")
        .await
        .assert_error(403, &msg("Auth:Users:Update"));

    // The oldest form needs the target's type operation, after the lookup.
    let g1 = other_sa(&["Auth:Users:Update", "Auth:Types:Employee"]).await;
    let c = Client::new(&stack, &g1);
    c.signed("PUT", &format!("{path}/deactivate"), "{}")
        .await
        .assert_error(
            403,
            &format!(
                "CustomerEmployee {} is not authorized to perform operation (Auth:Types:EndUser)",
                g1.info.user_id
            ),
        );
    c.signed(
        "PUT",
        "/auth/users/us-00000-00000-0000000000000000/deactivate",
        "{}",
    )
    .await
    .assert_error(404, "User not found");

    // The newer single operations carry no target-kind condition.
    let g2 = other_sa(&["Auth:Users:Deactivate", "Auth:Users:Activate"]).await;
    let c = Client::new(&stack, &g2);
    let off = c.signed("PUT", &format!("{path}/deactivate"), "{}").await;
    assert_eq!(off.status, 200, "{off:?}");
    let on = c.signed("PUT", &format!("{path}/activate"), "{}").await;
    assert_eq!(on.status, 200, "{on:?}");
    c.signed("DELETE", &path, "{}").await.assert_error(
        403,
        &format!(
            "CustomerEmployee {} is not authorized to perform operation (Auth:Users:Update)",
            g2.info.user_id
        ),
    );
}

#[tokio::test]
async fn employees_may_manage_users_but_not_themselves_and_end_users_may_not() {
    let stack = Stack::start().await;
    let org = org_with_users_ops(&stack).await;
    // The employee holds the users operations too.
    let ops: Vec<String> = USERS_OPS.iter().map(|s| s.to_string()).collect();
    let pm = stack
        .admin
        .create_permission(&org.org_id, "users", &ops)
        .await
        .unwrap();
    stack
        .admin
        .assign_permission(&pm, &org.employee_id)
        .await
        .unwrap();
    let employee = stack.delegated_employee(&org, true).await;
    let e = Client::new(&stack, &employee);
    let listed = e.call("GET", "/auth/users", None).await;
    assert_eq!(listed.status, 200, "{listed:?}");
    let me = e
        .call("GET", &format!("/auth/users/{}", org.employee_id), None)
        .await;
    assert_eq!(
        me.body["permissionAssignments"][0]["permissionName"],
        "users"
    );
    assert_eq!(
        me.body["permissionAssignments"][0]["permissionId"],
        pm.as_str()
    );
    e.signed(
        "PUT",
        &format!("/auth/users/{}/deactivate", org.employee_id),
        "{}",
    )
    .await
    .assert_error(400, "an identity cannot change its own state");
    let off = e
        .signed(
            "PUT",
            &format!("/auth/users/{}/deactivate", org.end_user_id),
            "{}",
        )
        .await;
    assert_eq!(off.status, 200, "{off:?}");

    // An end user, logged in by delegation, is refused.
    let reply = Client::new(&stack, &org.sa)
        .delegated_login(&org.end_user)
        .await;
    assert_eq!(reply.status, 400, "deactivated just now: {reply:?}");
    let on = Client::new(&stack, &org.sa)
        .signed(
            "PUT",
            &format!("/auth/users/{}/activate", org.end_user_id),
            "{}",
        )
        .await;
    assert_eq!(on.status, 200, "{on:?}");
    let login = Client::new(&stack, &org.sa)
        .delegated_login(&org.end_user)
        .await;
    let end_user = Account {
        info: delegated_login::admin::ServiceAccount {
            user_id: org.end_user_id.clone(),
            credential_id: String::new(),
            cred_id: String::new(),
            token_id: String::new(),
            token: login.body["token"].as_str().unwrap().to_string(),
        },
        key: TestKey::generate(KeyKind::P256),
    };
    Client::new(&stack, &end_user)
        .call("GET", "/auth/users", None)
        .await
        .assert_error(
            403,
            &format!(
                "EndUser {} is not authorized to perform operation (Auth:Users:Read)",
                org.end_user_id
            ),
        );
}
