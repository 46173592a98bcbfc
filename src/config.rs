//! Configuration from the environment, parsed once at init.

use crate::domain::nonce::NoncePolicy;
use crate::service::Settings;

/// Typed configuration of the Lambda.
#[derive(Debug, Clone)]
pub struct Config {
    pub directory_table: String,
    pub replay_table: String,
    /// KMS key that signs new tokens: id, ARN or alias.
    pub signing_key_id: String,
    /// Keys that signed tokens which may still be valid (rotation).
    pub previous_signing_key_ids: Vec<String>,
    pub settings: Settings,
    /// How long audit records are kept (their TTL), `AUDIT_RETENTION_DAYS`.
    pub audit_retention_days: i64,
}

/// `AUDIT_RETENTION_DAYS`: 1 to 3650, 400 when unset.
fn audit_retention_days(get: &impl Fn(&str) -> Option<String>) -> Result<i64, ConfigError> {
    use crate::domain::audit::{DEFAULT_AUDIT_RETENTION_DAYS, MAX_AUDIT_RETENTION_DAYS};
    match get("AUDIT_RETENTION_DAYS").filter(|v| !v.trim().is_empty()) {
        None => Ok(DEFAULT_AUDIT_RETENTION_DAYS),
        Some(v) => v
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_AUDIT_RETENTION_DAYS).contains(n))
            .ok_or_else(|| {
                ConfigError(format!(
                    "AUDIT_RETENTION_DAYS must be a whole number of days from 1 to {MAX_AUDIT_RETENTION_DAYS}, got {v:?}"
                ))
            }),
    }
}

/// A configuration problem, named for the operator.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(String);

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Parses from any lookup, so tests need not touch the process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let required = |name: &str| {
            get(name)
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| ConfigError(format!("{name} is required")))
        };
        let seconds = |name: &str, default: i64, max: i64| -> Result<i64, ConfigError> {
            match get(name).filter(|v| !v.trim().is_empty()) {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|n| (1..=max).contains(n))
                    .ok_or_else(|| {
                        ConfigError(format!(
                            "{name} must be a whole number of seconds from 1 to {max}, got {v:?}"
                        ))
                    }),
            }
        };
        let nonce_policy = match get("NONCE_POLICY").as_deref().map(str::trim) {
            None | Some("") | Some("required") => NoncePolicy::Required,
            Some("optional") => NoncePolicy::Optional,
            Some(other) => {
                return Err(ConfigError(format!(
                    "NONCE_POLICY must be required or optional, got {other:?}"
                )))
            }
        };
        Ok(Config {
            directory_table: required("DIRECTORY_TABLE")?,
            replay_table: required("REPLAY_TABLE")?,
            signing_key_id: required("SIGNING_KEY_ID")?,
            previous_signing_key_ids: get("PREVIOUS_SIGNING_KEY_IDS")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            audit_retention_days: audit_retention_days(&get)?,
            settings: Settings {
                issuer: required("TOKEN_ISSUER")?,
                nonce_policy,
                replay_window_secs: seconds("REPLAY_WINDOW_SECONDS", 300, 3600)?,
                delegated_token_ttl_secs: seconds(
                    "DELEGATED_TOKEN_TTL_SECONDS",
                    6 * 3600,
                    24 * 3600,
                )?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn parse(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    const BASE: [(&str, &str); 4] = [
        ("DIRECTORY_TABLE", "dir"),
        ("REPLAY_TABLE", "replay"),
        ("SIGNING_KEY_ID", "alias/signing"),
        ("TOKEN_ISSUER", "https://auth.example"),
    ];

    #[test]
    fn defaults() {
        let c = parse(&BASE).unwrap();
        assert_eq!(c.settings.nonce_policy, NoncePolicy::Required);
        assert_eq!(c.settings.replay_window_secs, 300);
        assert_eq!(c.settings.delegated_token_ttl_secs, 21600);
        assert!(c.previous_signing_key_ids.is_empty());
        assert_eq!(c.audit_retention_days, 400);
    }

    #[test]
    fn audit_retention() {
        let mut vars = BASE.to_vec();
        vars.push(("AUDIT_RETENTION_DAYS", "30"));
        assert_eq!(parse(&vars).unwrap().audit_retention_days, 30);
        for bad in ["0", "3651", "x", "-1"] {
            let mut vars = BASE.to_vec();
            vars.push(("AUDIT_RETENTION_DAYS", bad));
            assert!(parse(&vars).is_err(), "{bad}");
        }
    }

    #[test]
    fn overrides() {
        let mut vars = BASE.to_vec();
        vars.extend([
            ("NONCE_POLICY", "optional"),
            ("REPLAY_WINDOW_SECONDS", "120"),
            ("DELEGATED_TOKEN_TTL_SECONDS", "3600"),
            ("PREVIOUS_SIGNING_KEY_IDS", "k1, k2,"),
        ]);
        let c = parse(&vars).unwrap();
        assert_eq!(c.settings.nonce_policy, NoncePolicy::Optional);
        assert_eq!(c.settings.replay_window_secs, 120);
        assert_eq!(c.settings.delegated_token_ttl_secs, 3600);
        assert_eq!(c.previous_signing_key_ids, vec!["k1", "k2"]);
    }

    #[test]
    fn names_what_is_wrong() {
        let err = parse(&BASE[1..]).unwrap_err().to_string();
        assert!(err.contains("DIRECTORY_TABLE"), "{err}");
        for (k, v) in [
            ("NONCE_POLICY", "sometimes"),
            ("REPLAY_WINDOW_SECONDS", "-5"),
            ("DELEGATED_TOKEN_TTL_SECONDS", "six hours"),
        ] {
            let mut vars = BASE.to_vec();
            vars.push((k, v));
            let err = parse(&vars).unwrap_err().to_string();
            assert!(err.contains(k), "{err}");
        }
    }
}
