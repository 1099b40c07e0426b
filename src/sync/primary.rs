//! The task that owns one primary zone: it loads the zone file, keeps the served
//! serial moving forward, persists every change, publishes it, and sends NOTIFY.
//!
//! # Data flow
//! `Reload` event → parse the file off the runtime → semantic checks → build a
//! [`ZoneVersion`] (or, when the text behind the served version is indexed, the
//! [`edit`](crate::zone::edit) path: only the owners the edit touches are parsed and
//! checked, the rest shared with the served version; anything it cannot promise
//! goes the whole-file way) → diff against what is served → pick the serial (serial policy) →
//! [`Store::apply_changeset`] (one transaction) → publish → NOTIFY. A file that fails
//! to parse or check is refused with its findings in the log; the previous version
//! keeps being served. Before the commit, the new version goes through the zone's
//! [`gate`](super::gate) (ZONEMD, the `verify:` command); a rejected version is not
//! stored or served, its reason goes to the status's `last_error` and the log, and
//! the file is read again only when it changes.
//!
//! The text index that the edit path compares a new file with is taken after each
//! version served; a large one waits for the next edit in an unnamed file in the
//! state dir (`Kept`), not in memory.
//!
//! # Standards
//! - RFC 1982: the served serial only ever moves forward. When the content changed and
//!   the file's serial did not advance, the serial policy picks a newer one (and says
//!   so in the log); a serial edited backwards is refused.
//! - RFC 1996 §3.5: NOTIFY goes to the NS hosts other than the SOA MNAME, plus the
//!   configured `also-notify`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::task::JoinSet;
use tracing::{Instrument, debug, error, info, info_span, warn};

use crate::config::{KeyRing, SerialPolicy};
use crate::store::{JournalLimits, Source, Store};
use crate::zone::changeset::{Changeset, diff};
use crate::zone::check::check_records_ordered;
use crate::zone::edit::{Edited, TextIndex, Unsupported, apply_edit, index_text};
use crate::zone::parse::read_zone_file;
use crate::zone::serial::{Serial, next_serial};
use crate::zone::version::ZoneVersion;
use crate::zone::version::canonical_order_of;
use crate::zone::{Class, Name, ParseOptions, Severity, parse_file, soa};

use super::inbox::{self, InboxReceiver};
use super::producer::CatalogFeed;
use super::propagation::Tracker;
use super::status::{Role, State, StatusCell, ZoneStatus};
use super::{Published, Publisher, ZoneHandle, ZoneSettings, notify_out};

//----------- PrimaryZone ------------------------------------------------------------

/// The state owned by a primary zone's task.
pub struct PrimaryZone {
    /// The zone's name.
    name: Name,
    /// Its zone file.
    file: PathBuf,
    /// Most bytes read from the file and its includes.
    max_file_bytes: u64,
    /// What to do when the content changes and the file's serial does not.
    policy: SerialPolicy,
    /// Where changes are persisted.
    store: Arc<Store>,
    /// Where changes are published (this task is the only sender).
    publish: Publisher,
    /// Settings shared with the listeners.
    settings: Arc<ZoneSettings>,
    /// The live key table NOTIFY keys are resolved in, at each send.
    ring: Arc<KeyRing>,
    /// The file as last loaded (serial in the file, mtime, size).
    source: Option<Source>,
    /// The NOTIFY round in flight; a new serial aborts it and starts another.
    notify_round: JoinSet<()>,
    /// The super master's catalog, told of every serial published.
    catalog: Option<Arc<CatalogFeed>>,
    /// What this task reports about the zone (it is the only writer).
    status: StatusCell,
    /// The zone's propagation view: told of each serial published and NOTIFY round.
    propagation: Tracker,
    /// The stamp (mtime, size) of a file version that was refused: it is not parsed
    /// (and its findings not logged) again until the file changes.
    refused: Option<(u64, u64)>,
    /// The text the served version was loaded from, indexed for the next edit.
    indexed: Indexed,
    /// The file could not be read (not its content's fault: out of descriptors, a
    /// disk error, the file missing): when to try again, and the delay that led
    /// there.
    read_retry: Option<(tokio::time::Instant, Duration)>,
}

