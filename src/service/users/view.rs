//! The User object the users API answers with, and its page token.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::domain::decode_base64url;
use crate::domain::ids::OrgId;
use crate::domain::ports::{UserPage, UserRecord};
use crate::domain::username::Username;
use crate::error::Error;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionAssignmentView {
    pub permission_name: String,
    pub permission_id: String,
    pub assignment_id: String,
    pub operations: Vec<String>,
}

/// Dfns's User object.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    pub user_id: String,
    pub username: String,
    pub name: String,
    pub kind: &'static str,
    pub org_id: String,
    /// The first credential the user registered, or `""`.
    pub credential_uuid: String,
    pub is_active: bool,
    pub is_service_account: bool,
    pub is_registered: bool,
    #[serde(rename = "isSSORequired")]
    pub is_sso_required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub permission_assignments: Vec<PermissionAssignmentView>,
}

impl From<&UserRecord> for UserView {
    fn from(r: &UserRecord) -> Self {
        let i = &r.identity;
        Self {
            user_id: i.user_id.to_string(),
            username: i.username.to_string(),
            name: i.username.to_string(),
            kind: i.kind.as_str(),
            org_id: i.org_id.to_string(),
            credential_uuid: i
                .credential_uuid
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            is_active: i.active,
            is_service_account: i.is_service_account,
            is_registered: i.registered,
            is_sso_required: i.is_sso_required,
            external_id: i.external_id.clone(),
            permission_assignments: r
                .assignments
                .iter()
                .map(|a| PermissionAssignmentView {
                    permission_name: a.permission_name.clone(),
                    permission_id: a.permission_id.to_string(),
                    assignment_id: a.assignment_id.to_string(),
                    operations: a.operations.clone(),
                })
                .collect(),
        }
    }
}

/// `GET /auth/users`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserListView {
    pub items: Vec<UserView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// What a page token says: where the next page starts, in which org.
#[derive(Serialize, Deserialize)]
struct PageToken {
    org: OrgId,
    after: Username,
}

impl UserListView {
    pub fn new(page: &UserPage, org_id: &OrgId) -> Self {
        Self {
            items: page.users.iter().map(UserView::from).collect(),
            next_page_token: page.next.as_ref().map(|after| {
                let token = PageToken {
                    org: org_id.clone(),
                    after: after.clone(),
                };
                // Plain strings serialise without failure.
                URL_SAFE_NO_PAD.encode(serde_json::to_vec(&token).unwrap_or_default())
            }),
        }
    }
}

/// The username a page token continues after; a token of another org, or
/// anything else, is refused.
pub fn parse_page_token(token: &str, org_id: &OrgId) -> Result<Username, Error> {
    decode_base64url(token)
        .and_then(|bytes| serde_json::from_slice::<PageToken>(&bytes).ok())
        .filter(|t| &t.org == org_id)
        .map(|t| t.after)
        .ok_or_else(|| Error::bad_request("paginationToken is not valid"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_are_tied_to_their_org() {
        let org = OrgId::mint();
        let page = UserPage {
            users: Vec::new(),
            next: Some(Username::parse("m@example.co").unwrap()),
        };
        let token = UserListView::new(&page, &org).next_page_token.unwrap();
        assert_eq!(
            parse_page_token(&token, &org).unwrap().as_str(),
            "m@example.co"
        );
        assert!(parse_page_token(&token, &OrgId::mint()).is_err());
        assert!(parse_page_token("garbage", &org).is_err());
    }
}
