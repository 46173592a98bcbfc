//! `GET /auth/users` and `GET /auth/users/{userId}`: no user action; the
//! read runs in the same stage as the caller's, and is shown only once
//! every check passed.

use super::view::parse_page_token;
use super::{allowed, path_user_id, visible, UserListView, UserView};
use crate::domain::model::UserKind;
use crate::domain::permissions::Capability;
use crate::domain::ports::{Directory, ReplayStore, Signer, UserDirectory};
use crate::domain::username::Username;
use crate::error::Error;
use crate::service::{ApiRequest, AuthService, Decision};

/// Page size when the caller names none.
pub const DEFAULT_PAGE: usize = 50;
pub const MAX_PAGE: usize = 200;

struct ListQuery {
    limit: usize,
    kind: Option<UserKind>,
    token: Option<String>,
}

fn parse_list_query(req: &ApiRequest) -> Result<ListQuery, Error> {
    let limit = match req.query_param("limit").as_deref() {
        None => DEFAULT_PAGE,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| Error::bad_request("limit must be a whole number from 1 to 200"))?,
    };
    let kind =
        match req.query_param("kind").as_deref() {
            None | Some("") => None,
            Some(v) => Some(UserKind::parse(v).ok_or_else(|| {
                Error::bad_request("kind must be one of CustomerEmployee, EndUser")
            })?),
        };
    let token = req.query_param("paginationToken").filter(|t| !t.is_empty());
    Ok(ListQuery { limit, kind, token })
}

impl<D, R, S> AuthService<D, R, S>
where
    D: Directory + UserDirectory,
    R: ReplayStore,
    S: Signer,
{
    /// `GET /auth/users`.
    pub async fn list_users(
        &self,
        req: &ApiRequest,
        decision: &mut Decision,
    ) -> Result<UserListView, Error> {
        let pre = self.preflight(req, decision)?;
        let org_id = pre.caller.org_id.clone();
        let query = parse_list_query(req).and_then(|q| {
            let after: Option<Username> = match &q.token {
                Some(t) => Some(parse_page_token(t, &org_id)?),
                None => None,
            };
            Ok((q, after))
        });
        let work = async {
            match &query {
                Ok((q, after)) => Some(
                    self.directory
                        .list_users(&org_id, q.kind, q.limit, after.as_ref())
                        .await,
                ),
                Err(_) => None,
            }
        };
        let (active, page) = self.authenticate(&pre, decision, work).await?;
        query?;
        let _ = allowed(&active, Capability::ReadUsers)?;
        let page = page.ok_or_else(|| Error::internal("users list", "no page read"))??;
        Ok(UserListView::new(&page, &org_id))
    }

    /// `GET /auth/users/{userId}`: archived users too.
    pub async fn get_user(
        &self,
        req: &ApiRequest,
        decision: &mut Decision,
    ) -> Result<UserView, Error> {
        let pre = self.preflight(req, decision)?;
        let target = path_user_id(&req.path);
        let work = async {
            match &target {
                Some(id) => self.directory.user(id).await,
                None => Ok(None),
            }
        };
        let (active, record) = self.authenticate(&pre, decision, work).await?;
        let _ = allowed(&active, Capability::ReadUsers)?;
        let record = visible(record?, &active, true)?;
        decision.target = Some(record.identity.user_id.clone());
        Ok(UserView::from(&record))
    }
}
