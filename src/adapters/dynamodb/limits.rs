//! The operator's writes of a service account's limits item.

use super::items::*;
use super::store_error;
use super::DynamoDirectory;
use crate::domain::ids::UserId;
use crate::domain::limits::ServiceAccountLimits;
use crate::error::Error;

impl DynamoDirectory {
    /// Writes the account's limits item, or deletes it when `limits` sets
    /// nothing. Takes effect on the account's next request (its caller
    /// read brings the item back).
    pub async fn set_limits(
        &self,
        user_id: &UserId,
        limits: &ServiceAccountLimits,
    ) -> Result<(), Error> {
        if limits.is_none() {
            self.client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(LimitsItem::key(user_id).to_item()))
                .send()
                .await
                .map_err(|e| store_error("directory limits delete", e))?;
        } else {
            self.client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(encode(&LimitsItem::new(user_id, limits))?))
                .send()
                .await
                .map_err(|e| store_error("directory limits write", e))?;
        }
        Ok(())
    }

    /// The account's limits as the caller read sees them.
    pub async fn limits(&self, user_id: &UserId) -> Result<ServiceAccountLimits, Error> {
        let item = self
            .get(LimitsItem::key(user_id), "directory limits read")
            .await?;
        Ok(item
            .and_then(decode::<LimitsItem>)
            .map(LimitsItem::into_limits)
            .unwrap_or_default())
    }
}
