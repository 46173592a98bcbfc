//! Dfns-shaped identifiers: a prefix and three lowercase base32 groups,
//! e.g. `us-01jtb-imrht-edl9flkevj8gev5j`.
//!
//! Each kind of id is its own type, parsed once at the edge (`parse`) and
//! trusted inside, so a port cannot be called with an org id where a user
//! id belongs.

use crate::domain::secret::random_bytes;
use crate::domain::time::UnixMillis;

/// base32hex alphabet, lowercase, as seen in Dfns ids.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";

/// The kinds of id this service mints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    Org,
    User,
    Token,
    Credential,
    Permission,
    Assignment,
    IssuedToken,
}

impl IdKind {
    fn prefix(self) -> &'static str {
        match self {
            IdKind::Org => "or",
            IdKind::User => "us",
            IdKind::Token => "to",
            IdKind::Credential => "cr",
            IdKind::Permission => "pm",
            IdKind::Assignment => "as",
            IdKind::IssuedToken => "uj",
        }
    }
}

/// A fresh random id of the given kind (130 random bits).
pub fn new_id(kind: IdKind) -> String {
    let bytes = random_bytes::<26>();
    let body: Vec<char> = bytes
        .iter()
        .map(|b| ALPHABET[(b & 31) as usize] as char)
        .collect();
    let a: String = body[..5].iter().collect();
    let b: String = body[5..10].iter().collect();
    let c: String = body[10..].iter().collect();
    format!("{}-{a}-{b}-{c}", kind.prefix())
}

/// True when `id` has the shape of an id of `kind`.
pub fn is_id(kind: IdKind, id: &str) -> bool {
    let Some(rest) = id
        .strip_prefix(kind.prefix())
        .and_then(|r| r.strip_prefix('-'))
    else {
        return false;
    };
    let groups: Vec<&str> = rest.split('-').collect();
    groups.len() == 3
        && groups[0].len() == 5
        && groups[1].len() == 5
        && groups[2].len() == 16
        && groups
            .iter()
            .all(|g| g.bytes().all(|c| ALPHABET.contains(&c)))
}

