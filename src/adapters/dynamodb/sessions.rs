//! Logout's write: the token's revocation and, for every session, the
//! identity's new cut-off, in one transaction.

use aws_sdk_dynamodb::types::{TransactWriteItem, Update};

use super::directory::DynamoDirectory;
use super::items::{IdentityItem, Key};
use super::writer::{built, Step};
use crate::domain::ids::TokenId;
use crate::domain::model::Identity;
use crate::domain::ports::{Refusal, WriteError};
use crate::domain::time::UnixMillis;
use crate::error::Error;

impl DynamoDirectory {
    pub(super) async fn end_sessions_at_once(
        &self,
        identity: &Identity,
        token_id: &TokenId,
        cut_off: Option<UnixMillis>,
    ) -> Result<(), WriteError> {
        let mut steps = vec![self.revocation(token_id)?];
        if let Some(cut_off) = cut_off {
            for key in IdentityItem::keys(identity) {
                steps.push(self.set_cut_off(key, cut_off)?);
            }
        }
        self.transact(steps).await
    }

    /// Sets only the cut-off of an existing identity item. Every other
    /// attribute is left as stored: a deactivation or registration that
    /// lands between the caller read and this write is kept, never
    /// overwritten with the state the logout read.
    fn set_cut_off(&self, key: Key, cut_off: UnixMillis) -> Result<Step, Error> {
        let (name, value) = IdentityItem::cut_off_attribute(cut_off)?;
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key.to_item()))
            .update_expression("SET #co = :co ADD #rev :one")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#co", name)
            .expression_attribute_names("#rev", IdentityItem::REVISION)
            .expression_attribute_values(":co", value)
            .expression_attribute_values(
                ":one",
                aws_sdk_dynamodb::types::AttributeValue::N("1".into()),
            )
            .build();
        Ok(Step {
            item: TransactWriteItem::builder().update(built(update)?).build(),
            refusal: Refusal::IdentityMissing,
        })
    }
}
