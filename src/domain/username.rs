//! The username rule, shared by the API and the operator CLI: unique per
//! org, compared exactly as stored, 1 to 256 bytes, no control characters.

/// Usernames longer than this cannot exist.
pub const MAX_USERNAME_LEN: usize = 256;

/// A username that satisfies the rule.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

/// Why a string is not a username.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    #[error("username must be a non-empty string")]
    Empty,
    #[error("username must be at most 256 bytes without control characters")]
    Malformed,
}

impl Username {
    pub fn parse(value: &str) -> Result<Self, UsernameError> {
        if value.is_empty() {
            return Err(UsernameError::Empty);
        }
        if value.len() > MAX_USERNAME_LEN || value.chars().any(char::is_control) {
            return Err(UsernameError::Malformed);
        }
        Ok(Self(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Username {
    type Error = UsernameError;
    fn try_from(value: String) -> Result<Self, UsernameError> {
        Self::parse(&value)
    }
}

impl From<Username> for String {
    fn from(name: Username) -> String {
        name.0
    }
}

impl std::fmt::Display for Username {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule() {
        assert_eq!(Username::parse("a@b.co").unwrap().as_str(), "a@b.co");
        assert_eq!(Username::parse("jösé").unwrap().as_str(), "jösé");
        assert_eq!(Username::parse(""), Err(UsernameError::Empty));
        assert_eq!(Username::parse("a\u{0}b"), Err(UsernameError::Malformed));
        assert_eq!(Username::parse("a\nb"), Err(UsernameError::Malformed));
        let longest = "a".repeat(MAX_USERNAME_LEN);
        assert!(Username::parse(&longest).is_ok());
        assert_eq!(
            Username::parse(&format!("{longest}a")),
            Err(UsernameError::Malformed)
        );
    }
}
