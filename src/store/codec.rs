//! Byte encodings of what the store keeps: records (uncompressed wire form, as in
//! RFC 1035 §4.1.3) and changesets (journal entries).
//!
//! Pure functions, no redb: the store (`super`) calls them inside its transactions.
//! Decoding checks every length, so a damaged database gives a [`CodecError`], never a
//! panic or a wrong record.

use crate::zone::changeset::Changeset;
use crate::zone::name::wire_name_len;
use crate::zone::{Class, Name, Rdata, Record, Rtype};

/// Version byte at the start of every encoded changeset; a future format change
/// bumps it and keeps a decoder for the old one.
const CHANGESET_FORMAT: u8 = 1;

//----------- Records ----------------------------------------------------------------

/// Appends `rec` in uncompressed wire form.
pub fn put_record(out: &mut Vec<u8>, rec: &Record) {
    rec.write_wire(out);
}

/// Reads one record in uncompressed wire form from the start of `buf`; returns it and
/// the bytes used.
pub fn get_record(buf: &[u8]) -> Result<(Record, usize), CodecError> {
    let name_len = wire_name_len(buf).map_err(|_| CodecError("bad owner name"))?;
    let owner = Name::from_wire(&buf[..name_len]).map_err(|_| CodecError("bad owner name"))?;
    let fixed = buf
        .get(name_len..name_len + 10)
        .ok_or(CodecError("truncated record header"))?;
    let rtype = Rtype(u16::from_be_bytes([fixed[0], fixed[1]]));
    let class = Class(u16::from_be_bytes([fixed[2], fixed[3]]));
    let ttl = u32::from_be_bytes([fixed[4], fixed[5], fixed[6], fixed[7]]);
    let rdlen = u16::from_be_bytes([fixed[8], fixed[9]]) as usize;
    let start = name_len + 10;
    let rdata = buf
        .get(start..start + rdlen)
        .ok_or(CodecError("truncated RDATA"))?;
    Ok((
        Record::new(owner, class, rtype, ttl, Rdata::from_wire(rdata)),
        start + rdlen,
    ))
}

/// Appends a counted list of records.
fn put_records(out: &mut Vec<u8>, recs: &[Record]) {
    out.extend_from_slice(&(recs.len() as u32).to_be_bytes());
    for r in recs {
        put_record(out, r);
    }
}

/// Reads a counted list of records; returns them and the bytes used.
fn get_records(buf: &[u8]) -> Result<(Vec<Record>, usize), CodecError> {
    let count = buf.get(..4).ok_or(CodecError("truncated record count"))?;
    let count = u32::from_be_bytes([count[0], count[1], count[2], count[3]]) as usize;
    let mut pos = 4;
    // The count came from disk: do not trust it for an allocation.
    let mut recs = Vec::with_capacity(count.min(buf.len() / 11));
    for _ in 0..count {
        let (r, used) = get_record(&buf[pos..])?;
        recs.push(r);
        pos += used;
    }
    Ok((recs, pos))
}

//----------- Changesets -------------------------------------------------------------

/// Encodes a changeset: format byte, from-SOA, to-SOA, removed, added.
pub fn encode_changeset(cs: &Changeset) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + 48 * (cs.removed.len() + cs.added.len()));
    out.push(CHANGESET_FORMAT);
    put_record(&mut out, &cs.from_soa);
    put_record(&mut out, &cs.to_soa);
    put_records(&mut out, &cs.removed);
    put_records(&mut out, &cs.added);
    out
}

/// Decodes what [`encode_changeset`] wrote.
pub fn decode_changeset(buf: &[u8]) -> Result<Changeset, CodecError> {
    match buf.first() {
        Some(&CHANGESET_FORMAT) => {}
        Some(_) => return Err(CodecError("unknown changeset format")),
        None => return Err(CodecError("empty changeset")),
    }
    let mut pos = 1;
    let (from_soa, used) = get_record(&buf[pos..])?;
    pos += used;
    let (to_soa, used) = get_record(&buf[pos..])?;
    pos += used;
    let (removed, used) = get_records(&buf[pos..])?;
    pos += used;
    let (added, used) = get_records(&buf[pos..])?;
    pos += used;
    if pos != buf.len() {
        return Err(CodecError("trailing bytes after changeset"));
    }
    Ok(Changeset {
        from_soa,
        to_soa,
        removed,
        added,
    })
}

//----------- Record rows ------------------------------------------------------------

/// The key of a record's row in a zone's record table: lower-cased owner, type,
/// class, RDATA. Lower-casing makes `WWW` and `www` one row, as DNS compares names.
pub fn record_key(rec: &Record) -> Vec<u8> {
    let mut key = Vec::new();
    record_key_into(
        &rec.owner,
        rec.rtype,
        rec.class,
        rec.rdata.as_wire(),
        &mut key,
    );
    key
}

/// [`record_key`] from a record's parts, into `key` (cleared first).
pub fn record_key_into(owner: &Name, rtype: Rtype, class: Class, rdata: &[u8], key: &mut Vec<u8>) {
    let owner = owner.as_wire();
    key.clear();
    key.reserve(owner.len() + 4 + rdata.len());
    key.extend(owner.iter().map(u8::to_ascii_lowercase));
    key.extend_from_slice(&rtype.0.to_be_bytes());
    key.extend_from_slice(&class.0.to_be_bytes());
    key.extend_from_slice(rdata);
}

/// The value of a record's row: TTL, then the owner as written when its case differs
/// from the key's.
pub fn record_value(rec: &Record) -> Vec<u8> {
    let mut v = Vec::new();
    record_value_into(&rec.owner, rec.ttl, &mut v);
    v
}

