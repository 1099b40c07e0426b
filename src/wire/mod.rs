//! Raw DNS messages on zonesync's own types: the fast path between sockets and the zone
//! model.
//!
//! [`read`] parses a message in place (header, question, section offsets, the OPT and
//! TSIG positions) and iterates its records as [`Record`](crate::zone::Record)s whose
//! owner and RDATA names are decompressed, so everything past this module sees
//! uncompressed wire RDATA. [`build`] assembles messages: header, question, records
//! with name compression where RFC 3597 allows it, OPT (with options), a size limit.
//! [`edns`] reads and writes the EDNS options zonesync knows (NSID, EXPIRE,
//! ZONEVERSION). The transfer
//! client (`xfr`), NOTIFY (`notify`), TSIG (`tsig::sign`) and the server all sit
//! on this module. hickory-proto is not used here: it costs ~1 µs per message and
//! loses byte-exactness of unknown RDATA (HICKORY.md); the tests use it as an
//! independent decoder that cross-checks this module.
//!
//! Nothing here panics on any input: every read is bounds-checked and every name walk
//! is bounded (pointers must point backwards, at most 255 octets of output).
//!
//! # Standards
//! - RFC 1035 §4.1.1: the 12-octet header (ID, QR, OPCODE, AA, TC, RD, RA, Z, RCODE,
//!   QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT).
//! - RFC 1035 §4.1.4: "a pointer to a prior occurance of the same name" — pointers are
//!   followed only backwards, which also rules out loops.
//! - RFC 6891 §6.1.3: the extended RCODE's upper 8 bits live in the OPT TTL.

pub mod build;
pub mod edns;
pub mod read;

use std::fmt;

pub use build::{MessageBuilder, Section};
pub use read::{Message, Outline, Question, RawQuestion, RecordIter, read_name, skip_name};

/// The header length (RFC 1035 §4.1.1).
pub const HEADER_LEN: usize = 12;
/// The largest message over TCP (2-octet length prefix).
pub const MAX_TCP_MESSAGE: usize = 65_535;
/// The classic UDP limit without EDNS (RFC 1035 §4.2.1).
pub const MAX_UDP_PLAIN: usize = 512;
/// The EDNS UDP payload size zonesync advertises (DNS flag day 2020).
pub const EDNS_UDP_SIZE: u16 = 1232;

//----------- Opcode -----------------------------------------------------------------

/// A header OPCODE.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Opcode(pub u8);

#[allow(missing_docs)]
impl Opcode {
    pub const QUERY: Opcode = Opcode(0);
    pub const NOTIFY: Opcode = Opcode(4);
    pub const UPDATE: Opcode = Opcode(5);
}

impl fmt::Display for Opcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            0 => f.write_str("QUERY"),
            1 => f.write_str("IQUERY"),
            2 => f.write_str("STATUS"),
            4 => f.write_str("NOTIFY"),
            5 => f.write_str("UPDATE"),
            n => write!(f, "OPCODE{n}"),
        }
    }
}

impl fmt::Debug for Opcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

//----------- Rcode ------------------------------------------------------------------

/// A response code, extended (12 bits) when the message carries OPT.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rcode(pub u16);

#[allow(missing_docs)]
impl Rcode {
    pub const NOERROR: Rcode = Rcode(0);
    pub const FORMERR: Rcode = Rcode(1);
    pub const SERVFAIL: Rcode = Rcode(2);
    pub const NXDOMAIN: Rcode = Rcode(3);
    pub const NOTIMP: Rcode = Rcode(4);
    pub const REFUSED: Rcode = Rcode(5);
    pub const YXDOMAIN: Rcode = Rcode(6);
    pub const YXRRSET: Rcode = Rcode(7);
    pub const NXRRSET: Rcode = Rcode(8);
    pub const NOTAUTH: Rcode = Rcode(9);
    pub const NOTZONE: Rcode = Rcode(10);
    pub const BADVERS: Rcode = Rcode(16);
}

impl Rcode {
    /// The mnemonic (`NOERROR`, `REFUSED`, …) or `RCODE<n>`.
    pub fn name(self) -> String {
        let known = match self.0 {
            0 => "NOERROR",
            1 => "FORMERR",
            2 => "SERVFAIL",
            3 => "NXDOMAIN",
            4 => "NOTIMP",
            5 => "REFUSED",
            6 => "YXDOMAIN",
            7 => "YXRRSET",
            8 => "NXRRSET",
            9 => "NOTAUTH",
            10 => "NOTZONE",
            16 => "BADVERS",
            n => return format!("RCODE{n}"),
        };
        known.to_string()
    }
}

impl fmt::Display for Rcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl fmt::Debug for Rcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

