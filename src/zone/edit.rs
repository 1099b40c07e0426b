//! Reloading an edited zone file in proportion to the edit, not to the zone.
//!
//! A primary zone's task ([`crate::sync::primary`]) reloads its file whenever it
//! changes. The whole-file path parses every record, checks the zone and builds a new
//! version: about a second for a million records, however small the edit. This module
//! is the fast path in front of it: zone-file text → [`TextIndex`] (one hash per
//! entry, made by the same [`Lexer`] the parser uses) → the entries that differ from
//! the text the served version was loaded from → the owner names they touch → only
//! those owners' entries parsed, diffed against the served nodes with
//! [`changeset::diff`](super::changeset::diff), applied with
//! [`ZoneVersion::apply`] (which shares every untouched node) → the touched part of the
//! new version checked. The result is the version the whole-file path would have built
//! from the same text; the differential tests below hold the two paths to that.
//!
//! An entry's hash covers what its records depend on: the effective owner (for a line
//! that starts with a blank, the last stated owner), the `$ORIGIN` and `$TTL` in force,
//! and its text after the owner as written (hashing the text, not its tokens, keeps
//! the scan near the lexer's speed; a change to an entry's spacing or comment only
//! has its owner read again, and found the same).
//!
//! When the fast path cannot promise the same result, it says [`Unsupported`] and the
//! caller takes the whole-file path, which also gives every finding its line:
//! `$INCLUDE` and `$GENERATE` (their text is not in the file), records read before any
//! `$TTL` (their TTL is the last stated one, a positional rule), an owner written with
//! an escape or quotes, a line that starts with a blank after `$ORIGIN` changed, any
//! finding of the parser in the changed entries, any error of the checks in the
//! touched part, an edit that removes the last address of a name (an NS elsewhere may
//! need it as glue), a DNAME added above existing names, and edits touching more than
//! [`MAX_TOUCHED_SHARE`] of the owners, and more than [`MIN_TOUCHED_LIMIT`] (the
//! whole-file path is faster then).

use std::collections::HashSet;
use std::hash::{BuildHasher, Hasher};
use std::path::Path;

use foldhash::fast::FixedState;

use super::changeset::diff;
use super::check::check_records;
use super::diag::Severity;
use super::lexer::{Lexeme, Lexer, Token};
use super::name::Name;
use super::parse::{ParseOptions, parse_bytes};
use super::record::{Record, Rtype};
use super::version::ZoneVersion;

/// The edit touches more than this share of the zone's owners (in percent): the
/// whole-file path is taken, being faster for edits this large.
pub const MAX_TOUCHED_SHARE: usize = 10;

/// Edits touching up to this many owners take the fast path whatever the zone's size.
pub const MIN_TOUCHED_LIMIT: usize = 64;

/// The fixed seed of entry and owner hashes: indexes of one zone made at different
/// times must agree. Zone files are trusted input, so a fixed seed is no exposure.
const SEED: u64 = 0x7a6f_6e65_7379_6e63;

//----------- Unsupported ------------------------------------------------------------

/// Why an edit goes through the whole-file path.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unsupported {
    /// A directive whose content is not in the file's text.
    #[error("the file uses {0}")]
    Directive(&'static str),
    /// A record before any `$TTL`: its TTL follows the last stated one.
    #[error("a record comes before any $TTL")]
    NoTtl,
    /// An owner whose text cannot be compared as plain text.
    #[error("an owner name is written with an escape or quotes")]
    OwnerText,
    /// A line starting with a blank before any owner, or after `$ORIGIN` changed.
    #[error("a line starting with a blank inherits an owner across $ORIGIN")]
    InheritedOwner,
    /// The text does not lex.
    #[error("the file does not lex")]
    Lex,
    /// The changed entries have findings: the whole-file path reports them by line.
    #[error("the changed lines have findings")]
    Findings,
    /// The touched part of the new version has errors, or may affect names beyond it.
    #[error("the change needs the whole zone checked")]
    NeedsWholeCheck,
    /// Too much changed.
    #[error("the change touches {touched} of {owners} owners")]
    TooLarge {
        /// Owners touched.
        touched: usize,
        /// Owners in the text.
        owners: usize,
    },
    /// The served version does not hold what the old text says it should.
    #[error("the served version does not match the previous text")]
    Mismatch,
}

//----------- TextIndex --------------------------------------------------------------

