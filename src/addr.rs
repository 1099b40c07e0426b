//! Server addresses as operators write them: `HOST[:PORT]` or `[V6]:PORT`, port 53 by
//! default.
//!
//! Used by every client command's `-s` and by the serve config (listen addresses,
//! primaries, also-notify), so both accept the same forms. Host names are kept as given
//! and resolved when a connection is made ([`ServerAddr::resolve`]).

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

/// The DNS port.
pub const DNS_PORT: u16 = 53;

//----------- ServerAddr -------------------------------------------------------------

/// A server to talk to: an IP address or host name, and a port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServerAddr {
    /// The host.
    pub host: Host,
    /// The port (53 when none was given).
    pub port: u16,
}

/// The host part of a [`ServerAddr`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    /// A literal IPv4 or IPv6 address.
    Ip(IpAddr),
    /// A host name, resolved through the system resolver when used.
    Name(String),
}

impl ServerAddr {
    /// An address from a socket address.
    pub fn from_socket(addr: SocketAddr) -> ServerAddr {
        ServerAddr {
            host: Host::Ip(addr.ip()),
            port: addr.port(),
        }
    }

    /// The socket address, when the host is a literal IP address.
    pub fn socket_addr(&self) -> Option<SocketAddr> {
        match self.host {
            Host::Ip(ip) => Some(SocketAddr::new(ip, self.port)),
            Host::Name(_) => None,
        }
    }

    /// Every socket address the host stands for (a literal address stands for itself).
    pub async fn resolve(&self) -> std::io::Result<Vec<SocketAddr>> {
        match &self.host {
            Host::Ip(ip) => Ok(vec![SocketAddr::new(*ip, self.port)]),
            Host::Name(name) => Ok(tokio::net::lookup_host((name.as_str(), self.port))
                .await?
                .collect()),
        }
    }
}

impl FromStr for ServerAddr {
    type Err = AddrError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = |reason: &str| AddrError {
            text: text.to_string(),
            reason: reason.to_string(),
        };
        if text.is_empty() {
            return Err(bad("empty address"));
        }
        // `[v6]:port` or `[v6]`.
        if let Some(rest) = text.strip_prefix('[') {
            let (ip, after) = rest
                .split_once(']')
                .ok_or_else(|| bad("missing `]` after an IPv6 address"))?;
            let ip: std::net::Ipv6Addr = ip.parse().map_err(|_| bad("bad IPv6 address"))?;
            let port = match after {
                "" => DNS_PORT,
                p => p
                    .strip_prefix(':')
                    .ok_or_else(|| bad("expected `:PORT` after `]`"))?
                    .parse()
                    .map_err(|_| bad("bad port (expected 0-65535)"))?,
            };
            return Ok(ServerAddr {
                host: Host::Ip(IpAddr::V6(ip)),
                port,
            });
        }
        // A bare IPv6 address has several colons and takes the default port.
        if let Ok(ip) = text.parse::<IpAddr>() {
            return Ok(ServerAddr {
                host: Host::Ip(ip),
                port: DNS_PORT,
            });
        }
        if text.matches(':').count() > 1 {
            return Err(bad(
                "bad IPv6 address (write [ADDRESS]:PORT to give a port)",
            ));
        }
        let (host, port) = match text.rsplit_once(':') {
            Some((h, p)) => (
                h,
                p.parse::<u16>()
                    .map_err(|_| bad("bad port (expected 0-65535)"))?,
            ),
            None => (text, DNS_PORT),
        };
        if host.is_empty() {
            return Err(bad("missing host"));
        }
        let host = match host.parse::<IpAddr>() {
            Ok(ip) => Host::Ip(ip),
            Err(_) => {
                let valid = host.split('.').all(|l| {
                    !l.is_empty()
                        && l.len() <= 63
                        && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                }) && host.len() <= 253;
                if !valid || host.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
                    return Err(bad("not an IP address or host name"));
                }
                Host::Name(host.to_string())
            }
        };
        Ok(ServerAddr { host, port })
    }
}

impl fmt::Display for ServerAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.host {
            Host::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]:{}", self.port),
            Host::Ip(IpAddr::V4(ip)) => write!(f, "{ip}:{}", self.port),
            Host::Name(n) => write!(f, "{n}:{}", self.port),
        }
    }
}

//============ Errors ================================================================

/// A server address that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad server address \"{text}\": {reason}")]
pub struct AddrError {
    /// The text as given.
    pub text: String,
    /// What is wrong.
    pub reason: String,
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> ServerAddr {
        s.parse().expect("valid address")
    }

    #[test]
    fn forms() {
        assert_eq!(p("127.0.0.1").to_string(), "127.0.0.1:53");
        assert_eq!(p("127.0.0.1:5300").to_string(), "127.0.0.1:5300");
        assert_eq!(p("::1").to_string(), "[::1]:53");
        assert_eq!(p("[::1]:5300").to_string(), "[::1]:5300");
        assert_eq!(p("[::1]").to_string(), "[::1]:53");
        assert_eq!(
            p("ns1.example.com:5300").host,
            Host::Name("ns1.example.com".into())
        );
        assert_eq!(p("localhost").port, 53);
    }

    #[test]
    fn errors() {
        for bad in [
            "",
            ":53",
            "127.0.0.1:99999",
            "[::1",
            "[::1]x",
            "1.2.3",
            "a..b",
            "[zz]:1",
        ] {
            assert!(bad.parse::<ServerAddr>().is_err(), "{bad} should fail");
        }
    }
}
