//! Differential test of the query path: one zone served by knotd and by `zonesync
//! serve`, a few thousand deterministic queries sent to both, the answers compared.
//!
//! The zone has every case RFC 1034 §4.3.2 distinguishes: names that exist and do
//! not, wildcards (with empty non-terminals blocking them, and wildcard CNAMEs),
//! delegations (below and at the cut, DS at the cut, sibling and missing glue),
//! CNAMEs (chains, loops, dangling, out of the zone, into a delegation, a wildcard, an
//! empty non-terminal or a DNAME), DNAMEs (in and out of the zone, passed twice by
//! one chain, overflowing into YXDOMAIN), the apex, RRsets too large for 512 octets and for 1232. Queries: every
//! (name, type) pair once, for every type in the zone plus ANY, then 1500 random ones
//! (a third under made-up names), from a seeded xorshift generator; each with or
//! without EDNS (never DO: DNSSEC is another issue), RD set or clear, the QNAME in
//! random mixed case (RFC 4343). They go over UDP; ANY over UDP and over TCP.
//!
//! For each query the two answers must agree on RCODE; on QR, AA, TC, RD and RA (and
//! neither may set AD); on whether OPT is present; and on the ANSWER, AUTHORITY and
//! ADDITIONAL sections compared as sets of records (names case-insensitive, TTLs
//! exact, OPT left out). Ours must not repeat a record either (RFC 2181 §5). Answers
//! are decoded with zonesync's reader (`wire::read`, checked against kdig by the
//! transfer tests). Every difference is reported with its query.
//!
//! Where zonesync differs from Knot on purpose (Knot deviates from an RFC, or it is a
//! matter of choice), the difference is an explicit, narrow [`Exception`] below, with
//! its reason; the test prints how often each one applied
//! (`cargo test --test interop differential -- --nocapture`).

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::Duration;

use zonesync::wire::read::Message;
use zonesync::wire::{FLAG_AA, FLAG_QR, FLAG_RA, FLAG_RD, FLAG_TC, Header, Rcode};
use zonesync::zone::{Name, Record, Rtype, format_record};

use crate::peers::{Daemon, Role, ServeZone, ZoneDef, free_port, start_knot, start_zonesync_on};

pub(crate) const ORIGIN: &str = "diff.example";

/// The AD bit (RFC 4035 §3.2.3).
const FLAG_AD: u16 = 0x0020;

//----------- The zone ---------------------------------------------------------------

/// The zone both servers load (it passes zonesync's checks: no CNAME with other
/// data, no DNAME with descendants, glue for every in-zone NS target).
pub(crate) fn zone_text() -> String {
    let hex32 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let mut z = format!(
        r#"$ORIGIN diff.example.
$TTL 3600
@          SOA    ns1 hostmaster 2024010101 7200 900 1209600 300
@          NS     ns1
@          NS     ns2
@          NS     ns.outside.example.
@          MX     10 mail
@          MX     20 mx.outside.example.
@          TXT    "v=spf1 -all"
@          A      192.0.2.1
@          AAAA   2001:db8::1
@          CAA    0 issue "ca.example"
ns1        A      192.0.2.53
ns1        AAAA   2001:db8::53
ns2        A      192.0.2.54
mail       A      192.0.2.25
mail       AAAA   2001:db8::25
www        A      192.0.2.80
www   600  AAAA   2001:db8::80
www        TXT    "web server"
Mixed.Case A      192.0.2.81
host       A      192.0.2.82
host       HINFO  "PC" "Linux"
host       SSHFP  1 1 0123456789abcdef0123456789abcdef01234567
_443._tcp.www TLSA 3 1 1 {hex32}
ptr        PTR    www
_sip._tcp  SRV    10 20 5060 sip
_sip._tcp  SRV    20 20 5060 sip.outside.example.
sip        A      192.0.2.60
naptr      NAPTR  100 10 "S" "SIP+D2T" "" _sip._tcp
mxalias    MX     10 alias
mxdeleg    MX     10 mx.deleg
alias      CNAME  www
chain1     CNAME  chain2
chain2     CNAME  chain3
chain3     CNAME  www
dangling   CNAME  nothing
out        CNAME  www.outside.example.
loop1      CNAME  loop2
loop2      CNAME  loop1
self       CNAME  self
todeleg    CNAME  host.deleg
towild     CNAME  foo.wild
todname    CNAME  foo.dname
toent      CNAME  ent
tomail     CNAME  mail
*.wild     A      192.0.2.100
*.wild     TXT    "wildcard"
*.wild     MX     10 mail
sub.wild   A      192.0.2.101
x.y.wild   A      192.0.2.102
*.cwild    CNAME  www
*.dcwild   CNAME  nothing
a.b.ent    A      192.0.2.110
*.ent      TXT    "wild under an empty non-terminal"
deleg      NS     ns.deleg
deleg      NS     ns1
deleg      NS     ns.outside.example.
deleg      DS     12345 13 2 {hex32}
ns.deleg   A      192.0.2.200
ns.deleg   AAAA   2001:db8::200
mx.deleg   A      192.0.2.201
sibling    NS     ns.deleg
sibling    NS     ns2
noglue     NS     ns.outside.example.
noglue     NS     ns.outside2.example.
dname      DNAME  target
target     TXT    "target"
foo.target A      192.0.2.120
bar.target CNAME  www
back.target CNAME x.dname
dnameout   DNAME  outside.example.
long       DNAME  {long}.diff.example.
"#,
        long = ["a".repeat(60), "b".repeat(60), "c".repeat(60)].join(".")
    );
    for i in 1..=40 {
        z.push_str(&format!("many A 10.0.0.{i}\n"));
    }
    for i in 0..8 {
        z.push_str(&format!("bigtxt TXT \"{i}{}\"\n", "x".repeat(180)));
    }
    z
}