/// The first retry of a zone file that could not be read; each next one waits
/// twice as long, up to [`READ_RETRY_MAX`].
const READ_RETRY_FIRST: Duration = Duration::from_secs(1);

/// The longest wait between retries of a zone file that could not be read.
const READ_RETRY_MAX: Duration = Duration::from_secs(60);

/// What [`PrimaryZone::indexed`] knows of the text behind the served version.
enum Indexed {
    /// Nothing yet.
    None,
    /// The index of the text `version` was built from (its serial aside).
    Ready(Kept, Arc<ZoneVersion>),
    /// The text of this stamp cannot take the edit path (`$INCLUDE`, …): not read
    /// again until the file changes.
    Unsupported((u64, u64)),
}

/// An index with at least this many entries is kept in a file, not in memory (a
/// million-record zone's is 16 MB); smaller ones stay (in unit tests, every index but
/// an empty one goes to a file).
const SPILL_ENTRIES: usize = if cfg!(test) { 1 } else { 4096 };

/// A text index kept for the next edit: in memory, or written to an unnamed file in
/// the state dir (gone when this is dropped, or when the process ends however it
/// ends) and read back when an edit comes. What is read back must have the digest
/// of what was written: a file changed underneath sends the edit down the whole-file path,
/// never makes a wrong one.
enum Kept {
    Memory(TextIndex),
    File {
        file: std::fs::File,
        len: usize,
        /// [`TextIndex::digest`] of what was written.
        digest: u64,
    },
}

impl Kept {
    /// Keeps `index`, in a file under `dir` when it is large (in memory when the file
    /// cannot be written). Blocks on the write.
    fn new(index: TextIndex, dir: &Path) -> Kept {
        if index.len() < SPILL_ENTRIES {
            return Kept::Memory(index);
        }
        let written = tempfile::tempfile_in(dir).and_then(|file| {
            let mut out = std::io::BufWriter::new(file);
            index.write_to(&mut out)?;
            out.into_inner().map_err(|e| e.into_error())
        });
        match written {
            Ok(file) => Kept::File {
                file,
                len: index.bytes_len(),
                digest: index.digest(),
            },
            Err(e) => {
                warn!(error = %e, "edit index kept in memory: cannot write it to the state dir");
                Kept::Memory(index)
            }
        }
    }

    /// The index, read back when it was written out. Blocks on the read.
    fn take(self) -> Result<TextIndex, Unsupported> {
        match self {
            Kept::Memory(index) => Ok(index),
            Kept::File { file, len, digest } => {
                let mut bytes = vec![0u8; len];
                std::os::unix::fs::FileExt::read_exact_at(&file, &mut bytes, 0)
                    .map_err(|_| Unsupported::Mismatch)?;
                let index = TextIndex::from_bytes(&bytes).ok_or(Unsupported::Mismatch)?;
                drop(bytes);
                if index.digest() != digest {
                    return Err(Unsupported::Mismatch);
                }
                Ok(index)
            }
        }
    }
}

/// What a primary zone needs to start.
pub struct PrimarySpec {
    /// Zone name.
    pub name: Name,
    /// Zone file.
    pub file: PathBuf,
    /// Serial policy.
    pub policy: SerialPolicy,
    /// Settings shared with the listeners.
    pub settings: Arc<ZoneSettings>,
    /// The super master's catalog, told of every serial this zone serves.
    pub catalog: Option<Arc<CatalogFeed>>,
    /// Most bytes read from the zone file and its `$INCLUDE`s (`limits:
    /// max-zone-file-bytes`).
    pub max_file_bytes: u64,
    /// The zone's propagation view (a zone restarted by a reload keeps its own).
    pub propagation: Tracker,
}

