//! The I/O half of the mirror: fetching catalogs and zones from a master (IXFR from
//! the copy in the folder when there is one, AXFR otherwise or when IXFR cannot
//! serve), asking masters for SOA serials, and writing zone files atomically.
//!
//! Called by `cli/sync_zonelist.rs` for each step of the [`super::plan`]. Every file
//! is written through [`crate::durable`]: to a temporary file beside its target,
//! fsynced, renamed over the target, and the folder fsynced: a reader (NSD, Knot, the next run) sees the old
//! file or the new one, never half of one. A failed transfer writes nothing. Parsing
//! and writing run on the blocking pool (STYLE.md rule 7).
//!
//! # Standards
//! - RFC 1995 §4: IXFR from the serial of the local copy; an AXFR-style answer is the
//!   whole zone; a lone SOA means the copy is current. Changesets must chain from the
//!   copy's serial ([`ZoneVersion::apply`] checks it), else the zone is fetched by
//!   AXFR (RFC 5936).

use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::Path;

use crate::durable::write_with;
pub use crate::durable::{remove_file, write_atomically};

use crate::xfr::{self, ClientOptions, IxfrOptions, Stats, Transfer, XfrError, soa_serial};
use crate::zone::parse::{ParseOptions, parse_file};
use crate::zone::version::ZoneVersion;
use crate::zone::write::write_record;
use crate::zone::{Class, Name, Rtype};

use super::super::catalog::{self, Catalog};
use super::{MirrorError, older_note};

//----------- TransferKind -----------------------------------------------------------

/// How a zone (or catalog) was brought up to date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferKind {
    /// AXFR: there was no usable local copy, or a full transfer was asked for.
    Axfr,
    /// IXFR: these changesets applied to the local copy.
    Ixfr {
        /// How many.
        changesets: usize,
    },
    /// IXFR answered with the whole zone (AXFR-style, RFC 1995 §4).
    IxfrFull,
    /// IXFR did not work (`reason`), AXFR did.
    Fallback {
        /// Why IXFR did not.
        reason: String,
    },
    /// IXFR said the local copy is current.
    UpToDate,
}

impl TransferKind {
    /// A short name for tables: `AXFR`, `IXFR`, `IXFR (full)`, `AXFR (fallback)`,
    /// `IXFR (up to date)`.
    pub fn label(&self) -> &'static str {
        match self {
            TransferKind::Axfr => "AXFR",
            TransferKind::Ixfr { .. } => "IXFR",
            TransferKind::IxfrFull => "IXFR (full)",
            TransferKind::Fallback { .. } => "AXFR (fallback)",
            TransferKind::UpToDate => "IXFR (up to date)",
        }
    }

    /// A machine name for JSON: `axfr`, `ixfr`, `ixfr-full`, `axfr-fallback`,
    /// `up-to-date`.
    pub fn kind(&self) -> &'static str {
        match self {
            TransferKind::Axfr => "axfr",
            TransferKind::Ixfr { .. } => "ixfr",
            TransferKind::IxfrFull => "ixfr-full",
            TransferKind::Fallback { .. } => "axfr-fallback",
            TransferKind::UpToDate => "up-to-date",
        }
    }

    /// Why IXFR fell back to AXFR, if it did.
    pub fn fallback(&self) -> Option<&str> {
        match self {
            TransferKind::Fallback { reason } => Some(reason),
            _ => None,
        }
    }
}

//----------- Fetching ---------------------------------------------------------------

/// A zone brought up to date.
#[derive(Debug)]
pub struct Fetched {
    /// The new version; `None` when the local copy was current.
    pub version: Option<ZoneVersion>,
    /// The serial we now have.
    pub serial: u32,
    /// How.
    pub transfer: TransferKind,
    /// Counters of the transfer.
    pub stats: Stats,
    /// Something worth telling that is no failure (an unreadable local copy, a master
    /// older than us).
    pub note: Option<String>,
}

/// A catalog fetched from a master.
#[derive(Debug)]
pub struct FetchedCatalog {
    /// The catalog.
    pub catalog: Catalog,
    /// The new version to keep as the copy; `None` when the copy was current.
    pub version: Option<ZoneVersion>,
    /// How it was fetched.
    pub transfer: TransferKind,
    /// Counters of the transfer.
    pub stats: Stats,
}

/// Fetches `catalog` from `peer`: IXFR from the copy at `copy` when it is there and
/// readable, AXFR otherwise; then reads it (RFC 9432). Writes nothing.
pub async fn fetch_catalog(
    peer: SocketAddr,
    catalog: &Name,
    copy: &Path,
    opts: &ClientOptions,
) -> Result<FetchedCatalog, MirrorError> {
    let base = load_copy(copy, catalog).await.ok().flatten();
    let fetched = transfer(peer, catalog, base.as_ref(), opts).await?;
    let current = fetched
        .version
        .as_ref()
        .or(base.as_ref())
        .ok_or_else(|| MirrorError::Task("no catalog version after the transfer".into()))?;
    let parsed = catalog::parse(current).map_err(|source| MirrorError::Catalog {
        catalog: catalog.clone(),
        source,
    })?;
    Ok(FetchedCatalog {
        catalog: parsed,
        version: fetched.version,
        transfer: fetched.transfer,
        stats: fetched.stats,
    })
}

