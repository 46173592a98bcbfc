//! The operator CLI as an operator runs it: JSON on stdout, a message on
//! stderr and a non-zero exit on bad input.

use std::process::{Command, Output};

use crate::support::*;

/// Runs the CLI with the moto backend; `command` is split on whitespace.
fn admin(command: &str, env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_delegated-login-admin"))
        .args(command.split_whitespace())
        .envs(env.iter().copied())
        .env("AWS_ENDPOINT_URL", moto::endpoint())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env_remove("DIRECTORY_TABLE")
        .env_remove("REPLAY_TABLE")
        .output()
        .expect("admin binary runs")
}

/// The same, naming the tests' tables.
pub(crate) fn admin_tables(command: &str, env: &[(&str, &str)]) -> Output {
    admin(
        &format!("--directory-table {DIRECTORY_TABLE} --replay-table {REPLAY_TABLE} {command}"),
        env,
    )
}

pub(crate) fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

#[test]
fn provisions_an_org_and_refuses_bad_input() {
    let init = json(&admin_tables("init --create-key", &[]));
    let key_id = init["keyId"].as_str().expect("key id").to_string();
    let org = json(&admin_tables("org create --name CLI-Org", &[]));
    let org_id = org["orgId"].as_str().unwrap().to_string();
    let user = json(&admin_tables(
        &format!("user create --org {org_id} --username cli@example.co --kind EndUser"),
        &[],
    ));
    assert!(user["userId"].as_str().unwrap().starts_with("us-"));

    let pem = std::env::temp_dir().join(format!("{org_id}.pub.pem"));
    std::fs::write(&pem, TestKey::generate(KeyKind::Ed25519).public_pem()).unwrap();
    let signing = [
        ("SIGNING_KEY_ID", key_id.as_str()),
        ("TOKEN_ISSUER", ISSUER),
    ];
    let sa = json(&admin_tables(
        &format!(
            "service-account create --org {org_id} --name cli-backend --public-key {}",
            pem.display()
        ),
        &signing,
    ));
    std::fs::remove_file(&pem).ok();
    for field in ["userId", "credentialId", "credId", "tokenId", "token"] {
        assert!(
            sa[field].as_str().is_some_and(|v| !v.is_empty()),
            "{field}: {sa}"
        );
    }
    let sa_id = sa["userId"].as_str().unwrap();
    let again = json(&admin_tables(
        &format!("token create --service-account {sa_id}"),
        &signing,
    ));
    assert_ne!(again["tokenId"], sa["tokenId"]);
    let revoked = json(&admin_tables(
        &format!(
            "token revoke --token-id {}",
            sa["tokenId"].as_str().unwrap()
        ),
        &[],
    ));
    assert_eq!(revoked["status"], "Revoked");

    // Any well-formed operation name, of any generation; a malformed one is named.
    let pm = json(&admin_tables(
        &format!(
            "permission create --org {org_id} --name newer --operations Auth:Delegated:Login,Auth:Creds:Code:Create"
        ),
        &[],
    ));
    assert!(pm["permissionId"].as_str().unwrap().starts_with("pm-"));
    let bad = admin_tables(
        &format!(
            "permission create --org {org_id} --name bad --operations Auth:Users:Read,Auth:Users:Read2"
        ),
        &[],
    );
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains(r#"operation "Auth:Users:Read2" is not well-formed"#),
        "{stderr}"
    );

    let no_tables = admin("org create", &[]);
    let failures = [
        admin_tables(
            &format!("user create --org {org_id} --username x --kind Robot"),
            &[],
        ),
        admin_tables("user create --org or-nope --username x --kind EndUser", &[]),
        admin_tables(
            &format!("user create --org {org_id} --username cli@example.co --kind EndUser"),
            &[],
        ),
        admin_tables(
            "token revoke --token-id to-00000-00000-0000000000000000",
            &[],
        ),
        admin_tables(
            &format!(
                "token create --service-account {}",
                user["userId"].as_str().unwrap()
            ),
            &signing,
        ),
    ];
    for (i, out) in std::iter::once(no_tables).chain(failures).enumerate() {
        assert!(!out.status.success(), "case {i} should fail");
        assert!(out.stdout.is_empty(), "case {i}");
        assert!(
            String::from_utf8_lossy(&out.stderr).starts_with("delegated-login-admin: "),
            "case {i}"
        );
    }
}
