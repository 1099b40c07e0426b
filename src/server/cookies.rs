//! DNS cookies (RFC 7873) with interoperable server cookies (RFC 9018): the one place
//! that reads a request's COOKIE option, checks its server cookie and makes the one
//! the answer carries.
//!
//! Pure: the listeners pass the option's data, the client's address and the clock
//! ([`ServerCookies::check`]); the UDP fast path appends the resulting option to a
//! cached answer (`answer::cache::append_option`), the full path puts it into the
//! answer's OPT, and the rate limiter (`server::rrl`) lets a request with a valid
//! server cookie through, as Knot does.
//!
//! The secret is 16 random octets drawn when the server starts (as Knot does unless
//! configured): a restart makes every client learn a new cookie, which costs each of
//! them nothing but one answer without a valid cookie.
//!
//! # Standards
//! - RFC 7873 §4: "the Client Cookie is a fixed size of 8 bytes", "the Server Cookie
//!   [...] ranges from 8 to 32 bytes"; §5.2.2: "If the COOKIE option is too short to
//!   contain a Client Cookie, or is longer than 40 bytes, or is between 9 and 15
//!   bytes, the server MUST [...] return FORMERR".
//! - RFC 7873 §5.2.3: a request with only a client cookie is answered normally, with
//!   a COOKIE option holding the client cookie and a fresh server cookie; §5.2.4: an
//!   invalid server cookie "MAY" get BADCOOKIE or be treated as client-only: it is
//!   treated as client-only (nothing is refused: cookies are not required here);
//!   §5.2.5: a valid one is answered normally, with a cookie.
//! - RFC 9018 §4.2: Server Cookie = Version (1 octet, 1) | Reserved (3, zero) |
//!   Timestamp (4, seconds since the epoch, serial arithmetic) | Hash (8), the hash
//!   SipHash-2-4 over Client Cookie | Version | Reserved | Timestamp | Client-IP (4
//!   or 16 octets) keyed with the 16-octet secret; §4.3: a timestamp more than one
//!   hour in the past or five minutes in the future makes the cookie invalid, and
//!   "the server SHOULD generate a new Server Cookie" once it is half an hour old.
//!
//! # Limitations
//! - The secret cannot be configured: several servers behind one address (anycast)
//!   do not share cookies, each issues its own.
//! - Answers that are not query answers (FORMERR, NOTIMP, BADVERS, TSIG errors,
//!   NOTIFY responses, transfers) carry no COOKIE option.

use std::net::IpAddr;

use siphasher::sip::SipHasher24;

pub use crate::wire::edns::COOKIE;
/// Octets of the COOKIE option an answer carries: code, length, an 8-octet client
/// cookie and our 16-octet server cookie.
pub const OPTION_LEN: usize = 4 + 8 + 16;
/// A server cookie this old (seconds) is still valid (RFC 9018 §4.3).
const MAX_AGE: i64 = 3600;
/// A server cookie this far ahead of our clock (seconds) is still valid.
const MAX_AHEAD: i64 = 300;
/// A valid server cookie this old (seconds) is replaced by a fresh one.
const RENEW_AGE: i64 = 1800;
/// The server cookie version of RFC 9018.
const VERSION: u8 = 1;

//----------- ServerCookies ----------------------------------------------------------

/// The server's cookie secret.
#[derive(Clone)]
pub struct ServerCookies {
    /// The SipHash-2-4 key (RFC 9018 §4.4: 128 bits); fixed for the process.
    secret: [u8; 16],
}

/// What a request's COOKIE option says, and the option its answer carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CookieCheck {
    /// A length no COOKIE may have: FORMERR (RFC 7873 §5.2.2).
    Malformed,
    /// A client cookie alone, or with a server cookie that is not ours or too old:
    /// answered normally with a fresh server cookie.
    Fresh(CookieOption),
    /// A valid server cookie: answered with `option` (the same cookie, or a renewed
    /// one once it is half an hour old). Exempt from rate limiting.
    Valid(CookieOption),
}

/// A COOKIE option for an answer, encoded (code, length, data).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CookieOption(pub [u8; OPTION_LEN]);

