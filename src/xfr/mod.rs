//! Zone transfers in (AXFR, IXFR) and the SOA query: the client half of the transfer
//! engine.
//!
//! [`interpret`] is sans-IO: it takes the response messages of one transfer, in
//! order, checks each (ID, question, RCODE, TC, TSIG chain, SOA framing, serial chain,
//! size limits) and yields a [`Transfer`]. [`client`] is the thin tokio shell around
//! it: TCP with 2-octet framing and a per-message idle timeout, UDP for the SOA query
//! and for IXFR when asked, IXFR → TCP retry → AXFR fallback. `zonesync axfr|ixfr`,
//! and later the secondary-zone task in `sync`, call [`client`]; what they get back is
//! zone data ([`Record`]s with uncompressed wire RDATA, or [`Changeset`]s) that has
//! passed every check before anyone persists it (validate before persist).
//!
//! # Standards
//! - RFC 5936 §2.2: an AXFR response is one or more messages; "the first message MUST
//!   begin with the SOA resource record of the zone, the last message MUST conclude
//!   with the same SOA resource record"; clients MUST check it and treat a transfer
//!   without it as failed. RCODE other than NOERROR in any message aborts it.
//! - RFC 1995 §4: an IXFR response starts with the new SOA; if the second record is
//!   not an SOA the response is AXFR-style; a single SOA means the client is current
//!   (or, over UDP, "use TCP"); otherwise differences follow as
//!   `old SOA, deletions, new SOA, additions` per version, and the last record is the
//!   new SOA again.
//! - RFC 1982 for serial comparisons.
//!
//! # Limitations
//! - One transfer per TCP connection (RFC 5936 §4.1.2 allows several).
//! - XoT (RFC 9103) is not implemented.

pub mod client;
pub mod interpret;
mod rate;

use std::net::SocketAddr;
use std::time::Duration;

use crate::tsig::sign::{TsigError, TsigRcode};
use crate::wire::Rcode;
use crate::zone::{Record, Serial};

pub use client::{
    ClientOptions, IxfrOptions, SoaAnswer, StreamedAxfr, Transport, XfrOutcome, axfr, axfr_to,
    ixfr, query_soa, query_soa_tcp, query_soa_with,
};
pub use interpret::{Interpreter, RecordSink, Step};

pub use crate::zone::Changeset;

//----------- Transfer ---------------------------------------------------------------

/// What a transfer yielded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transfer {
    /// The whole zone (AXFR, or an AXFR-style IXFR answer), opening SOA first, the
    /// closing SOA left out. Empty when the records went to a sink instead.
    Full(Vec<Record>),
    /// Differences (RFC 1995), oldest first, chained by serial.
    Incremental(Vec<Changeset>),
    /// The server's zone is not newer than ours: its SOA.
    UpToDate(Record),
}

impl Transfer {
    /// A short name for logs and JSON: `full`, `incremental`, `up-to-date`.
    pub fn kind(&self) -> &'static str {
        match self {
            Transfer::Full(_) => "full",
            Transfer::Incremental(_) => "incremental",
            Transfer::UpToDate(_) => "up-to-date",
        }
    }
}

//----------- Limits and statistics --------------------------------------------------

/// Limits on one transfer: size (Knot's `zone-max-size`; exceeding one is
/// [`XfrError::TooLarge`]), and time (BIND's `max-transfer-time-in` and
/// `min-transfer-rate-in`: [`XfrError::TransferTimeLimit`],
/// [`XfrError::TransferTooSlow`]). The time bounds apply to each TCP transfer, from
/// its connection attempt; an IXFR that falls back to AXFR starts them again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most records (all sections counted as they arrive, SOAs included).
    pub max_records: u64,
    /// Most message octets.
    pub max_bytes: u64,
    /// Longest a whole transfer may take (`max-transfer-time-in`).
    pub max_time: Duration,
    /// Least data per window (`min-transfer-rate-in`); `None` is no rate bound.
    pub min_rate: Option<MinRate>,
}

