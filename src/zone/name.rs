//! Domain names: the owner and target names of every record zonesync holds.
//!
//! A [`Name`] is an absolute name kept in uncompressed wire form (length-prefixed
//! labels ending in the root label), with the case it arrived in. Equality, hashing and
//! ordering are case-insensitive; ordering is the canonical order of RFC 4034 §6.1, so a
//! sorted list of names is the order a zone is signed, diffed and written in.
//!
//! Everything else in `zone` (parser, writer, [`ZoneVersion`](super::ZoneVersion)) and the
//! wire code builds on this type; it does no I/O.
//!
//! # Standards
//! - RFC 1035 §3.1: "the total length of a domain name (i.e., label octets and label
//!   length octets) is restricted to 255 octets or less"; labels are 63 octets or less.
//! - RFC 4034 §6.1: "sorting names by their most significant (rightmost) labels first,
//!   then by the next most significant label, and so on … uppercase US-ASCII letters in
//!   the owner name are treated as if they were lowercase"; a name that is a prefix of
//!   another sorts first.
//! - RFC 1035 §5.1 presentation format: `\X` quotes a character, `\DDD` is a decimal
//!   octet; a name not ending in `.` is relative to the origin.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// Longest name in wire form, root label included (RFC 1035 §3.1).
pub const MAX_NAME_LEN: usize = 255;
/// Longest label (RFC 1035 §3.1).
pub const MAX_LABEL_LEN: usize = 63;

//----------- Name -------------------------------------------------------------------

/// An absolute domain name in uncompressed wire form, case preserved.
///
/// Invariant: `wire` is a valid sequence of labels, each at most 63 octets, ending in
/// the empty root label, at most 255 octets in all. Every constructor checks it.
///
/// The bytes are shared (`Arc`), so cloning a name (every record at one owner, every
/// index entry) costs a reference count, not an allocation. A name is that one
/// pointer (16 octets): the allocation holds the wire length, the wire form, then
/// optionally a tail of the owner's ([`Name::with_tail`]: a version's node keeps its
/// records there, so that a node is one allocation and a 16-octet handle).
#[derive(Clone)]
pub struct Name {
    /// `[len, wire (len octets), tail …]`.
    bytes: Arc<[u8]>,
}

impl Name {
    /// The root name `.`.
    pub fn root() -> Name {
        Name::exact(&[0])
    }

    /// Takes an uncompressed wire-form name, checking the label structure.
    pub fn from_wire(wire: &[u8]) -> Result<Name, NameError> {
        let len = wire_name_len(wire)?;
        if len != wire.len() {
            return Err(NameError::TrailingData);
        }
        Ok(Name::exact(wire))
    }

    /// Builds a name from labels, most specific first (`["www", "example", "com"]`).
    pub fn from_labels<'a, I>(labels: I) -> Result<Name, NameError>
    where
        I: IntoIterator<Item = &'a [u8]>,
    {
        let mut wire = Vec::with_capacity(32);
        for label in labels {
            if label.is_empty() {
                return Err(NameError::EmptyLabel);
            }
            if label.len() > MAX_LABEL_LEN {
                return Err(NameError::LabelTooLong);
            }
            wire.push(label.len() as u8);
            wire.extend_from_slice(label);
        }
        wire.push(0);
        if wire.len() > MAX_NAME_LEN {
            return Err(NameError::NameTooLong);
        }
        Ok(Name::exact(&wire))
    }

    /// Parses a name in presentation format. A relative name (no trailing dot) is
    /// completed with `origin`; `@` is the origin itself. Without an origin, a relative
    /// name is an error.
    pub fn parse(text: &str, origin: Option<&Name>) -> Result<Name, NameError> {
        Self::parse_bytes(text.as_bytes(), origin)
    }

