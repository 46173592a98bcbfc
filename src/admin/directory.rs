//! Orgs, users, service accounts, permissions and tokens.

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, TransactWriteItem, Update};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::{Admin, AdminError};
use crate::adapters::dynamodb::items::*;
use crate::adapters::kms::{load_public_key, KmsSigner};
use crate::domain::credential::PublicKey;
use crate::domain::ids::{is_id, new_id, IdKind};
use crate::domain::model::{Identity, TokenKind, UserKind};
use crate::domain::ports::Signer;
use crate::domain::secret::random_bytes;
use crate::domain::token::{assemble, build_claims, signing_input, TokenSubject};
use crate::domain::unix_now;
use crate::service::MAX_USERNAME_LEN;

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

fn check_days_valid(days: i64) -> Result<(), AdminError> {
    if (1..=MAX_TOKEN_DAYS).contains(&days) {
        Ok(())
    } else {
        Err(AdminError::Invalid(format!(
            "days valid must be 1 to {MAX_TOKEN_DAYS}"
        )))
    }
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

fn put(table: &str, item: Item, condition: Option<&str>) -> Result<TransactWriteItem, AdminError> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .set_condition_expression(condition.map(String::from))
        .build()
        .map_err(|e| AdminError::backend("put", e))?;
    Ok(TransactWriteItem::builder().put(put).build())
}

fn require_id(kind: IdKind, id: &str, what: &str) -> Result<(), AdminError> {
    if is_id(kind, id) {
        Ok(())
    } else {
        Err(AdminError::Invalid(format!(
            "{what} {id:?} is not a valid id"
        )))
    }
}

/// An item of the directory: its keys and attributes.
fn keyed<const N: usize>(pk: String, sk: &str, attrs: [(&str, AttributeValue); N]) -> Item {
    with_keys(
        attrs.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        pk,
        sk,
    )
}

fn with_keys(mut item: Item, pk: String, sk: &str) -> Item {
    item.insert(PK.into(), s(pk));
    item.insert(SK.into(), s(sk));
    item
}

impl Admin {
    async fn get(&self, pk: String, sk: &str) -> Result<Option<Item>, AdminError> {
        let out = self
            .dynamo
            .get_item()
            .table_name(&self.directory_table)
            .key(PK, s(pk))
            .key(SK, s(sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| AdminError::backend("read", DisplayErrorContext(e)))?;
        Ok(out.item)
    }

    async fn transact(
        &self,
        items: Vec<TransactWriteItem>,
        conflict: &str,
    ) -> Result<(), AdminError> {
        let result = self
            .dynamo
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error().and_then(|s| s.code())
                    == Some("TransactionCanceledException") =>
            {
                Err(AdminError::Conflict(conflict.to_string()))
            }
            Err(e) => Err(AdminError::backend("write", DisplayErrorContext(e))),
        }
    }

    /// A put that never overwrites.
    fn put_new(&self, item: Item) -> Result<TransactWriteItem, AdminError> {
        put(
            &self.directory_table,
            item,
            Some("attribute_not_exists(pk)"),
        )
    }

    fn org_exists(&self, org_id: &str) -> Result<TransactWriteItem, AdminError> {
        let check = ConditionCheck::builder()
            .table_name(&self.directory_table)
            .key(PK, s(org_pk(org_id)))
            .key(SK, s(ORG_SK))
            .condition_expression("attribute_exists(pk)")
            .build()
            .map_err(|e| AdminError::backend("check", e))?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }

    pub async fn create_org(&self, name: &str) -> Result<String, AdminError> {
        let org_id = new_id(IdKind::Org);
        let item = keyed(
            org_pk(&org_id),
            ORG_SK,
            [
                ("orgId", s(&org_id)),
                ("name", s(name)),
                ("createdAt", n(unix_now())),
            ],
        );
        self.transact(vec![self.put_new(item)?], "org id").await?;
        Ok(org_id)
    }

    /// Creates a user; usernames are unique within the org.
    pub async fn create_user(
        &self,
        org_id: &str,
        username: &str,
        kind: UserKind,
    ) -> Result<String, AdminError> {
        require_id(IdKind::Org, org_id, "org")?;
        if username.is_empty()
            || username.len() > MAX_USERNAME_LEN
            || username.chars().any(char::is_control)
        {
            return Err(AdminError::Invalid(format!(
                "username must be 1 to {MAX_USERNAME_LEN} bytes without control characters"
            )));
        }
        let identity = Identity {
            user_id: new_id(IdKind::User),
            org_id: org_id.to_string(),
            username: username.to_string(),
            kind,
            is_service_account: false,
            active: true,
        };
        let attrs = identity_attributes(&identity);
        let items = vec![
            self.org_exists(org_id)?,
            self.put_new(with_keys(
                attrs.clone(),
                identity_pk(&identity.user_id),
                PROFILE_SK,
            ))?,
            self.put_new(with_keys(attrs, org_pk(org_id), &username_sk(username)))?,
        ];
        self.transact(
            items,
            &format!("org {org_id} missing or username {username:?} taken"),
        )
        .await?;
        Ok(identity.user_id)
    }