/// Names to ask for (relative to the origin; `@` is the apex).
pub(crate) fn names() -> Vec<String> {
    let mut v: Vec<String> = [
        "@",
        "ns1",
        "ns2",
        "mail",
        "www",
        "mixed.case",
        "MIXED.case",
        "host",
        "_443._tcp.www",
        "_tcp.www",
        "ptr",
        "_sip._tcp",
        "_tcp",
        "sip",
        "naptr",
        "mxalias",
        "mxdeleg",
        "alias",
        "chain1",
        "chain3",
        "dangling",
        "out",
        "loop1",
        "self",
        "todeleg",
        "towild",
        "todname",
        "toent",
        "tomail",
        "foo.wild",
        "a.b.wild",
        "wild",
        "*.wild",
        "sub.wild",
        "deeper.sub.wild",
        "y.wild",
        "z.y.wild",
        "x.y.wild",
        "q.cwild",
        "q.dcwild",
        "ent",
        "b.ent",
        "a.b.ent",
        "c.b.ent",
        "other.ent",
        "deleg",
        "ns.deleg",
        "host.deleg",
        "mx.deleg",
        "a.b.deleg",
        "sibling",
        "x.sibling",
        "noglue",
        "x.noglue",
        "dname",
        "foo.dname",
        "bar.dname",
        "x.foo.dname",
        "nothing.dname",
        "back.dname",
        "target",
        "foo.target",
        "x.dnameout",
        &format!("{}.long", "d".repeat(63)),
        "x.long",
        "many",
        "bigtxt",
        "nx",
        "nx.www",
        "a.nx",
        "ns.outside.example.",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.sort();
    v.dedup();
    v
}

/// Every type in the zone, and the meta and other types the brief names.
pub(crate) const QTYPES: &[Rtype] = &[
    Rtype::A,
    Rtype::AAAA,
    Rtype::NS,
    Rtype::SOA,
    Rtype::MX,
    Rtype::TXT,
    Rtype::CNAME,
    Rtype::DNAME,
    Rtype::DS,
    Rtype::PTR,
    Rtype::SRV,
    Rtype::NAPTR,
    Rtype::HINFO,
    Rtype::SSHFP,
    Rtype::TLSA,
    Rtype::CAA,
    Rtype::ANY,
];

//----------- Queries ----------------------------------------------------------------

/// xorshift64* (Vigna): deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// One query as sent.
#[derive(Clone, Debug)]
pub(crate) struct Query {
    qname: String,
    qtype: Rtype,
    /// EDNS UDP payload size, or no EDNS.
    edns: Option<u16>,
    rd: bool,
    tcp: bool,
    /// The DO bit (only with EDNS).
    dnssec_ok: bool,
}

impl Query {
    fn describe(&self) -> String {
        format!(
            "{} {} {}{}{}",
            self.qname,
            self.qtype,
            if self.tcp { "TCP" } else { "UDP" },
            match self.edns {
                Some(size) => format!(" EDNS {size}"),
                None => " no-EDNS".into(),
            },
            if self.rd { " RD" } else { "" }
        ) + if self.dnssec_ok { " DO" } else { "" }
    }

    fn wire(&self, id: u16) -> Vec<u8> {
        let h = Header {
            id,
            flags: if self.rd { FLAG_RD } else { 0 },
            qdcount: 1,
            arcount: u16::from(self.edns.is_some()),
            ..Header::default()
        };
        let mut m = h.to_bytes().to_vec();
        // Names keep their case: Name::parse would not lower it.
        let name: Name = self.qname.parse().expect("qname");
        m.extend_from_slice(name.as_wire());
        m.extend_from_slice(&self.qtype.0.to_be_bytes());
        m.extend_from_slice(&1u16.to_be_bytes());
        if let Some(size) = self.edns {
            m.push(0);
            m.extend_from_slice(&41u16.to_be_bytes());
            m.extend_from_slice(&size.to_be_bytes());
            let flags: u16 = if self.dnssec_ok { 0x8000 } else { 0 };
            m.extend_from_slice(&[0, 0]);
            m.extend_from_slice(&flags.to_be_bytes());
            m.extend_from_slice(&[0, 0]);
        }
        m
    }
}

/// Mixes the case of ASCII letters (RFC 4343: answers must not depend on it).
fn mix_case(rng: &mut Rng, name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphabetic() && rng.chance(30) {
                if c.is_ascii_lowercase() {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            } else {
                c
            }
        })
        .collect()
}

