//! `Directory` and `DirectoryWriter` in memory, answering as the directory
//! table does: a write's conditions are checked in the order of its
//! transaction's items and the first that fails names the refusal; a
//! refused write changes nothing.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use super::{lock, Faults};
use crate::domain::ids::{AssignmentId, CredentialId, OrgId, PermissionId, TokenId, UserId};
use crate::domain::model::{
    Assignment, CallerRecord, Credential, Identity, Org, Permission, TokenRecord, TokenState,
};
use crate::domain::ports::{Directory, DirectoryWriter, Refusal, WriteError};
use crate::domain::time::UnixMillis;
use crate::domain::username::Username;
use crate::error::Error;

/// The reads that can be armed to fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirectoryCall {
    Caller,
    UserByUsername,
}

/// A token id on record: a service account token, or only the revocation
/// of a login token (then without a record).
#[derive(Debug, Clone, PartialEq, Eq)]
struct TokenEntry {
    record: Option<TokenRecord>,
    revoked: bool,
}

/// The directory's items, keyed as the table keys them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Store {
    pub(super) orgs: HashMap<OrgId, Org>,
    pub(super) profiles: HashMap<UserId, Identity>,
    /// A user's second copy, by (org, username): service accounts have none.
    pub(super) usernames: HashMap<(OrgId, Username), Identity>,
    /// Ordered as the partition's sort keys are.
    pub(super) credentials: HashMap<UserId, BTreeMap<CredentialId, Credential>>,
    /// Each org's passkey settings, as the operator set them.
    pub(super) passkeys: HashMap<OrgId, Vec<crate::domain::webauthn::RelyingParty>>,
    pub(super) assignments: HashMap<UserId, BTreeMap<AssignmentId, Assignment>>,
    permissions: HashMap<PermissionId, Permission>,
    tokens: HashMap<TokenId, TokenEntry>,
    /// A service account's limits item, when one is set.
    limits: HashMap<UserId, crate::domain::limits::ServiceAccountLimits>,
}

/// Everything the directory holds at one instant; equal snapshots taken
/// around a refused write show that it wrote nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectorySnapshot(Store);

/// The org directory in memory. Clones share one store.
#[derive(Debug, Clone, Default)]
pub struct MemoryDirectory {
    pub(super) store: Arc<Mutex<Store>>,
    faults: Arc<Faults<DirectoryCall>>,
}

impl MemoryDirectory {
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes the next `call` fail with `Error::Internal`.
    pub fn fail_next(&self, call: DirectoryCall) {
        self.faults.arm(call);
    }

    /// Sets (or, with none, clears) a service account's limits, as the
    /// operator CLI does.
    pub fn set_limits(
        &self,
        user_id: &UserId,
        limits: crate::domain::limits::ServiceAccountLimits,
    ) {
        let mut store = lock(&self.store);
        if limits.is_none() {
            store.limits.remove(user_id);
        } else {
            store.limits.insert(user_id.clone(), limits);
        }
    }

    pub fn snapshot(&self) -> DirectorySnapshot {
        DirectorySnapshot(lock(&self.store).clone())
    }
}

/// A write refused when `condition` does not hold.
pub(super) fn require(condition: bool, refusal: Refusal) -> Result<(), WriteError> {
    if condition {
        Ok(())
    } else {
        Err(WriteError::Refused(refusal))
    }
}

fn username_key(identity: &Identity) -> (OrgId, Username) {
    (identity.org_id.clone(), identity.username.clone())
}

impl Store {
    /// The conditions of an identity's items: the org exists, the profile
    /// does not, nor (for users) the username entry.
    fn check_new_identity(&self, identity: &Identity) -> Result<(), WriteError> {
        require(
            self.orgs.contains_key(&identity.org_id),
            Refusal::OrgMissing,
        )?;
        require(
            !self.profiles.contains_key(&identity.user_id),
            Refusal::Conflict,
        )?;
        if !identity.is_service_account {
            require(
                !self.usernames.contains_key(&username_key(identity)),
                Refusal::UsernameTaken,
            )?;
        }
        Ok(())
    }

    fn insert_identity(&mut self, identity: &Identity) {
        self.profiles
            .insert(identity.user_id.clone(), identity.clone());
        if !identity.is_service_account {
            self.usernames
                .insert(username_key(identity), identity.clone());
        }
    }