impl CookieCheck {
    /// The option the answer carries; none for a malformed one.
    pub fn option(&self) -> Option<&CookieOption> {
        match self {
            CookieCheck::Malformed => None,
            CookieCheck::Fresh(o) | CookieCheck::Valid(o) => Some(o),
        }
    }

    /// True when the request carried a valid server cookie.
    pub fn is_valid(&self) -> bool {
        matches!(self, CookieCheck::Valid(_))
    }
}

impl ServerCookies {
    /// Cookies with a random secret (from the OS); `None` when the OS has no
    /// randomness to give.
    pub fn random() -> Option<ServerCookies> {
        let mut secret = [0u8; 16];
        getrandom::fill(&mut secret).ok()?;
        Some(ServerCookies { secret })
    }

    /// Cookies with `secret` (tests, and the RFC's vectors).
    pub fn with_secret(secret: [u8; 16]) -> ServerCookies {
        ServerCookies { secret }
    }

    /// Checks `data` (a request's COOKIE option data) from `client` at `now` (Unix
    /// seconds, modulo 2^32) and makes the option the answer carries.
    pub fn check(&self, data: &[u8], client: IpAddr, now: u32) -> CookieCheck {
        if !well_formed(data) {
            return CookieCheck::Malformed;
        }
        let mut client_cookie = [0u8; 8];
        client_cookie.copy_from_slice(&data[..8]);
        if data.len() == 24 && data[8] == VERSION {
            let timestamp = u32::from_be_bytes([data[12], data[13], data[14], data[15]]);
            // RFC 1982 arithmetic: the age across the 32-bit wrap.
            let age = i64::from(now.wrapping_sub(timestamp) as i32);
            if (-MAX_AHEAD..=MAX_AGE).contains(&age) {
                let reserved = [data[9], data[10], data[11]];
                let hash = self.hash(&client_cookie, reserved, timestamp, client);
                if hash == data[16..24] {
                    let option = if age < RENEW_AGE {
                        let mut o = [0u8; OPTION_LEN];
                        o[..4].copy_from_slice(&header());
                        o[4..].copy_from_slice(data);
                        CookieOption(o)
                    } else {
                        self.make(&client_cookie, client, now)
                    };
                    return CookieCheck::Valid(option);
                }
            }
        }
        CookieCheck::Fresh(self.make(&client_cookie, client, now))
    }

    /// A fresh COOKIE option for `client_cookie` from `client` at `now`.
    fn make(&self, client_cookie: &[u8; 8], client: IpAddr, now: u32) -> CookieOption {
        let mut o = [0u8; OPTION_LEN];
        o[..4].copy_from_slice(&header());
        o[4..12].copy_from_slice(client_cookie);
        o[12] = VERSION;
        o[16..20].copy_from_slice(&now.to_be_bytes());
        o[20..].copy_from_slice(&self.hash(client_cookie, [0; 3], now, client));
        CookieOption(o)
    }

    /// RFC 9018 §4.4's hash: SipHash-2-4 over Client Cookie | Version | Reserved |
    /// Timestamp | Client-IP, in the order SipHash emits its octets (little-endian).
    fn hash(
        &self,
        client_cookie: &[u8; 8],
        reserved: [u8; 3],
        timestamp: u32,
        client: IpAddr,
    ) -> [u8; 8] {
        let mut input = [0u8; 8 + 1 + 3 + 4 + 16];
        input[..8].copy_from_slice(client_cookie);
        input[8] = VERSION;
        input[9..12].copy_from_slice(&reserved);
        input[12..16].copy_from_slice(&timestamp.to_be_bytes());
        // An IPv4 client reached over an IPv6 socket is hashed as IPv4.
        let len = match client.to_canonical() {
            IpAddr::V4(a) => {
                input[16..20].copy_from_slice(&a.octets());
                20
            }
            IpAddr::V6(a) => {
                input[16..32].copy_from_slice(&a.octets());
                32
            }
        };
        SipHasher24::new_with_key(&self.secret)
            .hash(&input[..len])
            .to_le_bytes()
    }
}

impl std::fmt::Debug for ServerCookies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret stays out of logs.
        f.write_str("ServerCookies")
    }
}