/// `rel` below the origin (`@` is the origin; names with a final dot stay).
fn absolute(rel: &str) -> String {
    if rel == "@" {
        format!("{ORIGIN}.")
    } else if rel.ends_with('.') {
        rel.to_string()
    } else {
        format!("{rel}.{ORIGIN}.")
    }
}

/// Every (name, type) pair once, then random ones (a third under made-up names), each
/// with random case, EDNS (absent, 512, 1232 or 4096) and RD. ANY goes over UDP and
/// over TCP; everything else over UDP.
fn queries() -> Vec<Query> {
    generate_queries(&names(), QTYPES, false)
}

/// Every (name, type) pair of `names` and `qtypes` once, then 1500 random ones (a
/// third under made-up names), each with random case, RD and (with `dnssec_ok`, always
/// with DO) EDNS. ANY goes over UDP and over TCP; everything else over UDP.
pub(crate) fn generate_queries(names: &[String], qtypes: &[Rtype], dnssec_ok: bool) -> Vec<Query> {
    let mut rng = Rng(0x5eed_d1ff_0000_0001);
    let mut pairs: Vec<(String, Rtype)> = Vec::new();
    for n in names {
        for &t in qtypes {
            pairs.push((absolute(n), t));
        }
    }
    for i in 0..1500 {
        let base = absolute(&names[rng.below(names.len())]);
        let qname = if i % 3 == 0 {
            // A name that does not exist, below a random one.
            format!("r{}.{base}", rng.below(1000))
        } else {
            base
        };
        pairs.push((qname, qtypes[rng.below(qtypes.len())]));
    }
    // Names too long once prefixed are left out (the out-of-zone one is kept: both
    // must refuse it).
    pairs.retain(|(n, _)| n.len() < 250);
    let mut out = Vec::new();
    for (qname, qtype) in pairs {
        // ANY both ways: over UDP both answer one RRset (RFC 8482), over TCP not.
        let transports: &[bool] = if qtype == Rtype::ANY {
            &[false, true]
        } else {
            &[false]
        };
        for &tcp in transports {
            let edns = match rng.below(4) {
                0 if !dnssec_ok => None,
                0 => Some(4096),
                1 => Some(512),
                2 => Some(1232),
                _ => Some(4096),
            };
            out.push(Query {
                qname: mix_case(&mut rng, &qname),
                qtype,
                edns,
                rd: rng.chance(50),
                tcp,
                dnssec_ok,
            });
        }
    }
    out
}