/// One hash per entry of a zone file's text, sorted, with the owner each belongs to:
/// what the next reload compares its text with. About 16 octets per record.
#[derive(Clone, Debug, Default)]
pub struct TextIndex {
    /// `(entry hash, owner hash)`, sorted.
    entries: Vec<(u64, u64)>,
    /// Distinct owners.
    owners: usize,
}

impl TextIndex {
    /// Octets per entry in [`TextIndex::to_bytes`].
    const ENTRY: usize = 16;

    /// Number of entries (records and directives).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The index as octets, to be kept out of memory (the primary zone's task writes
    /// a large one to a file): the distinct owners' count, then each entry, all
    /// little-endian 64-bit. Written in pieces through `out` (no copy of the whole).
    pub fn write_to(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        out.write_all(&(self.owners as u64).to_le_bytes())?;
        for (entry, owner) in &self.entries {
            let mut e = [0u8; Self::ENTRY];
            e[..8].copy_from_slice(&entry.to_le_bytes());
            e[8..].copy_from_slice(&owner.to_le_bytes());
            out.write_all(&e)?;
        }
        Ok(())
    }

    /// A digest of the index, for a keeper to check that what it reads back is what
    /// it wrote.
    pub fn digest(&self) -> u64 {
        FixedState::with_seed(SEED).hash_one((self.owners, &self.entries))
    }

    /// The length of what [`TextIndex::write_to`] writes.
    pub fn bytes_len(&self) -> usize {
        8 + self.entries.len() * Self::ENTRY
    }

    /// What [`TextIndex::write_to`] writes, in one buffer.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.bytes_len());
        self.write_to(&mut out)
            .expect("writing to a vector does not fail");
        out
    }

    /// The index [`TextIndex::to_bytes`] wrote; `None` when `bytes` cannot be one
    /// (its length, or entries out of order). The caller checks that it is the index
    /// written ([`TextIndex::digest`], kept aside): a well-formed index of another
    /// text would make a wrong edit.
    pub fn from_bytes(bytes: &[u8]) -> Option<TextIndex> {
        let (owners, rest) = bytes.split_first_chunk::<8>()?;
        if rest.len() % Self::ENTRY != 0 {
            return None;
        }
        let word = |b: &[u8]| u64::from_le_bytes(b.try_into().expect("8 octets"));
        let entries: Vec<(u64, u64)> = rest
            .chunks_exact(Self::ENTRY)
            .map(|e| (word(&e[..8]), word(&e[8..])))
            .collect();
        if !entries.is_sorted() {
            return None;
        }
        Some(TextIndex {
            entries,
            owners: usize::try_from(u64::from_le_bytes(*owners)).ok()?,
        })
    }

    /// True for a text with no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// One record entry of a text, as [`scan`] found it.
struct Entry {
    /// Hash of the absolute owner name, lowercased.
    owner: u64,
    /// Index into [`Scan::contexts`].
    context: u32,
    /// Index into [`Scan::owners`].
    owner_at: u32,
    /// The entry's bytes after its owner (all of it for a line starting blank).
    body: (usize, usize),
}

/// A `$ORIGIN` and `$TTL` in force.
struct Context {
    origin: Name,
    ttl: Vec<u8>,
}

/// An owner as written: where its token is in the text and the context it is
/// relative to. Its absolute text is made only for the owners an edit touches.
struct Owner {
    /// The owner token's bytes in the text.
    token: (usize, usize),
    /// Index into [`Scan::contexts`].
    context: u32,
}

/// A text scanned into entries.
struct Scan {
    /// `(entry hash, owner hash)` of every entry, in the order of the text.
    pairs: Vec<(u64, u64)>,
    /// Owners stated (lines that name one).
    stated: usize,
    /// With [`Detail::Entries`]: every entry, else none.
    entries: Vec<Entry>,
    contexts: Vec<Context>,
    /// With [`Detail::Entries`]: the owners in the order they are stated, else none.
    owners: Vec<Owner>,
}

/// What [`scan`] keeps beside the hashes: an index needs only those (and so holds
/// 16 octets per record at its peak, beside the text); an edit needs the entries.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Detail {
    Hashes,
    Entries,
}

/// Indexes a zone file's text for [`apply_edit`].
pub fn index_text(text: &[u8], origin: &Name) -> Result<TextIndex, Unsupported> {
    Ok(scan(text, origin, Detail::Hashes)?.index())
}