/// Starts the task of a primary zone; returns its handle. The task runs until its
/// inbox closes (the handle is dropped). NOTIFY keys are resolved in `ring` when sent.
pub fn spawn(
    spec: PrimarySpec,
    store: Arc<Store>,
    ring: Arc<KeyRing>,
    tasks: &mut JoinSet<()>,
) -> Arc<ZoneHandle> {
    let (publish, published) = Publisher::new();
    let (events, inbox) = inbox::inbox();
    let status = StatusCell::new(ZoneStatus::new(
        Role::Primary,
        vec![spec.file.display().to_string()],
    ));
    let handle = Arc::new(ZoneHandle {
        name: spec.name.clone(),
        published,
        inbox: events,
        settings: spec.settings.clone(),
        status: status.clone(),
        propagation: spec.propagation.clone(),
    });
    let zone = PrimaryZone {
        name: spec.name.clone(),
        file: spec.file,
        max_file_bytes: spec.max_file_bytes,
        policy: spec.policy,
        store,
        publish,
        settings: spec.settings,
        ring,
        source: None,
        notify_round: JoinSet::new(),
        catalog: spec.catalog,
        status,
        propagation: handle.propagation.clone(),
        refused: None,
        indexed: Indexed::None,
        read_retry: None,
    };
    let span = info_span!("zone", zone = %spec.name);
    // Boxed, as a secondary's (see `secondary::spawn`): `run(self)` would hold the
    // zone's state twice.
    tasks.spawn(Box::new(zone).run(inbox).instrument(span));
    handle
}

impl PrimaryZone {
    /// Drives the zone until its inbox closes.
    async fn run(mut self: Box<Self>, mut inbox: InboxReceiver) {
        // Loading ends in NOTIFYs and our catalog's listing: not before the server
        // answers for the zone (see `Snapshot::listed`).
        tokio::select! {
            () = self.publish.snapshot().listed() => {}
            () = inbox.closed() => return,
        }
        self.restore().await;
        self.reload().await;
        // Primary zones take no NOTIFY and have nothing to refresh from: of what is
        // pending, only a reload and a NOTIFY round apply; and a file that could not
        // be read is read again after a while.
        loop {
            let pending = match self.read_retry {
                Some((at, _)) => tokio::select! {
                    pending = inbox.recv() => pending,
                    () = tokio::time::sleep_until(at) => {
                        self.reload().await;
                        continue;
                    }
                },
                None => inbox.recv().await,
            };
            let Some(pending) = pending else {
                break;
            };
            if pending.reload {
                self.reload().await;
            }
            if pending.notify_out {
                self.notify();
            }
        }
        self.notify_round.abort_all();
        debug!("zone task stopped");
    }

    /// Serves what the store holds, if anything: the state of the last commit,
    /// auto-advanced serial included.
    async fn restore(&mut self) {
        let store = self.store.clone();
        let name = self.name.clone();
        let loaded = tokio::task::spawn_blocking(move || {
            let Some((meta, records)) = store.load_zone(&name)? else {
                return Ok(None);
            };
            let version = ZoneVersion::from_records(name, Class::IN, records)
                .map_err(|e| crate::store::StoreError::NoSoa(e.to_string()))?;
            Ok::<_, crate::store::StoreError>(Some((meta, version)))
        })
        .await;
        match loaded {
            Ok(Ok(Some((meta, version)))) => {
                info!(
                    serial = version.serial(),
                    records = version.record_count(),
                    "restored from the store"
                );
                self.source = meta.source;
                self.publish_version(version);
            }
            Ok(Ok(None)) => {}
            Ok(Err(e)) => error!(error = %e, "cannot restore from the store; loading the file"),
            Err(e) => error!(error = %e, "restore task failed"),
        }
    }

