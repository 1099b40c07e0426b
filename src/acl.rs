//! Access control: who may transfer a zone, who may NOTIFY us, who may query.
//!
//! An [`Acl`] is a list of entries; a request is allowed when any entry matches (OR),
//! and an entry matches when all its parts match (AND): an address prefix, a TSIG key,
//! "arrived over TLS" (XoT, RFC 9103), or any of them together. An empty list allows nobody, so transfers are refused unless the config
//! says otherwise. The server calls [`Acl::allows`] (or, for transfers,
//! [`Acl::allows_over`] with how the request arrived) after the TSIG layer has verified
//! the request's signature, passing the key that signed it.
//!
//! # Standards
//! - RFC 9103 §9.4 (paraphrased): a primary may restrict transfers to clients that
//!   connect over TLS (with mutual TLS, to clients whose certificate it verified);
//!   here an entry with `tls: true` matches only a request that arrived over TLS, and
//!   with `client-ca-file` no client gets that far without a verified certificate.
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
    /// The request must have arrived over TLS (`tls: true`).
    pub tls: bool,
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

    /// True when some entry matches a request that did not arrive over TLS.
    pub fn allows(&self, source: IpAddr, key: Option<&Name>) -> bool {
        self.allows_over(source, key, false)
    }

    /// True when some entry matches a request that arrived over TLS when `tls`.
    pub fn allows_over(&self, source: IpAddr, key: Option<&Name>, tls: bool) -> bool {
        let source = canonical_ip(source);
        self.entries.iter().any(|e| e.matches(source, key, tls))
    }
}

impl AclEntry {
    /// An entry for a prefix only.
    pub fn prefix(prefix: IpNet) -> AclEntry {
        AclEntry {
            prefix: Some(prefix),
            key: None,
            tls: false,
        }
    }

    /// An entry for a key only.
    pub fn key(key: Name) -> AclEntry {
        AclEntry {
            prefix: None,
            key: Some(key),
            tls: false,
        }
    }

    fn matches(&self, source: IpAddr, key: Option<&Name>, tls: bool) -> bool {
        let prefix_ok = self.prefix.is_none_or(|p| p.contains(&source));
        let key_ok = match (&self.key, key) {
            (None, _) => true,
            (Some(want), Some(have)) => want == have,
            (Some(_), None) => false,
        };
        prefix_ok && key_ok && (tls || !self.tls)
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
                    tls: false,
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

    #[test]
    fn tls_entries_match_only_over_tls() {
        let over_tls = |prefix: Option<&str>, key: Option<&str>| AclEntry {
            prefix: prefix.map(|p| p.parse().unwrap()),
            key: key.map(name),
            tls: true,
        };
        let acl = Acl {
            entries: vec![
                over_tls(Some("127.0.0.0/8"), None),
                over_tls(None, Some("xfr-key.")),
            ],
        };
        // (source, key, over TLS, allowed)
        let cases = [
            ("127.0.0.1", None, true, true),
            ("127.0.0.1", None, false, false),
            ("192.0.2.1", None, true, false),
            ("192.0.2.1", Some("xfr-key."), true, true),
            ("192.0.2.1", Some("xfr-key."), false, false),
            ("::ffff:127.0.0.1", None, true, true),
        ];
        for (source, key, tls, want) in cases {
            let key = key.map(name);
            assert_eq!(
                acl.allows_over(ip(source), key.as_ref(), tls),
                want,
                "{source} {key:?} tls={tls}"
            );
        }
        // Any client over TLS; a plain entry matches over TLS too.
        let any = Acl {
            entries: vec![over_tls(None, None)],
        };
        assert!(any.allows_over(ip("192.0.2.1"), None, true));
        assert!(!any.allows(ip("192.0.2.1"), None));
        let plain = Acl {
            entries: vec![AclEntry::prefix("127.0.0.0/8".parse().unwrap())],
        };
        assert!(plain.allows_over(ip("127.0.0.1"), None, true));
    }
}
