//! Items of the directory table.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use super::{identity_pk, org_pk, Key, Status, ASSIGNMENT_PREFIX, CREDENTIAL_PREFIX, PROFILE_SK};
use crate::domain::ids::{
    AssignmentId, CredId, CredentialId, OrgId, PermissionId, TokenId, UserId,
};
use crate::domain::model::{
    Assignment, Credential, CredentialKind, Identity, Org, Passkey, Permission, TokenRecord,
    UserKind,
};
use crate::domain::time::{UnixMillis, UnixTime};
use crate::domain::username::Username;
use crate::domain::webauthn::{Origins, PasskeySettings, RelyingParty};
use crate::error::Error;

/// The attribute that holds an identity's cut-off.
const CUT_OFF: &str = "cutOff";
/// The attribute that holds a service account's cut-off as actor.
const ACTOR_CUT_OFF: &str = "actorCutOff";

const USERNAME_PREFIX: &str = "USERNAME#";

/// `ORG#<orgId>` / `ORG`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrgItem {
    pk: String,
    sk: String,
    org_id: OrgId,
    name: String,
    created_at: UnixTime,
    /// The operator's passkey settings (none: the org offers no passkeys).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    passkeys: Vec<RelyingPartyItem>,
}

/// One relying party of an org's passkey settings.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RelyingPartyItem {
    rp_id: String,
    /// `"*"`: https on the rpId and its subdomains.
    #[serde(default)]
    any_https_origin: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    origins: Vec<String>,
}

impl RelyingPartyItem {
    fn new(rp: &RelyingParty) -> Self {
        let (any_https_origin, origins) = match &rp.origins {
            Origins::Https => (true, Vec::new()),
            Origins::List(list) => (false, list.clone()),
        };
        Self {
            rp_id: rp.rp_id.clone(),
            any_https_origin,
            origins,
        }
    }

    fn into_relying_party(self) -> RelyingParty {
        RelyingParty {
            rp_id: self.rp_id,
            origins: if self.any_https_origin {
                Origins::Https
            } else {
                Origins::List(self.origins)
            },
        }
    }
}

impl OrgItem {
    /// The attribute that holds the passkey settings.
    pub const PASSKEYS: &'static str = "passkeys";

    pub fn key(org_id: &OrgId) -> Key {
        Key::directory(org_pk(org_id), "ORG")
    }

    /// The value of `PASSKEYS` for `parties`, for an update that moves
    /// nothing else.
    pub fn passkeys_attribute(parties: &[RelyingParty]) -> Result<AttributeValue, Error> {
        let items: Vec<RelyingPartyItem> = parties.iter().map(RelyingPartyItem::new).collect();
        serde_dynamo::to_attribute_value(items).map_err(|e| Error::internal("passkeys", e))
    }

    pub fn into_passkey_settings(self) -> PasskeySettings {
        PasskeySettings {
            org_name: self.name,
            relying_parties: self
                .passkeys
                .into_iter()
                .map(RelyingPartyItem::into_relying_party)
                .collect(),
        }
    }

    pub fn new(org: &Org) -> Self {
        let key = Self::key(&org.org_id);
        Self {
            pk: key.pk,
            sk: key.sk.unwrap_or_default(),
            org_id: org.org_id.clone(),
            name: org.name.clone(),
            created_at: org.created_at,
            passkeys: Vec::new(),
        }
    }
}

/// An identity, stored twice: its profile (`IDENTITY#<userId>` /
/// `PROFILE`) and, for users, its username entry (`ORG#<orgId>` /
/// `USERNAME#<username>`), so that a login finds its target in one read.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityItem {
    pk: String,
    sk: String,
    user_id: UserId,
    org_id: OrgId,
    username: Username,
    kind: UserKind,
    #[serde(default)]
    is_service_account: bool,
    status: Status,
    #[serde(default)]
    registered: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    credential_uuid: Option<CredentialId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    external_id: Option<String>,
    #[serde(default, rename = "isSSORequired")]
    is_sso_required: bool,
    /// Tokens issued at or before it are refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cut_off: Option<UnixMillis>,
    /// Delegated tokens naming this service account as actor minted at
    /// or before it are refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    actor_cut_off: Option<UnixMillis>,
    /// Moved by every change, so that a save can require what it read.
    #[serde(default)]
    revision: u64,
}

impl IdentityItem {
    /// Attributes registration sets on every item that carries a user.
    pub const REGISTERED: &'static str = "registered";
    pub const CREDENTIAL_UUID: &'static str = "credentialUuid";

    pub fn profile_key(user_id: &UserId) -> Key {
        Key::directory(identity_pk(user_id), PROFILE_SK)
    }

    pub fn username_key(org_id: &OrgId, username: &Username) -> Key {
        Key::directory(org_pk(org_id), format!("{USERNAME_PREFIX}{username}"))
    }

    /// The partition and `sk` prefix under which an org's users are listed
    /// (their username entries), in username order.
    pub fn org_users(org_id: &OrgId) -> (String, &'static str) {
        (org_pk(org_id), USERNAME_PREFIX)
    }

