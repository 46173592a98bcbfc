//! The prelude every POST shares: nonce syntax, bearer token, then one
//! concurrent stage that reads the caller and records the nonce alongside
//! the use case's own work.

use std::future::Future;

use crate::domain::ids::CredentialId;
use crate::domain::model::{Caller, CallerRecord, Identity, TokenKind, TokenState};
use crate::domain::nonce::{check_nonce, Nonce};
use crate::domain::payload::binding;
use crate::domain::ports::{Directory, ReplayStore, Signer, Spend};
use crate::domain::time::UnixTime;
use crate::domain::user_action::parse_user_action;
use crate::error::Error;
use crate::service::{timed, ApiRequest, AuthService, Decision};

/// A caller whose token verified and whose record is active.
pub(crate) struct ActiveCaller {
    pub caller: Caller,
    pub identity: Identity,
    pub record: CallerRecord,
}

impl ActiveCaller {
    /// The caller's credential with this credId: the one that signed the
    /// user action a request spent (the spend's answer names it), for the
    /// decision log and the audit record.
    pub fn signed_with(&self, cred_id: &str) -> Option<CredentialId> {
        self.record
            .credentials
            .iter()
            .find(|c| c.cred_id.as_str() == cred_id)
            .map(|c| c.credential_id.clone())
    }
}

/// Checks 1 and 2 of the contract: they need no network.
pub(crate) struct Preflight {
    pub now: UnixTime,
    pub nonce: Option<Nonce>,
    pub caller: Caller,
}

impl<D: Directory, R: ReplayStore, S: Signer> AuthService<D, R, S> {
    /// The bearer token is verified even when the nonce is refused, so
    /// that the decision names the caller; the nonce's answer still comes first.
    pub(crate) fn preflight(
        &self,
        req: &ApiRequest,
        decision: &mut Decision,
    ) -> Result<Preflight, Error> {
        let now = UnixTime::now();
        let settings = &self.settings;
        let nonce = check_nonce(
            req.nonce.as_ref().map(|n| n.expose().as_str()),
            settings.nonce_policy,
            settings.replay_window_secs,
            now,
        );
        let caller = self.keys.verify_authorization(
            req.authorization.as_ref().map(|a| a.expose().as_str()),
            now.as_secs(),
        );
        if let Ok(c) = &caller {
            decision.caller = Some(c.user_id.clone());
            decision.org = Some(c.org_id.clone());
        }
        let nonce = nonce?;
        Ok(Preflight {
            now,
            nonce,
            caller: caller?,
        })
    }

    /// Records the request's nonce (check 3's write); `true` when fresh or
    /// when the policy let the request go without one.
    pub(crate) async fn record_nonce(&self, pre: &Preflight) -> Result<bool, Error> {
        match &pre.nonce {
            Some(n) => {
                self.replay
                    .record_nonce(&pre.caller.user_id, &n.key, n.expires_at, pre.now)
                    .await
            }
            None => Ok(true),
        }
    }

    /// Removes the nonce this request just recorded, when its token or
    /// identity turned out not to be active: a revoked token, or one of a
    /// deactivated identity, leaves no nonce of its caller's behind. A
    /// compensating delete on the refusal path only, rather than one
    /// transaction conditioning the nonce's write on the caller's records:
    /// the success path keeps its single plain write (a transaction costs
    /// twice the write units and would have to restate `check_active` as
    /// condition expressions that can drift from it), and the refusal
    /// answers after one more round trip. Should the delete fail, the
    /// refusal stands and the nonce expires with its replay window.
    async fn forget_nonce(&self, pre: &Preflight, decision: &mut Decision) {
        let Some(nonce) = &pre.nonce else { return };
        let forget = self.replay.forget_nonce(&pre.caller.user_id, &nonce.key);
        if let Err(e) = timed(&mut decision.timings.write_ms, forget).await {
            let detail = match &e {
                Error::Internal(d) => d.as_str(),
                _ => "",
            };
            tracing::error!(
                request_id = decision.request_id.as_deref(),
                detail,
                "nonce of a refused caller not removed"
            );
        }
    }

    /// The profile of the service account a token names as its actor,
    /// if it names one (read in the caller's stage, for its actor cut-off).
    pub(crate) async fn read_actor(&self, caller: &Caller) -> Result<Option<Identity>, Error> {
        match &caller.actor {
            Some(actor) => self.directory.actor(actor).await,
            None => Ok(None),
        }
    }

