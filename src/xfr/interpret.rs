//! The sans-IO transfer interpreter: response messages in, a checked [`Transfer`] out.
//!
//! The client ([`super::client`]) reads messages off a socket and pushes each one
//! here, in order; the interpreter answers [`Step::More`] until the closing SOA has
//! arrived, then [`Step::Done`], and [`Interpreter::finish`] hands over the result.
//! Nothing here does I/O or reads the clock except through the `now` the caller
//! passes for TSIG, so every framing rule is unit-tested below with hand-built
//! messages.
//!
//! Checks on every message: ID, QR, opcode, RCODE (any error aborts), TC, the question
//! (when present: QDCOUNT 0 or 1 is accepted in each message, RFC 5936 §2.2.1), TSIG
//! (chained; see `tsig::sign`), class IN and in-zone owners, size limits. Checks on the
//! stream: it opens with the zone's SOA and closes with the same SOA; IXFR changesets
//! start at our serial and chain; nothing follows the closing SOA.
//!
//! # Standards
//! - RFC 5936 §2.2: "the first message MUST begin with the SOA resource record of the
//!   zone, the last message MUST conclude with the same SOA resource record."
//! - RFC 5936 §2.2.1: a client "MUST check the RCODE in each message" and abort on an
//!   error.
//! - RFC 1995 §4: "If an IXFR query with the same or newer version number than that of
//!   the server is received, it is replied to with a single SOA record of the server's
//!   current version"; "if the UDP reply does not fit, the query is responded to with
//!   a single SOA record of the server's current version to inform the client that a
//!   TCP query should be initiated"; an AXFR-style answer is recognised by "the first
//!   two RRs": the second is not an SOA.
//!
//! # Limitations
//! - Records of another class than IN are rejected (zonesync serves IN zones).

use std::io;
use std::net::SocketAddr;

use crate::tsig::sign::{ClientTsig, Verified, split_parsed};
use crate::wire::{Message, Opcode, Rcode};
use crate::zone::{Class, Name, Record, Rtype};

use super::{Changeset, Limits, Stats, Transfer, XfrError, serial_gt, soa_serial};

//----------- Interpreter ------------------------------------------------------------

/// Where the interpreter stands after a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The closing SOA has not arrived: read another message.
    More,
    /// The transfer is complete: call [`Interpreter::finish`].
    Done,
}

/// Receives the records of a full transfer as they arrive (streaming mode), so a large
/// zone never sits in memory.
pub trait RecordSink {
    /// One record of the zone, in transfer order, opening SOA first.
    fn record(&mut self, record: Record) -> io::Result<()>;

    /// Called after each message with the counters so far (progress bars).
    fn progress(&mut self, _stats: &Stats) {}
}

impl<F: FnMut(Record) -> io::Result<()>> RecordSink for F {
    fn record(&mut self, record: Record) -> io::Result<()> {
        self(record)
    }
}

/// Which transfer the interpreter reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Axfr,
    Ixfr { serial: u32 },
}

/// The stream's position.
#[derive(Debug)]
enum State {
    /// Nothing read yet.
    Start,
    /// IXFR: only the opening SOA so far.
    AfterFirstSoa,
    /// Zone content (AXFR, AXFR-style IXFR).
    Full,
    /// IXFR: the deletions of the current changeset.
    Deleting(Changeset),
    /// IXFR: the additions of the current changeset.
    Adding(Changeset),
    /// The closing SOA has arrived.
    Done,
}

/// Interprets the messages of one AXFR or IXFR response.
#[derive(Debug)]
pub struct Interpreter {
    /// The zone asked for.
    zone: Name,
    /// AXFR or IXFR (with our serial).
    kind: Kind,
    /// The query's ID; every message must carry it.
    id: u16,
    /// The server, for errors.
    peer: SocketAddr,
    /// Size limits.
    limits: Limits,
    /// TSIG state when the query was signed.
    tsig: Option<ClientTsig>,
    /// Stream position.
    state: State,
    /// The opening SOA.
    new_soa: Option<Record>,
    /// Zone content collected (when not streaming).
    records: Vec<Record>,
    /// Changesets completed.
    changesets: Vec<Changeset>,
    /// Counters.
    stats: Stats,
    /// True when the whole transfer so far is the opening SOA alone, at the end of a
    /// message (an up-to-date answer, or over UDP "use TCP").
    lone_soa: bool,
}

