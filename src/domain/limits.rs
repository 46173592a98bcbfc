//! Limits an operator may set on a service account (off by default): the
//! source addresses its delegated logins may come from, and how many
//! delegated logins it may obtain per minute.

use std::net::IpAddr;

use crate::domain::time::UnixTime;

/// Length of the fixed window of the logins-per-minute limit.
pub const LOGIN_WINDOW_SECS: i64 = 60;

/// How long a window's counter is kept after the window closes (its TTL);
/// a closed window is never read again.
pub const LOGIN_WINDOW_RETENTION_SECS: i64 = 2 * LOGIN_WINDOW_SECS;

/// An address block, IPv4 or IPv6, in CIDR notation (`203.0.113.0/24`,
/// `2001:db8::/32`; a bare address is a /32 or /128).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `addr/prefix` or a bare address. Host bits set below the
    /// prefix are refused: `203.0.113.7/24` is almost always a typo.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let network: IpAddr = addr
            .parse()
            .map_err(|_| format!("{s:?} is not an IPv4 or IPv6 address block"))?;
        let max = max_prefix(network);
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{s:?}: the prefix length must be 0 to {max}"))?,
        };
        let cidr = Self { network, prefix };
        if masked(network, prefix) != bits(network) {
            return Err(format!("{s:?}: bits are set below the prefix length"));
        }
        Ok(cidr)
    }

    /// True when `ip` is inside this block. An IPv4-mapped IPv6 address
    /// (`::ffff:203.0.113.7`) is compared as the IPv4 address it carries.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.network, ip) {
            (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)) => {
                masked(ip, self.prefix) == bits(self.network)
            }
            _ => false,
        }
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn max_prefix(ip: IpAddr) -> u8 {
    match ip {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

fn bits(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

fn masked(ip: IpAddr, prefix: u8) -> u128 {
    let width = u32::from(max_prefix(ip));
    let host_bits = width - u32::from(prefix);
    let mask = if host_bits >= 128 {
        0
    } else {
        !0u128 << host_bits
    };
    bits(ip) & mask
}

/// A service account's limits; the default is none at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceAccountLimits {
    /// Empty: any source. Otherwise a delegated login must come from one of these.
    pub cidrs: Vec<Cidr>,
    /// At most this many delegated logins per fixed one-minute window.
    pub logins_per_minute: Option<u32>,
}

impl ServiceAccountLimits {
    pub fn is_none(&self) -> bool {
        self.cidrs.is_empty() && self.logins_per_minute.is_none()
    }

    /// True when a login from `source` may go ahead. With a CIDR list set,
    /// an unknown or unparsable source is refused.
    pub fn allows_source(&self, source: Option<&str>) -> bool {
        if self.cidrs.is_empty() {
            return true;
        }
        source
            .and_then(|s| s.trim().parse::<IpAddr>().ok())
            .is_some_and(|ip| self.cidrs.iter().any(|c| c.contains(ip)))
    }

    /// True when the `count`th login of the window (counting from 1) is
    /// within the limit.
    pub fn allows_count(&self, count: u64) -> bool {
        self.logins_per_minute.is_none_or(|n| count <= u64::from(n))
    }
}

/// The start of the fixed one-minute window that `now` falls in.
pub fn login_window(now: UnixTime) -> UnixTime {
    let secs = now.as_secs();
    UnixTime::from_secs(secs - secs.rem_euclid(LOGIN_WINDOW_SECS))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(cidrs: &[&str]) -> ServiceAccountLimits {
        ServiceAccountLimits {
            cidrs: cidrs.iter().map(|c| Cidr::parse(c).unwrap()).collect(),
            logins_per_minute: None,
        }
    }

    #[test]
    fn ipv4_and_ipv6_blocks() {
        let l = limits(&["203.0.113.0/24", "2001:db8::/32", "127.0.0.1"]);
        for ok in [
            "203.0.113.0",
            "203.0.113.255",
            "2001:db8::1",
            "2001:db8:ffff::",
            "127.0.0.1",
            "::ffff:203.0.113.9",
        ] {
            assert!(l.allows_source(Some(ok)), "{ok}");
        }
        for no in [
            "203.0.114.1",
            "2001:db9::1",
            "127.0.0.2",
            "::1",
            "garbage",
            "",
        ] {
            assert!(!l.allows_source(Some(no)), "{no}");
        }
        assert!(!l.allows_source(None));
        assert!(ServiceAccountLimits::default().allows_source(None));
        assert!(limits(&["0.0.0.0/0"]).allows_source(Some("198.51.100.1")));
        assert!(limits(&["::/0"]).allows_source(Some("2001:db8::1")));
    }

    #[test]
    fn parsing() {
        assert_eq!(Cidr::parse("10.0.0.0/8").unwrap().to_string(), "10.0.0.0/8");
        assert_eq!(
            Cidr::parse("2001:db8::").unwrap().to_string(),
            "2001:db8::/128"
        );
        for bad in [
            "10.0.0.1/8",
            "10.0.0.0/33",
            "::/129",
            "x/8",
            "10.0.0.0/",
            "10.0.0.0/-1",
        ] {
            assert!(Cidr::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn windows_and_counts() {
        assert_eq!(
            login_window(UnixTime::from_secs(125)),
            UnixTime::from_secs(120)
        );
        assert_eq!(
            login_window(UnixTime::from_secs(120)),
            UnixTime::from_secs(120)
        );
        let l = ServiceAccountLimits {
            cidrs: Vec::new(),
            logins_per_minute: Some(2),
        };
        assert!(l.allows_count(1) && l.allows_count(2) && !l.allows_count(3));
        assert!(ServiceAccountLimits::default().allows_count(u64::MAX));
    }
}