    /// The records a bearer token's checks need: its identity's, its
    /// token id's state and its actor's profile, read concurrently. Boxed:
    /// the store's futures are large, and the stages that join this with
    /// other work would otherwise hold them all inline.
    pub(crate) async fn read_token_records(
        &self,
        caller: &Caller,
    ) -> Result<(CallerRecord, Option<Identity>), Error> {
        let (record, actor) = Box::pin(async {
            tokio::join!(
                self.directory.caller(&caller.user_id, &caller.token_id),
                self.read_actor(caller)
            )
        })
        .await;
        Ok((record?, actor?))
    }

    /// Runs the caller read, the nonce write and `work` concurrently, then
    /// answers checks 2 (caller still active) and 3 (nonce fresh) in order.
    pub(crate) async fn authenticate<T>(
        &self,
        pre: &Preflight,
        decision: &mut Decision,
        work: impl Future<Output = T>,
    ) -> Result<(ActiveCaller, T), Error> {
        let stage = async {
            tokio::join!(
                self.read_token_records(&pre.caller),
                self.record_nonce(pre),
                work
            )
        };
        let (records, fresh, out) = timed(&mut decision.timings.store_ms, stage).await;
        let (record, actor) = records?;
        let active = match check_active(&pre.caller, record, actor.as_ref()) {
            Ok(active) => active,
            Err(refused) => {
                if matches!(fresh, Ok(true)) {
                    self.forget_nonce(pre, decision).await;
                }
                return Err(refused);
            }
        };
        if !fresh? {
            return Err(Error::NonceReused);
        }
        Ok((active, out))
    }
}

impl<D: Directory, R: ReplayStore, S: Signer> AuthService<D, R, S> {
    /// Spends the request's user action, bound to this caller, method,
    /// path and body (run it inside the authenticate stage, and only once
    /// the body parsed, so that a refused request does not burn it). A
    /// value not shaped like a user action token costs no call.
    pub(crate) async fn spend_user_action(
        &self,
        req: &ApiRequest,
        pre: &Preflight,
    ) -> Result<Spend, Error> {
        let Some(action) = req
            .user_action
            .as_ref()
            .and_then(|t| parse_user_action(t.expose()))
        else {
            return Ok(Spend::Invalid);
        };
        let bound = binding(&pre.caller.user_id, &req.method, &req.path, req.body());
        self.replay
            .spend_user_action(&action, &pre.caller.user_id, &bound, pre.now)
            .await
    }
}

/// The contract's answer to a spend (check 5 of every signed write): the
/// credId that signed the user action when it was spent.
pub(crate) fn require_spent(spend: Result<Spend, Error>) -> Result<String, Error> {
    match spend? {
        Spend::Spent { cred_id } => Ok(cred_id),
        Spend::AlreadySpent => Err(Error::UserActionReused),
        Spend::Invalid => Err(Error::UserActionInvalid),
    }
}

/// A token naming a service account as its actor (`act.sub`) must have
/// been issued after that account's actor cut-off; the account must be on
/// record, in the token's org.
pub(crate) fn check_actor(caller: &Caller, actor: Option<&Identity>) -> Result<(), Error> {
    let Some(actor_id) = &caller.actor else {
        return Ok(());
    };
    let ok = actor.is_some_and(|a| {
        &a.user_id == actor_id
            && a.is_service_account
            && a.org_id == caller.org_id
            && !a.is_actor_cut_off(caller.minted_at)
    });
    ok.then_some(()).ok_or(Error::NotAuthorized)
}

/// The identity and the token id a verified token names must still be
/// active; service account tokens must also be on record, and a token
/// obtained by a service account must not be cut off as its actor's. The
/// one rule for every bearer token, the introspected ones included.
pub(crate) fn check_active(
    caller: &Caller,
    record: CallerRecord,
    actor: Option<&Identity>,
) -> Result<ActiveCaller, Error> {
    check_actor(caller, actor)?;
    let identity = record
        .identity
        .clone()
        .filter(|i| i.active && i.org_id == caller.org_id && !i.is_cut_off(caller.minted_at))
        .ok_or(Error::NotAuthorized)?;
    let token_ok = match (caller.token_kind, record.token) {
        (_, TokenState::Revoked) => false,
        (TokenKind::ServiceAccount, TokenState::Unrecorded) => false,
        (TokenKind::ServiceAccount, TokenState::Active) => identity.is_service_account,
        (TokenKind::Token, _) => !identity.is_service_account,
        // Only registration completion takes a temporary token, with its own check.
        (TokenKind::Temp, _) => false,
    };
    if !token_ok {
        return Err(Error::NotAuthorized);
    }
    Ok(ActiveCaller {
        caller: caller.clone(),
        identity,
        record,
    })
}
