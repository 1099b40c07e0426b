//! Access control: who may transfer a zone, who may NOTIFY us, who may query.
//!
//! An [`Acl`] is a list of entries; a request is allowed when any entry matches (OR),
//! and an entry matches when all its parts match (AND): an address prefix, a TSIG key,
//! or both. An empty list allows nobody, so transfers are refused unless the config
//! says otherwise (DESIGN.md §3). The server calls [`Acl::allows`] after the TSIG layer
//! has verified the request's signature, passing the key that signed it.
//!
//! # Limitations
//! - No negated entries (BIND's `!addr`): list what is allowed instead.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::zone::Name;

//----------- Acl --------------------------------------------------------------------

/// An access list: OR over its entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Acl {
    /// The entries, in config order.
    pub entries: Vec<AclEntry>,
}

/// One entry: AND over the parts that are set (at least one is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclEntry {
    /// The source address must be inside this prefix.
    pub prefix: Option<IpNet>,
    /// The request must be signed, and verified, with this key.
    pub key: Option<Name>,
}

/// What the ACL decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// An entry matched.
    Allow,
    /// No entry matched.
    Deny,
}

impl Acl {
    /// An ACL that allows nobody.
    pub fn deny_all() -> Acl {
        Acl::default()
    }

    /// True when the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Decides for a request from `source`, signed with `key` (already verified), or
    /// unsigned when `key` is `None`.
    pub fn check(&self, source: IpAddr, key: Option<&Name>) -> Decision {
        if self.allows(source, key) {
            Decision::Allow
        } else {
            Decision::Deny
        }
    }

    /// True when some entry matches.
    pub fn allows(&self, source: IpAddr, key: Option<&Name>) -> bool {
        let source = canonical_ip(source);
        self.entries.iter().any(|e| e.matches(source, key))
    }
}

impl AclEntry {
    /// An entry for a prefix only.
    pub fn prefix(prefix: IpNet) -> AclEntry {
        AclEntry {
            prefix: Some(prefix),
            key: None,
        }
    }

    /// An entry for a key only.
    pub fn key(key: Name) -> AclEntry {
        AclEntry {
            prefix: None,
            key: Some(key),
        }
    }

    fn matches(&self, source: IpAddr, key: Option<&Name>) -> bool {
        let prefix_ok = self.prefix.is_none_or(|p| p.contains(&source));
        let key_ok = match (&self.key, key) {
            (None, _) => true,
            (Some(want), Some(have)) => want == have,
            (Some(_), None) => false,
        };
        prefix_ok && key_ok
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:127.0.0.1`, as a dual-stack socket reports
/// IPv4 peers) are matched as the IPv4 address they carry.
fn canonical_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }
    fn name(s: &str) -> Name {
        s.parse().unwrap()
    }

    #[test]
    fn empty_denies() {
        assert!(!Acl::deny_all().allows(ip("127.0.0.1"), None));
        assert!(!Acl::deny_all().allows(ip("127.0.0.1"), Some(&name("k."))));
    }

    #[test]
    fn or_over_entries_and_within() {
        let acl = Acl {
            entries: vec![
                AclEntry::prefix("127.0.0.0/8".parse().unwrap()),
                AclEntry::key(name("xfr-key.")),
                AclEntry {
                    prefix: Some("10.0.0.0/8".parse().unwrap()),
                    key: Some(name("inner.")),
                },
            ],
        };
        assert!(acl.allows(ip("127.0.0.5"), None));
        assert!(acl.allows(ip("192.0.2.1"), Some(&name("XFR-KEY"))));
        assert!(!acl.allows(ip("192.0.2.1"), None));
        assert!(!acl.allows(ip("10.1.1.1"), None));
        assert!(acl.allows(ip("10.1.1.1"), Some(&name("inner."))));
        assert!(!acl.allows(ip("192.0.2.1"), Some(&name("inner."))));
        assert!(acl.allows(ip("::ffff:127.0.0.1"), None));
        assert!(!acl.allows(ip("::1"), None));
    }
}