impl Interpreter {
    /// An interpreter for the AXFR of `zone` asked with message ID `id`.
    pub fn axfr(zone: Name, id: u16, peer: SocketAddr, limits: Limits) -> Interpreter {
        Interpreter::new(zone, Kind::Axfr, id, peer, limits)
    }

    /// An interpreter for the IXFR of `zone` from our `serial`.
    pub fn ixfr(zone: Name, serial: u32, id: u16, peer: SocketAddr, limits: Limits) -> Interpreter {
        Interpreter::new(zone, Kind::Ixfr { serial }, id, peer, limits)
    }

    fn new(zone: Name, kind: Kind, id: u16, peer: SocketAddr, limits: Limits) -> Interpreter {
        Interpreter {
            zone,
            kind,
            id,
            peer,
            limits,
            tsig: None,
            state: State::Start,
            new_soa: None,
            records: Vec::new(),
            changesets: Vec::new(),
            stats: Stats::default(),
            lone_soa: false,
        }
    }

    /// Verifies every message with this TSIG state (from signing the query).
    pub fn with_tsig(mut self, tsig: ClientTsig) -> Interpreter {
        self.tsig = Some(tsig);
        self
    }

    /// [`Interpreter::with_tsig`] in place.
    pub fn set_tsig(&mut self, tsig: ClientTsig) {
        self.tsig = Some(tsig);
    }

    /// Counters so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The opening SOA, once seen.
    pub fn soa(&self) -> Option<&Record> {
        self.new_soa.as_ref()
    }

    /// True when everything received is the opening SOA alone and it is newer than
    /// our serial: over UDP, the server's way of saying "ask over TCP".
    pub fn is_lone_newer_soa(&self) -> bool {
        self.lone_soa && matches!(self.state, State::AfterFirstSoa)
    }

    /// Reads one message, collecting the records.
    pub fn push(&mut self, msg: &[u8], now: u64) -> Result<Step, XfrError> {
        self.push_inner(msg, now, None)
    }

    /// Reads one message, handing zone content (AXFR, AXFR-style IXFR) to `sink`
    /// instead of collecting it; [`Interpreter::finish`] then returns an empty
    /// [`Transfer::Full`].
    pub fn push_to(
        &mut self,
        msg: &[u8],
        now: u64,
        sink: &mut dyn RecordSink,
    ) -> Result<Step, XfrError> {
        self.push_inner(msg, now, Some(sink))
    }

    /// The result, once [`Step::Done`] was returned; anything else is
    /// [`XfrError::Incomplete`].
    pub fn finish(self) -> Result<(Transfer, Stats), XfrError> {
        let peer = self.peer;
        if let Some(tsig) = &self.tsig
            && matches!(self.state, State::Done)
        {
            tsig.finish()
                .map_err(|source| XfrError::Tsig { peer, source })?;
        }
        let transfer = match self.state {
            State::Done => match (self.kind, self.changesets.is_empty(), self.new_soa) {
                (Kind::Ixfr { .. }, false, _) => Transfer::Incremental(self.changesets),
                (Kind::Ixfr { .. }, true, Some(soa))
                    if self.records.is_empty() && self.lone_soa =>
                {
                    Transfer::UpToDate(soa)
                }
                _ => Transfer::Full(self.records),
            },
            _ => {
                return Err(XfrError::Incomplete {
                    peer,
                    reason: format!(
                        "no closing SOA after {} messages and {} records",
                        self.stats.messages, self.stats.records
                    ),
                });
            }
        };
        Ok((transfer, self.stats))
    }

    //--- Message checks

    fn malformed(&self, reason: impl Into<String>) -> XfrError {
        XfrError::Malformed {
            peer: self.peer,
            reason: reason.into(),
        }
    }

