//! RDATA in presentation format: text fields to uncompressed wire bytes and back, for
//! every type operators keep in zones.
//!
//! The parser ([`super::parse`]) hands this module the tokens after the type of each
//! entry and gets wire bytes ([`encode_rdata`], into a reused buffer); the writer
//! ([`super::write`]) hands it wire bytes and gets text ([`write_rdata`]). Nothing
//! else in zonesync interprets RDATA text, so the two directions live side by side and
//! are tested against each other: for every type, `encode(format(wire)) == wire`.
//!
//! A type with no codec here is still carried: it is accepted in the RFC 3597 form
//! `\# length hex` only, kept as opaque bytes, and written back in that form. The
//! formatter also falls back to `\#` whenever the bytes do not decode for their type
//! (truncated data, non-canonical encodings such as unsorted SvcParams), so that
//! writing a zone never loses or alters a byte.
//!
//! Names inside RDATA are written absolute and uncompressed, with the case they had
//! in the file. The types made only of integers, character-strings and names (NS,
//! SOA, MX, SRV, NAPTR …) are read and written field by field from the RDATA layout
//! table ([`super::layout`]); the others have their own arms here.
//!
//! # Standards
//! - RFC 1035 §5.1 (master files), §3.3 (`<character-string>`: "a single length octet
//!   followed by that number of characters").
//! - RFC 3597 §5: the RDATA of an unknown type is "the special token `\#` …, an
//!   unsigned decimal integer specifying the RDATA length in octets, … zero or more
//!   words of hexadecimal data encoding the actual RDATA field"; "An implementation
//!   MAY also choose to represent some RRs of known type using the above generic
//!   representations".
//! - RFC 4034 §2.2, §3.2 (DNSKEY, RRSIG: "The Signature Expiration Time and Inception
//!   Time field values MUST be represented either as an unsigned decimal integer
//!   indicating seconds since 1 January 1970 00:00:00 UTC, or in the form
//!   YYYYMMDDHHmmSS in UTC"), §4.1.2 (NSEC type bitmap: "Blocks with no types present
//!   MUST NOT be included. Trailing zero octets in the bitmap MUST be omitted"), §5.3.
//! - RFC 5155 §3.3, §4.3 (NSEC3, NSEC3PARAM): "The Salt field is represented as a
//!   sequence of case-insensitive hexadecimal digits", or "as "-" (without the quotes)
//!   when the Salt Length field has a value of 0"; "The Next Hashed Owner Name field
//!   is represented as an unpadded sequence of case-insensitive base32 digits".
//! - RFC 1876 §3 (LOC presentation), RFC 9460 §2.1 and Appendix A (SVCB/HTTPS
//!   SvcParams, keys in any order in text and sorted on the wire; value-lists such as
//!   `alpn` split on commas, with `\,` and `\\` inside items), RFC 8659 (CAA), RFC 7553 (URI), RFC 4398 (CERT), RFC 4025
//!   (IPSECKEY), RFC 6742 (NID, L32, L64, LP), RFC 7043 (EUI48, EUI64), RFC 7477
//!   (CSYNC), RFC 8976 (ZONEMD), RFC 6698/8162 (TLSA, SMIMEA), RFC 4255 (SSHFP).
//!
//! # Limitations
//! - `\#` RDATA of a known type is taken as given, not checked against the type
//!   (BIND checks it); the writer shows it in `\#` form if it does not decode.
//! - SVCB: the "mandatory keys must be present" rule of RFC 9460 §8 is left to the
//!   semantic checks.
//! - APL, WKS, HIP, NULL and the other rare types have no codec: `\#` only.

use std::fmt::Write as _;
use std::net::Ipv6Addr;
use std::sync::LazyLock;

use data_encoding::{BASE32_DNSSEC, Encoding, HEXUPPER, HEXUPPER_PERMISSIVE, Specification};

use super::layout::{Field, plain_fields};
use super::lexer::{Lexeme, Lexer, Token, decode_escape, unescape};
use super::name::{MAX_LABEL_LEN, MAX_NAME_LEN, Name, NameError, wire_name_len};
use super::record::{Rdata, Rtype};

/// Types with codecs here that `Rtype` has no constant for.
const NID: Rtype = Rtype(104);
const L32: Rtype = Rtype(105);
const L64: Rtype = Rtype(106);
const LP: Rtype = Rtype(107);
const EUI48: Rtype = Rtype(108);
const EUI64: Rtype = Rtype(109);
const TA: Rtype = Rtype(32768);
const DLV: Rtype = Rtype(32769);

//----------- Public API -------------------------------------------------------------

/// Encodes the RDATA fields of one record (the tokens after its type) to wire form.
///
/// Relative names are completed with `origin`. The first token `\#` selects the
/// RFC 3597 generic form, for any type.
pub fn rdata_from_text(
    rtype: Rtype,
    tokens: &[Token<'_>],
    origin: &Name,
) -> Result<Rdata, RdataError> {
    let mut out = Vec::with_capacity(64);
    let mut scratch = Vec::new();
    encode_rdata(rtype, tokens, origin, &mut out, &mut scratch)?;
    Ok(Rdata::from_wire(out))
}

/// Parses RDATA from presentation text (one entry's RDATA part; parentheses and
/// comments allowed), for tests, the command line and configuration values.
pub fn parse_rdata(rtype: Rtype, text: &str, origin: &Name) -> Result<Rdata, String> {
    let mut lexer = Lexer::new(text.as_bytes());
    let mut tokens = Vec::new();
    loop {
        match lexer.next_lexeme() {
            Ok(Lexeme::Token(t)) => tokens.push(t),
            Ok(Lexeme::Eol) => {}
            Ok(Lexeme::Eof) => break,
            Err(e) => return Err(format!("column {}: {}", e.column, e.kind)),
        }
    }
    rdata_from_text(rtype, &tokens, origin).map_err(|e| e.message)
}

/// Formats RDATA in presentation format: the exact text that [`parse_rdata`] reads
/// back to the same bytes. With `origin`, names at or below it are written relative
/// to it (`@`, `www`).
///
/// Falls back to the RFC 3597 form `\# length hex` when the type has no codec or the
/// bytes do not decode for the type.
pub fn format_rdata(rtype: Rtype, rdata: &[u8], origin: Option<&Name>) -> String {
    let mut out = String::with_capacity(rdata.len() * 2 + 8);
    write_rdata(&mut out, rtype, rdata, origin);
    out
}

/// [`format_rdata`] appending to `out` (the writer reuses one buffer for a zone).
pub fn write_rdata(out: &mut String, rtype: Rtype, wire: &[u8], origin: Option<&Name>) {
    let start = out.len();
    if format_known(out, rtype, wire, origin).is_none() {
        out.truncate(start);
        write_generic(out, wire);
    }
}

/// True when `rtype` has a presentation codec here (other types are read and written
/// in `\#` form only).
pub fn has_presentation(rtype: Rtype) -> bool {
    matches!(
        rtype,
        Rtype::A
            | Rtype::NS
            | Rtype::MD
            | Rtype::MF
            | Rtype::CNAME
            | Rtype::SOA
            | Rtype::MB
            | Rtype::MG
            | Rtype::MR
            | Rtype::PTR
            | Rtype::HINFO
            | Rtype::MINFO
            | Rtype::MX
            | Rtype::TXT
            | Rtype::RP
            | Rtype::AFSDB
            | Rtype::RT
            | Rtype::SIG
            | Rtype::KEY
            | Rtype::PX
            | Rtype::AAAA
            | Rtype::LOC
            | Rtype::SRV
            | Rtype::NAPTR
            | Rtype::KX
            | Rtype::CERT
            | Rtype::DNAME
            | Rtype::DS
            | Rtype::SSHFP
            | Rtype::IPSECKEY
            | Rtype::RRSIG
            | Rtype::NSEC
            | Rtype::DNSKEY
            | Rtype::DHCID
            | Rtype::NSEC3
            | Rtype::NSEC3PARAM
            | Rtype::TLSA
            | Rtype::SMIMEA
            | Rtype::CDS
            | Rtype::CDNSKEY
            | Rtype::OPENPGPKEY
            | Rtype::CSYNC
            | Rtype::ZONEMD
            | Rtype::SVCB
            | Rtype::HTTPS
            | Rtype::SPF
            | NID
            | L32
            | L64
            | LP
            | EUI48
            | EUI64
            | Rtype::URI
            | Rtype::CAA
            | TA
            | DLV
    )
}

/// Parses a TTL: plain seconds (`3600`) or BIND's units, case-insensitive, in any
/// combination (`1w`, `2d`, `1h30m`, `1h30` = 3630 seconds).
pub fn parse_ttl(text: &[u8]) -> Option<u32> {
    let mut total: u64 = 0;
    let mut cur: u64 = 0;
    let mut digits = false;
    for &c in text {
        if c.is_ascii_digit() {
            cur = cur * 10 + (c - b'0') as u64;
            digits = true;
            if cur > u32::MAX as u64 {
                return None;
            }
        } else {
            if !digits {
                return None;
            }
            let unit = match c.to_ascii_lowercase() {
                b's' => 1,
                b'm' => 60,
                b'h' => 3600,
                b'd' => 86400,
                b'w' => 604800,
                _ => return None,
            };
            total += cur * unit;
            cur = 0;
            digits = false;
            if total > u32::MAX as u64 {
                return None;
            }
        }
    }
    if text.is_empty() {
        return None;
    }
    total += cur;
    u32::try_from(total).ok()
}

//============ Errors ================================================================

/// Why RDATA text was rejected, and at which token.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RdataError {
    /// Index of the offending token in the slice given; the slice's length when a
    /// field is missing (the error is at the end of the entry).
    pub index: usize,
    /// Syntax error, or a type that has no presentation format.
    pub kind: RdataErrorKind,
    /// What was expected and what was found, in one lower-case line.
    pub message: String,
}

/// The two kinds of [`RdataError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RdataErrorKind {
    /// The text does not fit the type.
    Syntax,
    /// The type has no codec here and the RDATA is not in `\#` form.
    NoPresentation,
}

//============ Encoding (text → wire) ================================================

