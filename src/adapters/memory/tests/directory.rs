//! The directory's reads and its refused writes.

use std::collections::HashSet;

use super::{MemoryDirectory, T};
use crate::domain::ids::{
    AssignmentId, CredId, CredentialId, OrgId, PermissionId, TokenId, UserId,
};
use crate::domain::model::{
    Assignment, Credential, Identity, Org, Permission, TokenRecord, TokenState, UserKind,
};
use crate::domain::ports::{Directory, DirectoryWriter, Refusal, WriteError};
use crate::domain::username::Username;

fn refused<T: std::fmt::Debug>(result: Result<T, WriteError>, refusal: Refusal) {
    assert_eq!(result.map(|_| ()), Err(WriteError::Refused(refusal)));
}

fn org() -> Org {
    Org {
        org_id: OrgId::mint(),
        name: "org".into(),
        created_at: T,
    }
}

fn identity(org_id: &OrgId, name: &str, service_account: bool) -> Identity {
    Identity::new(
        org_id.clone(),
        Username::parse(name).unwrap(),
        UserKind::EndUser,
        service_account,
    )
}

fn credential(active: bool) -> Credential {
    Credential {
        credential_id: CredentialId::mint(),
        cred_id: CredId::mint(),
        public_key_pem: "pem".into(),
        active,
        kind: crate::domain::model::CredentialKind::Key,
        name: String::new(),
        created_at: None,
        passkey: None,
    }
}

fn token(identity: &Identity) -> TokenRecord {
    TokenRecord {
        token_id: TokenId::new_service_account(),
        user_id: identity.user_id.clone(),
        org_id: identity.org_id.clone(),
        expires_at: T.plus_secs(86_400),
    }
}

fn assignment(operations: &[&str], active: bool) -> Assignment {
    Assignment {
        assignment_id: AssignmentId::mint(),
        permission_id: PermissionId::mint(),
        permission_name: "test".into(),
        operations: operations.iter().map(|o| o.to_string()).collect(),
        active,
    }
}

#[tokio::test]
async fn refused_writes_write_nothing() {
    let d = MemoryDirectory::new();
    let o = org();
    d.create_org(&o).await.unwrap();
    let user = identity(&o.org_id, "jdoe@example.co", false);
    d.create_identity(&user).await.unwrap();
    let sa = identity(&o.org_id, "backend", true);
    let (cred, sa_token) = (credential(true), token(&sa));
    d.create_service_account(&sa, &cred, &sa_token)
        .await
        .unwrap();
    let given = assignment(&["Auth:Users:Read"], true);
    d.assign(&sa.user_id, &given).await.unwrap();
    let before = d.snapshot();

    refused(d.create_org(&o).await, Refusal::Conflict);
    let stranger = identity(&OrgId::mint(), "jdoe@example.co", false);
    refused(d.create_identity(&stranger).await, Refusal::OrgMissing);
    let namesake = identity(&o.org_id, "jdoe@example.co", false);
    refused(d.create_identity(&namesake).await, Refusal::UsernameTaken);
    let same_id = Identity {
        username: Username::parse("other").unwrap(),
        ..user.clone()
    };
    refused(d.create_identity(&same_id).await, Refusal::Conflict);

    let new_sa = identity(&o.org_id, "backend 2", true);
    let (c, t) = (credential(true), token(&new_sa));
    let foreign = identity(&OrgId::mint(), "backend 3", true);
    refused(
        d.create_service_account(&foreign, &c, &t).await,
        Refusal::OrgMissing,
    );
    refused(
        d.create_service_account(&new_sa, &c, &sa_token).await,
        Refusal::Conflict,
    );
    refused(
        d.create_service_account(&sa, &c, &t).await,
        Refusal::Conflict,
    );

    let nobody = UserId::mint();
    refused(
        d.add_credential(&nobody, &c).await,
        Refusal::IdentityMissing,
    );
    refused(
        d.add_credential(&sa.user_id, &cred).await,
        Refusal::Conflict,
    );
    refused(d.assign(&nobody, &given).await, Refusal::IdentityMissing);
    refused(d.assign(&sa.user_id, &given).await, Refusal::Conflict);
    refused(
        d.save_identity(&Identity {
            active: false,
            ..stranger.clone()
        })
        .await,
        Refusal::IdentityMissing,
    );
    // The profile exists but the username entry named does not: neither changes.
    let renamed = Identity {
        username: Username::parse("renamed").unwrap(),
        ..user.clone()
    };
    refused(
        d.save_identity(&Identity {
            active: false,
            ..renamed.clone()
        })
        .await,
        Refusal::IdentityMissing,
    );
    refused(d.put_token(&sa_token).await, Refusal::Conflict);
    let unknown = TokenId::new_service_account();
    refused(d.revoke_token(&unknown).await, Refusal::TokenMissing);
    let permission = Permission {
        permission_id: PermissionId::mint(),
        org_id: OrgId::mint(),
        name: "p".into(),
        operations: vec!["Auth:Users:Read".into()],
        active: true,
    };
    refused(d.create_permission(&permission).await, Refusal::OrgMissing);
    assert_eq!(d.snapshot(), before);

    let permission = Permission {
        org_id: o.org_id.clone(),
        ..permission
    };
    d.create_permission(&permission).await.unwrap();
    refused(d.create_permission(&permission).await, Refusal::Conflict);
    let read = d.permission(&permission.permission_id).await;
    assert_eq!(read, Ok(Some(permission)));
}