    /// [`Name::parse`] over raw bytes (zone files need not be UTF-8).
    pub fn parse_bytes(text: &[u8], origin: Option<&Name>) -> Result<Name, NameError> {
        if text.is_empty() {
            return Err(NameError::Empty);
        }
        if text == b"@" {
            return origin.cloned().ok_or(NameError::RelativeWithoutOrigin);
        }
        if text == b"." {
            return Ok(Name::root());
        }
        let mut wire = Vec::with_capacity(text.len() + 2);
        let mut label_start = 0usize;
        wire.push(0);
        let mut i = 0usize;
        let mut absolute = false;
        while i < text.len() {
            let c = text[i];
            match c {
                b'.' => {
                    let label_len = wire.len() - label_start - 1;
                    if label_len == 0 {
                        return Err(NameError::EmptyLabel);
                    }
                    if label_len > MAX_LABEL_LEN {
                        return Err(NameError::LabelTooLong);
                    }
                    wire[label_start] = label_len as u8;
                    if i + 1 == text.len() {
                        absolute = true;
                    } else {
                        label_start = wire.len();
                        wire.push(0);
                    }
                    i += 1;
                }
                b'\\' => {
                    let (byte, used) = parse_escape(&text[i + 1..])?;
                    wire.push(byte);
                    i += 1 + used;
                }
                _ => {
                    wire.push(c);
                    i += 1;
                }
            }
        }
        if !absolute {
            let label_len = wire.len() - label_start - 1;
            if label_len == 0 {
                return Err(NameError::EmptyLabel);
            }
            if label_len > MAX_LABEL_LEN {
                return Err(NameError::LabelTooLong);
            }
            wire[label_start] = label_len as u8;
            let origin = origin.ok_or(NameError::RelativeWithoutOrigin)?;
            wire.extend_from_slice(origin.as_wire());
        } else {
            wire.push(0);
        }
        if wire.len() > MAX_NAME_LEN {
            return Err(NameError::NameTooLong);
        }
        Ok(Name::exact(&wire))
    }

    /// The name in uncompressed wire form, root label included.
    #[inline]
    pub fn as_wire(&self) -> &[u8] {
        &self.bytes[1..1 + usize::from(self.bytes[0])]
    }

    /// A name of `wire`, which is exactly one valid name (at most 255 octets).
    fn exact(wire: &[u8]) -> Name {
        Name::with_tail_from(wire, 0, |_| {})
    }

    /// The length prefix, `wire` (exactly one valid name), then what `write` appends
    /// (`tail_len` octets, or the vector grows), in one allocation: built in a vector,
    /// then copied once into the `Arc`.
    fn with_tail_from(wire: &[u8], tail_len: usize, write: impl FnOnce(&mut Vec<u8>)) -> Name {
        debug_assert!(wire_name_len(wire) == Ok(wire.len()));
        let mut bytes = Vec::with_capacity(1 + wire.len() + tail_len);
        bytes.push(wire.len() as u8);
        bytes.extend_from_slice(wire);
        write(&mut bytes);
        Name {
            bytes: Arc::from(bytes),
        }
    }

    /// The name with a tail of `tail_len` octets, written by `write`, stored after it
    /// in one allocation: [`Name::tail`] gives it back. A version's node keeps its
    /// hash and packed records there; cloning the name then keeps the whole
    /// allocation alive (see [`Name::detached`]).
    pub fn with_tail(&self, tail_len: usize, write: impl FnOnce(&mut Vec<u8>)) -> Name {
        Name::with_tail_from(self.as_wire(), tail_len, write)
    }

    /// The octets stored after the name ([`Name::with_tail`]); empty for other names.
    #[inline]
    pub fn tail(&self) -> &[u8] {
        &self.bytes[1 + usize::from(self.bytes[0])..]
    }

    /// The name in an allocation of its own: for a name held long (a journal, a
    /// list), so that it does not keep a node's records alive.
    pub fn detached(&self) -> Name {
        if self.tail().is_empty() {
            self.clone()
        } else {
            Name::exact(self.as_wire())
        }
    }

    /// Length in wire form (1 for the root).
    pub fn wire_len(&self) -> usize {
        self.as_wire().len()
    }

    /// True for `.`.
    pub fn is_root(&self) -> bool {
        self.as_wire().len() == 1
    }