impl Default for Limits {
    /// 50 million records, 8 GiB: far above real zones, low enough to stop a runaway.
    /// Time: BIND's defaults, 2 hours and 10 KiB per 5 minutes.
    fn default() -> Self {
        Limits {
            max_records: 50_000_000,
            max_bytes: 8 << 30,
            max_time: Duration::from_secs(2 * 3600),
            min_rate: Some(MinRate::default()),
        }
    }
}

/// A minimum transfer rate: at least `bytes` octets in every window of `per` (BIND's
/// `min-transfer-rate-in 10240 5` is 10 KiB per 5 minutes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MinRate {
    /// Octets that must arrive in each window.
    pub bytes: u64,
    /// The window.
    pub per: Duration,
}

impl Default for MinRate {
    /// BIND's default: 10 KiB per 5 minutes.
    fn default() -> Self {
        MinRate {
            bytes: 10 << 10,
            per: Duration::from_secs(300),
        }
    }
}

impl std::fmt::Display for MinRate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} bytes/{}",
            self.bytes,
            crate::duration::format(self.per)
        )
    }
}

/// Counters of one transfer, updated per message (progress bars read them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Messages received.
    pub messages: u64,
    /// Records received (answer sections).
    pub records: u64,
    /// Message octets received.
    pub bytes: u64,
    /// Messages whose TSIG verified.
    pub signed_messages: u64,
    /// How long the transfer took, from sending the query to the last message.
    pub duration: Duration,
}

//----------- Helpers ----------------------------------------------------------------

/// The SERIAL field of SOA RDATA (uncompressed wire form).
pub fn soa_serial(rdata: &[u8]) -> Option<u32> {
    crate::zone::soa::serial_of(rdata).ok()
}

/// RFC 1982 `a > b` (false when they are exactly 2^31 apart: undefined).
pub(crate) fn serial_gt(a: u32, b: u32) -> bool {
    Serial(a).is_newer_than(Serial(b))
}

//============ Errors ================================================================