/// Encodes RDATA text (the tokens after the type) to wire form, appending to `out`.
///
/// `scratch` is a buffer the caller reuses across records (for unescaping and for
/// joining hex and base64 split over several tokens).
pub fn encode_rdata(
    rtype: Rtype,
    tokens: &[Token<'_>],
    origin: &Name,
    out: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
) -> Result<(), RdataError> {
    let mut f = Fields {
        toks: tokens,
        i: 0,
        origin,
    };
    if let Some(first) = tokens.first()
        && !first.quoted
        && first.text == b"\\#"
    {
        f.i = 1;
        return generic(&mut f, out, scratch);
    }
    match plain_fields(rtype) {
        Some(fields) => encode_plain(&mut f, fields, out)?,
        None => encode_special(rtype, &mut f, out, scratch)?,
    }
    f.end()?;
    if out.len() > 65535 {
        return Err(f.bad_at(0, format!("RDATA longer than 65535 octets ({})", out.len())));
    }
    Ok(())
}

/// Encodes a type made of integers, character-strings and names, field by field as
/// the layout table lists them (NS, SOA, MX, SRV, NAPTR …).
fn encode_plain(
    f: &mut Fields<'_, '_, '_>,
    fields: &[Field],
    out: &mut Vec<u8>,
) -> Result<(), RdataError> {
    for field in fields {
        match *field {
            Field::U16(what) => f.u16(out, what)?,
            Field::U32(what) => {
                let v = f.int(what, u32::MAX as u64)?;
                out.extend_from_slice(&(v as u32).to_be_bytes());
            }
            Field::Seconds(what) => {
                let t = f.next(what)?;
                let v = parse_ttl(t.text)
                    .filter(|_| !t.quoted)
                    .ok_or_else(|| f.bad(format!("expected {what}, found {}", t.shown())))?;
                out.extend_from_slice(&v.to_be_bytes());
            }
            Field::CharString => f.charstring(out)?,
            Field::Name(_) => f.name(out)?,
            // Not in plain layouts (`plain_fields` checks).
            Field::U8 | Field::A6(_) | Field::Rest => {
                return Err(f.bad_at(0, "no field-by-field codec".to_string()));
            }
        }
    }
    Ok(())
}

/// Encodes the types whose fields need their own presentation (addresses, base64,
/// mnemonics, times, bitmaps, SvcParams …).
fn encode_special(
    rtype: Rtype,
    f: &mut Fields<'_, '_, '_>,
    out: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
) -> Result<(), RdataError> {
    match rtype {
        Rtype::A => {
            let t = f.next("an IPv4 address")?;
            let a = parse_ipv4(t.text)
                .ok_or_else(|| f.bad(format!("bad IPv4 address {}", t.shown())))?;
            out.extend_from_slice(&a);
        }
        Rtype::AAAA => {
            let t = f.next("an IPv6 address")?;
            let a = parse_ipv6(t.text)
                .ok_or_else(|| f.bad(format!("bad IPv6 address {}", t.shown())))?;
            out.extend_from_slice(&a.octets());
        }
        Rtype::TXT | Rtype::SPF => {
            f.charstring(out)?;
            while !f.done() {
                f.charstring(out)?;
            }
        }
        Rtype::HINFO => {
            f.charstring(out)?;
            f.charstring(out)?;
        }
        Rtype::CAA => {
            f.u8(out, "CAA flags")?;
            let t = f.next("a CAA tag")?;
            if t.quoted
                || t.text.is_empty()
                || t.text.len() > 255
                || !t.text.iter().all(u8::is_ascii_alphanumeric)
            {
                return Err(f.bad(format!(
                    "expected a CAA tag (letters and digits), found {}",
                    t.shown()
                )));
            }
            out.push(t.text.len() as u8);
            out.extend_from_slice(t.text);
            let t = f.next("a CAA value")?;
            f.unescape_into(t, out)?;
        }
        Rtype::SSHFP => {
            f.u8(out, "an SSHFP algorithm")?;
            f.u8(out, "a fingerprint type")?;
            f.hex_rest(out, scratch, "a hex fingerprint")?;
        }
        Rtype::TLSA | Rtype::SMIMEA => {
            f.u8(out, "a certificate usage")?;
            f.u8(out, "a selector")?;
            f.u8(out, "a matching type")?;
            f.hex_rest(out, scratch, "hex certificate data")?;
        }
        Rtype::DS | Rtype::CDS | TA | DLV => {
            f.u16(out, "a key tag")?;
            f.algorithm(out)?;
            let t = f.next("a digest type")?;
            let v = parse_uint(t.text, 255)
                .or_else(|| lookup(DIGEST_TYPES, t.text))
                .filter(|_| !t.quoted)
                .ok_or_else(|| {
                    f.bad(format!(
                        "expected a digest type (0-255), found {}",
                        t.shown()
                    ))
                })?;
            out.push(v as u8);
            f.hex_rest(out, scratch, "a hex digest")?;
        }
        Rtype::DNSKEY | Rtype::CDNSKEY | Rtype::KEY => {
            f.u16(out, "flags")?;
            f.u8(out, "a protocol")?;
            f.algorithm(out)?;
            f.base64_rest(out, scratch, "a base64 public key")?;
        }
        Rtype::RRSIG | Rtype::SIG => {
            let t = f.next("a type covered")?;
            let covered = type_from_text(t.text)
                .filter(|_| !t.quoted)
                .ok_or_else(|| f.bad(format!("expected a type covered, found {}", t.shown())))?;
            out.extend_from_slice(&covered.0.to_be_bytes());
            f.algorithm(out)?;
            f.u8(out, "a label count")?;
            let t = f.next("an original TTL")?;
            let ttl = parse_ttl(t.text)
                .filter(|_| !t.quoted)
                .ok_or_else(|| f.bad(format!("expected an original TTL, found {}", t.shown())))?;
            out.extend_from_slice(&ttl.to_be_bytes());
            f.time(out, "a signature expiration")?;
            f.time(out, "a signature inception")?;
            f.u16(out, "a key tag")?;
            f.name(out)?;
            f.base64_rest(out, scratch, "a base64 signature")?;
        }
        Rtype::NSEC => {
            f.name(out)?;
            f.type_bitmap(out)?;
        }
        Rtype::NSEC3 => {
            f.u8(out, "a hash algorithm")?;
            f.u8(out, "NSEC3 flags")?;
            f.u16(out, "an iteration count")?;
            f.salt(out)?;
            let t = f.next("a base32hex next hashed owner name")?;
            let start = out.len();
            out.push(0);
            decode_into(&BASE32_DNSSEC, t.text, out)
                .filter(|_| !t.quoted && out.len() - start - 1 <= 255 && out.len() > start + 1)
                .ok_or_else(|| {
                    f.bad(format!(
                        "bad base32hex next hashed owner name {}",
                        t.shown()
                    ))
                })?;
            out[start] = (out.len() - start - 1) as u8;
            f.type_bitmap(out)?;
        }
        Rtype::NSEC3PARAM => {
            f.u8(out, "a hash algorithm")?;
            f.u8(out, "flags")?;
            f.u16(out, "an iteration count")?;
            f.salt(out)?;
        }
        Rtype::ZONEMD => {
            let serial = f.int("a serial number", u32::MAX as u64)?;
            out.extend_from_slice(&(serial as u32).to_be_bytes());
            f.u8(out, "a scheme")?;
            f.u8(out, "a hash algorithm")?;
            f.hex_rest(out, scratch, "a hex digest")?;
        }
        Rtype::LOC => loc_encode(f, out)?,
        Rtype::URI => {
            f.u16(out, "a priority")?;
            f.u16(out, "a weight")?;
            let t = f.next("a quoted target URI")?;
            f.unescape_into(t, out)?;
        }
        Rtype::CERT => {
            let t = f.next("a certificate type")?;
            let v = parse_uint(t.text, 65535)
                .or_else(|| lookup(CERT_TYPES, t.text))
                .filter(|_| !t.quoted)
                .ok_or_else(|| {
                    f.bad(format!("expected a certificate type, found {}", t.shown()))
                })?;
            out.extend_from_slice(&(v as u16).to_be_bytes());
            f.u16(out, "a key tag")?;
            f.algorithm(out)?;
            f.base64_rest(out, scratch, "a base64 certificate")?;
        }
        Rtype::SVCB | Rtype::HTTPS => svcb_encode(f, out)?,
        Rtype::IPSECKEY => {
            f.u8(out, "a precedence")?;
            let gw_type = f.int("a gateway type", 255)? as u8;
            out.push(gw_type);
            f.u8(out, "an algorithm")?;
            let t = f.next("a gateway")?;
            match gw_type {
                0 if t.text == b"." && !t.quoted => {}
                0 => {
                    return Err(f.bad(format!(
                        "expected \".\" for no gateway, found {}",
                        t.shown()
                    )));
                }
                1 => {
                    let a = parse_ipv4(t.text)
                        .ok_or_else(|| f.bad(format!("bad IPv4 address {}", t.shown())))?;
                    out.extend_from_slice(&a);
                }
                2 => {
                    let a = parse_ipv6(t.text)
                        .ok_or_else(|| f.bad(format!("bad IPv6 address {}", t.shown())))?;
                    out.extend_from_slice(&a.octets());
                }
                3 => {
                    f.i -= 1;
                    f.name(out)?;
                }
                _ => return Err(f.bad_at(f.i - 3, format!("unknown gateway type {gw_type}"))),
            }
            if !f.done() {
                f.base64_rest(out, scratch, "a base64 public key")?;
            }
        }
        Rtype::OPENPGPKEY => f.base64_rest(out, scratch, "a base64 key")?,
        Rtype::DHCID => f.base64_rest(out, scratch, "base64 data")?,
        Rtype::CSYNC => {
            let serial = f.int("a serial number", u32::MAX as u64)?;
            out.extend_from_slice(&(serial as u32).to_be_bytes());
            f.u16(out, "flags")?;
            f.type_bitmap(out)?;
        }
        EUI48 | EUI64 => {
            let n = if rtype == EUI48 { 6 } else { 8 };
            let t = f.next("an EUI address")?;
            let ok = !t.quoted && t.text.len() == n * 3 - 1 && {
                let mut ok = true;
                for (i, chunk) in t.text.chunks(3).enumerate() {
                    let (Some(h), Some(l)) =
                        (hex_val(chunk[0]), chunk.get(1).and_then(|&c| hex_val(c)))
                    else {
                        ok = false;
                        break;
                    };
                    if i + 1 < n && chunk.get(2) != Some(&b'-') {
                        ok = false;
                        break;
                    }
                    out.push((h << 4) | l);
                }
                ok
            };
            if !ok {
                return Err(f.bad(format!(
                    "bad EUI-{} address {} (expected xx-xx-…)",
                    n * 8,
                    t.shown()
                )));
            }
        }
        NID | L64 => {
            f.u16(out, "a preference")?;
            let t = f.next("a 64-bit locator (xxxx:xxxx:xxxx:xxxx)")?;
            let v = parse_locator64(t.text)
                .filter(|_| !t.quoted)
                .ok_or_else(|| {
                    f.bad(format!(
                        "bad 64-bit locator {} (expected xxxx:xxxx:xxxx:xxxx)",
                        t.shown()
                    ))
                })?;
            out.extend_from_slice(&v);
        }
        L32 => {
            f.u16(out, "a preference")?;
            let t = f.next("an IPv4 address")?;
            let a = parse_ipv4(t.text)
                .ok_or_else(|| f.bad(format!("bad IPv4 address {}", t.shown())))?;
            out.extend_from_slice(&a);
        }
        _ => {
            return Err(RdataError {
                index: 0,
                kind: RdataErrorKind::NoPresentation,
                message: format!(
                    "type {rtype} has no presentation format here; write its RDATA in the RFC 3597 form \"\\# length hex\""
                ),
            });
        }
    }
    Ok(())
}

/// RFC 3597 `\# length hex…`, after the `\#`.
fn generic(
    f: &mut Fields<'_, '_, '_>,
    out: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
) -> Result<(), RdataError> {
    let len = f.int("an RDATA length", 65535)? as usize;
    let start = out.len();
    if len > 0 || !f.done() {
        f.hex_rest(out, scratch, "hex RDATA")?;
    }
    let got = out.len() - start;
    if got != len {
        return Err(f.bad_at(
            1,
            format!("RDATA length {len} does not match the {got} octets of hex data"),
        ));
    }
    Ok(())
}

//----------- Fields -----------------------------------------------------------------

/// A cursor over the RDATA tokens of one entry, with field readers that report what
/// they expected.
struct Fields<'t, 'a, 'o> {
    toks: &'t [Token<'a>],
    /// Next token to read.
    i: usize,
    origin: &'o Name,
}

impl<'t, 'a> Fields<'t, 'a, '_> {
    /// The next token, or "expected {what}, found end of line".
    fn next(&mut self, what: &str) -> Result<&'t Token<'a>, RdataError> {
        match self.toks.get(self.i) {
            Some(t) => {
                self.i += 1;
                Ok(t)
            }
            None => Err(RdataError {
                index: self.toks.len(),
                kind: RdataErrorKind::Syntax,
                message: format!("expected {what}, found end of line"),
            }),
        }
    }

    fn done(&self) -> bool {
        self.i >= self.toks.len()
    }

    /// An error at the token just read.
    fn bad(&self, message: String) -> RdataError {
        self.bad_at(self.i.saturating_sub(1), message)
    }

    fn bad_at(&self, index: usize, message: String) -> RdataError {
        RdataError {
            index,
            kind: RdataErrorKind::Syntax,
            message,
        }
    }

    /// Fails when tokens are left over.
    fn end(&self) -> Result<(), RdataError> {
        match self.toks.get(self.i) {
            None => Ok(()),
            Some(t) => Err(self.bad_at(
                self.i,
                format!("unexpected {} after the end of the RDATA", t.shown()),
            )),
        }
    }

    /// An unsigned decimal integer up to `max`.
    fn int(&mut self, what: &str, max: u64) -> Result<u64, RdataError> {
        let t = self.next(what)?;
        parse_uint(t.text, max)
            .filter(|_| !t.quoted)
            .ok_or_else(|| self.bad(format!("expected {what} (0-{max}), found {}", t.shown())))
    }

    fn u8(&mut self, out: &mut Vec<u8>, what: &str) -> Result<(), RdataError> {
        let v = self.int(what, 255)?;
        out.push(v as u8);
        Ok(())
    }

    fn u16(&mut self, out: &mut Vec<u8>, what: &str) -> Result<(), RdataError> {
        let v = self.int(what, 65535)?;
        out.extend_from_slice(&(v as u16).to_be_bytes());
        Ok(())
    }

    /// A DNSSEC algorithm: number or mnemonic (`ECDSAP256SHA256`).
    fn algorithm(&mut self, out: &mut Vec<u8>) -> Result<(), RdataError> {
        let t = self.next("an algorithm")?;
        let v = parse_uint(t.text, 255)
            .or_else(|| lookup(ALGORITHMS, t.text))
            .filter(|_| !t.quoted)
            .ok_or_else(|| {
                self.bad(format!(
                    "expected an algorithm (0-255 or a mnemonic), found {}",
                    t.shown()
                ))
            })?;
        out.push(v as u8);
        Ok(())
    }

    /// A domain name, relative ones completed with the origin.
    fn name(&mut self, out: &mut Vec<u8>) -> Result<(), RdataError> {
        let t = self.next("a domain name")?;
        if t.quoted {
            return Err(self.bad(format!(
                "expected a domain name, found quoted string {}",
                t.shown()
            )));
        }
        let start = out.len();
        push_name(out, t.text, self.origin).map_err(|e| {
            out.truncate(start);
            self.bad(format!("bad domain name {}: {e}", t.shown()))
        })
    }

    /// A `<character-string>`: length octet, then at most 255 octets.
    fn charstring(&mut self, out: &mut Vec<u8>) -> Result<(), RdataError> {
        let t = self.next("a character string")?;
        let start = out.len();
        if !t.escaped {
            if t.text.len() > 255 {
                return Err(self.bad(format!(
                    "character string longer than 255 octets ({}); split it into several strings",
                    t.text.len()
                )));
            }
            out.push(t.text.len() as u8);
            out.extend_from_slice(t.text);
            return Ok(());
        }
        out.push(0);
        self.unescape_into(t, out)?;
        let len = out.len() - start - 1;
        if len > 255 {
            return Err(self.bad(format!(
                "character string longer than 255 octets ({len}); split it into several strings"
            )));
        }
        out[start] = len as u8;
        Ok(())
    }

    /// Decodes the escapes of `t` into `out`.
    fn unescape_into(&self, t: &Token<'_>, out: &mut Vec<u8>) -> Result<(), RdataError> {
        if !t.escaped {
            out.extend_from_slice(t.text);
            return Ok(());
        }
        unescape(t.text, out).map_err(|e| self.bad(format!("{e} in {}", t.shown())))
    }

    /// All remaining tokens joined (hex and base64 may be split by blanks).
    fn join_rest(&mut self, scratch: &mut Vec<u8>, what: &str) -> Result<(), RdataError> {
        scratch.clear();
        let start = self.i;
        self.next(what)?;
        for (k, t) in self.toks.iter().enumerate().skip(start) {
            if t.quoted {
                return Err(self.bad_at(
                    k,
                    format!("expected {what}, found quoted string {}", t.shown()),
                ));
            }
            scratch.extend_from_slice(t.text);
        }
        self.i = self.toks.len();
        Ok(())
    }

    fn hex_rest(
        &mut self,
        out: &mut Vec<u8>,
        scratch: &mut Vec<u8>,
        what: &str,
    ) -> Result<(), RdataError> {
        let first = self.i;
        self.join_rest(scratch, what)?;
        decode_into(&HEXUPPER_PERMISSIVE, scratch, out).ok_or_else(|| {
            self.bad_at(
                first,
                format!("bad hex in {what} (an even number of 0-9, a-f)"),
            )
        })
    }

    fn base64_rest(
        &mut self,
        out: &mut Vec<u8>,
        scratch: &mut Vec<u8>,
        what: &str,
    ) -> Result<(), RdataError> {
        let first = self.i;
        self.join_rest(scratch, what)?;
        decode_into(&BASE64_LENIENT, scratch, out)
            .ok_or_else(|| self.bad_at(first, format!("bad base64 in {what}")))
    }

    /// A timestamp: YYYYMMDDHHmmSS (UTC) or seconds since the epoch.
    fn time(&mut self, out: &mut Vec<u8>, what: &str) -> Result<(), RdataError> {
        let t = self.next(what)?;
        let v = parse_time(t.text).filter(|_| !t.quoted).ok_or_else(|| {
            self.bad(format!(
                "expected {what} (YYYYMMDDHHmmSS or seconds), found {}",
                t.shown()
            ))
        })?;
        out.extend_from_slice(&v.to_be_bytes());
        Ok(())
    }

    /// An NSEC3 salt: hex, or `-` for none; preceded by its length octet.
    fn salt(&mut self, out: &mut Vec<u8>) -> Result<(), RdataError> {
        let t = self.next("a salt (hex or -)")?;
        let start = out.len();
        out.push(0);
        if t.text == b"-" && !t.quoted {
            return Ok(());
        }
        decode_into(&HEXUPPER_PERMISSIVE, t.text, out)
            .filter(|_| !t.quoted && out.len() - start - 1 <= 255 && out.len() > start + 1)
            .ok_or_else(|| {
                self.bad(format!(
                    "bad salt {} (hex of 1-255 octets, or -)",
                    t.shown()
                ))
            })?;
        out[start] = (out.len() - start - 1) as u8;
        Ok(())
    }

    /// The rest of the tokens as type mnemonics, encoded as an RFC 4034 §4.1.2 type
    /// bitmap (possibly empty).
    fn type_bitmap(&mut self, out: &mut Vec<u8>) -> Result<(), RdataError> {
        let mut types = Vec::with_capacity(self.toks.len() - self.i.min(self.toks.len()));
        while let Some(t) = self.toks.get(self.i) {
            self.i += 1;
            let rt = type_from_text(t.text)
                .filter(|_| !t.quoted)
                .ok_or_else(|| {
                    self.bad(format!(
                        "expected a type in the type bitmap, found {}",
                        t.shown()
                    ))
                })?;
            types.push(rt);
        }
        out.extend_from_slice(&super::dnssec::bitmap_from_types(&types));
        Ok(())
    }
}