    /// The username a listing key names.
    pub fn username_in(key: &Key) -> Option<Username> {
        let sk = key.sk.as_deref()?.strip_prefix(USERNAME_PREFIX)?;
        Username::parse(sk).ok()
    }

    /// The keys of every item that carries `identity`.
    pub fn keys(identity: &Identity) -> Vec<Key> {
        let mut keys = vec![Self::profile_key(&identity.user_id)];
        if !identity.is_service_account {
            keys.push(Self::username_key(&identity.org_id, &identity.username));
        }
        keys
    }

    /// The attribute name and value of a cut-off, for an update that
    /// moves nothing else (logout of every session).
    pub fn cut_off_attribute(cut_off: UnixMillis) -> Result<(&'static str, AttributeValue), Error> {
        let value =
            serde_dynamo::to_attribute_value(cut_off).map_err(|e| Error::internal("cut-off", e))?;
        Ok((CUT_OFF, value))
    }

    /// The attribute name and value of an actor cut-off, for an update
    /// that moves nothing else (revocation of a service account token).
    pub fn actor_cut_off_attribute(
        cut_off: UnixMillis,
    ) -> Result<(&'static str, AttributeValue), Error> {
        let value = serde_dynamo::to_attribute_value(cut_off)
            .map_err(|e| Error::internal("actor cut-off", e))?;
        Ok((ACTOR_CUT_OFF, value))
    }

    /// The attribute every change moves.
    pub const REVISION: &'static str = "revision";

    /// The items `keys` names, in the same order.
    pub fn items(identity: &Identity) -> Vec<Self> {
        Self::keys(identity)
            .into_iter()
            .map(|key| Self {
                pk: key.pk,
                sk: key.sk.unwrap_or_default(),
                user_id: identity.user_id.clone(),
                org_id: identity.org_id.clone(),
                username: identity.username.clone(),
                kind: identity.kind,
                is_service_account: identity.is_service_account,
                status: if identity.archived {
                    Status::Archived
                } else {
                    Status::of(identity.active)
                },
                registered: identity.registered,
                credential_uuid: identity.credential_uuid.clone(),
                external_id: identity.external_id.clone(),
                is_sso_required: identity.is_sso_required,
                cut_off: identity.cut_off,
                actor_cut_off: identity.actor_cut_off,
                revision: identity.revision,
            })
            .collect()
    }

    pub fn into_identity(self) -> Identity {
        Identity {
            user_id: self.user_id,
            org_id: self.org_id,
            username: self.username,
            kind: self.kind,
            is_service_account: self.is_service_account,
            active: self.status == Status::Active,
            archived: self.status == Status::Archived,
            registered: self.registered,
            credential_uuid: self.credential_uuid,
            external_id: self.external_id,
            is_sso_required: self.is_sso_required,
            cut_off: self.cut_off,
            actor_cut_off: self.actor_cut_off,
            revision: self.revision,
        }
    }
}

/// `IDENTITY#<userId>` / `CREDENTIAL#<credentialId>`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialItem {
    pk: String,
    sk: String,
    credential_id: CredentialId,
    cred_id: CredId,
    public_key: String,
    status: Status,
    /// Absent on items written before credentials had kinds: `Key`.
    #[serde(default)]
    kind: CredentialKind,
    #[serde(default)]
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    created_at: Option<UnixTime>,
    /// A passkey's binding and counter (absent for other kinds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rp_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    origin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    aaguid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sign_count: Option<u32>,
}

impl CredentialItem {
    /// The attribute an assertion moves.
    pub const SIGN_COUNT: &'static str = "signCount";

    pub fn key(user_id: &UserId, credential_id: &CredentialId) -> Key {
        Key::directory(
            identity_pk(user_id),
            format!("{CREDENTIAL_PREFIX}{credential_id}"),
        )
    }

    pub fn new(user_id: &UserId, c: &Credential) -> Self {
        let key = Self::key(user_id, &c.credential_id);
        Self {
            pk: key.pk,
            sk: key.sk.unwrap_or_default(),
            credential_id: c.credential_id.clone(),
            cred_id: c.cred_id.clone(),
            public_key: c.public_key_pem.clone(),
            status: Status::of(c.active),
            kind: c.kind,
            name: c.name.clone(),
            created_at: c.created_at,
            rp_id: c.passkey.as_ref().map(|p| p.rp_id.clone()),
            origin: c.passkey.as_ref().map(|p| p.origin.clone()),
            aaguid: c.passkey.as_ref().map(|p| p.aaguid.clone()),
            sign_count: c.passkey.as_ref().map(|p| p.sign_count),
        }
    }

    pub fn into_credential(self) -> Credential {
        Credential {
            credential_id: self.credential_id,
            cred_id: self.cred_id,
            public_key_pem: self.public_key,
            active: self.status == Status::Active,
            kind: self.kind,
            name: self.name,
            created_at: self.created_at,
            passkey: self.rp_id.map(|rp_id| Passkey {
                rp_id,
                origin: self.origin.unwrap_or_default(),
                aaguid: self.aaguid.unwrap_or_default(),
                sign_count: self.sign_count.unwrap_or_default(),
            }),
        }
    }
}