/// Brings the zone file at `path` up to date from `peer`: by IXFR from the file's
/// serial (unless `full`, or the file is missing or unreadable), else by AXFR; writes
/// the new version atomically with `comment` as its first line. On any error the
/// file is left as it was.
pub async fn refresh_zone(
    peer: SocketAddr,
    zone: &Name,
    path: &Path,
    full: bool,
    opts: &ClientOptions,
    comment: String,
) -> Result<Fetched, MirrorError> {
    let (base, mut note) = if full {
        (None, None)
    } else {
        match load_copy(path, zone).await {
            Ok(v) => (v, None),
            Err(reason) => (None, Some(format!("local copy unusable ({reason}): AXFR"))),
        }
    };
    let mut fetched = transfer(peer, zone, base.as_ref(), opts).await?;
    if let Some(version) = fetched.version.take() {
        let target = path.to_path_buf();
        let written = tokio::task::spawn_blocking(move || {
            write_zone_file(&target, &version, &comment).map(|()| version)
        })
        .await
        .map_err(|e| MirrorError::Task(e.to_string()))?;
        fetched.version = Some(written.map_err(|source| MirrorError::Io {
            path: path.to_path_buf(),
            source,
        })?);
    }
    if let Some(n) = fetched.note.take() {
        note = Some(match note {
            Some(first) => format!("{first}; {n}"),
            None => n,
        });
    }
    fetched.note = note;
    Ok(fetched)
}

/// The serial `peer` serves for `zone`: an SOA query over UDP, retried over TCP when
/// it fails (some primaries refuse UDP SOA queries they would answer
/// over TCP).
pub async fn master_serial(
    peer: SocketAddr,
    zone: &Name,
    opts: &ClientOptions,
) -> Result<u32, XfrError> {
    match xfr::query_soa(peer, zone, opts).await {
        Ok(a) => Ok(a.serial),
        Err(udp) => {
            tracing::debug!(%peer, %zone, error = %udp, "SOA query over UDP failed, retrying over TCP");
            xfr::query_soa_tcp(peer, zone, opts).await.map(|a| a.serial)
        }
    }
}

/// One transfer of `zone`: IXFR from `base` when given, AXFR otherwise or when the
/// changesets do not apply to it.
async fn transfer(
    peer: SocketAddr,
    zone: &Name,
    base: Option<&ZoneVersion>,
    opts: &ClientOptions,
) -> Result<Fetched, MirrorError> {
    let Some(base) = base else {
        return axfr(peer, zone, opts, TransferKind::Axfr).await;
    };
    let ours = base.serial();
    let ixfr_opts = IxfrOptions {
        udp: false,
        fallback: true,
    };
    let outcome = xfr::ixfr(peer, zone, ours, opts, ixfr_opts).await?;
    let stats = outcome.stats;
    match outcome.transfer {
        Transfer::UpToDate(soa) => {
            let theirs = soa_serial(&soa.rdata).unwrap_or(ours);
            Ok(Fetched {
                version: None,
                serial: ours,
                transfer: TransferKind::UpToDate,
                stats,
                note: (theirs != ours).then(|| older_note(ours, theirs)),
            })
        }
        Transfer::Full(records) => {
            let version =
                ZoneVersion::from_records(zone.clone(), Class::IN, records).map_err(|source| {
                    MirrorError::Version {
                        zone: zone.clone(),
                        source,
                    }
                })?;
            let transfer = match outcome.fallback {
                Some(reason) => TransferKind::Fallback { reason },
                None => TransferKind::IxfrFull,
            };
            Ok(Fetched {
                serial: version.serial(),
                version: Some(version),
                transfer,
                stats,
                note: None,
            })
        }
        Transfer::Incremental(changesets) => {
            let mut version = base.clone();
            for cs in &changesets {
                match version.apply(cs) {
                    Ok(v) => version = v,
                    Err(e) => {
                        // The copy is not what the master's history says it was (edited
                        // by hand, or the master's journal is wrong): start over.
                        let reason = format!("changesets do not apply to the local copy: {e}");
                        tracing::info!(%peer, %zone, %reason, "IXFR unusable, falling back to AXFR");
                        return axfr(peer, zone, opts, TransferKind::Fallback { reason }).await;
                    }
                }
            }
            Ok(Fetched {
                serial: version.serial(),
                version: Some(version),
                transfer: TransferKind::Ixfr {
                    changesets: changesets.len(),
                },
                stats,
                note: None,
            })
        }
    }
}