//----------- Sending ----------------------------------------------------------------

/// A server under test: a UDP socket and a TCP connection (reopened when closed).
struct Server {
    name: &'static str,
    addr: SocketAddr,
    udp: UdpSocket,
    tcp: Option<TcpStream>,
}

impl Server {
    fn new(name: &'static str, port: u16) -> Server {
        let udp = UdpSocket::bind("127.0.0.1:0").expect("bind");
        udp.set_read_timeout(Some(Duration::from_secs(2)))
            .expect("timeout");
        Server {
            name,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            udp,
            tcp: None,
        }
    }

    fn ask(&mut self, q: &Query, id: u16) -> Vec<u8> {
        let msg = q.wire(id);
        for _ in 0..3 {
            let got = if q.tcp {
                self.ask_tcp(&msg)
            } else {
                self.ask_udp(&msg, id)
            };
            if let Some(r) = got {
                return r;
            }
        }
        panic!("{} does not answer {}", self.name, q.describe());
    }

    fn ask_udp(&mut self, msg: &[u8], id: u16) -> Option<Vec<u8>> {
        self.udp.send_to(msg, self.addr).ok()?;
        let mut buf = vec![0u8; 65535];
        loop {
            let (n, from) = self.udp.recv_from(&mut buf).ok()?;
            if from == self.addr && n >= 2 && u16::from_be_bytes([buf[0], buf[1]]) == id {
                buf.truncate(n);
                return Some(buf);
            }
        }
    }

    fn ask_tcp(&mut self, msg: &[u8]) -> Option<Vec<u8>> {
        if self.tcp.is_none() {
            let s = TcpStream::connect_timeout(&self.addr, Duration::from_secs(2)).ok()?;
            s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
            self.tcp = Some(s);
        }
        let s = self.tcp.as_mut()?;
        let mut framed = (msg.len() as u16).to_be_bytes().to_vec();
        framed.extend_from_slice(msg);
        let result = (|| {
            s.write_all(&framed).ok()?;
            let mut len = [0u8; 2];
            s.read_exact(&mut len).ok()?;
            let mut buf = vec![0u8; u16::from_be_bytes(len) as usize];
            s.read_exact(&mut buf).ok()?;
            Some(buf)
        })();
        if result.is_none() {
            self.tcp = None;
        }
        result
    }
}

//----------- Comparing --------------------------------------------------------------

/// The parts of an answer that must agree (and, not compared, its size and the
/// records it repeats).
#[derive(Debug)]
struct Summary {
    rcode: u16,
    /// QR AA TC RD RA AD.
    flags: u16,
    opt: bool,
    answer: BTreeSet<String>,
    authority: BTreeSet<String>,
    additional: BTreeSet<String>,
    /// Records that appear more than once in a section (RFC 2181 §5: never).
    duplicates: Vec<String>,
    /// The message's size in octets.
    size: usize,
}

impl PartialEq for Summary {
    fn eq(&self, other: &Summary) -> bool {
        (
            self.rcode,
            self.flags,
            self.opt,
            &self.answer,
            &self.authority,
            &self.additional,
        ) == (
            other.rcode,
            other.flags,
            other.opt,
            &other.answer,
            &other.authority,
            &other.additional,
        )
    }
}

/// The largest UDP answer both servers send for `q` (both default to 1232 octets,
/// DNS flag day 2020).
fn limit(q: &Query) -> usize {
    q.edns
        .map_or(512, |size| usize::from(size.clamp(512, 1232)))
}

/// A record as text, owner in lower case; RDATA too for the types whose RDATA is
/// names and numbers (plus NAPTR, whose text fields are flags and services): Knot
/// compresses names in RDATA against the QNAME, so they come back in the asker's
/// case (RFC 4343 §3: the same names).
fn show(r: &Record) -> String {
    let mut r = r.clone();
    r.owner = r.owner.to_lowercase();
    let text = format_record(&r, None);
    match r.rtype {
        Rtype::NS
        | Rtype::CNAME
        | Rtype::DNAME
        | Rtype::PTR
        | Rtype::MX
        | Rtype::SRV
        | Rtype::SOA
        | Rtype::NAPTR => text.to_lowercase(),
        _ => text,
    }
}

