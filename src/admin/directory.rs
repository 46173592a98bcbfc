//! Orgs, users, service accounts, permissions and tokens.

use super::{Admin, AdminError};
use crate::domain::credential::PublicKey;
use crate::domain::ids::{
    AssignmentId, CredId, CredentialId, OrgId, PermissionId, TokenId, UserId,
};
use crate::domain::model::{
    Assignment, Credential, CredentialKind, Identity, Org, Permission, TokenKind, TokenRecord,
    UserKind,
};
use crate::domain::permissions::check_operation;
use crate::domain::ports::{DirectoryWriter, Signer};
use crate::domain::time::{UnixMillis, UnixTime};
use crate::domain::token::{assemble, build_claims, signing_input, TokenSubject};
use crate::domain::username::Username;
use crate::service::lifecycle::{self, set_user_active, NewUser};

/// Longest service account token lifetime, as Dfns allows.
pub const MAX_TOKEN_DAYS: i64 = 730;

/// What `create_service_account` needs.
pub struct ServiceAccountRequest<'a> {
    pub org_id: &'a str,
    pub name: &'a str,
    pub public_key_pem: &'a str,
    pub days_valid: i64,
    /// KMS key (id, ARN or alias) and issuer that sign its token.
    pub signing_key_id: &'a str,
    pub issuer: &'a str,
}

/// A service account token (shown once).
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuedToken {
    pub token_id: String,
    pub token: String,
}

/// A new service account and its one token (shown once).
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccount {
    pub user_id: String,
    pub credential_id: String,
    pub cred_id: String,
    pub token_id: String,
    pub token: String,
}

fn check_days_valid(days: i64) -> Result<(), AdminError> {
    if (1..=MAX_TOKEN_DAYS).contains(&days) {
        Ok(())
    } else {
        Err(AdminError::Invalid(format!(
            "days valid must be 1 to {MAX_TOKEN_DAYS}"
        )))
    }
}

