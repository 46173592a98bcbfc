//! A service over the memory ports and the steps every test repeats:
//! seeding an org, minting bearer tokens, signing assertions, running the
//! user action flow the SDKs run before each POST.

mod client;

pub use client::*;

use crate::adapters::memory::{MemoryDirectory, MemoryReplay, MemorySigner};
use crate::domain::ids::{AssignmentId, OrgId, PermissionId, TokenId, UserId};
use crate::domain::model::{
    Assignment, Identity, Org as OrgRecord, Permission, TokenKind, TokenRecord, UserKind,
};
use crate::domain::nonce::NoncePolicy;
use crate::domain::ports::{DirectoryWriter, Signer};
use crate::domain::time::UnixTime;
use crate::domain::token::{assemble, build_claims, signing_input, TokenSubject};
use crate::domain::username::Username;
use crate::error::Error;
use crate::service::{
    ActionInitResponse, ActionResponse, ApiRequest, AuthService, Decision, LoginResponse, Settings,
};

pub type Service = AuthService<MemoryDirectory, MemoryReplay, MemorySigner>;
pub type Answer<T> = (Result<T, Error>, Decision);

/// An org with an EndUser, a CustomerEmployee and a service account.
pub struct Org {
    pub org_id: OrgId,
    pub sa: Account,
    pub end_user: Identity,
    pub employee: Identity,
}

pub struct World {
    pub service: Service,
}

impl World {
    pub fn new() -> Self {
        Self::with_policy(NoncePolicy::Required)
    }

    pub fn with_policy(nonce_policy: NoncePolicy) -> Self {
        let signer = MemorySigner::generate("unit-key").expect("signer");
        let keys = signer.key_ring(ISSUER).expect("key ring");
        let settings = Settings {
            issuer: ISSUER.into(),
            nonce_policy,
            replay_window_secs: 300,
            delegated_token_ttl_secs: TTL_SECS,
        };
        let (directory, replay) = (MemoryDirectory::new(), MemoryReplay::new());
        Self {
            service: AuthService::new(directory, replay, signer, keys, settings),
        }
    }

    pub fn directory(&self) -> &MemoryDirectory {
        &self.service.directory
    }

    pub fn replay(&self) -> &MemoryReplay {
        &self.service.replay
    }

    pub fn signer(&self) -> &MemorySigner {
        &self.service.signer
    }

    /// An org whose service account holds `operations`.
    pub async fn org(&self, operations: &[&str]) -> Org {
        let org_id = self.new_org().await;
        let tag = &org_id.as_str()[3..8];
        let end_user = format!("end-user-{tag}@example.co");
        let employee = format!("employee-{tag}@example.co");
        Org {
            end_user: self.user(&org_id, &end_user, UserKind::EndUser).await,
            employee: self
                .user(&org_id, &employee, UserKind::CustomerEmployee)
                .await,
            sa: self.service_account(&org_id, operations).await,
            org_id,
        }
    }

    pub async fn new_org(&self) -> OrgId {
        let org = OrgRecord {
            org_id: OrgId::mint(),
            name: "unit org".into(),
            created_at: UnixTime::now(),
        };
        self.directory().create_org(&org).await.expect("org");
        org.org_id
    }

    pub async fn user(&self, org_id: &OrgId, username: &str, kind: UserKind) -> Identity {
        let identity = Identity::new(
            org_id.clone(),
            Username::parse(username).expect("username"),
            kind,
            false,
        );
        self.directory()
            .create_identity(&identity)
            .await
            .expect("user");
        identity
    }

    /// A service account with one key, one token on record, `operations`.
    pub async fn service_account(&self, org_id: &OrgId, operations: &[&str]) -> Account {
        let identity = Identity::new(
            org_id.clone(),
            Username::parse(SA_NAME).expect("name"),
            UserKind::CustomerEmployee,
            true,
        );
        let key = ClientKey::generate(true);
        let record = self.token_record(&identity);
        self.directory()
            .create_service_account(&identity, &key.credential, &record)
            .await
            .expect("service account");
        self.grant(&identity, operations).await;
        let token = self
            .bearer(&identity, TokenKind::ServiceAccount, &record.token_id)
            .await;
        Account {
            identity,
            token_id: record.token_id,
            token,
            key: Some(key),
        }
    }

    /// A service account token record for `identity`, not yet stored.
    pub fn token_record(&self, identity: &Identity) -> TokenRecord {
        TokenRecord {
            token_id: TokenId::new_service_account(),
            user_id: identity.user_id.clone(),
            org_id: identity.org_id.clone(),
            expires_at: UnixTime::now().plus_secs(30 * 86_400),
        }
    }

    /// A bearer token of this issuer naming `identity`, as `kind`.
    pub async fn bearer(&self, identity: &Identity, kind: TokenKind, token_id: &TokenId) -> String {
        let subject = TokenSubject {
            org_id: identity.org_id.as_str(),
            user_id: identity.user_id.as_str(),
            username: identity.username.as_str(),
            kind,
            token_id: token_id.as_str(),
            actor: None,
        };
        let now = UnixTime::now().as_secs();
        let claims = build_claims(ISSUER, &subject, now, 30 * 86_400);
        let input = signing_input(self.signer().key_id(), &claims);
        let signature = self.signer().sign(input.as_bytes()).await.expect("sign");
        assemble(&input, &signature)
    }