//----------- LOC --------------------------------------------------------------------

/// LOC (RFC 1876 §3): `d1 [m1 [s1]] {N|S} d2 [m2 [s2]] {E|W} alt[m] [siz[m] [hp[m]
/// [vp[m]]]]`.
fn loc_encode(f: &mut Fields<'_, '_, '_>, out: &mut Vec<u8>) -> Result<(), RdataError> {
    let lat = loc_angle(f, 90, b'N', b'S')?;
    let lon = loc_angle(f, 180, b'E', b'W')?;
    let t = f.next("an altitude")?;
    let alt = parse_centi(t.text, true)
        .filter(|&v| !t.quoted && (-10_000_000..=4_284_967_295).contains(&v))
        .ok_or_else(|| {
            f.bad(format!(
                "bad altitude {} (-100000.00m to 42849672.95m)",
                t.shown()
            ))
        })?;
    // Defaults of RFC 1876: size 1m, horizontal precision 10000m, vertical 10m.
    let mut precs = [0x12u8, 0x16, 0x13];
    for (k, what) in ["a size", "a horizontal precision", "a vertical precision"]
        .iter()
        .enumerate()
    {
        if f.done() {
            break;
        }
        let t = f.next(what)?;
        let cm = parse_centi(t.text, false)
            .filter(|&v| !t.quoted && v <= 9_000_000_000)
            .ok_or_else(|| {
                f.bad(format!(
                    "bad {} {} (0 to 90000000.00m)",
                    &what[2..],
                    t.shown()
                ))
            })?;
        precs[k] = prec_encode(cm as u64);
    }
    out.push(0);
    out.extend_from_slice(&precs);
    out.extend_from_slice(&((1u64 << 31) as i64 + lat).to_be_bytes()[4..]);
    out.extend_from_slice(&((1u64 << 31) as i64 + lon).to_be_bytes()[4..]);
    out.extend_from_slice(&((alt + 10_000_000) as u32).to_be_bytes());
    Ok(())
}

/// One LOC angle in thousandths of a second of arc, north/east positive.
fn loc_angle(
    f: &mut Fields<'_, '_, '_>,
    max_deg: u64,
    pos: u8,
    neg: u8,
) -> Result<i64, RdataError> {
    let hemi = |t: &Token<'_>| -> Option<i64> {
        match t.text {
            [c] if !t.quoted && c.to_ascii_uppercase() == pos => Some(1),
            [c] if !t.quoted && c.to_ascii_uppercase() == neg => Some(-1),
            _ => None,
        }
    };
    let what = if pos == b'N' { "latitude" } else { "longitude" };
    let t = f.next(&format!("{what} degrees"))?;
    let deg = parse_uint(t.text, max_deg)
        .filter(|_| !t.quoted)
        .ok_or_else(|| f.bad(format!("bad {what} degrees {} (0-{max_deg})", t.shown())))?;
    let mut parts = [0u64; 2]; // minutes, thousandths of seconds
    let expected = format!("{} or {}", pos as char, neg as char);
    let mut k = 0;
    loop {
        let t = f.next(&expected)?;
        if let Some(sign) = hemi(t) {
            let v = (deg * 3600 + parts[0] * 60) * 1000 + parts[1];
            if v > max_deg * 3_600_000 {
                return Err(f.bad(format!("{what} out of range")));
            }
            return Ok(sign * v as i64);
        }
        if k == 2 {
            return Err(f.bad(format!("expected {expected}, found {}", t.shown())));
        }
        let v = if k == 0 {
            parse_uint(t.text, 59)
        } else {
            parse_milli(t.text).filter(|&v| v < 60_000)
        };
        match v {
            Some(v) if !t.quoted => parts[k] = v,
            _ => {
                let unit = if k == 0 {
                    "minutes (0-59)"
                } else {
                    "seconds (0-59.999)"
                };
                return Err(f.bad(format!("bad {what} {unit} {}", t.shown())));
            }
        }
        k += 1;
    }
}

/// `[-]digits[.d[d]][m]` in hundredths (centimetres).
fn parse_centi(text: &[u8], signed: bool) -> Option<i64> {
    let text = text
        .strip_suffix(b"m")
        .or_else(|| text.strip_suffix(b"M"))
        .unwrap_or(text);
    let (neg, text) = match text.split_first() {
        Some((b'-', rest)) if signed => (true, rest),
        _ => (false, text),
    };
    let (int, frac) = match text.iter().position(|&c| c == b'.') {
        Some(p) => (&text[..p], &text[p + 1..]),
        None => (text, &b""[..]),
    };
    if int.is_empty() || frac.len() > 2 || !frac.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let int = parse_uint(int, 100_000_000_000)? as i64;
    let mut frac_v = 0i64;
    for k in 0..2 {
        frac_v = frac_v * 10 + frac.get(k).map_or(0, |c| (c - b'0') as i64);
    }
    let v = int * 100 + frac_v;
    Some(if neg { -v } else { v })
}

/// `digits[.ddd]` in thousandths.
fn parse_milli(text: &[u8]) -> Option<u64> {
    let (int, frac) = match text.iter().position(|&c| c == b'.') {
        Some(p) => (&text[..p], &text[p + 1..]),
        None => (text, &b""[..]),
    };
    if frac.len() > 3 || !frac.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v = parse_uint(int, 1_000_000)? * 1000;
    let mut scale = 100;
    for &c in frac {
        v += (c - b'0') as u64 * scale;
        scale /= 10;
    }
    Some(v)
}

/// RFC 1876 size/precision octet: mantissa (high nibble) × 10^exponent (low nibble)
/// centimetres, truncating as BIND does.
fn prec_encode(cm: u64) -> u8 {
    let mut exp = 0u8;
    let mut p = 1u64;
    while exp < 9 && cm >= p * 10 {
        p *= 10;
        exp += 1;
    }
    let mantissa = (cm / p).min(9) as u8;
    (mantissa << 4) | exp
}

/// Centimetres of a canonical size/precision octet (the one [`prec_encode`] yields).
fn prec_decode(b: u8) -> Option<u64> {
    let (m, e) = (b >> 4, b & 0x0f);
    if m > 9 || e > 9 || (m == 0 && e != 0) {
        return None;
    }
    Some(m as u64 * 10u64.pow(e as u32))
}

//----------- SVCB / HTTPS ------------------------------------------------------------

/// SvcParamKey mnemonics (RFC 9460 §14.3.2; dohpath RFC 9461; ohttp RFC 9540).
const SVC_KEYS: &[(&str, u16)] = &[
    ("mandatory", 0),
    ("alpn", 1),
    ("no-default-alpn", 2),
    ("port", 3),
    ("ipv4hint", 4),
    ("ech", 5),
    ("ipv6hint", 6),
    ("dohpath", 7),
    ("ohttp", 8),
];

/// `key=value` or `keyNNNNN`.
fn svc_key_from_text(text: &[u8]) -> Option<u16> {
    if let Some(&(_, k)) = SVC_KEYS
        .iter()
        .find(|(m, _)| m.as_bytes().eq_ignore_ascii_case(text))
    {
        return Some(k);
    }
    let digits = text.strip_prefix(b"key")?;
    // key65535 is the reserved "Invalid key" (RFC 9460 §14.3.2).
    parse_uint(digits, 65534).map(|v| v as u16)
}

fn push_svc_key(out: &mut String, key: u16) {
    match SVC_KEYS.iter().find(|(_, k)| *k == key) {
        Some((m, _)) => out.push_str(m),
        None => {
            out.push_str("key");
            push_u32(out, key as u32);
        }
    }
}

/// SVCB/HTTPS (RFC 9460 §2.1): priority, target, then SvcParams in any order, written
/// to the wire sorted by key.
fn svcb_encode(f: &mut Fields<'_, '_, '_>, out: &mut Vec<u8>) -> Result<(), RdataError> {
    f.u16(out, "a priority")?;
    f.name(out)?;
    let mut params: Vec<(u16, Vec<u8>, usize)> = Vec::new();
    while !f.done() {
        let index = f.i;
        let t = f.next("a SvcParam")?;
        if t.quoted {
            return Err(f.bad(format!(
                "expected a SvcParam (key=value), found {}",
                t.shown()
            )));
        }
        let (key_text, mut value) = match t.text.iter().position(|&c| c == b'=') {
            Some(p) => (&t.text[..p], Some(&t.text[p + 1..])),
            None => (t.text, None),
        };
        let key = svc_key_from_text(key_text).ok_or_else(|| {
            f.bad(format!(
                "unknown SvcParamKey {} (expected mandatory, alpn, no-default-alpn, port, ipv4hint, ech, ipv6hint, dohpath, ohttp or keyNNNNN)",
                Token::word(key_text).shown()
            ))
        })?;
        // `key="quoted value"` lexes as a word `key=` joined by a quoted string.
        let mut value_tok = *t;
        if value == Some(&b""[..])
            && let Some(next) = f.toks.get(f.i)
            && next.quoted
            && next.joined
        {
            f.i += 1;
            value = Some(next.text);
            value_tok = *next;
        }
        let mut raw = Vec::new();
        if let Some(v) = value {
            unescape(v, &mut raw).map_err(|e| f.bad(format!("{e} in {}", value_tok.shown())))?;
        }
        let wire = svc_value_encode(key, &raw)
            .map_err(|msg| f.bad_at(index, format!("bad SvcParam {}: {msg}", t.shown())))?;
        if params.iter().any(|(k, _, _)| *k == key) {
            return Err(f.bad_at(
                index,
                format!(
                    "SvcParamKey {} appears twice",
                    Token::word(key_text).shown()
                ),
            ));
        }
        if wire.len() > 65535 {
            return Err(f.bad_at(index, "SvcParam value longer than 65535 octets".into()));
        }
        params.push((key, wire, index));
    }
    params.sort_by_key(|p| p.0);
    for (key, wire, _) in &params {
        out.extend_from_slice(&key.to_be_bytes());
        out.extend_from_slice(&(wire.len() as u16).to_be_bytes());
        out.extend_from_slice(wire);
    }
    Ok(())
}