/// The option header of our answers' COOKIE: code 10, 24 octets of data.
fn header() -> [u8; 4] {
    let mut h = [0u8; 4];
    h[..2].copy_from_slice(&COOKIE.to_be_bytes());
    h[2..].copy_from_slice(&((OPTION_LEN - 4) as u16).to_be_bytes());
    h
}

/// True for the lengths a COOKIE option may have: a client cookie (8 octets) alone or
/// with a server cookie of 8 to 32 octets (RFC 7873 §5.2.2).
pub fn well_formed(data: &[u8]) -> bool {
    data.len() == 8 || (16..=40).contains(&data.len())
}

/// Unix seconds now, modulo 2^32 (RFC 9018's timestamp).
pub fn unix_now() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as u32)
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        data_encoding::HEXLOWER.decode(s.as_bytes()).unwrap()
    }

    fn secret(s: &str) -> ServerCookies {
        ServerCookies::with_secret(hex(s).try_into().unwrap())
    }

    /// What, cookie, address, secret, now, valid, answered with the A.1 cookie.
    type Case<'a> = (
        &'a str,
        Vec<u8>,
        &'a str,
        &'a ServerCookies,
        u32,
        bool,
        bool,
    );

    fn data(c: &CookieCheck) -> Vec<u8> {
        let o = c.option().unwrap().0;
        assert_eq!(&o[..4], &[0, 10, 0, 24]);
        o[4..].to_vec()
    }

    /// RFC 9018 Appendix A, every example: what the server makes of each query's
    /// cookie, and the cookie its answer carries, octet for octet. A server cookie
    /// of BIND or Knot (same algorithm, same secret) is checked the same way.
    #[test]
    fn rfc9018_appendix_a() {
        let s1 = secret("e5e973e5a6b2a43f48e7dc849e37bfcf");
        // A.1: a client cookie alone gets a fresh server cookie.
        let ip: IpAddr = "198.51.100.100".parse().unwrap();
        let a1 = s1.check(&hex("2464c4abcf10c957"), ip, 1559731985);
        assert!(matches!(a1, CookieCheck::Fresh(_)));
        assert_eq!(
            data(&a1),
            hex("2464c4abcf10c957010000005cf79f111f8130c3eee29480")
        );
        // A.2: that cookie sent back 40 minutes later is valid, and renewed.
        let a2 = s1.check(&data(&a1), ip, 1559734385);
        assert!(a2.is_valid());
        assert_eq!(
            data(&a2),
            hex("2464c4abcf10c957010000005cf7a871d4a564a1442aca77")
        );
        // A.3: a cookie with the Reserved octets set, valid when it was made (the
        // hash covers them), is past its hour when it comes back: a fresh one.
        let ip3: IpAddr = "203.0.113.203".parse().unwrap();
        let q3 = hex("fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5");
        assert!(s1.check(&q3, ip3, 1559727985).is_valid());
        let a3 = s1.check(&q3, ip3, 1559734700);
        assert!(matches!(a3, CookieCheck::Fresh(_)));
        assert_eq!(
            data(&a3),
            hex("fc93fc62807ddb86010000005cf7a9acf73a7810aca2381e")
        );
        // A.4: IPv6; the cookie was made with the previous secret, and the answer
        // with the new one.
        let ip4: IpAddr = "2001:db8:220:1:59de:d0f4:8769:82b8".parse().unwrap();
        let q4 = hex("22681ab97d52c298010000005cf7c57926556bd0934c72f8");
        let old = secret("dd3bdf9344b678b185a6f5cb60fca715");
        assert!(old.check(&q4, ip4, 1559741961).is_valid());
        let new = secret("445536bcd2513298075a5d379663c962");
        let a4 = new.check(&q4, ip4, 1559741961);
        assert!(matches!(a4, CookieCheck::Fresh(_)));
        assert_eq!(
            data(&a4),
            hex("22681ab97d52c298010000005cf7c609a6bb79d16625507a")
        );
    }

    /// The A.1 cookie sent back: valid from five minutes ahead to an hour old,
    /// echoed as it is while under half an hour old (renewed after), and bound to
    /// the client cookie, the version, timestamp and hash, the address and the
    /// secret.
    #[test]
    fn lifetime_and_binding() {
        let s = secret("e5e973e5a6b2a43f48e7dc849e37bfcf");
        let issued = 1559731985u32;
        let good = hex("2464c4abcf10c957010000005cf79f111f8130c3eee29480");
        let flip = |i: usize| {
            let mut b = good.clone();
            b[i] ^= 1;
            b
        };
        let other_secret = secret("dd3bdf9344b678b185a6f5cb60fca715");
        // (what, cookie, address, secret, now, valid, answered with the A.1 cookie:
        // echoed, or made afresh at the same second for the same client)
        let cases: Vec<Case<'_>> = vec![
            (
                "just issued",
                good.clone(),
                "198.51.100.100",
                &s,
                issued,
                true,
                true,
            ),
            (
                "29m59s old",
                good.clone(),
                "198.51.100.100",
                &s,
                issued + 1799,
                true,
                true,
            ),
            (
                "half an hour old",
                good.clone(),
                "198.51.100.100",
                &s,
                issued + 1800,
                true,
                false,
            ),
            (
                "an hour old",
                good.clone(),
                "198.51.100.100",
                &s,
                issued + 3600,
                true,
                false,
            ),
            (
                "an hour and a second",
                good.clone(),
                "198.51.100.100",
                &s,
                issued + 3601,
                false,
                false,
            ),
            (
                "five minutes ahead",
                good.clone(),
                "198.51.100.100",
                &s,
                issued - 300,
                true,
                true,
            ),
            (
                "301 s ahead",
                good.clone(),
                "198.51.100.100",
                &s,
                issued - 301,
                false,
                false,
            ),
            (
                "another client cookie",
                flip(0),
                "198.51.100.100",
                &s,
                issued,
                false,
                false,
            ),
            (
                "another version",
                flip(8),
                "198.51.100.100",
                &s,
                issued,
                false,
                true,
            ),
            (
                "another timestamp",
                flip(15),
                "198.51.100.100",
                &s,
                issued,
                false,
                true,
            ),
            (
                "another hash",
                flip(23),
                "198.51.100.100",
                &s,
                issued,
                false,
                true,
            ),
            (
                "another address",
                good.clone(),
                "198.51.100.101",
                &s,
                issued,
                false,
                false,
            ),
            (
                "IPv4-mapped",
                good.clone(),
                "::ffff:198.51.100.100",
                &s,
                issued,
                true,
                true,
            ),
            (
                "another secret",
                good.clone(),
                "198.51.100.100",
                &other_secret,
                issued,
                false,
                false,
            ),
            (
                "a 25-octet cookie",
                [&good[..], &[0]].concat(),
                "198.51.100.100",
                &s,
                issued,
                false,
                true,
            ),
        ];
        for (what, cookie, addr, sec, now, valid, echoed) in cases {
            let c = sec.check(&cookie, addr.parse().unwrap(), now);
            assert_eq!(c.is_valid(), valid, "{what}");
            assert_eq!(data(&c) == good, echoed, "{what}");
            // Whatever comes back holds the client cookie and verifies at once.
            assert_eq!(data(&c)[..8], cookie[..8], "{what}");
            assert!(
                sec.check(&data(&c), addr.parse().unwrap(), now).is_valid(),
                "{what}"
            );
        }
    }

    #[test]
    fn lengths_rfc7873_5_2_2() {
        let s = ServerCookies::random().unwrap();
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for len in 0..=48 {
            let c = s.check(&vec![7u8; len], ip, 1000);
            let ok = len == 8 || (16..=40).contains(&len);
            assert_eq!(c != CookieCheck::Malformed, ok, "{len} octets");
            assert_eq!(well_formed(&vec![0; len]), ok);
        }
    }

    #[test]
    fn valid_across_the_timestamp_wrap() {
        let s = ServerCookies::random().unwrap();
        let ip: IpAddr = "2001:db8::53".parse().unwrap();
        let issued = 0xffff_ff00u32;
        let first = s.check(&[1; 8], ip, issued);
        let again = s.check(&data(&first), ip, issued.wrapping_add(512));
        assert!(again.is_valid());
        assert_eq!(data(&again), data(&first));
        assert!(
            !s.check(&data(&first), ip, issued.wrapping_add(3601))
                .is_valid()
        );
    }
}
