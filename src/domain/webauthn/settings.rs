//! An org's passkey settings: the relying parties (rpIds) its passkeys may
//! be bound to, and the page origins allowed for each.

use serde::{Deserialize, Serialize};

/// Longest rpId and origin accepted from the operator.
const MAX_LEN: usize = 253;

/// The origins a relying party allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origins {
    /// `"*"`: `https://<rpId>` and `https://<subdomain>.<rpId>`, any port.
    Https,
    /// Exactly these origins (scheme, host and port compared exactly).
    List(Vec<String>),
}

/// One relying party of an org.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelyingParty {
    pub rp_id: String,
    pub origins: Origins,
}

/// What the service reads of an org to offer and verify passkeys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeySettings {
    /// The org's name, the `rp.name` of a registration challenge.
    pub org_name: String,
    /// In the operator's order; empty: the org offers no passkeys.
    pub relying_parties: Vec<RelyingParty>,
}

impl PasskeySettings {
    /// The relying party a registration challenge names: the first.
    pub fn first(&self) -> Option<&RelyingParty> {
        self.relying_parties.first()
    }

    /// The relying parties that allow `origin`.
    pub fn allowing<'a>(&'a self, origin: &'a str) -> impl Iterator<Item = &'a RelyingParty> {
        self.relying_parties
            .iter()
            .filter(move |rp| rp.allows(origin))
    }

    /// The relying party `rp_id`, if the org still has it.
    pub fn relying_party(&self, rp_id: &str) -> Option<&RelyingParty> {
        self.relying_parties.iter().find(|rp| rp.rp_id == rp_id)
    }
}

impl RelyingParty {
    /// True when a page at `origin` may create or use this party's passkeys.
    pub fn allows(&self, origin: &str) -> bool {
        match &self.origins {
            Origins::List(list) => list.iter().any(|o| o == origin),
            Origins::Https => https_host(origin).is_some_and(|host| {
                host == self.rp_id
                    || host
                        .strip_suffix(self.rp_id.as_str())
                        .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.'))
            }),
        }
    }
}

/// The host of an `https://host[:port]` origin (nothing after the port).
fn https_host(origin: &str) -> Option<&str> {
    let authority = origin.strip_prefix("https://")?;
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    (port_ok && is_host(host)).then_some(host)
}

/// A lowercase DNS name: labels of letters, digits and hyphens.
fn is_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= MAX_LEN
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// The settings as the operator writes them and the directory stores them:
/// `[{"rpId": "example.com", "origins": "*" | ["https://app.example.com"]}]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RelyingPartyJson {
    pub rp_id: String,
    pub origins: OriginsJson,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OriginsJson {
    /// Only `"*"` is accepted.
    Any(String),
    List(Vec<String>),
}

impl RelyingPartyJson {
    pub fn of(rp: &RelyingParty) -> Self {
        Self {
            rp_id: rp.rp_id.clone(),
            origins: match &rp.origins {
                Origins::Https => OriginsJson::Any("*".to_string()),
                Origins::List(list) => OriginsJson::List(list.clone()),
            },
        }
    }

    /// Checks the operator's entry: an rpId is a lowercase domain; a list
    /// holds at least one origin, each `scheme://...` without a path.
    pub fn parse(self) -> Result<RelyingParty, String> {
        if !is_host(&self.rp_id) {
            return Err(format!(
                "rpId {:?} must be a lowercase domain name",
                self.rp_id
            ));
        }
        let origins = match self.origins {
            OriginsJson::Any(s) if s == "*" => Origins::Https,
            OriginsJson::Any(s) => {
                return Err(format!(
                    "origins must be \"*\" or a list of origins, not {s:?}"
                ))
            }
            OriginsJson::List(list) => {
                if list.is_empty() {
                    return Err("origins must list at least one origin".to_string());
                }
                if let Some(bad) = list.iter().find(|o| !is_origin(o)) {
                    return Err(format!(
                        "origin {bad:?} must be scheme://host[:port] (or an app origin such as android:apk-key-hash:...)"
                    ));
                }
                Origins::List(list)
            }
        };
        Ok(RelyingParty {
            rp_id: self.rp_id,
            origins,
        })
    }
}