/// [`record_value`] from a record's owner and TTL, into `value` (cleared first).
pub fn record_value_into(owner: &Name, ttl: u32, value: &mut Vec<u8>) {
    value.clear();
    value.extend_from_slice(&ttl.to_be_bytes());
    let owner = owner.as_wire();
    if owner.iter().any(u8::is_ascii_uppercase) {
        value.extend_from_slice(owner);
    }
}

/// Rebuilds a record from its row.
pub fn record_from_row(key: &[u8], value: &[u8]) -> Result<Record, CodecError> {
    record_from_row_after(key, value, None)
}

/// [`record_from_row`] of the row after the one that made `previous`: the rows of one
/// owner are adjacent (the key starts with the owner), so an owner written the same
/// is shared with the previous record (a reference count, not an allocation: the
/// nodes of a version built from these records compare owners by pointer first).
pub fn record_from_row_after(
    key: &[u8],
    value: &[u8],
    previous: Option<&Record>,
) -> Result<Record, CodecError> {
    let name_len = wire_name_len(key).map_err(|_| CodecError("bad owner in row key"))?;
    let fixed = key
        .get(name_len..name_len + 4)
        .ok_or(CodecError("truncated row key"))?;
    let rtype = Rtype(u16::from_be_bytes([fixed[0], fixed[1]]));
    let class = Class(u16::from_be_bytes([fixed[2], fixed[3]]));
    let rdata = Rdata::from_wire(&key[name_len + 4..]);
    let ttl = value.get(..4).ok_or(CodecError("truncated row value"))?;
    let ttl = u32::from_be_bytes([ttl[0], ttl[1], ttl[2], ttl[3]]);
    let owner_wire = if value.len() > 4 {
        &value[4..]
    } else {
        &key[..name_len]
    };
    let owner = match previous {
        Some(p) if p.owner.as_wire() == owner_wire => p.owner.clone(),
        _ => Name::from_wire(owner_wire).map_err(|_| CodecError("bad owner in row"))?,
    };
    Ok(Record::new(owner, class, rtype, ttl, rdata))
}

//============ Errors ================================================================

/// Stored bytes that do not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("damaged store data: {0}")]
pub struct CodecError(pub &'static str);

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(owner: &str, rtype: Rtype, ttl: u32, rdata: &[u8]) -> Record {
        Record::new(
            owner.parse().unwrap(),
            Class::IN,
            rtype,
            ttl,
            Rdata::from_wire(rdata),
        )
    }

    fn soa(serial: u32) -> Record {
        let mut rdata = b"\x02ns\x00\x02hm\x00".to_vec();
        for v in [serial, 3600, 600, 86400, 300] {
            rdata.extend_from_slice(&v.to_be_bytes());
        }
        rec("example.", Rtype::SOA, 3600, &rdata)
    }

    #[test]
    fn changeset_round_trip() {
        let cs = Changeset {
            from_soa: soa(1),
            to_soa: soa(2),
            removed: vec![rec("a.example.", Rtype::A, 60, &[192, 0, 2, 1])],
            added: vec![
                rec("A.example.", Rtype::A, 60, &[192, 0, 2, 2]),
                rec("b.example.", Rtype(65534), 0, &[]),
            ],
        };
        let bytes = encode_changeset(&cs);
        let back = decode_changeset(&bytes).unwrap();
        assert_eq!(back.from_soa, cs.from_soa);
        assert_eq!(back.to_soa, cs.to_soa);
        assert_eq!(back.removed, cs.removed);
        assert_eq!(back.added, cs.added);
        // Case is kept exactly.
        assert_eq!(back.added[0].owner.to_string(), "A.example.");
        for cut in 0..bytes.len() {
            assert!(decode_changeset(&bytes[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn rows_round_trip_and_fold_case() {
        let upper = rec("WWW.example.", Rtype::A, 300, &[192, 0, 2, 80]);
        let lower = rec("www.example.", Rtype::A, 300, &[192, 0, 2, 80]);
        assert_eq!(record_key(&upper), record_key(&lower));
        let back = record_from_row(&record_key(&upper), &record_value(&upper)).unwrap();
        assert_eq!(back.owner.to_string(), "WWW.example.");
        assert_eq!(back, upper);
        let back = record_from_row(&record_key(&lower), &record_value(&lower)).unwrap();
        assert_eq!(back.owner.to_string(), "www.example.");
        assert!(record_from_row(b"\x03ww", b"").is_err());
        assert!(record_from_row(&record_key(&lower), b"\x00").is_err());
    }

    #[test]
    fn rows_of_one_owner_share_its_name_when_written_the_same() {
        let row = |r: &Record| (record_key(r), record_value(r));
        let a = rec("www.example.", Rtype::A, 300, &[192, 0, 2, 80]);
        let aaaa = rec("www.example.", Rtype::AAAA, 300, &[0; 16]);
        let upper = rec("WWW.example.", Rtype::TXT, 300, &[1, b'x']);
        let first = record_from_row(&row(&a).0, &row(&a).1).unwrap();
        let (k, v) = row(&aaaa);
        let second = record_from_row_after(&k, &v, Some(&first)).unwrap();
        assert_eq!(second, aaaa);
        assert!(second.owner.shares_bytes(&first.owner));
        let (k, v) = row(&upper);
        let third = record_from_row_after(&k, &v, Some(&second)).unwrap();
        assert_eq!(third.owner.to_string(), "WWW.example.");
        assert!(!third.owner.shares_bytes(&second.owner));
    }
}