fn summarize(server: &str, q: &Query, msg: &[u8]) -> Summary {
    let m = Message::parse(msg)
        .unwrap_or_else(|e| panic!("{server}: unreadable answer to {}: {e}", q.describe()));
    let mut duplicates = Vec::new();
    let mut set = |it: zonesync::wire::read::RecordIter<'_>| -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for r in it {
            let r = r.unwrap_or_else(|e| panic!("{server}: {}: {e}", q.describe()));
            if r.rtype != Rtype::OPT && !out.insert(show(&r)) {
                duplicates.push(show(&r));
            }
        }
        out
    };
    let answer = set(m.answers());
    let authority = set(m.authority());
    let additional = set(m.additional());
    Summary {
        rcode: m.rcode().0,
        flags: m.header().flags & (FLAG_QR | FLAG_AA | FLAG_TC | FLAG_RD | FLAG_RA | FLAG_AD),
        opt: m.opt_count() > 0,
        answer,
        authority,
        additional,
        duplicates,
        size: msg.len(),
    }
}

fn flag_names(flags: u16) -> String {
    [
        (FLAG_QR, "qr"),
        (FLAG_AA, "aa"),
        (FLAG_TC, "tc"),
        (FLAG_RD, "rd"),
        (FLAG_RA, "ra"),
        (FLAG_AD, "ad"),
    ]
    .iter()
    .filter(|(f, _)| flags & f != 0)
    .map(|(_, n)| *n)
    .collect::<Vec<_>>()
    .join(" ")
}

/// What differs between Knot's answer and ours, one line per difference.
fn differences(knot: &Summary, ours: &Summary) -> Vec<String> {
    let mut out = Vec::new();
    if knot.rcode != ours.rcode {
        out.push(format!(
            "RCODE: knot {} ours {}",
            Rcode(knot.rcode).name(),
            Rcode(ours.rcode).name()
        ));
    }
    if knot.flags != ours.flags {
        out.push(format!(
            "flags: knot [{}] ours [{}]",
            flag_names(knot.flags),
            flag_names(ours.flags)
        ));
    }
    if knot.opt != ours.opt {
        out.push(format!("OPT: knot {} ours {}", knot.opt, ours.opt));
    }
    for (name, k, o) in [
        ("ANSWER", &knot.answer, &ours.answer),
        ("AUTHORITY", &knot.authority, &ours.authority),
        ("ADDITIONAL", &knot.additional, &ours.additional),
    ] {
        for r in k.difference(o) {
            out.push(format!("{name}: only knot: {r}"));
        }
        for r in o.difference(k) {
            out.push(format!("{name}: only ours: {r}"));
        }
    }
    out
}

//----------- Exceptions -------------------------------------------------------------