impl Scan {
    /// The index of the text; leaves the scan's hashes empty.
    fn index(&mut self) -> TextIndex {
        let mut entries = std::mem::take(&mut self.pairs);
        entries.sort_unstable();
        TextIndex {
            entries,
            owners: self.stated,
        }
    }
}

/// Hashes the lowercased bytes of an absolute name's text.
fn owner_hash(text: &[u8]) -> u64 {
    owner_hash_of(text, b"")
}

/// [`owner_hash`] of `token` (an owner as written) made absolute under the origin
/// whose text is `origin` ([`absolute_owner`]), without building that text: a
/// lower-cased copy on the stack, hashed in one write (once per record of the file).
fn owner_hash_of(token: &[u8], origin: &[u8]) -> u64 {
    let (tail, dot): (&[u8], &[u8]) = if origin.is_empty() || token.ends_with(b".") {
        (b"", b"")
    } else if token == b"@" {
        return owner_hash_of(origin, b"");
    } else if origin == b"." {
        (origin, b"")
    } else {
        (origin, b".")
    };
    let len = token.len() + dot.len() + tail.len();
    let mut stack = [0u8; 512];
    let mut heap = Vec::new();
    let buf: &mut [u8] = if len <= stack.len() {
        &mut stack[..len]
    } else {
        heap.resize(len, 0);
        &mut heap
    };
    let (a, rest) = buf.split_at_mut(token.len());
    let (b, c) = rest.split_at_mut(dot.len());
    a.copy_from_slice(token);
    b.copy_from_slice(dot);
    c.copy_from_slice(tail);
    buf.make_ascii_lowercase();
    let mut h = FixedState::with_seed(SEED).build_hasher();
    h.write(buf);
    h.finish()
}

/// The presentation text of `name`, as [`owner_hash`] expects it.
fn name_text(name: &Name) -> Vec<u8> {
    name.to_string().into_bytes()
}

/// Splits `text` into record entries with their contexts and owners.
fn scan(text: &[u8], origin: &Name, detail: Detail) -> Result<Scan, Unsupported> {
    let mut lexer = Lexer::new(text);
    // About 32 octets per record in a typical zone file: sized once, not regrown.
    let records = text.len() / 32 + 16;
    let kept = if detail == Detail::Entries {
        records
    } else {
        0
    };
    let mut out = Scan {
        pairs: Vec::with_capacity(records),
        stated: 0,
        entries: Vec::with_capacity(kept),
        contexts: vec![Context {
            origin: origin.clone(),
            ttl: Vec::new(),
        }],
        owners: Vec::with_capacity(kept),
    };
    let mut origin_text = name_text(origin);
    let at = |t: &[u8]| t.as_ptr() as usize - text.as_ptr() as usize;
    // The hash of the last stated owner.
    let mut owner = 0u64;
    // The context of the last stated owner, to refuse inheriting across $ORIGIN.
    let mut owner_context: Option<u32> = None;
    let mut tokens: Vec<Token<'_>> = Vec::with_capacity(16);
    loop {
        let start = lexer.offset();
        tokens.clear();
        let mut eof = false;
        loop {
            match lexer.next_lexeme() {
                Ok(Lexeme::Token(t)) => tokens.push(t),
                Ok(Lexeme::Eol) => break,
                Ok(Lexeme::Eof) => {
                    eof = true;
                    break;
                }
                Err(_) => return Err(Unsupported::Lex),
            }
        }
        let end = lexer.offset();
        if let Some(first) = tokens.first() {
            let blank = lexer.entry_starts_blank();
            let context = (out.contexts.len() - 1) as u32;
            if !blank && first.text.first() == Some(&b'$') && !first.quoted {
                directive(&tokens, &mut out, &mut origin_text)?;
                if eof {
                    break;
                }
                continue;
            }
            if out.contexts[context as usize].ttl.is_empty() {
                return Err(Unsupported::NoTtl);
            }
            let body_start = if blank {
                if owner_context != Some(context) {
                    return Err(Unsupported::InheritedOwner);
                }
                start
            } else {
                if first.quoted || first.escaped {
                    return Err(Unsupported::OwnerText);
                }
                owner = owner_hash_of(first.text, &origin_text);
                let start = at(first.text);
                out.stated += 1;
                if detail == Detail::Entries {
                    out.owners.push(Owner {
                        token: (start, start + first.text.len()),
                        context,
                    });
                }
                owner_context = Some(context);
                start + first.text.len()
            };
            // The entry's text after its owner, as written (a change to its spacing
            // or comment is a change: the owner is read again, and found the same).
            let mut h = FixedState::with_seed(SEED).build_hasher();
            h.write_u64(owner);
            h.write_u32(context);
            h.write(&text[body_start..end]);
            let hash = h.finish();
            out.pairs.push((hash, owner));
            if detail == Detail::Entries {
                out.entries.push(Entry {
                    owner,
                    context,
                    owner_at: (out.owners.len() - 1) as u32,
                    body: (body_start, end),
                });
            }
        }
        if eof {
            break;
        }
    }
    Ok(out)
}