    fn push_inner(
        &mut self,
        msg: &[u8],
        now: u64,
        mut sink: Option<&mut dyn RecordSink>,
    ) -> Result<Step, XfrError> {
        let peer = self.peer;
        if matches!(self.state, State::Done) {
            return Err(self.malformed("a message after the closing SOA"));
        }
        self.stats.messages += 1;
        self.stats.bytes += msg.len() as u64;
        if self.stats.bytes > self.limits.max_bytes {
            return Err(XfrError::TooLarge {
                peer,
                limit: format!("{} octets", self.limits.max_bytes),
            });
        }
        let parsed = Message::parse(msg).map_err(|e| self.malformed(e.to_string()))?;
        let header = *parsed.header();
        if header.id != self.id {
            return Err(
                self.malformed(format!("message ID {} (asked with {})", header.id, self.id))
            );
        }
        if !header.qr() || header.opcode() != Opcode::QUERY {
            return Err(self.malformed("not a response to a query"));
        }
        let rcode = parsed.rcode();
        if rcode != Rcode::NOERROR {
            // The RCODE wins over TSIG: an unsigned REFUSED still says REFUSED (the
            // transfer fails either way), and a NOTAUTH names the TSIG error it carries.
            let tsig_error = split_parsed(&parsed)
                .ok()
                .flatten()
                .map(|s| s.tsig.error)
                .filter(|e| e.0 != 0);
            return Err(XfrError::from_rcode(peer, rcode, tsig_error));
        }
        if let Some(tsig) = &mut self.tsig {
            match tsig.verify_parsed(&parsed, now) {
                Ok(Verified::Signed) => self.stats.signed_messages += 1,
                Ok(Verified::Unsigned) => {}
                Err(source) => return Err(XfrError::Tsig { peer, source }),
            }
        }
        if header.tc() {
            return Err(XfrError::Truncated { peer });
        }
        if let Some(q) = parsed.question() {
            let qtype = match self.kind {
                Kind::Axfr => Rtype::AXFR,
                Kind::Ixfr { .. } => Rtype::IXFR,
            };
            if q.name != self.zone || q.qtype != qtype || q.qclass != Class::IN {
                return Err(self.malformed(format!(
                    "question {} {} {} does not match {} {qtype}",
                    q.name, q.qclass, q.qtype, self.zone
                )));
            }
        }
        if header.ancount == 0 && self.stats.messages == 1 {
            return Err(self.malformed("no records in the answer"));
        }
        for record in parsed.answers() {
            let record = record.map_err(|e| self.malformed(e.to_string()))?;
            if matches!(self.state, State::Done) {
                return Err(self.malformed("records after the closing SOA"));
            }
            self.record(record, reborrow(&mut sink))?;
        }
        self.lone_soa = self.stats.records == 1 && matches!(self.state, State::AfterFirstSoa);
        if self.lone_soa
            && let (Kind::Ixfr { serial }, Some(soa)) = (self.kind, &self.new_soa)
        {
            let theirs = soa_serial(&soa.rdata).unwrap_or(serial);
            if !serial_gt(theirs, serial) {
                // RFC 1995 §4: a single SOA not newer than ours: we are up to date.
                self.state = State::Done;
            }
        }
        Ok(match self.state {
            State::Done => Step::Done,
            _ => Step::More,
        })
    }

    //--- Record state machine

