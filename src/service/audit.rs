//! Audit records: an issued delegated token's is written in the same stage
//! as its KMS sign; a refused delegated login's, and every other audited
//! change's, once the answer is decided.

use std::sync::Arc;

use crate::domain::audit::{now_micros, AuditEvent, AuditOutcome, AuditRecord, AuditSink};
use crate::domain::model::Identity;
use crate::domain::ports::{Directory, ReplayStore, Signer};
use crate::domain::secret::Redacted;
use crate::domain::time::UnixTime;
use crate::error::Error;
use crate::service::login::mint_login_token_id;
use crate::service::{ApiRequest, AuthService, Decision};

impl<D: Directory, R: ReplayStore, S: Signer> AuthService<D, R, S> {
    /// The service, recording its audit trail into `sink`.
    pub fn with_audit(mut self, sink: Arc<dyn AuditSink>) -> Self {
        self.audit = Some(sink);
        self
    }

    /// Check 11 of a delegated login: the token for `target`, signed, and
    /// its `issued` audit record, written concurrently; a failed audit
    /// write fails the login (500, no token), so that no token goes out
    /// unrecorded.
    pub(crate) async fn issue_delegated_token(
        &self,
        target: &Identity,
        actor: &Identity,
        req: &ApiRequest,
        now: UnixTime,
        decision: &mut Decision,
    ) -> Result<Redacted<String>, Error> {
        let token_id = mint_login_token_id(target, Some(actor));
        let record = AuditRecord {
            org_id: actor.org_id.clone(),
            at_micros: now_micros(),
            event: AuditEvent::DelegatedLogin,
            outcome: AuditOutcome::Issued,
            reason: None,
            status: 200,
            actor: Some(actor.user_id.clone()),
            target: Some(target.user_id.clone()),
            credential: decision.credential.clone(),
            jti: Some(token_id.clone()),
            source_ip: req.source_ip.clone(),
            user_agent: req.user_agent.clone(),
            request_id: decision.request_id.clone(),
        };
        let audit = async {
            match &self.audit {
                Some(sink) => sink.record(&record).await,
                None => Ok(()),
            }
        };
        self.issue_login_token_with(token_id, target, Some(&actor.user_id), now, decision, audit)
            .await
    }

    /// The record of an answered request, once the answer is decided:
    /// a refused delegated login (an issued one was recorded with its
    /// sign), or a change that was made. Nothing is recorded for a request
    /// whose bearer token did not verify (no org to file it under: the
    /// decision log has it). A failed write is logged, the answer stands.
    pub async fn audit_answer(
        &self,
        event: AuditEvent,
        req: &ApiRequest,
        decision: &Decision,
        err: Option<&Error>,
    ) {
        let Some(sink) = &self.audit else { return };
        let Some(org_id) = decision.org.clone() else {
            return;
        };
        let outcome = match (event, err) {
            (AuditEvent::DelegatedLogin, None) => return,
            (_, None) => AuditOutcome::Done,
            (AuditEvent::DelegatedLogin, Some(_)) => AuditOutcome::Refused,
            (_, Some(_)) => return,
        };
        let record = AuditRecord {
            org_id,
            at_micros: now_micros(),
            event,
            outcome,
            reason: err.map(Error::reason),
            status: err.map_or(200, Error::status),
            actor: decision.caller.clone(),
            target: decision.target.clone(),
            credential: decision.credential.clone(),
            jti: decision.issued_token.clone(),
            source_ip: req.source_ip.clone(),
            user_agent: req.user_agent.clone(),
            request_id: decision.request_id.clone(),
        };
        if let Err(e) = sink.record(&record).await {
            let detail = match &e {
                Error::Internal(d) => d.as_str(),
                _ => "",
            };
            tracing::error!(
                request_id = decision.request_id.as_deref(),
                event = event.as_str(),
                detail,
                "audit write failed"
            );
        }
    }
}