/// Applies a `$` directive to the scan's context.
fn directive(
    tokens: &[Token<'_>],
    out: &mut Scan,
    origin_text: &mut Vec<u8>,
) -> Result<(), Unsupported> {
    let current = out.contexts.last().expect("one context at least");
    let (origin, ttl) = (current.origin.clone(), current.ttl.clone());
    let arg = tokens.get(1).filter(|t| !t.quoted).map(|t| t.text);
    let first = tokens[0].text;
    if first.eq_ignore_ascii_case(b"$ORIGIN") {
        let name = arg
            .and_then(|a| Name::parse_bytes(a, Some(&origin)).ok())
            .ok_or(Unsupported::Findings)?;
        *origin_text = name_text(&name);
        out.contexts.push(Context { origin: name, ttl });
    } else if first.eq_ignore_ascii_case(b"$TTL") {
        let ttl = arg.ok_or(Unsupported::Findings)?.to_vec();
        out.contexts.push(Context { origin, ttl });
    } else if first.eq_ignore_ascii_case(b"$INCLUDE") {
        return Err(Unsupported::Directive("$INCLUDE"));
    } else if first.eq_ignore_ascii_case(b"$GENERATE") {
        return Err(Unsupported::Directive("$GENERATE"));
    } else {
        // Unknown directives are the parser's to report.
        return Err(Unsupported::Findings);
    }
    Ok(())
}

/// The absolute text of an owner token under the origin whose text is `origin`.
fn absolute_owner(token: &[u8], origin: &[u8]) -> Vec<u8> {
    if token == b"@" {
        return origin.to_vec();
    }
    if token.ends_with(b".") {
        return token.to_vec();
    }
    let mut out = Vec::with_capacity(token.len() + origin.len() + 1);
    out.extend_from_slice(token);
    if origin != b"." {
        out.push(b'.');
    }
    out.extend_from_slice(origin);
    out
}

//----------- apply_edit -------------------------------------------------------------

/// What [`apply_edit`] made.
#[derive(Debug)]
pub struct Edited {
    /// The new version, as the whole-file path would build it from the text.
    pub version: ZoneVersion,
    /// The index of the new text, for the next edit.
    pub index: TextIndex,
    /// Owner names whose records changed.
    pub touched: usize,
}

/// The version that the zone file text `text` makes, given that `served` was built
/// from the text that `old` indexes (its SOA serial may have been advanced since).
///
/// `file` labels the parse (its findings are not reported from here: any finding
/// sends the edit to the whole-file path). Blocks on CPU in proportion to the text
/// (lexing) and to the edit (parsing, applying); call it off the runtime.
pub fn apply_edit(
    served: &ZoneVersion,
    old: &TextIndex,
    text: &[u8],
    file: &Path,
    opts: &ParseOptions,
) -> Result<Edited, Unsupported> {
    let origin = served.origin();
    let mut scan = scan(text, origin, Detail::Entries)?;
    let index = scan.index();
    let mut touched = changed_owners(old, &index);
    let apex = owner_hash(&name_text(origin));
    touched.insert(apex);
    let owners = index.owners.max(old.owners).max(1);
    if touched.len() > MIN_TOUCHED_LIMIT && touched.len() * 100 > owners * MAX_TOUCHED_SHARE {
        return Err(Unsupported::TooLarge {
            touched: touched.len(),
            owners,
        });
    }

    // The touched owners' entries of the new text, as a text of their own.
    let mut part = Vec::new();
    let mut context = u32::MAX;
    for e in scan.entries.iter().filter(|e| touched.contains(&e.owner)) {
        if e.context != context {
            context = e.context;
            let c = &scan.contexts[context as usize];
            part.extend_from_slice(b"$ORIGIN ");
            part.extend_from_slice(&name_text(&c.origin));
            part.extend_from_slice(b"\n$TTL ");
            part.extend_from_slice(&c.ttl);
            part.push(b'\n');
        }
        let o = &scan.owners[e.owner_at as usize];
        let origin_text = name_text(&scan.contexts[o.context as usize].origin);
        part.extend_from_slice(&absolute_owner(&text[o.token.0..o.token.1], &origin_text));
        part.push(b' ');
        part.extend_from_slice(&text[e.body.0..e.body.1]);
        if !part.ends_with(b"\n") {
            part.push(b'\n');
        }
    }
    let parsed = parse_bytes(&part, file, origin, opts);
    if !parsed.findings.is_empty() {
        return Err(Unsupported::Findings);
    }
    let new_part = ZoneVersion::from_records(origin.clone(), served.class(), parsed.records)
        .map_err(|_| Unsupported::Findings)?;

    // The same owners in the served version.
    let mut names: Vec<Name> = new_part.nodes().iter().map(|n| n.name().clone()).collect();
    let mut found: HashSet<u64, FixedState> = HashSet::with_hasher(FixedState::with_seed(SEED));
    found.extend(names.iter().map(|n| owner_hash(&name_text(n))));
    if found.len() < touched.len() {
        // Owners whose every entry went: find them among the served names.
        let missing: HashSet<u64, FixedState> = touched.difference(&found).copied().collect();
        for node in served.nodes() {
            let h = owner_hash(&name_text(node.name()));
            if missing.contains(&h) && found.insert(h) {
                names.push(node.name().clone());
            }
        }
        if found.len() < touched.len() {
            return Err(Unsupported::Mismatch);
        }
    }
    let mut old_records: Vec<Record> = Vec::new();
    for name in &names {
        if let Some(node) = served.get(name) {
            for set in node.rrsets() {
                old_records.extend(set.to_records(node.name(), served.class()));
            }
        }
    }
    let old_part = ZoneVersion::from_records(origin.clone(), served.class(), old_records)
        .map_err(|_| Unsupported::Mismatch)?;
    let changes = diff(&old_part, &new_part);
    let version = served.apply(&changes).map_err(|_| Unsupported::Mismatch)?;
    check_touched(served, &version, &names)?;
    Ok(Edited {
        version,
        index,
        touched: names.len(),
    })
}

/// The owners whose entries differ between two indexes.
fn changed_owners(old: &TextIndex, new: &TextIndex) -> HashSet<u64, FixedState> {
    let mut out = HashSet::with_hasher(FixedState::with_seed(SEED));
    let (a, b) = (&old.entries, &new.entries);
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x == y => {
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x < y => {
                out.insert(x.1);
                i += 1;
            }
            (Some(_), Some(y)) => {
                out.insert(y.1);
                j += 1;
            }
            (Some(x), None) => {
                out.insert(x.1);
                i += 1;
            }
            (None, Some(y)) => {
                out.insert(y.1);
                j += 1;
            }
            (None, None) => break,
        }
    }
    out
}