/// Parses an id given by the operator.
fn parse<T>(value: &str, what: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T, AdminError> {
    parse(value).ok_or_else(|| AdminError::Invalid(format!("{what} {value:?} is not a valid id")))
}

fn username(value: &str) -> Result<Username, AdminError> {
    Username::parse(value).map_err(|e| AdminError::Invalid(e.to_string()))
}

/// A new active Key credential for a PEM public key.
fn key_credential(public_key_pem: &str) -> Result<Credential, AdminError> {
    PublicKey::from_pem(public_key_pem).map_err(|e| AdminError::Invalid(e.to_string()))?;
    Ok(Credential {
        credential_id: CredentialId::mint(),
        cred_id: CredId::mint(),
        public_key_pem: public_key_pem.to_string(),
        active: true,
        kind: CredentialKind::Key,
        name: String::new(),
        created_at: Some(crate::domain::time::UnixTime::now()),
        passkey: None,
    })
}

impl Admin {
    pub async fn create_org(&self, name: &str) -> Result<String, AdminError> {
        let org = Org {
            org_id: OrgId::mint(),
            name: name.to_string(),
            created_at: UnixTime::now(),
        };
        self.directory
            .create_org(&org)
            .await
            .map_err(|e| AdminError::from_write(e, "org"))?;
        Ok(org.org_id.to_string())
    }

    /// Creates a user; usernames are unique within the org.
    pub async fn create_user(
        &self,
        org_id: &str,
        username_: &str,
        kind: UserKind,
    ) -> Result<String, AdminError> {
        let new = NewUser {
            org_id: parse(org_id, "org", OrgId::parse)?,
            username: username(username_)?,
            kind,
            external_id: None,
            is_sso_required: false,
        };
        let identity = lifecycle::create_user(&self.directory, new)
            .await
            .map_err(|e| AdminError::from_write(e, &format!("user {username_:?} in {org_id}")))?;
        Ok(identity.user_id.to_string())
    }

    /// Deactivates a user or service account; its tokens stop working at
    /// once, and for good. Idempotent.
    pub async fn deactivate_user(&self, user_id: &str) -> Result<(), AdminError> {
        self.set_active(user_id, false).await
    }

    /// Activates a user or service account again: it can be logged in (or
    /// issued tokens) again; the tokens it held before deactivation stay
    /// refused. Idempotent.
    pub async fn activate_user(&self, user_id: &str) -> Result<(), AdminError> {
        self.set_active(user_id, true).await
    }

    /// Archives a user or service account for good: its tokens stop
    /// working and, for a service account, so do the delegated tokens it
    /// obtained. Idempotent.
    pub async fn archive_user(&self, user_id: &str) -> Result<(), AdminError> {
        let id = parse(user_id, "user", UserId::parse)?;
        let identity = self.identity(&id).await?;
        if identity.archived {
            return Ok(());
        }
        self.directory
            .save_identity(&lifecycle::archived(identity, UnixMillis::now()))
            .await
            .map_err(|e| AdminError::from_write(e, &format!("user {user_id}")))
    }

    async fn set_active(&self, user_id: &str, active: bool) -> Result<(), AdminError> {
        let id = parse(user_id, "user", UserId::parse)?;
        let identity = self.identity(&id).await?;
        set_user_active(&self.directory, identity, active, UnixMillis::now())
            .await
            .map(drop)
            .map_err(|e| AdminError::from_write(e, &format!("user {user_id}")))
    }

    async fn identity(&self, user_id: &UserId) -> Result<Identity, AdminError> {
        self.directory
            .identity(user_id)
            .await
            .map_err(|e| AdminError::backend("read", format!("{e:?}")))?
            .ok_or_else(|| AdminError::NotFound(format!("user {user_id}")))
    }

    /// Adds a Key credential to an identity; returns (credential id, credId).
    pub async fn add_credential(
        &self,
        user_id: &str,
        public_key_pem: &str,
    ) -> Result<(String, String), AdminError> {
        let id = parse(user_id, "identity", UserId::parse)?;
        let credential = key_credential(public_key_pem)?;
        self.directory
            .add_credential(&id, &credential)
            .await
            .map_err(|e| AdminError::from_write(e, &format!("identity {user_id}")))?;
        Ok((
            credential.credential_id.to_string(),
            credential.cred_id.to_string(),
        ))
    }

    /// Creates a service account with one Key credential and one token,
    /// written together: either all three exist, or none does.
    pub async fn create_service_account(
        &self,
        req: &ServiceAccountRequest<'_>,
    ) -> Result<ServiceAccount, AdminError> {
        let org_id = parse(req.org_id, "org", OrgId::parse)?;
        check_days_valid(req.days_valid)?;
        let credential = key_credential(req.public_key_pem)?;
        let name = username(req.name)
            .map_err(|_| AdminError::Invalid("name must be 1 to 256 bytes".into()))?;
        let identity = Identity::new(org_id, name, UserKind::CustomerEmployee, true);
        // Signed before anything is written: a token whose record never
        // lands is refused everywhere (service account tokens must be on record).
        let (record, token) = self
            .sign_token(&identity, req.days_valid, req.signing_key_id, req.issuer)
            .await?;
        self.directory
            .create_service_account(&identity, &credential, &record)
            .await
            .map_err(|e| {
                AdminError::from_write(e, &format!("service account in {}", req.org_id))
            })?;
        Ok(ServiceAccount {
            user_id: identity.user_id.to_string(),
            credential_id: credential.credential_id.to_string(),
            cred_id: credential.cred_id.to_string(),
            token_id: record.token_id.to_string(),
            token,
        })
    }

    /// Issues another token for an existing, active service account (to
    /// replace one, or after a signing key rotation).
    pub async fn create_service_account_token(
        &self,
        user_id: &str,
        days_valid: i64,
        signing_key_id: &str,
        issuer: &str,
    ) -> Result<IssuedToken, AdminError> {
        let id = parse(user_id, "service account", UserId::parse)?;
        check_days_valid(days_valid)?;
        let identity = self
            .identity(&id)
            .await
            .ok()
            .filter(|i| i.is_service_account && i.active)
            .ok_or_else(|| AdminError::NotFound(format!("active service account {user_id}")))?;
        let (record, token) = self
            .sign_token(&identity, days_valid, signing_key_id, issuer)
            .await?;
        self.directory
            .put_token(&record)
            .await
            .map_err(|e| AdminError::from_write(e, "token"))?;
        Ok(IssuedToken {
            token_id: record.token_id.to_string(),
            token,
        })
    }

    /// A service account token and the record that makes it valid.
    async fn sign_token(
        &self,
        identity: &Identity,
        days_valid: i64,
        signing_key_id: &str,
        issuer: &str,
    ) -> Result<(TokenRecord, String), AdminError> {
        let key = self
            .kms
            .public_key(signing_key_id)
            .await
            .map_err(AdminError::Backend)?;
        // Minted after the identity's cut-off, so that a token issued just
        // after a re-activation is not refused.
        let issued = UnixTime::now();
        let ttl = days_valid * 86_400;
        let record = TokenRecord {
            token_id: TokenId::new_service_account_at(identity.mint_time(UnixMillis::now())),
            user_id: identity.user_id.clone(),
            org_id: identity.org_id.clone(),
            expires_at: issued.plus_secs(ttl),
        };
        let subject = TokenSubject {
            org_id: identity.org_id.as_str(),
            user_id: identity.user_id.as_str(),
            username: identity.username.as_str(),
            kind: TokenKind::ServiceAccount,
            token_id: record.token_id.as_str(),
            actor: None,
        };
        let input = signing_input(
            &key.kid,
            &build_claims(issuer, &subject, issued.as_secs(), ttl),
        );
        let signature = self
            .kms
            .signer(&key.kid)
            .sign(input.as_bytes())
            .await
            .map_err(|e| AdminError::backend("sign", format!("{e:?}")))?;
        Ok((record, assemble(&input, &signature)))
    }

    /// Creates a named list of operations in an org. Each must be a
    /// well-formed operation name; names this service does not check are
    /// accepted and stored as given (the SDK enums grow every release).
    pub async fn create_permission(
        &self,
        org_id: &str,
        name: &str,
        operations: &[String],
    ) -> Result<String, AdminError> {
        let org = parse(org_id, "org", OrgId::parse)?;
        // A DynamoDB string set holds each value once.
        let mut operations: Vec<String> = operations
            .iter()
            .map(|o| o.trim().to_string())
            .filter(|o| !o.is_empty())
            .collect();
        operations.sort();
        operations.dedup();
        if operations.is_empty() {
            return Err(AdminError::Invalid(
                "a permission needs at least one operation".into(),
            ));
        }
        for operation in &operations {
            check_operation(operation).map_err(|e| AdminError::Invalid(e.to_string()))?;
        }
        let permission = Permission {
            permission_id: PermissionId::mint(),
            org_id: org,
            name: name.to_string(),
            operations,
            active: true,
        };
        self.directory
            .create_permission(&permission)
            .await
            .map_err(|e| AdminError::from_write(e, &format!("permission in {org_id}")))?;
        Ok(permission.permission_id.to_string())
    }

    /// Grants a permission to an identity of the same org. The operations
    /// are copied into the assignment so that a login reads one partition.
    pub async fn assign_permission(
        &self,
        permission_id: &str,
        user_id: &str,
    ) -> Result<String, AdminError> {
        let pm = parse(permission_id, "permission", PermissionId::parse)?;
        let id = parse(user_id, "identity", UserId::parse)?;
        let (permission, identity) =
            tokio::join!(self.directory.permission(&pm), self.identity(&id));
        let permission = permission
            .map_err(|e| AdminError::backend("read", format!("{e:?}")))?
            .ok_or_else(|| AdminError::NotFound(format!("permission {permission_id}")))?;
        let identity = identity.map_err(|_| AdminError::NotFound(format!("identity {user_id}")))?;
        if permission.org_id != identity.org_id {
            return Err(AdminError::Invalid(
                "permission and identity belong to different orgs".into(),
            ));
        }
        let assignment = Assignment {
            assignment_id: AssignmentId::mint(),
            permission_id: pm,
            permission_name: permission.name,
            operations: permission.operations,
            active: true,
        };
        self.directory
            .assign(&id, &assignment)
            .await
            .map_err(|e| AdminError::from_write(e, &format!("identity {user_id}")))?;
        Ok(assignment.assignment_id.to_string())
    }

    /// Revokes a token by id. Service account tokens (`to-`) must exist,
    /// and their revocation also cuts off every delegated token their
    /// account obtained; an issued login token (`uj-`) gets a revocation
    /// record.
    pub async fn revoke_token(&self, token_id: &str) -> Result<(), AdminError> {
        let id = TokenId::parse(token_id).ok_or_else(|| {
            AdminError::Invalid(format!("token {token_id:?} is not a valid token id"))
        })?;
        lifecycle::revoke_token(&self.directory, &id, UnixMillis::now())
            .await
            .map_err(|e| AdminError::from_write(e, &format!("token {token_id}")))
    }
}
