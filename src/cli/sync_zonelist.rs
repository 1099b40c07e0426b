//! `zonesync sync-zonelist`: the one-shot, cron-driven bulk refresh.
//!
//! One run: read the folder's manifest, fetch every master's catalog (IXFR from the
//! copy in the folder), plan ([`crate::sync::mirror::plan`]), then run the steps —
//! SOA queries for members of catalogs without serials, transfers of new and changed
//! zones (IXFR from the local file, AXFR fallback), at most [`CONCURRENCY`] at a
//! time — remove the zones that left, and write the manifest last. The manifest is
//! this function's alone to write (one writer), and only from the results as they
//! come back.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tracing::{info, warn};

use crate::addr::ServerAddr;
use crate::output::zonelist::{self, Action, CatalogRow, Report, ZoneRow, ZonesBar};
use crate::sync::mirror::fetch::{self, Fetched, FetchedCatalog, TransferKind};
use crate::sync::mirror::zone_list::{self, ZoneListFormat};
use crate::sync::mirror::{
    self, Freshness, Item, Manifest, MirrorError, Source, Step, ZoneEntry, catalog_file_name,
    decide, older_note, zone_key,
};
use crate::xfr::ClientOptions;
use crate::zone::Name;

use super::args::{KeyArgs, parse_duration, parse_server, parse_zone, resolve};
use super::{Status, runtime};

/// SOA queries and transfers under way at once.
pub const CONCURRENCY: usize = 8;

/// Mirror super masters' zone lists and zones into a directory.
///
/// Reads each master's catalog zone (RFC 9432), writes one zone file per member plus a
/// manifest of serials into DIR, transfers only the zones whose serial changed (IXFR
/// from the local copy where possible), and deletes the ones that left. With
/// --zone-list FILE it also writes the include that makes NSD, Knot or BIND serve
/// every zone of DIR; with --exec CMD it runs CMD after a run that changed something
/// (to reload that server).
///
/// Cron-clean: a run that changed nothing and failed nowhere prints nothing (the
/// table and the summary appear only when a zone was added, updated, removed or
/// failed, or with --dry-run; `--format json` always prints its document). Exits 1
/// if any zone or catalog failed (a failed zone keeps its previous file), or if the
/// zone list cannot be written or the --exec command fails.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Zones whose serial the catalog lists (a zonesync super master) are compared with the
manifest without any query; members of other catalogs (Knot, BIND, PowerDNS) are
checked by SOA queries, 8 at a time. Files are <zone>.zone (lower case, no final
dot); the manifest (.zonesync-manifest.json) and the catalog copies are hidden files.

--exec runs CMD with `sh -c` after the zone files, the manifest and the zone list are
written, and only when a zone was added, updated or removed (or the zone list changed).
Its environment tells what changed: ZONESYNC_DIR, ZONESYNC_ADDED, ZONESYNC_UPDATED,
ZONESYNC_REMOVED and ZONESYNC_FAILED (zone names separated by spaces), and
ZONESYNC_ZONE_LIST (the --zone-list file, when given). A CMD that cannot start or
exits non-zero makes the run exit 1.

