//! Limits per service account: source CIDRs and delegated logins per
//! minute, set through the operator CLI's library and its binary.

use std::os::unix::fs::PermissionsExt;

use delegated_login::admin::LimitsChange;
use futures::future::join_all;
use serde_json::json;

use crate::cli::{admin_tables, json};
use crate::support::*;

const LOGIN: &str = "/auth/login/delegated";
const SOURCE_REFUSED: &str = "source address not allowed for this service account";
const TOO_MANY: &str = "too many delegated logins for this service account";

fn cidrs(list: &[&str]) -> LimitsChange {
    LimitsChange {
        cidrs: Some(list.iter().map(|c| c.to_string()).collect()),
        ..LimitsChange::default()
    }
}

/// Waits, when needed, so that the next few seconds stay in one minute
/// window (a burst across two windows may pass twice the limit).
async fn away_from_window_edge() {
    let second = chrono::Utc::now().timestamp().rem_euclid(60);
    if second > 40 {
        tokio::time::sleep(std::time::Duration::from_secs((61 - second) as u64)).await;
    }
}

#[tokio::test]
async fn source_cidrs_allow_and_refuse() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let sa = &org.sa.info.user_id;
    let client = Client::new(&stack, &org.sa);

    // The harness's requests come from 127.0.0.1.
    for allowed in [&["127.0.0.0/8"][..], &["2001:db8::/32", "127.0.0.1/32"]] {
        stack.admin.set_limits(sa, &cidrs(allowed)).await.unwrap();
        let reply = client.delegated_login(&org.end_user).await;
        assert_eq!(reply.status, 200, "{allowed:?}: {reply:?}");
    }
    for refused in [&["203.0.113.0/24"][..], &["2001:db8::/32"], &["::1/128"]] {
        stack.admin.set_limits(sa, &cidrs(refused)).await.unwrap();
        let reply = client.delegated_login(&org.end_user).await;
        reply.assert_error(403, SOURCE_REFUSED);
        // The same answer for a user that does not exist: nothing leaks.
        client
            .delegated_login("nobody@example.co")
            .await
            .assert_error(403, SOURCE_REFUSED);
    }
    // A permission error still comes first (check 7 before 7a).
    let bare = stack.service_account(&org.org_id, KeyKind::P256, &[]).await;
    stack
        .admin
        .set_limits(&bare.info.user_id, &cidrs(&["203.0.113.0/24"]))
        .await
        .unwrap();
    let reply = Client::new(&stack, &bare)
        .delegated_login(&org.end_user)
        .await;
    assert_eq!(reply.status, 403);
    assert!(reply.message().contains("Auth:Users:Read"), "{reply:?}");

    let clear = LimitsChange {
        clear: true,
        ..LimitsChange::default()
    };
    let view = stack.admin.set_limits(sa, &clear).await.unwrap();
    assert!(view.cidrs.is_empty() && view.logins_per_minute.is_none());
    assert_eq!(client.delegated_login(&org.end_user).await.status, 200);
}

#[tokio::test]
async fn a_burst_of_64_against_a_limit_of_10_issues_exactly_10_tokens() {
    let stack = Stack::start().await;
    let org = stack.org(KeyKind::P256, &ALL_OPERATIONS).await;
    let limit = LimitsChange {
        logins_per_minute: Some(10),
        ..LimitsChange::default()
    };
    stack
        .admin
        .set_limits(&org.sa.info.user_id, &limit)
        .await
        .unwrap();
    let client = Client::new(&stack, &org.sa);
    let body = json!({ "username": org.end_user }).to_string();
    let mut actions = Vec::new();
    for _ in 0..64 {
        actions.push(client.user_action(LOGIN, &body).await);
    }
    away_from_window_edge().await;
    let bearer = client.bearer();
    let replies = join_all(actions.iter().map(|ua| {
        let nonce = nonce();
        let headers = [
            ("Authorization", bearer.clone()),
            ("X-DFNS-NONCE", nonce),
            ("X-DFNS-USERACTION", ua.clone()),
        ];
        let body = body.clone();
        let stack = &stack;
        async move {
            let headers: Vec<(&str, &str)> =
                headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            stack.send("POST", LOGIN, &headers, Some(&body)).await
        }
    }))
    .await;
    let issued = replies.iter().filter(|r| r.status == 200).count();
    assert_eq!(issued, 10, "{replies:?}");
    for r in replies.iter().filter(|r| r.status != 200) {
        r.assert_error(429, TOO_MANY);
        assert!(r.body.get("token").is_none());
    }
    // Another service account of the org has its own window.
    let other = stack
        .service_account(&org.org_id, KeyKind::P256, &ALL_OPERATIONS)
        .await;
    assert_eq!(
        Client::new(&stack, &other)
            .delegated_login(&org.end_user)
            .await
            .status,
        200
    );
}

