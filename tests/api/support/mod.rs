//! The integration harness: a real moto backend, the real handler, and a
//! client that speaks the wire contract the way the Dfns SDKs do.

pub mod event;
pub mod keys;
pub mod moto;
#[path = "../../../src/test_passkeys.rs"]
pub mod passkeys;
pub mod proxy;
mod signed;

use std::collections::HashMap;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use delegated_login::admin::{Admin, ServiceAccount, ServiceAccountRequest};
use delegated_login::bootstrap::{build_service, AppService, AwsLimits};
use delegated_login::config::Config;
use delegated_login::domain::model::UserKind;
use delegated_login::http::handle;
use serde_json::{json, Value};

pub use keys::{KeyKind, TestKey, ALL_KINDS};

pub const DIRECTORY_TABLE: &str = "directory";
pub const REPLAY_TABLE: &str = "replay";
pub const ISSUER: &str = "https://auth.delegated-login.test";
pub const ALL_OPERATIONS: [&str; 4] = [
    "Auth:Users:Read",
    "Auth:Users:Delegate",
    "Auth:Types:Employee",
    "Auth:Types:EndUser",
];

/// Limits for talking to moto: one Python process serving every test of
/// the binary at once (64-request bursts included) answers far slower than
/// DynamoDB, so the function's own limits would time healthy calls out.
/// The fault tests use `AwsLimits::LAMBDA` where the bound is the point.
pub const MOTO_LIMITS: AwsLimits = AwsLimits {
    connect: Duration::from_secs(10),
    // Long enough that a slow but successful call is never retried: a
    // retried conditional write would be refused by its own first attempt.
    attempt: Duration::from_secs(180),
    operation: Duration::from_secs(360),
    max_attempts: 3,
};

pub async fn sdk_config() -> SdkConfig {
    sdk_config_for(moto::endpoint(), MOTO_LIMITS).await
}

/// An AWS configuration with `limits`, pointed at `endpoint`.
pub async fn sdk_config_for(endpoint: &str, limits: AwsLimits) -> SdkConfig {
    delegated_login::bootstrap::with_limits(aws_config::defaults(BehaviorVersion::latest()), limits)
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "tests"))
        .load()
        .await
}

/// The backend and a service built over it, as the Lambda builds it.
pub struct Stack {
    /// Where the service reaches its backends (moto, or a proxy).
    pub service_endpoint: String,
    pub sdk: SdkConfig,
    pub admin: Admin,
    pub service: AppService,
    pub key_id: String,
    pub env: HashMap<String, String>,
}

impl Stack {
    /// Default configuration: nonce policy `required`.
    pub async fn start() -> Self {
        Self::with_env(&[]).await
    }

    /// Extra or overriding environment variables for the service.
    pub async fn with_env(extra: &[(&str, &str)]) -> Self {
        Self::build(moto::endpoint(), extra).await
    }

    /// The service reaches its backends through `endpoint` (a proxy);
    /// provisioning still talks to moto directly.
    pub async fn behind(endpoint: &str) -> Self {
        Self::build(endpoint, &[]).await
    }

    async fn build(service_endpoint: &str, extra: &[(&str, &str)]) -> Self {
        let admin = Admin::new(&sdk_config().await, DIRECTORY_TABLE, REPLAY_TABLE);
        let sdk = sdk_config_for(service_endpoint, MOTO_LIMITS).await;
        admin.create_tables().await.expect("tables");
        let key_id = admin.create_signing_key(None).await.expect("kms key");
        let mut env: HashMap<String, String> = [
            ("DIRECTORY_TABLE", DIRECTORY_TABLE),
            ("REPLAY_TABLE", REPLAY_TABLE),
            ("SIGNING_KEY_ID", key_id.as_str()),
            ("TOKEN_ISSUER", ISSUER),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for (k, v) in extra {
            env.insert(k.to_string(), v.to_string());
        }
        let service = Self::service_for(&sdk, &env).await;
        Stack {
            service_endpoint: service_endpoint.to_string(),
            sdk,
            admin,
            service,
            key_id,
            env,
        }
    }

    /// The same service with the function's own limits on AWS calls.
    pub async fn lambda_limited_service(&self) -> AppService {
        let sdk = sdk_config_for(&self.service_endpoint, AwsLimits::LAMBDA).await;
        Self::service_for(&sdk, &self.env).await
    }

    pub async fn service_for(sdk: &SdkConfig, env: &HashMap<String, String>) -> AppService {
        let config = Config::from_lookup(|k| env.get(k).cloned()).expect("config");
        build_service(&config, sdk).await.expect("service")
    }

    /// Sends an API Gateway HTTP API (v2) event through the real handler.
    /// A `?` in `path` starts the raw query string, as a client sends it.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Reply {
        self.send_via(&self.service, method, path, headers, body)
            .await
    }