/// Why a transfer (or SOA query) failed. Every variant names the server; the ones that
/// change what a caller does next (fall back to AXFR, try another primary) are
/// separate variants.
#[derive(Debug, thiserror::Error)]
pub enum XfrError {
    /// REFUSED: the server will not transfer to us (ACL or unknown zone).
    #[error("REFUSED from {peer}")]
    Refused {
        /// The server.
        peer: SocketAddr,
    },
    /// NOTAUTH: not authoritative, or our TSIG was rejected (the TSIG error says which).
    #[error("NOTAUTH{} from {peer}", tsig.map(|t| format!(" ({t})")).unwrap_or_default())]
    NotAuth {
        /// The server.
        peer: SocketAddr,
        /// BADSIG, BADKEY, BADTIME, BADTRUNC when the reply carries one.
        tsig: Option<TsigRcode>,
    },
    /// NOTIMP: the server does not do this (IXFR falls back to AXFR).
    #[error("NOTIMP from {peer}")]
    NotImplemented {
        /// The server.
        peer: SocketAddr,
    },
    /// FORMERR.
    #[error("FORMERR from {peer}")]
    FormErr {
        /// The server.
        peer: SocketAddr,
    },
    /// SERVFAIL (the zone may be expired or not loaded there).
    #[error("SERVFAIL from {peer}")]
    ServFail {
        /// The server.
        peer: SocketAddr,
    },
    /// Any other RCODE.
    #[error("{rcode} from {peer}")]
    Rcode {
        /// The server.
        peer: SocketAddr,
        /// The RCODE.
        rcode: Rcode,
    },
    /// No message within the idle timeout.
    #[error("timeout: no answer from {peer} within {}{}", crate::duration::format(*after), if *messages > 0 { format!(" (after {})", crate::plural::count(*messages, "message")) } else { String::new() })]
    Timeout {
        /// The server.
        peer: SocketAddr,
        /// The idle timeout that expired.
        after: Duration,
        /// Messages received before.
        messages: u64,
    },
    /// TC set on a TCP answer.
    #[error("truncated answer (TC) from {peer}")]
    Truncated {
        /// The server.
        peer: SocketAddr,
    },
    /// The stream ended before the closing SOA.
    #[error("incomplete transfer from {peer}: {reason}")]
    Incomplete {
        /// The server.
        peer: SocketAddr,
        /// What was missing.
        reason: String,
    },
    /// An IXFR whose serials do not chain (or do not start at ours).
    #[error("serial mismatch from {peer}: expected {expected}, got {got}")]
    SerialMismatch {
        /// The server.
        peer: SocketAddr,
        /// The serial the stream should have had there.
        expected: u32,
        /// The serial it had.
        got: u32,
    },
    /// A message or stream that breaks the protocol.
    #[error("malformed answer from {peer}: {reason}")]
    Malformed {
        /// The server.
        peer: SocketAddr,
        /// What is wrong.
        reason: String,
    },
    /// A TSIG failure on a response.
    #[error("{} from {peer}: {source}", source.code_name())]
    Tsig {
        /// The server.
        peer: SocketAddr,
        /// What failed.
        source: TsigError,
    },
    /// A size limit was exceeded.
    #[error("transfer from {peer} exceeds the limit of {limit}")]
    TooLarge {
        /// The server.
        peer: SocketAddr,
        /// Which limit, for the message (`50000000 records`).
        limit: String,
    },
    /// The whole transfer took longer than `max-transfer-time-in`.
    #[error("transfer from {peer} abandoned: max-transfer-time-in {} exceeded (after {}, {})", crate::duration::format(*limit), crate::plural::count(*messages, "message"), crate::plural::count(*bytes, "byte"))]
    TransferTimeLimit {
        /// The server.
        peer: SocketAddr,
        /// The limit.
        limit: Duration,
        /// Messages received before.
        messages: u64,
        /// Octets received before.
        bytes: u64,
    },
    /// Less than `min-transfer-rate-in` arrived in one window.
    #[error("transfer from {peer} abandoned: {} in {}, below min-transfer-rate-in {rate} (after {})", crate::plural::count(*bytes, "byte"), crate::duration::format(rate.per), crate::plural::count(*messages, "message"))]
    TransferTooSlow {
        /// The server.
        peer: SocketAddr,
        /// The rate it fell below.
        rate: MinRate,
        /// Octets received in the window that fell short.
        bytes: u64,
        /// Messages received before.
        messages: u64,
    },
    /// A socket error (connection refused, reset, …).
    #[error("{peer}: {source}")]
    Io {
        /// The server.
        peer: SocketAddr,
        /// The error.
        source: std::io::Error,
    },
    /// TLS with the server failed: the handshake (its certificate, the protocol
    /// version, a timeout), a TLS alert later, or a TLS port asked without TLS.
    #[error("TLS with {peer}: {reason}")]
    Tls {
        /// The server.
        peer: SocketAddr,
        /// What went wrong, in words (`tls::describe`).
        reason: String,
    },
    /// The sink the records go to failed (a full disk).
    #[error("writing the transfer from {peer}: {source}")]
    Sink {
        /// The server.
        peer: SocketAddr,
        /// The error.
        source: std::io::Error,
    },
}

impl XfrError {
    /// The error for a non-NOERROR RCODE.
    pub fn from_rcode(peer: SocketAddr, rcode: Rcode, tsig: Option<TsigRcode>) -> XfrError {
        match rcode {
            Rcode::REFUSED => XfrError::Refused { peer },
            Rcode::NOTAUTH => XfrError::NotAuth { peer, tsig },
            Rcode::NOTIMP => XfrError::NotImplemented { peer },
            Rcode::FORMERR => XfrError::FormErr { peer },
            Rcode::SERVFAIL => XfrError::ServFail { peer },
            rcode => XfrError::Rcode { peer, rcode },
        }
    }