/// The wire value of one SvcParam from its unescaped presentation value.
fn svc_value_encode(key: u16, v: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(v.len());
    let need = |ok: bool| {
        if ok {
            Ok(())
        } else {
            Err("a value is required".to_string())
        }
    };
    match key {
        0 => {
            need(!v.is_empty())?;
            let mut keys = Vec::new();
            for item in v.split(|&c| c == b',') {
                let k = svc_key_from_text(item).ok_or_else(|| {
                    format!(
                        "unknown key {} in the mandatory list",
                        Token::word(item).shown()
                    )
                })?;
                if k == 0 {
                    return Err("mandatory must not list itself".into());
                }
                keys.push(k);
            }
            keys.sort_unstable();
            if keys.windows(2).any(|w| w[0] == w[1]) {
                return Err("a key appears twice in the mandatory list".into());
            }
            for k in keys {
                out.extend_from_slice(&k.to_be_bytes());
            }
        }
        1 => {
            need(!v.is_empty())?;
            for item in split_value_list(v) {
                if item.is_empty() || item.len() > 255 {
                    return Err("each ALPN id must be 1-255 octets".into());
                }
                out.push(item.len() as u8);
                out.extend_from_slice(&item);
            }
        }
        2 | 8 => {
            if !v.is_empty() {
                return Err("this key takes no value".into());
            }
        }
        3 => {
            let p = parse_uint(v, 65535).ok_or("expected a port number (0-65535)")?;
            out.extend_from_slice(&(p as u16).to_be_bytes());
        }
        4 => {
            need(!v.is_empty())?;
            for item in v.split(|&c| c == b',') {
                let a = parse_ipv4(item)
                    .ok_or_else(|| format!("bad IPv4 address {}", Token::word(item).shown()))?;
                out.extend_from_slice(&a);
            }
        }
        5 => {
            decode_into(&BASE64_LENIENT, v, &mut out).ok_or("bad base64")?;
        }
        6 => {
            need(!v.is_empty())?;
            for item in v.split(|&c| c == b',') {
                let a = parse_ipv6(item)
                    .ok_or_else(|| format!("bad IPv6 address {}", Token::word(item).shown()))?;
                out.extend_from_slice(&a.octets());
            }
        }
        _ => out.extend_from_slice(v),
    }
    Ok(out)
}

/// Splits an RFC 9460 Appendix A.1 value-list: items separated by `,`, where `\,`
/// and `\\` (any `\X`) stand for the character itself.
fn split_value_list(v: &[u8]) -> Vec<Vec<u8>> {
    let mut items = vec![Vec::new()];
    let mut i = 0;
    while i < v.len() {
        match v[i] {
            b'\\' if i + 1 < v.len() => {
                if let Some(it) = items.last_mut() {
                    it.push(v[i + 1]);
                }
                i += 2;
            }
            b',' => {
                items.push(Vec::new());
                i += 1;
            }
            c => {
                if let Some(it) = items.last_mut() {
                    it.push(c);
                }
                i += 1;
            }
        }
    }
    items
}

//============ Formatting (wire → text) ==============================================

/// Formats a type with a codec; `None` when the type has none or the bytes do not
/// decode canonically (the caller then writes `\#`).
fn format_known(out: &mut String, rtype: Rtype, wire: &[u8], origin: Option<&Name>) -> Option<()> {
    let mut r = Reader { w: wire, p: 0 };
    match plain_fields(rtype) {
        Some(fields) => format_plain(out, fields, &mut r, origin)?,
        None => format_special(out, rtype, &mut r, origin)?,
    }
    r.done().then_some(())
}

/// Formats a type made of integers, character-strings and names, field by field as
/// the layout table lists them, separated by blanks.
fn format_plain(
    out: &mut String,
    fields: &[Field],
    r: &mut Reader<'_>,
    origin: Option<&Name>,
) -> Option<()> {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        match field {
            Field::U16(_) => push_u32(out, r.u16()? as u32),
            Field::U32(_) | Field::Seconds(_) => push_u32(out, r.u32()?),
            Field::CharString => push_charstring(out, r.charstring()?),
            Field::Name(_) => push_name_text(out, r.name()?, origin),
            // Not in plain layouts (`plain_fields` checks).
            Field::U8 | Field::A6(_) | Field::Rest => return None,
        }
    }
    Some(())
}

/// Formats the types whose fields need their own presentation; `None` for types
/// with no codec and for bytes that do not decode.
fn format_special(
    out: &mut String,
    rtype: Rtype,
    r: &mut Reader<'_>,
    origin: Option<&Name>,
) -> Option<()> {
    match rtype {
        Rtype::A => {
            push_ipv4(out, r.bytes(4)?);
        }
        Rtype::AAAA => {
            let b: [u8; 16] = r.bytes(16)?.try_into().ok()?;
            let _ = write!(out, "{}", Ipv6Addr::from(b));
        }
        Rtype::TXT | Rtype::SPF => {
            push_charstring(out, r.charstring()?);
            while !r.done() {
                out.push(' ');
                push_charstring(out, r.charstring()?);
            }
        }
        Rtype::HINFO => {
            push_charstring(out, r.charstring()?);
            out.push(' ');
            push_charstring(out, r.charstring()?);
        }
        Rtype::CAA => {
            push_u32(out, r.u8()? as u32);
            out.push(' ');
            let tag = r.charstring()?;
            if tag.is_empty() || !tag.iter().all(u8::is_ascii_alphanumeric) {
                return None;
            }
            out.push_str(std::str::from_utf8(tag).ok()?);
            out.push(' ');
            push_charstring(out, r.rest());
        }
        Rtype::SSHFP => {
            push_numbers(out, r, &[1, 1])?;
            push_hex(out, r.rest_nonempty()?);
        }
        Rtype::TLSA | Rtype::SMIMEA => {
            push_numbers(out, r, &[1, 1, 1])?;
            push_hex(out, r.rest_nonempty()?);
        }
        Rtype::DS | Rtype::CDS | TA | DLV => {
            push_numbers(out, r, &[2, 1, 1])?;
            push_hex(out, r.rest_nonempty()?);
        }
        Rtype::DNSKEY | Rtype::CDNSKEY | Rtype::KEY => {
            push_numbers(out, r, &[2, 1, 1])?;
            push_base64(out, r.rest_nonempty()?);
        }
        Rtype::RRSIG | Rtype::SIG => {
            let _ = write!(out, "{} ", Rtype(r.u16()?));
            push_numbers(out, r, &[1, 1, 4])?;
            push_time(out, r.u32()?);
            out.push(' ');
            push_time(out, r.u32()?);
            out.push(' ');
            push_u32(out, r.u16()? as u32);
            out.push(' ');
            push_name_text(out, r.name()?, origin);
            out.push(' ');
            push_base64(out, r.rest_nonempty()?);
        }
        Rtype::NSEC => {
            push_name_text(out, r.name()?, origin);
            push_type_bitmap(out, r.rest())?;
        }
        Rtype::NSEC3 => {
            push_numbers(out, r, &[1, 1, 2])?;
            push_salt(out, r.charstring()?);
            out.push(' ');
            let hash = r.charstring()?;
            if hash.is_empty() {
                return None;
            }
            out.push_str(&BASE32_DNSSEC.encode(hash));
            push_type_bitmap(out, r.rest())?;
        }
        Rtype::NSEC3PARAM => {
            push_numbers(out, r, &[1, 1, 2])?;
            push_salt(out, r.charstring()?);
        }
        Rtype::ZONEMD => {
            push_numbers(out, r, &[4, 1, 1])?;
            push_hex(out, r.rest_nonempty()?);
        }
        Rtype::LOC => loc_format(out, r)?,
        Rtype::URI => {
            push_numbers(out, r, &[2, 2])?;
            push_charstring(out, r.rest());
        }
        Rtype::CERT => {
            let ct = r.u16()?;
            match CERT_TYPES.iter().find(|(_, v)| *v == ct as u64) {
                Some((m, _)) => out.push_str(m),
                None => push_u32(out, ct as u32),
            }
            out.push(' ');
            push_u32(out, r.u16()? as u32);
            out.push(' ');
            let alg = r.u8()?;
            match ALGORITHMS.iter().find(|(_, v)| *v == alg as u64) {
                Some((m, _)) => out.push_str(m),
                None => push_u32(out, alg as u32),
            }
            out.push(' ');
            push_base64(out, r.rest_nonempty()?);
        }
        Rtype::SVCB | Rtype::HTTPS => svcb_format(out, r, origin)?,
        Rtype::IPSECKEY => {
            push_u32(out, r.u8()? as u32);
            out.push(' ');
            let gw_type = r.u8()?;
            push_u32(out, gw_type as u32);
            out.push(' ');
            push_u32(out, r.u8()? as u32);
            out.push(' ');
            match gw_type {
                0 => out.push('.'),
                1 => push_ipv4(out, r.bytes(4)?),
                2 => {
                    let b: [u8; 16] = r.bytes(16)?.try_into().ok()?;
                    let _ = write!(out, "{}", Ipv6Addr::from(b));
                }
                3 => push_name_text(out, r.name()?, origin),
                _ => return None,
            }
            let key = r.rest();
            if !key.is_empty() {
                out.push(' ');
                push_base64(out, key);
            }
        }
        Rtype::OPENPGPKEY | Rtype::DHCID => push_base64(out, r.rest_nonempty()?),
        Rtype::CSYNC => {
            push_numbers(out, r, &[4, 2])?;
            out.pop();
            push_type_bitmap(out, r.rest())?;
        }
        EUI48 | EUI64 => {
            let n = if rtype == EUI48 { 6 } else { 8 };
            for (i, b) in r.bytes(n)?.iter().enumerate() {
                if i > 0 {
                    out.push('-');
                }
                let _ = write!(out, "{b:02x}");
            }
        }
        NID | L64 => {
            push_u32(out, r.u16()? as u32);
            out.push(' ');
            let b = r.bytes(8)?;
            for i in 0..4 {
                if i > 0 {
                    out.push(':');
                }
                let _ = write!(out, "{:02x}{:02x}", b[2 * i], b[2 * i + 1]);
            }
        }
        L32 => {
            push_u32(out, r.u16()? as u32);
            out.push(' ');
            push_ipv4(out, r.bytes(4)?);
        }
        _ => return None,
    }
    Some(())
}

/// Writes fixed-size unsigned fields (sizes 1, 2 or 4), each followed by a blank.
fn push_numbers(out: &mut String, r: &mut Reader<'_>, sizes: &[u8]) -> Option<()> {
    for &s in sizes {
        let v = match s {
            1 => r.u8()? as u32,
            2 => r.u16()? as u32,
            _ => r.u32()?,
        };
        push_u32(out, v);
        out.push(' ');
    }
    Some(())
}

/// `\# length hex` (RFC 3597 §5).
fn write_generic(out: &mut String, wire: &[u8]) {
    out.push_str("\\# ");
    push_u32(out, wire.len() as u32);
    if !wire.is_empty() {
        out.push(' ');
        push_hex(out, wire);
    }
}

/// LOC in BIND's form: `52 22 23.000 N 4 53 32.000 E -2.00m 1m 10000m 10m`.
fn loc_format(out: &mut String, r: &mut Reader<'_>) -> Option<()> {
    if r.u8()? != 0 {
        return None;
    }
    let precs = [
        prec_decode(r.u8()?)?,
        prec_decode(r.u8()?)?,
        prec_decode(r.u8()?)?,
    ];
    for (max_deg, pos, neg) in [(90i64, 'N', 'S'), (180, 'E', 'W')] {
        let v = r.u32()? as i64 - (1i64 << 31);
        let a = v.abs();
        if a > max_deg * 3_600_000 {
            return None;
        }
        let _ = write!(
            out,
            "{} {} {}.{:03} {} ",
            a / 3_600_000,
            a / 60_000 % 60,
            a / 1000 % 60,
            a % 1000,
            if v >= 0 { pos } else { neg }
        );
    }
    let alt = r.u32()? as i64 - 10_000_000;
    let sign = if alt < 0 { "-" } else { "" };
    let _ = write!(out, "{sign}{}.{:02}m", alt.abs() / 100, alt.abs() % 100);
    for cm in precs {
        let _ = write!(out, " {}", cm / 100);
        if cm % 100 != 0 {
            let _ = write!(out, ".{:02}", cm % 100);
        }
        out.push('m');
    }
    Some(())
}