#[test]
fn the_cli_sets_limits_and_writes_private_token_files() {
    let init = json(&admin_tables("init --create-key", &[]));
    let key_id = init["keyId"].as_str().unwrap().to_string();
    let org = json(&admin_tables("org create --name Limits-Org", &[]));
    let org_id = org["orgId"].as_str().unwrap().to_string();
    let signing = [
        ("SIGNING_KEY_ID", key_id.as_str()),
        ("TOKEN_ISSUER", ISSUER),
    ];
    let dir = std::env::temp_dir().join(format!("limits-{org_id}"));
    std::fs::create_dir_all(&dir).unwrap();
    let pem = dir.join("key.pub.pem");
    std::fs::write(&pem, TestKey::generate(KeyKind::Ed25519).public_pem()).unwrap();

    let token_file = dir.join("sa.token");
    let sa = json(&admin_tables(
        &format!(
            "service-account create --org {org_id} --name limited --public-key {} --token-out {}",
            pem.display(),
            token_file.display()
        ),
        &signing,
    ));
    assert!(sa.get("token").is_none(), "{sa}");
    assert_eq!(sa["tokenFile"], token_file.display().to_string());
    let meta = std::fs::metadata(&token_file).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let token = std::fs::read_to_string(&token_file).unwrap();
    assert_eq!(token.split('.').count(), 3, "a JWT");
    let sa_id = sa["userId"].as_str().unwrap().to_string();

    let second = dir.join("second.token");
    let again = json(&admin_tables(
        &format!(
            "token create --service-account {sa_id} --token-out {}",
            second.display()
        ),
        &signing,
    ));
    assert!(
        again.get("token").is_none() && again["tokenId"].is_string(),
        "{again}"
    );
    let meta = std::fs::metadata(&second).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    // An existing file is never overwritten, and nothing is issued.
    let exists = admin_tables(
        &format!(
            "token create --service-account {sa_id} --token-out {}",
            second.display()
        ),
        &signing,
    );
    assert!(!exists.status.success() && exists.stdout.is_empty());

    let set = json(&admin_tables(
        &format!(
            "service-account limits --service-account {sa_id} --cidrs 203.0.113.0/24,2001:db8::/32 --logins-per-minute 10"
        ),
        &[],
    ));
    assert_eq!(
        set,
        json!({"userId": sa_id, "cidrs": ["203.0.113.0/24", "2001:db8::/32"], "loginsPerMinute": 10})
    );
    // A flag not given keeps its value.
    let rate_only = json(&admin_tables(
        &format!("service-account limits --service-account {sa_id} --logins-per-minute 3"),
        &[],
    ));
    assert_eq!(
        rate_only["cidrs"],
        json!(["203.0.113.0/24", "2001:db8::/32"])
    );
    assert_eq!(rate_only["loginsPerMinute"], 3);
    let cleared = json(&admin_tables(
        &format!("service-account limits --service-account {sa_id} --clear"),
        &[],
    ));
    assert_eq!(
        cleared,
        json!({"userId": sa_id, "cidrs": [], "loginsPerMinute": null})
    );

    let user = json(&admin_tables(
        &format!("user create --org {org_id} --username limits@example.co --kind EndUser"),
        &[],
    ));
    let user_id = user["userId"].as_str().unwrap();
    for bad in [
        format!("service-account limits --service-account {sa_id} --cidrs 10.0.0.1/8"),
        format!("service-account limits --service-account {sa_id} --cidrs 300.0.0.0/8"),
        format!("service-account limits --service-account {sa_id} --logins-per-minute 0"),
        format!("service-account limits --service-account {user_id} --logins-per-minute 1"),
    ] {
        let out = admin_tables(&bad, &[]);
        assert!(!out.status.success(), "{bad}");
        assert!(out.stdout.is_empty(), "{bad}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
