//! Instants as the rules and the stores see them: whole seconds since the
//! Unix epoch (what JWT claims and DynamoDB's TTL use).

/// A point in time, in seconds since the Unix epoch.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct UnixTime(i64);

impl UnixTime {
    /// The current time.
    pub fn now() -> Self {
        Self(crate::domain::unix_now())
    }

    pub const fn from_secs(secs: i64) -> Self {
        Self(secs)
    }

    pub const fn as_secs(self) -> i64 {
        self.0
    }

    /// `secs` later (earlier when negative), saturating.
    pub const fn plus_secs(self, secs: i64) -> Self {
        Self(self.0.saturating_add(secs))
    }
}

impl std::fmt::Display for UnixTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A point in time to the millisecond: when a token was minted, and the
/// cut-offs it is compared with (a second is too coarse: a token issued
/// just after a logout, in the same second, must still work).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct UnixMillis(i64);

impl UnixMillis {
    pub fn now() -> Self {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        Self(ms)
    }

    pub const fn from_millis(ms: i64) -> Self {
        Self(ms)
    }

    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// The second it falls in.
    pub const fn second(self) -> UnixTime {
        UnixTime::from_secs(self.0.div_euclid(1000))
    }

    pub const fn plus_millis(self, ms: i64) -> Self {
        Self(self.0.saturating_add(ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates() {
        assert_eq!(UnixTime::from_secs(10).plus_secs(5).as_secs(), 15);
        assert_eq!(
            UnixTime::from_secs(i64::MAX).plus_secs(1).as_secs(),
            i64::MAX
        );
        assert!(UnixTime::from_secs(1) < UnixTime::from_secs(2));
    }

    #[test]
    fn millis_fall_in_their_second() {
        assert_eq!(
            UnixMillis::from_millis(1_999).second(),
            UnixTime::from_secs(1)
        );
        assert_eq!(
            UnixMillis::from_millis(-1).second(),
            UnixTime::from_secs(-1)
        );
        assert_eq!(UnixMillis::from_millis(5).plus_millis(1).as_millis(), 6);
    }
}