/// SVCB/HTTPS: params must be in strictly increasing key order (RFC 9460 §2.2) and
/// each known value well-formed, or the whole RDATA goes out as `\#`.
fn svcb_format(out: &mut String, r: &mut Reader<'_>, origin: Option<&Name>) -> Option<()> {
    push_u32(out, r.u16()? as u32);
    out.push(' ');
    push_name_text(out, r.name()?, origin);
    let mut last: Option<u16> = None;
    while !r.done() {
        let key = r.u16()?;
        if last.is_some_and(|l| l >= key) {
            return None;
        }
        last = Some(key);
        let len = r.u16()? as usize;
        let v = r.bytes(len)?;
        out.push(' ');
        push_svc_key(out, key);
        match key {
            0 => {
                if v.is_empty() || v.len() % 2 != 0 {
                    return None;
                }
                out.push('=');
                let mut prev = 0u16;
                for (i, c) in v.chunks(2).enumerate() {
                    let k = u16::from_be_bytes([c[0], c[1]]);
                    if k == 0 || (i > 0 && k <= prev) {
                        return None;
                    }
                    prev = k;
                    if i > 0 {
                        out.push(',');
                    }
                    push_svc_key(out, k);
                }
            }
            1 => {
                let mut rr = Reader { w: v, p: 0 };
                let mut list = Vec::with_capacity(v.len() + 4);
                while !rr.done() {
                    let id = rr.charstring()?;
                    if id.is_empty() {
                        return None;
                    }
                    if !list.is_empty() {
                        list.push(b',');
                    }
                    for &b in id {
                        if b == b',' || b == b'\\' {
                            list.push(b'\\');
                        }
                        list.push(b);
                    }
                }
                if list.is_empty() {
                    return None;
                }
                out.push('=');
                push_charstring(out, &list);
            }
            2 | 8 => {
                if !v.is_empty() {
                    return None;
                }
            }
            3 => {
                let p: [u8; 2] = v.try_into().ok()?;
                out.push('=');
                push_u32(out, u16::from_be_bytes(p) as u32);
            }
            4 | 6 => {
                let size = if key == 4 { 4 } else { 16 };
                if v.is_empty() || v.len() % size != 0 {
                    return None;
                }
                out.push('=');
                for (i, c) in v.chunks(size).enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    if size == 4 {
                        push_ipv4(out, c);
                    } else {
                        let b: [u8; 16] = c.try_into().ok()?;
                        let _ = write!(out, "{}", Ipv6Addr::from(b));
                    }
                }
            }
            5 => {
                out.push('=');
                if v.is_empty() {
                    out.push_str("\"\"");
                } else {
                    push_base64(out, v);
                }
            }
            _ => {
                if !v.is_empty() {
                    out.push('=');
                    push_charstring(out, v);
                }
            }
        }
    }
    Some(())
}

/// Writes an NSEC/NSEC3/CSYNC type bitmap as ` TYPE TYPE…`; `None` unless canonical
/// (RFC 4034 §4.1.2: increasing windows, 1–32 octets, no trailing zero octet).
fn push_type_bitmap(out: &mut String, mut bm: &[u8]) -> Option<()> {
    let mut last_window: Option<u8> = None;
    while !bm.is_empty() {
        let (&window, rest) = bm.split_first()?;
        let (&len, rest) = rest.split_first()?;
        let len = len as usize;
        if last_window.is_some_and(|w| w >= window) || len == 0 || len > 32 || rest.len() < len {
            return None;
        }
        last_window = Some(window);
        let bits = &rest[..len];
        if bits[len - 1] == 0 {
            return None;
        }
        for (i, &byte) in bits.iter().enumerate() {
            for bit in 0..8 {
                if byte & (0x80 >> bit) != 0 {
                    let t = ((window as u16) << 8) | (i * 8 + bit) as u16;
                    let _ = write!(out, " {}", Rtype(t));
                }
            }
        }
        bm = &rest[len..];
    }
    Some(())
}

fn push_salt(out: &mut String, salt: &[u8]) {
    if salt.is_empty() {
        out.push('-');
    } else {
        push_hex(out, salt);
    }
}

//----------- Reader -----------------------------------------------------------------

/// A cursor over wire RDATA; every read is checked.
struct Reader<'w> {
    w: &'w [u8],
    p: usize,
}

impl<'w> Reader<'w> {
    fn bytes(&mut self, n: usize) -> Option<&'w [u8]> {
        let b = self.w.get(self.p..self.p.checked_add(n)?)?;
        self.p += n;
        Some(b)
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.bytes(1)?[0])
    }
    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_be_bytes(self.bytes(2)?.try_into().ok()?))
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_be_bytes(self.bytes(4)?.try_into().ok()?))
    }
    /// An uncompressed wire name, structure checked.
    fn name(&mut self) -> Option<&'w [u8]> {
        let len = wire_name_len(&self.w[self.p..]).ok()?;
        self.bytes(len)
    }
    fn charstring(&mut self) -> Option<&'w [u8]> {
        let len = self.u8()? as usize;
        self.bytes(len)
    }
    fn rest(&mut self) -> &'w [u8] {
        let b = &self.w[self.p..];
        self.p = self.w.len();
        b
    }
    fn rest_nonempty(&mut self) -> Option<&'w [u8]> {
        Some(self.rest()).filter(|b| !b.is_empty())
    }
    fn done(&self) -> bool {
        self.p >= self.w.len()
    }
}

//============ Shared helpers ========================================================

/// Base64 as DNS zone files use it: padded, trailing bits not checked when reading
/// (BIND accepts them), canonical when writing.
static BASE64_LENIENT: LazyLock<Encoding> = LazyLock::new(|| {
    let mut spec = Specification::new();
    spec.symbols
        .push_str("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
    spec.padding = Some('=');
    spec.check_trailing_bits = false;
    spec.encoding()
        .expect("a valid static base64 specification")
});

/// DNSSEC algorithm mnemonics (IANA "DNS Security Algorithm Numbers", RFC 8624), with
/// BIND's aliases.
const ALGORITHMS: &[(&str, u64)] = &[
    ("RSAMD5", 1),
    ("DH", 2),
    ("DSA", 3),
    ("ECC", 4),
    ("RSASHA1", 5),
    ("DSA-NSEC3-SHA1", 6),
    ("NSEC3DSA", 6),
    ("RSASHA1-NSEC3-SHA1", 7),
    ("NSEC3RSASHA1", 7),
    ("RSASHA256", 8),
    ("RSASHA512", 10),
    ("ECC-GOST", 12),
    ("ECDSAP256SHA256", 13),
    ("ECDSAP384SHA384", 14),
    ("ED25519", 15),
    ("ED448", 16),
    ("INDIRECT", 252),
    ("PRIVATEDNS", 253),
    ("PRIVATEOID", 254),
];

/// DS digest type mnemonics (BIND's).
const DIGEST_TYPES: &[(&str, u64)] = &[
    ("SHA-1", 1),
    ("SHA1", 1),
    ("SHA-256", 2),
    ("SHA256", 2),
    ("GOST", 3),
    ("SHA-384", 4),
    ("SHA384", 4),
];

/// CERT types (RFC 4398 §2.1).
const CERT_TYPES: &[(&str, u64)] = &[
    ("PKIX", 1),
    ("SPKI", 2),
    ("PGP", 3),
    ("IPKIX", 4),
    ("ISPKI", 5),
    ("IPGP", 6),
    ("ACPKIX", 7),
    ("IACPKIX", 8),
    ("URI", 253),
    ("OID", 254),
];

fn lookup(table: &[(&str, u64)], text: &[u8]) -> Option<u64> {
    table
        .iter()
        .find(|(m, _)| m.as_bytes().eq_ignore_ascii_case(text))
        .map(|(_, v)| *v)
}

/// A type mnemonic or `TYPEnnn`.
fn type_from_text(text: &[u8]) -> Option<Rtype> {
    std::str::from_utf8(text)
        .ok()
        .and_then(Rtype::from_mnemonic)
}

/// Decimal digits only, at most `max`.
fn parse_uint(text: &[u8], max: u64) -> Option<u64> {
    if text.is_empty() || text.len() > 20 {
        return None;
    }
    let mut v: u64 = 0;
    for &c in text {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((c - b'0') as u64)?;
    }
    (v <= max).then_some(v)
}

/// A dotted-quad IPv4 address: four decimal parts 0–255, no leading zeros (as
/// `inet_pton`).
fn parse_ipv4(text: &[u8]) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut part = 0;
    let mut val: u32 = 0;
    let mut digits = 0;
    for &c in text {
        match c {
            b'0'..=b'9' => {
                if digits > 0 && val == 0 {
                    return None;
                }
                val = val * 10 + (c - b'0') as u32;
                digits += 1;
                if val > 255 {
                    return None;
                }
            }
            b'.' => {
                if digits == 0 || part == 3 {
                    return None;
                }
                out[part] = val as u8;
                part += 1;
                val = 0;
                digits = 0;
            }
            _ => return None,
        }
    }
    if digits == 0 || part != 3 {
        return None;
    }
    out[3] = val as u8;
    Some(out)
}

fn parse_ipv6(text: &[u8]) -> Option<Ipv6Addr> {
    std::str::from_utf8(text).ok()?.parse().ok()
}

/// `xxxx:xxxx:xxxx:xxxx` (1–4 hex digits per group), RFC 6742.
fn parse_locator64(text: &[u8]) -> Option<[u8; 8]> {
    let mut out = [0u8; 8];
    let mut n = 0;
    for group in text.split(|&c| c == b':') {
        if n == 4 || group.is_empty() || group.len() > 4 {
            return None;
        }
        let mut v: u16 = 0;
        for &c in group {
            v = (v << 4) | hex_val(c)? as u16;
        }
        out[2 * n..2 * n + 2].copy_from_slice(&v.to_be_bytes());
        n += 1;
    }
    (n == 4).then_some(out)
}

fn hex_val(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|v| v as u8)
}

/// Decodes `input` with `enc`, appending to `out`.
fn decode_into(enc: &Encoding, input: &[u8], out: &mut Vec<u8>) -> Option<()> {
    let start = out.len();
    let len = enc.decode_len(input.len()).ok()?;
    out.resize(start + len, 0);
    match enc.decode_mut(input, &mut out[start..]) {
        Ok(n) => {
            out.truncate(start + n);
            Some(())
        }
        Err(_) => {
            out.truncate(start);
            None
        }
    }
}