    fn has_credential(&self, user_id: &UserId, credential_id: &CredentialId) -> bool {
        self.credentials
            .get(user_id)
            .is_some_and(|c| c.contains_key(credential_id))
    }

    pub(super) fn insert_credential(&mut self, user_id: &UserId, credential: &Credential) {
        self.credentials
            .entry(user_id.clone())
            .or_default()
            .insert(credential.credential_id.clone(), credential.clone());
    }

    fn insert_token(&mut self, token: &TokenRecord) {
        let entry = TokenEntry {
            record: Some(token.clone()),
            revoked: false,
        };
        self.tokens.insert(token.token_id.clone(), entry);
    }

    /// As the table answers: a record of another owner is refused.
    fn token_state(&self, token_id: &TokenId, user_id: &UserId) -> TokenState {
        match self.tokens.get(token_id) {
            None => TokenState::Unrecorded,
            Some(t) if t.revoked => TokenState::Revoked,
            Some(t) if t.record.as_ref().is_some_and(|r| &r.user_id != user_id) => {
                TokenState::Revoked
            }
            Some(_) => TokenState::Active,
        }
    }
}

impl Directory for MemoryDirectory {
    /// The identity's partition (profile, every credential, the operations
    /// of its active assignments) and the state of `token_id` for it.
    async fn caller(&self, user_id: &UserId, token_id: &TokenId) -> Result<CallerRecord, Error> {
        self.faults.check(DirectoryCall::Caller)?;
        let store = lock(&self.store);
        let operations: HashSet<String> = store
            .assignments
            .get(user_id)
            .into_iter()
            .flat_map(BTreeMap::values)
            .filter(|a| a.active)
            .flat_map(|a| a.operations.iter().cloned())
            .collect();
        Ok(CallerRecord {
            identity: store.profiles.get(user_id).cloned(),
            credentials: store
                .credentials
                .get(user_id)
                .map(|c| c.values().cloned().collect())
                .unwrap_or_default(),
            operations,
            token: store.token_state(token_id, user_id),
            limits: store.limits.get(user_id).cloned().unwrap_or_default(),
        })
    }

    async fn actor(&self, actor_id: &UserId) -> Result<Option<Identity>, Error> {
        self.faults.check(DirectoryCall::Caller)?;
        Ok(lock(&self.store).profiles.get(actor_id).cloned())
    }

    async fn user_by_username(
        &self,
        org_id: &OrgId,
        username: &Username,
    ) -> Result<Option<Identity>, Error> {
        self.faults.check(DirectoryCall::UserByUsername)?;
        let store = lock(&self.store);
        Ok(store
            .usernames
            .get(&(org_id.clone(), username.clone()))
            .filter(|i| &i.org_id == org_id && !i.is_service_account)
            .cloned())
    }
}

impl DirectoryWriter for MemoryDirectory {
    async fn create_org(&self, org: &Org) -> Result<(), WriteError> {
        let mut store = lock(&self.store);
        require(!store.orgs.contains_key(&org.org_id), Refusal::Conflict)?;
        store.orgs.insert(org.org_id.clone(), org.clone());
        Ok(())
    }

    async fn create_identity(&self, identity: &Identity) -> Result<(), WriteError> {
        let mut store = lock(&self.store);
        store.check_new_identity(identity)?;
        store.insert_identity(identity);
        Ok(())
    }

    async fn create_service_account(
        &self,
        identity: &Identity,
        credential: &Credential,
        token: &TokenRecord,
    ) -> Result<(), WriteError> {
        let mut store = lock(&self.store);
        store.check_new_identity(identity)?;
        require(
            !store.has_credential(&identity.user_id, &credential.credential_id),
            Refusal::Conflict,
        )?;
        require(
            !store.tokens.contains_key(&token.token_id),
            Refusal::Conflict,
        )?;
        store.insert_identity(identity);
        store.insert_credential(&identity.user_id, credential);
        store.insert_token(token);
        Ok(())
    }

    async fn identity(&self, user_id: &UserId) -> Result<Option<Identity>, Error> {
        Ok(lock(&self.store).profiles.get(user_id).cloned())
    }