    /// The labels, most specific first, the root label left out.
    pub fn labels(&self) -> Labels<'_> {
        Labels {
            rest: self.as_wire(),
        }
    }

    /// Number of labels, the root label left out (`example.com.` has 2).
    pub fn label_count(&self) -> usize {
        self.labels().count()
    }

    /// The first (leftmost) label, or `None` for the root.
    pub fn first_label(&self) -> Option<&[u8]> {
        self.labels().next()
    }

    /// True when the first label is `*` (a wildcard owner, RFC 4592).
    pub fn is_wildcard(&self) -> bool {
        self.first_label() == Some(b"*")
    }

    /// The name with its first label removed; `None` for the root.
    pub fn parent(&self) -> Option<Name> {
        if self.is_root() {
            return None;
        }
        let skip = 1 + self.as_wire()[0] as usize;
        Some(Name::exact(&self.as_wire()[skip..]))
    }

    /// The name with its first `n` labels removed (the root when `n` is too large).
    pub fn trim_labels(&self, n: usize) -> Name {
        let mut pos = 0usize;
        for _ in 0..n {
            if self.as_wire()[pos] == 0 {
                break;
            }
            pos += 1 + self.as_wire()[pos] as usize;
        }
        Name::exact(&self.as_wire()[pos..])
    }

    /// `label.self`, for example `*` + `example.com.` = `*.example.com.`.
    pub fn prepend(&self, label: &[u8]) -> Result<Name, NameError> {
        if label.is_empty() {
            return Err(NameError::EmptyLabel);
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(NameError::LabelTooLong);
        }
        let len = 1 + label.len() + self.as_wire().len();
        if len > MAX_NAME_LEN {
            return Err(NameError::NameTooLong);
        }
        let mut wire = Vec::with_capacity(len);
        wire.push(label.len() as u8);
        wire.extend_from_slice(label);
        wire.extend_from_slice(self.as_wire());
        Ok(Name::exact(&wire))
    }

    /// Replaces the suffix `old` of this name with `new` (DNAME substitution,
    /// RFC 6672 §2.2). `None` when `old` is not a suffix; an error when the result
    /// would be longer than 255 octets (the caller answers YXDOMAIN).
    pub fn replace_suffix(&self, old: &Name, new: &Name) -> Option<Result<Name, NameError>> {
        if !self.ends_with(old) {
            return None;
        }
        let keep = self.as_wire().len() - old.as_wire().len();
        let len = keep + new.as_wire().len();
        if len > MAX_NAME_LEN {
            return Some(Err(NameError::NameTooLong));
        }
        let mut wire = Vec::with_capacity(len);
        wire.extend_from_slice(&self.as_wire()[..keep]);
        wire.extend_from_slice(new.as_wire());
        Some(Ok(Name::exact(&wire)))
    }

    /// True when `self` is `other` or below it (case-insensitive).
    pub fn ends_with(&self, other: &Name) -> bool {
        wire_ends_with(self.as_wire(), other.as_wire())
    }

    /// True when `self` and `other` are clones of one name (they share its bytes): a
    /// cheap "certainly equal" for the runs of records at one owner that the parser
    /// and the transfer reader hand out. False says nothing.
    pub fn shares_bytes(&self, other: &Name) -> bool {
        Arc::ptr_eq(&self.bytes, &other.bytes)
    }

    /// True when `self` is strictly below `other`.
    pub fn is_below(&self, other: &Name) -> bool {
        self.as_wire().len() > other.as_wire().len() && self.ends_with(other)
    }

    /// A copy with ASCII letters lowered (the form used for hashing, DNSSEC and keys).
    pub fn to_lowercase(&self) -> Name {
        Name::exact(&self.as_wire().to_ascii_lowercase())
    }

    /// The name relative to `origin` in presentation format (`www`, `@`), or the
    /// absolute form when it is not below `origin`.
    pub fn to_relative_string(&self, origin: &Name) -> String {
        if self == origin {
            return "@".to_string();
        }
        if !self.ends_with(origin) || origin.is_root() {
            return self.to_string();
        }
        let keep = self.as_wire().len() - origin.as_wire().len();
        let mut out = String::with_capacity(keep + 4);
        write_labels(&mut out, &self.as_wire()[..keep]);
        out
    }
}

/// Reads one escape after a backslash: `\DDD` or `\X`. Returns the octet and how many
/// bytes after the backslash it used.
fn parse_escape(rest: &[u8]) -> Result<(u8, usize), NameError> {
    match rest {
        [a, b, c, ..] if a.is_ascii_digit() && b.is_ascii_digit() && c.is_ascii_digit() => {
            let v = (a - b'0') as u32 * 100 + (b - b'0') as u32 * 10 + (c - b'0') as u32;
            if v > 255 {
                return Err(NameError::BadEscape);
            }
            Ok((v as u8, 3))
        }
        [a, ..] if a.is_ascii_digit() => Err(NameError::BadEscape),
        [x, ..] => Ok((*x, 1)),
        [] => Err(NameError::BadEscape),
    }
}

