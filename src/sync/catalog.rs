//! Catalog zones (RFC 9432, version 2): the zone list that super masters publish and
//! super slaves consume. Pure functions, no I/O.
//!
//! A super master builds its catalog with [`build`] from the primary zones it serves;
//! each member carries, besides the PTR that names it, zonesync's custom property
//! `serial.ext.<id>.zones.<catalog> TXT "<serial>"`, so that one IXFR of the catalog
//! tells a super slave which members changed (bulk refresh without per-zone SOA
//! polls). A super slave reads any producer's catalog (zonesync, Knot, BIND,
//! PowerDNS) with [`parse`]; catalogs without the serial property fall back to SOA
//! checks of each member.
//!
//! # Standards
//! - RFC 9432 §4.1: the catalog has an SOA and an NS RRset (`invalid.` recommended);
//!   §4.2: `version.$CATZ TXT "2"` — "if a consumer … does not understand the version,
//!   it MUST NOT process" the catalog.
//! - §4.3: members are `<unique-id>.zones.$CATZ PTR <member>`; "unique-id" is any
//!   label; "if there is more than one PTR … the member zone MUST be ignored"; a
//!   member name listed twice under different IDs is a duplicate, the consumer picks one.
//! - §4.4.1: `coo.<unique-id>.zones.$CATZ PTR $NEWCATZ` permits migration of the
//!   member to another catalog; §4.4.2: `group.<unique-id>.zones.$CATZ TXT`;
//!   §4.4.3: custom properties live under `ext.<unique-id>.zones.$CATZ`.
//! - §5.3: a changed unique-id for the same member is a reset of the member zone.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::zone::rrset::rdata_target;
use crate::zone::soa::Soa;
use crate::zone::version::ZoneVersion;
use crate::zone::{Class, Name, Rdata, Record, Rtype};

/// The catalog schema version zonesync produces and understands.
pub const SCHEMA_VERSION: &[u8] = b"2";

/// TTL of catalog records (they are never queried by resolvers).
const TTL: u32 = 0;

//----------- Member -----------------------------------------------------------------

/// One member of a catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The unique-id label.
    pub id: Vec<u8>,
    /// The member zone.
    pub zone: Name,
    /// zonesync's `serial` property: the member's current serial at the producer.
    pub serial: Option<u32>,
    /// The `coo` property: the catalog the member may migrate to.
    pub coo: Option<Name>,
    /// The `group` property values.
    pub groups: Vec<String>,
}

/// A consumed catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    /// The catalog zone's name.
    pub name: Name,
    /// Its serial.
    pub serial: u32,
    /// Its members, by zone name (duplicates resolved: the lowest unique-id wins).
    pub members: BTreeMap<Name, Member>,
    /// True when every member carries the serial property (a zonesync producer).
    pub has_serials: bool,
}

