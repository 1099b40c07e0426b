//! Persistence: every zone's current records, its serial, and its journal of
//! changesets (the IXFR history), in one redb database under the configured
//! `state-dir`.
//!
//! # Data flow
//! A zone's task (the only writer of that zone) computes a [`Changeset`] — from a
//! reloaded file (diff), an IXFR, or an AXFR (diffed against what we had) — and calls
//! [`Store::apply_changeset`]; only after that returns does it publish the new version
//! to readers and send NOTIFY (persist, publish, notify: STYLE.md rule 4). IXFR-out
//! reads [`Store::journal_since`]; a restart reads [`Store::load_zone`].
//!
//! # Layout
//! - table `zones`: zone name (lower-cased wire form) → [`ZoneMeta`] (JSON, so fields
//!   can be added without a migration);
//! - table `records/<zone>`: one row per record (see `codec::record_key`), so a
//!   10-record change to a million-record zone writes ten rows, not the zone;
//! - table `journal/<zone>`: sequence number → encoded changeset.
//!
//! One write transaction holds the record rows, the journal entry and the meta of a
//! change together. redb commits are atomic, so a crash at any point leaves either the
//! old state or the new, never a mix; and every write is durable (fsynced) before it
//! returns to its caller.
//!
//! # Group commit
//! A thousand zones transferred at once must not cost a thousand fsyncs one after
//! the other (redb serialises writers: that would be seconds). So each write
//! transaction commits without an fsync (redb's `Durability::None`), and its writer
//! then waits for a durable commit that follows it: one writer at a time performs an
//! empty `Durability::Immediate` commit, which makes every commit before it durable,
//! and all the writers whose transactions it covers return together (the classic
//! group commit of databases). A lone writer pays what it paid before; concurrent
//! writers share the fsync. redb restores the last durable commit after a crash, so
//! a write whose caller was never told it succeeded may be lost, and nothing else.
//!
//! All methods block on disk I/O: call them from `spawn_blocking`.

pub mod codec;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use std::sync::{Arc, Condvar, Mutex};

use redb::{
    Database, Durability, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition,
};
use serde::{Deserialize, Serialize};

use crate::zone::changeset::Changeset;
use crate::zone::version::ZoneVersion;
use crate::zone::{Class, Name, Record, Rtype};

pub use codec::CodecError;

/// redb's page cache: enough for the tables' upper levels and a transaction's
/// working set (half of it at most is a transaction's write buffer). redb keeps every
/// page it writes here until the cache is full, so all of it is resident soon after
/// the start: 32 MiB of it was a third of a 10,000-zone super slave's memory. The
/// zones are served from memory; the store is read at start-up and written on
/// changes.
const CACHE_SIZE: usize = 8 << 20;

/// The database file inside `state-dir`.
pub const DB_FILE: &str = "zonesync.redb";

const ZONES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("zones");
/// Zones a super slave created from a catalog: zone → [`Provision`] (JSON).
const PROVISIONED: TableDefinition<&[u8], &[u8]> = TableDefinition::new("provisioned");

//----------- Store ------------------------------------------------------------------

/// The database. Shared by all zone tasks (`Arc<Store>`); redb serialises write
/// transactions and lets readers proceed beside them.
pub struct Store {
    /// The open database.
    db: Database,
    /// Its file, for messages.
    path: PathBuf,
    /// Group commit (see the module documentation).
    sync: GroupCommit,
    /// Whole-zone replacements waiting to be written together.
    batch: Batch,
}

/// How a write transaction is made durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Commit {
    /// Committed without an fsync, then made durable by a shared one (group commit).
    Grouped,
    /// Committed with its own fsync (a batch: the fsync is already shared).
    Immediate,
    /// Committed without an fsync, and not waited for: made durable by the next
    /// durable commit of anyone.
    Lazy,
}

/// A write that can share a transaction with others (see [`Store::batched`]).
enum Job {
    /// A zone's whole content.
    Replace(Replacement),
    /// A secondary zone's timers (always waited for: a durable write).
    Timers {
        /// The zone.
        zone: Name,
        /// Its new timers.
        timers: Timers,
    },
}

impl Job {
    fn durable(&self) -> bool {
        match self {
            Job::Replace(r) => r.durable,
            Job::Timers { .. } => true,
        }
    }
}

/// What a batched job returns: the new meta of a replaced zone.
type JobResult = Result<Option<ZoneMeta>, StoreError>;

/// The records of a replacement: owned, or read from a zone version as they are
/// written.
enum Content {
    Records(Vec<Record>),
    Version(Arc<ZoneVersion>),
}

impl Content {
    /// The serial of the content's SOA.
    fn serial(&self) -> Option<u32> {
        match self {
            Content::Records(records) => soa_serial_of(records),
            Content::Version(version) => Some(version.serial()),
        }
    }
}

/// A zone's whole content to store (see [`Store::batched`]).
struct Replacement {
    zone: Name,
    records: Content,
    source: Option<Source>,
    timers: Option<Timers>,
    /// Whether the caller waits for durability.
    durable: bool,
}

/// Jobs queued for the next batch transaction, and the results of the last.
#[derive(Default)]
struct Batch {
    state: Mutex<BatchState>,
    /// Wakes the callers when a batch is done.
    done: Condvar,
}

#[derive(Default)]
struct BatchState {
    /// Waiting, with their ids.
    queue: Vec<(u64, Job)>,
    /// Whether a caller is writing a batch now (only it writes this flag back).
    running: bool,
    /// Results not yet collected by their callers.
    finished: HashMap<u64, JobResult>,
    /// The id of the next replacement.
    next_id: u64,
}

