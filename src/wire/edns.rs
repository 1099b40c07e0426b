//! EDNS options (RFC 6891 §6.1.2) that zonesync reads and writes: NSID (RFC 5001),
//! EXPIRE (RFC 7314) and ZONEVERSION (RFC 9660).
//!
//! The read side walks an OPT record's RDATA ([`Options`]) without allocating: the
//! server asks which options a query carries ([`Asked`]), the transfer client reads the
//! EXPIRE a primary sent back ([`expire_in`]), and `check --fleet` reads all three from
//! an answer. The write side ([`OptionsBuf`]) appends options for an answer's OPT (the
//! builder's [`push_opt_with`](super::MessageBuilder::push_opt_with) writes them).
//!
//! # Standards
//! - RFC 6891 §6.1.2: OPT RDATA is a sequence of `{OPTION-CODE, OPTION-LENGTH,
//!   OPTION-DATA}`; "Any OPTION-CODE values not understood by a responder or requestor
//!   MUST be ignored."
//! - RFC 5001 §2.3: the query carries an empty NSID option; the answer carries the
//!   server's identifier as opaque octets.
//! - RFC 7314 §2: EXPIRE is empty in a query and a 4-octet count of seconds in an
//!   answer.
//! - RFC 9660 §2: ZONEVERSION is empty in a query; the answer carries LABELCOUNT (the
//!   zone name's labels, the root not counted), TYPE (0 = the SOA serial) and VERSION
//!   (for type 0, the 4-octet serial). A name server "MUST ignore any non-empty
//!   ZONEVERSION" in a query: such a query has not asked.
//!
//! # Limitations
//! - Data in a query's NSID or EXPIRE option (which should be empty) is ignored: the
//!   option still asks (as BIND and Knot treat it), and is not answered with FORMERR.

use super::Message;

/// NSID (RFC 5001).
pub const NSID: u16 = 3;
/// EXPIRE (RFC 7314).
pub const EXPIRE: u16 = 9;
/// COOKIE (RFC 7873); read and answered by `server::cookies`.
pub const COOKIE: u16 = 10;
/// ZONEVERSION (RFC 9660).
pub const ZONEVERSION: u16 = 19;
/// ZONEVERSION type 0: the SOA serial (RFC 9660 §2).
pub const ZONEVERSION_SOA_SERIAL: u8 = 0;

//----------- Options ----------------------------------------------------------------

/// The options in one OPT record's RDATA, in order: `(code, data)`. Ends at the first
/// option whose length runs past the RDATA (a malformed tail is ignored).
#[derive(Clone, Debug)]
pub struct Options<'a> {
    /// The RDATA not walked yet.
    rest: &'a [u8],
}

impl<'a> Options<'a> {
    /// The options in `rdata` (an OPT record's RDATA).
    pub fn new(rdata: &'a [u8]) -> Options<'a> {
        Options { rest: rdata }
    }

    /// The data of the first option with `code`.
    pub fn find(self, code: u16) -> Option<&'a [u8]> {
        self.into_iter()
            .find_map(|(c, data)| (c == code).then_some(data))
    }
}

impl<'a> Iterator for Options<'a> {
    type Item = (u16, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let r = self.rest;
        if r.len() < 4 {
            return None;
        }
        let code = u16::from_be_bytes([r[0], r[1]]);
        let len = u16::from_be_bytes([r[2], r[3]]) as usize;
        let Some(data) = r.get(4..4 + len) else {
            self.rest = &[];
            return None;
        };
        self.rest = &r[4 + len..];
        Some((code, data))
    }
}

//----------- Asked ------------------------------------------------------------------

/// Which of the options zonesync answers a query asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Asked {
    /// NSID (RFC 5001).
    pub nsid: bool,
    /// EXPIRE (RFC 7314).
    pub expire: bool,
    /// ZONEVERSION (RFC 9660).
    pub zoneversion: bool,
}

impl Asked {
    /// What the options in `rdata` (a query's OPT RDATA) ask for.
    pub fn from_rdata(rdata: &[u8]) -> Asked {
        let mut asked = Asked::default();
        for (code, data) in Options::new(rdata) {
            match code {
                NSID => asked.nsid = true,
                EXPIRE => asked.expire = true,
                ZONEVERSION if data.is_empty() => asked.zoneversion = true,
                _ => {}
            }
        }
        asked
    }

    /// True when the query asked for any of them (its answer then depends on more than
    /// the zone's content).
    pub fn any(&self) -> bool {
        self.nsid || self.expire || self.zoneversion
    }
}

//----------- OptionsBuf -------------------------------------------------------------

/// Options for an answer's OPT, encoded as they go into its RDATA.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OptionsBuf(Vec<u8>);

impl OptionsBuf {
    /// Appends one option. Data longer than an option can be is cut at 65535 octets.
    pub fn push(&mut self, code: u16, data: &[u8]) {
        let data = &data[..data.len().min(u16::MAX as usize)];
        self.0.extend_from_slice(&code.to_be_bytes());
        self.0.extend_from_slice(&(data.len() as u16).to_be_bytes());
        self.0.extend_from_slice(data);
    }

