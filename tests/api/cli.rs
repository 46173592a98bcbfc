//! The operator CLI as an operator runs it: JSON on stdout, a message on
//! stderr and a non-zero exit on bad input.

use std::process::{Command, Output};

use crate::support::*;

fn admin(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_delegated-login-admin"))
        .args(args)
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

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

const TABLES: [&str; 4] = [
    "--directory-table",
    DIRECTORY_TABLE,
    "--replay-table",
    REPLAY_TABLE,
];

#[test]
fn provisions_an_org_and_refuses_bad_input() {
    fn with<'a>(rest: &[&'a str]) -> Vec<&'a str> {
        [&TABLES[..], rest].concat()
    }
    let init = json(&admin(&with(&["init", "--create-key"]), &[]));
    let key_id = init["keyId"].as_str().expect("key id").to_string();
    let org = json(&admin(&with(&["org", "create", "--name", "CLI Org"]), &[]));
    let org_id = org["orgId"].as_str().unwrap().to_string();
    let user = json(&admin(
        &with(&[
            "user",
            "create",
            "--org",
            &org_id,
            "--username",
            "cli@example.co",
            "--kind",
            "EndUser",
        ]),
        &[],
    ));
    assert!(user["userId"].as_str().unwrap().starts_with("us-"));

    let pem_path = std::env::temp_dir().join(format!("{org_id}.pub.pem"));
    std::fs::write(&pem_path, TestKey::generate(KeyKind::Ed25519).public_pem()).unwrap();
    let pem = pem_path.to_str().unwrap();
    let sa = json(&admin(
        &with(&[
            "service-account",
            "create",
            "--org",
            &org_id,
            "--name",
            "cli backend",
            "--public-key",
            pem,
        ]),
        &[("SIGNING_KEY_ID", &key_id), ("TOKEN_ISSUER", ISSUER)],
    ));
    for field in ["userId", "credentialId", "credId", "tokenId", "token"] {
        assert!(
            sa[field].as_str().is_some_and(|v| !v.is_empty()),
            "{field}: {sa}"
        );
    }
    let revoked = json(&admin(
        &with(&[
            "token",
            "revoke",
            "--token-id",
            sa["tokenId"].as_str().unwrap(),
        ]),
        &[],
    ));
    assert_eq!(revoked["status"], "Revoked");

    let failures: [&[&str]; 5] = [
        &["org", "create"], // no tables named
        &[
            &TABLES[..],
            &[
                "user",
                "create",
                "--org",
                &org_id,
                "--username",
                "x",
                "--kind",
                "Robot",
            ],
        ]
        .concat(),
        &[
            &TABLES[..],
            &[
                "user",
                "create",
                "--org",
                "or-nope",
                "--username",
                "x",
                "--kind",
                "EndUser",
            ],
        ]
        .concat(),
        &[
            &TABLES[..],
            &[
                "user",
                "create",
                "--org",
                &org_id,
                "--username",
                "cli@example.co",
                "--kind",
                "EndUser",
            ],
        ]
        .concat(),
        &[
            &TABLES[..],
            &[
                "token",
                "revoke",
                "--token-id",
                "to-00000-00000-0000000000000000",
            ],
        ]
        .concat(),
    ];
    for args in failures {
        let out = admin(args, &[]);
        assert!(!out.status.success(), "{args:?} should fail");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).starts_with("delegated-login-admin: "),
            "{args:?}"
        );
    }
    std::fs::remove_file(pem_path).ok();
}