/// A difference from Knot that zonesync keeps on purpose. Each is narrow: it
/// explains one shape of difference and nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Exception {
    /// ANY over TCP. Knot 3.2 answers ANY with one RRset over UDP *and* TCP; we give
    /// one over UDP (the same one as Knot, RFC 8482 §4.1) but every RRset over TCP,
    /// where a full answer costs no amplification (RFC 8482 lets a responder answer
    /// conventionally over TCP) and operators still use `dig ANY +tcp` to see a node.
    /// Knot's RRset must be one of ours, and the rest must agree.
    AnyOverTcp,
    /// A DNAME substitution longer than 255 octets. RFC 6672 §2.2: "the server
    /// returns an RCODE of YXDOMAIN … The DNAME record … [is] included in the answer
    /// as proof"; Knot 3.2 answers NXDOMAIN with the SOA. We follow the RFC.
    DnameOverflow,
    /// Addresses of an MX target below a zone cut. Knot adds the glue (occluded,
    /// non-authoritative data) to ADDITIONAL of an authoritative answer; we hand glue
    /// out only in referrals: a resolver may not trust it there (RFC 2181 §5.4.1
    /// ranks glue lowest and for the referral only) and it may be stale. Everything
    /// else must agree.
    OccludedAdditional,
    /// TC where Knot's answer fits, or less optional ADDITIONAL data than Knot's, for
    /// a mixed-case QNAME. Our compression matches names in exact case (so every name
    /// keeps the case it has in the zone); Knot matches case-insensitively, so its
    /// answers to a 0x20-mixed QNAME are smaller. Near the size limit ours truncates
    /// or leaves out an address. Proven by asking again over TCP: that answer must
    /// equal Knot's (or hold all of Knot's additional data) and be larger than the
    /// UDP limit.
    CaseSensitiveCompression,
    /// TC where Knot leaves the SOA out of a negative answer to make it fit. RFC 2308
    /// §3: authoritative servers "MUST include the SOA record … when reporting an
    /// NXDOMAIN or indicating that no data … exists", and RFC 2181 §9 sets TC when
    /// required data does not fit; Knot 3.2 drops the SOA silently instead. Proven by
    /// asking again over TCP: that answer is Knot's plus the SOA, and larger than the
    /// UDP limit.
    NegativeSoaDropped,
    /// ANY over UDP with DO at a node whose lowest type code is RRSIG (46: below NSEC,
    /// TLSA, CAA …). Knot 3.2 answers with the node's first RRset in type order, which
    /// is then its signatures alone, useless without the data they sign; we answer with
    /// the lowest-typed *data* RRset and its signatures (RFC 8482 §4.1 lets a server
    /// pick any one RRset; RFC 4035 §3.1.1 puts the RRSIGs with it). Knot's answer must
    /// be RRSIGs only, ours one RRset and its RRSIGs (one of Knot's among them).
    AnyRrsigsOnly,
    /// QTYPE NSEC at a name that a wildcard owning an NSEC stands for. Knot 3.2 puts
    /// the wildcard's NSEC in ANSWER (expanded to QNAME) and leaves out the proof that
    /// QNAME does not exist, because that proof is the same NSEC at the wildcard's own
    /// owner and its duplicate check sees them as one. RFC 4035 §3.1.3.3 requires the
    /// proof with every wildcard answer; ours has it. Ours must be Knot's plus exactly
    /// that NSEC and its RRSIG in AUTHORITY.
    WildcardNsecProof,
    /// TC with records where ours has none. Knot keeps the records that fit in a
    /// truncated UDP answer; we send the header, the question and OPT (RFC 2181 §9:
    /// a truncated answer is not to be used; the client asks again over TCP either
    /// way). Proven by asking over TCP: every record of Knot's partial answer is in
    /// our full one.
    TruncatedPartial,
}

impl Exception {
    fn all() -> [Exception; 8] {
        [
            Exception::AnyOverTcp,
            Exception::DnameOverflow,
            Exception::OccludedAdditional,
            Exception::CaseSensitiveCompression,
            Exception::NegativeSoaDropped,
            Exception::AnyRrsigsOnly,
            Exception::WildcardNsecProof,
            Exception::TruncatedPartial,
        ]
    }