    /// The same, through another build of the service.
    pub async fn send_via(
        &self,
        service: &AppService,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Reply {
        let event = event::http_api_v2(method, path, headers, body, Some("application/json"));
        self.handle_via(service, &event).await
    }

    /// Runs one event document through `service`'s handler.
    pub async fn handle_via(&self, service: &AppService, event: &str) -> Reply {
        let request = lambda_http::request::from_str(event).expect("event parses");
        Reply::from(handle(service, request).await)
    }

    /// Sends a raw event document (any supported shape) through the handler.
    pub async fn send_event(&self, event: &str) -> Reply {
        self.handle_via(&self.service, event).await
    }

    pub async fn jwks(&self) -> Value {
        let reply = self.send("GET", "/.well-known/jwks.json", &[], None).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        reply.body
    }

    /// An org with an EndUser, a CustomerEmployee and a service account
    /// holding `operations`, whose credential key is of `kind`.
    pub async fn org(&self, kind: KeyKind, operations: &[&str]) -> Org {
        let org_id = self.admin.create_org("test org").await.expect("org");
        let end_user = format!("end-user-{}@example.co", &org_id[3..8]);
        let employee = format!("employee-{}@example.co", &org_id[3..8]);
        let end_user_id = self
            .admin
            .create_user(&org_id, &end_user, UserKind::EndUser)
            .await
            .expect("user");
        let employee_id = self
            .admin
            .create_user(&org_id, &employee, UserKind::CustomerEmployee)
            .await
            .expect("user");
        let sa = self.service_account(&org_id, kind, operations).await;
        Org {
            org_id,
            end_user,
            end_user_id,
            employee,
            employee_id,
            sa,
        }
    }

    pub async fn service_account(
        &self,
        org_id: &str,
        kind: KeyKind,
        operations: &[&str],
    ) -> Account {
        let key = TestKey::generate(kind);
        let pem = key.public_pem();
        let account = self
            .admin
            .create_service_account(&ServiceAccountRequest {
                org_id,
                name: "platform backend",
                public_key_pem: &pem,
                days_valid: 30,
                signing_key_id: &self.key_id,
                issuer: ISSUER,
            })
            .await
            .expect("service account");
        if !operations.is_empty() {
            let ops: Vec<String> = operations.iter().map(|s| s.to_string()).collect();
            let pm = self
                .admin
                .create_permission(org_id, "delegation", &ops)
                .await
                .expect("permission");
            self.admin
                .assign_permission(&pm, &account.user_id)
                .await
                .expect("assignment");
        }
        Account { info: account, key }
    }
}

impl Stack {
    /// The org's employee, logged in by delegation, as a client: its
    /// bearer token is a user token (tokenKind `Token`), not a service
    /// account's. With `credential`, it gets a Key credential too.
    pub async fn delegated_employee(&self, org: &Org, credential: bool) -> Account {
        let reply = Client::new(self, &org.sa)
            .delegated_login(&org.employee)
            .await;
        assert_eq!(reply.status, 200, "{reply:?}");
        let key = TestKey::generate(KeyKind::P256);
        let mut cred_id = String::new();
        if credential {
            cred_id = self
                .admin
                .add_credential(&org.employee_id, &key.public_pem())
                .await
                .expect("credential")
                .1;
        }
        let info = ServiceAccount {
            user_id: org.employee_id.clone(),
            credential_id: String::new(),
            cred_id,
            token_id: String::new(),
            token: reply.body["token"].as_str().expect("token").to_string(),
        };
        Account { info, key }
    }
}

pub struct Org {
    pub org_id: String,
    pub end_user: String,
    pub end_user_id: String,
    pub employee: String,
    pub employee_id: String,
    pub sa: Account,
}

/// An identity's bearer token and its credential key.
pub struct Account {
    pub info: ServiceAccount,
    pub key: TestKey,
}

#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: Value,
}

impl Reply {
    pub fn message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or("")
    }

    /// Asserts a contract error.
    pub fn assert_error(&self, status: u16, message: &str) {
        assert_eq!((self.status, self.message()), (status, message), "{self:?}");
        assert_eq!(self.content_type, "application/json");
    }
}