    /// True for the answers to an IXFR after which an AXFR is worth trying: NOTIMP,
    /// FORMERR, SERVFAIL, and a stream that made no sense (RFC 1995 §4 lets the client
    /// fall back; REFUSED, timeouts and TSIG failures would fail the AXFR too).
    pub fn allows_axfr_fallback(&self) -> bool {
        matches!(
            self,
            XfrError::NotImplemented { .. }
                | XfrError::FormErr { .. }
                | XfrError::ServFail { .. }
                | XfrError::SerialMismatch { .. }
                | XfrError::Malformed { .. }
                | XfrError::Incomplete { .. }
        )
    }

    /// The server the error is about.
    pub fn peer(&self) -> SocketAddr {
        match self {
            XfrError::Refused { peer }
            | XfrError::NotAuth { peer, .. }
            | XfrError::NotImplemented { peer }
            | XfrError::FormErr { peer }
            | XfrError::ServFail { peer }
            | XfrError::Rcode { peer, .. }
            | XfrError::Timeout { peer, .. }
            | XfrError::Truncated { peer }
            | XfrError::Incomplete { peer, .. }
            | XfrError::SerialMismatch { peer, .. }
            | XfrError::Malformed { peer, .. }
            | XfrError::Tsig { peer, .. }
            | XfrError::TooLarge { peer, .. }
            | XfrError::TransferTimeLimit { peer, .. }
            | XfrError::TransferTooSlow { peer, .. }
            | XfrError::Io { peer, .. }
            | XfrError::Tls { peer, .. }
            | XfrError::Sink { peer, .. } => *peer,
        }
    }

    /// A short machine-readable name (`refused`, `timeout`, …) for JSON output.
    pub fn kind(&self) -> &'static str {
        match self {
            XfrError::Refused { .. } => "refused",
            XfrError::NotAuth { .. } => "notauth",
            XfrError::NotImplemented { .. } => "notimp",
            XfrError::FormErr { .. } => "formerr",
            XfrError::ServFail { .. } => "servfail",
            XfrError::Rcode { .. } => "rcode",
            XfrError::Timeout { .. } => "timeout",
            XfrError::Truncated { .. } => "truncated",
            XfrError::Incomplete { .. } => "incomplete",
            XfrError::SerialMismatch { .. } => "serial-mismatch",
            XfrError::Malformed { .. } => "malformed",
            XfrError::Tsig { .. } => "tsig",
            XfrError::TooLarge { .. } => "too-large",
            XfrError::TransferTimeLimit { .. } => "time-limit",
            XfrError::TransferTooSlow { .. } => "too-slow",
            XfrError::Io { .. } => "io",
            XfrError::Tls { .. } => "tls",
            XfrError::Sink { .. } => "sink",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_arithmetic() {
        assert!(serial_gt(2, 1));
        assert!(!serial_gt(1, 2));
        assert!(serial_gt(0, u32::MAX));
        assert!(!serial_gt(1, 1));
        assert!(!serial_gt(0x8000_0000, 0));
        assert!(!serial_gt(0, 0x8000_0000));
    }

    #[test]
    fn error_messages_name_the_peer() {
        let peer: SocketAddr = "127.0.0.1:5300".parse().unwrap();
        assert_eq!(
            XfrError::Tsig {
                peer,
                source: TsigError::BadSig
            }
            .to_string(),
            "BADSIG from 127.0.0.1:5300: the MAC does not verify (wrong secret?)"
        );
        assert_eq!(
            XfrError::NotAuth {
                peer,
                tsig: Some(TsigRcode::BADKEY)
            }
            .to_string(),
            "NOTAUTH (BADKEY) from 127.0.0.1:5300"
        );
        assert_eq!(
            XfrError::Timeout {
                peer,
                after: Duration::from_secs(10),
                messages: 3
            }
            .to_string(),
            "timeout: no answer from 127.0.0.1:5300 within 10s (after 3 messages)"
        );
    }
}

#[cfg(test)]
mod client_tests;