/// Length of the wire name at the start of `wire`, checking the structure.
/// Compression pointers are not allowed here (stored names are uncompressed).
pub fn wire_name_len(wire: &[u8]) -> Result<usize, NameError> {
    let mut pos = 0usize;
    loop {
        let len = *wire.get(pos).ok_or(NameError::Truncated)? as usize;
        if len == 0 {
            pos += 1;
            break;
        }
        if len > MAX_LABEL_LEN {
            return Err(NameError::LabelTooLong);
        }
        pos += 1 + len;
        if pos >= MAX_NAME_LEN {
            return Err(NameError::NameTooLong);
        }
    }
    if pos > wire.len() {
        return Err(NameError::Truncated);
    }
    Ok(pos)
}

/// Writes wire labels (no root label expected at the end of `wire`, or with it) in
/// presentation format, separated by dots, no trailing dot.
fn write_labels(out: &mut String, wire: &[u8]) {
    let mut pos = 0usize;
    let mut first = true;
    while pos < wire.len() && wire[pos] != 0 {
        let len = wire[pos] as usize;
        if !first {
            out.push('.');
        }
        first = false;
        for &b in &wire[pos + 1..pos + 1 + len] {
            push_label_byte(out, b);
        }
        pos += 1 + len;
    }
}

/// Appends one label octet in presentation format, escaping what must be escaped.
fn push_label_byte(out: &mut String, b: u8) {
    match b {
        b'.' | b'\\' | b'"' | b'(' | b')' | b';' | b'@' | b'$' => {
            out.push('\\');
            out.push(b as char);
        }
        0x21..=0x7e => out.push(b as char),
        _ => {
            out.push('\\');
            out.push(char::from(b'0' + b / 100));
            out.push(char::from(b'0' + (b / 10) % 10));
            out.push(char::from(b'0' + b % 10));
        }
    }
}

//--- Trait impls

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_root() {
            return f.write_str(".");
        }
        let mut out = String::with_capacity(self.as_wire().len() + 1);
        write_labels(&mut out, self.as_wire());
        out.push('.');
        f.write_str(&out)
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Name({self})")
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Self) -> bool {
        // Records of one owner share the name's bytes (the parser and the transfer
        // reader hand out clones): the same allocation is the same name.
        Arc::ptr_eq(&self.bytes, &other.bytes)
            || self.as_wire().eq_ignore_ascii_case(other.as_wire())
    }
}

impl Eq for Name {}

impl Hash for Name {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Lower-case in chunks to hash consistently with the case-insensitive `eq`.
        let mut buf = [0u8; 64];
        for chunk in self.as_wire().chunks(64) {
            let lower = &mut buf[..chunk.len()];
            lower.copy_from_slice(chunk);
            lower.make_ascii_lowercase();
            state.write(lower);
        }
        state.write_u8(0xff);
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Name {
    /// Canonical DNS order (RFC 4034 §6.1).
    fn cmp(&self, other: &Self) -> Ordering {
        canonical_cmp(self.as_wire(), other.as_wire())
    }
}

impl std::str::FromStr for Name {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Name::parse(s, Some(&Name::root()))
    }
}

/// [`Name::ends_with`] on valid wire-form names: `wire` is `suffix` or below it
/// (case-insensitive).
pub fn wire_ends_with(wire: &[u8], suffix: &[u8]) -> bool {
    if suffix.len() > wire.len() {
        return false;
    }
    // Walk the labels until the remaining suffix has the other's length; only a label
    // boundary there counts (so `xexample.com.` does not end with `example.com.`).
    let mut pos = 0usize;
    while wire.len() - pos > suffix.len() {
        pos += 1 + wire[pos] as usize;
    }
    wire.len() - pos == suffix.len() && wire[pos..].eq_ignore_ascii_case(suffix)
}