    /// Appends NSID with the server's identifier.
    pub fn nsid(&mut self, id: &[u8]) {
        self.push(NSID, id);
    }

    /// Appends EXPIRE with `seconds`.
    pub fn expire(&mut self, seconds: u32) {
        self.push(EXPIRE, &seconds.to_be_bytes());
    }

    /// Appends ZONEVERSION of type 0 (SOA serial) for a zone whose name has
    /// `labels` labels (the root not counted).
    pub fn zoneversion(&mut self, labels: u8, serial: u32) {
        let mut data = [0u8; 6];
        data[0] = labels;
        data[1] = ZONEVERSION_SOA_SERIAL;
        data[2..].copy_from_slice(&serial.to_be_bytes());
        self.push(ZONEVERSION, &data);
    }

    /// The encoded options.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// True when no option was added.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

//----------- Reading answers --------------------------------------------------------

/// The RDATA of the (last) OPT record in `msg`'s ADDITIONAL section.
pub fn opt_rdata<'a>(msg: &Message<'a>) -> Option<&'a [u8]> {
    let outline = msg.outline();
    let (start, end) = outline.opt_rdata()?;
    outline.bytes().get(start..end)
}

/// The EXPIRE value (seconds) in an answer's OPT, when it carries a well-formed one
/// (4 octets; anything else is ignored, as RFC 6891 §6.1.2 ignores what it does not
/// understand).
pub fn expire_in(msg: &Message<'_>) -> Option<u32> {
    read_expire(Options::new(opt_rdata(msg)?).find(EXPIRE)?)
}

/// An EXPIRE option's value: exactly 4 octets.
pub fn read_expire(data: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(data.try_into().ok()?))
}

/// A ZONEVERSION option's value: `(labels, type, version)`; the version is the serial
/// when the type is 0 and the data 4 octets long.
pub fn read_zoneversion(data: &[u8]) -> Option<ZoneVersionValue> {
    let (&labels, rest) = data.split_first()?;
    let (&kind, version) = rest.split_first()?;
    Some(ZoneVersionValue {
        labels,
        kind,
        serial: (kind == ZONEVERSION_SOA_SERIAL)
            .then(|| version.try_into().ok().map(u32::from_be_bytes))
            .flatten(),
        version: version.to_vec(),
    })
}

/// A ZONEVERSION option as an answer carried it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneVersionValue {
    /// LABELCOUNT: labels of the zone's name, the root not counted.
    pub labels: u8,
    /// TYPE (0 = SOA serial).
    pub kind: u8,
    /// The serial, for type 0 with 4 octets of VERSION.
    pub serial: Option<u32>,
    /// VERSION as sent.
    pub version: Vec<u8>,
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_round_trip() {
        let mut b = OptionsBuf::default();
        b.nsid(b"ns1.example.net");
        b.expire(3600);
        b.zoneversion(2, 2024010101);
        let got: Vec<(u16, Vec<u8>)> = Options::new(b.as_bytes())
            .map(|(c, d)| (c, d.to_vec()))
            .collect();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], (NSID, b"ns1.example.net".to_vec()));
        // EXPIRE: code 9, length 4, seconds.
        assert_eq!(&b.as_bytes()[19..27], &[0, 9, 0, 4, 0, 0, 0x0e, 0x10]);
        assert_eq!(read_expire(&got[1].1), Some(3600));
        // ZONEVERSION: code 19, length 6, labels, type 0, serial.
        assert_eq!(
            &b.as_bytes()[27..],
            &[0, 19, 0, 6, 2, 0, 0x78, 0xa3, 0xf1, 0x75]
        );
        let zv = read_zoneversion(&got[2].1).unwrap();
        assert_eq!((zv.labels, zv.kind, zv.serial), (2, 0, Some(2024010101)));
        // Another type: no serial, the version as sent.
        let zv = read_zoneversion(&[1, 7, 1, 2]).unwrap();
        assert_eq!((zv.serial, zv.version), (None, vec![1, 2]));
        assert!(read_zoneversion(&[1]).is_none());
        assert!(read_expire(&[0, 0, 1]).is_none());
    }

    #[test]
    fn what_a_query_asks_for() {
        // Empty options, as dig +nsid +expire +zoneversion sends them, among others.
        let rdata = [0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 3, 0, 0, 0, 9, 0, 0];
        assert_eq!(
            Asked::from_rdata(&rdata),
            Asked {
                nsid: true,
                expire: true,
                zoneversion: false
            }
        );
        assert!(Asked::from_rdata(&[0, 19, 0, 0]).zoneversion);
        // A non-empty ZONEVERSION in a query is ignored (RFC 9660).
        assert!(!Asked::from_rdata(&[0, 19, 0, 1, 7]).any());
        // A cookie alone asks for nothing; a truncated option is ignored.
        assert!(!Asked::from_rdata(&rdata[..12]).any());
        assert!(!Asked::from_rdata(&[0, 3, 0, 5, 1]).any());
        assert!(!Asked::from_rdata(&[]).any());
    }
}