    /// Reads the zone file and, when it changed, commits, publishes and notifies.
    async fn reload(&mut self) {
        let retried = self.read_retry.take().map(|(_, delay)| delay);
        let stamp = match file_stamp(&self.file).await {
            Ok(s) => s,
            Err(e) => {
                self.read_again(retried);
                let error = format!("cannot read {}: {e}", self.file.display());
                // Say it once, not on every file check.
                if self.status.get().last_error.as_deref() != Some(error.as_str()) {
                    error!(file = %self.file.display(), error = %e, "cannot read zone file; {}", what_stays(self.served()));
                    self.failed(error);
                }
                return;
            }
        };
        if self.refused == Some(stamp) {
            debug!("zone file unchanged since it was refused");
            return;
        }
        let current = self.publish.get();
        if let (Some(_), Some(src)) = (&current, &self.source)
            && (src.mtime_ns, src.len) == stamp
        {
            debug!("zone file unchanged");
            self.index_source().await;
            return;
        }
        // Refused until accepted: a refusal below leaves this set.
        self.refused = Some(stamp);
        if let Some(cur) = &current
            && matches!(&self.indexed, Indexed::Ready(_, at) if Arc::ptr_eq(at, &cur.version))
            && let Indexed::Ready(kept, _) = std::mem::replace(&mut self.indexed, Indexed::None)
        {
            match self.edit(cur.version.clone(), kept, stamp).await {
                Ok(edited) => {
                    debug!(owners = edited.touched, "zone file edit read in part");
                    let source = Source {
                        serial: edited.version.serial(),
                        mtime_ns: stamp.0,
                        len: stamp.1,
                    };
                    self.update(&cur.version, edited.version, source).await;
                    // The version replaced is not held while the index is written: a
                    // reader's reference may be its last.
                    drop(current);
                    if self.source.is_some_and(|s| (s.mtime_ns, s.len) == stamp)
                        && let Some(now) = self.publish.get()
                    {
                        // Kept after the new version is served: its write is not on
                        // the way to serving it.
                        let dir = self.store.dir().to_path_buf();
                        let index = edited.index;
                        if let Ok(kept) =
                            tokio::task::spawn_blocking(move || Kept::new(index, &dir)).await
                        {
                            self.indexed = Indexed::Ready(kept, now.version.clone());
                        }
                    }
                    return;
                }
                Err(why) => debug!(reason = %why, "zone file read whole"),
            }
        }
        let new = match self.load_file().await {
            Ok(Some(new)) => new,
            Ok(None) => return,
            Err(e) => {
                // Not the content's fault: not refused, read again soon.
                error!(error = %e, "cannot read zone file; {}", what_stays(self.served()));
                self.failed(e.to_string());
                self.refused = None;
                self.read_again(retried);
                return;
            }
        };
        let source = Source {
            serial: new.serial(),
            mtime_ns: stamp.0,
            len: stamp.1,
        };
        match current {
            None => self.first_load(new, source).await,
            Some(cur) => self.update(&cur.version, new, source).await,
        }
        self.index_source().await;
    }

    /// Reads the file once more and takes the edit path of [`crate::zone::edit`]:
    /// the version the file makes, built from the served one in proportion to the
    /// edit. An error says why the whole file must be read instead.
    async fn edit(
        &self,
        served: Arc<ZoneVersion>,
        kept: Kept,
        stamp: (u64, u64),
    ) -> Result<Edited, Unsupported> {
        let file = self.file.clone();
        let max = self.max_file_bytes;
        tokio::task::spawn_blocking(move || {
            let index = kept.take()?;
            let text = read_stamped(&file, max, stamp).ok_or(Unsupported::Mismatch)?;
            let opts = ParseOptions {
                max_file_bytes: max,
                ..ParseOptions::default()
            };
            apply_edit(&served, &index, &text, &file, &opts)
        })
        .await
        .unwrap_or(Err(Unsupported::Mismatch))
    }

    /// Indexes the text behind the served version when it is not yet: after a
    /// whole-file load, or a restore from the store with the file unchanged. The
    /// file is read again and used only if its stamp is the one the version was
    /// loaded with, before and after the read.
    async fn index_source(&mut self) {
        let (Some(source), Some(current)) = (self.source, self.publish.get()) else {
            return;
        };
        let stamp = (source.mtime_ns, source.len);
        match &self.indexed {
            Indexed::Ready(_, at) if Arc::ptr_eq(at, &current.version) => return,
            Indexed::Unsupported(s) if *s == stamp => return,
            _ => {}
        }
        let (file, max, origin) = (self.file.clone(), self.max_file_bytes, self.name.clone());
        let dir = self.store.dir().to_path_buf();
        let result = tokio::task::spawn_blocking(move || {
            let text = read_stamped(&file, max, stamp)?;
            Some(index_text(&text, &origin).map(|index| Kept::new(index, &dir)))
        })
        .await;
        self.indexed = match result {
            Ok(Some(Ok(kept))) => Indexed::Ready(kept, current.version.clone()),
            Ok(Some(Err(why))) => {
                debug!(reason = %why, "edits to this zone file are read whole");
                Indexed::Unsupported(stamp)
            }
            // The file changed meanwhile: the next check reloads it.
            _ => Indexed::None,
        };
    }