/// RRSIG timestamps: 14 digits are YYYYMMDDHHmmSS UTC (taken modulo 2^32, RFC 4034
/// §3.1.5 serial arithmetic), anything shorter is seconds.
fn parse_time(text: &[u8]) -> Option<u32> {
    if text.len() != 14 {
        return parse_uint(text, u32::MAX as u64).map(|v| v as u32);
    }
    if !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let num = |a: usize, b: usize| parse_uint(&text[a..b], u64::MAX);
    let (y, mo, d) = (num(0, 4)? as i64, num(4, 6)? as u32, num(6, 8)? as u32);
    let (h, mi, s) = (num(8, 10)?, num(10, 12)?, num(12, 14)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let mdays = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if y < 1970
        || !(1..=12).contains(&mo)
        || d == 0
        || d > mdays[mo as usize - 1]
        || h > 23
        || mi > 59
        || s > 59
    {
        return None;
    }
    let secs = days_from_civil(y, mo, d) * 86400 + (h * 3600 + mi * 60 + s) as i64;
    Some(secs as u64 as u32)
}

/// Writes an RRSIG time as `YYYYMMDDHHmmSS` (UTC).
pub(crate) fn push_time(out: &mut String, t: u32) {
    let days = (t / 86400) as i64;
    let rem = t % 86400;
    let (y, m, d) = civil_from_days(days);
    let _ = write!(
        out,
        "{y:04}{m:02}{d:02}{:02}{:02}{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    );
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// The date of a day number since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
}

/// Appends a presentation-format name to wire form, completing a relative name with
/// `origin`. Same rules as [`Name::parse_bytes`], without allocating.
pub(crate) fn push_name(out: &mut Vec<u8>, text: &[u8], origin: &Name) -> Result<(), NameError> {
    match text {
        [] => return Err(NameError::Empty),
        b"@" => {
            out.extend_from_slice(origin.as_wire());
            return Ok(());
        }
        b"." => {
            out.push(0);
            return Ok(());
        }
        _ => {}
    }
    let start = out.len();
    let mut label_start = start;
    out.push(0);
    let mut i = 0;
    let mut absolute = false;
    while i < text.len() {
        match text[i] {
            b'.' => {
                close_label(out, label_start)?;
                if i + 1 == text.len() {
                    absolute = true;
                } else {
                    label_start = out.len();
                    out.push(0);
                }
                i += 1;
            }
            b'\\' => {
                let (b, used) = decode_escape(&text[i + 1..]).map_err(|_| NameError::BadEscape)?;
                out.push(b);
                i += 1 + used;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    if absolute {
        out.push(0);
    } else {
        close_label(out, label_start)?;
        out.extend_from_slice(origin.as_wire());
    }
    if out.len() - start > MAX_NAME_LEN {
        return Err(NameError::NameTooLong);
    }
    Ok(())
}

fn close_label(out: &mut [u8], label_start: usize) -> Result<(), NameError> {
    let len = out.len() - label_start - 1;
    if len == 0 {
        return Err(NameError::EmptyLabel);
    }
    if len > MAX_LABEL_LEN {
        return Err(NameError::LabelTooLong);
    }
    out[label_start] = len as u8;
    Ok(())
}

/// Writes a (checked) wire name in presentation format: relative to `origin` when it
/// is at or below it (`@`, `www`), else absolute with its trailing dot.
///
/// The origin suffix must match byte for byte, case included: `www.EXAMPLE.com.`
/// stays absolute under `example.com.`, or reading it back would change its case.
pub(crate) fn push_name_text(out: &mut String, wire: &[u8], origin: Option<&Name>) {
    let mut end = wire.len();
    let mut relative = false;
    if let Some(o) = origin.filter(|o| !o.is_root()) {
        let ow = o.as_wire();
        if wire == ow {
            out.push('@');
            return;
        }
        if wire.len() > ow.len() {
            let mut pos = 0;
            while wire.len() - pos > ow.len() {
                pos += 1 + wire[pos] as usize;
            }
            if wire.len() - pos == ow.len() && &wire[pos..] == ow {
                end = pos;
                relative = true;
            }
        }
    }
    if wire.len() <= 1 {
        out.push('.');
        return;
    }
    let mut pos = 0;
    while pos < end && wire[pos] != 0 {
        let len = wire[pos] as usize;
        if pos > 0 {
            out.push('.');
        }
        for &b in &wire[pos + 1..pos + 1 + len] {
            push_label_byte(out, b);
        }
        pos += 1 + len;
    }
    if !relative {
        out.push('.');
    }
}

/// One label octet in presentation format (the same escapes as `Name`'s `Display`).
fn push_label_byte(out: &mut String, b: u8) {
    match b {
        b'.' | b'\\' | b'"' | b'(' | b')' | b';' | b'@' | b'$' => {
            out.push('\\');
            out.push(b as char);
        }
        0x21..=0x7e => out.push(b as char),
        _ => push_decimal_escape(out, b),
    }
}

fn push_decimal_escape(out: &mut String, b: u8) {
    out.push('\\');
    out.push(char::from(b'0' + b / 100));
    out.push(char::from(b'0' + (b / 10) % 10));
    out.push(char::from(b'0' + b % 10));
}

/// A quoted `<character-string>` (also used for values with no length limit): `"`
/// and `\` escaped, other non-printing octets as `\DDD`.
pub(crate) fn push_charstring(out: &mut String, bytes: &[u8]) {
    out.reserve(bytes.len() + 2);
    out.push('"');
    for &b in bytes {
        match b {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(b as char);
            }
            0x20..=0x7e => out.push(b as char),
            _ => push_decimal_escape(out, b),
        }
    }
    out.push('"');
}

fn push_ipv4(out: &mut String, b: &[u8]) {
    for (i, &x) in b.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        push_u32(out, x as u32);
    }
}

/// Decimal without going through `fmt`.
pub(crate) fn push_u32(out: &mut String, mut v: u32) {
    let mut buf = [0u8; 10];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for &c in &buf[i..] {
        out.push(c as char);
    }
}

fn push_hex(out: &mut String, b: &[u8]) {
    out.push_str(&HEXUPPER.encode(b));
}

fn push_base64(out: &mut String, b: &[u8]) {
    out.push_str(&BASE64_LENIENT.encode(b));
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Name {
        "example.com.".parse().unwrap()
    }

    fn rt(s: &str) -> Rtype {
        Rtype::from_mnemonic(s).unwrap()
    }

    /// Parses, checks the wire bytes, then checks that formatting (absolute and
    /// relative) reads back to the same bytes; returns the absolute text.
    fn check(ty: &str, text: &str, wire: &[u8]) -> String {
        let o = origin();
        let rd = parse_rdata(rt(ty), text, &o).unwrap_or_else(|e| panic!("{ty} {text}: {e}"));
        assert_eq!(rd.as_wire(), wire, "{ty} {text}");
        round_trip(rt(ty), &rd)
    }

    fn round_trip(ty: Rtype, rd: &Rdata) -> String {
        let o = origin();
        let abs = format_rdata(ty, rd, None);
        let back =
            parse_rdata(ty, &abs, &Name::root()).unwrap_or_else(|e| panic!("{ty} {abs}: {e}"));
        assert_eq!(back.as_wire(), rd.as_wire(), "{ty} absolute {abs}");
        let rel = format_rdata(ty, rd, Some(&o));
        let back = parse_rdata(ty, &rel, &o).unwrap_or_else(|e| panic!("{ty} {rel}: {e}"));
        assert_eq!(back.as_wire(), rd.as_wire(), "{ty} relative {rel}");
        // The RFC 3597 form gives the same bytes for every type.
        let generic = format!("\\# {} {}", rd.len(), HEXUPPER.encode(rd.as_wire()));
        let back = parse_rdata(ty, &generic, &o).unwrap();
        assert_eq!(back.as_wire(), rd.as_wire(), "{ty} generic");
        abs
    }

    fn err(ty: &str, text: &str) -> String {
        parse_rdata(rt(ty), text, &origin()).unwrap_err()
    }

    fn name_wire(s: &str) -> Vec<u8> {
        Name::parse(s, Some(&origin())).unwrap().as_wire().to_vec()
    }

    fn cat(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }

    #[test]
    fn a_and_aaaa() {
        assert_eq!(check("A", "192.0.2.1", &[192, 0, 2, 1]), "192.0.2.1");
        assert_eq!(err("A", "1.2.3"), "bad IPv4 address \"1.2.3\"");
        assert_eq!(err("A", "1.2.3.256"), "bad IPv4 address \"1.2.3.256\"");
        assert_eq!(err("A", "01.2.3.4"), "bad IPv4 address \"01.2.3.4\"");
        assert_eq!(err("A", ""), "expected an IPv4 address, found end of line");
        assert_eq!(
            err("A", "1.2.3.4 5"),
            "unexpected \"5\" after the end of the RDATA"
        );
        let mut w = [0u8; 16];
        w[0] = 0x20;
        w[1] = 0x01;
        w[2] = 0x0d;
        w[3] = 0xb8;
        w[15] = 1;
        assert_eq!(check("AAAA", "2001:DB8::1", &w), "2001:db8::1");
        check(
            "AAAA",
            "::ffff:192.0.2.1",
            &Ipv6Addr::from([0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201]).octets(),
        );
        assert_eq!(
            err("AAAA", "2001:db8::g"),
            "bad IPv6 address \"2001:db8::g\""
        );
    }

    #[test]
    fn single_names() {
        for ty in ["NS", "CNAME", "DNAME", "PTR", "MD", "MF", "MB", "MG", "MR"] {
            assert_eq!(check(ty, "ns1", &name_wire("ns1")), "ns1.example.com.");
        }
        assert_eq!(check("NS", "@", &name_wire("example.com.")), "example.com.");
        let o = origin();
        let rd = parse_rdata(Rtype::CNAME, "WWW.Example.ORG.", &o).unwrap();
        assert_eq!(format_rdata(Rtype::CNAME, &rd, None), "WWW.Example.ORG.");
        let rd = parse_rdata(Rtype::CNAME, "a.example.com.", &o).unwrap();
        assert_eq!(format_rdata(Rtype::CNAME, &rd, Some(&o)), "a");
        // Relative only when the suffix has the origin's exact case (else reading it
        // back would change the bytes).
        let rd = parse_rdata(Rtype::CNAME, "a.EXAMPLE.com.", &o).unwrap();
        assert_eq!(format_rdata(Rtype::CNAME, &rd, Some(&o)), "a.EXAMPLE.com.");
        let rd = parse_rdata(Rtype::CNAME, "@", &o).unwrap();
        assert_eq!(format_rdata(Rtype::CNAME, &rd, Some(&o)), "@");
        assert_eq!(check("NS", ".", &[0]), ".");
        assert_eq!(
            check(
                "CNAME",
                r"a\.b\065\032\\.example.",
                &name_wire(r"a\.bA\032\\.example.")
            ),
            r"a\.bA\032\\.example."
        );
        assert_eq!(
            err("NS", "a..b"),
            "bad domain name \"a..b\": empty label in name"
        );
        assert_eq!(
            err("NS", "\"quoted\""),
            "expected a domain name, found quoted string \"\\\"quoted\\\"\""
        );
        for (t, w) in [
            ("a.b", "a.b"),
            (r"x\046y", r"x\.y"),
            ("@", "@"),
            ("z.", "z."),
        ] {
            let mut out = Vec::new();
            push_name(&mut out, t.as_bytes(), &o).unwrap();
            assert_eq!(out, Name::parse(w, Some(&o)).unwrap().as_wire());
        }
    }

    #[test]
    fn soa() {
        let wire = cat(&[
            &name_wire("ns1"),
            &name_wire("hostmaster"),
            &2024010101u32.to_be_bytes(),
            &7200u32.to_be_bytes(),
            &3600u32.to_be_bytes(),
            &1209600u32.to_be_bytes(),
            &300u32.to_be_bytes(),
        ]);
        assert_eq!(
            check("SOA", "ns1 hostmaster ( 2024010101 2h 1H 2w 5m )", &wire),
            "ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300"
        );
        assert_eq!(
            err("SOA", "ns1 hostmaster 1 2 3 4"),
            "expected a minimum TTL, found end of line"
        );
        assert_eq!(
            err("SOA", "ns1 hostmaster 1x 2 3 4 5"),
            "expected a serial number (0-4294967295), found \"1x\""
        );
    }

    #[test]
    fn name_pairs_and_preferences() {
        for ty in ["MX", "AFSDB", "RT", "KX", "LP"] {
            let wire = cat(&[&10u16.to_be_bytes(), &name_wire("mail")]);
            assert_eq!(check(ty, "10 mail", &wire), "10 mail.example.com.");
        }
        assert_eq!(
            err("MX", "65536 mail"),
            "expected a preference (0-65535), found \"65536\""
        );
        check(
            "PX",
            "10 a b",
            &cat(&[&10u16.to_be_bytes(), &name_wire("a"), &name_wire("b")]),
        );
        check(
            "RP",
            "admin.mail txt",
            &cat(&[&name_wire("admin.mail"), &name_wire("txt")]),
        );
        check("MINFO", "a b", &cat(&[&name_wire("a"), &name_wire("b")]));
        check(
            "SRV",
            "0 5 5060 sip",
            &cat(&[&[0, 0, 0, 5, 0x13, 0xc4], &name_wire("sip")[..]]),
        );
    }

    #[test]
    fn txt_strings() {
        assert_eq!(
            check("TXT", "\"a b\" c \"\"", b"\x03a b\x01c\x00"),
            "\"a b\" \"c\" \"\""
        );
        assert_eq!(
            check("SPF", "\"v=spf1 -all\"", b"\x0bv=spf1 -all"),
            "\"v=spf1 -all\""
        );
        // Escapes: \065 is A, \" and \\ are literal, ; inside quotes is data.
        assert_eq!(
            check("TXT", r#""\065\"\\;x" a\ b"#, b"\x05A\"\\;x\x03a b"),
            r#""A\"\\;x" "a b""#
        );
        // Every octet value round-trips.
        let all: Vec<u8> = (0..=255u8).collect();
        let mut wire = vec![128u8];
        wire.extend_from_slice(&all[..128]);
        wire.push(128);
        wire.extend_from_slice(&all[128..]);
        let rd = Rdata::from_wire(wire);
        round_trip(Rtype::TXT, &rd);
        // 255 octets fit, 256 do not.
        let long = "x".repeat(255);
        check(
            "TXT",
            &format!("\"{long}\" {long}"),
            &cat(&[&[255], long.as_bytes(), &[255], long.as_bytes()]),
        );
        assert!(
            err("TXT", &"y".repeat(256))
                .starts_with("character string longer than 255 octets (256)")
        );
        assert!(
            err("TXT", &format!("\"{}\\065\"", "y".repeat(255)))
                .starts_with("character string longer than 255")
        );
        assert_eq!(
            err("TXT", ""),
            "expected a character string, found end of line"
        );
        assert_eq!(
            err("TXT", r"a\256"),
            "bad escape: \\DDD must be 000-255 in \"a\\\\256\""
        );
        check("HINFO", "\"Intel x86\" Linux", b"\x09Intel x86\x05Linux");
        assert_eq!(
            err("HINFO", "one"),
            "expected a character string, found end of line"
        );
    }

    #[test]
    fn naptr_and_uri_and_caa() {
        let re = b"!^.*$!sip:info@example.com!";
        let wire = cat(&[
            &[0, 100, 0, 10, 1, b'u', 7],
            b"E2U+sip",
            &[re.len() as u8],
            re,
            &[0],
        ]);
        assert_eq!(
            check(
                "NAPTR",
                r#"100 10 "u" "E2U+sip" "!^.*$!sip:info@example.com!" ."#,
                &wire
            ),
            r#"100 10 "u" "E2U+sip" "!^.*$!sip:info@example.com!" ."#
        );
        let wire = cat(&[&[0, 10, 0, 1], b"ftp://ftp1.example.com/public"]);
        assert_eq!(
            check("URI", "10 1 \"ftp://ftp1.example.com/public\"", &wire),
            "10 1 \"ftp://ftp1.example.com/public\""
        );
        let wire = cat(&[
            &[0, 5],
            b"issue",
            b"letsencrypt.org; validationmethods=dns-01",
        ]);
        assert_eq!(
            check(
                "CAA",
                "0 issue \"letsencrypt.org; validationmethods=dns-01\"",
                &wire
            ),
            "0 issue \"letsencrypt.org; validationmethods=dns-01\""
        );
        check("CAA", "128 tbs \"\"", &[128, 3, b't', b'b', b's']);
        check(
            "CAA",
            "0 iodef mailto:a@example.com",
            &cat(&[&[0, 5], b"iodef", b"mailto:a@example.com"]),
        );
        assert_eq!(
            err("CAA", "0 is-sue x"),
            "expected a CAA tag (letters and digits), found \"is-sue\""
        );
    }

    #[test]
    fn hex_types() {
        check(
            "SSHFP",
            "4 2 123456789ABCDEF0 12",
            &[4, 2, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x12],
        );
        assert_eq!(
            check("TLSA", "3 1 1 ( ab CD )", &[3, 1, 1, 0xab, 0xcd]),
            "3 1 1 ABCD"
        );
        check("SMIMEA", "3 1 1 abcd", &[3, 1, 1, 0xab, 0xcd]);
        assert_eq!(
            err("TLSA", "3 1 1 abc"),
            "bad hex in hex certificate data (an even number of 0-9, a-f)"
        );
        assert_eq!(
            err("TLSA", "3 1 1"),
            "expected hex certificate data, found end of line"
        );
        for ty in ["DS", "CDS", "TA", "DLV"] {
            assert_eq!(
                check(
                    ty,
                    "60485 RSASHA1 1 2BB183AF5F22588179A53B0A98631FAD1A292118",
                    &{
                        let mut w = vec![0xec, 0x45, 5, 1];
                        w.extend(
                            HEXUPPER
                                .decode(b"2BB183AF5F22588179A53B0A98631FAD1A292118")
                                .unwrap(),
                        );
                        w
                    }
                ),
                "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118"
            );
        }
        check("DS", "1 13 SHA-256 00", &[0, 1, 13, 2, 0]);
        check("CDS", "0 0 0 00", &[0, 0, 0, 0, 0]);
        check(
            "ZONEMD",
            "2018031900 1 1 ( FEBE3D4C E6 )",
            &cat(&[
                &2018031900u32.to_be_bytes(),
                &[1, 1, 0xfe, 0xbe, 0x3d, 0x4c, 0xe6],
            ]),
        );
    }

    #[test]
    fn base64_types() {
        let key = "AwEAAagAIKlVZrpC6Ia7gEzahOR+9W29euxhJhVVLOyQbSEW0O8gcCjF FVQUTf6v58fLjwBd0YI0EzrAcQqBGCzh/RStIoO8g0NfnfL2MTJRkxoX bfDaUeVPQuYEhg37NZWAJQ9VnMVDxP/VHL496M/QZxkjf5/Efucp2gaD X6RS6CXpoY68LsvPVjR0ZSwzz1apAzvN9dlzEheX7ICJBBtuA6G3LQpz W5hOA2hzCTMjJPJ8LbqF6dsV6DoBQzgul0sGIcGOYl7OyQdXfZ57relS Qageu+ipAdTTJ25AsRTAoub8ONGcLmqrAmRLKBP1dfwhYB4N7knNnulq QxA+Uk1ihz0=";
        let o = origin();
        let rd = parse_rdata(Rtype::DNSKEY, &format!("256 3 RSASHA1 ( {key} )"), &o).unwrap();
        assert_eq!(&rd.as_wire()[..4], &[1, 0, 3, 5]);
        assert_eq!(
            format_rdata(Rtype::DNSKEY, &rd, None),
            format!("256 3 5 {}", key.replace(' ', ""))
        );
        round_trip(Rtype::DNSKEY, &rd);
        check("CDNSKEY", "0 3 0 AA==", &[0, 0, 3, 0, 0]);
        check("KEY", "256 3 8 AQID", &[1, 0, 3, 8, 1, 2, 3]);
        check("OPENPGPKEY", "AQID BA==", &[1, 2, 3, 4]);
        check(
            "DHCID",
            "AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA=",
            &BASE64_LENIENT
                .decode(b"AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA=")
                .unwrap(),
        );
        assert_eq!(err("OPENPGPKEY", "AQI"), "bad base64 in a base64 key");
        // Trailing bits are accepted on input (BIND does), written canonically.
        let rd = parse_rdata(Rtype::OPENPGPKEY, "AR==", &o).unwrap();
        assert_eq!(rd.as_wire(), &[1]);
        assert_eq!(
            check("CERT", "PGP 0 0 AQID", &[0, 3, 0, 0, 0, 1, 2, 3]),
            "PGP 0 0 AQID"
        );
        assert_eq!(
            check(
                "CERT",
                "1 12345 ECDSAP256SHA256 AQID",
                &[0, 1, 0x30, 0x39, 13, 1, 2, 3]
            ),
            "PKIX 12345 ECDSAP256SHA256 AQID"
        );
        check(
            "CERT",
            "65000 1 200 AQID",
            &[0xfd, 0xe8, 0, 1, 200, 1, 2, 3],
        );
    }

    #[test]
    fn rrsig() {
        let text = "A 13 3 3600 20240131235959 20240101000000 12345 example.com. AQIDBA==";
        let o = origin();
        let rd = parse_rdata(Rtype::RRSIG, text, &o).unwrap();
        let w = rd.as_wire();
        assert_eq!(&w[..4], &[0, 1, 13, 3]);
        assert_eq!(&w[4..8], &3600u32.to_be_bytes());
        assert_eq!(&w[8..12], &1706745599u32.to_be_bytes());
        assert_eq!(&w[12..16], &1704067200u32.to_be_bytes());
        assert_eq!(format_rdata(Rtype::RRSIG, &rd, None), text);
        round_trip(Rtype::RRSIG, &rd);
        let rd2 = parse_rdata(
            Rtype::RRSIG,
            "TYPE1 13 3 1h 1706745599 1704067200 12345 @ AQIDBA==",
            &o,
        )
        .unwrap();
        assert_eq!(rd, rd2);
        check(
            "SIG",
            "NSEC3PARAM 8 0 0 20380119031407 19700101000000 1 . AQ==",
            &{
                let mut w = vec![0, 51, 8, 0, 0, 0, 0, 0];
                w.extend(i32::MAX.to_be_bytes());
                w.extend([0, 0, 0, 0, 0, 1, 0, 1]);
                w
            },
        );
        // Dates after 2106 wrap modulo 2^32 (serial arithmetic).
        assert_eq!(parse_time(b"21060207062816"), Some(0));
        assert_eq!(parse_time(b"20240230000000"), None);
        assert_eq!(parse_time(b"4294967295"), Some(u32::MAX));
        assert_eq!(
            err("RRSIG", "A 13 3 3600 2024013123595 20240101000000 1 . AQ=="),
            "expected a signature expiration (YYYYMMDDHHmmSS or seconds), found \"2024013123595\""
        );
        assert_eq!(
            err("RRSIG", "BOGUS 13 3 3600 1 1 1 . AQ=="),
            "expected a type covered, found \"BOGUS\""
        );
    }

    #[test]
    fn nsec_family() {
        let wire = cat(&[
            &name_wire("host.example.com."),
            &[0, 6, 0x40, 0x01, 0, 0, 0, 0x03, 1, 1, 0x40],
        ]);
        assert_eq!(
            check("NSEC", "host.example.com. A MX RRSIG NSEC TYPE1234", &{
                let mut w = wire[..wire.len() - 3].to_vec();
                w.extend([4, 27]);
                w.extend([0u8; 26]);
                w.push(0x20);
                w
            }),
            "host.example.com. A MX RRSIG NSEC TYPE1234"
        );
        check("NSEC", "host.example.com. A MX RRSIG NSEC CAA", &{
            let mut w = wire.clone();
            w.truncate(w.len() - 3);
            w.extend([1, 1, 0x40]);
            w
        });
        check("NSEC", "a", &name_wire("a"));
        assert_eq!(
            err("NSEC", "a A BOGUS"),
            "expected a type in the type bitmap, found \"BOGUS\""
        );
        // RFC 5155 Appendix A.
        let rd = parse_rdata(
            Rtype::NSEC3,
            "1 1 12 aabbccdd ( 2t7b4g4vsa5smi47k61mv5bv1a22bojr MX DNSKEY NS SOA NSEC3PARAM RRSIG )",
            &origin(),
        )
        .unwrap();
        assert_eq!(
            &rd.as_wire()[..9],
            &[1, 1, 0, 12, 4, 0xaa, 0xbb, 0xcc, 0xdd]
        );
        assert_eq!(rd.as_wire()[9], 20);
        assert_eq!(
            format_rdata(Rtype::NSEC3, &rd, None),
            "1 1 12 AABBCCDD 2t7b4g4vsa5smi47k61mv5bv1a22bojr NS SOA MX RRSIG DNSKEY NSEC3PARAM"
        );
        round_trip(Rtype::NSEC3, &rd);
        let rd = parse_rdata(
            Rtype::NSEC3,
            "1 0 0 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR",
            &origin(),
        )
        .unwrap();
        assert_eq!(rd.as_wire()[4], 0);
        round_trip(Rtype::NSEC3, &rd);
        assert_eq!(
            err("NSEC3", "1 0 0 - 2t7b4g4vsa5smi47k61mv5bv1a22bojz"),
            "bad base32hex next hashed owner name \"2t7b4g4vsa5smi47k61mv5bv1a22bojz\""
        );
        assert_eq!(check("NSEC3PARAM", "1 0 0 -", &[1, 0, 0, 0, 0]), "1 0 0 -");
        check(
            "NSEC3PARAM",
            "1 0 10 D399EAAB",
            &[1, 0, 0, 10, 4, 0xd3, 0x99, 0xea, 0xab],
        );
        assert_eq!(
            err("NSEC3PARAM", "1 0 0 xyz"),
            "bad salt \"xyz\" (hex of 1-255 octets, or -)"
        );
        assert_eq!(
            check(
                "CSYNC",
                "66 3 A NS AAAA",
                &[0, 0, 0, 66, 0, 3, 0, 4, 0x60, 0, 0, 0x08]
            ),
            "66 3 A NS AAAA"
        );
        check("CSYNC", "66 0", &[0, 0, 0, 66, 0, 0]);
    }

    #[test]
    fn loc() {
        // RFC 1876 examples.
        let rd = parse_rdata(Rtype::LOC, "42 21 54 N 71 06 18 W -24m 30m", &origin()).unwrap();
        assert_eq!(
            rd.as_wire(),
            &[
                0, 0x33, 0x16, 0x13, 0x89, 0x17, 0x2d, 0xd0, 0x70, 0xbe, 0x15, 0xf0, 0x00, 0x98,
                0x8d, 0x20
            ]
        );
        assert_eq!(
            format_rdata(Rtype::LOC, &rd, None),
            "42 21 54.000 N 71 6 18.000 W -24.00m 30m 10000m 10m"
        );
        round_trip(Rtype::LOC, &rd);
        let rd = parse_rdata(
            Rtype::LOC,
            "42 21 43.952 N 71 5 6.344 W -24m 1m 200m 10m",
            &origin(),
        )
        .unwrap();
        assert_eq!(
            format_rdata(Rtype::LOC, &rd, None),
            "42 21 43.952 N 71 5 6.344 W -24.00m 1m 200m 10m"
        );
        round_trip(Rtype::LOC, &rd);
        let rd = parse_rdata(Rtype::LOC, "52 N 4 E 0.5 0.01m 90000000m 0m", &origin()).unwrap();
        assert_eq!(
            format_rdata(Rtype::LOC, &rd, None),
            "52 0 0.000 N 4 0 0.000 E 0.50m 0.01m 90000000m 0m"
        );
        round_trip(Rtype::LOC, &rd);
        let rd = parse_rdata(Rtype::LOC, "90 0 0 S 180 0 0 E 42849672.95m", &origin()).unwrap();
        round_trip(Rtype::LOC, &rd);
        assert_eq!(
            err("LOC", "91 N 4 E 0"),
            "bad latitude degrees \"91\" (0-90)"
        );
        assert_eq!(err("LOC", "90 1 N 4 E 0"), "latitude out of range");
        assert_eq!(
            err("LOC", "52 60 N 4 E 0"),
            "bad latitude minutes (0-59) \"60\""
        );
        assert_eq!(
            err("LOC", "52 1 2 3 N 4 E 0"),
            "expected N or S, found \"3\""
        );
        assert_eq!(
            err("LOC", "52 1 2 N 4 E"),
            "expected an altitude, found end of line"
        );
        assert_eq!(
            err("LOC", "52 N 4 E 0 1.234m"),
            "bad size \"1.234m\" (0 to 90000000.00m)"
        );
        // A non-canonical precision octet is written as \#.
        let rd = Rdata::from_wire(vec![
            0, 0x15, 0x16, 0x13, 0x89, 0x17, 0x2d, 0xd0, 0x70, 0xbe, 0x15, 0xf0, 0x00, 0x98, 0x8d,
            0x20,
        ]);
        assert!(format_rdata(Rtype::LOC, &rd, None).starts_with("42 21 54.000 N"));
        let rd = Rdata::from_wire(vec![
            0, 0x0a, 0x16, 0x13, 0x89, 0x17, 0x2d, 0xd0, 0x70, 0xbe, 0x15, 0xf0, 0x00, 0x98, 0x8d,
            0x20,
        ]);
        assert!(format_rdata(Rtype::LOC, &rd, None).starts_with("\\# 16 "));
    }

    #[test]
    fn svcb() {
        let o = origin();
        // RFC 9460 Appendix D examples.
        check(
            "SVCB",
            "0 foo.example.com.",
            &cat(&[&[0, 0], &name_wire("foo.example.com.")]),
        );
        check("SVCB", "1 .", &[0, 1, 0]);
        assert_eq!(
            check(
                "SVCB",
                "16 foo.example.com. port=53",
                &cat(&[
                    &[0, 16],
                    &name_wire("foo.example.com."),
                    &[0, 3, 0, 2, 0, 53]
                ])
            ),
            "16 foo.example.com. port=53"
        );
        check(
            "SVCB",
            "1 foo.example.com. key667=hello",
            &cat(&[
                &[0, 1],
                &name_wire("foo.example.com."),
                &[0x02, 0x9b, 0, 5],
                b"hello",
            ]),
        );
        assert_eq!(
            check(
                "SVCB",
                "1 foo.example.com. key667=\"hello\\210qoo\"",
                &cat(&[
                    &[0, 1],
                    &name_wire("foo.example.com."),
                    &[0x02, 0x9b, 0, 9],
                    b"hello\xd2qoo"
                ]),
            ),
            "1 foo.example.com. key667=\"hello\\210qoo\""
        );
        check(
            "SVCB",
            "1 foo.example.com. ipv6hint=\"2001:db8::1,2001:db8::53:1\"",
            &cat(&[
                &[0, 1],
                &name_wire("foo.example.com."),
                &[0, 6, 0, 32],
                &"2001:db8::1".parse::<Ipv6Addr>().unwrap().octets(),
                &"2001:db8::53:1".parse::<Ipv6Addr>().unwrap().octets(),
            ]),
        );
        // Keys in any order, written sorted; mandatory sorted.
        let text =
            "16 foo.example.org. (alpn=h2,h3-19 mandatory=ipv4hint,alpn\n ipv4hint=192.0.2.1)";
        let wire = cat(&[
            &[0, 16],
            &name_wire("foo.example.org."),
            &[0, 0, 0, 4, 0, 1, 0, 4],
            &[0, 1, 0, 9, 2],
            b"h2",
            &[5],
            b"h3-19",
            &[0, 4, 0, 4, 192, 0, 2, 1],
        ]);
        assert_eq!(
            check("SVCB", text, &wire),
            "16 foo.example.org. mandatory=alpn,ipv4hint alpn=\"h2,h3-19\" ipv4hint=192.0.2.1"
        );
        // Escaped commas and backslashes in alpn, in both RFC forms.
        let wire = cat(&[
            &[0, 16],
            &name_wire("foo.example.org."),
            &[0, 1, 0, 12, 8],
            b"f\\oo,bar",
            &[2],
            b"h2",
        ]);
        assert_eq!(
            check(
                "SVCB",
                r#"16 foo.example.org. alpn="f\\\\oo\\,bar,h2""#,
                &wire
            ),
            r#"16 foo.example.org. alpn="f\\\\oo\\,bar,h2""#
        );
        check(
            "SVCB",
            r"16 foo.example.org. alpn=f\\\092oo\092,bar,h2",
            &wire,
        );
        check(
            "HTTPS",
            "1 . alpn=h3 no-default-alpn port=8443 ech=AQID ohttp dohpath=\"/q{?dns}\" key65000",
            &cat(&[
                &[0, 1, 0],
                &[0, 1, 0, 3, 2],
                b"h3",
                &[0, 2, 0, 0],
                &[0, 3, 0, 2, 0x20, 0xfb],
                &[0, 5, 0, 3, 1, 2, 3],
                &[0, 7, 0, 8],
                b"/q{?dns}",
                &[0, 8, 0, 0],
                &[0xfd, 0xe8, 0, 0],
            ]),
        );
        // key3 is port.
        let a = parse_rdata(Rtype::HTTPS, "1 . key3=443", &o).unwrap();
        let b = parse_rdata(Rtype::HTTPS, "1 . port=\"443\"", &o).unwrap();
        assert_eq!(a, b);
        assert_eq!(
            err("HTTPS", "1 . port=1 port=2"),
            "SvcParamKey \"port\" appears twice"
        );
        assert_eq!(
            err("HTTPS", "1 . alpn"),
            "bad SvcParam \"alpn\": a value is required"
        );
        assert_eq!(
            err("HTTPS", "1 . no-default-alpn=x"),
            "bad SvcParam \"no-default-alpn=x\": this key takes no value"
        );
        assert_eq!(
            err("HTTPS", "1 . mandatory=port,port port=1"),
            "bad SvcParam \"mandatory=port,port\": a key appears twice in the mandatory list"
        );
        assert!(err("HTTPS", "1 . foo=1").starts_with("unknown SvcParamKey \"foo\""));
        assert_eq!(
            err("HTTPS", "1 . ipv4hint=1.2.3"),
            "bad SvcParam \"ipv4hint=1.2.3\": bad IPv4 address \"1.2.3\""
        );
        // Unsorted keys on the wire are written as \#.
        let rd = Rdata::from_wire(vec![0, 1, 0, 0, 3, 0, 2, 0, 53, 0, 1, 0, 3, 2, b'h', b'2']);
        assert!(format_rdata(Rtype::HTTPS, &rd, None).starts_with("\\# 16 "));
    }

    #[test]
    fn small_types() {
        assert_eq!(
            check("EUI48", "00-00-5e-00-53-2A", &[0, 0, 0x5e, 0, 0x53, 0x2a]),
            "00-00-5e-00-53-2a"
        );
        check(
            "EUI64",
            "00-00-5e-ef-10-00-00-2a",
            &[0, 0, 0x5e, 0xef, 0x10, 0, 0, 0x2a],
        );
        assert!(err("EUI48", "00-00-5e-00-53").starts_with("bad EUI-48 address"));
        assert_eq!(
            check(
                "NID",
                "10 0014:4fff:ff20:ee64",
                &[0, 10, 0, 0x14, 0x4f, 0xff, 0xff, 0x20, 0xee, 0x64]
            ),
            "10 0014:4fff:ff20:ee64"
        );
        check(
            "L64",
            "10 2001:db8:1140:1000",
            &[0, 10, 0x20, 0x01, 0x0d, 0xb8, 0x11, 0x40, 0x10, 0],
        );
        check("L32", "10 10.1.2.0", &[0, 10, 10, 1, 2, 0]);
        check("IPSECKEY", "10 0 2 . AQID", &[10, 0, 2, 1, 2, 3]);
        check(
            "IPSECKEY",
            "10 1 2 192.0.2.38 AQID",
            &[10, 1, 2, 192, 0, 2, 38, 1, 2, 3],
        );
        check(
            "IPSECKEY",
            "10 2 2 2001:db8::1 AQID",
            &cat(&[
                &[10, 2, 2],
                &"2001:db8::1".parse::<Ipv6Addr>().unwrap().octets(),
                &[1, 2, 3],
            ]),
        );
        check(
            "IPSECKEY",
            "10 3 2 gw AQID",
            &cat(&[&[10, 3, 2], &name_wire("gw"), &[1, 2, 3]]),
        );
        check(
            "IPSECKEY",
            "10 3 0 gw",
            &cat(&[&[10, 3, 0], &name_wire("gw")]),
        );
        assert_eq!(err("IPSECKEY", "10 4 2 x"), "unknown gateway type 4");
    }

    #[test]
    fn generic_form() {
        let o = origin();
        let a = parse_rdata(Rtype::A, "\\# 4 C0000201", &o).unwrap();
        assert_eq!(a, parse_rdata(Rtype::A, "192.0.2.1", &o).unwrap());
        let a = parse_rdata(Rtype::A, "\\# 4 ( c0 00\n 02 01 )", &o).unwrap();
        assert_eq!(a.as_wire(), &[192, 0, 2, 1]);
        let e = parse_rdata(Rtype(65534), "\\# 0", &o).unwrap();
        assert!(e.is_empty());
        assert_eq!(format_rdata(Rtype(65534), &e, None), "\\# 0");
        let x = parse_rdata(Rtype(65534), "\\# 3 abcdef", &o).unwrap();
        assert_eq!(format_rdata(Rtype(65534), &x, None), "\\# 3 ABCDEF");
        assert_eq!(
            parse_rdata(Rtype(65534), "\\# 4 abcdef", &o).unwrap_err(),
            "RDATA length 4 does not match the 3 octets of hex data"
        );
        assert_eq!(
            parse_rdata(Rtype(65534), "abcdef", &o).unwrap_err(),
            "type TYPE65534 has no presentation format here; write its RDATA in the RFC 3597 form \"\\# length hex\""
        );
        assert_eq!(
            parse_rdata(Rtype::NULL, "\\# 1 00", &o).unwrap().as_wire(),
            &[0]
        );
        // A quoted "\#" is a character string, not the generic form.
        assert_eq!(
            parse_rdata(Rtype::TXT, "\"\\#\"", &o).unwrap().as_wire(),
            b"\x01#"
        );
        // Bytes that do not decode for the type are written as \#.
        let bad = Rdata::from_wire(vec![1, 2, 3]);
        assert_eq!(format_rdata(Rtype::A, &bad, None), "\\# 3 010203");
        assert_eq!(
            format_rdata(Rtype::TXT, &Rdata::from_wire(vec![]), None),
            "\\# 0"
        );
        assert_eq!(
            format_rdata(Rtype::TXT, &Rdata::from_wire(vec![5, b'a']), None),
            "\\# 2 0561"
        );
    }

    #[test]
    fn ttl_units() {
        assert_eq!(parse_ttl(b"3600"), Some(3600));
        assert_eq!(parse_ttl(b"1h30m"), Some(5400));
        assert_eq!(parse_ttl(b"1H30M"), Some(5400));
        assert_eq!(parse_ttl(b"1w"), Some(604800));
        assert_eq!(parse_ttl(b"2d"), Some(172800));
        assert_eq!(parse_ttl(b"1h30"), Some(3630));
        assert_eq!(parse_ttl(b"10s"), Some(10));
        assert_eq!(parse_ttl(b"4294967295"), Some(u32::MAX));
        assert_eq!(parse_ttl(b"4294967296"), None);
        assert_eq!(parse_ttl(b"7102w"), None);
        assert_eq!(parse_ttl(b""), None);
        assert_eq!(parse_ttl(b"h"), None);
        assert_eq!(parse_ttl(b"1x"), None);
        assert_eq!(parse_ttl(b"1hh"), None);
    }

    /// Random RDATA for every type with a codec: whatever the formatter writes (the
    /// type's form or `\#`) must read back to the same bytes.
    #[test]
    fn random_bytes_round_trip() {
        let mut seed: u64 = 0x9e3779b97f4a7c15;
        let mut rnd = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let types: Vec<Rtype> = (0..=65535u16)
            .map(Rtype)
            .filter(|&t| has_presentation(t))
            .collect();
        let o = origin();
        for &ty in &types {
            let valid = sample_valid(ty);
            for round in 0..300 {
                let mut wire = valid.clone();
                match round % 3 {
                    0 => {
                        let n = (rnd() % 40) as usize;
                        wire = (0..n).map(|_| rnd() as u8).collect();
                    }
                    1 => {
                        let i = rnd() as usize % wire.len().max(1);
                        if let Some(b) = wire.get_mut(i) {
                            *b = rnd() as u8;
                        }
                    }
                    _ => {
                        let n = rnd() as usize % (wire.len() + 1);
                        wire.truncate(n);
                    }
                }
                let rd = Rdata::from_wire(wire);
                for origin in [None, Some(&o)] {
                    let text = format_rdata(ty, &rd, origin);
                    let back = parse_rdata(ty, &text, origin.unwrap_or(&Name::root()))
                        .unwrap_or_else(|e| panic!("{ty} {text}: {e}"));
                    assert_eq!(back, rd, "{ty} {text}");
                }
            }
        }
    }

    /// A valid RDATA of each type with a codec (seeds for the random test).
    fn sample_valid(ty: Rtype) -> Vec<u8> {
        let text = match ty.to_string().as_str() {
            "A" => "192.0.2.1",
            "AAAA" => "2001:db8::1",
            "NS" | "CNAME" | "DNAME" | "PTR" | "MD" | "MF" | "MB" | "MG" | "MR" => "a.b",
            "MINFO" | "RP" => "a b",
            "SOA" => "a b 1 2 3 4 5",
            "MX" | "AFSDB" | "RT" | "KX" | "LP" => "1 a",
            "PX" => "1 a b",
            "TXT" | "SPF" => "a b",
            "HINFO" => "a b",
            "SRV" => "1 2 3 a",
            "NAPTR" => "1 2 a b c d",
            "CAA" => "0 issue x",
            "SSHFP" => "1 1 abcd",
            "TLSA" | "SMIMEA" => "1 1 1 abcd",
            "DS" | "CDS" | "TA" | "DLV" => "1 8 2 abcd",
            "DNSKEY" | "CDNSKEY" | "KEY" => "256 3 8 AQID",
            "RRSIG" | "SIG" => "A 8 2 3600 1 2 3 a AQID",
            "NSEC" => "a A NS CAA TYPE1000",
            "NSEC3" => "1 1 1 ab 2t7b4g4v A MX",
            "NSEC3PARAM" => "1 0 1 ab",
            "ZONEMD" => "1 1 1 abcd",
            "LOC" => "1 2 3 N 4 5 6 E 7m",
            "URI" => "1 2 x",
            "CERT" => "1 2 3 AQID",
            "SVCB" | "HTTPS" => {
                "1 a mandatory=alpn alpn=h2 port=1 ipv4hint=1.2.3.4 ech=AQ== ipv6hint=::1"
            }
            "IPSECKEY" => "1 1 2 1.2.3.4 AQID",
            "OPENPGPKEY" | "DHCID" => "AQID",
            "CSYNC" => "1 3 A NS",
            "EUI48" => "00-11-22-33-44-55",
            "EUI64" => "00-11-22-33-44-55-66-77",
            "NID" | "L64" => "1 1:2:3:4",
            "L32" => "1 1.2.3.4",
            other => panic!("no sample for {other}"),
        };
        parse_rdata(ty, text, &origin()).unwrap().as_wire().to_vec()
    }
}
