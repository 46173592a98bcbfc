//! `RegistrationStore` over the replay table. Completion is one
//! transaction across both tables: the pending registration's conditional
//! delete, the credentials and their credId records, and the user's
//! registered mark. Either all of it happens or none does, so a completion
//! that loses a race leaves nothing behind.

use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem, Update};

use super::items::*;
use super::replay::{time, DynamoReplayStore};
use super::store_error;
use crate::domain::ids::UserId;
use crate::domain::registration::{
    Registration, RegistrationError, RegistrationRecord, RegistrationRefusal, RegistrationStore,
};
use crate::error::Error;

/// One item of the transaction, and what its failed condition means.
type Step = (TransactWriteItem, RegistrationRefusal);

fn built<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<T, Error> {
    r.map_err(|e| Error::internal("registration transaction item", e))
}

fn put_new(table: &str, item: Item, refusal: RegistrationRefusal) -> Result<Step, Error> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(pk)")
        .build();
    Ok((
        TransactWriteItem::builder().put(built(put)?).build(),
        refusal,
    ))
}

impl DynamoReplayStore {
    /// The pending registration's delete, conditioned on the token that
    /// completes it and on its expiry.
    fn spend_step(&self, r: &Registration) -> Result<Step, Error> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(RegistrationItem::key(&r.user.user_id).to_item()))
            .condition_expression("#tok = :tok AND #exp > :now")
            .expression_attribute_names("#tok", RegistrationItem::TOKEN_DIGEST)
            .expression_attribute_names("#exp", EXPIRES_AT)
            .expression_attribute_values(":tok", AttributeValue::S(r.token.as_str().to_string()))
            .expression_attribute_values(":now", time(r.now))
            .build();
        Ok((
            TransactWriteItem::builder().delete(built(delete)?).build(),
            RegistrationRefusal::TokenSpent,
        ))
    }

    /// Every item that carries the user gets `registered` and its
    /// credential, if the user is still active and unregistered.
    fn mark_steps(&self, directory: &str, r: &Registration) -> Result<Vec<Step>, Error> {
        let first = r
            .credentials
            .first()
            .ok_or_else(|| Error::internal("registration", "no credential to register"))?;
        IdentityItem::keys(&r.user)
            .into_iter()
            .map(|key| {
                let update = Update::builder()
                    .table_name(directory)
                    .set_key(Some(key.to_item()))
                    // Field updates move the revision too, so that a save
                    // that read the user before cannot write it back unregistered.
                    .update_expression("SET #reg = :yes, #cr = :cr ADD #rev :one")
                    .condition_expression(
                        "attribute_exists(pk) AND #st = :active AND (attribute_not_exists(#reg) OR #reg = :no)",
                    )
                    .expression_attribute_names("#reg", IdentityItem::REGISTERED)
                    .expression_attribute_names("#cr", IdentityItem::CREDENTIAL_UUID)
                    .expression_attribute_names("#st", STATUS)
                    .expression_attribute_names("#rev", IdentityItem::REVISION)
                    .expression_attribute_values(":one", AttributeValue::N("1".into()))
                    .expression_attribute_values(":yes", AttributeValue::Bool(true))
                    .expression_attribute_values(":no", AttributeValue::Bool(false))
                    .expression_attribute_values(
                        ":cr",
                        AttributeValue::S(first.credential_id.to_string()),
                    )
                    .expression_attribute_values(
                        ":active",
                        AttributeValue::S(Status::Active.as_str().to_string()),
                    )
                    .build();
                Ok((
                    TransactWriteItem::builder().update(built(update)?).build(),
                    RegistrationRefusal::UserChanged,
                ))
            })
            .collect()
    }

    fn credential_steps(&self, directory: &str, r: &Registration) -> Result<Vec<Step>, Error> {
        let (user, org) = (&r.user.user_id, &r.user.org_id);
        let mut steps = Vec::with_capacity(2 * r.credentials.len());
        for c in &r.credentials {
            steps.push(put_new(
                directory,
                encode(&CredentialItem::new(user, c))?,
                RegistrationRefusal::Conflict,
            )?);
            steps.push(put_new(
                directory,
                encode(&CredIdItem::new(org, user, c))?,
                RegistrationRefusal::CredIdTaken,
            )?);
        }
        Ok(steps)
    }
}