    fn record(&mut self, r: Record, sink: Option<&mut dyn RecordSink>) -> Result<(), XfrError> {
        let peer = self.peer;
        self.stats.records += 1;
        if self.stats.records > self.limits.max_records {
            return Err(XfrError::TooLarge {
                peer,
                limit: format!("{} records", self.limits.max_records),
            });
        }
        if r.class != Class::IN {
            return Err(self.malformed(format!(
                "{} {} record of class {}",
                r.owner, r.rtype, r.class
            )));
        }
        if !r.owner.ends_with(&self.zone) {
            return Err(self.malformed(format!(
                "{} {} is outside the zone {}",
                r.owner, r.rtype, self.zone
            )));
        }
        let apex_soa = r.rtype == Rtype::SOA && r.owner == self.zone;
        let serial = if apex_soa {
            Some(soa_serial(&r.rdata).ok_or_else(|| self.malformed("SOA RDATA too short"))?)
        } else {
            None
        };
        let state = std::mem::replace(&mut self.state, State::Done);
        self.state = match state {
            State::Start => {
                if !apex_soa {
                    return Err(self.malformed(format!(
                        "the first record is {} {}, not the SOA of {}",
                        r.owner, r.rtype, self.zone
                    )));
                }
                self.new_soa = Some(r.clone());
                match self.kind {
                    Kind::Axfr => {
                        self.emit(r, sink)?;
                        State::Full
                    }
                    Kind::Ixfr { .. } => State::AfterFirstSoa,
                }
            }
            State::AfterFirstSoa => {
                let opening = self
                    .new_soa
                    .clone()
                    .ok_or_else(|| self.malformed("no SOA"))?;
                match serial {
                    Some(_) if same_soa(&r, &opening) => {
                        // An AXFR-style answer for a zone holding only its SOA.
                        self.emit(opening, sink)?;
                        State::Done
                    }
                    Some(from) => {
                        let Kind::Ixfr { serial: ours } = self.kind else {
                            return Err(self.malformed("IXFR state in an AXFR"));
                        };
                        if from != ours {
                            return Err(XfrError::SerialMismatch {
                                peer,
                                expected: ours,
                                got: from,
                            });
                        }
                        State::Deleting(Changeset {
                            from_soa: r.clone(),
                            to_soa: r,
                            removed: Vec::new(),
                            added: Vec::new(),
                        })
                    }
                    None => {
                        // RFC 1995 §4: the second record is not an SOA: AXFR-style.
                        let mut sink = sink;
                        self.emit(opening, reborrow(&mut sink))?;
                        self.emit(r, sink)?;
                        State::Full
                    }
                }
            }
            State::Full => {
                if serial.is_some() {
                    let opening = self
                        .new_soa
                        .as_ref()
                        .ok_or_else(|| self.malformed("no SOA"))?;
                    if !same_soa(&r, opening) {
                        return Err(self.malformed(format!(
                            "closing SOA (serial {}) differs from the opening SOA (serial {})",
                            serial.unwrap_or(0),
                            soa_serial(&opening.rdata).unwrap_or(0)
                        )));
                    }
                    State::Done
                } else {
                    self.emit(r, sink)?;
                    State::Full
                }
            }
            State::Deleting(mut cs) => {
                if serial.is_some() {
                    cs.to_soa = r;
                    State::Adding(cs)
                } else {
                    cs.removed.push(r);
                    State::Deleting(cs)
                }
            }
            State::Adding(mut cs) => match serial {
                None => {
                    cs.added.push(r);
                    State::Adding(cs)
                }
                Some(s) => {
                    let opening = self
                        .new_soa
                        .clone()
                        .ok_or_else(|| self.malformed("no SOA"))?;
                    let newest = soa_serial(&opening.rdata).unwrap_or(0);
                    let at = soa_serial(&cs.to_soa.rdata).unwrap_or(0);
                    if s == newest && at == newest {
                        if !same_soa(&r, &opening) {
                            return Err(self.malformed(format!(
                                "closing SOA (serial {s}) differs from the opening SOA"
                            )));
                        }
                        self.changesets.push(cs);
                        State::Done
                    } else if s != at {
                        return Err(XfrError::SerialMismatch {
                            peer,
                            expected: at,
                            got: s,
                        });
                    } else {
                        self.changesets.push(cs);
                        State::Deleting(Changeset {
                            from_soa: r.clone(),
                            to_soa: r,
                            removed: Vec::new(),
                            added: Vec::new(),
                        })
                    }
                }
            },
            State::Done => return Err(self.malformed("records after the closing SOA")),
        };
        Ok(())
    }

    fn emit(&mut self, r: Record, sink: Option<&mut dyn RecordSink>) -> Result<(), XfrError> {
        match sink {
            Some(s) => s.record(r).map_err(|source| XfrError::Sink {
                peer: self.peer,
                source,
            }),
            None => {
                self.records.push(r);
                Ok(())
            }
        }
    }
}