--zone-list FILE is rewritten (atomically) when its content changes: for nsd, `zone:`
clauses (nsd.conf: include: \"FILE\"); for knot, a `zone:` section (knot.conf:
include: FILE); for bind, `zone` statements (named.conf: include \"FILE\";). Files are
named by absolute paths; the zones are primary zones of that server.

Examples:
  zonesync sync-zonelist -s 127.0.0.1:5300 --dir /var/lib/zones -k xfr.key
  zonesync sync-zonelist -s 192.0.2.1 -s 192.0.2.2 --catalog catalog.invalid. --dir zones --dry-run
  zonesync sync-zonelist -s 127.0.0.1:5300 --dir /var/lib/zones --zone-list /etc/nsd/mirror.conf \\
      --zone-list-format nsd --exec 'nsd-control reconfig && nsd-control reload'")]
pub struct SyncZonelistArgs {
    /// A super master, HOST[:PORT] or [V6]:PORT; repeat for several.
    #[arg(short, long = "server", value_name = "MASTER", required = true, value_parser = parse_server)]
    pub servers: Vec<ServerAddr>,

    /// The catalog zone that lists the zones.
    #[arg(long, value_name = "NAME", default_value = "catalog.invalid.")]
    pub catalog: String,

    /// TSIG key.
    #[command(flatten)]
    pub key: KeyArgs,

    /// The directory to mirror into.
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,

    /// Say what would change, change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,

    /// Refuse to delete more than N zones of one catalog in one run (a guard against a
    /// master that lost its zone list): none is deleted, and the run exits 1.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub max_deletions: usize,

    /// How long to wait for each answer or message.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// After a run that added, updated or removed a zone, run CMD with `sh -c`
    /// (environment: ZONESYNC_ADDED, ZONESYNC_UPDATED, ZONESYNC_REMOVED, …).
    #[arg(long, value_name = "CMD")]
    pub exec: Option<String>,

    /// Write the include that makes a server serve every zone of DIR here (atomically,
    /// when it changes).
    #[arg(long, value_name = "FILE", requires = "zone_list_format")]
    pub zone_list: Option<PathBuf>,

    /// The server the --zone-list include is for.
    #[arg(long, value_enum, value_name = "SERVER", requires = "zone_list")]
    pub zone_list_format: Option<ZoneListArg>,
}

/// `--zone-list-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ZoneListArg {
    /// `zone:` clauses for nsd.conf.
    Nsd,
    /// A `zone:` section for knot.conf.
    Knot,
    /// `zone` statements for named.conf.
    Bind,
}

impl From<ZoneListArg> for ZoneListFormat {
    fn from(a: ZoneListArg) -> ZoneListFormat {
        match a {
            ZoneListArg::Nsd => ZoneListFormat::Nsd,
            ZoneListArg::Knot => ZoneListFormat::Knot,
            ZoneListArg::Bind => ZoneListFormat::Bind,
        }
    }
}

/// `--format table|json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TableFormat {
    /// A table for people.
    Table,
    /// JSON for machines.
    Json,
}

/// Runs one synchronisation.
pub fn run(args: SyncZonelistArgs) -> anyhow::Result<Status> {
    let started = Instant::now();
    let key = args.key.resolve()?;
    let catalog = parse_zone(&args.catalog)?;
    let opts = ClientOptions {
        key,
        timeout: args.timeout,
        ..Default::default()
    };
    if !args.dry_run {
        std::fs::create_dir_all(&args.dir)
            .with_context(|| format!("cannot create {}", args.dir.display()))?;
    }
    let manifest = Manifest::load(&args.dir).context("cannot read the manifest")?;
    let rt = runtime()?;
    let run = rt.block_on(Run::new(&args, catalog, opts, manifest).sync())?;
    // The include follows the manifest: written after it, from the same zones.
    let list_changed = match (&args.zone_list, args.zone_list_format, args.dry_run) {
        (Some(file), Some(format), false) => {
            write_zone_list(file, format.into(), &args.dir, &run.manifest)
                .with_context(|| format!("cannot write the zone list {}", file.display()))?
        }
        _ => false,
    };
    let c = run.report.counts();
    let changed = c.added + c.updated + c.removed > 0 || list_changed;
    let failed = run.report.failed();
    // Cron mails any output: a run with nothing to say says nothing.
    let speak = changed || failed || args.dry_run;
    match args.format {
        TableFormat::Table if speak => zonelist::print_table(&run.report)?,
        TableFormat::Table => {}
        TableFormat::Json => zonelist::print_json(&run.report)?,
    }
    if speak {
        zonelist::summary(&run.report, run.transfers, run.bytes, started.elapsed());
    }
    if let Some(cmd) = args.exec.as_deref().filter(|_| changed && !args.dry_run) {
        run_exec(cmd, &args, &run.report)?;
    }
    Ok(if failed {
        Status::Failure
    } else {
        Status::Success
    })
}

/// Writes the zone-list include when its text differs from the file's (so that a
/// server watching it is not reloaded for nothing). True when it was written.
fn write_zone_list(
    file: &Path,
    format: ZoneListFormat,
    dir: &Path,
    manifest: &Manifest,
) -> anyhow::Result<bool> {
    let dir = std::path::absolute(dir)?;
    let text = zone_list::render(format, &dir, &manifest.zones).map_err(anyhow::Error::msg)?;
    match std::fs::read(file) {
        Ok(old) if old == text.as_bytes() => return Ok(false),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e.into()),
    }
    crate::durable::write_atomically(file, text.as_bytes())?;
    info!(file = %file.display(), zones = manifest.zones.len(), "zone list written");
    Ok(true)
}

