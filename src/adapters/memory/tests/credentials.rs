//! The credential writes' conditions, as the directory table checks them.

use super::{MemoryDirectory, T};
use crate::domain::credentials::CredentialStore;
use crate::domain::ids::{CredId, CredentialId, OrgId};
use crate::domain::model::{Credential, CredentialKind, Identity, Org, Passkey, UserKind};
use crate::domain::ports::{Directory, DirectoryWriter, Refusal, WriteError};
use crate::domain::username::Username;
use crate::domain::webauthn::{Origins, RelyingParty};

fn passkey(count: u32) -> Credential {
    Credential {
        credential_id: CredentialId::mint(),
        cred_id: CredId::mint(),
        public_key_pem: "pem".into(),
        active: true,
        kind: CredentialKind::Fido2,
        name: String::new(),
        created_at: Some(T),
        passkey: Some(Passkey {
            rp_id: "example.com".into(),
            origin: "https://example.com".into(),
            aaguid: String::new(),
            sign_count: count,
        }),
    }
}

async fn user(d: &MemoryDirectory) -> Identity {
    let org = Org {
        org_id: OrgId::mint(),
        name: "Acme".into(),
        created_at: T,
    };
    d.create_org(&org).await.unwrap();
    let user = Identity::new(
        org.org_id,
        Username::parse("jdoe").unwrap(),
        UserKind::EndUser,
        false,
    );
    d.create_identity(&user).await.unwrap();
    user
}

#[tokio::test]
async fn settings_are_the_orgs_and_unknown_orgs_have_none() {
    let d = MemoryDirectory::new();
    let u = user(&d).await;
    let empty = d.passkey_settings(&u.org_id).await.unwrap().unwrap();
    assert_eq!(
        (empty.org_name.as_str(), empty.relying_parties.len()),
        ("Acme", 0)
    );
    let rp = RelyingParty {
        rp_id: "example.com".into(),
        origins: Origins::Https,
    };
    assert!(d.set_passkeys(&u.org_id, vec![rp.clone()]));
    assert!(!d.set_passkeys(&OrgId::mint(), vec![rp.clone()]));
    let set = d.passkey_settings(&u.org_id).await.unwrap().unwrap();
    assert_eq!(set.relying_parties, vec![rp]);
    assert_eq!(d.passkey_settings(&OrgId::mint()).await.unwrap(), None);
}

#[tokio::test]
async fn a_sign_count_moves_only_from_the_value_read() {
    let d = MemoryDirectory::new();
    let u = user(&d).await;
    let c = passkey(5);
    d.add_user_credential(&u, &c).await.unwrap();
    let id = &c.credential_id;
    assert!(d.advance_sign_count(&u.user_id, id, 5, 6).await.unwrap());
    // A second assertion that read 5 too: refused.
    assert!(!d.advance_sign_count(&u.user_id, id, 5, 6).await.unwrap());
    assert!(d.advance_sign_count(&u.user_id, id, 6, 9).await.unwrap());
    d.set_credential_status(&u.user_id, id, false, None)
        .await
        .unwrap();
    assert!(!d.advance_sign_count(&u.user_id, id, 9, 10).await.unwrap());
}

#[tokio::test]
async fn cred_ids_are_unique_per_org_and_the_last_credential_stays() {
    let d = MemoryDirectory::new();
    let u = user(&d).await;
    let (a, b) = (passkey(0), passkey(0));
    d.add_user_credential(&u, &a).await.unwrap();
    d.add_user_credential(&u, &b).await.unwrap();
    let again = Credential {
        credential_id: CredentialId::mint(),
        ..a.clone()
    };
    assert_eq!(
        d.add_user_credential(&u, &again).await,
        Err(WriteError::Refused(Refusal::CredIdTaken))
    );
    let stray = Identity::new(
        OrgId::mint(),
        Username::parse("x").unwrap(),
        UserKind::EndUser,
        false,
    );
    assert_eq!(
        d.add_user_credential(&stray, &passkey(0)).await,
        Err(WriteError::Refused(Refusal::IdentityMissing))
    );
    let (ua, ub) = (&a.credential_id, &b.credential_id);
    // Deactivating a needs b active, and then b needs a: refused.
    d.set_credential_status(&u.user_id, ua, false, Some(ub))
        .await
        .unwrap();
    assert_eq!(
        d.set_credential_status(&u.user_id, ub, false, Some(ua))
            .await,
        Err(WriteError::Refused(Refusal::NoOtherActive))
    );
    assert_eq!(
        d.set_credential_status(&u.user_id, &CredentialId::mint(), true, None)
            .await,
        Err(WriteError::Refused(Refusal::CredentialMissing))
    );
    let record = d
        .caller(&u.user_id, &crate::domain::ids::TokenId::new_issued())
        .await
        .unwrap();
    let active: Vec<_> = record.active_passkeys().map(|c| &c.credential_id).collect();
    assert_eq!(active, vec![ub]);
}