/// A string-backed id type: `parse` is its one way in from outside, and
/// stored values are parsed again when read (serde goes through `parse`).
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $what:literal, [$($kind:ident),+]) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The id if `value` has the shape of one.
            pub fn parse(value: &str) -> Option<Self> {
                [$(IdKind::$kind),+]
                    .iter()
                    .any(|k| is_id(*k, value))
                    .then(|| Self(value.to_string()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(value: String) -> Result<Self, String> {
                Self::parse(&value).ok_or_else(|| format!("not {}", $what))
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

id_type!(
    /// `or-...`
    OrgId, "an org id", [Org]
);
id_type!(
    /// `us-...`: a user or a service account.
    UserId, "a user id", [User]
);
id_type!(
    /// A token's `jti`: `to-...` for a service account token (always on
    /// record), `uj-...` for a login token this service issued.
    TokenId, "a token id", [Token, IssuedToken]
);
id_type!(
    /// `cr-...`: the service's own id of a credential.
    CredentialId, "a credential id", [Credential]
);
id_type!(
    /// `pm-...`
    PermissionId, "a permission id", [Permission]
);
id_type!(
    /// `as-...`
    AssignmentId, "an assignment id", [Assignment]
);

impl OrgId {
    pub fn mint() -> Self {
        Self(new_id(IdKind::Org))
    }
}

impl UserId {
    pub fn mint() -> Self {
        Self(new_id(IdKind::User))
    }
}

/// An id whose first two groups carry `minted` (milliseconds, 50 bits of
/// base32hex, so ids sort by time) and whose last carries 80 random bits.
fn timed_id(kind: IdKind, minted: UnixMillis) -> String {
    let ms = minted.as_millis().clamp(0, (1 << 50) - 1) as u64;
    let time: String = (0..10)
        .rev()
        .map(|i| ALPHABET[((ms >> (5 * i)) & 31) as usize] as char)
        .collect();
    let random: String = random_bytes::<16>()
        .iter()
        .map(|b| ALPHABET[(b & 31) as usize] as char)
        .collect();
    format!("{}-{}-{}-{random}", kind.prefix(), &time[..5], &time[5..])
}

impl TokenId {
    /// A service account token's id (`to-`), minted now.
    pub fn new_service_account() -> Self {
        Self::new_service_account_at(UnixMillis::now())
    }

    pub fn new_service_account_at(minted: UnixMillis) -> Self {
        Self(timed_id(IdKind::Token, minted))
    }

    /// A login token's id (`uj-`), minted now.
    pub fn new_issued() -> Self {
        Self::new_issued_at(UnixMillis::now())
    }

    pub fn new_issued_at(minted: UnixMillis) -> Self {
        Self(timed_id(IdKind::IssuedToken, minted))
    }

    /// The instant the id says it was minted at (any well-formed id decodes
    /// to some instant; `Caller` trusts it only within its token's `iat`).
    pub fn minted_at(&self) -> Option<UnixMillis> {
        let groups: String = self.0.get(3..14)?.chars().filter(|c| *c != '-').collect();
        let mut ms: i64 = 0;
        for c in groups.bytes() {
            let digit = ALPHABET.iter().position(|a| *a == c)? as i64;
            ms = (ms << 5) | digit;
        }
        Some(UnixMillis::from_millis(ms))
    }

    /// True for service account token ids, which are always on record.
    pub fn is_service_account(&self) -> bool {
        is_id(IdKind::Token, &self.0)
    }
}

impl CredentialId {
    pub fn mint() -> Self {
        Self(new_id(IdKind::Credential))
    }
}

impl PermissionId {
    pub fn mint() -> Self {
        Self(new_id(IdKind::Permission))
    }
}

impl AssignmentId {
    pub fn mint() -> Self {
        Self(new_id(IdKind::Assignment))
    }
}

/// Longest credential id accepted from a client.
pub const MAX_CRED_ID_LEN: usize = 1024;

/// The id a client holds for its credential and sends back in every
/// assertion (`credId`): opaque, compared exactly.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CredId(String);

impl CredId {
    /// A fresh random credId (144 bits, base64url).
    pub fn mint() -> Self {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use base64::Engine;
        Self(URL_SAFE_NO_PAD.encode(random_bytes::<18>()))
    }

    /// Any non-empty printable string of bounded length.
    pub fn parse(value: &str) -> Option<Self> {
        (!value.is_empty()
            && value.len() <= MAX_CRED_ID_LEN
            && !value.chars().any(char::is_control))
        .then(|| Self(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CredId {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        Self::parse(&value).ok_or_else(|| "not a credId".to_string())
    }
}

impl From<CredId> for String {
    fn from(id: CredId) -> String {
        id.0
    }
}

impl std::fmt::Display for CredId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_ids_have_the_dfns_shape() {
        let id = new_id(IdKind::User);
        assert!(is_id(IdKind::User, &id), "{id}");
        assert!(!is_id(IdKind::Org, &id));
        assert_eq!(id.len(), "us-01jtb-imrht-edl9flkevj8gev5j".len());
        assert!(is_id(IdKind::User, "us-01jtb-imrht-edl9flkevj8gev5j"));
        assert_ne!(new_id(IdKind::User), new_id(IdKind::User));
    }

    #[test]
    fn rejects_malformed_ids() {
        for bad in [
            "",
            "us-",
            "us-01jtb-imrht",
            "us-01jtb-imrht-EDL9FLKEVJ8GEV5J",
            "us-01jtb-imrht-edl9flkevj8gev5jx",
        ] {
            assert!(!is_id(IdKind::User, bad), "{bad}");
            assert!(UserId::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn typed_ids_parse_only_their_kind() {
        let user = UserId::mint();
        assert_eq!(UserId::parse(user.as_str()), Some(user.clone()));
        assert!(OrgId::parse(user.as_str()).is_none());
        let sa = TokenId::new_service_account();
        let issued = TokenId::new_issued();
        assert!(sa.is_service_account() && !issued.is_service_account());
        assert!(TokenId::parse(issued.as_str()).is_some());
        assert!(TokenId::parse(user.as_str()).is_none());
    }

    #[test]
    fn stored_ids_are_parsed_again_when_read() {
        let id = OrgId::mint();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(serde_json::from_str::<OrgId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<OrgId>(r#""us-01jtb-imrht-edl9flkevj8gev5j""#).is_err());
        assert!(serde_json::from_str::<CredId>(r#""""#).is_err());
    }

    #[test]
    fn token_ids_carry_their_minting_instant() {
        let t = UnixMillis::from_millis(1_796_164_465_203);
        let id = TokenId::new_issued_at(t);
        assert!(is_id(IdKind::IssuedToken, id.as_str()), "{id}");
        assert_eq!(id.minted_at(), Some(t));
        let sa = TokenId::new_service_account_at(t.plus_millis(1));
        assert_eq!(sa.minted_at(), Some(t.plus_millis(1)));
        assert!(sa.is_service_account());
        assert_ne!(TokenId::new_issued_at(t), TokenId::new_issued_at(t));
    }
}