#[tokio::test]
async fn the_caller_read_is_one_partition_and_a_token_state() {
    let d = MemoryDirectory::new();
    let o = org();
    d.create_org(&o).await.unwrap();
    let sa = identity(&o.org_id, "backend", true);
    let (cred, t) = (credential(true), token(&sa));
    d.create_service_account(&sa, &cred, &t).await.unwrap();
    let inactive = credential(false);
    d.add_credential(&sa.user_id, &inactive).await.unwrap();
    let ops = ["Auth:Users:Read", "Auth:Users:Delegate"];
    d.assign(&sa.user_id, &assignment(&ops, true))
        .await
        .unwrap();
    let withdrawn = assignment(&["Auth:Types:Employee"], false);
    d.assign(&sa.user_id, &withdrawn).await.unwrap();

    let record = d.caller(&sa.user_id, &t.token_id).await.unwrap();
    assert_eq!(record.identity, Some(sa.clone()));
    let creds: HashSet<_> = record
        .credentials
        .iter()
        .map(|c| &c.credential_id)
        .collect();
    assert_eq!(
        creds,
        HashSet::from([&cred.credential_id, &inactive.credential_id])
    );
    let active: Vec<_> = record.active_credentials().collect();
    assert_eq!(active, vec![&cred]);
    let granted: HashSet<String> = ops.iter().map(|o| o.to_string()).collect();
    assert_eq!(record.operations, granted);
    assert_eq!(record.token, TokenState::Active);

    let state = |user: UserId, token: TokenId| {
        let d = d.clone();
        async move { d.caller(&user, &token).await.unwrap() }
    };
    let unrecorded = state(sa.user_id.clone(), TokenId::new_service_account()).await;
    assert_eq!(unrecorded.token, TokenState::Unrecorded);
    // Another identity's token record is no token of the caller's.
    let nobody = state(UserId::mint(), t.token_id.clone()).await;
    assert_eq!((nobody.identity, nobody.token), (None, TokenState::Revoked));
    assert!(nobody.credentials.is_empty() && nobody.operations.is_empty());

    d.revoke_token(&t.token_id).await.unwrap();
    let revoked = state(sa.user_id.clone(), t.token_id.clone()).await;
    assert_eq!(revoked.token, TokenState::Revoked);
    // A login token gets a revocation record of its own.
    let jti = TokenId::new_issued();
    assert_eq!(
        state(sa.user_id.clone(), jti.clone()).await.token,
        TokenState::Unrecorded
    );
    d.revoke_token(&jti).await.unwrap();
    d.revoke_token(&jti).await.unwrap();
    assert_eq!(
        state(sa.user_id.clone(), jti).await.token,
        TokenState::Revoked
    );
}

#[tokio::test]
async fn users_are_found_by_exact_name_in_their_org_only() {
    let d = MemoryDirectory::new();
    let (o1, o2) = (org(), org());
    d.create_org(&o1).await.unwrap();
    d.create_org(&o2).await.unwrap();
    let name = Username::parse("jdoe@example.co").unwrap();
    let u1 = identity(&o1.org_id, name.as_str(), false);
    let u2 = identity(&o2.org_id, name.as_str(), false);
    d.create_identity(&u1).await.unwrap();
    d.create_identity(&u2).await.unwrap();
    // A service account may share a user's name: it has no username entry.
    let sa = identity(&o1.org_id, name.as_str(), true);
    let sa2 = identity(&o1.org_id, "backend", true);
    for sa in [&sa, &sa2] {
        let (c, t) = (credential(true), token(sa));
        d.create_service_account(sa, &c, &t).await.unwrap();
    }
    let find = |org: &OrgId, name: &str| {
        let (d, org, name) = (d.clone(), org.clone(), Username::parse(name).unwrap());
        async move { d.user_by_username(&org, &name).await.unwrap() }
    };
    assert_eq!(find(&o1.org_id, name.as_str()).await, Some(u1.clone()));
    assert_eq!(find(&o2.org_id, name.as_str()).await, Some(u2));
    assert_eq!(find(&o1.org_id, "JDOE@example.co").await, None);
    assert_eq!(find(&o1.org_id, "backend").await, None);
    assert_eq!(find(&OrgId::mint(), name.as_str()).await, None);

    // Deactivation reaches both copies of a user.
    d.save_identity(&Identity {
        active: false,
        ..u1.clone()
    })
    .await
    .unwrap();
    let found = find(&o1.org_id, name.as_str()).await.unwrap();
    let profile = d.identity(&u1.user_id).await.unwrap().unwrap();
    assert!(!found.active && !profile.active);
    d.save_identity(&Identity {
        active: false,
        ..sa2.clone()
    })
    .await
    .unwrap();
    assert!(!d.identity(&sa2.user_id).await.unwrap().unwrap().active);
}
