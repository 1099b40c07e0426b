//! The fields of an SOA record, read from (and written back to) wire RDATA.
//!
//! RDATA is kept in wire form ([`Rdata`]), so everything that needs the serial or the
//! timers of a zone — [`ZoneVersion::serial`](super::ZoneVersion::serial), the checks,
//! the refresh timers, a primary rewriting its serial — reads them through [`Soa`].
//!
//! # Standards
//! - RFC 1035 §3.3.13: SOA RDATA is `MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM`,
//!   two domain names followed by five 32-bit unsigned integers.
//! - RFC 2308 §4: MINIMUM is the TTL of negative answers.

use super::name::{Name, NameError, wire_name_len};
use super::record::Rdata;

/// Length of the five 32-bit fields that end SOA RDATA.
const FIXED_LEN: usize = 20;

//----------- Soa --------------------------------------------------------------------

/// The decoded fields of SOA RDATA.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Soa {
    /// MNAME: the primary name server.
    pub mname: Name,
    /// RNAME: the mailbox of the person responsible, as a name.
    pub rname: Name,
    /// SERIAL (RFC 1982 arithmetic applies: see [`super::serial`]).
    pub serial: u32,
    /// REFRESH: seconds between refresh checks by secondaries.
    pub refresh: u32,
    /// RETRY: seconds before a failed refresh is retried.
    pub retry: u32,
    /// EXPIRE: seconds after which a secondary that cannot refresh stops answering.
    pub expire: u32,
    /// MINIMUM: the negative-caching TTL (RFC 2308 §4).
    pub minimum: u32,
}

impl Soa {
    /// Decodes SOA RDATA.
    pub fn from_rdata(wire: &[u8]) -> Result<Soa, SoaError> {
        let mlen = wire_name_len(wire).map_err(SoaError::Name)?;
        let mname = Name::from_wire(&wire[..mlen]).map_err(SoaError::Name)?;
        let rest = &wire[mlen..];
        let rlen = wire_name_len(rest).map_err(SoaError::Name)?;
        let rname = Name::from_wire(&rest[..rlen]).map_err(SoaError::Name)?;
        let fixed = &rest[rlen..];
        if fixed.len() != FIXED_LEN {
            return Err(SoaError::Length);
        }
        let field = |i: usize| {
            u32::from_be_bytes([
                fixed[4 * i],
                fixed[4 * i + 1],
                fixed[4 * i + 2],
                fixed[4 * i + 3],
            ])
        };
        Ok(Soa {
            mname,
            rname,
            serial: field(0),
            refresh: field(1),
            retry: field(2),
            expire: field(3),
            minimum: field(4),
        })
    }

    /// Encodes the fields as SOA RDATA.
    pub fn to_rdata(&self) -> Rdata {
        let mut wire = Vec::with_capacity(self.mname.wire_len() + self.rname.wire_len() + 20);
        wire.extend_from_slice(self.mname.as_wire());
        wire.extend_from_slice(self.rname.as_wire());
        for v in [
            self.serial,
            self.refresh,
            self.retry,
            self.expire,
            self.minimum,
        ] {
            wire.extend_from_slice(&v.to_be_bytes());
        }
        Rdata::from_wire(wire)
    }
}

/// The SERIAL of SOA RDATA, without decoding the names into [`Name`]s.
pub fn serial_of(wire: &[u8]) -> Result<u32, SoaError> {
    let start = fixed_start(wire)?;
    let b = &wire[start..start + 4];
    Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// SOA RDATA with its SERIAL replaced by `serial` (a primary applying its serial
/// policy); everything else stays byte for byte.
pub fn with_serial(wire: &[u8], serial: u32) -> Result<Rdata, SoaError> {
    let start = fixed_start(wire)?;
    let mut out = wire.to_vec();
    out[start..start + 4].copy_from_slice(&serial.to_be_bytes());
    Ok(Rdata::from_wire(out))
}

/// Offset of SERIAL in SOA RDATA, checking the overall shape.
fn fixed_start(wire: &[u8]) -> Result<usize, SoaError> {
    let mlen = wire_name_len(wire).map_err(SoaError::Name)?;
    let rlen = wire_name_len(&wire[mlen..]).map_err(SoaError::Name)?;
    let start = mlen + rlen;
    if wire.len() - start != FIXED_LEN {
        return Err(SoaError::Length);
    }
    Ok(start)
}

//============ Errors ================================================================

/// Why RDATA is not valid SOA RDATA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SoaError {
    /// MNAME or RNAME is malformed.
    #[error("bad name in SOA RDATA: {0}")]
    Name(NameError),
    /// The five 32-bit fields are missing or followed by extra data.
    #[error("SOA RDATA has the wrong length")]
    Length,
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Soa {
        Soa {
            mname: "ns1.example.com.".parse().unwrap(),
            rname: "hostmaster.example.com.".parse().unwrap(),
            serial: 2024010101,
            refresh: 3600,
            retry: 600,
            expire: 1_209_600,
            minimum: 300,
        }
    }

    #[test]
    fn round_trip() {
        let soa = sample();
        let rdata = soa.to_rdata();
        assert_eq!(Soa::from_rdata(&rdata).unwrap(), soa);
        assert_eq!(serial_of(&rdata), Ok(2024010101));
        let bumped = with_serial(&rdata, 7).unwrap();
        assert_eq!(serial_of(&bumped), Ok(7));
        assert_eq!(Soa::from_rdata(&bumped).unwrap().minimum, 300);
    }

    #[test]
    fn rejects_bad_lengths() {
        let mut wire = sample().to_rdata().as_wire().to_vec();
        wire.push(0);
        assert_eq!(
            Soa::from_rdata(&Rdata::from_wire(wire.clone())),
            Err(SoaError::Length)
        );
        wire.truncate(wire.len() - 5);
        assert_eq!(serial_of(&Rdata::from_wire(wire)), Err(SoaError::Length));
        assert!(Soa::from_rdata(&Rdata::from_wire(vec![3, b'a'])).is_err());
        assert!(serial_of(&Rdata::from_wire(Vec::new())).is_err());
    }
}