/// The bookkeeping of group commit: which commits are known durable.
#[derive(Debug, Default)]
struct GroupCommit {
    /// Write transactions committed so far (without an fsync), counted after each
    /// commit returns.
    committed: AtomicU64,
    /// How many of them a durable commit has covered, and whether a writer is making
    /// one now. Written under the lock by that writer only.
    state: Mutex<(u64, bool)>,
    /// Wakes the writers waiting for a durable commit.
    done: Condvar,
    /// Durable commits made (each one fsync): fewer than `committed` when writers
    /// shared them.
    durable: AtomicU64,
}

/// What the store knows about a zone besides its records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneMeta {
    /// The serial of the stored version.
    pub serial: u32,
    /// Number of records stored.
    pub records: u64,
    /// Their size in uncompressed wire form.
    pub bytes: u64,
    /// Sequence number of the oldest journal entry.
    pub journal_first: u64,
    /// Sequence number the next journal entry gets.
    pub journal_next: u64,
    /// Size of the journal's encoded entries.
    pub journal_bytes: u64,
    /// For a primary zone: the zone file as last loaded (its own serial, which the
    /// served serial may have moved past, and its modification time and size).
    #[serde(default)]
    pub source: Option<Source>,
    /// For a secondary zone: its refresh timers (persisted so that a restart neither
    /// retransfers everything nor resets the expire clock).
    #[serde(default)]
    pub timers: Option<Timers>,
}

/// Who created a zone on a super slave, and from where it is transferred.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provision {
    /// The catalog that owns the zone (RFC 9432 §5.4: only it may delete the zone).
    pub catalog: String,
    /// The super master the zone is transferred from (`addr:port`).
    pub master: String,
    /// False for a zone created by a NOTIFY before its catalog listed it.
    pub confirmed: bool,
    /// For unconfirmed zones: the catalog serial current when the zone was created; a
    /// catalog newer than that which still does not list the zone deletes it (once
    /// the zone is older than the grace period, see `sync::consumer`).
    pub catalog_serial: u32,
    /// When the zone was created, seconds since the Unix epoch (0: before this was
    /// recorded).
    #[serde(default)]
    pub created_at: u64,
    /// The member's unique-id label in the catalog (RFC 9432 §4.3); a change is a
    /// reset (§5.3). `None` in records written before ids were kept, and for zones a
    /// NOTIFY created before the catalog listed them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Vec<u8>>,
    /// The member's `group` property values (RFC 9432 §4.4.2): they pick its
    /// template.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

/// A secondary zone's timers, in seconds since the Unix epoch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timers {
    /// The last refresh that reached a primary and found the zone current (or made it
    /// so); 0 for never.
    pub last_ok: u64,
    /// When the next refresh is due.
    pub next_refresh: u64,
    /// When the zone expires unless a refresh succeeds first.
    pub expire_at: u64,
}

/// The zone file a primary zone's stored version came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// The serial written in the file.
    pub serial: u32,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime_ns: u64,
    /// Size in bytes.
    pub len: u64,
}

/// How much IXFR history to keep per zone (oldest purged first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JournalLimits {
    /// Most changesets kept.
    pub max_entries: u64,
    /// Most bytes kept, as a percentage of the zone's size. RFC 1995 §5: history is
    /// worth keeping only while an IXFR is smaller than an AXFR.
    pub max_percent_of_zone: u64,
    /// …but never less than this many bytes, so that a small zone (a catalog, say)
    /// keeps a useful history: a few KiB of IXFR cost nothing even when the zone is
    /// smaller.
    pub min_bytes: u64,
}

impl Default for JournalLimits {
    fn default() -> Self {
        JournalLimits {
            max_entries: 1000,
            max_percent_of_zone: 100,
            min_bytes: 64 * 1024,
        }
    }
}

impl Store {
    /// Opens (creating when missing) the database in `state_dir`.
    pub fn open(state_dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(state_dir).map_err(|e| StoreError::Io {
            path: state_dir.to_path_buf(),
            reason: e.to_string(),
        })?;
        let path = state_dir.join(DB_FILE);
        // redb caches up to a GiB of pages by default: after storing a zone of a
        // million records that would stay resident for nothing (the zones are served
        // from memory; the store is read at start-up and written on changes).
        let db = redb::Builder::new()
            .set_cache_size(CACHE_SIZE)
            .create(&path)
            .map_err(|e| StoreError::Db {
                path: path.clone(),
                reason: e.to_string(),
            })?;
        let store = Store {
            db,
            path,
            sync: GroupCommit::default(),
            batch: Batch::default(),
        };
        // Create the tables so that readers never see them missing.
        store.write(|txn| {
            txn.open_table(ZONES)?;
            txn.open_table(PROVISIONED)?;
            Ok(())
        })?;
        Ok(store)
    }

