//! One use case per endpoint. Each runs the contract's checks in order
//! and keeps its network work to as few sequential stages as it can.

mod action;
mod audit;
mod caller;
pub mod credentials;
pub mod input;
mod introspect;
pub mod lifecycle;
mod limits;
mod login;
mod logout;
mod passkey_assertion;
pub mod registration;
#[cfg(test)]
mod tests;
mod users;

pub use introspect::{introspection_answer, parse_introspection_body};
pub use login::parse_login_body;
pub use logout::{parse_logout_body, LogoutResponse};

pub(crate) use input::{accept_force, parse_body};

use crate::domain::bearer::KeyRing;
use crate::domain::ids::{CredentialId, OrgId, TokenId, UserId};
use crate::domain::nonce::NoncePolicy;
use crate::domain::ports::{Directory, ReplayStore, Signer};
use crate::domain::secret::Redacted;

pub use action::{ActionInitResponse, ActionResponse};
pub use login::LoginResponse;
pub use users::{UserChange, UserListView, UserView};

/// Lifetime of a signing challenge.
pub const CHALLENGE_TTL_SECS: i64 = 15 * 60;
/// Lifetime of a user action token.
pub const USER_ACTION_TTL_SECS: i64 = 5 * 60;

/// Knobs of the checks, parsed from configuration once.
#[derive(Debug, Clone)]
pub struct Settings {
    pub issuer: String,
    pub nonce_policy: NoncePolicy,
    pub replay_window_secs: i64,
    pub delegated_token_ttl_secs: i64,
}

/// A request as the use cases see it: no HTTP types. Everything a
/// client may keep secret is `Redacted`, so `Debug` shows none of it.
#[derive(Debug, Clone, Default)]
pub struct ApiRequest {
    pub method: String,
    /// Path without stage prefix or query string: what a user action binds to.
    pub path: String,
    /// The raw (still percent-encoded) query string, without `?`; `None` when empty.
    pub query: Option<String>,
    pub authorization: Option<Redacted<String>>,
    pub nonce: Option<Redacted<String>>,
    pub user_action: Option<Redacted<String>>,
    /// Bodies carry signatures and challenges.
    pub body: Redacted<Vec<u8>>,
    /// The client's address as API Gateway saw it.
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
}

impl ApiRequest {
    pub fn body(&self) -> &[u8] {
        self.body.expose()
    }

    /// The first value of query parameter `name`, percent-decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        input::query_value(self.query.as_deref(), name)
    }
}

/// What one request decided, filled in as it becomes known, so that the
/// HTTP entry can log every answer, rejections included, with who asked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Decision {
    /// The caller, once its bearer token verified.
    pub caller: Option<UserId>,
    /// The user the request acted on, once looked up.
    pub target: Option<UserId>,
    /// The `jti` of a token this request issued.
    pub issued_token: Option<TokenId>,
    /// The credential whose signature this request verified.
    pub credential: Option<CredentialId>,
    /// The caller's org, once its bearer token verified (the audit
    /// record's partition).
    pub org: Option<OrgId>,
    /// The entry's request id, for the audit record.
    pub request_id: Option<String>,
    pub timings: StageTimings,
}

/// Wall time of each network stage of one request, for logs and metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StageTimings {
    /// The concurrent stage: caller read, nonce write, use case reads/writes.
    pub store_ms: Option<f64>,
    /// The KMS `Sign` of a delegated login.
    pub sign_ms: Option<f64>,
    /// The closing write of `/auth/action/init` and `/auth/action`.
    pub write_ms: Option<f64>,
}

/// Milliseconds since `started`, as logs and metrics report them.
pub fn elapsed_ms(started: std::time::Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}

/// Awaits `future`, storing its wall time in `slot`.
pub(crate) async fn timed<T>(
    slot: &mut Option<f64>,
    future: impl std::future::Future<Output = T>,
) -> T {
    let started = std::time::Instant::now();
    let out = future.await;
    *slot = Some(elapsed_ms(started));
    out
}

/// The service: the ports, the issuer's keys and the settings.
pub struct AuthService<D, R, S> {
    pub(crate) directory: D,
    pub(crate) replay: R,
    pub(crate) signer: S,
    pub(crate) keys: KeyRing,
    pub(crate) settings: Settings,
    /// Where audit records go (none: not recorded, as in unit tests).
    pub(crate) audit: Option<std::sync::Arc<dyn crate::domain::audit::AuditSink>>,
}

impl<D: Directory, R: ReplayStore, S: Signer> AuthService<D, R, S> {
    pub fn new(directory: D, replay: R, signer: S, keys: KeyRing, settings: Settings) -> Self {
        Self {
            directory,
            replay,
            signer,
            keys,
            settings,
            audit: None,
        }
    }

    /// The issuer's signer (its `kid` is logged at init).
    pub fn signer(&self) -> &S {
        &self.signer
    }

    /// `GET /.well-known/jwks.json`.
    pub fn jwks(&self) -> &serde_json::Value {
        self.keys.jwks()
    }
}