/// A stable unique-id for a member: the first 64 bits of SHA-256 of its lower-cased
/// wire name, in hex (stable across restarts and producers' rebuilds, as Knot's are).
pub fn member_id(zone: &Name) -> String {
    let digest = Sha256::digest(zone.to_lowercase().as_wire());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

//----------- build ------------------------------------------------------------------

/// The records of a catalog zone `catalog` at `serial` listing `members` (zone and
/// serial), in no particular order.
pub fn build(catalog: &Name, serial: u32, members: &BTreeMap<Name, u32>) -> Vec<Record> {
    let invalid: Name = Name::parse("invalid.", None).expect("valid name");
    let soa = Soa {
        mname: invalid.clone(),
        rname: invalid.clone(),
        serial,
        refresh: 3600,
        retry: 600,
        expire: 2_419_200,
        minimum: 0,
    };
    let rec = |owner: Name, rtype: Rtype, rdata: Vec<u8>| {
        Record::new(owner, Class::IN, rtype, TTL, Rdata::from_wire(rdata))
    };
    let mut out = Vec::with_capacity(3 + 2 * members.len());
    out.push(rec(
        catalog.clone(),
        Rtype::SOA,
        soa.to_rdata().as_wire().to_vec(),
    ));
    out.push(rec(catalog.clone(), Rtype::NS, invalid.as_wire().to_vec()));
    out.push(rec(
        catalog.prepend(b"version").expect("short label"),
        Rtype::TXT,
        txt(SCHEMA_VERSION),
    ));
    let Ok(zones) = catalog.prepend(b"zones") else {
        return out;
    };
    for (zone, serial) in members {
        let id = member_id(zone);
        let Ok(owner) = zones.prepend(id.as_bytes()) else {
            continue;
        };
        out.push(rec(owner.clone(), Rtype::PTR, zone.as_wire().to_vec()));
        if let Ok(prop) = owner.prepend(b"ext").and_then(|n| n.prepend(b"serial")) {
            out.push(rec(prop, Rtype::TXT, txt(serial.to_string().as_bytes())));
        }
    }
    out
}

/// TXT RDATA of one character-string.
fn txt(s: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(s.len() + 1);
    v.push(s.len().min(255) as u8);
    v.extend_from_slice(&s[..s.len().min(255)]);
    v
}

//----------- parse ------------------------------------------------------------------

/// Reads a catalog zone. Members whose unique-id has more than one PTR are ignored
/// (RFC 9432 §4.3); a member listed twice keeps the lowest unique-id.
pub fn parse(version: &ZoneVersion) -> Result<Catalog, CatalogError> {
    let name = version.origin().clone();
    let apex_version = name
        .prepend(b"version")
        .map_err(|_| CatalogError::NoVersion)?;
    let schema = version
        .get(&apex_version)
        .and_then(|n| n.rrset(Rtype::TXT))
        .ok_or(CatalogError::NoVersion)?;
    let understood = schema.rdatas().any(|r| r == txt(SCHEMA_VERSION).as_slice());
    if !understood {
        let found = schema
            .first()
            .map(|r| String::from_utf8_lossy(r.get(1..).unwrap_or_default()).into_owned());
        return Err(CatalogError::UnknownVersion(found.unwrap_or_default()));
    }
    let zones = name
        .prepend(b"zones")
        .map_err(|_| CatalogError::NoVersion)?;
    let depth = zones.label_count() + 1;
    let mut members: BTreeMap<Name, Member> = BTreeMap::new();
    let mut has_serials = true;
    for node in version.nodes() {
        let owner = node.name();
        if owner.label_count() != depth || !owner.is_below(&zones) {
            continue;
        }
        let Some(ptr) = node.rrset(Rtype::PTR) else {
            continue;
        };
        let mut ptrs = ptr.rdatas();
        let (Some(only), None) = (ptrs.next(), ptrs.next()) else {
            continue;
        };
        let Some(zone) = rdata_target(Rtype::PTR, only) else {
            continue;
        };
        let id = owner.first_label().unwrap_or_default().to_vec();
        let prop = |label: &[u8]| owner.prepend(label).ok();
        let serial = prop(b"ext")
            .and_then(|ext| ext.prepend(b"serial").ok())
            .and_then(|n| version.get(&n).and_then(|n| n.rrset(Rtype::TXT)))
            .and_then(|set| set.first().and_then(parse_serial));
        let coo = prop(b"coo")
            .and_then(|n| version.get(&n).and_then(|n| n.rrset(Rtype::PTR)))
            .and_then(|set| set.first().and_then(|r| rdata_target(Rtype::PTR, r)));
        let groups = prop(b"group")
            .and_then(|n| version.get(&n).and_then(|n| n.rrset(Rtype::TXT)))
            .map(|set| {
                set.rdatas()
                    .filter_map(|r| r.get(1..).map(|s| String::from_utf8_lossy(s).into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        has_serials &= serial.is_some();
        let member = Member {
            id,
            zone: zone.clone(),
            serial,
            coo,
            groups,
        };
        match members.get(&zone) {
            Some(existing) if existing.id <= member.id => {}
            _ => {
                members.insert(zone, member);
            }
        }
    }
    Ok(Catalog {
        name,
        serial: version.serial(),
        has_serials: has_serials && !members.is_empty(),
        members,
    })
}

/// True when `a` and `b` list the same members with the same unique-ids and
/// properties (`coo`, `group`), whatever their serials: a version that changed only
/// member serials (a bulk refresh's usual catalog IXFR) changes nothing the consumer
/// decides (RFC 9432 §5). One ordered pass, no lookups.
pub fn same_members(a: &Catalog, b: &Catalog) -> bool {
    a.members.len() == b.members.len()
        && a.members
            .iter()
            .zip(&b.members)
            .all(|((za, ma), (zb, mb))| {
                za == zb && ma.id == mb.id && ma.coo == mb.coo && ma.groups == mb.groups
            })
}

/// A decimal serial in one TXT character-string.
fn parse_serial(rdata: &[u8]) -> Option<u32> {
    let (&len, rest) = rdata.split_first()?;
    let s = rest.get(..len as usize)?;
    std::str::from_utf8(s).ok()?.parse().ok()
}

//============ Errors ================================================================

/// Why a catalog cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// No `version` TXT record.
    #[error("not a catalog zone: no version TXT record (RFC 9432 §4.2)")]
    NoVersion,
    /// A schema version zonesync does not understand.
    #[error(
        "catalog schema version \"{0}\" is not understood (expected \"2\"); ignoring the catalog"
    )]
    UnknownVersion(String),
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::parse::{ParseOptions, parse_bytes};
    use std::path::Path;

    fn name(s: &str) -> Name {
        s.parse().unwrap()
    }

    fn version_of(text: &str, origin: &str) -> ZoneVersion {
        let origin = name(origin);
        let p = parse_bytes(
            text.as_bytes(),
            Path::new("cat"),
            &origin,
            &ParseOptions::default(),
        );
        assert!(!p.has_errors(), "{:?}", p.findings);
        ZoneVersion::from_records(origin, Class::IN, p.records).unwrap()
    }

    #[test]
    fn build_then_parse_round_trips_with_serials() {
        let cat = name("catalog.invalid.");
        let mut members = BTreeMap::new();
        members.insert(name("example.com."), 2024010101);
        members.insert(name("example.org."), 7);
        let v =
            ZoneVersion::from_records(cat.clone(), Class::IN, build(&cat, 3, &members)).unwrap();
        let c = parse(&v).unwrap();
        assert_eq!(c.serial, 3);
        assert!(c.has_serials);
        assert_eq!(c.members.len(), 2);
        let m = &c.members[&name("example.com.")];
        assert_eq!(m.serial, Some(2024010101));
        assert_eq!(m.id, member_id(&name("example.com.")).into_bytes());
        // IDs are stable and case-insensitive.
        assert_eq!(
            member_id(&name("EXAMPLE.com.")),
            member_id(&name("example.com."))
        );
        assert_eq!(member_id(&name("example.com.")).len(), 16);
    }

    #[test]
    fn foreign_catalog_with_properties() {
        // A catalog as BIND or Knot would produce: no serial property, coo and group.
        let text = r#"
$TTL 0
@ SOA invalid. invalid. 5 3600 600 2419200 0
@ NS invalid.
version TXT "2"
m1.zones PTR example.com.
coo.m1.zones PTR other.catalog.
group.m1.zones TXT "blue"
m2.zones PTR example.net.
m3.zones PTR dup.example.
m3.zones PTR dup2.example.
a.zones PTR example.net.
"#;
        let c = parse(&version_of(text, "cat.example.")).unwrap();
        assert!(!c.has_serials);
        assert_eq!(
            c.members.len(),
            2,
            "{:?}",
            c.members.keys().collect::<Vec<_>>()
        );
        let m1 = &c.members[&name("example.com.")];
        assert_eq!(m1.coo, Some(name("other.catalog.")));
        assert_eq!(m1.groups, vec!["blue".to_string()]);
        // example.net. is listed twice: the lowest unique-id ("a") is kept.
        assert_eq!(c.members[&name("example.net.")].id, b"a".to_vec());
    }

    #[test]
    fn membership_ignores_serials_only() {
        let m = |zone: &str, id: &str, serial: u32, coo: Option<&str>, group: &[&str]| Member {
            id: id.as_bytes().to_vec(),
            zone: name(zone),
            serial: Some(serial),
            coo: coo.map(name),
            groups: group.iter().map(|g| g.to_string()).collect(),
        };
        let cat = |serial: u32, members: Vec<Member>| Catalog {
            name: name("cat."),
            serial,
            members: members.into_iter().map(|m| (m.zone.clone(), m)).collect(),
            has_serials: true,
        };
        let base = || {
            vec![
                m("a.test.", "1", 1, None, &[]),
                m("b.test.", "2", 1, None, &["g"]),
            ]
        };
        let cases: Vec<(&str, Vec<Member>, bool)> = vec![
            ("the same", base(), true),
            (
                "member serials changed",
                vec![
                    m("a.test.", "1", 7, None, &[]),
                    m("B.TEST.", "2", 9, None, &["g"]),
                ],
                true,
            ),
            (
                "one member fewer",
                vec![m("a.test.", "1", 1, None, &[])],
                false,
            ),
            (
                "another member",
                vec![
                    m("a.test.", "1", 1, None, &[]),
                    m("c.test.", "2", 1, None, &["g"]),
                ],
                false,
            ),
            (
                "a new unique-id",
                vec![
                    m("a.test.", "9", 1, None, &[]),
                    m("b.test.", "2", 1, None, &["g"]),
                ],
                false,
            ),
            (
                "a coo",
                vec![
                    m("a.test.", "1", 1, Some("x."), &[]),
                    m("b.test.", "2", 1, None, &["g"]),
                ],
                false,
            ),
            (
                "another group",
                vec![
                    m("a.test.", "1", 1, None, &[]),
                    m("b.test.", "2", 1, None, &["h"]),
                ],
                false,
            ),
        ];
        for (what, members, same) in cases {
            assert_eq!(
                same_members(&cat(1, base()), &cat(2, members)),
                same,
                "{what}"
            );
        }
    }

    #[test]
    fn unknown_or_missing_version_is_refused() {
        let text = "$TTL 0\n@ SOA invalid. invalid. 1 1 1 1 0\n@ NS invalid.\nversion TXT \"1\"\n";
        assert_eq!(
            parse(&version_of(text, "cat.example.")),
            Err(CatalogError::UnknownVersion("1".into()))
        );
        let text = "$TTL 0\n@ SOA invalid. invalid. 1 1 1 1 0\n@ NS invalid.\n";
        assert_eq!(
            parse(&version_of(text, "cat.example.")),
            Err(CatalogError::NoVersion)
        );
    }
}