    /// Write transactions committed, and durable commits (fsyncs) made for them, since
    /// the store was opened: the second is smaller when group commit shared fsyncs.
    pub fn commit_counts(&self) -> (u64, u64) {
        (
            self.sync.committed.load(AtomicOrdering::SeqCst),
            self.sync.durable.load(AtomicOrdering::Relaxed),
        )
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The state dir the database file is in (for what is kept beside it).
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// Every stored zone with its meta.
    pub fn zones(&self) -> Result<Vec<(Name, ZoneMeta)>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.db_err(e))?;
        let table = txn.open_table(ZONES).map_err(|e| self.db_err(e))?;
        let mut out = Vec::new();
        for row in table.iter().map_err(|e| self.db_err(e))? {
            let (k, v) = row.map_err(|e| self.db_err(e))?;
            let name = Name::from_wire(k.value())
                .map_err(|_| StoreError::Codec(CodecError("bad zone name")))?;
            out.push((name, decode_meta(v.value())?));
        }
        Ok(out)
    }

    /// The meta of one zone, if stored.
    pub fn meta(&self, zone: &Name) -> Result<Option<ZoneMeta>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.db_err(e))?;
        let table = txn.open_table(ZONES).map_err(|e| self.db_err(e))?;
        let key = zone_key(zone);
        match table.get(key.as_slice()).map_err(|e| self.db_err(e))? {
            Some(v) => Ok(Some(decode_meta(v.value())?)),
            None => Ok(None),
        }
    }

    /// The stored version of a zone: its meta and all its records.
    pub fn load_zone(&self, zone: &Name) -> Result<Option<(ZoneMeta, Vec<Record>)>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.db_err(e))?;
        let zones = txn.open_table(ZONES).map_err(|e| self.db_err(e))?;
        let key = zone_key(zone);
        let meta = match zones.get(key.as_slice()).map_err(|e| self.db_err(e))? {
            Some(v) => decode_meta(v.value())?,
            None => return Ok(None),
        };
        let name = records_table(zone);
        let table = txn
            .open_table(TableDefinition::<&[u8], &[u8]>::new(&name))
            .map_err(|e| self.db_err(e))?;
        let mut records = Vec::with_capacity(table.len().map_err(|e| self.db_err(e))? as usize);
        for row in table.iter().map_err(|e| self.db_err(e))? {
            let (k, v) = row.map_err(|e| self.db_err(e))?;
            let record = codec::record_from_row_after(k.value(), v.value(), records.last())?;
            records.push(record);
        }
        Ok(Some((meta, records)))
    }

    /// Stores a zone's records as its whole content (a first load), replacing
    /// anything stored before and starting an empty journal.
    pub fn replace_zone(
        &self,
        zone: &Name,
        records: Vec<Record>,
        source: Option<Source>,
    ) -> Result<ZoneMeta, StoreError> {
        self.replace(zone, Content::Records(records), source, None, true)
    }

    /// Stores a zone version as the zone's whole content, written straight from the
    /// version (no copy of its records), with a secondary zone's timers when given.
    /// With `durable` false the call does not wait for durability: for the first
    /// version of a primary zone, whose durable copy is its zone file (after a crash
    /// before the next durable commit, the zone is simply read from its file again);
    /// atomic all the same, and made durable by the next durable commit of anyone.
    pub fn replace_zone_version(
        &self,
        zone: &Name,
        version: Arc<ZoneVersion>,
        source: Option<Source>,
        timers: Option<Timers>,
        durable: bool,
    ) -> Result<ZoneMeta, StoreError> {
        self.replace(zone, Content::Version(version), source, timers, durable)
    }

    /// [`Store::replace_zone`] that also stores a secondary zone's timers, in the same
    /// transaction.
    pub fn replace_zone_with(
        &self,
        zone: &Name,
        records: Vec<Record>,
        source: Option<Source>,
        timers: Option<Timers>,
    ) -> Result<ZoneMeta, StoreError> {
        self.replace(zone, Content::Records(records), source, timers, true)
    }

    fn replace(
        &self,
        zone: &Name,
        records: Content,
        source: Option<Source>,
        timers: Option<Timers>,
        durable: bool,
    ) -> Result<ZoneMeta, StoreError> {
        self.batched(Job::Replace(Replacement {
            zone: zone.clone(),
            records,
            source,
            timers,
            durable,
        }))
        .map(|meta| meta.unwrap_or_default())
    }

    /// Runs a job in the next batch: the first caller to find no batch running takes
    /// every job queued so far and writes them in one transaction (one commit, one
    /// fsync), while the others wait for their result. A thousand zones transferred
    /// (or confirmed by a bulk refresh) at once cost a few dozen transactions, not a
    /// thousand. Each job is all or nothing: one that is refused (records without an
    /// SOA, an undecodable meta) fails alone, before it writes anything; a database
    /// error fails the batch.
    fn batched(&self, job: Job) -> Result<Option<ZoneMeta>, StoreError> {
        let lock = || self.batch.state.lock().unwrap_or_else(|p| p.into_inner());
        let mut state = lock();
        let id = state.next_id;
        state.next_id += 1;
        state.queue.push((id, job));
        loop {
            if let Some(result) = state.finished.remove(&id) {
                return result;
            }
            if state.running {
                state = self
                    .batch
                    .done
                    .wait(state)
                    .unwrap_or_else(|p| p.into_inner());
                continue;
            }
            state.running = true;
            let jobs = std::mem::take(&mut state.queue);
            drop(state);
            let results = self.run_batch(jobs);
            state = lock();
            state.running = false;
            state.finished.extend(results);
            self.batch.done.notify_all();
        }
    }

    /// Writes `jobs` in one transaction; the result of each, by id.
    fn run_batch(&self, jobs: Vec<(u64, Job)>) -> Vec<(u64, JobResult)> {
        // One commit for all: with an fsync when any caller waits for durability.
        let mode = if jobs.iter().any(|(_, j)| j.durable()) {
            Commit::Immediate
        } else {
            Commit::Lazy
        };
        let mut metas: Vec<(u64, JobResult)> = Vec::with_capacity(jobs.len());
        let written = self.write_with(mode, |txn| {
            for (id, job) in &jobs {
                let done = match job {
                    Job::Replace(r) => {
                        replace_rows(txn, &r.zone, &r.records, r.source, r.timers).map(Some)
                    }
                    Job::Timers { zone, timers } => {
                        change_meta(txn, zone, |m| m.timers = Some(*timers)).map(|()| None)
                    }
                };
                match done {
                    Ok(meta) => metas.push((*id, Ok(meta))),
                    // Refused before anything was written: this one alone fails.
                    Err(TxnError::Abort(e)) => metas.push((*id, Err(e))),
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        });
        match written {
            Ok(()) => metas,
            Err(e) => {
                let reason = e.to_string();
                jobs.iter()
                    .map(|(id, _)| {
                        (
                            *id,
                            Err(StoreError::Db {
                                path: self.path.clone(),
                                reason: reason.clone(),
                            }),
                        )
                    })
                    .collect()
            }
        }
    }

    /// Applies a changeset to a stored zone and appends it to the journal, in one
    /// transaction. Strict, as IXFR is (RFC 1995): the changeset must start at the
    /// stored serial, every removed record must be there and every added one absent;
    /// otherwise nothing is written.
    pub fn apply_changeset(
        &self,
        zone: &Name,
        cs: &Changeset,
        limits: JournalLimits,
        source: Option<Source>,
    ) -> Result<ZoneMeta, StoreError> {
        self.apply_changesets(zone, std::slice::from_ref(cs), limits, source, None)
    }

    /// Applies several changesets in order (an IXFR of several versions), with their
    /// journal entries and the new timers, in one transaction: all or nothing.
    pub fn apply_changesets(
        &self,
        zone: &Name,
        changesets: &[Changeset],
        limits: JournalLimits,
        source: Option<Source>,
        timers: Option<Timers>,
    ) -> Result<ZoneMeta, StoreError> {
        let rec_name = records_table(zone);
        let jnl_name = journal_table(zone);
        let zkey = zone_key(zone);
        self.write(|txn| {
            let mut zones = txn.open_table(ZONES)?;
            let mut meta = match zones.get(zkey.as_slice())? {
                Some(v) => decode_meta(v.value()),
                None => Err(StoreError::UnknownZone(zone.to_string())),
            }
            .map_err(Abort)?;
            let mut table = txn.open_table(TableDefinition::<&[u8], &[u8]>::new(&rec_name))?;
            let mut journal = txn.open_table(TableDefinition::<u64, &[u8]>::new(&jnl_name))?;
            for cs in changesets {
                let from = soa_serial(&cs.from_soa)
                    .ok_or_else(|| Abort(StoreError::NoSoa(zone.to_string())))?;
                let to = soa_serial(&cs.to_soa)
                    .ok_or_else(|| Abort(StoreError::NoSoa(zone.to_string())))?;
                if meta.serial != from {
                    return Err(Abort(StoreError::SerialMismatch {
                        zone: zone.to_string(),
                        stored: meta.serial,
                        changeset: from,
                    })
                    .into());
                }
                for r in std::iter::once(&cs.from_soa).chain(&cs.removed) {
                    if table.remove(codec::record_key(r).as_slice())?.is_none() {
                        return Err(Abort(StoreError::MissingRecord {
                            zone: zone.to_string(),
                            record: describe(r),
                        })
                        .into());
                    }
                    meta.bytes = meta.bytes.saturating_sub(wire_size(r));
                }
                for r in std::iter::once(&cs.to_soa).chain(&cs.added) {
                    let key = codec::record_key(r);
                    if table
                        .insert(key.as_slice(), codec::record_value(r).as_slice())?
                        .is_some()
                    {
                        return Err(Abort(StoreError::DuplicateRecord {
                            zone: zone.to_string(),
                            record: describe(r),
                        })
                        .into());
                    }
                    meta.bytes += wire_size(r);
                }
                meta.serial = to;
                let entry = codec::encode_changeset(cs);
                journal.insert(meta.journal_next, entry.as_slice())?;
                meta.journal_next += 1;
                meta.journal_bytes += entry.len() as u64;
            }
            meta.records = table.len()?;
            // Purge the oldest entries past either limit, but always keep the newest.
            let max_bytes =
                (meta.bytes.saturating_mul(limits.max_percent_of_zone) / 100).max(limits.min_bytes);
            while meta.journal_next - meta.journal_first > 1
                && (meta.journal_next - meta.journal_first > limits.max_entries
                    || meta.journal_bytes > max_bytes)
            {
                if let Some(old) = journal.remove(meta.journal_first)? {
                    meta.journal_bytes =
                        meta.journal_bytes.saturating_sub(old.value().len() as u64);
                }
                meta.journal_first += 1;
            }
            if source.is_some() {
                meta.source = source;
            }
            if timers.is_some() {
                meta.timers = timers;
            }
            zones.insert(zkey.as_slice(), encode_meta(&meta).as_slice())?;
            Ok(meta)
        })
    }

    /// Persists a secondary zone's timers alone (a refresh that found it current, or
    /// failed).
    pub fn set_timers(&self, zone: &Name, timers: Timers) -> Result<(), StoreError> {
        // Batched: a bulk refresh confirms thousands of zones at once.
        self.batched(Job::Timers {
            zone: zone.clone(),
            timers,
        })
        .map(|_| ())
    }

    /// The changesets that lead from `serial` to the stored version, oldest first;
    /// `None` when the journal does not reach back that far (answer AXFR-style then).
    /// An empty list means `serial` is current.
    pub fn journal_since(
        &self,
        zone: &Name,
        serial: u32,
    ) -> Result<Option<Vec<Changeset>>, StoreError> {
        let Some(meta) = self.meta(zone)? else {
            return Ok(None);
        };
        if meta.serial == serial {
            return Ok(Some(Vec::new()));
        }
        let txn = self.db.begin_read().map_err(|e| self.db_err(e))?;
        let name = journal_table(zone);
        let table = match txn.open_table(TableDefinition::<u64, &[u8]>::new(&name)) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(self.db_err(e)),
        };
        let mut chain = Vec::new();
        let mut found = false;
        for row in table.iter().map_err(|e| self.db_err(e))? {
            let (_, v) = row.map_err(|e| self.db_err(e))?;
            let cs = codec::decode_changeset(v.value())?;
            if !found {
                if soa_serial(&cs.from_soa) != Some(serial) {
                    continue;
                }
                found = true;
            }
            chain.push(cs);
        }
        Ok(found.then_some(chain))
    }

    /// Records that the zone file was read again without a change to the zone.
    pub fn set_source(&self, zone: &Name, source: Source) -> Result<(), StoreError> {
        self.update_meta(zone, |m| m.source = Some(source))
    }

    /// Changes a stored zone's meta in place (nothing when the zone is not stored).
    fn update_meta(
        &self,
        zone: &Name,
        change: impl FnOnce(&mut ZoneMeta),
    ) -> Result<(), StoreError> {
        self.write(|txn| change_meta(txn, zone, change))
    }

    /// Every provisioned zone with its owner.
    pub fn provisioned(&self) -> Result<Vec<(Name, Provision)>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.db_err(e))?;
        let table = txn.open_table(PROVISIONED).map_err(|e| self.db_err(e))?;
        let mut out = Vec::new();
        for row in table.iter().map_err(|e| self.db_err(e))? {
            let (k, v) = row.map_err(|e| self.db_err(e))?;
            let name = Name::from_wire(k.value())
                .map_err(|_| StoreError::Codec(CodecError("bad zone name")))?;
            let p: Provision = serde_json::from_slice(v.value())
                .map_err(|_| StoreError::Codec(CodecError("bad provisioning record")))?;
            out.push((name, p));
        }
        Ok(out)
    }

    /// Records (or updates) who provisioned a zone.
    pub fn set_provisioned(&self, zone: &Name, p: &Provision) -> Result<(), StoreError> {
        self.set_provisioned_many(&[(zone.clone(), p.clone())])
    }

    /// Records several provisioned zones in one transaction (a burst of new zones,
    /// a catalog's new members).
    pub fn set_provisioned_many(&self, zones: &[(Name, Provision)]) -> Result<(), StoreError> {
        self.write(|txn| {
            let mut t = txn.open_table(PROVISIONED)?;
            for (zone, p) in zones {
                let value = serde_json::to_vec(p).expect("Provision serialises");
                t.insert(zone_key(zone).as_slice(), value.as_slice())?;
            }
            Ok(())
        })
    }

    /// Forgets who provisioned a zone, keeping its data (it became a local zone).
    pub fn unprovision(&self, zone: &Name) -> Result<(), StoreError> {
        self.write(|txn| {
            txn.open_table(PROVISIONED)?
                .remove(zone_key(zone).as_slice())?;
            Ok(())
        })
    }

    /// Deletes a provisioned zone: its ownership record and all its data, in one
    /// transaction.
    pub fn delete_provisioned(&self, zone: &Name) -> Result<(), StoreError> {
        let rec_name = records_table(zone);
        let jnl_name = journal_table(zone);
        self.write(|txn| {
            txn.delete_table(TableDefinition::<&[u8], &[u8]>::new(&rec_name))?;
            txn.delete_table(TableDefinition::<u64, &[u8]>::new(&jnl_name))?;
            txn.open_table(ZONES)?.remove(zone_key(zone).as_slice())?;
            txn.open_table(PROVISIONED)?
                .remove(zone_key(zone).as_slice())?;
            Ok(())
        })
    }

    /// Deletes a zone: its records, journal and meta. True when it was stored.
    pub fn delete_zone(&self, zone: &Name) -> Result<bool, StoreError> {
        let rec_name = records_table(zone);
        let jnl_name = journal_table(zone);
        self.write(|txn| {
            txn.delete_table(TableDefinition::<&[u8], &[u8]>::new(&rec_name))?;
            txn.delete_table(TableDefinition::<u64, &[u8]>::new(&jnl_name))?;
            let mut zones = txn.open_table(ZONES)?;
            let existed = zones.remove(zone_key(zone).as_slice())?.is_some();
            Ok(existed)
        })
    }

    /// Runs `f` in a write transaction and commits it; an error from `f` aborts it
    /// (nothing written).
    ///
    /// Returns once the transaction is durable (group commit, see the module
    /// documentation).
    fn write<T>(
        &self,
        f: impl FnOnce(&redb::WriteTransaction) -> Result<T, TxnError>,
    ) -> Result<T, StoreError> {
        self.write_with(Commit::Grouped, f)
    }

    /// [`Store::write`] with a choice of durability (see [`Commit`]).
    fn write_with<T>(
        &self,
        mode: Commit,
        f: impl FnOnce(&redb::WriteTransaction) -> Result<T, TxnError>,
    ) -> Result<T, StoreError> {
        let mut txn = self.db.begin_write().map_err(|e| self.db_err(e))?;
        let durability = match mode {
            Commit::Immediate => Durability::Immediate,
            Commit::Grouped | Commit::Lazy => Durability::None,
        };
        txn.set_durability(durability)
            .map_err(|e| self.db_err(redb::Error::from(e)))?;
        // Every commit counted by now was made before this transaction began, so an
        // immediate commit of this one makes them durable too.
        let before = self.sync.committed.load(AtomicOrdering::SeqCst);
        match f(&txn) {
            Ok(v) => {
                txn.commit().map_err(|e| self.db_err(e))?;
                let seq = self.sync.committed.fetch_add(1, AtomicOrdering::SeqCst) + 1;
                match mode {
                    Commit::Grouped => self.make_durable(seq)?,
                    Commit::Immediate => self.covered(before),
                    Commit::Lazy => {}
                }
                Ok(v)
            }
            Err(e) => {
                // Dropping an uncommitted transaction aborts it; be explicit anyway.
                let _ = txn.abort();
                Err(match e {
                    TxnError::Abort(inner) => inner,
                    TxnError::Db(db) => self.db_err(db),
                })
            }
        }
    }

    /// Records that the first `upto` commits are durable (a commit made with an
    /// fsync after them).
    fn covered(&self, upto: u64) {
        let mut state = self.sync.state.lock().unwrap_or_else(|p| p.into_inner());
        state.0 = state.0.max(upto);
        self.sync.durable.fetch_add(1, AtomicOrdering::Relaxed);
        self.sync.done.notify_all();
    }

    /// Waits until commit number `seq` is durable: when no other writer is making a
    /// durable commit, makes one (an empty transaction committed with an fsync, which
    /// covers every commit before it); else waits for that one, and goes again if it
    /// began before commit `seq`.
    fn make_durable(&self, seq: u64) -> Result<(), StoreError> {
        let lock = || self.sync.state.lock().unwrap_or_else(|p| p.into_inner());
        let mut state = lock();
        loop {
            if state.0 >= seq {
                return Ok(());
            }
            if state.1 {
                state = self
                    .sync
                    .done
                    .wait(state)
                    .unwrap_or_else(|p| p.into_inner());
                continue;
            }
            state.1 = true;
            drop(state);
            // Every commit counted here has returned, so the durable commit below
            // begins after all of them (redb runs one writer at a time).
            let covers = self.sync.committed.load(AtomicOrdering::SeqCst);
            let result = self
                .db
                .begin_write()
                .map_err(|e| self.db_err(e))
                .and_then(|mut txn| {
                    txn.set_durability(Durability::Immediate)
                        .map_err(|e| self.db_err(redb::Error::from(e)))?;
                    txn.commit().map_err(|e| self.db_err(e))
                });
            state = lock();
            state.1 = false;
            if result.is_ok() {
                state.0 = state.0.max(covers);
                self.sync.durable.fetch_add(1, AtomicOrdering::Relaxed);
            }
            self.sync.done.notify_all();
            result?;
        }
    }

    fn db_err(&self, e: impl Into<redb::Error>) -> StoreError {
        StoreError::Db {
            path: self.path.clone(),
            reason: e.into().to_string(),
        }
    }
}