    /// Whether this exception explains all of the difference between `knot` and
    /// `ours` for `q`; `over_tcp` asks zonesync again over TCP (the answer and its
    /// size).
    fn explains(
        self,
        q: &Query,
        knot: &Summary,
        ours: &Summary,
        over_tcp: &mut dyn FnMut() -> Summary,
    ) -> bool {
        let same_head =
            knot.rcode == ours.rcode && knot.flags == ours.flags && knot.opt == ours.opt;
        match self {
            Exception::AnyOverTcp => {
                // Knot's additional may hold occluded glue (OccludedAdditional).
                q.qtype == Rtype::ANY
                    && q.tcp
                    && same_head
                    && knot.answer.is_subset(&ours.answer)
                    && knot.authority == ours.authority
                    && knot
                        .additional
                        .iter()
                        .all(|r| ours.additional.contains(r) || below_cut(owner_of(r)))
            }
            Exception::DnameOverflow => {
                // With DO, Knot adds the NSEC proofs of its NXDOMAIN, and they may
                // not fit (TC).
                knot.rcode == Rcode::NXDOMAIN.0
                    && ours.rcode == Rcode::YXDOMAIN.0
                    && (knot.flags & !FLAG_TC) == ours.flags
                    && knot.answer == ours.answer
                    && ours.answer.iter().any(|r| r.contains("\tdname\t"))
                    && ours.authority.is_empty()
                    && (knot.flags & FLAG_TC != 0
                        || knot.authority.iter().any(|r| r.contains("\tsoa\t")))
                    && knot.authority.iter().all(|r| {
                        r.contains("\tsoa\t") || r.contains("\tNSEC") || r.contains("\tRRSIG\t")
                    })
            }
            Exception::AnyRrsigsOnly => {
                q.qtype == Rtype::ANY
                    && !q.tcp
                    && q.dnssec_ok
                    && same_head
                    && !knot.answer.is_empty()
                    && knot.answer.iter().all(|r| type_of(r) == "RRSIG")
                    && ours.answer.iter().any(|r| knot.answer.contains(r))
                    && ours
                        .answer
                        .iter()
                        .filter(|r| type_of(r) != "RRSIG")
                        .map(|r| type_of(r))
                        .collect::<BTreeSet<_>>()
                        .len()
                        == 1
                    && knot.authority == ours.authority
            }
            Exception::WildcardNsecProof => {
                let extra: Vec<&String> = ours.authority.difference(&knot.authority).collect();
                q.qtype == Rtype::NSEC
                    && same_head
                    && knot.answer == ours.answer
                    && knot.additional == ours.additional
                    && knot.authority.is_subset(&ours.authority)
                    && extra.len() == 2
                    && extra.iter().all(|r| owner_of(r).starts_with("*."))
                    && extra.iter().any(|r| type_of(r) == "NSEC")
                    && extra.iter().any(|r| r.contains("\tRRSIG\tNSEC "))
            }
            Exception::TruncatedPartial => {
                // Knot decides the RCODE of a CNAME chain at its end; cut short, its
                // answer may say NOERROR where the whole chain ends in NXDOMAIN.
                knot.flags & FLAG_TC != 0
                    && knot.flags == ours.flags
                    && knot.opt == ours.opt
                    && (knot.rcode == ours.rcode || knot.rcode == Rcode::NOERROR.0)
                    && ours.answer.is_empty()
                    && ours.authority.is_empty()
                    && ours.additional.is_empty()
                    && {
                        let full = over_tcp();
                        full.rcode == ours.rcode
                            && knot.answer.is_subset(&full.answer)
                            && knot.authority.is_subset(&full.authority)
                            && knot
                                .additional
                                .iter()
                                .all(|r| full.additional.contains(r) || below_cut(owner_of(r)))
                    }
            }
            Exception::OccludedAdditional => {
                same_head
                    && knot.answer == ours.answer
                    && knot.authority == ours.authority
                    && ours.additional.is_subset(&knot.additional)
                    && knot
                        .additional
                        .difference(&ours.additional)
                        .all(|r| below_cut(owner_of(r)))
            }
            Exception::CaseSensitiveCompression => {
                let mixed = q.qname != q.qname.to_lowercase();
                // Ours truncated where Knot's fits …
                let truncated = ours.flags & FLAG_TC != 0 && knot.flags & FLAG_TC == 0;
                // … or ours left out optional additional data that Knot's kept.
                let less_additional = same_head
                    && knot.answer == ours.answer
                    && knot.authority == ours.authority
                    && ours.additional.is_subset(&knot.additional)
                    && ours.additional != knot.additional;
                mixed && (truncated || less_additional) && {
                    let again = over_tcp();
                    if truncated {
                        again == *knot && again.size > limit(q) && knot.size <= limit(q)
                    } else {
                        knot.additional.is_subset(&again.additional) && again.size > limit(q)
                    }
                }
            }
            Exception::NegativeSoaDropped => {
                ours.flags & FLAG_TC != 0
                    && knot.flags & FLAG_TC == 0
                    && knot.authority.is_empty()
                    && {
                        let again = over_tcp();
                        again.rcode == knot.rcode
                            && again.flags == knot.flags
                            && again.answer == knot.answer
                            && again.additional == knot.additional
                            && again.authority.len() == 1
                            && again.authority.iter().all(|r| r.contains("\tsoa\t"))
                            && again.size > limit(q)
                    }
            }
        }
    }
}