/// Compares two wire names in canonical order (RFC 4034 §6.1).
pub fn canonical_cmp(a: &[u8], b: &[u8]) -> Ordering {
    // Label start offsets, collected so the labels can be compared right to left.
    let la = label_offsets(a);
    let lb = label_offsets(b);
    let mut ia = la.len();
    let mut ib = lb.len();
    while ia > 0 && ib > 0 {
        ia -= 1;
        ib -= 1;
        let (sa, sb) = (la.get(ia), lb.get(ib));
        let label_a = &a[sa + 1..sa + 1 + a[sa] as usize];
        let label_b = &b[sb + 1..sb + 1 + b[sb] as usize];
        let ord = label_a
            .iter()
            .map(u8::to_ascii_lowercase)
            .cmp(label_b.iter().map(u8::to_ascii_lowercase));
        if ord != Ordering::Equal {
            return ord;
        }
    }
    ia.cmp(&ib)
}

/// Label start offsets of a wire name, on the stack (at most 127 labels).
struct Offsets {
    buf: [u8; 128],
    len: usize,
}

impl Offsets {
    fn len(&self) -> usize {
        self.len
    }
    fn get(&self, i: usize) -> usize {
        self.buf[i] as usize
    }
}

fn label_offsets(wire: &[u8]) -> Offsets {
    let mut o = Offsets {
        buf: [0; 128],
        len: 0,
    };
    let mut pos = 0usize;
    while pos < wire.len() && wire[pos] != 0 && o.len < 128 {
        o.buf[o.len] = pos as u8;
        o.len += 1;
        pos += 1 + wire[pos] as usize;
    }
    o
}

//----------- Labels -----------------------------------------------------------------

/// Iterator over the labels of a [`Name`], most specific first.
pub struct Labels<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Labels<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        let len = *self.rest.first()? as usize;
        if len == 0 {
            return None;
        }
        let label = &self.rest[1..1 + len];
        self.rest = &self.rest[1 + len..];
        Some(label)
    }
}

//============ Errors ================================================================

