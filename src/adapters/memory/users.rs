//! `UserDirectory` in memory, listing as the directory table's username
//! entries list: in username order, archived users and service accounts
//! left out, a page ending where the last one read ended.

use super::directory::MemoryDirectory;
use super::lock;
use crate::domain::ids::{OrgId, UserId};
use crate::domain::model::UserKind;
use crate::domain::ports::{UserDirectory, UserPage, UserRecord};
use crate::domain::username::Username;
use crate::error::Error;

impl UserDirectory for MemoryDirectory {
    async fn user(&self, user_id: &UserId) -> Result<Option<UserRecord>, Error> {
        let store = lock(&self.store);
        Ok(store.profiles.get(user_id).map(|identity| UserRecord {
            identity: identity.clone(),
            assignments: store
                .assignments
                .get(user_id)
                .map(|a| a.values().filter(|a| a.active).cloned().collect())
                .unwrap_or_default(),
        }))
    }

    async fn list_users(
        &self,
        org_id: &OrgId,
        kind: Option<UserKind>,
        limit: usize,
        start_after: Option<&Username>,
    ) -> Result<UserPage, Error> {
        let mut entries: Vec<_> = {
            let store = lock(&self.store);
            store
                .usernames
                .iter()
                .filter(|((org, name), _)| org == org_id && start_after.is_none_or(|a| name > a))
                .map(|((_, name), identity)| (name.clone(), identity.clone()))
                .collect()
        };
        entries.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        // The limit counts items read, before the filter, as DynamoDB's does.
        let more = entries.len() > limit;
        entries.truncate(limit);
        let next = more
            .then(|| entries.last().map(|(n, _)| n.clone()))
            .flatten();
        let mut users = Vec::new();
        for (_, identity) in entries {
            if identity.archived || kind.is_some_and(|k| k != identity.kind) {
                continue;
            }
            if let Some(record) = self.user(&identity.user_id).await? {
                users.push(record);
            }
        }
        Ok(UserPage { users, next })
    }
}