impl From<lambda_http::Response<lambda_http::Body>> for Reply {
    fn from(response: lambda_http::Response<lambda_http::Body>) -> Self {
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = match response.body() {
            lambda_http::Body::Text(t) => serde_json::from_str(t).expect("JSON body"),
            other => panic!("unexpected body {other:?}"),
        };
        Reply {
            status,
            content_type,
            body,
        }
    }
}

/// A fresh `X-DFNS-NONCE` dated `offset_secs` from now.
pub fn nonce_at(offset_secs: i64) -> String {
    let date = chrono::Utc::now() + chrono::Duration::seconds(offset_secs);
    let uuid = URL_SAFE_NO_PAD.encode(delegated_login::domain::secret::random_bytes::<16>());
    URL_SAFE_NO_PAD.encode(json!({ "uuid": uuid, "date": date.to_rfc3339() }).to_string())
}

pub fn nonce() -> String {
    nonce_at(0)
}

/// A client of one identity, doing what the SDKs do.
pub struct Client<'a> {
    pub stack: &'a Stack,
    pub account: &'a Account,
    /// Send a fresh nonce on every request (older SDKs) or none (current ones).
    pub send_nonce: bool,
}

impl<'a> Client<'a> {
    pub fn new(stack: &'a Stack, account: &'a Account) -> Self {
        Client {
            stack,
            account,
            send_nonce: true,
        }
    }

    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.account.info.token)
    }

    pub async fn post(&self, path: &str, body: &str, extra: &[(&str, &str)]) -> Reply {
        let bearer = self.bearer();
        let nonce = nonce();
        let mut headers = vec![("Authorization", bearer.as_str())];
        if self.send_nonce {
            headers.push(("X-DFNS-NONCE", nonce.as_str()));
        }
        headers.extend_from_slice(extra);
        self.stack.send("POST", path, &headers, Some(body)).await
    }

    pub async fn init(&self, path: &str, payload: &str) -> Reply {
        let body = json!({
            "userActionPayload": payload,
            "userActionHttpMethod": "POST",
            "userActionHttpPath": path,
            "userActionServerKind": "Api",
        });
        self.post("/auth/action/init", &body.to_string(), &[]).await
    }

    /// Signs a challenge the way the TS key signer does.
    pub fn assertion(&self, challenge: &Value) -> Value {
        let client_data =
            json!({ "type": "key.get", "challenge": challenge["challenge"] }).to_string();
        json!({
            "challengeIdentifier": challenge["challengeIdentifier"],
            "firstFactor": { "kind": "Key", "credentialAssertion": {
                "credId": self.account.info.cred_id,
                "clientData": URL_SAFE_NO_PAD.encode(&client_data),
                "signature": self.account.key.sign_b64(client_data.as_bytes()),
            }}
        })
    }

    /// init + action: a user action token for (POST, path, payload).
    pub async fn user_action(&self, path: &str, payload: &str) -> String {
        self.user_action_for("POST", path, payload).await
    }

    /// The whole SDK flow for `auth.delegatedLogin({ body: { username } })`.
    pub async fn delegated_login(&self, username: &str) -> Reply {
        let body = json!({ "username": username }).to_string();
        let ua = self.user_action("/auth/login/delegated", &body).await;
        self.post(
            "/auth/login/delegated",
            &body,
            &[("X-DFNS-USERACTION", &ua)],
        )
        .await
    }
}

/// Verifies an ES256 JWT against a JWKS document with aws-lc directly
/// (not the service's code) and returns header and claims.
pub fn verify_with_jwks(token: &str, jwks: &Value) -> (Value, Value) {
    use aws_lc_rs::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED};
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "compact JWS");
    let decode = |s: &str| URL_SAFE_NO_PAD.decode(s).expect("base64url");
    let header: Value = serde_json::from_slice(&decode(parts[0])).expect("header");
    let claims: Value = serde_json::from_slice(&decode(parts[1])).expect("claims");
    let jwk = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .expect("kid in JWKS");
    assert_eq!(
        (jwk["kty"].as_str(), jwk["crv"].as_str()),
        (Some("EC"), Some("P-256"))
    );
    let mut sec1 = vec![4u8];
    sec1.extend(decode(jwk["x"].as_str().unwrap()));
    sec1.extend(decode(jwk["y"].as_str().unwrap()));
    assert_eq!(sec1.len(), 65, "P-256 point");
    let signature = decode(parts[2]);
    assert_eq!(signature.len(), 64, "64-byte JOSE signature");
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &sec1)
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .expect("signature verifies");
    (header, claims)
}