    /// Arms the next read of a file that could not be read: `READ_RETRY_FIRST` after
    /// a first failure, twice the `last` delay after a retry's.
    fn read_again(&mut self, last: Option<Duration>) {
        let delay = last.map_or(READ_RETRY_FIRST, |d| (d * 2).min(READ_RETRY_MAX));
        self.read_retry = Some((tokio::time::Instant::now() + delay, delay));
    }

    /// Parses and checks the file off the runtime; logs findings; `None` when it
    /// must not be served; an error when it could not be read.
    async fn load_file(&self) -> Result<Option<ZoneVersion>, crate::zone::ParseError> {
        let file = self.file.clone();
        let origin = self.name.clone();
        let opts = ParseOptions {
            max_file_bytes: self.max_file_bytes,
            ..ParseOptions::default()
        };
        let result = tokio::task::spawn_blocking(move || {
            let parsed = parse_file(&file, &origin, &opts)?;
            let mut findings = parsed.findings.clone();
            // One canonical sort, for the checks and for the version.
            let order = canonical_order_of(&origin, &parsed.records);
            if !parsed.has_errors() {
                findings.extend(check_records_ordered(
                    &origin,
                    &parsed.records,
                    &parsed.positions,
                    Some(&order),
                ));
            }
            let fatal = findings.iter().any(|f| f.severity == Severity::Error);
            let version = if fatal {
                None
            } else {
                Some(ZoneVersion::from_records_ordered(
                    origin,
                    Class::IN,
                    parsed.records,
                    order,
                ))
            };
            Ok::<_, crate::zone::ParseError>((findings, version))
        })
        .await;
        let (findings, version) = match result {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => return Err(e),
            Err(e) => {
                error!(error = %e, "zone file loader failed");
                return Ok(None);
            }
        };
        for f in findings.iter().take(50) {
            match f.severity {
                Severity::Error => error!("{f}"),
                Severity::Warning => warn!("{f}"),
            }
        }
        match version {
            None => {
                let errors = findings
                    .iter()
                    .filter(|f| f.severity == Severity::Error)
                    .count();
                error!(errors, file = %self.file.display(), "zone file refused; {}", what_stays(self.served()));
                let first = findings.iter().find(|f| f.severity == Severity::Error);
                self.failed(format!(
                    "zone file refused ({}){}",
                    crate::plural::count_of(errors, "error"),
                    first.map(|f| format!(": {f}")).unwrap_or_default()
                ));
                Ok(None)
            }
            Some(Err(e)) => {
                error!(error = %e, "zone file refused; {}", what_stays(self.served()));
                self.failed(format!("zone file refused: {e}"));
                Ok(None)
            }
            Some(Ok(v)) => Ok(Some(v)),
        }
    }

    /// The first version ever: serve it at once (the file is its own durable copy),
    /// then store it.
    async fn first_load(&mut self, new: ZoneVersion, source: Source) {
        info!(
            serial = new.serial(),
            records = new.record_count(),
            "loaded"
        );
        let new = Arc::new(new);
        if !self.pass_gate(&new, None).await {
            return;
        }
        let version = self.publish_version(new);
        let store = self.store.clone();
        let name = self.name.clone();
        // Not waited for: the file is this version's durable copy.
        let result = tokio::task::spawn_blocking(move || {
            store.replace_zone_version(&name, version, Some(source), None, false)
        })
        .await;
        match result {
            Ok(Ok(_)) => {
                self.source = Some(source);
                self.refused = None;
            }
            Ok(Err(e)) => error!(error = %e, "cannot store the zone"),
            Err(e) => error!(error = %e, "store task failed"),
        }
        self.notify();
    }