/// Changes a stored zone's meta inside `txn` (nothing when the zone is not stored).
fn change_meta(
    txn: &redb::WriteTransaction,
    zone: &Name,
    change: impl FnOnce(&mut ZoneMeta),
) -> Result<(), TxnError> {
    let zkey = zone_key(zone);
    let mut zones = txn.open_table(ZONES)?;
    let meta = match zones.get(zkey.as_slice())? {
        Some(v) => Some(decode_meta(v.value()).map_err(Abort)?),
        None => None,
    };
    if let Some(mut meta) = meta {
        change(&mut meta);
        zones.insert(zkey.as_slice(), encode_meta(&meta).as_slice())?;
    }
    Ok(())
}

/// Replaces a zone's rows, empties its journal and writes its meta, inside `txn`.
fn replace_rows(
    txn: &redb::WriteTransaction,
    zone: &Name,
    content: &Content,
    source: Option<Source>,
    timers: Option<Timers>,
) -> Result<ZoneMeta, TxnError> {
    let serial = content
        .serial()
        .ok_or_else(|| Abort(StoreError::NoSoa(zone.to_string())))?;
    let rec_name = records_table(zone);
    let jnl_name = journal_table(zone);
    txn.delete_table(TableDefinition::<&[u8], &[u8]>::new(&rec_name))?;
    txn.delete_table(TableDefinition::<u64, &[u8]>::new(&jnl_name))?;
    let mut table = txn.open_table(TableDefinition::<&[u8], &[u8]>::new(&rec_name))?;
    let mut bytes = 0u64;
    let (mut key, mut value) = (Vec::new(), Vec::new());
    let mut write = |owner: &Name, class: Class, rtype: Rtype, ttl: u32, rdata: &[u8]| {
        bytes += (owner.wire_len() + 10 + rdata.len()) as u64;
        codec::record_key_into(owner, rtype, class, rdata, &mut key);
        codec::record_value_into(owner, ttl, &mut value);
        table.insert(key.as_slice(), value.as_slice()).map(|_| ())
    };
    match content {
        Content::Records(records) => {
            for r in records {
                write(&r.owner, r.class, r.rtype, r.ttl, r.rdata.as_wire())?;
            }
        }
        Content::Version(version) => {
            for r in version.iter() {
                write(r.owner, r.class, r.rtype, r.ttl, r.rdata)?;
            }
        }
    }
    let meta = ZoneMeta {
        serial,
        records: table.len()?,
        bytes,
        source,
        timers,
        ..ZoneMeta::default()
    };
    let mut zones = txn.open_table(ZONES)?;
    zones.insert(zone_key(zone).as_slice(), encode_meta(&meta).as_slice())?;
    Ok(meta)
}