/// The semantic checks of [`super::check`] over the part of `new` an edit at `names`
/// can affect: those nodes, their ancestors, the apex, and the targets of their NS,
/// MX and SRV records. Errors there, or an edit whose effect reaches further (the
/// last address of a name removed, a DNAME above existing names), send the edit to
/// the whole-file path.
fn check_touched(
    served: &ZoneVersion,
    new: &ZoneVersion,
    names: &[Name],
) -> Result<(), Unsupported> {
    let origin = new.origin();
    let mut subset: Vec<Name> = vec![origin.clone()];
    let mut lost: Vec<&Name> = Vec::new();
    for name in names {
        let had_address = served
            .get(name)
            .is_some_and(|n| n.has(Rtype::A) || n.has(Rtype::AAAA));
        let node = new.get(name);
        let has_address = node.is_some_and(|n| n.has(Rtype::A) || n.has(Rtype::AAAA));
        if had_address && !has_address {
            lost.push(name);
        }
        let Some(node) = node else { continue };
        if node.has(Rtype::DNAME) && has_descendants(new, name) {
            return Err(Unsupported::NeedsWholeCheck);
        }
        let mut up = name.parent();
        while let Some(p) = up {
            if !p.ends_with(origin) {
                break;
            }
            subset.push(p.clone());
            up = p.parent();
        }
        subset.push(name.clone());
        for set in node.rrsets() {
            if matches!(set.rtype, Rtype::NS | Rtype::MX | Rtype::SRV) {
                for r in set.to_records(node.name(), new.class()) {
                    if let Some(target) = super::rrset::rdata_target(r.rtype, &r.rdata)
                        && target.ends_with(origin)
                    {
                        subset.push(target);
                    }
                }
            }
        }
    }
    if !lost.is_empty() && ns_targets_any(new, &lost) {
        return Err(Unsupported::NeedsWholeCheck);
    }
    subset.sort();
    subset.dedup();
    let mut records = Vec::new();
    for name in &subset {
        if let Some(node) = new.get(name) {
            for set in node.rrsets() {
                records.extend(set.to_records(node.name(), new.class()));
            }
        }
    }
    let errors = check_records(origin, &records, &[])
        .iter()
        .any(|f| f.severity == Severity::Error);
    if errors {
        return Err(Unsupported::NeedsWholeCheck);
    }
    Ok(())
}