impl RegistrationStore for DynamoReplayStore {
    async fn put_registration(&self, record: &RegistrationRecord) -> Result<(), Error> {
        // Unconditional: a new challenge replaces the earlier one.
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(encode(&RegistrationItem::new(record))?))
            .send()
            .await
            .map_err(|e| store_error("replay registration write", e))?;
        Ok(())
    }

    async fn registration(&self, user_id: &UserId) -> Result<Option<RegistrationRecord>, Error> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(RegistrationItem::key(user_id).to_item()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| store_error("replay registration read", e))?;
        Ok(out
            .item
            .and_then(decode::<RegistrationItem>)
            .map(RegistrationItem::into_record)
            .filter(|r| &r.user_id == user_id))
    }

    async fn complete_registration(&self, r: &Registration) -> Result<(), RegistrationError> {
        let directory = self.directory_table.as_deref().ok_or_else(|| {
            Error::internal(
                "registration",
                "replay store built without the directory table",
            )
        })?;
        // The spend first: a request that lost the race is told so, whatever else failed.
        let mut steps = vec![self.spend_step(r)?];
        steps.extend(self.mark_steps(directory, r)?);
        steps.extend(self.credential_steps(directory, r)?);
        let (items, refusals): (Vec<_>, Vec<_>) = steps.into_iter().unzip();
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        let err = match result {
            Ok(_) => return Ok(()),
            Err(e) => e.into_service_error(),
        };
        if let TransactWriteItemsError::TransactionCanceledException(cancel) = &err {
            let codes: Vec<Option<&str>> = cancel
                .cancellation_reasons()
                .iter()
                .map(|r| r.code())
                .collect();
            // Reasons come in the items' order; the first failed condition says why.
            if let Some(i) = codes
                .iter()
                .position(|c| *c == Some("ConditionalCheckFailed"))
            {
                let refusal = refusals.get(i).copied();
                return Err(RegistrationError::Refused(
                    refusal.unwrap_or(RegistrationRefusal::Conflict),
                ));
            }
            if codes.contains(&Some("TransactionConflict")) {
                return Err(RegistrationError::Refused(RegistrationRefusal::Conflict));
            }
        }
        Err(RegistrationError::Store(Error::internal(
            "registration write",
            DisplayErrorContext(&err),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{CredId, CredentialId, OrgId, TokenId};
    use crate::domain::model::{Credential, CredentialKind, Identity, UserKind};
    use crate::domain::secret::{Redacted, SecretDigest};
    use crate::domain::time::UnixTime;
    use crate::domain::username::Username;

    fn credential(kind: CredentialKind) -> Credential {
        Credential {
            credential_id: CredentialId::mint(),
            cred_id: CredId::mint(),
            public_key_pem: "pem".into(),
            active: true,
            kind,
            name: "laptop".into(),
            created_at: None,
            passkey: None,
        }
    }

    #[test]
    fn the_attributes_completion_names_are_the_items_own() {
        let mut user = Identity::new(
            OrgId::mint(),
            Username::parse("u@example.co").unwrap(),
            UserKind::EndUser,
            false,
        );
        user.registered = true;
        user.credential_uuid = Some(CredentialId::mint());
        for item in IdentityItem::items(&user) {
            let item = encode(&item).unwrap();
            assert_eq!(item[IdentityItem::REGISTERED].as_bool().unwrap(), &true);
            assert!(item[IdentityItem::CREDENTIAL_UUID].is_s());
            assert_eq!(item[STATUS].as_s().unwrap(), Status::Active.as_str());
        }
        let record = RegistrationRecord {
            user_id: user.user_id.clone(),
            token: SecretDigest::of(TokenId::new_issued().as_str().as_bytes()),
            challenge: Redacted::new("c".into()),
            expires_at: UnixTime::from_secs(10),
        };
        let item = encode(&RegistrationItem::new(&record)).unwrap();
        assert_eq!(
            item[RegistrationItem::TOKEN_DIGEST].as_s().unwrap(),
            record.token.as_str()
        );
        assert!(item[EXPIRES_AT].is_n());
        let back: RegistrationItem = decode(item).unwrap();
        assert_eq!(back.into_record(), record);
    }

    #[test]
    fn credentials_keep_kind_and_name_and_old_items_are_keys() {
        let user = UserId::mint();
        for kind in [CredentialKind::Key, CredentialKind::RecoveryKey] {
            let c = credential(kind);
            let item = encode(&CredentialItem::new(&user, &c)).unwrap();
            let back: CredentialItem = decode(item).unwrap();
            assert_eq!(back.into_credential(), c);
        }
        // Written before credentials had a kind and a name.
        let mut old = encode(&CredentialItem::new(
            &user,
            &credential(CredentialKind::RecoveryKey),
        ))
        .unwrap();
        old.remove("kind");
        old.remove("name");
        let back = decode::<CredentialItem>(old).unwrap().into_credential();
        assert_eq!((back.kind, back.name.as_str()), (CredentialKind::Key, ""));
    }

    #[test]
    fn a_cred_id_is_taken_per_org() {
        let (org, other) = (OrgId::mint(), OrgId::mint());
        let c = credential(CredentialKind::Key);
        let key = CredIdItem::key(&org, &c.cred_id);
        assert_eq!(key, CredIdItem::key(&org, &c.cred_id));
        assert_ne!(key, CredIdItem::key(&other, &c.cred_id));
        // A long credId still makes a short key.
        let long = CredId::parse(&"x".repeat(1024)).unwrap();
        assert!(CredIdItem::key(&org, &long).pk.len() < 120);
        let item = encode(&CredIdItem::new(&org, &UserId::mint(), &c)).unwrap();
        assert_eq!(item[PK].as_s().unwrap(), &key.pk);
    }
}