/// An error inside a write transaction: a redb error, or a reason to abort.
enum TxnError {
    Db(redb::Error),
    Abort(StoreError),
}

/// Wraps a [`StoreError`] to abort a transaction with it.
struct Abort(StoreError);

impl From<Abort> for TxnError {
    fn from(a: Abort) -> Self {
        TxnError::Abort(a.0)
    }
}

impl<E: Into<redb::Error>> From<E> for TxnError {
    fn from(e: E) -> Self {
        TxnError::Db(e.into())
    }
}

//----------- Helpers ----------------------------------------------------------------

fn zone_key(zone: &Name) -> Vec<u8> {
    zone.to_lowercase().as_wire().to_vec()
}

fn records_table(zone: &Name) -> String {
    format!("records/{}", zone.to_lowercase())
}

fn journal_table(zone: &Name) -> String {
    format!("journal/{}", zone.to_lowercase())
}

fn encode_meta(meta: &ZoneMeta) -> Vec<u8> {
    serde_json::to_vec(meta).expect("ZoneMeta serialises")
}

fn decode_meta(bytes: &[u8]) -> Result<ZoneMeta, StoreError> {
    serde_json::from_slice(bytes).map_err(|_| StoreError::Codec(CodecError("bad zone meta")))
}

/// Size of a record in uncompressed wire form.
fn wire_size(r: &Record) -> u64 {
    (r.owner.wire_len() + 10 + r.rdata.len()) as u64
}

