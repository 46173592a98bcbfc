//! A service account's limits on its delegated logins: checks 7a (source
//! address) and 7b (logins per minute), between the caller's permissions
//! and the target's lookup, so that a refused login learns nothing of the
//! org's users.

use crate::domain::limits::{login_window, ServiceAccountLimits};
use crate::domain::model::TokenKind;
use crate::domain::ports::{Directory, ReplayStore, Signer};
use crate::error::Error;
use crate::service::caller::Preflight;
use crate::service::{ApiRequest, AuthService};

impl<D: Directory, R: ReplayStore, S: Signer> AuthService<D, R, S> {
    /// Counts this attempt in the caller's current window, inside the
    /// login's one store stage. Only a service account token is counted
    /// (no other caller can log in on behalf of anyone); `None` otherwise.
    pub(crate) async fn count_login(&self, pre: &Preflight) -> Option<Result<u64, Error>> {
        if pre.caller.token_kind != TokenKind::ServiceAccount {
            return None;
        }
        let window = login_window(pre.now);
        Some(self.replay.count_login(&pre.caller.user_id, window).await)
    }
}

/// 7a: the request's source must be inside one of the account's CIDRs
/// (when it has any); 7b: this attempt's count in the window must be
/// within its logins per minute (when it has one). Each attempt took its
/// own count in one atomic increment, so at most N of any number of
/// concurrent attempts pass. A counter that failed is a 500 only for an
/// account with a rate limit.
pub(crate) fn check_limits(
    limits: &ServiceAccountLimits,
    req: &ApiRequest,
    count: Option<Result<u64, Error>>,
) -> Result<(), Error> {
    if !limits.allows_source(req.source_ip.as_deref()) {
        return Err(Error::SourceNotAllowed);
    }
    if limits.logins_per_minute.is_some() {
        let count = count.ok_or_else(|| Error::internal("login count", "not counted"))??;
        if !limits.allows_count(count) {
            return Err(Error::TooManyLogins);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::limits::Cidr;

    fn req(ip: Option<&str>) -> ApiRequest {
        ApiRequest {
            source_ip: ip.map(String::from),
            ..ApiRequest::default()
        }
    }

    #[test]
    fn source_comes_before_rate() {
        let limits = ServiceAccountLimits {
            cidrs: vec![Cidr::parse("203.0.113.0/24").unwrap()],
            logins_per_minute: Some(1),
        };
        let ok = req(Some("203.0.113.5"));
        assert_eq!(check_limits(&limits, &ok, Some(Ok(1))), Ok(()));
        assert_eq!(
            check_limits(&limits, &ok, Some(Ok(2))),
            Err(Error::TooManyLogins)
        );
        assert_eq!(
            check_limits(&limits, &req(Some("198.51.100.1")), Some(Ok(2))),
            Err(Error::SourceNotAllowed)
        );
        assert_eq!(
            check_limits(&limits, &req(None), Some(Ok(1))),
            Err(Error::SourceNotAllowed)
        );
        assert!(matches!(
            check_limits(&limits, &ok, Some(Err(Error::internal("x", "y")))),
            Err(Error::Internal(_))
        ));
    }

    #[test]
    fn no_limits_ignore_the_counter() {
        let none = ServiceAccountLimits::default();
        assert_eq!(check_limits(&none, &req(None), None), Ok(()));
        assert_eq!(
            check_limits(&none, &req(None), Some(Err(Error::internal("x", "y")))),
            Ok(())
        );
        assert_eq!(check_limits(&none, &req(None), Some(Ok(1_000_000))), Ok(()));
    }
}