/// Runs the `--exec` command with `sh -c`, the changes in its environment; a command
/// that cannot start or exits non-zero is an error (exit 1).
fn run_exec(cmd: &str, args: &SyncZonelistArgs, report: &Report) -> anyhow::Result<()> {
    let names = |action: Action| -> String {
        report
            .zones
            .iter()
            .filter(|z| z.action == action)
            .map(|z| z.zone.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut command = std::process::Command::new("sh");
    command
        .arg("-c")
        .arg(cmd)
        .stdin(std::process::Stdio::null())
        .env("ZONESYNC_DIR", &args.dir)
        .env("ZONESYNC_ADDED", names(Action::Added))
        .env("ZONESYNC_UPDATED", names(Action::Updated))
        .env("ZONESYNC_REMOVED", names(Action::Removed))
        .env("ZONESYNC_FAILED", names(Action::Failed));
    if let Some(file) = &args.zone_list {
        command.env("ZONESYNC_ZONE_LIST", file);
    }
    let status = command
        .status()
        .with_context(|| format!("--exec \"{cmd}\" cannot start"))?;
    if !status.success() {
        let how = match status.code() {
            Some(code) => format!("exited with status {code}"),
            None => "was killed by a signal".to_string(),
        };
        anyhow::bail!("--exec \"{cmd}\" {how}");
    }
    info!(command = cmd, "--exec command done");
    Ok(())
}

//----------- Run --------------------------------------------------------------------

/// One run's state. `manifest` is written only by [`Run::record`] and the removals,
/// from the main task.
struct Run<'a> {
    args: &'a SyncZonelistArgs,
    catalog: Name,
    opts: ClientOptions,
    /// The manifest, updated as results come in; saved at the end when it changed.
    manifest: Manifest,
    /// The manifest as loaded.
    loaded: Manifest,
    report: Report,
    transfers: usize,
    bytes: u64,
}

/// One master whose catalog was fetched.
struct Fetch {
    master: String,
    peer: SocketAddr,
    catalog: crate::sync::catalog::Catalog,
}

/// What one step's task found.
enum Done {
    /// A transfer (or IXFR that found the copy current) finished.
    Refreshed(Fetched),
    /// Nothing to transfer: the catalog or the SOA query says we have `serial`.
    Checked {
        /// The serial we keep.
        serial: u32,
        /// Why a different serial of the master's was not taken.
        note: Option<String>,
    },
    /// Dry run: the step that would run, with the serial learnt (SOA checks).
    WouldRun(Option<u32>),
}

impl<'a> Run<'a> {
    fn new(
        args: &'a SyncZonelistArgs,
        catalog: Name,
        opts: ClientOptions,
        manifest: Manifest,
    ) -> Run<'a> {
        Run {
            args,
            catalog,
            opts,
            loaded: manifest.clone(),
            manifest,
            report: Report {
                dir: args.dir.display().to_string(),
                dry_run: args.dry_run,
                catalogs: Vec::new(),
                zones: Vec::new(),
            },
            transfers: 0,
            bytes: 0,
        }
    }

    async fn sync(mut self) -> anyhow::Result<Run<'a>> {
        let fetched = self.fetch_catalogs().await;
        let sources: Vec<Source<'_>> = fetched
            .iter()
            .map(|f| Source {
                master: &f.master,
                catalog: &f.catalog,
            })
            .collect();
        let dir = self.args.dir.clone();
        let exists = |file: &str| dir.join(file).is_file();
        let items = mirror::plan(&self.manifest, &sources, &exists, self.args.max_deletions);
        let peers: Vec<SocketAddr> = fetched.iter().map(|f| f.peer).collect();
        let masters: Vec<(String, String)> = fetched
            .iter()
            .map(|f| (f.master.clone(), zone_key(&f.catalog.name)))
            .collect();
        drop(sources);
        self.run_steps(items, &peers, &masters).await;
        self.report.zones.sort_by(|a, b| {
            let key = |z: &ZoneRow| Name::parse(&z.zone, None).ok();
            key(a).cmp(&key(b))
        });
        if !self.args.dry_run && self.manifest != self.loaded {
            let (manifest, dir) = (self.manifest.clone(), self.args.dir.clone());
            tokio::task::spawn_blocking(move || manifest.save(&dir))
                .await
                .context("manifest writer")?
                .context("cannot write the manifest")?;
        }
        Ok(self)
    }

    //--- Catalogs

    /// Fetches every master's catalog, concurrently, and writes the copies that
    /// changed. A master whose catalog cannot be had gets a failed catalog row (and its
    /// zones are left alone).
    async fn fetch_catalogs(&mut self) -> Vec<Fetch> {
        let mut seen = HashSet::new();
        let masters: Vec<ServerAddr> = self
            .args
            .servers
            .iter()
            .filter(|s| seen.insert(s.to_string()))
            .cloned()
            .collect();
        let mut tasks = JoinSet::new();
        for (i, server) in masters.iter().enumerate() {
            let (server, catalog, opts) = (server.clone(), self.catalog.clone(), self.opts.clone());
            let copy = self
                .args
                .dir
                .join(catalog_file_name(&server.to_string(), &catalog));
            tasks.spawn(async move {
                let result = async {
                    let peer = resolve(&server).await.map_err(|e| format!("{e:#}"))?;
                    let got = fetch::fetch_catalog(peer, &catalog, &copy, &opts)
                        .await
                        .map_err(|e| e.to_string())?;
                    Ok::<_, String>((peer, got))
                }
                .await;
                (i, result)
            });
        }
        let mut results: Vec<_> = tasks.join_all().await;
        results.sort_by_key(|(i, _)| *i);
        let mut out = Vec::new();
        for (i, result) in results {
            let master = masters[i].to_string();
            let mut row = CatalogRow {
                master: master.clone(),
                catalog: zone_key(&self.catalog),
                serial: None,
                members: 0,
                serial_property: false,
                transfer: None,
                error: None,
            };
            match result {
                Err(e) => {
                    warn!(%master, catalog = %self.catalog, error = %e, "catalog not fetched: its zones are left as they are");
                    row.error = Some(e);
                }
                Ok((peer, got)) => {
                    let FetchedCatalog {
                        catalog,
                        version,
                        transfer,
                        stats,
                    } = got;
                    row.serial = Some(catalog.serial);
                    row.members = catalog.members.len();
                    row.serial_property = catalog.has_serials;
                    row.transfer = Some(transfer.kind());
                    if transfer != TransferKind::UpToDate {
                        self.transfers += 1;
                    }
                    self.bytes += stats.bytes;
                    info!(%master, catalog = %catalog.name, serial = catalog.serial, members = catalog.members.len(),
                        transfer = transfer.label(), "catalog fetched");
                    if let Some(version) = version.filter(|_| !self.args.dry_run)
                        && let Err(e) = self.write_catalog(&master, version).await
                    {
                        row.error = Some(format!("cannot keep the catalog copy: {e:#}"));
                    }
                    if !self.args.dry_run && row.error.is_none() {
                        self.manifest
                            .set_catalog(&master, &catalog.name, catalog.serial);
                    }
                    out.push(Fetch {
                        master,
                        peer,
                        catalog,
                    });
                }
            }
            self.report.catalogs.push(row);
        }
        out
    }

    async fn write_catalog(
        &self,
        master: &str,
        version: crate::zone::ZoneVersion,
    ) -> anyhow::Result<()> {
        let path = self
            .args
            .dir
            .join(catalog_file_name(master, version.origin()));
        let comment = format!(
            "catalog {} of {master}, kept by zonesync sync-zonelist (the base of its next IXFR)",
            version.origin()
        );
        let p = path.clone();
        tokio::task::spawn_blocking(move || fetch::write_zone_file(&p, &version, &comment))
            .await?
            .with_context(|| format!("cannot write {}", path.display()))
    }

    //--- Zones

    /// Runs the plan: checks and transfers as tasks (bounded), removals last.
    async fn run_steps(
        &mut self,
        items: Vec<Item>,
        peers: &[SocketAddr],
        masters: &[(String, String)],
    ) {
        let permits = Arc::new(Semaphore::new(CONCURRENCY));
        let mut tasks = JoinSet::new();
        let mut removals = Vec::new();
        let mut pending = Vec::new();
        // Which item each task runs, to report a task that died.
        let mut task_items = HashMap::new();
        for item in items {
            let (master, catalog) = &masters[item.source];
            match &item.step {
                Step::Keep { note } => {
                    let done = Done::Checked {
                        serial: item.old.unwrap_or(0),
                        note: note.clone(),
                    };
                    self.record(&item, master, catalog, Ok(done), "catalog-serial");
                    continue;
                }
                Step::Unusable { reason } => {
                    let mut row = self.row(&item, master, catalog, Action::Failed);
                    row.error = Some(reason.clone());
                    self.report.zones.push(row);
                    continue;
                }
                Step::Remove | Step::RemoveRefused { .. } => {
                    removals.push(item);
                    continue;
                }
                Step::Add { .. } | Step::Reset { .. } | Step::Update { .. } | Step::Check => {}
            }
            let n = pending.len();
            let peer = peers[item.source];
            let (opts, dry_run) = (self.opts.clone(), self.args.dry_run);
            let path = self.args.dir.join(&item.file);
            let comment = format!(
                "{} mirrored by zonesync sync-zonelist from {master}, catalog {catalog}",
                item.zone
            );
            let (zone, step, old) = (item.zone.clone(), item.step.clone(), item.old);
            let permits = permits.clone();
            let task = tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                (
                    n,
                    run_step(peer, zone, step, old, path, opts, dry_run, comment).await,
                )
            });
            task_items.insert(task.id(), n);
            pending.push(item);
        }
        let bar = ZonesBar::new(pending.len());
        while let Some(joined) = tasks.join_next().await {
            let (n, result) = match joined {
                Ok(r) => r,
                Err(e) => {
                    let Some(&n) = task_items.get(&e.id()) else {
                        continue;
                    };
                    (n, Err(MirrorError::Task(e.to_string())))
                }
            };
            let item = &pending[n];
            let (master, catalog) = &masters[item.source];
            bar.done(&item.zone.to_string());
            let checked = if item.step == Step::Check {
                "soa-query"
            } else {
                "catalog-serial"
            };
            self.record(item, master, catalog, result, checked);
        }
        bar.finish();
        for item in removals {
            let (master, catalog) = &masters[item.source];
            self.remove(&item, master, catalog).await;
        }
    }

    /// Turns one step's result into a row and a manifest entry.
    fn record(
        &mut self,
        item: &Item,
        master: &str,
        catalog: &str,
        result: Result<Done, MirrorError>,
        checked: &'static str,
    ) {
        let key = zone_key(&item.zone);
        let zone = &item.zone;
        let done = match result {
            Ok(d) => d,
            Err(e) => {
                warn!(%zone, %master, error = %e, "zone not mirrored; its previous file (if any) stays");
                let mut row = self.row(item, master, catalog, Action::Failed);
                row.new = expected(&item.step);
                row.error = Some(e.to_string());
                self.report.zones.push(row);
                return;
            }
        };
        let row = match done {
            Done::WouldRun(serial) => {
                let action = match item.step {
                    Step::Add { .. } => Action::Added,
                    _ => Action::Updated,
                };
                let mut row = self.row(item, master, catalog, action);
                row.new = serial.or(expected(&item.step));
                let full = !matches!(item.step, Step::Update { .. } | Step::Check);
                row.transfer_label = Some(if full { "AXFR" } else { "IXFR" });
                row.transfer = Some(if full { "axfr" } else { "ixfr" });
                row
            }
            Done::Checked { serial, note } => {
                let mut row = self.row(item, master, catalog, Action::Unchanged);
                row.new = Some(serial);
                row.checked = Some(checked);
                row.note = note;
                if let Some(entry) = self.manifest.zones.get_mut(&key)
                    && entry.id.is_none()
                {
                    entry.id = item.id.clone();
                }
                row
            }
            Done::Refreshed(f) => {
                if f.transfer != TransferKind::UpToDate {
                    self.transfers += 1;
                }
                self.bytes += f.stats.bytes;
                let action = match (&item.step, &f.transfer) {
                    (_, TransferKind::UpToDate) => Action::Unchanged,
                    (Step::Add { .. }, _) => Action::Added,
                    _ => Action::Updated,
                };
                info!(%zone, %master, action = action.as_str(), serial = f.serial, transfer = f.transfer.label(), "zone mirrored");
                let mut row = self.row(item, master, catalog, action);
                row.new = Some(f.serial);
                row.transfer = Some(f.transfer.kind());
                row.transfer_label = Some(f.transfer.label());
                row.fallback = f.transfer.fallback().map(str::to_string);
                row.note = match (&item.step, f.note) {
                    (Step::Reset { reason, .. }, Some(n)) => Some(format!("{reason}; {n}")),
                    (Step::Reset { reason, .. }, None) => Some(reason.to_string()),
                    (_, n) => n,
                };
                self.manifest.zones.insert(
                    key,
                    ZoneEntry {
                        master: master.to_string(),
                        catalog: catalog.to_string(),
                        serial: f.serial,
                        file: item.file.clone(),
                        id: item.id.clone(),
                    },
                );
                row
            }
        };
        self.report.zones.push(row);
    }

    /// Deletes the file of a zone that left its catalog (unless refused, or a dry
    /// run), then its manifest entry.
    async fn remove(&mut self, item: &Item, master: &str, catalog: &str) {
        let mut row = self.row(item, master, catalog, Action::Removed);
        if let Step::RemoveRefused { count, max } = item.step {
            row.action = Action::Failed;
            row.error = Some(format!(
                "left the catalog, but {count} zones left it at once, more than --max-deletions {max}: nothing deleted"
            ));
            self.report.zones.push(row);
            return;
        }
        if !self.args.dry_run {
            let path = self.args.dir.join(&item.file);
            let result = tokio::task::spawn_blocking(move || fetch::remove_file(&path)).await;
            match result {
                Ok(Ok(())) => {
                    info!(zone = %item.zone, %master, "zone left the catalog: file deleted");
                    self.manifest.zones.remove(&zone_key(&item.zone));
                }
                Ok(Err(e)) => {
                    row.action = Action::Failed;
                    row.error = Some(format!("cannot delete {}: {e}", item.file));
                }
                Err(e) => {
                    row.action = Action::Failed;
                    row.error = Some(e.to_string());
                }
            }
        }
        self.report.zones.push(row);
    }

    /// A row for `item` with nothing filled in beyond the plan.
    fn row(&self, item: &Item, master: &str, catalog: &str, action: Action) -> ZoneRow {
        ZoneRow {
            zone: item.zone.to_string(),
            master: master.to_string(),
            catalog: catalog.to_string(),
            action,
            old: item.old,
            new: None,
            transfer: None,
            fallback: None,
            checked: None,
            file: (!item.file.is_empty()).then(|| item.file.clone()),
            error: None,
            note: None,
            transfer_label: None,
        }
    }
}