/// True when an NS record of `version` names one of `names` (whose last address
/// went): a walk over the nodes, decoding only NS RRsets.
fn ns_targets_any(version: &ZoneVersion, names: &[&Name]) -> bool {
    version
        .nodes()
        .iter()
        .filter_map(|n| n.rrset(Rtype::NS))
        .any(|set| {
            set.rdatas().any(|rdata| {
                super::rrset::rdata_target(Rtype::NS, rdata).is_some_and(|t| names.contains(&&t))
            })
        })
}

/// True when some node of `version` is below `name`.
fn has_descendants(version: &ZoneVersion, name: &Name) -> bool {
    let nodes = version.nodes();
    let at = nodes.partition_point(|n| n.name() <= name);
    nodes.get(at).is_some_and(|n| n.name().is_below(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::Class;
    use crate::zone::check::check_records_ordered;
    use crate::zone::version::canonical_order_of;

    fn origin() -> Name {
        Name::parse("example.com.", None).unwrap()
    }

    /// The whole-file path of a primary zone: parse, check, build; `None` when the
    /// zone must not be served.
    fn whole(text: &str) -> Option<ZoneVersion> {
        let origin = origin();
        let parsed = parse_bytes(
            text.as_bytes(),
            Path::new("t.zone"),
            &origin,
            &ParseOptions::default(),
        );
        if parsed.has_errors() {
            return None;
        }
        let order = canonical_order_of(&origin, &parsed.records);
        let findings =
            check_records_ordered(&origin, &parsed.records, &parsed.positions, Some(&order));
        if findings.iter().any(|f| f.severity == Severity::Error) {
            return None;
        }
        ZoneVersion::from_records_ordered(origin, Class::IN, parsed.records, order).ok()
    }

    /// Every edit of these tests reads its index back from octets, as the primary
    /// reads one it kept in a file.
    fn edit(served: &ZoneVersion, old: &str, new: &str) -> Result<Edited, Unsupported> {
        let index = index_text(old.as_bytes(), served.origin()).unwrap();
        let index = TextIndex::from_bytes(&index.to_bytes()).expect("reads back");
        apply_edit(
            served,
            &index,
            new.as_bytes(),
            Path::new("t.zone"),
            &ParseOptions::default(),
        )
    }

    /// An index read back from its octets is the index; octets that cannot be one
    /// (cut, or entries out of order) are refused.
    #[test]
    fn an_index_reads_back_from_its_octets() {
        let index = index_text(BASE.as_bytes(), &origin()).unwrap();
        let bytes = index.to_bytes();
        assert_eq!(bytes.len(), 8 + 16 * index.len());
        let back = TextIndex::from_bytes(&bytes).expect("reads back");
        assert_eq!((back.len(), back.owners), (index.len(), index.owners));
        assert_eq!(back.to_bytes(), bytes);
        assert!(TextIndex::from_bytes(&bytes[..bytes.len() - 1]).is_none());
        assert!(TextIndex::from_bytes(&bytes[..7]).is_none());
        let mut swapped = bytes.clone();
        let (a, b) = (8..24, 24..40);
        let first = swapped[a.clone()].to_vec();
        swapped.copy_within(b.clone(), a.start);
        swapped[b].copy_from_slice(&first);
        assert!(TextIndex::from_bytes(&swapped).is_none(), "out of order");
        let empty = TextIndex::default().to_bytes();
        assert_eq!(TextIndex::from_bytes(&empty).map(|i| i.len()), Some(0));
    }

    const BASE: &str = "$ORIGIN example.com.\n$TTL 300\n\
        @ IN SOA ns1 hostmaster ( 1 3600 600\n 86400 300 ) ; the SOA\n\
        @ NS ns1\n  NS ns2.example.net.\n\
        ns1 A 192.0.2.1\n\
        www CNAME host1\n\
        mail MX 10 host2\n\
        sub NS ns.sub\nns.sub A 192.0.2.53\n\
        host1 A 10.0.0.1\n  TXT \"one\"\nhost2 A 10.0.0.2\nhost3 A 10.0.0.3\n\
        host4 A 10.0.0.4\nhost5 A 10.0.0.5\nhost6 A 10.0.0.6\nhost7 A 10.0.0.7\n\
        host8 A 10.0.0.8\nhost9 A 10.0.0.9\nhost10 A 10.0.0.10\nhost11 A 10.0.0.11\n\
        host12 A 10.0.0.12\n\
        $ORIGIN other.example.com.\na A 10.1.1.1\nb 60 A 10.1.1.2\n";

    /// One edit of a zone file's lines, as an operator might make it.
    fn mutate(rng: &mut Rng, lines: &mut Vec<String>) {
        let mut hosts: Vec<usize> = (0..lines.len())
            .filter(|&i| lines[i].starts_with("host"))
            .collect();
        if hosts.is_empty() {
            let at = lines.iter().position(|l| l.starts_with("www")).unwrap();
            lines.insert(at + 1, "host1 A 10.0.0.1".to_string());
            hosts.push(at + 1);
        }
        let host = hosts[rng.below(hosts.len())];
        let n = rng.below(100);
        match rng.below(14) {
            0 => lines[host] = format!("{} A 10.9.{}.{}", owner(&lines[host]), n, rng.below(250)),
            1 => {
                lines.remove(host);
            }
            2 => lines.insert(host + 1, format!("new{n} A 10.8.0.{n}")),
            3 => lines.insert(host + 1, format!("  AAAA 2001:db8::{n:x}")),
            4 => lines[host] = format!("{} ; a comment {n}", lines[host]),
            5 => lines[host] = format!("{} 3600 A 10.7.0.{n}", owner(&lines[host])),
            6 => {
                let soa = lines.iter().position(|l| l.contains("SOA")).unwrap();
                lines[soa] = format!("@ IN SOA ns1 hostmaster ( {} 3600 600", n + 2);
            }
            7 => lines.insert(host, lines[host].clone()),
            // An error: a CNAME beside other data.
            8 => lines.insert(host + 1, format!("{} CNAME www", owner(&lines[host]))),
            // The glue of the delegation goes.
            9 => {
                if let Some(at) = lines.iter().position(|l| l.starts_with("ns.sub")) {
                    lines[at] = "ns.sub TXT \"no address\"".to_string();
                }
            }
            // A DNAME above existing names.
            10 => lines.insert(host, "other DNAME example.net.".to_string()),
            11 => lines.insert(
                host + 1,
                format!("multi{n} ( TXT\n \"line one\"\n \"line two\" )"),
            ),
            12 => lines[host] = lines[host].to_uppercase(),
            _ => {
                // Every record of one owner goes.
                let o = owner(&lines[host]);
                lines.retain(|l| owner(l) != o);
            }
        }
    }

    fn owner(line: &str) -> String {
        line.split_whitespace().next().unwrap_or("").to_string()
    }

    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n as u64) as usize
        }
    }

    #[test]
    fn the_fast_path_builds_what_the_whole_file_path_builds() {
        let mut rng = Rng(0x1234_5678_9abc_def1);
        let (mut fast, mut slow, mut refused) = (0, 0, 0);
        for _ in 0..400 {
            let mut lines: Vec<String> = BASE.lines().map(str::to_string).collect();
            let old = format!("{}\n", lines.join("\n"));
            let served = whole(&old).expect("the base zone loads");
            for _ in 0..1 + rng.below(3) {
                mutate(&mut rng, &mut lines);
            }
            let new = format!("{}\n", lines.join("\n"));
            let expected = whole(&new);
            match (edit(&served, &old, &new), expected) {
                (Ok(e), Some(v)) => {
                    assert!(e.version == v, "the fast path differs:\n{old}\n---\n{new}");
                    fast += 1;
                }
                (Ok(_), None) => panic!("the fast path accepted a refused zone:\n{new}"),
                (Err(_), Some(_)) => slow += 1,
                (Err(_), None) => refused += 1,
            }
        }
        // Most plain edits take the fast path; every refusal was left to the slow one.
        assert!(fast > 200, "fast {fast}, slow {slow}, refused {refused}");
        assert!(refused > 20, "fast {fast}, slow {slow}, refused {refused}");
    }

    #[test]
    fn chained_edits_stay_equal_to_the_whole_file() {
        let mut rng = Rng(0x0bad_cafe_f00d_d00d);
        let mut lines: Vec<String> = BASE.lines().map(str::to_string).collect();
        let mut text = format!("{}\n", lines.join("\n"));
        let mut served = whole(&text).unwrap();
        let mut index = index_text(text.as_bytes(), &origin()).unwrap();
        for _ in 0..300 {
            let mut next = lines.clone();
            mutate(&mut rng, &mut next);
            let new = format!("{}\n", next.join("\n"));
            let Some(expected) = whole(&new) else {
                continue;
            };
            let opts = ParseOptions::default();
            if let Ok(e) = apply_edit(&served, &index, new.as_bytes(), Path::new("t"), &opts) {
                assert!(e.version == expected, "{text}\n---\n{new}");
                index = e.index;
            } else {
                index = index_text(new.as_bytes(), &origin()).unwrap();
            }
            served = expected;
            lines = next;
            text = new;
        }
    }

    #[test]
    fn comments_and_blanks_change_no_record() {
        let served = whole(BASE).unwrap();
        let new = BASE.replace("host3 A 10.0.0.3", "host3    A   10.0.0.3 ; moved");
        let e = edit(&served, BASE, &new).unwrap();
        assert!(e.version == served);
        // The apex, which is always looked at, and host3, read again.
        assert_eq!(e.touched, 2);
    }

    #[test]
    fn what_goes_to_the_whole_file_path() {
        let served = whole(BASE).unwrap();
        let cases: &[(&str, Unsupported)] = &[
            ("$INCLUDE other.zone\n", Unsupported::Directive("$INCLUDE")),
            (
                "$GENERATE 1-2 h$ A 10.0.0.$\n",
                Unsupported::Directive("$GENERATE"),
            ),
            ("x\\.y A 10.0.0.1\n", Unsupported::OwnerText),
            ("host3 A not-an-address\n", Unsupported::Findings),
            ("host3 CNAME www\n", Unsupported::NeedsWholeCheck),
            ("  A 10.0.0.99\n", Unsupported::InheritedOwner),
        ];
        for (extra, why) in cases {
            let new = format!("{BASE}$ORIGIN example.com.\n{extra}");
            assert_eq!(edit(&served, BASE, &new).unwrap_err(), *why, "{extra}");
        }
        let no_ttl = BASE.replace("$TTL 300\n", "");
        assert_eq!(
            index_text(no_ttl.as_bytes(), &origin()).unwrap_err(),
            Unsupported::NoTtl
        );
        let glue = BASE.replace("ns.sub A 192.0.2.53", "ns.sub TXT \"gone\"");
        assert_eq!(
            edit(&served, BASE, &glue).unwrap_err(),
            Unsupported::NeedsWholeCheck
        );
    }

    #[test]
    fn a_large_edit_is_left_to_the_whole_file_path() {
        let hosts: String = (0..1000)
            .map(|i| format!("h{i} A 10.0.{}.{}\n", i / 250, i % 250))
            .collect();
        let old = format!("{BASE}{hosts}");
        let served = whole(&old).unwrap();
        let new = old.replace(" A 10.0.", " A 10.3.");
        assert!(matches!(
            edit(&served, &old, &new),
            Err(Unsupported::TooLarge { .. })
        ));
        // A hundred of a thousand owners is still an edit.
        let some = old.replace(" A 10.0.3.2", " A 10.3.3.2");
        assert!(edit(&served, &old, &some).unwrap().version == whole(&some).unwrap());
    }
}