/// Reborrows an optional sink for one call (`as_deref_mut` cannot shorten the trait
/// object's lifetime inside the `Option`).
fn reborrow<'s>(sink: &'s mut Option<&mut dyn RecordSink>) -> Option<&'s mut dyn RecordSink> {
    match sink {
        Some(s) => Some(&mut **s),
        None => None,
    }
}

/// Two SOA records are "the same" for framing: same owner and same RDATA.
fn same_soa(a: &Record, b: &Record) -> bool {
    a.owner == b.owner && a.rdata == b.rdata
}

//============ Tests =================================================================

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::tsig::sign::{RequestTsig, VerifyPolicy, verify_request};
    use crate::tsig::{Algorithm, Key};
    use crate::wire::{FLAG_QR, Header, MessageBuilder, Section};
    use crate::zone::Rdata;

    pub(crate) fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    pub(crate) fn soa(serial: u32) -> Record {
        let mut rd = Vec::new();
        rd.extend_from_slice(n("ns.example.com.").as_wire());
        rd.extend_from_slice(n("host.example.com.").as_wire());
        for v in [serial, 3600, 600, 86400, 300] {
            rd.extend_from_slice(&v.to_be_bytes());
        }
        Record::new(
            n("example.com."),
            Class::IN,
            Rtype::SOA,
            3600,
            Rdata::from_wire(rd),
        )
    }

    pub(crate) fn a(owner: &str, last: u8) -> Record {
        Record::new(
            n(owner),
            Class::IN,
            Rtype::A,
            300,
            Rdata::from_wire(vec![192, 0, 2, last]),
        )
    }

    /// A response message with ID 7, question `example.com. <qtype>`, these answers.
    pub(crate) fn msg(qtype: Rtype, rcode: Rcode, records: &[Record]) -> Vec<u8> {
        let mut h = Header {
            id: 7,
            flags: FLAG_QR,
            ..Default::default()
        };
        h.set_rcode(rcode);
        let mut b = MessageBuilder::new(h, 65535);
        b.question(&n("example.com."), qtype, Class::IN).unwrap();
        for r in records {
            b.push(Section::Answer, r).unwrap();
        }
        b.finish()
    }

    fn peer() -> SocketAddr {
        "127.0.0.1:5300".parse().unwrap()
    }

    fn axfr() -> Interpreter {
        Interpreter::axfr(n("example.com."), 7, peer(), Limits::default())
    }

    fn ixfr(serial: u32) -> Interpreter {
        Interpreter::ixfr(n("example.com."), serial, 7, peer(), Limits::default())
    }

    #[test]
    fn axfr_over_several_messages() {
        let mut i = axfr();
        let m1 = msg(
            Rtype::AXFR,
            Rcode::NOERROR,
            &[soa(5), a("a.example.com.", 1)],
        );
        let m2 = msg(
            Rtype::AXFR,
            Rcode::NOERROR,
            &[a("b.example.com.", 2), soa(5)],
        );
        assert_eq!(i.push(&m1, 0).unwrap(), Step::More);
        assert_eq!(i.push(&m2, 0).unwrap(), Step::Done);
        let (t, stats) = i.finish().unwrap();
        assert_eq!(
            t,
            Transfer::Full(vec![soa(5), a("a.example.com.", 1), a("b.example.com.", 2)])
        );
        assert_eq!((stats.messages, stats.records), (2, 4));
    }

    #[test]
    fn axfr_stream_to_sink() {
        let mut i = axfr();
        let mut got = Vec::new();
        let mut sink = |r: Record| {
            got.push(r);
            Ok(())
        };
        let m = msg(
            Rtype::AXFR,
            Rcode::NOERROR,
            &[soa(5), a("a.example.com.", 1), soa(5)],
        );
        assert_eq!(i.push_to(&m, 0, &mut sink).unwrap(), Step::Done);
        assert_eq!(i.finish().unwrap().0, Transfer::Full(vec![]));
        assert_eq!(got, vec![soa(5), a("a.example.com.", 1)]);
    }

    #[test]
    fn axfr_framing_errors() {
        // First record not an SOA.
        let mut i = axfr();
        let e = i
            .push(
                &msg(Rtype::AXFR, Rcode::NOERROR, &[a("a.example.com.", 1)]),
                0,
            )
            .unwrap_err();
        assert!(matches!(e, XfrError::Malformed { .. }), "{e}");
        // Closing SOA differs.
        let mut i = axfr();
        let e = i
            .push(&msg(Rtype::AXFR, Rcode::NOERROR, &[soa(5), soa(6)]), 0)
            .unwrap_err();
        assert!(e.to_string().contains("differs"), "{e}");
        // Stream stops before the closing SOA: incomplete, never a short zone.
        let mut i = axfr();
        assert_eq!(
            i.push(
                &msg(
                    Rtype::AXFR,
                    Rcode::NOERROR,
                    &[soa(5), a("a.example.com.", 1)]
                ),
                0
            )
            .unwrap(),
            Step::More
        );
        assert!(matches!(i.finish(), Err(XfrError::Incomplete { .. })));
        // Records after the closing SOA.
        let mut i = axfr();
        let e = i
            .push(
                &msg(
                    Rtype::AXFR,
                    Rcode::NOERROR,
                    &[soa(5), soa(5), a("a.example.com.", 1)],
                ),
                0,
            )
            .unwrap_err();
        assert!(e.to_string().contains("after the closing SOA"), "{e}");
        // Out of zone.
        let mut i = axfr();
        let e = i
            .push(
                &msg(
                    Rtype::AXFR,
                    Rcode::NOERROR,
                    &[soa(5), a("a.example.net.", 1)],
                ),
                0,
            )
            .unwrap_err();
        assert!(e.to_string().contains("outside the zone"), "{e}");
        // Wrong question.
        let mut i = axfr();
        let e = i
            .push(&msg(Rtype::IXFR, Rcode::NOERROR, &[soa(5)]), 0)
            .unwrap_err();
        assert!(e.to_string().contains("does not match"), "{e}");
        // Wrong ID.
        let mut i = Interpreter::axfr(n("example.com."), 8, peer(), Limits::default());
        let e = i
            .push(&msg(Rtype::AXFR, Rcode::NOERROR, &[soa(5)]), 0)
            .unwrap_err();
        assert!(e.to_string().contains("message ID"), "{e}");
        // Garbage.
        let mut i = axfr();
        assert!(matches!(
            i.push(&[1, 2, 3], 0),
            Err(XfrError::Malformed { .. })
        ));
    }

    #[test]
    fn rcode_on_first_and_mid_stream() {
        let mut i = axfr();
        assert!(matches!(
            i.push(&msg(Rtype::AXFR, Rcode::REFUSED, &[]), 0),
            Err(XfrError::Refused { .. })
        ));
        let mut i = axfr();
        i.push(
            &msg(
                Rtype::AXFR,
                Rcode::NOERROR,
                &[soa(5), a("a.example.com.", 1)],
            ),
            0,
        )
        .unwrap();
        assert!(matches!(
            i.push(&msg(Rtype::AXFR, Rcode::SERVFAIL, &[]), 0),
            Err(XfrError::ServFail { .. })
        ));
        let mut i = axfr();
        assert!(matches!(
            i.push(&msg(Rtype::AXFR, Rcode::NOTIMP, &[]), 0),
            Err(XfrError::NotImplemented { .. })
        ));
    }

    #[test]
    fn truncated_flag_is_an_error() {
        let mut m = msg(Rtype::AXFR, Rcode::NOERROR, &[soa(5)]);
        m[2] |= 0x02;
        assert!(matches!(
            axfr().push(&m, 0),
            Err(XfrError::Truncated { .. })
        ));
    }

    #[test]
    fn limits() {
        let mut i = Interpreter::axfr(
            n("example.com."),
            7,
            peer(),
            Limits {
                max_records: 2,
                max_bytes: 1 << 20,
                ..Limits::default()
            },
        );
        let e = i
            .push(
                &msg(
                    Rtype::AXFR,
                    Rcode::NOERROR,
                    &[soa(5), a("a.example.com.", 1), soa(5)],
                ),
                0,
            )
            .unwrap_err();
        assert!(matches!(e, XfrError::TooLarge { .. }), "{e}");
        let mut i = Interpreter::axfr(
            n("example.com."),
            7,
            peer(),
            Limits {
                max_records: 100,
                max_bytes: 50,
                ..Limits::default()
            },
        );
        let e = i
            .push(&msg(Rtype::AXFR, Rcode::NOERROR, &[soa(5), soa(5)]), 0)
            .unwrap_err();
        assert!(matches!(e, XfrError::TooLarge { .. }), "{e}");
    }

    #[test]
    fn ixfr_up_to_date_single_soa() {
        let mut i = ixfr(5);
        assert_eq!(
            i.push(&msg(Rtype::IXFR, Rcode::NOERROR, &[soa(5)]), 0)
                .unwrap(),
            Step::Done
        );
        assert_eq!(i.finish().unwrap().0, Transfer::UpToDate(soa(5)));
        // Older than ours: also "up to date" (we never go back).
        let mut i = ixfr(6);
        assert_eq!(
            i.push(&msg(Rtype::IXFR, Rcode::NOERROR, &[soa(5)]), 0)
                .unwrap(),
            Step::Done
        );
        // Newer lone SOA: more to come over TCP, "use TCP" over UDP.
        let mut i = ixfr(4);
        assert_eq!(
            i.push(&msg(Rtype::IXFR, Rcode::NOERROR, &[soa(5)]), 0)
                .unwrap(),
            Step::More
        );
        assert!(i.is_lone_newer_soa());
    }

    #[test]
    fn ixfr_uncondensed_chain() {
        let mut i = ixfr(3);
        let m = msg(
            Rtype::IXFR,
            Rcode::NOERROR,
            &[
                soa(5),
                soa(3),
                a("old.example.com.", 1),
                soa(4),
                a("new.example.com.", 2),
                soa(4),
                soa(5),
                a("newer.example.com.", 3),
                soa(5),
            ],
        );
        assert_eq!(i.push(&m, 0).unwrap(), Step::Done);
        let Transfer::Incremental(cs) = i.finish().unwrap().0 else {
            panic!()
        };
        assert_eq!(cs.len(), 2);
        assert_eq!(
            (
                soa_serial(&cs[0].from_soa.rdata),
                soa_serial(&cs[0].to_soa.rdata)
            ),
            (Some(3), Some(4))
        );
        assert_eq!(cs[0].removed, vec![a("old.example.com.", 1)]);
        assert_eq!(cs[0].added, vec![a("new.example.com.", 2)]);
        assert!(cs[1].removed.is_empty());
        assert_eq!(cs[1].added, vec![a("newer.example.com.", 3)]);
    }

    #[test]
    fn ixfr_condensed_across_messages() {
        let mut i = ixfr(3);
        let m1 = msg(
            Rtype::IXFR,
            Rcode::NOERROR,
            &[soa(5), soa(3), a("old.example.com.", 1)],
        );
        let m2 = msg(
            Rtype::IXFR,
            Rcode::NOERROR,
            &[soa(5), a("new.example.com.", 2), soa(5)],
        );
        assert_eq!(i.push(&m1, 0).unwrap(), Step::More);
        assert_eq!(i.push(&m2, 0).unwrap(), Step::Done);
        let Transfer::Incremental(cs) = i.finish().unwrap().0 else {
            panic!()
        };
        assert_eq!(cs.len(), 1);
        assert_eq!(soa_serial(&cs[0].to_soa.rdata), Some(5));
    }

    #[test]
    fn ixfr_axfr_style() {
        let mut i = ixfr(3);
        let m = msg(
            Rtype::IXFR,
            Rcode::NOERROR,
            &[soa(5), a("a.example.com.", 1), soa(5)],
        );
        assert_eq!(i.push(&m, 0).unwrap(), Step::Done);
        assert_eq!(
            i.finish().unwrap().0,
            Transfer::Full(vec![soa(5), a("a.example.com.", 1)])
        );
        // Split so that the first message holds the SOA alone.
        let mut i = ixfr(3);
        assert_eq!(
            i.push(&msg(Rtype::IXFR, Rcode::NOERROR, &[soa(5)]), 0)
                .unwrap(),
            Step::More
        );
        assert_eq!(
            i.push(
                &msg(
                    Rtype::IXFR,
                    Rcode::NOERROR,
                    &[a("a.example.com.", 1), soa(5)]
                ),
                0
            )
            .unwrap(),
            Step::Done
        );
        assert!(matches!(i.finish().unwrap().0, Transfer::Full(r) if r.len() == 2));
    }

    #[test]
    fn ixfr_bad_chain_and_mismatched_close() {
        // Does not start at our serial.
        let mut i = ixfr(2);
        let e = i
            .push(
                &msg(
                    Rtype::IXFR,
                    Rcode::NOERROR,
                    &[soa(5), soa(3), soa(5), soa(5)],
                ),
                0,
            )
            .unwrap_err();
        assert!(
            matches!(
                e,
                XfrError::SerialMismatch {
                    expected: 2,
                    got: 3,
                    ..
                }
            ),
            "{e}"
        );
        // Gap between changesets: 3→4, then 5→6.
        let mut i = ixfr(3);
        let e = i
            .push(
                &msg(
                    Rtype::IXFR,
                    Rcode::NOERROR,
                    &[soa(6), soa(3), soa(4), soa(5), soa(6), soa(6)],
                ),
                0,
            )
            .unwrap_err();
        assert!(
            matches!(
                e,
                XfrError::SerialMismatch {
                    expected: 4,
                    got: 5,
                    ..
                }
            ),
            "{e}"
        );
        // Closing SOA with the final serial but other RDATA.
        let mut other = soa(5);
        let mut rd = other.rdata.as_wire().to_vec();
        let l = rd.len();
        rd[l - 1] ^= 1;
        other.rdata = Rdata::from_wire(rd);
        let mut i = ixfr(3);
        let e = i
            .push(
                &msg(
                    Rtype::IXFR,
                    Rcode::NOERROR,
                    &[soa(5), soa(3), soa(5), other],
                ),
                0,
            )
            .unwrap_err();
        assert!(e.to_string().contains("differs"), "{e}");
        assert!(e.allows_axfr_fallback());
    }

    #[test]
    fn tsig_chain_checked_and_rcode_wins() {
        let key = Key::new(n("k."), Algorithm::HmacSha256, b"secret".to_vec()).unwrap();
        let mut q = msg(Rtype::AXFR, Rcode::NOERROR, &[]);
        q[2] = 0;
        let client = ClientTsig::sign_request(&key, &mut q, 1000);
        let RequestTsig::Signed(mut server) =
            verify_request(&q, |_, _| Some(key.clone()), 1000, VerifyPolicy::default())
        else {
            panic!()
        };
        let mut m1 = msg(
            Rtype::AXFR,
            Rcode::NOERROR,
            &[soa(5), a("a.example.com.", 1)],
        );
        server.sign(&mut m1, 1000);
        let m2 = msg(
            Rtype::AXFR,
            Rcode::NOERROR,
            &[a("b.example.com.", 2), soa(5)],
        );
        // Last message unsigned: the stream is complete but fails TSIG.
        let mut i = axfr().with_tsig(client.clone());
        i.push(&m1, 1000).unwrap();
        server.pass_unsigned(&m2);
        assert_eq!(i.push(&m2, 1000).unwrap(), Step::Done);
        assert!(matches!(i.finish(), Err(XfrError::Tsig { .. })));
        // Unsigned first message: TSIG error.
        let mut i = axfr().with_tsig(client.clone());
        let e = i.push(&m2, 1000).unwrap_err();
        assert!(e.to_string().starts_with("TSIG from 127.0.0.1:5300"), "{e}");
        // Unsigned REFUSED: REFUSED.
        let mut i = axfr().with_tsig(client);
        assert!(matches!(
            i.push(&msg(Rtype::AXFR, Rcode::REFUSED, &[]), 1000),
            Err(XfrError::Refused { .. })
        ));
    }
}