/// The owner of a record as [`show`] writes it.
fn owner_of(r: &str) -> &str {
    r.split('\t').next().unwrap_or("")
}

/// The type of a record as [`show`] writes it (upper case).
fn type_of(r: &str) -> String {
    r.split('\t').nth(3).unwrap_or("").to_ascii_uppercase()
}

/// Whether `owner` (lower case, absolute) is below one of the zone's cuts.
fn below_cut(owner: &str) -> bool {
    ["deleg", "sibling", "noglue"]
        .iter()
        .any(|cut| owner.ends_with(&format!(".{cut}.{ORIGIN}.")))
}

//----------- The test -----------------------------------------------------------------

fn start_both(text: String) -> (Daemon, Daemon) {
    let knot = start_knot(
        &[ZoneDef {
            name: ORIGIN.into(),
            role: Role::Primary(text.clone()),
        }],
        &[],
    );
    let zs = start_zonesync_on(
        free_port(),
        &[ServeZone {
            name: ORIGIN.into(),
            text,
            settings: String::new(),
        }],
        &[],
    );
    (knot, zs)
}

/// Sends every query to knotd and to zonesync and compares the answers; fails with
/// every difference no [`Exception`] explains, each with its query.
#[test]
fn knot_and_zonesync_answer_alike() {
    compare_with_knot(zone_text(), &queries());
}

/// Serves `text` (the zone [`ORIGIN`]) from knotd and from zonesync, sends every
/// query to both and compares the answers; fails with every difference no
/// [`Exception`] explains, each with its query.
pub(crate) fn compare_with_knot(text: String, queries: &[Query]) {
    let (knot_d, zs_d) = start_both(text);
    let mut knot = Server::new("knotd", knot_d.port);
    let mut ours = Server::new("zonesync", zs_d.port);
    let mut unexplained = Vec::new();
    let mut explained: Vec<(Exception, String)> = Vec::new();
    for (i, q) in queries.iter().enumerate() {
        let id = i as u16;
        let k = summarize("knotd", q, &knot.ask(q, id));
        let o = summarize("zonesync", q, &ours.ask(q, id));
        let mut problems = Vec::new();
        if o.flags & FLAG_AD != 0 {
            problems
                .push("AD set in our answer (an authoritative server never sets it)".to_string());
        }
        for d in &o.duplicates {
            problems.push(format!("duplicate record in our answer: {d}"));
        }
        let diff = differences(&k, &o);
        if !diff.is_empty() {
            let mut over_tcp = || {
                let tq = Query {
                    tcp: true,
                    ..q.clone()
                };
                summarize("zonesync", &tq, &ours.ask(&tq, id))
            };
            match Exception::all()
                .into_iter()
                .find(|e| e.explains(q, &k, &o, &mut over_tcp))
            {
                Some(e) => explained.push((e, format!("{}: {}", q.describe(), diff.join("; ")))),
                None => problems.extend(diff),
            }
        }
        if !problems.is_empty() {
            if std::env::var_os("DIFFERENTIAL_VERBOSE").is_some() {
                // Both answers in full, for chasing a difference.
                problems.push(format!("knot: {k:#?}\n    ours: {o:#?}"));
            }
            unexplained.push(format!("{}\n    {}", q.describe(), problems.join("\n    ")));
        }
    }
    eprintln!(
        "{} queries; {} differ as listed exceptions, {} otherwise",
        queries.len(),
        explained.len(),
        unexplained.len()
    );
    for e in Exception::all() {
        let hits: Vec<&String> = explained
            .iter()
            .filter(|(x, _)| *x == e)
            .map(|(_, d)| d)
            .collect();
        eprintln!(
            "  {e:?}: {} (e.g. {})",
            hits.len(),
            hits.first().map_or("-", |d| d.as_str())
        );
    }
    assert!(
        unexplained.is_empty(),
        "{} of {} answers differ from Knot's:\n{}",
        unexplained.len(),
        queries.len(),
        unexplained.join("\n")
    );
}