/// The serial the catalog promised for a step, if it did.
fn expected(step: &Step) -> Option<u32> {
    match step {
        Step::Add { serial } | Step::Reset { serial, .. } => *serial,
        Step::Update { serial } => Some(*serial),
        _ => None,
    }
}

/// One step that talks to the master: an SOA check (then IXFR when the master is
/// newer), or a transfer. A dry run asks SOA serials but transfers nothing.
#[allow(clippy::too_many_arguments)]
async fn run_step(
    peer: SocketAddr,
    zone: Name,
    step: Step,
    old: Option<u32>,
    path: PathBuf,
    opts: ClientOptions,
    dry_run: bool,
    comment: String,
) -> Result<Done, MirrorError> {
    let full = match step {
        Step::Check => {
            let theirs = fetch::master_serial(peer, &zone, &opts).await?;
            let ours = old.unwrap_or(0);
            match decide(ours, theirs) {
                Freshness::Same => {
                    return Ok(Done::Checked {
                        serial: theirs,
                        note: None,
                    });
                }
                Freshness::Older => {
                    let note = older_note(ours, theirs);
                    warn!(%zone, %peer, "{note}");
                    return Ok(Done::Checked {
                        serial: ours,
                        note: Some(note),
                    });
                }
                Freshness::Newer if dry_run => return Ok(Done::WouldRun(Some(theirs))),
                Freshness::Newer => false,
            }
        }
        Step::Update { .. } => false,
        _ => true,
    };
    if dry_run {
        return Ok(Done::WouldRun(None));
    }
    let fetched = fetch::refresh_zone(peer, &zone, &path, full, &opts, comment).await?;
    Ok(Done::Refreshed(fetched))
}
