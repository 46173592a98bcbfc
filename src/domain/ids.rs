//! Dfns-shaped identifiers: a prefix and three lowercase base32 groups,
//! e.g. `us-01jtb-imrht-edl9flkevj8gev5j`.

use crate::domain::secret::random_bytes;

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
        }
    }
}