/// A serialised origin: a scheme, then either `//authority` with no path
/// (web) or an opaque rest (`android:apk-key-hash:...`).
fn is_origin(origin: &str) -> bool {
    let Some((scheme, rest)) = origin.split_once(':') else {
        return false;
    };
    let scheme_ok = !scheme.is_empty()
        && scheme.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'+' || b == b'-' || b == b'.'
        });
    let rest_ok = match rest.strip_prefix("//") {
        Some(authority) => !authority.is_empty() && !authority.contains(['/', '?', '#']),
        None => !rest.is_empty(),
    };
    origin.len() <= MAX_LEN * 2
        && scheme_ok
        && rest_ok
        && !origin.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Parses the operator's JSON list of relying parties; rpIds must differ.
pub fn parse_relying_parties(json: &str) -> Result<Vec<RelyingParty>, String> {
    let entries: Vec<RelyingPartyJson> = serde_json::from_str(json).map_err(|e| {
        format!("passkey settings must be a JSON list of {{\"rpId\", \"origins\"}}: {e}")
    })?;
    let parties = entries
        .into_iter()
        .map(RelyingPartyJson::parse)
        .collect::<Result<Vec<_>, _>>()?;
    for (i, rp) in parties.iter().enumerate() {
        if parties[..i].iter().any(|other| other.rp_id == rp.rp_id) {
            return Err(format!("rpId {:?} is listed twice", rp.rp_id));
        }
    }
    Ok(parties)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rp(rp_id: &str, origins: Origins) -> RelyingParty {
        RelyingParty {
            rp_id: rp_id.to_string(),
            origins,
        }
    }

    #[test]
    fn star_allows_https_rp_id_and_its_subdomains_on_any_port() {
        let star = rp("example.com", Origins::Https);
        for ok in [
            "https://example.com",
            "https://app.example.com",
            "https://a.b.example.com:8443",
        ] {
            assert!(star.allows(ok), "{ok}");
        }
        for bad in [
            "http://example.com",
            "http://app.example.com",
            "https://badexample.com",
            "https://example.com.evil.test",
            "https://.example.com",
            "https://example.com/",
            "https://example.com:",
            "https://example.com:80a",
            "https://EXAMPLE.com",
            "https://evil.test#example.com",
            "example.com",
        ] {
            assert!(!star.allows(bad), "{bad}");
        }
    }

    #[test]
    fn a_list_allows_exactly_its_entries() {
        let list = rp(
            "localhost",
            Origins::List(vec!["http://localhost:3000".into()]),
        );
        assert!(list.allows("http://localhost:3000"));
        for bad in [
            "http://localhost:3001",
            "https://localhost:3000",
            "http://localhost",
            "http://localhost:3000/",
        ] {
            assert!(!list.allows(bad), "{bad}");
        }
    }

    #[test]
    fn the_operator_json_is_checked() {
        let parties = parse_relying_parties(
            r#"[{"rpId":"example.com","origins":"*"},{"rpId":"localhost","origins":["http://localhost:3000","android:apk-key-hash:abc"]}]"#,
        )
        .unwrap();
        assert_eq!(parties[0], rp("example.com", Origins::Https));
        assert_eq!(parties.len(), 2);
        for bad in [
            r#"{"rpId":"example.com","origins":"*"}"#,
            r#"[{"rpId":"Example.com","origins":"*"}]"#,
            r#"[{"rpId":"example.com","origins":"all"}]"#,
            r#"[{"rpId":"example.com","origins":[]}]"#,
            r#"[{"rpId":"example.com","origins":["https://example.com/app"]}]"#,
            r#"[{"rpId":"example.com","origins":["example.com"]}]"#,
            r#"[{"rpId":"a.com","origins":"*"},{"rpId":"a.com","origins":"*"}]"#,
            r#"[{"rpId":"a.com","origins":"*","x":1}]"#,
        ] {
            assert!(parse_relying_parties(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_relying_parties("[]").unwrap(), vec![]);
    }
}