    /// A new file content against the served version.
    async fn update(&mut self, cur: &Arc<ZoneVersion>, new: ZoneVersion, source: Source) {
        let mut cs = diff(cur, &new);
        let content_changed = !cs.removed.is_empty()
            || !cs.added.is_empty()
            || cs.from_soa.ttl != cs.to_soa.ttl
            || soa_body(&cs.from_soa) != soa_body(&cs.to_soa);
        let served = Serial(cur.serial());
        let file_serial = Serial(new.serial());
        if !content_changed && (file_serial == served || !file_serial.is_newer_than(served)) {
            debug!(
                file_serial = file_serial.0,
                served = served.0,
                "zone file read, no change"
            );
            self.remember_source(source).await;
            return;
        }
        if !file_serial.is_newer_than(served) {
            let edited_backwards = self.source.is_some_and(|s| {
                s.serial != file_serial.0 && !file_serial.is_newer_than(Serial(s.serial))
            });
            if edited_backwards {
                error!(
                    file_serial = file_serial.0,
                    served = served.0,
                    "zone file refused: its serial was edited backwards; keeping the served version"
                );
                self.failed(format!(
                    "zone file refused: serial {} is behind the served {}",
                    file_serial.0, served.0
                ));
                return;
            }
            if self.policy == SerialPolicy::Keep {
                error!(
                    file_serial = file_serial.0,
                    served = served.0,
                    "zone file refused: content changed but the serial did not advance (serial-policy keep)"
                );
                self.failed("zone file refused: content changed but the serial did not advance");
                return;
            }
            let next = next_serial(served, self.policy, SystemTime::now());
            match soa::with_serial(&cs.to_soa.rdata, next.0) {
                Ok(rdata) => cs.to_soa.rdata = rdata,
                Err(e) => {
                    error!(error = %e, "cannot set the serial");
                    return;
                }
            }
            info!(file_serial = file_serial.0, serial = next.0, policy = %self.policy,
                "content changed without a serial increase; serial advanced");
        }
        let version = match cur.apply(&cs) {
            Ok(v) => Arc::new(v),
            Err(e) => {
                error!(error = %e, "cannot apply the change");
                return;
            }
        };
        // Validate before persist: the version as it would be served, serial included.
        if !self.pass_gate(&version, Some(served.0)).await {
            return;
        }
        self.commit(cs, version, Some(source)).await;
    }

    /// Persists a changeset, then publishes the version it leads to, then notifies.
    async fn commit(&mut self, cs: Changeset, version: Arc<ZoneVersion>, source: Option<Source>) {
        let store = self.store.clone();
        let name = self.name.clone();
        let (from, to) = (cs.from_serial().unwrap_or(0), cs.to_serial().unwrap_or(0));
        let (removed, added) = (cs.removed.len(), cs.added.len());
        let result = tokio::task::spawn_blocking(move || {
            store.apply_changeset(&name, &cs, JournalLimits::default(), source)
        })
        .await;
        match result {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                error!(error = %e, "cannot store the change; keeping the served version");
                // A store failure is not the file's fault: try again at the next check.
                self.refused = None;
                return;
            }
            Err(e) => {
                error!(error = %e, "store task failed; keeping the served version");
                return;
            }
        }
        if source.is_some() {
            self.source = source;
            self.refused = None;
        }
        info!(
            serial_from = from,
            serial_to = to,
            removed,
            added,
            "reloaded, serial {from} -> {to}"
        );
        self.publish_version(version);
        self.notify();
    }

    /// Puts a candidate version through the zone's gate; on a rejection logs it,
    /// reports it in the status and returns false (the served version stays, and the
    /// file stays refused until it changes).
    async fn pass_gate(&self, candidate: &Arc<ZoneVersion>, old_serial: Option<u32>) -> bool {
        match super::gate::check(&self.name, candidate, old_serial, &self.settings.gate).await {
            Ok(()) => true,
            Err(e) => {
                let serial = candidate.serial();
                error!(serial, error = %e, "new version rejected; {}", what_stays(self.served()));
                self.failed(format!("serial {serial} rejected: {e}"));
                false
            }
        }
    }

    /// Remembers the file's stamp so the watcher does not parse it again.
    async fn remember_source(&mut self, source: Source) {
        let store = self.store.clone();
        let name = self.name.clone();
        let _ = tokio::task::spawn_blocking(move || store.set_source(&name, source)).await;
        self.source = Some(source);
        self.refused = None;
    }

    /// Publishes a version to readers.
    fn publish_version(&self, version: impl Into<Arc<ZoneVersion>>) -> Arc<ZoneVersion> {
        let version = version.into();
        self.publish
            .set(Some(Arc::new(Published::new(version.clone()))));
        if let Some(feed) = &self.catalog {
            feed.member(&self.name, Some(version.serial()));
        }
        let serial = version.serial();
        self.propagation.on_published(serial);
        self.status.update(|s| {
            s.state = State::Ok;
            s.serial = Some(serial);
            s.last_refresh = Some(super::timers::unix_now());
            s.last_error = None;
        });
        version
    }

    /// Records an error in the zone's status (it is logged where it happens).
    fn failed(&self, error: impl std::fmt::Display) {
        let error = error.to_string();
        self.status.update(|s| s.last_error = Some(error));
    }

    /// True when a version of the zone is being served.
    fn served(&self) -> bool {
        self.publish.is_some()
    }

    /// Starts a NOTIFY round for the served serial, replacing one in flight.
    fn notify(&mut self) {
        if self.settings.notify == crate::config::NotifyMode::No {
            return;
        }
        let Some(current) = self.publish.get() else {
            return;
        };
        self.notify_round.abort_all();
        let targets = notify_out::targets(
            self.settings.notify,
            &current.version,
            &self.settings.also_notify,
        );
        notify_out::spawn_round(
            &mut self.notify_round,
            self.publish.snapshot(),
            &current.version,
            targets,
            &self.ring,
            &self.propagation,
        );
    }
}