/// Why a name was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Nothing where a name was expected.
    #[error("empty name")]
    Empty,
    /// Two dots in a row, or a leading dot.
    #[error("empty label in name")]
    EmptyLabel,
    /// A label over 63 octets.
    #[error("label longer than 63 octets")]
    LabelTooLong,
    /// A name over 255 octets in wire form.
    #[error("name longer than 255 octets")]
    NameTooLong,
    /// A bad `\DDD` or a lone backslash.
    #[error("bad escape in name (\\DDD must be 000-255)")]
    BadEscape,
    /// A relative name with no origin to complete it.
    #[error("relative name with no origin")]
    RelativeWithoutOrigin,
    /// Wire data ends inside a name.
    #[error("truncated name")]
    Truncated,
    /// Wire data continues after the root label.
    #[error("data after the end of a name")]
    TrailingData,
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    #[test]
    fn a_tail_is_not_part_of_the_name() {
        use std::collections::hash_map::DefaultHasher;
        let hash = |x: &Name| {
            let mut h = DefaultHasher::new();
            x.hash(&mut h);
            h.finish()
        };
        let plain = n("www.Example.com.");
        let tailed = plain.with_tail(3, |out| out.extend_from_slice(&[7, 0, 3]));
        assert_eq!(tailed.tail(), [7, 0, 3]);
        assert!(plain.tail().is_empty());
        assert_eq!(tailed.as_wire(), plain.as_wire());
        assert_eq!((tailed.wire_len(), tailed.label_count()), (17, 3));
        assert_eq!(tailed, n("www.example.com."));
        assert_eq!(hash(&tailed), hash(&plain));
        assert_eq!(tailed.cmp(&n("www.example.com.")), Ordering::Equal);
        assert!(tailed < n("a.www.example.com."));
        assert_eq!(tailed.to_string(), "www.Example.com.");
        assert_eq!(tailed.parent(), Some(n("example.com.")));
        assert!(tailed.ends_with(&n("com.")) && n("a.www.example.com.").is_below(&tailed));
        assert_eq!(
            tailed.prepend(b"a").unwrap().as_wire(),
            n("a.www.Example.com.").as_wire()
        );
        // Detaching copies the name alone; a name without a tail is shared as it is.
        let alone = tailed.detached();
        assert!(alone.tail().is_empty() && !alone.shares_bytes(&tailed));
        assert_eq!(alone.as_wire(), plain.as_wire());
        assert!(plain.detached().shares_bytes(&plain));
        let root = Name::root().with_tail(3, |out| out.extend_from_slice(b"xyz"));
        assert_eq!((root.as_wire(), root.tail()), (&[0][..], &b"xyz"[..]));
    }

    #[test]
    fn parse_and_display() {
        assert_eq!(n("www.example.com.").to_string(), "www.example.com.");
        assert_eq!(n("www.example.com").to_string(), "www.example.com.");
        assert_eq!(n(".").to_string(), ".");
        let origin = n("example.com.");
        assert_eq!(Name::parse("@", Some(&origin)).unwrap(), origin);
        assert_eq!(
            Name::parse("www", Some(&origin)).unwrap().to_string(),
            "www.example.com."
        );
        assert_eq!(
            Name::parse("www", None),
            Err(NameError::RelativeWithoutOrigin)
        );
    }

    #[test]
    fn escapes_round_trip() {
        let name = n(r"a\.b\065\032c.example.");
        assert_eq!(name.first_label(), Some(&b"a.bA c"[..]));
        assert_eq!(name.to_string(), r"a\.bA\032c.example.");
        assert_eq!(n(&name.to_string()), name);
        assert_eq!(Name::parse(r"a\256.", None), Err(NameError::BadEscape));
        assert_eq!(Name::parse(r"a\25.", None), Err(NameError::BadEscape));
    }

    #[test]
    fn limits() {
        let long = "a".repeat(64);
        assert_eq!(
            Name::parse(&format!("{long}."), None),
            Err(NameError::LabelTooLong)
        );
        let ok = "a".repeat(63);
        let name = format!("{ok}.{ok}.{ok}.{}.", "a".repeat(61));
        assert_eq!(n(&name).wire_len(), 255);
        let too = format!("{ok}.{ok}.{ok}.{}.", "a".repeat(62));
        assert_eq!(Name::parse(&too, None), Err(NameError::NameTooLong));
        assert_eq!(Name::parse("a..b.", None), Err(NameError::EmptyLabel));
    }

    #[test]
    fn case_insensitive_equality_and_hash() {
        use std::collections::HashSet;
        let mut set = HashSet::new();
        set.insert(n("WWW.Example.COM."));
        assert!(set.contains(&n("www.example.com.")));
        assert_eq!(n("WWW.Example.COM.").to_string(), "WWW.Example.COM.");
    }

    #[test]
    fn canonical_order_rfc4034_example() {
        // The example list of RFC 4034 §6.1, in order.
        let names = [
            "example.",
            "a.example.",
            "yljkjljk.a.example.",
            "Z.a.example.",
            "zABC.a.EXAMPLE.",
            "z.example.",
            "\\001.z.example.",
            "*.z.example.",
            "\\200.z.example.",
        ];
        let parsed: Vec<Name> = names.iter().map(|s| n(s)).collect();
        let mut sorted = parsed.clone();
        sorted.reverse();
        sorted.sort();
        assert_eq!(sorted, parsed);
    }

    #[test]
    fn suffixes() {
        let www = n("www.example.com.");
        assert!(www.ends_with(&n("example.com.")));
        assert!(www.ends_with(&n("COM.")));
        assert!(www.ends_with(&Name::root()));
        assert!(!n("xexample.com.").ends_with(&n("example.com.")));
        assert!(www.is_below(&n("example.com.")));
        assert!(!www.is_below(&www));
        assert_eq!(www.parent().unwrap(), n("example.com."));
        assert_eq!(www.trim_labels(2), n("com."));
        assert_eq!(www.trim_labels(9), Name::root());
        assert_eq!(www.to_relative_string(&n("example.com.")), "www");
        assert_eq!(
            n("a.b.example.").replace_suffix(&n("b.example."), &n("c.org.")),
            Some(Ok(n("a.c.org.")))
        );
        assert!(n("*.example.").is_wildcard());
    }

    #[test]
    fn from_wire_checks_structure() {
        assert!(Name::from_wire(b"\x03www\x07example\x00").is_ok());
        assert_eq!(Name::from_wire(b"\x03ww"), Err(NameError::Truncated));
        assert_eq!(
            Name::from_wire(b"\x03www\x00x"),
            Err(NameError::TrailingData)
        );
        assert_eq!(Name::from_wire(b"\x40"), Err(NameError::LabelTooLong));
    }
}
