//! `CredentialStore` over the directory table: the org's passkey settings
//! (on the org item), a user's new credential with its credId record, its
//! status, and a passkey's sign count, each one conditional write.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, TransactWriteItem};

use super::directory::DynamoDirectory;
use super::items::*;
use super::store_error;
use super::writer::{built, Step};
use crate::domain::credentials::CredentialStore;
use crate::domain::ids::{CredentialId, OrgId, UserId};
use crate::domain::model::{Credential, Identity};
use crate::domain::ports::{Refusal, WriteError};
use crate::domain::webauthn::{PasskeySettings, RelyingParty};
use crate::error::Error;

/// A conditional update's outcome: `false` when its condition refused it.
fn applied<O, R: std::fmt::Debug>(
    out: Result<O, SdkError<UpdateItemError, R>>,
    context: &str,
) -> Result<bool, Error> {
    match out {
        Ok(_) => Ok(true),
        Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
            Ok(false)
        }
        Err(e) => Err(store_error(context, e)),
    }
}

impl DynamoDirectory {
    /// Replaces the org's passkey settings (the operator CLI); `false`
    /// when the org is not on record. Takes effect on the next request.
    pub async fn set_passkeys(
        &self,
        org_id: &OrgId,
        parties: &[RelyingParty],
    ) -> Result<bool, Error> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(OrgItem::key(org_id).to_item()))
            .update_expression("SET #pk = :pk")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#pk", OrgItem::PASSKEYS)
            .expression_attribute_values(":pk", OrgItem::passkeys_attribute(parties)?)
            .send()
            .await;
        applied(out, "directory passkeys write")
    }
}

impl CredentialStore for DynamoDirectory {
    async fn passkey_settings(&self, org_id: &OrgId) -> Result<Option<PasskeySettings>, Error> {
        let item = self.get(OrgItem::key(org_id), "directory org read").await?;
        Ok(item
            .and_then(decode::<OrgItem>)
            .map(OrgItem::into_passkey_settings))
    }

    async fn advance_sign_count(
        &self,
        user_id: &UserId,
        credential_id: &CredentialId,
        from: u32,
        to: u32,
    ) -> Result<bool, Error> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(CredentialItem::key(user_id, credential_id).to_item()))
            .update_expression("SET #sc = :to")
            .condition_expression("#sc = :from AND #st = :active")
            .expression_attribute_names("#sc", CredentialItem::SIGN_COUNT)
            .expression_attribute_names("#st", STATUS)
            .expression_attribute_values(":to", AttributeValue::N(to.to_string()))
            .expression_attribute_values(":from", AttributeValue::N(from.to_string()))
            .expression_attribute_values(
                ":active",
                AttributeValue::S(Status::Active.as_str().into()),
            )
            .send()
            .await;
        applied(out, "directory sign count write")
    }

    async fn add_user_credential(
        &self,
        identity: &Identity,
        credential: &Credential,
    ) -> Result<(), WriteError> {
        let user = &identity.user_id;
        let steps = vec![
            self.exists(IdentityItem::profile_key(user), Refusal::IdentityMissing)?,
            self.put_new(
                encode(&CredentialItem::new(user, credential))?,
                Refusal::Conflict,
            )?,
            self.put_new(
                encode(&CredIdItem::new(&identity.org_id, user, credential))?,
                Refusal::CredIdTaken,
            )?,
        ];
        self.transact(steps).await
    }

    async fn set_credential_status(
        &self,
        user_id: &UserId,
        credential_id: &CredentialId,
        active: bool,
        other: Option<&CredentialId>,
    ) -> Result<(), WriteError> {
        let mut steps = vec![self.set_status(
            CredentialItem::key(user_id, credential_id),
            Status::of(active),
            None,
            false,
            Refusal::CredentialMissing,
        )?];
        if let Some(other) = other {
            let check = built(
                ConditionCheck::builder()
                    .table_name(&self.table)
                    .set_key(Some(CredentialItem::key(user_id, other).to_item()))
                    .condition_expression("#st = :active")
                    .expression_attribute_names("#st", STATUS)
                    .expression_attribute_values(
                        ":active",
                        AttributeValue::S(Status::Active.as_str().into()),
                    )
                    .build(),
            )?;
            steps.push(Step {
                item: TransactWriteItem::builder().condition_check(check).build(),
                refusal: Refusal::NoOtherActive,
            });
        }
        self.transact(steps).await
    }
}