    /// Deactivates a user or service account; its tokens stop working at once.
    pub async fn deactivate_user(&self, user_id: &str) -> Result<(), AdminError> {
        require_id(IdKind::User, user_id, "user")?;
        let profile = self
            .get(identity_pk(user_id), PROFILE_SK)
            .await?
            .and_then(|i| identity_from(&i))
            .ok_or_else(|| AdminError::NotFound(format!("user {user_id}")))?;
        let mut keys = vec![(identity_pk(user_id), PROFILE_SK.to_string())];
        if !profile.is_service_account {
            keys.push((org_pk(&profile.org_id), username_sk(&profile.username)));
        }
        let mut items = Vec::new();
        for (pk, sk) in keys {
            let update = Update::builder()
                .table_name(&self.directory_table)
                .key(PK, s(pk))
                .key(SK, s(sk))
                .update_expression("SET #st = :inactive")
                .condition_expression("attribute_exists(pk)")
                .expression_attribute_names("#st", "status")
                .expression_attribute_values(":inactive", s(STATUS_INACTIVE))
                .build()
                .map_err(|e| AdminError::backend("update", e))?;
            items.push(TransactWriteItem::builder().update(update).build());
        }
        self.transact(items, &format!("user {user_id} changed concurrently"))
            .await
    }

    /// Adds a Key credential to an identity; returns (credential id, credId).
    pub async fn add_credential(
        &self,
        user_id: &str,
        public_key_pem: &str,
    ) -> Result<(String, String), AdminError> {
        require_id(IdKind::User, user_id, "identity")?;
        PublicKey::from_pem(public_key_pem).map_err(|e| AdminError::Invalid(e.to_string()))?;
        let credential_id = new_id(IdKind::Credential);
        let cred_id = URL_SAFE_NO_PAD.encode(random_bytes::<18>());
        let item = keyed(
            identity_pk(user_id),
            &format!("{CREDENTIAL_PREFIX}{credential_id}"),
            [
                ("credentialId", s(&credential_id)),
                ("credId", s(&cred_id)),
                ("publicKey", s(public_key_pem)),
                ("status", s(STATUS_ACTIVE)),
            ],
        );
        let exists = ConditionCheck::builder()
            .table_name(&self.directory_table)
            .key(PK, s(identity_pk(user_id)))
            .key(SK, s(PROFILE_SK))
            .condition_expression("attribute_exists(pk)")
            .build()
            .map_err(|e| AdminError::backend("check", e))?;
        let items = vec![
            TransactWriteItem::builder().condition_check(exists).build(),
            self.put_new(item)?,
        ];
        self.transact(items, &format!("identity {user_id} not found"))
            .await?;
        Ok((credential_id, cred_id))
    }