/// What a refused or failed load leaves behind, for the end of its log line: the
/// served version when there is one, else nothing.
fn what_stays(served: bool) -> &'static str {
    if served {
        "keeping the served version"
    } else {
        "the zone is not served"
    }
}

/// The SOA RDATA without the serial, to tell whether anything but the serial changed.
fn soa_body(rec: &crate::zone::Record) -> Option<Vec<u8>> {
    soa::with_serial(&rec.rdata, 0)
        .ok()
        .map(|r| r.as_wire().to_vec())
}

/// The whole text of `path` if its stamp is `stamp` before and after the read.
/// Blocking.
fn read_stamped(path: &std::path::Path, max: u64, stamp: (u64, u64)) -> Option<Vec<u8>> {
    let stamp_now = || {
        let meta = std::fs::metadata(path).ok()?;
        let mtime = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
        Some((mtime.as_nanos() as u64, meta.len()))
    };
    if stamp_now()? != stamp {
        return None;
    }
    let text = read_zone_file(path, max).ok()?;
    (stamp_now()? == stamp).then_some(text)
}

/// Modification time (ns since the epoch) and size of a file, off the runtime.
pub async fn file_stamp(path: &std::path::Path) -> std::io::Result<(u64, u64)> {
    let meta = tokio::fs::metadata(path).await?;
    let mtime = meta
        .modified()?
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    Ok((mtime, meta.len()))
}

