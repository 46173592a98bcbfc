//! The audit trail: a record for each issued and refused delegated login,
//! registration, user lifecycle change and logout, with ids only, read back
//! through the operator CLI with its filters.

use delegated_login::admin::{AuditFilter, LimitsChange};
use serde_json::{json, Value};

use crate::cli::admin_tables;
use crate::support::*;

const LOGIN: &str = "/auth/login/delegated";
const OPERATIONS: [&str; 6] = [
    "Auth:Users:Read",
    "Auth:Users:Delegate",
    "Auth:Users:Create",
    "Auth:Users:Update",
    "Auth:Types:Employee",
    "Auth:Types:EndUser",
];

fn find<'a>(records: &'a [Value], event: &str, outcome: &str) -> Vec<&'a Value> {
    records
        .iter()
        .filter(|r| r["event"] == event && r["outcome"] == outcome)
        .collect()
}

#[tokio::test]
async fn every_outcome_leaves_a_record_and_no_secret() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &OPERATIONS).await;
    let sa_id = org.sa.info.user_id.clone();
    let sa = Client::new(&stack, &org.sa);
    let mut secrets = vec![org.sa.info.token.clone()];

    // Issued.
    let ok = sa.delegated_login(&org.end_user).await;
    assert_eq!(ok.status, 200, "{ok:?}");
    let token = ok.body["token"].as_str().unwrap().to_string();
    let (_, claims) = verify_with_jwks(&token, &stack.jwks().await);
    secrets.push(token);
    // Refused: an unknown user, then a source outside the account's CIDRs.
    sa.delegated_login("nobody@example.co")
        .await
        .assert_error(401, "User not found");
    let only = LimitsChange {
        cidrs: Some(vec!["203.0.113.0/24".into()]),
        ..LimitsChange::default()
    };
    stack.admin.set_limits(&sa_id, &only).await.unwrap();
    sa.delegated_login(&org.end_user)
        .await
        .assert_error(403, "source address not allowed for this service account");
    let clear = LimitsChange {
        clear: true,
        ..LimitsChange::default()
    };
    stack.admin.set_limits(&sa_id, &clear).await.unwrap();

    // Registration.
    let email = format!("audited-{}@example.co", &org.org_id[3..8]);
    let body = json!({"email": email, "kind": "EndUser"}).to_string();
    let started = sa
        .signed("POST", "/auth/registration/delegated", &body)
        .await;
    assert_eq!(started.status, 200, "{started:?}");
    let registered_id = started.body["user"]["id"].as_str().unwrap().to_string();
    secrets.push(
        started.body["temporaryAuthenticationToken"]
            .as_str()
            .unwrap()
            .to_string(),
    );

    // Lifecycle: create, deactivate.
    let created = sa
        .signed(
            "POST",
            "/auth/users",
            &json!({"email": format!("made-{}@example.co", &org.org_id[3..8]), "kind": "EndUser"})
                .to_string(),
        )
        .await;
    assert_eq!(created.status, 200, "{created:?}");
    let created_id = created.body["userId"].as_str().unwrap().to_string();
    let off = sa
        .signed("PUT", &format!("/auth/users/{created_id}/deactivate"), "{}")
        .await;
    assert_eq!(off.status, 200, "{off:?}");

    // Logout, by a delegated session of the employee.
    let session = stack.delegated_employee(&org, false).await;
    secrets.push(session.info.token.clone());
    let bearer = Client::new(&stack, &session).bearer();
    let n = nonce();
    let headers = [
        ("Authorization", bearer.as_str()),
        ("X-DFNS-NONCE", n.as_str()),
    ];
    let out = stack
        .send_without_content_type("PUT", "/auth/logout", &headers, None)
        .await;
    assert_eq!(out.status, 200, "{out:?}");

    let all = stack
        .admin
        .audit_list(&AuditFilter {
            org: &org.org_id,
            ..AuditFilter::default()
        })
        .await
        .unwrap();

    let issued = find(&all, "delegated_login", "issued");
    assert_eq!(issued.len(), 2, "{all:?}"); // the end user's and the employee's
    let first = issued[0];
    assert_eq!(first["actor"], sa_id);
    assert_eq!(first["target"], org.end_user_id);
    assert_eq!(first["jti"], claims["jti"]);
    // The credential that signed the user action the login spent.
    let signed_with = json!(org.sa.info.credential_id);
    assert_eq!(first["credential"], signed_with);
    assert_eq!(first["status"], 200);
    assert_eq!(first["sourceIp"], "127.0.0.1");
    assert_eq!(first["userAgent"], "tests");
    assert!(first["requestId"].is_string());

    let refused = find(&all, "delegated_login", "refused");
    let reasons: Vec<(&Value, &Value)> = refused
        .iter()
        .map(|r| (&r["reason"], &r["status"]))
        .collect();
    assert_eq!(
        reasons,
        [
            (&json!("user_not_found"), &json!(401)),
            (&json!("source_not_allowed"), &json!(403))
        ],
        "{refused:?}"
    );
    assert!(refused
        .iter()
        .all(|r| r["actor"] == sa_id && r.get("jti").is_none()));
    assert!(refused[1]["target"].is_null(), "refused before the lookup");
    // Both were refused after their user action was spent: it is named.
    assert!(refused.iter().all(|r| r["credential"] == signed_with));

    let reg = find(&all, "registration_start", "done");
    assert_eq!(reg.len(), 1, "{all:?}");
    assert_eq!(
        (&reg[0]["actor"], &reg[0]["target"]),
        (&json!(sa_id), &json!(registered_id))
    );
    assert_eq!(reg[0]["credential"], signed_with);
    let made = find(&all, "user_create", "done");
    assert_eq!(made.len(), 1, "{all:?}");
    assert_eq!(made[0]["target"], created_id);
    assert_eq!(made[0]["credential"], signed_with);
    let deactivated = find(&all, "user_deactivate", "done");
    assert_eq!(deactivated.len(), 1, "{all:?}");
    assert_eq!(deactivated[0]["target"], created_id);
    let logout = find(&all, "logout", "done");
    assert_eq!(logout.len(), 1, "{all:?}");
    assert_eq!(
        (&logout[0]["actor"], &logout[0]["target"]),
        (&json!(org.employee_id), &json!(org.employee_id))
    );
    // Oldest first.
    let times: Vec<&str> = all.iter().map(|r| r["at"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted);

    // Ids, addresses and labels only.
    let text = serde_json::to_string(&all).unwrap();
    for secret in &secrets {
        assert!(
            !text.contains(secret.as_str()),
            "a secret in the audit trail"
        );
    }
    assert!(!text.contains("eyJ"), "no JWT of any kind: {text}");

    // The CLI: JSON lines, filtered by actor, target and time.
    let lines = |args: &str| -> Vec<Value> {
        let out = admin_tables(&format!("audit list --org {} {args}", org.org_id), &[]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
            .collect()
    };
    assert_eq!(lines(""), all);
    let by_target = lines(&format!("--target {}", org.end_user_id));
    assert_eq!(by_target.len(), 1, "{by_target:?}");
    assert_eq!(by_target[0]["jti"], claims["jti"]);
    let by_actor = lines(&format!("--actor {}", org.employee_id));
    assert_eq!(by_actor.len(), 1, "{by_actor:?}");
    assert_eq!(by_actor[0]["event"], "logout");
    let both = lines(&format!("--actor {sa_id} --target {created_id}"));
    assert_eq!(both.len(), 2, "{both:?}");
    let since = lines(&format!("--since {}", logout[0]["at"].as_str().unwrap()));
    assert_eq!(since.len(), 1, "{since:?}");
    assert!(lines("--since 2999-01-01T00:00:00Z").is_empty());
    assert!(
        lines(&format!(
            "--actor {sa_id} --since 2000-01-01T00:00:00+02:00"
        ))
        .len()
            >= 6
    );
    let bad = admin_tables(
        &format!("audit list --org {} --since yesterday", org.org_id),
        &[],
    );
    assert!(!bad.status.success() && bad.stdout.is_empty());
}

#[tokio::test]
async fn a_refusal_before_the_caller_is_known_is_not_filed_under_any_org() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &OPERATIONS).await;
    let n = nonce();
    let reply = stack
        .send(
            "POST",
            LOGIN,
            &[
                ("Authorization", "Bearer not-a-token"),
                ("X-DFNS-NONCE", &n),
            ],
            Some(r#"{"username":"x"}"#),
        )
        .await;
    reply.assert_error(401, "Not Authorized.");
    let all = stack
        .admin
        .audit_list(&AuditFilter {
            org: &org.org_id,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert!(all.is_empty(), "{all:?}");
}