    /// Creates a service account with one Key credential and one token.
    pub async fn create_service_account(
        &self,
        req: &ServiceAccountRequest<'_>,
    ) -> Result<ServiceAccount, AdminError> {
        require_id(IdKind::Org, req.org_id, "org")?;
        check_days_valid(req.days_valid)?;
        if req.name.is_empty() || req.name.len() > MAX_USERNAME_LEN {
            return Err(AdminError::Invalid("name must be 1 to 256 bytes".into()));
        }
        PublicKey::from_pem(req.public_key_pem).map_err(|e| AdminError::Invalid(e.to_string()))?;
        let key = load_public_key(&self.kms, req.signing_key_id)
            .await
            .map_err(AdminError::Backend)?;

        let identity = Identity {
            user_id: new_id(IdKind::User),
            org_id: req.org_id.to_string(),
            username: req.name.to_string(),
            kind: UserKind::CustomerEmployee,
            is_service_account: true,
            active: true,
        };
        let profile = with_keys(
            identity_attributes(&identity),
            identity_pk(&identity.user_id),
            PROFILE_SK,
        );
        let items = vec![self.org_exists(req.org_id)?, self.put_new(profile)?];
        self.transact(items, &format!("org {} not found", req.org_id))
            .await?;
        let (credential_id, cred_id) = self
            .add_credential(&identity.user_id, req.public_key_pem)
            .await?;

        let issued = self
            .issue_token(&identity, req.days_valid, &key.kid, req.issuer)
            .await?;
        Ok(ServiceAccount {
            user_id: identity.user_id,
            credential_id,
            cred_id,
            token_id: issued.token_id,
            token: issued.token,
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
        require_id(IdKind::User, user_id, "service account")?;
        check_days_valid(days_valid)?;
        let identity = self
            .get(identity_pk(user_id), PROFILE_SK)
            .await?
            .and_then(|i| identity_from(&i))
            .filter(|i| i.is_service_account && i.active)
            .ok_or_else(|| AdminError::NotFound(format!("active service account {user_id}")))?;
        let key = load_public_key(&self.kms, signing_key_id)
            .await
            .map_err(AdminError::Backend)?;
        self.issue_token(&identity, days_valid, &key.kid, issuer)
            .await
    }

    /// Records a service account token, then has KMS sign it.
    async fn issue_token(
        &self,
        identity: &Identity,
        days_valid: i64,
        kid: &str,
        issuer: &str,
    ) -> Result<IssuedToken, AdminError> {
        let now = unix_now();
        let token_id = new_id(IdKind::Token);
        let ttl = days_valid * 86_400;
        let token_item = keyed(
            token_pk(&token_id),
            TOKEN_SK,
            [
                ("tokenId", s(&token_id)),
                ("userId", s(&identity.user_id)),
                ("orgId", s(&identity.org_id)),
                ("status", s(STATUS_ACTIVE)),
                ("expiresAt", n(now + ttl)),
            ],
        );
        self.transact(vec![self.put_new(token_item)?], "token id")
            .await?;
        let subject = TokenSubject {
            org_id: &identity.org_id,
            user_id: &identity.user_id,
            username: &identity.username,
            kind: TokenKind::ServiceAccount,
            token_id: &token_id,
            actor: None,
        };
        let input = signing_input(kid, &build_claims(issuer, &subject, now, ttl));
        let signature = KmsSigner::new(self.kms.clone(), kid)
            .sign(input.as_bytes())
            .await
            .map_err(|e| AdminError::backend("sign", format!("{e:?}")))?;
        Ok(IssuedToken {
            token_id,
            token: assemble(&input, &signature),
        })
    }

    /// Creates a named list of operations in an org.
    pub async fn create_permission(
        &self,
        org_id: &str,
        name: &str,
        operations: &[String],
    ) -> Result<String, AdminError> {
        require_id(IdKind::Org, org_id, "org")?;
        let ops: Vec<String> = operations
            .iter()
            .map(|o| o.trim().to_string())
            .filter(|o| !o.is_empty())
            .collect();
        if ops.is_empty() {
            return Err(AdminError::Invalid(
                "a permission needs at least one operation".into(),
            ));
        }
        let permission_id = new_id(IdKind::Permission);
        let item = keyed(
            permission_pk(&permission_id),
            PERMISSION_SK,
            [
                ("permissionId", s(&permission_id)),
                ("orgId", s(org_id)),
                ("name", s(name)),
                ("operations", AttributeValue::Ss(ops)),
                ("status", s(STATUS_ACTIVE)),
            ],
        );
        let items = vec![self.org_exists(org_id)?, self.put_new(item)?];
        self.transact(items, &format!("org {org_id} not found"))
            .await?;
        Ok(permission_id)
    }

    /// Grants a permission to an identity of the same org. The operations
    /// are copied into the assignment so that a login reads one partition.
    pub async fn assign_permission(
        &self,
        permission_id: &str,
        user_id: &str,
    ) -> Result<String, AdminError> {
        require_id(IdKind::Permission, permission_id, "permission")?;
        require_id(IdKind::User, user_id, "identity")?;
        let (permission, profile) = tokio::join!(
            self.get(permission_pk(permission_id), PERMISSION_SK),
            self.get(identity_pk(user_id), PROFILE_SK)
        );
        let permission = permission?
            .ok_or_else(|| AdminError::NotFound(format!("permission {permission_id}")))?;
        let identity = profile?
            .and_then(|i| identity_from(&i))
            .ok_or_else(|| AdminError::NotFound(format!("identity {user_id}")))?;
        if get_s(&permission, "orgId") != Some(identity.org_id.as_str()) {
            return Err(AdminError::Invalid(
                "permission and identity belong to different orgs".into(),
            ));
        }
        let assignment_id = new_id(IdKind::Assignment);
        let item = keyed(
            identity_pk(user_id),
            &format!("{ASSIGNMENT_PREFIX}{assignment_id}"),
            [
                ("assignmentId", s(&assignment_id)),
                ("permissionId", s(permission_id)),
                (
                    "operations",
                    AttributeValue::Ss(get_ss(&permission, "operations")),
                ),
                ("status", s(STATUS_ACTIVE)),
            ],
        );
        self.transact(vec![self.put_new(item)?], "assignment id")
            .await?;
        Ok(assignment_id)
    }

    /// Revokes a token by id. Service account tokens (`to-`) must exist;
    /// an issued login token (`uj-`) gets a revocation record.
    pub async fn revoke_token(&self, token_id: &str) -> Result<(), AdminError> {
        let condition = if is_id(IdKind::Token, token_id) {
            "attribute_exists(pk)"
        } else if is_id(IdKind::IssuedToken, token_id) {
            "attribute_not_exists(pk) OR attribute_exists(pk)"
        } else {
            return Err(AdminError::Invalid(format!(
                "token {token_id:?} is not a valid token id"
            )));
        };
        let update = Update::builder()
            .table_name(&self.directory_table)
            .key(PK, s(token_pk(token_id)))
            .key(SK, s(TOKEN_SK))
            .update_expression("SET #st = :revoked, tokenId = :id")
            .condition_expression(condition)
            .expression_attribute_names("#st", "status")
            .expression_attribute_values(":revoked", s(STATUS_REVOKED))
            .expression_attribute_values(":id", s(token_id))
            .build()
            .map_err(|e| AdminError::backend("update", e))?;
        let items = vec![TransactWriteItem::builder().update(update).build()];
        self.transact(items, &format!("token {token_id} not found"))
            .await
    }
}