//----------- Tests ------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use std::sync::Weak;
    use std::time::Instant;

    use super::*;
    use crate::sync::{ZoneEvent, ZoneSettings};

    /// A kept index reads back as written; one whose file changed underneath is
    /// refused (the whole-file path then), never read as another index.
    #[test]
    fn a_kept_index_reads_back_or_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let origin: Name = "example.com.".parse().unwrap();
        let text =
            b"$ORIGIN example.com.\n$TTL 60\n@ SOA ns h 1 60 60 600 60\n@ NS ns\nns A 192.0.2.1\n";
        let index = index_text(text, &origin).expect("indexed");
        let bytes = index.to_bytes();
        let kept = Kept::new(index.clone(), dir.path());
        assert!(matches!(kept, Kept::File { .. }), "spilled under test");
        assert_eq!(kept.take().expect("reads back").to_bytes(), bytes);
        // Nothing left behind in the state dir: the file has no name.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

        let kept = Kept::new(index.clone(), dir.path());
        let Kept::File { file, .. } = &kept else {
            panic!("spilled");
        };
        std::os::unix::fs::FileExt::write_all_at(file, &[0xff; 8], 8).unwrap();
        assert_eq!(kept.take().err(), Some(Unsupported::Mismatch));

        // A state dir that cannot take the file: kept in memory.
        let kept = Kept::new(index, &dir.path().join("missing"));
        assert!(matches!(kept, Kept::Memory(_)));
        assert_eq!(kept.take().expect("in memory").to_bytes(), bytes);
    }

    /// `example.com.` at `serial` with `hosts` A records.
    fn zone_text(serial: u32, hosts: u32) -> String {
        let mut t = format!(
            "$ORIGIN example.com.\n$TTL 300\n\
             @ SOA ns1.example.net. hostmaster {serial} 3600 600 86400 300\n\
             @ NS ns1.example.net.\n"
        );
        for i in 0..hosts {
            t.push_str(&format!("h{i} A 10.0.{}.{}\n", i / 250, i % 250));
        }
        t
    }

    /// Waits (bounded, 10 s of real time) until the zone serves `serial`.
    async fn serving(zone: &ZoneHandle, serial: u32) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while zone.current().map(|p| p.version.serial()) != Some(serial) {
            assert!(Instant::now() < deadline, "never served serial {serial}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Spawns the primary zone `example.com.` of `file`, with its store under `dir`
    /// (not listed yet).
    fn start(dir: &Path, file: &Path, tasks: &mut JoinSet<()>) -> Arc<ZoneHandle> {
        let store = Arc::new(Store::open(&dir.join("state")).expect("store"));
        let spec = PrimarySpec {
            name: "example.com.".parse().expect("name"),
            file: file.to_path_buf(),
            policy: SerialPolicy::Keep,
            settings: Arc::new(ZoneSettings {
                allow_transfer: crate::acl::Acl::deny_all(),
                also_notify: Vec::new(),
                notify: crate::config::NotifyMode::No,
                allow_notify: crate::acl::Acl::deny_all(),
                secondary: false,
                catalog: false,
                gate: crate::sync::gate::GateSettings::default(),
            }),
            catalog: None,
            max_file_bytes: u64::MAX,
            propagation: Default::default(),
        };
        spawn(spec, store, Arc::new(KeyRing::default()), tasks)
    }

    /// A zone file that cannot be read (here a directory where the file should be) is
    /// not refused: it is read again a while later, with no reload asked for.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_unreadable_zone_file_is_read_again() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("example.com.zone");
        std::fs::create_dir(&file).expect("mkdir");
        let mut tasks = JoinSet::new();
        let zone = start(dir.path(), &file, &mut tasks);
        let registry = crate::sync::Registry::default();
        registry.insert(zone.clone());
        registry.publish();
        let deadline = Instant::now() + Duration::from_secs(10);
        while zone.status.get().last_error.is_none() {
            assert!(Instant::now() < deadline, "the read never failed");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        std::fs::remove_dir(&file).expect("rmdir");
        std::fs::write(&file, zone_text(1, 10)).expect("write");
        serving(&zone, 1).await;
        tasks.abort_all();
    }

    /// Each version is freed once the next one is published and its last reader (an
    /// AXFR streaming from it, say) lets go: neither the zone task, nor the store's
    /// batched first write, nor the published snapshot and its answer cache keep an
    /// old version alive (issue 13, memory across reloads).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_old_version_does_not_outlive_its_last_reader() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("example.com.zone");
        std::fs::write(&file, zone_text(1, 100)).expect("write");
        let mut tasks = JoinSet::new();
        let zone = start(dir.path(), &file, &mut tasks);
        // Nothing is loaded, hence nothing announced, before the server answers for
        // the zone.
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert!(zone.current().is_none(), "loaded before it was listed");
        let registry = crate::sync::Registry::default();
        registry.insert(zone.clone());
        registry.publish();
        serving(&zone, 1).await;

        let mut previous: Option<Weak<ZoneVersion>> = None;
        for serial in 2..=4u32 {
            // A reader of the served version, as a transfer out holds it.
            let reader = zone.current().expect("served");
            let old = Arc::downgrade(&reader.version);
            // One more record each time: the file's size, hence its stamp, changes.
            std::fs::write(&file, zone_text(serial, 100 + serial)).expect("write");
            zone.send(ZoneEvent::Reload);
            serving(&zone, serial).await;
            assert!(old.upgrade().is_some(), "held by its reader");
            drop(reader);
            // The zone task may still be finishing the reload that replaced it (the
            // new version is served before the reload returns): freed by then.
            let deadline = Instant::now() + Duration::from_secs(10);
            while old.upgrade().is_some() {
                assert!(
                    Instant::now() < deadline,
                    "serial {} outlived its last reader",
                    serial - 1
                );
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            if let Some(p) = previous.take() {
                assert!(p.upgrade().is_none());
            }
            previous = Some(old);
        }
        tasks.abort_all();
    }
}
