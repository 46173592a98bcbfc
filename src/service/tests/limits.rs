//! A service account's limits (checks 7a, 7b) and the issued token's audit
//! record, over the memory ports.

use std::sync::{Arc, Mutex};

use super::support::*;
use crate::domain::audit::{AuditEvent, AuditFuture, AuditOutcome, AuditRecord, AuditSink};
use crate::domain::limits::{Cidr, ServiceAccountLimits};
use crate::error::Error;

#[derive(Default)]
struct Recorded {
    records: Mutex<Vec<AuditRecord>>,
    fail: bool,
}

impl AuditSink for Recorded {
    fn record<'a>(&'a self, record: &'a AuditRecord) -> AuditFuture<'a> {
        Box::pin(async move {
            if self.fail {
                return Err(Error::internal("audit write", "refused"));
            }
            self.records.lock().unwrap().push(record.clone());
            Ok(())
        })
    }
}

fn limits(cidrs: &[&str], per_minute: Option<u32>) -> ServiceAccountLimits {
    ServiceAccountLimits {
        cidrs: cidrs.iter().map(|c| Cidr::parse(c).unwrap()).collect(),
        logins_per_minute: per_minute,
    }
}

#[tokio::test]
async fn a_refused_source_is_answered_before_the_user_lookup() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    let user = org.end_user.username.as_str();
    w.directory()
        .set_limits(&org.sa.identity.user_id, limits(&["203.0.113.0/24"], None));
    for username in [user, "nobody@example.co"] {
        let (answer, decision) = w.login(&org.sa, username).await;
        assert!(matches!(answer, Err(Error::SourceNotAllowed)), "{answer:?}");
        assert_eq!(decision.target, None);
    }
    let ua = w.user_action(&org.sa, LOGIN, &login_body(user)).await;
    let mut req = w.login_request(&org.sa, user, &ua);
    req.source_ip = Some("203.0.113.9".into());
    assert!(w.login_req(&req).await.0.is_ok());
}

#[tokio::test]
async fn the_nth_plus_one_login_of_a_window_is_429() {
    let w = World::new();
    let org = w.org(&ALL_OPERATIONS).await;
    let user = org.end_user.username.as_str();
    w.directory()
        .set_limits(&org.sa.identity.user_id, limits(&[], Some(2)));
    let mut answers = Vec::new();
    for _ in 0..3 {
        answers.push(w.login(&org.sa, user).await.0);
    }
    // Two windows at most: the third of three in a row is over the limit
    // unless a minute's edge fell between them.
    let issued = answers.iter().filter(|a| a.is_ok()).count();
    assert!(issued == 2 || issued == 3, "{answers:?}");
    if issued == 2 {
        assert!(matches!(answers[2], Err(Error::TooManyLogins)));
        assert_eq!(
            Error::TooManyLogins.to_string(),
            "too many delegated logins for this service account"
        );
        assert_eq!(Error::TooManyLogins.status(), 429);
    }
    // Another account of the org counts apart.
    let other = w.service_account(&org.org_id, &ALL_OPERATIONS).await;
    assert!(w.login(&other, user).await.0.is_ok());
}

#[tokio::test]
async fn an_issued_token_is_recorded_with_its_sign_and_never_without() {
    let sink = Arc::new(Recorded::default());
    let w = World::new();
    let w = World {
        service: w.service.with_audit(sink.clone()),
    };
    let org = w.org(&ALL_OPERATIONS).await;
    let (answer, decision) = w.login(&org.sa, org.end_user.username.as_str()).await;
    assert!(answer.is_ok());
    let records = sink.records.lock().unwrap().clone();
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert_eq!(
        (r.event, r.outcome),
        (AuditEvent::DelegatedLogin, AuditOutcome::Issued)
    );
    assert_eq!(r.jti, decision.issued_token);
    assert_eq!(r.actor.as_ref(), Some(&org.sa.identity.user_id));
    assert_eq!(r.target.as_ref(), Some(&org.end_user.user_id));
    assert_eq!(r.org_id, org.org_id);

    let failing = Arc::new(Recorded {
        fail: true,
        ..Recorded::default()
    });
    let w = World::new();
    let w = World {
        service: w.service.with_audit(failing),
    };
    let org = w.org(&ALL_OPERATIONS).await;
    let (answer, decision) = w.login(&org.sa, org.end_user.username.as_str()).await;
    assert!(matches!(answer, Err(Error::Internal(_))), "{answer:?}");
    assert_eq!(decision.issued_token, None);
}