async fn axfr(
    peer: SocketAddr,
    zone: &Name,
    opts: &ClientOptions,
    kind: TransferKind,
) -> Result<Fetched, MirrorError> {
    let outcome = xfr::axfr(peer, zone, opts).await?;
    let Transfer::Full(records) = outcome.transfer else {
        return Err(MirrorError::Task("AXFR yielded no zone".into()));
    };
    let version =
        ZoneVersion::from_records(zone.clone(), Class::IN, records).map_err(|source| {
            MirrorError::Version {
                zone: zone.clone(),
                source,
            }
        })?;
    Ok(Fetched {
        serial: version.serial(),
        version: Some(version),
        transfer: kind,
        stats: outcome.stats,
        note: None,
    })
}

/// Reads the local copy of `zone` at `path`: `Ok(None)` when there is none, `Err`
/// with the reason when it cannot be used as an IXFR base.
async fn load_copy(path: &Path, zone: &Name) -> Result<Option<ZoneVersion>, String> {
    let (path, zone) = (path.to_path_buf(), zone.clone());
    tokio::task::spawn_blocking(move || read_version(&path, &zone))
        .await
        .map_err(|e| e.to_string())?
}

/// [`load_copy`], blocking.
fn read_version(path: &Path, zone: &Name) -> Result<Option<ZoneVersion>, String> {
    if !path.exists() {
        return Ok(None);
    }
    let parsed = parse_file(path, zone, &ParseOptions::default()).map_err(|e| e.to_string())?;
    if let Some(error) = parsed
        .findings
        .iter()
        .find(|f| f.severity == crate::zone::Severity::Error)
    {
        return Err(error.to_string());
    }
    ZoneVersion::from_records(zone.clone(), Class::IN, parsed.records)
        .map(Some)
        .map_err(|e| e.to_string())
}

//----------- Files ------------------------------------------------------------------

/// Writes `version` as a zone file at `path`, atomically: `comment` (a `;` line),
/// `$ORIGIN` and `$TTL`, then the SOA and every other record with absolute names, in
/// canonical order. NSD, Knot, BIND and zonesync load it as it is.
///
/// Blocks on file I/O.
pub fn write_zone_file(path: &Path, version: &ZoneVersion, comment: &str) -> io::Result<()> {
    let soa = version.soa_record();
    write_with(path, |out| {
        let mut buf = String::with_capacity(64 * 1024 + 1024);
        for line in comment.lines() {
            buf.push_str("; ");
            buf.push_str(line);
            buf.push('\n');
        }
        buf.push_str(&format!("$ORIGIN {}\n$TTL {}\n", version.origin(), soa.ttl));
        write_record(&mut buf, &soa, None);
        buf.push('\n');
        for r in version.iter() {
            if r.rtype == Rtype::SOA && r.owner == version.origin() {
                continue;
            }
            write_record(&mut buf, &r.to_record(), None);
            buf.push('\n');
            if buf.len() >= 64 * 1024 {
                out.write_all(buf.as_bytes())?;
                buf.clear();
            }
        }
        out.write_all(buf.as_bytes())
    })
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::parse::parse_bytes;

    fn version(text: &str) -> ZoneVersion {
        let origin: Name = "example.com.".parse().expect("name");
        let p = parse_bytes(
            text.as_bytes(),
            Path::new("t"),
            &origin,
            &ParseOptions::default(),
        );
        assert!(!p.has_errors(), "{:?}", p.findings);
        ZoneVersion::from_records(origin, Class::IN, p.records).expect("version")
    }

    const ZONE: &str = "$TTL 300\n@ NS ns.example.net.\n@ SOA ns hostmaster 7 3600 600 86400 300\n\
                        www A 192.0.2.1\nsub NS ns.sub\nns.sub A 192.0.2.2\n";

    #[test]
    fn zone_files_read_back_the_same_soa_first() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("example.com.zone");
        let v = version(ZONE);
        write_zone_file(&path, &v, "mirrored\nfrom a test").expect("write");
        let text = std::fs::read_to_string(&path).expect("read");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[..4],
            [
                "; mirrored",
                "; from a test",
                "$ORIGIN example.com.",
                "$TTL 300"
            ]
        );
        assert!(
            lines[4].starts_with("example.com.\t300\tIN\tSOA\t"),
            "{text}"
        );
        let back = read_version(&path, v.origin())
            .expect("readable")
            .expect("present");
        assert_eq!(back, v);
        // Nothing else was left in the folder.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["example.com.zone"]);
    }

    #[test]
    fn local_copies_missing_or_broken() {
        let dir = tempfile::tempdir().expect("tempdir");
        let origin: Name = "example.com.".parse().expect("name");
        let path = dir.path().join("example.com.zone");
        assert_eq!(read_version(&path, &origin), Ok(None));
        std::fs::write(&path, "www A 192.0.2.1\n").expect("write");
        assert!(read_version(&path, &origin).is_err());
        std::fs::write(&path, "@ SOA ns hostmaster 1 2 3 4 5\nbad line here\n").expect("write");
        assert!(read_version(&path, &origin).is_err());
    }
}