/// The serial of an SOA record.
fn soa_serial(soa: &Record) -> Option<u32> {
    (soa.rtype == Rtype::SOA)
        .then(|| crate::zone::soa::serial_of(&soa.rdata).ok())
        .flatten()
}

fn soa_serial_of(records: &[Record]) -> Option<u32> {
    records
        .iter()
        .find(|r| r.rtype == Rtype::SOA)
        .and_then(soa_serial)
}

fn describe(r: &Record) -> String {
    format!(
        "{} {} ({} octets of RDATA)",
        r.owner,
        r.rtype,
        r.rdata.len()
    )
}

//============ Errors ================================================================

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The state directory could not be created.
    #[error("state directory {}: {reason}", path.display())]
    Io {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        reason: String,
    },
    /// redb failed (disk full, damaged file, …).
    #[error("database {}: {reason}", path.display())]
    Db {
        /// The database file.
        path: PathBuf,
        /// redb's error.
        reason: String,
    },
    /// Stored bytes did not decode.
    #[error(transparent)]
    Codec(#[from] CodecError),
    /// A zone's records had no SOA.
    #[error("zone {0} has no SOA record")]
    NoSoa(String),
    /// A changeset for a zone that is not stored.
    #[error("zone {0} is not in the store")]
    UnknownZone(String),
    /// A changeset that does not start at the stored serial.
    #[error("zone {zone}: changeset starts at serial {changeset}, stored serial is {stored}")]
    SerialMismatch {
        /// The zone.
        zone: String,
        /// The stored serial.
        stored: u32,
        /// The changeset's starting serial.
        changeset: u32,
    },
    /// A changeset removes a record that is not stored.
    #[error("zone {zone}: changeset removes {record}, which is not there")]
    MissingRecord {
        /// The zone.
        zone: String,
        /// The record.
        record: String,
    },
    /// A changeset adds a record that is already stored.
    #[error("zone {zone}: changeset adds {record}, which is already there")]
    DuplicateRecord {
        /// The zone.
        zone: String,
        /// The record.
        record: String,
    },
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::{Class, Rdata};

    fn rec(owner: &str, rtype: Rtype, rdata: &[u8]) -> Record {
        Record::new(
            owner.parse().unwrap(),
            Class::IN,
            rtype,
            300,
            Rdata::from_wire(rdata),
        )
    }

    fn soa(serial: u32) -> Record {
        let mut rdata = b"\x02ns\x07example\x00\x02hm\x07example\x00".to_vec();
        for v in [serial, 3600, 600, 86400, 300] {
            rdata.extend_from_slice(&v.to_be_bytes());
        }
        rec("example.", Rtype::SOA, &rdata)
    }

    fn a(owner: &str, last: u8) -> Record {
        rec(owner, Rtype::A, &[192, 0, 2, last])
    }

    fn zone() -> Name {
        "example.".parse().unwrap()
    }

    fn sorted(mut v: Vec<Record>) -> Vec<Record> {
        v.sort_by_key(codec::record_key);
        v
    }

    /// Writers in parallel share transactions and fsyncs; each write is durable when
    /// it returns, so a reopened store has every one of them.
    #[test]
    fn group_commit_shares_fsyncs_and_loses_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = std::sync::Arc::new(Store::open(dir.path()).unwrap());
        let base = store.commit_counts();
        std::thread::scope(|s| {
            for t in 0..8u8 {
                let store = store.clone();
                s.spawn(move || {
                    for i in 0..25u8 {
                        let z: Name = format!("z{t}-{i}.example.").parse().unwrap();
                        let records = vec![
                            rec(&z.to_string(), Rtype::SOA, soa(1).rdata.as_wire()),
                            a(&format!("www.{z}"), i),
                        ];
                        store.replace_zone(&z, records, None).unwrap();
                    }
                });
            }
        });
        // Replacements queued while a batch was written went in together.
        let (commits, durable) = store.commit_counts();
        assert!((1..=200).contains(&(commits - base.0)), "{commits}");
        assert!(durable - base.1 <= commits - base.0, "{durable}");
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.zones().unwrap().len(), 200);
        // One writer alone: one fsync per write.
        let (c0, d0) = store.commit_counts();
        for i in 0..3u8 {
            store
                .set_timers(
                    &format!("z0-{i}.example.").parse().unwrap(),
                    Timers::default(),
                )
                .unwrap();
        }
        let (c1, d1) = store.commit_counts();
        assert_eq!((c1 - c0, d1 - d0), (3, 3));
    }

    #[test]
    fn replace_apply_reload_and_journal() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let v1 = vec![soa(1), a("www.example.", 1), a("mail.example.", 2)];
        let meta = store.replace_zone(&zone(), v1.clone(), None).unwrap();
        assert_eq!((meta.serial, meta.records), (1, 3));

        let cs1 = Changeset {
            from_soa: soa(1),
            to_soa: soa(2),
            removed: vec![a("www.example.", 1)],
            added: vec![a("www.example.", 3)],
        };
        let cs2 = Changeset {
            from_soa: soa(2),
            to_soa: soa(3),
            removed: vec![],
            added: vec![a("new.example.", 4)],
        };
        store
            .apply_changeset(&zone(), &cs1, JournalLimits::default(), None)
            .unwrap();
        let meta = store
            .apply_changeset(&zone(), &cs2, JournalLimits::default(), None)
            .unwrap();
        assert_eq!((meta.serial, meta.records), (3, 4));

        // Reopen: everything survives.
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        let (meta, records) = store.load_zone(&zone()).unwrap().unwrap();
        assert_eq!(meta.serial, 3);
        let want = vec![
            soa(3),
            a("www.example.", 3),
            a("mail.example.", 2),
            a("new.example.", 4),
        ];
        assert_eq!(sorted(records), sorted(want));

        let chain = store.journal_since(&zone(), 1).unwrap().unwrap();
        assert_eq!(chain.len(), 2);
        assert_eq!(soa_serial(&chain[0].to_soa), Some(2));
        assert_eq!(store.journal_since(&zone(), 2).unwrap().unwrap().len(), 1);
        assert_eq!(store.journal_since(&zone(), 3).unwrap().unwrap().len(), 0);
        assert!(store.journal_since(&zone(), 0).unwrap().is_none());
        assert_eq!(store.zones().unwrap().len(), 1);
        assert!(store.delete_zone(&zone()).unwrap());
        assert!(store.load_zone(&zone()).unwrap().is_none());
        assert!(store.zones().unwrap().is_empty());
    }

    #[test]
    fn bad_changesets_write_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store
            .replace_zone(&zone(), vec![soa(5), a("www.example.", 1)], None)
            .unwrap();
        let wrong_serial = Changeset {
            from_soa: soa(4),
            to_soa: soa(6),
            removed: vec![],
            added: vec![],
        };
        assert!(matches!(
            store.apply_changeset(&zone(), &wrong_serial, JournalLimits::default(), None),
            Err(StoreError::SerialMismatch {
                stored: 5,
                changeset: 4,
                ..
            })
        ));
        // The second removal fails after the first succeeded inside the transaction:
        // the first must not stick.
        let half = Changeset {
            from_soa: soa(5),
            to_soa: soa(6),
            removed: vec![a("www.example.", 1), a("gone.example.", 9)],
            added: vec![],
        };
        assert!(matches!(
            store.apply_changeset(&zone(), &half, JournalLimits::default(), None),
            Err(StoreError::MissingRecord { .. })
        ));
        let dup = Changeset {
            from_soa: soa(5),
            to_soa: soa(6),
            removed: vec![],
            added: vec![a("WWW.example.", 1)],
        };
        assert!(matches!(
            store.apply_changeset(&zone(), &dup, JournalLimits::default(), None),
            Err(StoreError::DuplicateRecord { .. })
        ));
        let (meta, records) = store.load_zone(&zone()).unwrap().unwrap();
        assert_eq!(meta.serial, 5);
        assert_eq!(sorted(records), sorted(vec![soa(5), a("www.example.", 1)]));
        assert_eq!(meta.journal_next, 0);
    }

    #[test]
    fn journal_is_capped_oldest_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.replace_zone(&zone(), vec![soa(1)], None).unwrap();
        let limits = JournalLimits {
            max_entries: 3,
            max_percent_of_zone: 10_000,
            min_bytes: 0,
        };
        for s in 1..=5u32 {
            let cs = Changeset {
                from_soa: soa(s),
                to_soa: soa(s + 1),
                removed: vec![],
                added: vec![a(&format!("h{s}.example."), s as u8)],
            };
            store.apply_changeset(&zone(), &cs, limits, None).unwrap();
        }
        let meta = store.meta(&zone()).unwrap().unwrap();
        assert_eq!(meta.journal_next - meta.journal_first, 3);
        assert!(store.journal_since(&zone(), 2).unwrap().is_none());
        assert_eq!(store.journal_since(&zone(), 3).unwrap().unwrap().len(), 3);
        // Size cap: a tiny percentage keeps only the newest entry.
        let tight = JournalLimits {
            max_entries: 1000,
            max_percent_of_zone: 1,
            min_bytes: 0,
        };
        let cs = Changeset {
            from_soa: soa(6),
            to_soa: soa(7),
            removed: vec![],
            added: vec![],
        };
        let meta = store.apply_changeset(&zone(), &cs, tight, None).unwrap();
        assert_eq!(meta.journal_next - meta.journal_first, 1);
        assert_eq!(store.journal_since(&zone(), 6).unwrap().unwrap().len(), 1);
    }
}