/// `CREDID#<orgId>#<SHA-256 of the credId>` / `CREDID`: the credId is
/// taken in that org (written with the credential, in one transaction).
/// The digest keeps the key short whatever the credId's length.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredIdItem {
    pk: String,
    sk: String,
    org_id: OrgId,
    cred_id: CredId,
    user_id: UserId,
    credential_id: CredentialId,
}

impl CredIdItem {
    pub fn key(org_id: &OrgId, cred_id: &CredId) -> Key {
        let digest = crate::domain::secret::digest_hex(cred_id.as_str().as_bytes());
        Key::directory(format!("CREDID#{org_id}#{digest}"), "CREDID")
    }

    pub fn new(org_id: &OrgId, user_id: &UserId, c: &Credential) -> Self {
        let key = Self::key(org_id, &c.cred_id);
        Self {
            pk: key.pk,
            sk: key.sk.unwrap_or_default(),
            org_id: org_id.clone(),
            cred_id: c.cred_id.clone(),
            user_id: user_id.clone(),
            credential_id: c.credential_id.clone(),
        }
    }
}

/// `PERMISSION#<permissionId>` / `PERMISSION`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionItem {
    pk: String,
    sk: String,
    permission_id: PermissionId,
    org_id: OrgId,
    name: String,
    #[serde(with = "serde_dynamo::string_set")]
    operations: Vec<String>,
    status: Status,
}

impl PermissionItem {
    pub fn key(permission_id: &PermissionId) -> Key {
        Key::directory(format!("PERMISSION#{permission_id}"), "PERMISSION")
    }

    pub fn new(p: &Permission) -> Self {
        let key = Self::key(&p.permission_id);
        Self {
            pk: key.pk,
            sk: key.sk.unwrap_or_default(),
            permission_id: p.permission_id.clone(),
            org_id: p.org_id.clone(),
            name: p.name.clone(),
            operations: p.operations.clone(),
            status: Status::of(p.active),
        }
    }

    pub fn into_permission(self) -> Permission {
        Permission {
            permission_id: self.permission_id,
            org_id: self.org_id,
            name: self.name,
            operations: self.operations,
            active: self.status == Status::Active,
        }
    }
}

/// `IDENTITY#<userId>` / `ASSIGNMENT#<assignmentId>`, with the
/// permission's operations copied in.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentItem {
    pk: String,
    sk: String,
    assignment_id: AssignmentId,
    permission_id: PermissionId,
    #[serde(default)]
    permission_name: String,
    #[serde(with = "serde_dynamo::string_set")]
    operations: Vec<String>,
    status: Status,
}

impl AssignmentItem {
    pub fn key(user_id: &UserId, assignment_id: &AssignmentId) -> Key {
        Key::directory(
            identity_pk(user_id),
            format!("{ASSIGNMENT_PREFIX}{assignment_id}"),
        )
    }

    pub fn new(user_id: &UserId, a: &Assignment) -> Self {
        let key = Self::key(user_id, &a.assignment_id);
        Self {
            pk: key.pk,
            sk: key.sk.unwrap_or_default(),
            assignment_id: a.assignment_id.clone(),
            permission_id: a.permission_id.clone(),
            permission_name: a.permission_name.clone(),
            operations: a.operations.clone(),
            status: Status::of(a.active),
        }
    }

    pub fn into_assignment(self) -> Assignment {
        Assignment {
            assignment_id: self.assignment_id,
            permission_id: self.permission_id,
            permission_name: self.permission_name,
            operations: self.operations,
            active: self.status == Status::Active,
        }
    }
}

/// `TOKEN#<tokenId>` / `TOKEN`: a service account token on record, or
/// the revocation of a login token (then only `tokenId` and `status`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenItem {
    pk: String,
    sk: String,
    token_id: TokenId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user_id: Option<UserId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    org_id: Option<OrgId>,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<UnixTime>,
}

impl TokenItem {
    pub fn key(token_id: &TokenId) -> Key {
        Key::directory(format!("TOKEN#{token_id}"), "TOKEN")
    }

    /// The attribute naming a recorded token's owner.
    pub const OWNER: &'static str = "userId";

    /// The identity a recorded token belongs to (a revocation record of a
    /// login token names none).
    pub fn owner(&self) -> Option<&UserId> {
        self.user_id.as_ref()
    }

    /// True unless the record names another owner (a revocation record
    /// names none).
    pub fn belongs_to(&self, user_id: &UserId) -> bool {
        self.user_id.as_ref().is_none_or(|owner| owner == user_id)
    }

    pub fn new(t: &TokenRecord) -> Self {
        let key = Self::key(&t.token_id);
        Self {
            pk: key.pk,
            sk: key.sk.unwrap_or_default(),
            token_id: t.token_id.clone(),
            user_id: Some(t.user_id.clone()),
            org_id: Some(t.org_id.clone()),
            status: Status::Active,
            expires_at: Some(t.expires_at),
        }
    }
}
