//! An org's passkey settings, as the operator sets them.

use super::{Admin, AdminError};
use crate::domain::ids::OrgId;
use crate::domain::webauthn::settings::{parse_relying_parties, RelyingPartyJson};

/// What `org passkeys` sets: the whole list, replacing the stored one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasskeysChange {
    /// `--json '[{"rpId": ..., "origins": "*" | [...]}]'`.
    Json(String),
    /// `--rp-id example.com --origins '*'` (or a comma-separated list).
    One { rp_id: String, origins: String },
    /// `--clear`: the org offers no passkeys.
    Clear,
}

impl PasskeysChange {
    /// The operator's arguments as the JSON list they stand for.
    fn json(&self) -> String {
        match self {
            PasskeysChange::Json(json) => json.clone(),
            PasskeysChange::Clear => "[]".to_string(),
            PasskeysChange::One { rp_id, origins } => {
                let origins = if origins.trim() == "*" {
                    serde_json::Value::from("*")
                } else {
                    origins
                        .split(',')
                        .map(str::trim)
                        .filter(|o| !o.is_empty())
                        .collect::<Vec<_>>()
                        .into()
                };
                serde_json::json!([{ "rpId": rp_id, "origins": origins }]).to_string()
            }
        }
    }
}

impl Admin {
    /// Replaces an org's passkey settings; they apply from the next request.
    pub async fn set_passkeys(
        &self,
        org: &str,
        change: &PasskeysChange,
    ) -> Result<Vec<RelyingPartyJson>, AdminError> {
        let org_id = OrgId::parse(org)
            .ok_or_else(|| AdminError::Invalid(format!("org {org:?} is not a valid id")))?;
        let parties = parse_relying_parties(&change.json()).map_err(AdminError::Invalid)?;
        let found = self
            .directory
            .set_passkeys(&org_id, &parties)
            .await
            .map_err(|e| AdminError::backend("write", format!("{e:?}")))?;
        if !found {
            return Err(AdminError::NotFound(format!("org {org}")));
        }
        Ok(parties.iter().map(RelyingPartyJson::of).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_short_form_is_the_json_list() {
        let star = PasskeysChange::One {
            rp_id: "example.com".into(),
            origins: "*".into(),
        };
        assert_eq!(star.json(), r#"[{"origins":"*","rpId":"example.com"}]"#);
        let list = PasskeysChange::One {
            rp_id: "localhost".into(),
            origins: "http://localhost:3000, http://localhost:8080".into(),
        };
        assert_eq!(
            parse_relying_parties(&list.json()).unwrap()[0].origins,
            crate::domain::webauthn::Origins::List(vec![
                "http://localhost:3000".into(),
                "http://localhost:8080".into()
            ])
        );
        assert_eq!(PasskeysChange::Clear.json(), "[]");
    }
}