//----------- Header -----------------------------------------------------------------

/// The fixed 12-octet message header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Header {
    /// Message ID.
    pub id: u16,
    /// The second 16 bits: QR, OPCODE, AA, TC, RD, RA, Z, AD, CD, RCODE.
    pub flags: u16,
    /// QDCOUNT.
    pub qdcount: u16,
    /// ANCOUNT.
    pub ancount: u16,
    /// NSCOUNT.
    pub nscount: u16,
    /// ARCOUNT.
    pub arcount: u16,
}

/// QR: this is a response.
pub const FLAG_QR: u16 = 0x8000;
/// AA: authoritative answer.
pub const FLAG_AA: u16 = 0x0400;
/// TC: truncated.
pub const FLAG_TC: u16 = 0x0200;
/// RD: recursion desired.
pub const FLAG_RD: u16 = 0x0100;
/// RA: recursion available.
pub const FLAG_RA: u16 = 0x0080;

impl Header {
    /// Reads the header at the start of `buf`.
    pub fn parse(buf: &[u8]) -> Result<Header, WireError> {
        if buf.len() < HEADER_LEN {
            return Err(WireError::Truncated("header"));
        }
        let w = |i: usize| u16::from_be_bytes([buf[i], buf[i + 1]]);
        Ok(Header {
            id: w(0),
            flags: w(2),
            qdcount: w(4),
            ancount: w(6),
            nscount: w(8),
            arcount: w(10),
        })
    }

    /// The header as 12 octets.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        for (i, v) in [
            self.id,
            self.flags,
            self.qdcount,
            self.ancount,
            self.nscount,
            self.arcount,
        ]
        .into_iter()
        .enumerate()
        {
            out[2 * i..2 * i + 2].copy_from_slice(&v.to_be_bytes());
        }
        out
    }

    /// QR: true for a response.
    pub fn qr(&self) -> bool {
        self.flags & FLAG_QR != 0
    }

    /// The OPCODE.
    pub fn opcode(&self) -> Opcode {
        Opcode(((self.flags >> 11) & 0xf) as u8)
    }

    /// AA.
    pub fn aa(&self) -> bool {
        self.flags & FLAG_AA != 0
    }

    /// TC.
    pub fn tc(&self) -> bool {
        self.flags & FLAG_TC != 0
    }

    /// The 4-bit header RCODE (see [`Message::rcode`] for the extended one).
    pub fn rcode(&self) -> Rcode {
        Rcode(self.flags & 0xf)
    }

    /// Sets the OPCODE.
    pub fn set_opcode(&mut self, op: Opcode) {
        self.flags = (self.flags & !0x7800) | ((op.0 as u16 & 0xf) << 11);
    }

    /// Sets the low 4 bits of the RCODE.
    pub fn set_rcode(&mut self, rcode: Rcode) {
        self.flags = (self.flags & !0xf) | (rcode.0 & 0xf);
    }

    /// Sets or clears a flag bit (`FLAG_QR`, `FLAG_AA`, …).
    pub fn set_flag(&mut self, flag: u16, on: bool) {
        if on {
            self.flags |= flag;
        } else {
            self.flags &= !flag;
        }
    }
}

/// A fresh random message ID (RFC 5452 §9.2: IDs must be unpredictable).
pub fn random_id() -> u16 {
    let mut b = [0u8; 2];
    // The OS source does not fail on Linux; a fixed ID is only a weaker defence.
    let _ = getrandom::fill(&mut b);
    u16::from_be_bytes(b)
}

//============ Errors ================================================================

/// Why a message could not be read or built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The message ends inside something.
    #[error("message truncated in {0}")]
    Truncated(&'static str),
    /// A compression pointer that does not point backwards, or a chain too long.
    #[error("bad compression pointer at offset {0}")]
    BadPointer(usize),
    /// A label type other than a plain label or a pointer (RFC 6891 §5 retired 0x40).
    #[error("unsupported label type at offset {0}")]
    BadLabel(usize),
    /// A name longer than 255 octets once decompressed.
    #[error("name longer than 255 octets")]
    NameTooLong,
    /// RDATA that does not match its type's layout or its RDLENGTH.
    #[error("malformed {rtype} RDATA: {reason}")]
    BadRdata {
        /// The type.
        rtype: crate::zone::Rtype,
        /// What is wrong.
        reason: &'static str,
    },
    /// Octets left after the last section.
    #[error("{0} octets after the last record")]
    TrailingData(usize),
    /// The builder's size limit would be exceeded (the record was not added).
    #[error("message full")]
    Full,
    /// Records pushed out of section order, or more than 65535 in a section.
    #[error("records out of section order")]
    SectionOrder,
}