    /// A permission holding `operations`, assigned to `identity`.
    pub async fn grant(&self, identity: &Identity, operations: &[&str]) {
        if operations.is_empty() {
            return;
        }
        let permission = Permission {
            permission_id: PermissionId::mint(),
            org_id: identity.org_id.clone(),
            name: "delegation".into(),
            operations: operations.iter().map(|o| o.to_string()).collect(),
            active: true,
        };
        let assignment = Assignment {
            assignment_id: AssignmentId::mint(),
            permission_id: permission.permission_id.clone(),
            permission_name: permission.name.clone(),
            operations: permission.operations.clone(),
            active: true,
        };
        let directory = self.directory();
        directory.create_permission(&permission).await.expect("pm");
        directory
            .assign(&identity.user_id, &assignment)
            .await
            .expect("assignment");
    }

    pub async fn add_key(&self, user_id: &UserId, active: bool) -> ClientKey {
        let key = ClientKey::generate(active);
        self.directory()
            .add_credential(user_id, &key.credential)
            .await
            .expect("credential");
        key
    }

    pub async fn set_active(&self, identity: &Identity, active: bool) {
        // As stored now: a save names the revision it read.
        let stored = self
            .directory()
            .identity(&identity.user_id)
            .await
            .expect("read")
            .expect("exists");
        let changed = Identity { active, ..stored };
        self.directory()
            .save_identity(&changed)
            .await
            .expect("set active");
    }

    /// `user`, logged in by the org's service account: a login token, and
    /// with `with_key` a Key credential of its own.
    pub async fn logged_in(&self, org: &Org, user: &Identity, with_key: bool) -> Account {
        let (answer, decision) = self.login(&org.sa, user.username.as_str()).await;
        let token = answer.expect("delegated login").token.into_inner();
        let key = if with_key {
            Some(self.add_key(&user.user_id, true).await)
        } else {
            None
        };
        Account {
            identity: user.clone(),
            token_id: decision.issued_token.expect("issued"),
            token,
            key,
        }
    }

    /// A POST by `account` with a fresh nonce and no user action.
    pub fn post(&self, account: &Account, path: &str, body: &str) -> ApiRequest {
        ApiRequest {
            method: "POST".into(),
            path: path.into(),
            authorization: Some(format!("Bearer {}", account.token).into()),
            nonce: Some(nonce_at(0).into()),
            body: body.as_bytes().to_vec().into(),
            ..Default::default()
        }
    }

    pub async fn login_req(&self, req: &ApiRequest) -> Answer<LoginResponse> {
        let mut decision = Decision::default();
        let result = self.service.delegated_login(req, &mut decision).await;
        (result, decision)
    }

    pub async fn init_req(&self, req: &ApiRequest) -> Answer<ActionInitResponse> {
        let mut decision = Decision::default();
        let result = self.service.action_init(req, &mut decision).await;
        (result, decision)
    }

    pub async fn action_req(&self, req: &ApiRequest) -> Answer<ActionResponse> {
        let mut decision = Decision::default();
        let result = self.service.action_complete(req, &mut decision).await;
        (result, decision)
    }

    /// A challenge for (`method`, `path`, `payload`).
    pub async fn init(
        &self,
        account: &Account,
        method: &str,
        path: &str,
        payload: &str,
    ) -> ActionInitResponse {
        let body = init_body(method, path, payload);
        self.init_req(&self.post(account, INIT, &body))
            .await
            .0
            .expect("init")
    }

    /// Sends an `/auth/action` body.
    pub async fn action(&self, account: &Account, body: &str) -> Answer<ActionResponse> {
        self.action_req(&self.post(account, ACTION, body)).await
    }

    /// init + action: a user action token for (`method`, `path`, `payload`).
    pub async fn user_action_for(
        &self,
        account: &Account,
        method: &str,
        path: &str,
        payload: &str,
    ) -> String {
        let challenge = self.init(account, method, path, payload).await;
        let (answer, _) = self
            .action(account, &account.key().assertion(&challenge))
            .await;
        answer.expect("action").user_action.into_inner()
    }

    pub async fn user_action(&self, account: &Account, path: &str, payload: &str) -> String {
        self.user_action_for(account, "POST", path, payload).await
    }

    /// A login request for `username`, carrying `user_action`.
    pub fn login_request(
        &self,
        account: &Account,
        username: &str,
        user_action: &str,
    ) -> ApiRequest {
        let mut req = self.post(account, LOGIN, &login_body(username));
        req.user_action = Some(user_action.to_string().into());
        req
    }

    /// The whole SDK flow for `auth.delegatedLogin({ body: { username } })`.
    pub async fn login(&self, account: &Account, username: &str) -> Answer<LoginResponse> {
        let ua = self
            .user_action(account, LOGIN, &login_body(username))
            .await;
        self.login_req(&self.login_request(account, username, &ua))
            .await
    }
}