    /// Both copies of the identity (profile and, for users, the username
    /// entry `identity` names) must exist; both are replaced.
    async fn save_identity(&self, identity: &Identity) -> Result<(), WriteError> {
        let mut store = lock(&self.store);
        let name = username_key(identity);
        // Missing, or moved since it was read (the table tells only that a
        // condition failed; here the two are told apart for the tests).
        let read_at = |stored: Option<&Identity>| match stored {
            None => Err(WriteError::Refused(Refusal::IdentityMissing)),
            Some(s) => require(s.revision == identity.revision, Refusal::Conflict),
        };
        read_at(store.profiles.get(&identity.user_id))?;
        let next = Identity {
            revision: identity.revision + 1,
            ..identity.clone()
        };
        if !identity.is_service_account {
            read_at(store.usernames.get(&name))?;
            store.usernames.insert(name, next.clone());
        }
        store.profiles.insert(identity.user_id.clone(), next);
        Ok(())
    }

    async fn add_credential(
        &self,
        user_id: &UserId,
        credential: &Credential,
    ) -> Result<(), WriteError> {
        let mut store = lock(&self.store);
        require(
            store.profiles.contains_key(user_id),
            Refusal::IdentityMissing,
        )?;
        require(
            !store.has_credential(user_id, &credential.credential_id),
            Refusal::Conflict,
        )?;
        store.insert_credential(user_id, credential);
        Ok(())
    }

    async fn put_token(&self, token: &TokenRecord) -> Result<(), WriteError> {
        let mut store = lock(&self.store);
        require(
            !store.tokens.contains_key(&token.token_id),
            Refusal::Conflict,
        )?;
        store.insert_token(token);
        Ok(())
    }

    /// A service account token (`to-`) must be on record; a login token
    /// (`uj-`) gets a revocation record of its own.
    async fn revoke_token(&self, token_id: &TokenId) -> Result<(), WriteError> {
        let mut store = lock(&self.store);
        if token_id.is_service_account() {
            require(store.tokens.contains_key(token_id), Refusal::TokenMissing)?;
        }
        store
            .tokens
            .entry(token_id.clone())
            .or_insert(TokenEntry {
                record: None,
                revoked: true,
            })
            .revoked = true;
        Ok(())
    }

    async fn token_owner(&self, token_id: &TokenId) -> Result<Option<UserId>, Error> {
        Ok(lock(&self.store)
            .tokens
            .get(token_id)
            .and_then(|t| t.record.as_ref())
            .map(|r| r.user_id.clone()))
    }

    /// The token must be on record as `owner`'s and the owner's profile
    /// must exist; both change, or neither.
    async fn revoke_actor_token(
        &self,
        owner: &UserId,
        token_id: &TokenId,
        actor_cut_off: UnixMillis,
    ) -> Result<(), WriteError> {
        let mut store = lock(&self.store);
        let owned = store
            .tokens
            .get(token_id)
            .and_then(|t| t.record.as_ref())
            .is_some_and(|r| &r.user_id == owner);
        require(owned, Refusal::TokenMissing)?;
        let profile = store
            .profiles
            .get_mut(owner)
            .ok_or(WriteError::Refused(Refusal::IdentityMissing))?;
        profile.actor_cut_off = Some(actor_cut_off);
        profile.revision += 1;
        if let Some(t) = store.tokens.get_mut(token_id) {
            t.revoked = true;
        }
        Ok(())
    }

    async fn create_permission(&self, permission: &Permission) -> Result<(), WriteError> {
        let mut store = lock(&self.store);
        require(
            store.orgs.contains_key(&permission.org_id),
            Refusal::OrgMissing,
        )?;
        require(
            !store.permissions.contains_key(&permission.permission_id),
            Refusal::Conflict,
        )?;
        store
            .permissions
            .insert(permission.permission_id.clone(), permission.clone());
        Ok(())
    }

    async fn permission(&self, permission_id: &PermissionId) -> Result<Option<Permission>, Error> {
        Ok(lock(&self.store).permissions.get(permission_id).cloned())
    }

    async fn assign(&self, user_id: &UserId, assignment: &Assignment) -> Result<(), WriteError> {
        let mut store = lock(&self.store);
        require(
            store.profiles.contains_key(user_id),
            Refusal::IdentityMissing,
        )?;
        let taken = store
            .assignments
            .get(user_id)
            .is_some_and(|a| a.contains_key(&assignment.assignment_id));
        require(!taken, Refusal::Conflict)?;
        store
            .assignments
            .entry(user_id.clone())
            .or_default()
            .insert(assignment.assignment_id.clone(), assignment.clone());
        Ok(())
    }
}
