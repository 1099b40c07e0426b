//! The `serve` configuration: YAML in, a validated [`Config`] out.
//!
//! The YAML is read into raw serde structs (`deny_unknown_fields`, kebab-case names),
//! then resolved once, here, into typed values: addresses parsed, keys decoded, ACLs
//! built, paths made relative to the config file's folder, timer bounds checked. Every
//! problem is collected with its path and line (`line 12: zones[2].allow-transfer[0].key:
//! no key named "xfr"`) so that one run of `check --config` names all of them: unknown
//! keys too, each with a "did you mean" (`lines.rs` finds the lines). Nothing outside this
//! file sees the raw structs (STYLE.md trap 16), so a YAML library swap touches only
//! this file.
//!
//! Names may grow, never change: configs written for an older zonesync keep working.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use ipnet::IpNet;
use serde::Deserialize;

use crate::acl::{Acl, AclEntry};
use crate::addr::ServerAddr;
use crate::tls::{ClientTls, ClientTlsSettings, ServerTls};
use crate::tsig::{Key, read_key_file};
use crate::zone::Name;
pub use crate::zone::serial::SerialPolicy;

mod lines;

//----------- Config -----------------------------------------------------------------

/// A validated serve configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from.
    pub path: PathBuf,
    /// Addresses to answer on, UDP and TCP.
    pub listen: Vec<SocketAddr>,
    /// Addresses to answer on over TLS (XoT, RFC 9103; `listen-tls:`).
    pub listen_tls: Vec<SocketAddr>,
    /// The server's certificate for `listen-tls` (`tls:`).
    pub tls: Option<Arc<ServerTls>>,
    /// Where the redb database lives.
    pub state_dir: PathBuf,
    /// TSIG keys by name.
    pub keys: Keys,
    /// Zones named in the config, in config order.
    pub zones: Vec<ZoneConfig>,
    /// A folder whose `<name>.zone` files are primary zones.
    pub zones_dir: Option<PathBuf>,
    /// Settings for zones from `zones-dir` (and defaults for listed zones).
    pub defaults: ZoneDefaults,
    /// Settings that catalog members take from their `group` property.
    pub templates: Vec<Template>,
    /// We are a super master for these servers.
    pub super_slaves: Option<SuperSlaves>,
    /// We are a super slave of these servers.
    pub super_masters: Vec<SuperMaster>,
    /// How often super slaves refresh every zone in one bulk operation.
    pub bulk_refresh: Option<Duration>,
    /// How often primary zone files and `zones-dir` are checked for changes.
    pub file_check_interval: Duration,
    /// Bounds on the SOA timers of secondary zones (top level; zones may override).
    pub timers: TimerBounds,
    /// Size and concurrency limits.
    pub limits: Limits,
    /// Where `zonesync serve … status|refresh|…` reaches the running server.
    pub control: ControlEndpoint,
    /// Where Prometheus scrapes `/metrics` (none: no metrics endpoint).
    pub metrics: Option<SocketAddr>,
    /// The server's identifier for NSID (RFC 5001): `nsid: ns1.example.net` as its
    /// octets, or `nsid: 0x6e7331` as the octets the hex gives; `None`: NSID is not
    /// answered.
    pub nsid: Option<Vec<u8>>,
    /// Response rate limiting over UDP (`rate-limit:`); `None`: off (the default,
    /// and `responses-per-second: 0`).
    pub rate_limit: Option<RateLimit>,
    /// DNS cookies (RFC 7873/9018) in answers (`cookies:`, default true).
    pub cookies: bool,
}

/// `rate-limit:`: response rate limiting (as Knot's mod-rrl and NSD's rrl).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimit {
    /// Answers per second per source prefix, response class and name (above 0).
    pub responses_per_second: u32,
    /// Every `slip`-th limited answer goes out truncated (TC); 0: none, 1: all.
    pub slip: u32,
    /// IPv4 sources are grouped by this prefix length (default 24).
    pub ipv4_prefix: u8,
    /// IPv6 sources are grouped by this prefix length (default 56).
    pub ipv6_prefix: u8,
    /// Sources never limited.
    pub exempt: Vec<IpNet>,
}

/// The control endpoint of a running server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlEndpoint {
    /// A Unix socket (default: `control.sock` in the state directory).
    Socket(PathBuf),
    /// JSON over HTTP on a loopback address (`POST /control`).
    Http(SocketAddr),
}

/// TSIG keys by (lower-cased) name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keys {
    by_name: HashMap<Name, Key>,
}

impl Keys {
    /// The key with this name.
    pub fn get(&self, name: &Name) -> Option<&Key> {
        self.by_name.get(name)
    }

    /// Every key.
    pub fn iter(&self) -> impl Iterator<Item = &Key> {
        self.by_name.values()
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

//----------- KeyRing ----------------------------------------------------------------

/// The live key table of a running server: the one place every user of a TSIG key
/// (transfers and SOA queries in, NOTIFY out, TSIG verification of requests, catalog
/// transfers, bulk-refresh queries to super masters) resolves a key by name, at the
/// moment it uses it. `serve reload` replaces the table, so a rotated secret takes
/// effect at the next transfer without restarting any zone.
///
/// Written only by the zone-set manager (start-up and reload); read by everyone.
/// The lock is held for an `Arc` clone or one hash lookup, never across `.await`.
#[derive(Debug, Default)]
pub struct KeyRing {
    /// The current table.
    current: std::sync::RwLock<std::sync::Arc<Keys>>,
}

impl KeyRing {
    /// A ring holding `keys`.
    pub fn new(keys: Keys) -> KeyRing {
        KeyRing {
            current: std::sync::RwLock::new(std::sync::Arc::new(keys)),
        }
    }

    /// The key named `name` as it is now.
    pub fn get(&self, name: &Name) -> Option<Key> {
        self.current
            .read()
            .expect("key ring lock poisoned")
            .get(name)
            .cloned()
    }

    /// The whole table as it is now (for a request verified against several keys).
    pub fn snapshot(&self) -> std::sync::Arc<Keys> {
        self.current.read().expect("key ring lock poisoned").clone()
    }

    /// Replaces the table (config reload). Returns the names of keys whose secret or
    /// algorithm changed, were added or were removed.
    pub fn replace(&self, keys: Keys) -> Vec<Name> {
        let mut guard = self.current.write().expect("key ring lock poisoned");
        let mut changed: Vec<Name> = keys
            .by_name
            .iter()
            .filter(|(n, k)| guard.get(n) != Some(*k))
            .map(|(n, _)| n.clone())
            .collect();
        changed.extend(
            guard
                .by_name
                .keys()
                .filter(|n| !keys.by_name.contains_key(*n))
                .cloned(),
        );
        changed.sort();
        *guard = std::sync::Arc::new(keys);
        changed
    }
}

/// One zone of the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneConfig {
    /// The zone's name.
    pub name: Name,
    /// Primary (from a file) or secondary (from primaries).
    pub source: ZoneSource,
    /// Who may transfer the zone out (empty: nobody).
    pub allow_transfer: Acl,
    /// Extra servers to NOTIFY besides the NS hosts.
    pub also_notify: Vec<NotifyTarget>,
    /// Whom to NOTIFY of a new serial (`notify: true|false|explicit`).
    pub notify: NotifyMode,
    /// Timer bounds for this zone.
    pub timers: TimerBounds,
    /// The command every new version must pass before it is persisted, served or
    /// notified (`verify:`; the defaults' when the zone has none).
    pub verify: Option<VerifyCommand>,
    /// Whether a version carrying ZONEMD must match it (`zonemd-verify:`, default
    /// true).
    pub zonemd_verify: bool,
}

/// `verify:`: a command run on every new version of a zone (reload, IXFR or AXFR in)
/// before it is persisted, served or notified. The candidate zone is on its stdin as a
/// zone file; exit status 0 accepts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyCommand {
    /// The program: a relative path with a `/` in it is made relative to the config
    /// file's folder; a bare name is looked up in `PATH` when run.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// How long it may run before it is killed and the version rejected.
    pub timeout: Duration,
}

/// How long a verify command may run when `timeout` is left out.
pub const DEFAULT_VERIFY_TIMEOUT: Duration = Duration::from_secs(30);

/// Where a zone's data comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZoneSource {
    /// A primary zone loaded from a zone file.
    Primary {
        /// The zone file (absolute, or relative to the working directory).
        file: PathBuf,
        /// What to do with the serial when the content changes.
        serial_policy: SerialPolicy,
    },
    /// A secondary zone transferred from primaries, tried in order.
    Secondary {
        /// The primaries.
        primaries: Vec<Primary>,
    },
}

/// A primary server of a secondary zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Primary {
    /// Where it answers.
    pub addr: SocketAddr,
    /// The key to sign SOA queries and transfers with, and that its NOTIFYs must carry.
    pub key: Option<Name>,
    /// Ask for IXFR (false for primaries known not to support it).
    pub ixfr: bool,
    /// Try IXFR over UDP before TCP.
    pub ixfr_udp: bool,
    /// Reach it over TLS (XoT) for SOA queries and transfers (`tls:`).
    pub tls: Option<Arc<ClientTls>>,
}

/// `notify:`: whom a zone tells about a new serial, as BIND's `notify yes | no |
/// explicit`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum NotifyMode {
    /// The NS hosts (less the SOA MNAME) and `also-notify` (`notify: true`, the
    /// default; RFC 1996 §3.5).
    #[default]
    Yes,
    /// Nobody (`notify: false`).
    No,
    /// Only the `also-notify` targets (and the super slaves), never the NS hosts
    /// (`notify: explicit`): for zones whose NS hosts are not ours to notify.
    Explicit,
}

/// A NOTIFY destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyTarget {
    /// Where to send.
    pub addr: SocketAddr,
    /// The key to sign with.
    pub key: Option<Name>,
}

/// Settings applied to zones from `zones-dir`, and used by listed zones that leave
/// them out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneDefaults {
    /// Who may transfer.
    pub allow_transfer: Acl,
    /// Extra NOTIFY targets.
    pub also_notify: Vec<NotifyTarget>,
    /// Serial policy.
    pub serial_policy: SerialPolicy,
    /// The verify command of zones that name none.
    pub verify: Option<VerifyCommand>,
    /// ZONEMD verification of zones that leave `zonemd-verify` out.
    pub zonemd_verify: bool,
    /// Whom zones that leave `notify` out notify.
    pub notify: NotifyMode,
}

impl Default for ZoneDefaults {
    fn default() -> Self {
        ZoneDefaults {
            allow_transfer: Acl::default(),
            notify: NotifyMode::Yes,
            also_notify: Vec::new(),
            serial_policy: SerialPolicy::default(),
            verify: None,
            zonemd_verify: true,
        }
    }
}

/// Settings a super slave gives the member zones of a consumed catalog whose `group`
/// property (RFC 9432 §4.4.2) names this template, as Knot's catalog templates do.
/// Members without a group, or whose groups name no template, take `defaults`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// The group name that selects it.
    pub name: String,
    /// Who may transfer the member zone from us.
    pub allow_transfer: Acl,
    /// Extra NOTIFY targets of the member zone.
    pub also_notify: Vec<NotifyTarget>,
    /// Whom the member zone notifies.
    pub notify: NotifyMode,
    /// Timer bounds of the member zone.
    pub timers: TimerBounds,
    /// The verify command of the member zone (the defaults' when the template has
    /// none).
    pub verify: Option<VerifyCommand>,
    /// ZONEMD verification of the member zone.
    pub zonemd_verify: bool,
}

impl Config {
    /// The template a catalog member with `groups` takes: the first group that
    /// names one; `None` for the defaults.
    pub fn template_for(&self, groups: &[String]) -> Option<&Template> {
        groups
            .iter()
            .find_map(|g| self.templates.iter().find(|t| t.name == *g))
    }
}

/// The super-master side: the servers that are secondaries for all our primary zones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuperSlaves {
    /// The super slaves (NOTIFY targets, allowed to transfer).
    pub servers: Vec<SocketAddr>,
    /// The key their requests must be signed with.
    pub key: Option<Name>,
    /// Accept unsigned transfer requests from the listed addresses.
    pub allow_unsigned: bool,
    /// The catalog zone we publish.
    pub catalog: Name,
}

/// The super-slave side: a server whose primary zones we serve as secondaries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuperMaster {
    /// Where it answers.
    pub addr: SocketAddr,
    /// The key for its transfers and NOTIFYs.
    pub key: Option<Name>,
    /// The catalog zone it publishes.
    pub catalog: Name,
    /// Reach it over TLS (XoT) for its catalog's and zones' transfers (`tls:`).
    pub tls: Option<Arc<ClientTls>>,
    /// Most member zones one catalog update may delete; a larger deletion is refused
    /// and logged (a guard against a master that lost its zone list).
    pub max_deletions: usize,
    /// How long a zone created by this master's NOTIFY survives catalog versions
    /// that do not list it (a catalog built a moment before the zone was added may
    /// arrive after the NOTIFY).
    pub unlisted_grace: Duration,
}

/// Bounds on SOA refresh, retry and expire (BIND's names), as durations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimerBounds {
    /// Lower bound on refresh.
    pub min_refresh: Duration,
    /// Upper bound on refresh.
    pub max_refresh: Duration,
    /// Lower bound on retry.
    pub min_retry: Duration,
    /// Upper bound on retry.
    pub max_retry: Duration,
    /// Lower bound on expire.
    pub min_expire: Duration,
    /// Upper bound on expire.
    pub max_expire: Duration,
}

impl Default for TimerBounds {
    /// Production-sane defaults, close to BIND's (`min-refresh-time 300`, …).
    fn default() -> Self {
        const MIN: u64 = 60;
        const HOUR: u64 = 3600;
        const WEEK: u64 = 7 * 86_400;
        TimerBounds {
            min_refresh: Duration::from_secs(5 * MIN),
            max_refresh: Duration::from_secs(4 * WEEK),
            min_retry: Duration::from_secs(MIN),
            max_retry: Duration::from_secs(2 * WEEK),
            min_expire: Duration::from_secs(HOUR),
            max_expire: Duration::from_secs(24 * WEEK),
        }
    }
}

/// Size and concurrency limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest zone accepted, in records.
    pub max_zone_records: u64,
    /// Largest zone accepted, in wire bytes.
    pub max_zone_bytes: u64,
    /// Concurrent transfers in, in total.
    pub transfers_in: usize,
    /// Concurrent transfers in from one primary.
    pub transfers_in_per_primary: usize,
    /// Concurrent transfers out.
    pub transfers_out: usize,
    /// Open TCP connections.
    pub tcp_connections: usize,
    /// Idle time after which a TCP connection is closed.
    pub tcp_idle_timeout: Duration,
    /// Time for a whole TCP message once its first byte arrived (RFC 7766 §6.2.3).
    pub tcp_message_timeout: Duration,
    /// Time for one TCP write; a reader that stops reading loses its connection.
    pub write_timeout: Duration,
    /// Time for a whole transfer out.
    pub max_transfer_time_out: Duration,
    /// Most bytes read from a zone file and its `$INCLUDE`s together.
    pub max_zone_file_bytes: u64,
    /// Longest a transfer in may take (BIND's `max-transfer-time-in`).
    pub max_transfer_time_in: Duration,
    /// Least a transfer in must receive per window (`min-transfer-rate-in`).
    pub min_transfer_rate_in: crate::xfr::MinRate,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_zone_records: 20_000_000,
            max_zone_bytes: 2 << 30,
            // More than BIND's 10 and 2: a super slave takes a thousand new zones
            // from one super master at once, each small transfer a few
            // milliseconds, and a slow primary holds only its own share.
            transfers_in: 32,
            transfers_in_per_primary: 16,
            transfers_out: 10,
            tcp_connections: 1000,
            tcp_idle_timeout: Duration::from_secs(10),
            tcp_message_timeout: Duration::from_secs(5),
            write_timeout: Duration::from_secs(10),
            max_transfer_time_out: Duration::from_secs(2 * 3600),
            max_zone_file_bytes: crate::zone::parse::MAX_FILE_BYTES,
            max_transfer_time_in: crate::xfr::Limits::default().max_time,
            min_transfer_rate_in: crate::xfr::MinRate::default(),
        }
    }
}

//----------- Loading ----------------------------------------------------------------

/// The largest config file read.
pub const MAX_CONFIG_BYTES: u64 = 64 << 20;

impl Config {
    /// Reads and validates a config file. Blocking file I/O.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = crate::durable::read_regular_text(path, MAX_CONFIG_BYTES).map_err(|e| {
            ConfigError::Io {
                path: path.to_path_buf(),
                reason: e.to_string(),
            }
        })?;
        Config::from_yaml(&text, path)
    }

    /// Validates config text; `path` names the file in errors and anchors relative
    /// paths (its folder). Every problem is collected, with its path and line: the
    /// keys serde rejects (each unknown key, each value of the wrong shape) and then
    /// what the resolver finds in the rest; `ConfigError::Syntax` only for text that
    /// is not YAML (or a first problem that cannot be taken out, such as a wrong
    /// list item).
    pub fn from_yaml(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let lines = lines::KeyLines::scan(text);
        let (raw, unread_problems) = read_raw(text).map_err(|e| ConfigError::Syntax {
            path: path.to_path_buf(),
            line: e.location().map(|l| l.line()),
            reason: syntax_message(&e),
        })?;
        let base = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        // The paths whose values could not be read: what the resolver finds missing
        // there is a knock-on.
        let unread: Vec<String> = unread_problems
            .iter()
            .filter(|p| !p.message.starts_with("unknown key"))
            .map(|p| p.path.clone())
            .collect();
        let mut r = Resolver {
            base,
            problems: Vec::new(),
            client_tls: HashMap::new(),
            tls_acl: false,
            broken_keys: HashSet::new(),
        };
        let config = match raw {
            Ok(raw) => Some(r.config(raw, path)),
            // Unknown keys were found, then a value of the wrong shape: both reported.
            Err(e) => {
                let message = syntax_message(&e);
                let (at, reason) = split_serde_path(&message);
                r.problem(at, reason);
                None
            }
        };
        let knock_on = |p: &Problem| {
            unread.iter().any(|u| {
                p.path == *u
                    || p.path
                        .strip_prefix(u.as_str())
                        .is_some_and(|rest| rest.starts_with(['.', '[']))
            })
        };
        r.problems.retain(|p| !knock_on(p));
        match config {
            Some(config) if r.problems.is_empty() && unread_problems.is_empty() => Ok(config),
            _ => {
                let mut problems = unread_problems;
                problems.append(&mut r.problems);
                for p in &mut problems {
                    p.line = lines.find(&p.path).map(|(line, _)| line);
                }
                // In file order (those without a line last), as `check` prints them.
                problems.sort_by_key(|p| p.line.unwrap_or(usize::MAX));
                Err(ConfigError::Invalid {
                    path: path.to_path_buf(),
                    problems,
                    partial: config.map(Box::new),
                })
            }
        }
    }

    /// The zone named `name`, if the config lists it.
    pub fn zone(&self, name: &Name) -> Option<&ZoneConfig> {
        self.zones.iter().find(|z| &z.name == name)
    }
}

/// Most unknown keys reported in one load (each costs one more deserialisation).
const MAX_UNKNOWN_KEYS: usize = 50;

/// Reads the raw config, collecting every unknown key instead of stopping at the
/// first: each one serde rejects becomes a [`Problem`] (with a "did you mean" when a
/// known key is close) and is taken out of the document, which is read again.
///
/// `Err` when the text is not YAML or the first problem is not an unknown key;
/// `Ok((Err(e), unknown))` when unknown keys were found and then something else was
/// wrong (`e`), so that both are reported.
#[allow(clippy::type_complexity)]
fn read_raw(
    text: &str,
) -> Result<(Result<RawConfig, serde_yaml::Error>, Vec<Problem>), serde_yaml::Error> {
    let mut unknown = Vec::new();
    let mut doc: Option<serde_yaml::Value> = None;
    loop {
        // Text each time (the document re-written after a removal), so that serde_yaml
        // names the path of each error; lines come from the original text.
        let attempt = match &doc {
            None => serde_yaml::from_str::<RawConfig>(text),
            Some(v) => serde_yaml::from_str::<RawConfig>(&serde_yaml::to_string(v)?),
        };
        let e = match attempt {
            Ok(raw) => return Ok((Ok(raw), unknown)),
            Err(e) => e,
        };
        let message = syntax_message(&e);
        let (at, reason) = split_serde_path(&message);
        if unknown.len() >= MAX_UNKNOWN_KEYS {
            return Ok((Err(e), unknown));
        }
        let Some((key, expected)) = unknown_field(reason) else {
            // A value of the wrong shape under a key: reported, taken out, and the
            // rest read (problems the resolver then finds under that path are its
            // knock-ons, dropped by the caller).
            let (parent, last) = match at.rsplit_once('.') {
                Some((parent, last)) => (parent, last),
                None => ("", at),
            };
            let removable = !at.is_empty() && !last.ends_with(']');
            if doc.is_none() && removable {
                doc = Some(serde_yaml::from_str(text)?);
            }
            let removed = removable
                && doc
                    .as_mut()
                    .and_then(|d| value_at(d, parent))
                    .and_then(serde_yaml::Value::as_mapping_mut)
                    .and_then(|m| m.remove(last))
                    .is_some();
            if !removed {
                return if unknown.is_empty() {
                    Err(e)
                } else {
                    Ok((Err(e), unknown))
                };
            }
            unknown.push(Problem {
                path: at.to_string(),
                message: reason.to_string(),
                line: None,
            });
            continue;
        };
        if doc.is_none() {
            doc = Some(serde_yaml::from_str(text)?);
        }
        // Structs with flattened fields make serde list no known keys: ours then.
        let expected = if expected.is_empty() {
            flattened_keys(at).iter().map(|k| k.to_string()).collect()
        } else {
            expected
        };
        let near = did_you_mean(&key, &expected).map(str::to_string);
        let Some(map) = doc
            .as_mut()
            .and_then(|d| value_at(d, at))
            .and_then(serde_yaml::Value::as_mapping_mut)
        else {
            return Ok((Err(e), unknown));
        };
        let Some(value) = map.remove(key.as_str()) else {
            return Ok((Err(e), unknown));
        };
        // A near miss is read as the key it misses (unless that key is there too), so
        // that the rest is checked as meant: no "needs a `file`" after `fille:`.
        if let Some(near) = &near
            && !map.contains_key(near.as_str())
        {
            map.insert(serde_yaml::Value::String(near.clone()), value);
        }
        let message = match near.as_deref() {
            Some(near) => format!("unknown key `{key}` (did you mean `{near}`?)"),
            None => format!("unknown key `{key}`"),
        };
        unknown.push(Problem {
            path: join_path(at, &key),
            message,
            line: None,
        });
    }
}

/// The keys of the config's mappings that take flattened fields (serde names no
/// known keys for them): the top level, a zone, a template. Only for suggestions;
/// a key left out here is still accepted, just never suggested.
fn flattened_keys(at: &str) -> &'static [&'static str] {
    const TIMERS: [&str; 6] = [
        "min-refresh",
        "max-refresh",
        "min-retry",
        "max-retry",
        "min-expire",
        "max-expire",
    ];
    const TOP: &[&str] = &[
        "listen",
        "listen-tls",
        "tls",
        "state-dir",
        "keys",
        "zones",
        "zones-dir",
        "defaults",
        "templates",
        "super-slaves",
        "super-masters",
        "bulk-refresh",
        "file-check-interval",
        "limits",
        "control",
        "metrics",
        "nsid",
        "rate-limit",
        "cookies",
        TIMERS[0],
        TIMERS[1],
        TIMERS[2],
        TIMERS[3],
        TIMERS[4],
        TIMERS[5],
    ];
    const ZONE: &[&str] = &[
        "name",
        "file",
        "primaries",
        "allow-transfer",
        "also-notify",
        "notify",
        "serial-policy",
        "verify",
        "zonemd-verify",
        TIMERS[0],
        TIMERS[1],
        TIMERS[2],
        TIMERS[3],
        TIMERS[4],
        TIMERS[5],
    ];
    const TEMPLATE: &[&str] = &[
        "name",
        "allow-transfer",
        "also-notify",
        "notify",
        "verify",
        "zonemd-verify",
        TIMERS[0],
        TIMERS[1],
        TIMERS[2],
        TIMERS[3],
        TIMERS[4],
        TIMERS[5],
    ];
    let item_of = |list: &str| {
        at.strip_prefix(list)
            .and_then(|r| r.strip_prefix('['))
            .is_some_and(|r| r.ends_with(']') && !r.contains('.'))
    };
    if at.is_empty() {
        TOP
    } else if item_of("zones") {
        ZONE
    } else if item_of("templates") {
        TEMPLATE
    } else {
        &[]
    }
}

/// The value at a serde_yaml path (`zones[0].allow-transfer[1]`; `""` is the top).
fn value_at<'v>(v: &'v mut serde_yaml::Value, path: &str) -> Option<&'v mut serde_yaml::Value> {
    let mut cur = v;
    if path.is_empty() {
        return Some(cur);
    }
    for part in path.split('.') {
        let (name, indices) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !name.is_empty() {
            cur = cur.as_mapping_mut()?.get_mut(name)?;
        }
        for index in indices.split(['[', ']']).filter(|s| !s.is_empty()) {
            let i: usize = index.parse().ok()?;
            cur = cur.as_sequence_mut()?.get_mut(i)?;
        }
    }
    Some(cur)
}

fn join_path(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_string()
    } else {
        format!("{at}.{key}")
    }
}

/// serde_yaml's `zones[0]: unknown field …` split into path and message (`""` for the
/// top level).
fn split_serde_path(message: &str) -> (&str, &str) {
    match message.split_once(": ") {
        Some((path, rest))
            if !path.contains(' ') && !path.is_empty() && !message.starts_with("unknown") =>
        {
            (path, rest)
        }
        _ => ("", message),
    }
}

/// serde's "unknown field `x`, expected one of `a`, `b`" (or "expected `a`", "expected
/// `a` or `b`", "there are no fields", or nothing after the name when the struct takes
/// flattened fields): the key and the known ones.
fn unknown_field(reason: &str) -> Option<(String, Vec<String>)> {
    let rest = reason.strip_prefix("unknown field `")?;
    let (key, tail) = rest.split_once('`')?;
    let expected = tail
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    Some((key.to_string(), expected))
}

/// The known key closest to `key` by edit distance, when it is close enough to be a
/// typo (at most a third of the key's length, and at least one edit allowed).
fn did_you_mean<'k>(key: &str, known: &'k [String]) -> Option<&'k str> {
    let limit = (key.chars().count() / 3).max(1);
    known
        .iter()
        .map(|k| (edit_distance(key, k), k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.as_str())
}

/// Levenshtein distance, over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(row[j]).min(row[j + 1])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

/// serde_yaml's message, without the " at line L column C" it appends (the line is
/// reported separately).
fn syntax_message(e: &serde_yaml::Error) -> String {
    let msg = e.to_string();
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    }
}

/// Turns raw structs into a [`Config`], collecting every problem with its path.
struct Resolver<'a> {
    /// The config file's folder: relative paths start here.
    base: &'a Path,
    /// Problems found so far.
    problems: Vec<Problem>,
    /// Client TLS blocks built so far: equal blocks share one [`ClientTls`], and so
    /// its parked sessions (one TLS session to a primary serves all its zones).
    client_tls: HashMap<ClientTlsSettings, Arc<ClientTls>>,
    /// Whether an `allow-transfer` entry asks for `tls: true` (it needs `listen-tls`).
    tls_acl: bool,
    /// Keys that are configured but could not be read (a bad secret, a missing file):
    /// references to them add no problem of their own (the key's problem says it).
    broken_keys: HashSet<Name>,
}

impl Resolver<'_> {
    fn problem(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            path: path.into(),
            message: message.into(),
            line: None,
        });
    }

    fn config(&mut self, raw: RawConfig, path: &Path) -> Config {
        // Keys first: everything else refers to them.
        let mut keys = Keys::default();
        for (i, k) in raw.keys.iter().enumerate() {
            let Some(key) = self.key(i, k) else {
                if let Ok(name) = crate::tsig::key::parse_key_name(&k.name) {
                    self.broken_keys.insert(name);
                }
                continue;
            };
            if key.algorithm().is_legacy() {
                tracing::warn!(key = %key.name(), "hmac-md5 is kept only for old peers");
            }
            if keys.by_name.insert(key.name().clone(), key).is_some() {
                self.problem(
                    format!("keys[{i}].name"),
                    format!("duplicate key \"{}\"", k.name),
                );
            }
        }

        let mut listen = Vec::new();
        if raw.listen.is_empty() {
            self.problem("listen", "at least one address is needed");
        }
        for (i, a) in raw.listen.iter().enumerate() {
            if let Some(addr) = self.socket(&format!("listen[{i}]"), a) {
                if listen.contains(&addr) && addr.port() != 0 {
                    self.problem(format!("listen[{i}]"), format!("{addr} is listed twice"));
                    continue;
                }
                listen.push(addr);
            }
        }

        let mut listen_tls = Vec::new();
        for (i, a) in raw.listen_tls.iter().enumerate() {
            if let Some(addr) = self.socket(&format!("listen-tls[{i}]"), a) {
                listen_tls.push(addr);
            }
        }
        let tls = match &raw.tls {
            Some(t) => self.server_tls(t),
            None => None,
        };
        if !listen_tls.is_empty() && raw.tls.is_none() {
            self.problem(
                "listen-tls",
                "needs `tls:` with the server's cert-file and key-file",
            );
        }
        if raw.tls.is_some() && listen_tls.is_empty() {
            self.problem(
                "tls",
                "the server's certificate is used only with `listen-tls:`, which is empty",
            );
        }

        let state_dir = self.path(raw.state_dir.as_deref().unwrap_or("zonesync-state"));
        let file_check_interval = self.duration(
            "file-check-interval",
            raw.file_check_interval.as_deref(),
            Duration::from_secs(5),
        );
        let timers = self.timers("", &raw.timers, TimerBounds::default());
        let limits = self.limits(&raw.limits);

        let defaults = match &raw.defaults {
            Some(d) => ZoneDefaults {
                allow_transfer: self.acl("defaults.allow-transfer", &d.allow_transfer, &keys),
                also_notify: self.notify_targets("defaults.also-notify", &d.also_notify, &keys),
                serial_policy: d.serial_policy.unwrap_or_default(),
                verify: d
                    .verify
                    .as_ref()
                    .and_then(|v| self.verify("defaults.verify", v)),
                zonemd_verify: d.zonemd_verify.unwrap_or(true),
                notify: d
                    .notify
                    .as_ref()
                    .map_or(NotifyMode::Yes, |n| self.notify_mode("defaults.notify", n)),
            },
            None => ZoneDefaults::default(),
        };

        let mut zones = Vec::new();
        let mut seen = HashSet::new();
        for (i, z) in raw.zones.into_iter().enumerate() {
            let p = format!("zones[{i}]");
            let Some(zone) = self.zone(&p, z, &keys, &defaults, timers) else {
                continue;
            };
            if !seen.insert(zone.name.clone()) {
                self.problem(
                    format!("{p}.name"),
                    format!("zone {} is listed twice", zone.name),
                );
                continue;
            }
            zones.push(zone);
        }

        let mut templates: Vec<Template> = Vec::new();
        for (i, t) in raw.templates.iter().enumerate() {
            let p = format!("templates[{i}]");
            if t.name.is_empty() {
                self.problem(format!("{p}.name"), "a template needs a name");
                continue;
            }
            if templates.iter().any(|o| o.name == t.name) {
                self.problem(
                    format!("{p}.name"),
                    format!("template \"{}\" is defined twice", t.name),
                );
                continue;
            }
            let s = self.zone_settings(
                &p,
                RawZoneSettings {
                    allow_transfer: &t.allow_transfer,
                    also_notify: &t.also_notify,
                    notify: &t.notify,
                    timers: &t.timers,
                    verify: &t.verify,
                    zonemd_verify: t.zonemd_verify,
                },
                &keys,
                &defaults,
                timers,
            );
            templates.push(Template {
                name: t.name.clone(),
                allow_transfer: s.allow_transfer,
                also_notify: s.also_notify,
                notify: s.notify,
                timers: s.timers,
                verify: s.verify,
                zonemd_verify: s.zonemd_verify,
            });
        }

        let zones_dir = raw.zones_dir.as_deref().map(|d| self.path(d));
        let control = match &raw.control {
            Some(RawControl {
                socket: Some(p),
                http: None,
            }) => ControlEndpoint::Socket(self.path(p)),
            Some(RawControl {
                socket: None,
                http: Some(a),
            }) => match self.socket("control.http", a) {
                Some(addr) if addr.ip().is_loopback() => ControlEndpoint::Http(addr),
                Some(_) => {
                    self.problem(
                        "control.http",
                        "the control endpoint must be a loopback address",
                    );
                    ControlEndpoint::Socket(state_dir.join("control.sock"))
                }
                None => ControlEndpoint::Socket(state_dir.join("control.sock")),
            },
            Some(RawControl {
                socket: Some(_),
                http: Some(_),
            }) => {
                self.problem("control", "give either `socket` or `http`, not both");
                ControlEndpoint::Socket(state_dir.join("control.sock"))
            }
            _ => ControlEndpoint::Socket(state_dir.join("control.sock")),
        };
        let metrics = raw
            .metrics
            .as_deref()
            .and_then(|a| self.socket("metrics", a));
        let nsid = raw.nsid.as_deref().and_then(|text| self.nsid(text));
        let rate_limit = raw.rate_limit.as_ref().and_then(|r| self.rate_limit(r));

        let super_slaves = raw.super_slaves.map(|s| {
            let servers = s
                .servers
                .iter()
                .enumerate()
                .filter_map(|(i, a)| self.socket(&format!("super-slaves.servers[{i}]"), a))
                .collect::<Vec<_>>();
            if servers.is_empty() {
                self.problem("super-slaves.servers", "at least one server is needed");
            }
            let key = s.key.as_deref().and_then(|k| self.key_ref("super-slaves.key", k, &keys));
            if key.is_none() && !s.allow_unsigned {
                self.problem(
                    "super-slaves",
                    "give a `key`, or set `allow-unsigned: true` to let the listed servers transfer unsigned",
                );
            }
            SuperSlaves {
                servers,
                key,
                allow_unsigned: s.allow_unsigned,
                catalog: self.name("super-slaves.catalog", s.catalog.as_deref().unwrap_or("catalog.invalid.")),
            }
        });

        let super_masters = raw
            .super_masters
            .iter()
            .enumerate()
            .filter_map(|(i, m)| {
                let p = format!("super-masters[{i}]");
                let addr = self.socket(&format!("{p}.address"), &m.address)?;
                let key = m
                    .key
                    .as_deref()
                    .and_then(|k| self.key_ref(&format!("{p}.key"), k, &keys));
                let catalog = self.name(
                    &format!("{p}.catalog"),
                    m.catalog.as_deref().unwrap_or("catalog.invalid."),
                );
                let unlisted_grace = self.duration(
                    &format!("{p}.unlisted-grace"),
                    m.unlisted_grace.as_deref(),
                    Duration::from_secs(60),
                );
                let tls = match &m.tls {
                    Some(t) => Some(self.client_tls(&format!("{p}.tls"), t)?),
                    None => None,
                };
                Some(SuperMaster {
                    addr,
                    key,
                    catalog,
                    tls,
                    max_deletions: m.max_deletions.unwrap_or(100),
                    unlisted_grace,
                })
            })
            .collect::<Vec<_>>();

        let bulk_refresh = raw
            .bulk_refresh
            .as_deref()
            .map(|d| self.duration("bulk-refresh", Some(d), Duration::ZERO));
        if bulk_refresh.is_some() && super_masters.is_empty() {
            self.problem("bulk-refresh", "only meaningful with `super-masters`");
        }

        if self.tls_acl && listen_tls.is_empty() {
            self.problem(
                "listen-tls",
                "an allow-transfer entry has `tls: true`, which only transfers over TLS match, and `listen-tls:` is empty",
            );
        }

        Config {
            path: path.to_path_buf(),
            listen,
            listen_tls,
            tls,
            state_dir,
            keys,
            zones,
            zones_dir,
            defaults,
            templates,
            super_slaves,
            super_masters,
            bulk_refresh,
            file_check_interval,
            timers,
            limits,
            control,
            metrics,
            nsid,
            rate_limit,
            cookies: raw.cookies.unwrap_or(true),
        }
    }

    /// `rate-limit:`; `None` when off (`responses-per-second` 0 or left out) or
    /// wrong (a problem is recorded).
    fn rate_limit(&mut self, raw: &RawRateLimit) -> Option<RateLimit> {
        let rate = raw.responses_per_second.unwrap_or(0);
        let slip = raw.slip.unwrap_or(2);
        // BIND allows slip 0..=10, Knot 0..=100.
        if slip > 100 {
            self.problem("rate-limit.slip", "at most 100 (0: never slip, 1: always)");
        }
        let ipv4_prefix = raw.ipv4_prefix.unwrap_or(24);
        if ipv4_prefix > 32 {
            self.problem("rate-limit.ipv4-prefix", "a prefix length of 0 to 32");
        }
        let ipv6_prefix = raw.ipv6_prefix.unwrap_or(56);
        if ipv6_prefix > 128 {
            self.problem("rate-limit.ipv6-prefix", "a prefix length of 0 to 128");
        }
        let mut exempt = Vec::new();
        for (i, e) in raw.exempt.iter().enumerate() {
            match parse_prefix(e) {
                Some(n) => exempt.push(n),
                None => self.problem(
                    format!("rate-limit.exempt[{i}]"),
                    format!("\"{e}\" is not an address or prefix"),
                ),
            }
        }
        (rate > 0 && slip <= 100 && ipv4_prefix <= 32 && ipv6_prefix <= 128).then_some(RateLimit {
            responses_per_second: rate,
            slip,
            ipv4_prefix,
            ipv6_prefix,
            exempt,
        })
    }

    /// `nsid:`: the octets of the string, or with a `0x` prefix the octets its hex
    /// digits give (as BIND's `server-id` takes a string and Knot's `nsid` either).
    fn nsid(&mut self, text: &str) -> Option<Vec<u8>> {
        let id = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
            Some(hex) => match data_encoding::HEXLOWER_PERMISSIVE.decode(hex.as_bytes()) {
                Ok(b) => b,
                Err(_) => {
                    self.problem("nsid", "after `0x`, an even number of hex digits");
                    return None;
                }
            },
            None => text.as_bytes().to_vec(),
        };
        if id.is_empty() {
            self.problem("nsid", "an empty identifier (leave `nsid` out instead)");
            return None;
        }
        // With the longest question, OPT, EXPIRE and ZONEVERSION it still fits a
        // 512-octet answer.
        if id.len() > 128 {
            self.problem("nsid", "at most 128 octets");
            return None;
        }
        Some(id)
    }

    fn zone(
        &mut self,
        p: &str,
        z: RawZone,
        keys: &Keys,
        defaults: &ZoneDefaults,
        top_timers: TimerBounds,
    ) -> Option<ZoneConfig> {
        let name = Name::parse(&z.name, Some(&Name::root()))
            .map_err(|e| {
                self.problem(
                    format!("{p}.name"),
                    format!("bad zone name \"{}\": {e}", z.name),
                )
            })
            .ok()?;
        let source = match (&z.file, z.primaries.is_empty()) {
            (Some(file), true) => ZoneSource::Primary {
                file: self.path(file),
                serial_policy: z.serial_policy.unwrap_or(defaults.serial_policy),
            },
            (None, false) => {
                if z.serial_policy.is_some() {
                    self.problem(
                        format!("{p}.serial-policy"),
                        "only primary zones (with a `file`) have a serial policy",
                    );
                }
                let primaries = z
                    .primaries
                    .iter()
                    .enumerate()
                    .filter_map(|(i, prim)| {
                        let pp = format!("{p}.primaries[{i}]");
                        let addr = self.socket(&format!("{pp}.address"), &prim.address)?;
                        let key = prim
                            .key
                            .as_deref()
                            .and_then(|k| self.key_ref(&format!("{pp}.key"), k, keys));
                        let tls = match &prim.tls {
                            Some(t) => Some(self.client_tls(&format!("{pp}.tls"), t)?),
                            None => None,
                        };
                        if tls.is_some() && prim.ixfr_udp == Some(true) {
                            self.problem(
                                format!("{pp}.ixfr-udp"),
                                "a primary reached over TLS is not asked over UDP",
                            );
                        }
                        Some(Primary {
                            addr,
                            key,
                            ixfr: prim.ixfr.unwrap_or(true),
                            ixfr_udp: prim.ixfr_udp.unwrap_or(false),
                            tls,
                        })
                    })
                    .collect();
                ZoneSource::Secondary { primaries }
            }
            (Some(_), false) => {
                self.problem(
                    p.to_string(),
                    format!("zone {name} has both a `file` (primary) and `primaries` (secondary)"),
                );
                return None;
            }
            (None, true) => {
                self.problem(
                    p.to_string(),
                    format!("zone {name} needs a `file` (primary) or `primaries` (secondary)"),
                );
                return None;
            }
        };
        let s = self.zone_settings(
            p,
            RawZoneSettings {
                allow_transfer: &z.allow_transfer,
                also_notify: &z.also_notify,
                notify: &z.notify,
                timers: &z.timers,
                verify: &z.verify,
                zonemd_verify: z.zonemd_verify,
            },
            keys,
            defaults,
            top_timers,
        );
        Some(ZoneConfig {
            name,
            source,
            allow_transfer: s.allow_transfer,
            also_notify: s.also_notify,
            notify: s.notify,
            timers: s.timers,
            verify: s.verify,
            zonemd_verify: s.zonemd_verify,
        })
    }

    /// The settings a zone and a template share, each taken from `raw` or else from
    /// `defaults` (timer bounds from the top level): one rule for both.
    fn zone_settings(
        &mut self,
        p: &str,
        raw: RawZoneSettings<'_>,
        keys: &Keys,
        defaults: &ZoneDefaults,
        top_timers: TimerBounds,
    ) -> ZoneSettingsResolved {
        ZoneSettingsResolved {
            allow_transfer: match raw.allow_transfer {
                Some(list) => self.acl(&format!("{p}.allow-transfer"), list, keys),
                None => defaults.allow_transfer.clone(),
            },
            also_notify: match raw.also_notify {
                Some(list) => self.notify_targets(&format!("{p}.also-notify"), list, keys),
                None => defaults.also_notify.clone(),
            },
            notify: match raw.notify {
                Some(n) => self.notify_mode(&format!("{p}.notify"), n),
                None => defaults.notify,
            },
            timers: self.timers(&format!("{p}."), raw.timers, top_timers),
            verify: match raw.verify {
                Some(v) => self.verify(&format!("{p}.verify"), v),
                None => defaults.verify.clone(),
            },
            zonemd_verify: raw.zonemd_verify.unwrap_or(defaults.zonemd_verify),
        }
    }

    /// `verify: { command: [...], timeout: 30s }`.
    fn verify(&mut self, p: &str, raw: &RawVerify) -> Option<VerifyCommand> {
        let timeout = self.duration(
            &format!("{p}.timeout"),
            raw.timeout.as_deref(),
            DEFAULT_VERIFY_TIMEOUT,
        );
        if timeout.is_zero() {
            self.problem(format!("{p}.timeout"), "the timeout must be more than 0s");
        }
        let Some((program, args)) = raw.command.split_first() else {
            self.problem(
                format!("{p}.command"),
                "the command needs at least a program",
            );
            return None;
        };
        if program.is_empty() {
            self.problem(format!("{p}.command"), "the program's name is empty");
            return None;
        }
        // A bare name is looked up in PATH, as a shell does; a path is the config's.
        let program = if program.contains('/') {
            self.path(program)
        } else {
            PathBuf::from(program)
        };
        Some(VerifyCommand {
            program,
            args: args.to_vec(),
            timeout,
        })
    }

    fn acl(&mut self, p: &str, list: &[RawAclEntry], keys: &Keys) -> Acl {
        let mut acl = Acl::default();
        for (i, e) in list.iter().enumerate() {
            let ep = format!("{p}[{i}]");
            let tls = e.tls.unwrap_or(false);
            if e.address.is_none() && e.key.is_none() && !tls {
                self.problem(
                    ep,
                    "an entry needs an `address` (prefix), a `key` or `tls: true`, or several",
                );
                continue;
            }
            self.tls_acl |= tls;
            let prefix = match &e.address {
                Some(a) => match parse_prefix(a) {
                    Some(net) => Some(net),
                    None => {
                        self.problem(
                            format!("{ep}.address"),
                            format!("bad address or prefix \"{a}\""),
                        );
                        continue;
                    }
                },
                None => None,
            };
            let key = match &e.key {
                Some(k) => match self.key_ref(&format!("{ep}.key"), k, keys) {
                    Some(name) => Some(name),
                    None => continue,
                },
                None => None,
            };
            acl.entries.push(AclEntry { prefix, key, tls });
        }
        acl
    }

    fn notify_targets(
        &mut self,
        p: &str,
        list: &[RawNotifyTarget],
        keys: &Keys,
    ) -> Vec<NotifyTarget> {
        list.iter()
            .enumerate()
            .filter_map(|(i, t)| {
                let tp = format!("{p}[{i}]");
                match t {
                    RawNotifyTarget::Plain(a) => Some(NotifyTarget {
                        addr: self.socket(&tp, a)?,
                        key: None,
                    }),
                    RawNotifyTarget::Full { address, key } => Some(NotifyTarget {
                        addr: self.socket(&format!("{tp}.address"), address)?,
                        key: key
                            .as_deref()
                            .and_then(|k| self.key_ref(&format!("{tp}.key"), k, keys)),
                    }),
                }
            })
            .collect()
    }

    /// `notify: true | false | explicit`.
    fn notify_mode(&mut self, p: &str, raw: &RawNotify) -> NotifyMode {
        match raw {
            RawNotify::Flag(true) => NotifyMode::Yes,
            RawNotify::Flag(false) => NotifyMode::No,
            RawNotify::Word(w) if w == "explicit" => NotifyMode::Explicit,
            RawNotify::Word(w) => {
                self.problem(
                    p,
                    format!("\"{w}\": give true, false or explicit (only `also-notify`)"),
                );
                NotifyMode::Yes
            }
        }
    }

    fn key_ref(&mut self, p: &str, text: &str, keys: &Keys) -> Option<Name> {
        let name = match Name::parse(text, Some(&Name::root())) {
            Ok(n) => n,
            Err(e) => {
                self.problem(p, format!("bad key name \"{text}\": {e}"));
                return None;
            }
        };
        if self.broken_keys.contains(&name) {
            return None;
        }
        if keys.get(&name).is_none() {
            self.problem(p, format!("no key named \"{text}\""));
            return None;
        }
        Some(name)
    }

    /// `tls: { cert-file, key-file, client-ca-file }`: read now, so `check --config`
    /// finds a missing or mismatched file.
    fn server_tls(&mut self, raw: &RawServerTls) -> Option<Arc<ServerTls>> {
        let cert = self.path(&raw.cert_file);
        let key = self.path(&raw.key_file);
        let ca = raw.client_ca_file.as_deref().map(|c| self.path(c));
        match ServerTls::load(&cert, &key, ca.as_deref()) {
            Ok(t) => Some(Arc::new(t)),
            Err(e) => {
                self.problem("tls", e.to_string());
                None
            }
        }
    }

    /// A primary's or super master's `tls:` block; equal blocks share one
    /// [`ClientTls`]. `None` (with a problem) when its files cannot be used.
    fn client_tls(&mut self, p: &str, raw: &RawClientTls) -> Option<Arc<ClientTls>> {
        let settings = ClientTlsSettings {
            ca_file: raw.ca_file.as_deref().map(|f| self.path(f)),
            hostname: raw.hostname.clone(),
            pins: match &raw.pin_sha256 {
                None => Vec::new(),
                Some(OneOrMany::One(p)) => vec![p.clone()],
                Some(OneOrMany::Many(ps)) => ps.clone(),
            },
            cert_file: raw.cert_file.as_deref().map(|f| self.path(f)),
            key_file: raw.key_file.as_deref().map(|f| self.path(f)),
        };
        if let Some(h) = &settings.hostname
            && rustls::pki_types::ServerName::try_from(h.as_str()).is_err()
        {
            self.problem(
                format!("{p}.hostname"),
                format!("\"{h}\" is not a host name"),
            );
            return None;
        }
        if let Some(t) = self.client_tls.get(&settings) {
            return Some(t.clone());
        }
        match ClientTls::load(settings.clone()) {
            Ok(t) => {
                let t = Arc::new(t);
                self.client_tls.insert(settings, t.clone());
                Some(t)
            }
            Err(e) => {
                self.problem(p, e.to_string());
                None
            }
        }
    }

    fn socket(&mut self, p: &str, text: &str) -> Option<SocketAddr> {
        match text.parse::<ServerAddr>() {
            Ok(a) => match a.socket_addr() {
                Some(s) => Some(s),
                None => {
                    self.problem(
                        p,
                        format!("\"{text}\": give an IP address, not a host name"),
                    );
                    None
                }
            },
            Err(e) => {
                self.problem(p, e.to_string());
                None
            }
        }
    }

    fn name(&mut self, p: &str, text: &str) -> Name {
        Name::parse(text, Some(&Name::root())).unwrap_or_else(|e| {
            self.problem(p, format!("bad name \"{text}\": {e}"));
            Name::root()
        })
    }

    /// Resolves one `keys[i]` entry: inline `algorithm` + `secret`, or `file`, a
    /// BIND-style key file (read with the parser `-k` uses) holding a key of that name.
    fn key(&mut self, i: usize, k: &RawKey) -> Option<Key> {
        let p = format!("keys[{i}]");
        match (&k.file, &k.algorithm, &k.secret) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                self.problem(
                    format!("{p}.file"),
                    "give either `file` or `algorithm` and `secret`, not both",
                );
                None
            }
            (Some(file), None, None) => {
                let name = match crate::tsig::key::parse_key_name(&k.name) {
                    Ok(name) => name,
                    Err(e) => {
                        self.problem(format!("{p}.name"), e.to_string());
                        return None;
                    }
                };
                let path = self.path(file);
                let keys = match read_key_file(&path) {
                    Ok(keys) => keys,
                    Err(e) => {
                        self.problem(format!("{p}.file"), e.to_string());
                        return None;
                    }
                };
                let found = keys.into_iter().find(|key| key.name() == &name);
                if found.is_none() {
                    self.problem(
                        format!("{p}.file"),
                        format!("{}: no key named \"{name}\"", path.display()),
                    );
                }
                found
            }
            (None, Some(algorithm), Some(secret)) => Key::from_parts(&k.name, algorithm, secret)
                .map_err(|e| self.problem(&p, e.to_string()))
                .ok(),
            (None, _, _) => {
                self.problem(p, "a key needs `algorithm` and `secret`, or a key `file`");
                None
            }
        }
    }

    fn path(&self, text: &str) -> PathBuf {
        let p = Path::new(text);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base.join(p)
        }
    }

    fn duration(&mut self, p: &str, text: Option<&str>, default: Duration) -> Duration {
        match text {
            None => default,
            Some(t) => crate::duration::parse(t).unwrap_or_else(|e| {
                self.problem(p, e.to_string());
                default
            }),
        }
    }

    fn timers(&mut self, prefix: &str, raw: &RawTimers, base: TimerBounds) -> TimerBounds {
        let mut t = base;
        let fields: [(&str, &Option<String>, &mut Duration); 6] = [
            ("min-refresh", &raw.min_refresh, &mut t.min_refresh),
            ("max-refresh", &raw.max_refresh, &mut t.max_refresh),
            ("min-retry", &raw.min_retry, &mut t.min_retry),
            ("max-retry", &raw.max_retry, &mut t.max_retry),
            ("min-expire", &raw.min_expire, &mut t.min_expire),
            ("max-expire", &raw.max_expire, &mut t.max_expire),
        ];
        let mut bad = Vec::new();
        for (name, value, slot) in fields {
            if let Some(text) = value {
                match crate::duration::parse(text) {
                    Ok(d) => *slot = d,
                    Err(e) => bad.push((format!("{prefix}{name}"), e.to_string())),
                }
            }
        }
        for (p, m) in bad {
            self.problem(p, m);
        }
        // Only bounds set here are checked here: inherited ones were checked where set.
        let any_set = [
            &raw.min_refresh,
            &raw.max_refresh,
            &raw.min_retry,
            &raw.max_retry,
            &raw.min_expire,
            &raw.max_expire,
        ]
        .iter()
        .any(|v| v.is_some());
        for (lo, hi, name) in [
            (t.min_refresh, t.max_refresh, "refresh"),
            (t.min_retry, t.max_retry, "retry"),
            (t.min_expire, t.max_expire, "expire"),
        ] {
            if any_set && lo > hi {
                self.problem(
                    format!("{prefix}min-{name}"),
                    format!("min-{name} is above max-{name}"),
                );
            }
        }
        t
    }

    fn limits(&mut self, raw: &RawLimits) -> Limits {
        let d = Limits::default();
        let mut positive = |p: &str, v: Option<u64>, default: u64| -> u64 {
            match v {
                Some(0) => {
                    self.problems.push(Problem {
                        path: format!("limits.{p}"),
                        message: "must be at least 1".into(),
                        line: None,
                    });
                    default
                }
                Some(v) => v,
                None => default,
            }
        };
        let limits = Limits {
            max_zone_records: positive(
                "max-zone-records",
                raw.max_zone_records,
                d.max_zone_records,
            ),
            max_zone_bytes: positive("max-zone-bytes", raw.max_zone_bytes, d.max_zone_bytes),
            transfers_in: positive("transfers-in", raw.transfers_in, d.transfers_in as u64)
                as usize,
            transfers_in_per_primary: positive(
                "transfers-in-per-primary",
                raw.transfers_in_per_primary,
                d.transfers_in_per_primary as u64,
            ) as usize,
            transfers_out: positive("transfers-out", raw.transfers_out, d.transfers_out as u64)
                as usize,
            tcp_connections: positive(
                "tcp-connections",
                raw.tcp_connections,
                d.tcp_connections as u64,
            ) as usize,
            ..d
        };
        let limits = Limits {
            max_zone_file_bytes: match &raw.max_zone_file_bytes {
                None => d.max_zone_file_bytes,
                Some(RawSize::Bytes(0)) => {
                    self.problem("limits.max-zone-file-bytes", "must be at least 1");
                    d.max_zone_file_bytes
                }
                Some(RawSize::Bytes(n)) => *n,
                Some(RawSize::Text(t)) => match parse_size(t) {
                    Some(n) if n > 0 => n,
                    _ => {
                        self.problem(
                            "limits.max-zone-file-bytes",
                            format!("bad size \"{t}\" (a number of bytes, or with KiB, MiB, GiB, KB, MB, GB)"),
                        );
                        d.max_zone_file_bytes
                    }
                },
            },
            ..limits
        };
        let max_in = self.duration(
            "limits.max-transfer-time-in",
            raw.max_transfer_time_in.as_deref(),
            d.max_transfer_time_in,
        );
        if max_in.is_zero() {
            self.problem("limits.max-transfer-time-in", "must be above zero");
        }
        let limits = Limits {
            max_transfer_time_in: if max_in.is_zero() {
                d.max_transfer_time_in
            } else {
                max_in
            },
            min_transfer_rate_in: match raw.min_transfer_rate_in.as_deref().map(parse_rate) {
                None => d.min_transfer_rate_in,
                Some(Some(rate)) => rate,
                Some(None) => {
                    self.problem(
                        "limits.min-transfer-rate-in",
                        "expected SIZE/DURATION with both above zero, such as 10KiB/5m",
                    );
                    d.min_transfer_rate_in
                }
            },
            ..limits
        };
        Limits {
            tcp_idle_timeout: self.duration(
                "limits.tcp-idle-timeout",
                raw.tcp_idle_timeout.as_deref(),
                d.tcp_idle_timeout,
            ),
            tcp_message_timeout: self.duration(
                "limits.tcp-message-timeout",
                raw.tcp_message_timeout.as_deref(),
                d.tcp_message_timeout,
            ),
            write_timeout: self.duration(
                "limits.write-timeout",
                raw.write_timeout.as_deref(),
                d.write_timeout,
            ),
            max_transfer_time_out: self.duration(
                "limits.max-transfer-time-out",
                raw.max_transfer_time_out.as_deref(),
                d.max_transfer_time_out,
            ),
            ..limits
        }
    }
}

/// `127.0.0.0/8`, `::1/128`, or a bare address (a host prefix).
fn parse_prefix(text: &str) -> Option<IpNet> {
    text.parse::<IpNet>()
        .ok()
        .or_else(|| text.parse::<std::net::IpAddr>().ok().map(IpNet::from))
        .map(|n| n.trunc())
}

//----------- Raw YAML ---------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    #[serde(default)]
    listen: Vec<String>,
    #[serde(default)]
    listen_tls: Vec<String>,
    tls: Option<RawServerTls>,
    state_dir: Option<String>,
    #[serde(default)]
    keys: Vec<RawKey>,
    #[serde(default)]
    zones: Vec<RawZone>,
    zones_dir: Option<String>,
    defaults: Option<RawDefaults>,
    #[serde(default)]
    templates: Vec<RawTemplate>,
    super_slaves: Option<RawSuperSlaves>,
    #[serde(default)]
    super_masters: Vec<RawSuperMaster>,
    bulk_refresh: Option<String>,
    file_check_interval: Option<String>,
    #[serde(flatten)]
    timers: RawTimers,
    #[serde(default)]
    limits: RawLimits,
    control: Option<RawControl>,
    metrics: Option<String>,
    nsid: Option<String>,
    rate_limit: Option<RawRateLimit>,
    cookies: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRateLimit {
    responses_per_second: Option<u32>,
    slip: Option<u32>,
    ipv4_prefix: Option<u8>,
    ipv6_prefix: Option<u8>,
    #[serde(default)]
    exempt: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawControl {
    socket: Option<String>,
    http: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKey {
    name: String,
    algorithm: Option<String>,
    secret: Option<String>,
    /// A BIND-style key file, relative to the config file's folder.
    file: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawZone {
    name: String,
    file: Option<String>,
    #[serde(default)]
    primaries: Vec<RawPrimary>,
    allow_transfer: Option<Vec<RawAclEntry>>,
    also_notify: Option<Vec<RawNotifyTarget>>,
    notify: Option<RawNotify>,
    serial_policy: Option<SerialPolicy>,
    verify: Option<RawVerify>,
    zonemd_verify: Option<bool>,
    #[serde(flatten)]
    timers: RawTimers,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVerify {
    command: Vec<String>,
    timeout: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawTemplate {
    name: String,
    allow_transfer: Option<Vec<RawAclEntry>>,
    also_notify: Option<Vec<RawNotifyTarget>>,
    notify: Option<RawNotify>,
    verify: Option<RawVerify>,
    zonemd_verify: Option<bool>,
    #[serde(flatten)]
    timers: RawTimers,
}

/// The settings a zone and a template share, as written (borrowed from either).
struct RawZoneSettings<'a> {
    allow_transfer: &'a Option<Vec<RawAclEntry>>,
    also_notify: &'a Option<Vec<RawNotifyTarget>>,
    notify: &'a Option<RawNotify>,
    timers: &'a RawTimers,
    verify: &'a Option<RawVerify>,
    zonemd_verify: Option<bool>,
}

/// [`RawZoneSettings`] resolved against the keys and the defaults.
struct ZoneSettingsResolved {
    allow_transfer: Acl,
    also_notify: Vec<NotifyTarget>,
    notify: NotifyMode,
    timers: TimerBounds,
    verify: Option<VerifyCommand>,
    zonemd_verify: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawPrimary {
    address: String,
    key: Option<String>,
    ixfr: Option<bool>,
    ixfr_udp: Option<bool>,
    tls: Option<RawClientTls>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawServerTls {
    cert_file: String,
    key_file: String,
    client_ca_file: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawClientTls {
    ca_file: Option<String>,
    hostname: Option<String>,
    pin_sha256: Option<OneOrMany>,
    cert_file: Option<String>,
    key_file: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAclEntry {
    address: Option<String>,
    key: Option<String>,
    tls: Option<bool>,
}

/// `notify:` as written: a boolean or a word (`explicit`).
#[derive(Deserialize)]
#[serde(untagged)]
enum RawNotify {
    Flag(bool),
    Word(String),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawNotifyTarget {
    Plain(String),
    Full {
        address: String,
        key: Option<String>,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawDefaults {
    #[serde(default)]
    allow_transfer: Vec<RawAclEntry>,
    #[serde(default)]
    also_notify: Vec<RawNotifyTarget>,
    serial_policy: Option<SerialPolicy>,
    verify: Option<RawVerify>,
    zonemd_verify: Option<bool>,
    notify: Option<RawNotify>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSuperSlaves {
    servers: Vec<String>,
    key: Option<String>,
    #[serde(default)]
    allow_unsigned: bool,
    catalog: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSuperMaster {
    address: String,
    key: Option<String>,
    catalog: Option<String>,
    max_deletions: Option<usize>,
    unlisted_grace: Option<String>,
    tls: Option<RawClientTls>,
}

// Flattened into both the top level and each zone, so it cannot deny unknown fields
// itself (serde does not support that with flatten); the parents do.
#[derive(Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
struct RawTimers {
    min_refresh: Option<String>,
    max_refresh: Option<String>,
    min_retry: Option<String>,
    max_retry: Option<String>,
    min_expire: Option<String>,
    max_expire: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawLimits {
    max_zone_records: Option<u64>,
    max_zone_bytes: Option<u64>,
    transfers_in: Option<u64>,
    transfers_in_per_primary: Option<u64>,
    transfers_out: Option<u64>,
    tcp_connections: Option<u64>,
    tcp_idle_timeout: Option<String>,
    tcp_message_timeout: Option<String>,
    write_timeout: Option<String>,
    max_transfer_time_out: Option<String>,
    max_zone_file_bytes: Option<RawSize>,
    max_transfer_time_in: Option<String>,
    min_transfer_rate_in: Option<String>,
}

/// A size: a plain number of bytes, or text with a unit (`4GiB`, `500 MB`).
#[derive(Deserialize)]
#[serde(untagged)]
enum RawSize {
    Bytes(u64),
    Text(String),
}

/// Reads `4GiB`, `512KiB`, `10MB`, `4096` (bytes; binary units are powers of 1024,
/// decimal ones of 1000).
fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().ok()?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "t" | "tib" => 1 << 40,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        _ => return None,
    };
    n.checked_mul(mult)
}

/// Reads a minimum rate, `10KiB/5m` (BIND's `min-transfer-rate-in 10240 5`): a size
/// as [`parse_size`] reads it, a slash, a duration.
fn parse_rate(text: &str) -> Option<crate::xfr::MinRate> {
    let (bytes, per) = text.split_once('/')?;
    let bytes = parse_size(bytes).filter(|&b| b > 0)?;
    let per = crate::duration::parse(per.trim())
        .ok()
        .filter(|d| !d.is_zero())?;
    Some(crate::xfr::MinRate { bytes, per })
}

//============ Errors ================================================================

/// One problem in a config, with the path of the offending value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where: `zones[2].allow-transfer[0].key`.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// The line of the config file the path leads to, when it could be found.
    pub line: Option<usize>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Why a config could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {}: {reason}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        reason: String,
    },
    /// Not valid YAML, or a key of the wrong shape or unknown.
    #[error("{}{}: {reason}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The line, when known.
        line: Option<usize>,
        /// serde's description, with the YAML path.
        reason: String,
    },
    /// Well-formed, but with problems.
    #[error("{}: {} problem{}:\n  {}", path.display(), problems.len(),
            if problems.len() == 1 { "" } else { "s" },
            problems.iter().map(|p| match p.line {
                Some(line) => format!("line {line}: {p}"),
                None => p.to_string(),
            }).collect::<Vec<_>>().join("\n  "))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem found.
        problems: Vec<Problem>,
        /// What could be resolved despite them (the parts with problems left out),
        /// when the YAML could be read: `check --config` still checks its zone files.
        partial: Option<Box<Config>>,
    },
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Config, ConfigError> {
        Config::from_yaml(text, Path::new("/etc/zonesync/zonesync.yaml"))
    }

    fn problems(text: &str) -> Vec<String> {
        match load(text) {
            Err(ConfigError::Invalid { problems, .. }) => {
                problems.iter().map(|p| p.to_string()).collect()
            }
            Err(e) => vec![e.to_string()],
            Ok(_) => vec![],
        }
    }

    /// A self-signed certificate and its key in `dir` (`cert.pem`, `cert.key`).
    fn certificate(dir: &Path) {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["primary.test".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        std::fs::write(dir.join("cert.pem"), cert.pem()).unwrap();
        std::fs::write(dir.join("cert.key"), key.serialize_pem()).unwrap();
    }

    #[test]
    fn tls_keys_resolve_and_their_problems_are_named() {
        let dir = tempfile::tempdir().unwrap();
        certificate(dir.path());
        let d = dir.path().display();
        let with = |text: &str| text.replace("DIR", &d.to_string());
        let ok = with(
            "listen: [\"127.0.0.1:53\"]\nlisten-tls: [\"127.0.0.1:853\"]\n\
             tls: { cert-file: DIR/cert.pem, key-file: DIR/cert.key, client-ca-file: DIR/cert.pem }\n\
             zones:\n  - name: a.test\n    file: a.zone\n    allow-transfer: [ { tls: true } ]\n\
             \x20 - name: b.test\n    primaries: [ { address: \"127.0.0.1:853\", tls: { ca-file: DIR/cert.pem, hostname: primary.test } } ]\n\
             \x20 - name: c.test\n    primaries: [ { address: \"127.0.0.1:853\", tls: { ca-file: DIR/cert.pem, hostname: primary.test } } ]\n\
             super-masters:\n  - { address: \"127.0.0.1:853\", tls: { pin-sha256: [\"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\"] } }\n",
        );
        let c = load(&ok).expect("valid");
        assert!(c.tls.as_ref().is_some_and(|t| t.mutual()));
        assert_eq!(c.listen_tls.len(), 1);
        assert!(c.zones[0].allow_transfer.entries[0].tls);
        let tls_of = |i: usize| match &c.zones[i].source {
            ZoneSource::Secondary { primaries } => primaries[0].tls.clone().expect("tls"),
            other => panic!("{other:?}"),
        };
        // Equal blocks share one client, and so its parked sessions.
        assert!(Arc::ptr_eq(&tls_of(1), &tls_of(2)));
        assert!(!tls_of(1).opportunistic());
        assert!(c.super_masters[0].tls.is_some());

        let cases = [
            (
                "listen: [\"127.0.0.1:53\"]\nlisten-tls: [\"127.0.0.1:853\"]\n",
                "listen-tls: needs `tls:`",
            ),
            (
                "listen: [\"127.0.0.1:53\"]\ntls: { cert-file: DIR/cert.pem, key-file: DIR/cert.key }\n",
                "tls: the server's certificate is used only with `listen-tls:`",
            ),
            (
                "listen: [\"127.0.0.1:53\"]\nzones:\n  - name: a.test\n    file: a.zone\n    allow-transfer: [ { tls: true } ]\n",
                "listen-tls: an allow-transfer entry has `tls: true`",
            ),
            (
                "listen: [\"127.0.0.1:53\"]\nlisten-tls: [\"127.0.0.1:853\"]\ntls: { cert-file: DIR/none.pem, key-file: DIR/cert.key }\n",
                "none.pem: No such file",
            ),
            (
                "listen: [\"127.0.0.1:53\"]\nlisten-tls: [\"127.0.0.1:853\"]\ntls: { cert-file: DIR/cert.key, key-file: DIR/cert.key }\n",
                "no PEM certificate",
            ),
            (
                "listen: [\"127.0.0.1:53\"]\nzones:\n  - name: b.test\n    primaries: [ { address: \"127.0.0.1:853\", ixfr-udp: true, tls: {} } ]\n",
                "zones[0].primaries[0].ixfr-udp: a primary reached over TLS",
            ),
            (
                "listen: [\"127.0.0.1:53\"]\nzones:\n  - name: b.test\n    primaries: [ { address: \"127.0.0.1:853\", tls: { hostname: \"not a name\" } } ]\n",
                "zones[0].primaries[0].tls.hostname",
            ),
            (
                "listen: [\"127.0.0.1:53\"]\nzones:\n  - name: b.test\n    primaries: [ { address: \"127.0.0.1:853\", tls: { cert-file: DIR/cert.pem } } ]\n",
                "needs both cert-file and key-file",
            ),
            (
                "listen: [\"127.0.0.1:53\"]\nzones:\n  - name: b.test\n    primaries: [ { address: \"127.0.0.1:853\", tls: { ca: x } } ]\n",
                "unknown key `ca`",
            ),
        ];
        for (text, want) in cases {
            let got = problems(&with(text));
            assert!(got.iter().any(|p| p.contains(want)), "{text}: {got:?}");
        }
    }

    #[test]
    fn rate_limit_and_cookies() {
        let base = "listen: [\"127.0.0.1:5300\"]\n";
        let d = load(base).unwrap();
        assert_eq!((d.rate_limit, d.cookies), (None, true));
        let c = load(&format!(
            "{base}cookies: false\nrate-limit: {{ responses-per-second: 20, exempt: [127.0.0.0/8, \"::1\"] }}\n"
        ))
        .unwrap();
        assert!(!c.cookies);
        assert_eq!(
            c.rate_limit,
            Some(RateLimit {
                responses_per_second: 20,
                slip: 2,
                ipv4_prefix: 24,
                ipv6_prefix: 56,
                exempt: vec!["127.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()],
            })
        );
        // 0 is off.
        let off = load(&format!(
            "{base}rate-limit: {{ responses-per-second: 0, slip: 1 }}\n"
        ));
        assert_eq!(off.unwrap().rate_limit, None);
        let p = problems(&format!(
            "{base}rate-limit: {{ responses-per-second: 5, slip: 101, ipv4-prefix: 33, ipv6-prefix: 129, exempt: [nowhere] }}\n"
        ));
        assert_eq!(
            p,
            [
                "rate-limit.slip: at most 100 (0: never slip, 1: always)",
                "rate-limit.ipv4-prefix: a prefix length of 0 to 32",
                "rate-limit.ipv6-prefix: a prefix length of 0 to 128",
                "rate-limit.exempt[0]: \"nowhere\" is not an address or prefix",
            ]
        );
        // Unknown keys are refused.
        let p = problems(&format!("{base}rate-limit: {{ responses-per-sec: 5 }}\n"));
        assert!(p.iter().any(|p| p.contains("responses-per-sec")), "{p:?}");
    }

    #[test]
    fn nsid_is_a_string_or_hex() {
        let with = |v: &str| format!("listen: [\"127.0.0.1:5300\"]\nnsid: {v}\n");
        let nsid = |v: &str| load(&with(v)).unwrap().nsid;
        assert_eq!(nsid("ns1.example.net"), Some(b"ns1.example.net".to_vec()));
        assert_eq!(nsid("0x6E7331"), Some(b"ns1".to_vec()));
        assert_eq!(load("listen: [\"127.0.0.1:5300\"]\n").unwrap().nsid, None);
        assert_eq!(
            problems(&with("0x6e7")),
            ["nsid: after `0x`, an even number of hex digits"]
        );
        assert_eq!(
            problems(&with("\"\"")),
            ["nsid: an empty identifier (leave `nsid` out instead)"]
        );
        assert_eq!(
            problems(&with(&"x".repeat(129))),
            ["nsid: at most 128 octets"]
        );
    }

    const FULL: &str = r#"
listen: ["127.0.0.1:5300", "[::1]:5300"]
state-dir: ./state
keys:
  - { name: xfr-key, algorithm: hmac-sha256, secret: "c2VjcmV0" }
zones:
  - name: example.com
    file: zones/example.com.zone
    allow-transfer: [ { key: xfr-key }, { address: 127.0.0.0/8 } ]
    also-notify: ["127.0.0.2:5300", { address: "127.0.0.3:5300", key: "xfr-key." }]
    serial-policy: unixtime
  - name: example.net
    primaries: [ { address: "127.0.0.1:5400", key: xfr-key, ixfr: false } ]
    min-refresh: 2s
zones-dir: zones/
super-slaves:
  servers: ["127.0.0.2:5300"]
  key: xfr-key
  catalog: catalog.invalid.
super-masters:
  - { address: "127.0.0.1:5300", key: xfr-key, catalog: catalog.invalid. }
bulk-refresh: 1h
min-refresh: 10s
"#;

    #[test]
    fn full_example_resolves() {
        let c = load(FULL).expect("valid");
        assert_eq!(c.listen.len(), 2);
        assert_eq!(c.state_dir, Path::new("/etc/zonesync/./state"));
        assert_eq!(
            c.zones_dir.as_deref(),
            Some(Path::new("/etc/zonesync/zones/"))
        );
        assert_eq!(c.zones.len(), 2);
        let z = &c.zones[0];
        match &z.source {
            ZoneSource::Primary {
                file,
                serial_policy,
            } => {
                assert_eq!(file, Path::new("/etc/zonesync/zones/example.com.zone"));
                assert_eq!(*serial_policy, SerialPolicy::Unixtime);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(z.allow_transfer.entries.len(), 2);
        assert_eq!(z.also_notify.len(), 2);
        assert!(z.also_notify[1].key.is_some());
        assert_eq!(z.timers.min_refresh, Duration::from_secs(10));
        let s = &c.zones[1];
        assert_eq!(s.timers.min_refresh, Duration::from_secs(2));
        match &s.source {
            ZoneSource::Secondary { primaries } => assert!(!primaries[0].ixfr),
            other => panic!("{other:?}"),
        }
        assert_eq!(c.bulk_refresh, Some(Duration::from_secs(3600)));
    }

    #[test]
    fn templates_are_picked_by_a_members_group() {
        let c = load(
            r#"
listen: ["127.0.0.1:5300"]
keys:
  - { name: xfr-key, algorithm: hmac-sha256, secret: "c2VjcmV0c2VjcmV0" }
defaults:
  allow-transfer: [ { address: 10.0.0.0/8 } ]
templates:
  - { name: signed, allow-transfer: [ { key: xfr-key } ], min-refresh: 30s }
  - { name: quiet, notify: false }
super-masters:
  - { address: "127.0.0.1:5400", catalog: catalog.invalid. }
"#,
        )
        .expect("valid");
        let signed = c.template_for(&["other".into(), "signed".into()]).unwrap();
        assert_eq!(
            signed.allow_transfer.entries[0].key,
            Some("xfr-key.".parse().unwrap())
        );
        assert_eq!(signed.timers.min_refresh, Duration::from_secs(30));
        let quiet = c.template_for(&["quiet".into()]).unwrap();
        assert_eq!(quiet.notify, NotifyMode::No);
        // Left out: the defaults.
        assert_eq!(quiet.allow_transfer, c.defaults.allow_transfer);
        assert!(c.template_for(&[]).is_none());
        assert!(c.template_for(&["nope".into()]).is_none());
        let p = problems(
            r#"
listen: ["127.0.0.1:5300"]
templates:
  - { name: a, allow-transfer: [ { key: missing } ] }
  - { name: a }
"#,
        );
        assert!(
            p.iter()
                .any(|p| p.starts_with("templates[0].allow-transfer[0]")),
            "{p:?}"
        );
        assert!(p.iter().any(|p| p.contains("templates[1].name")), "{p:?}");
    }

    #[test]
    fn transfer_in_bounds_take_bind_names() {
        use crate::xfr::MinRate;
        assert_eq!(
            parse_rate("10KiB/5m"),
            Some(MinRate {
                bytes: 10 << 10,
                per: Duration::from_secs(300)
            })
        );
        assert_eq!(
            parse_rate("10240 / 300"),
            Some(MinRate {
                bytes: 10240,
                per: Duration::from_secs(300)
            })
        );
        for bad in ["10KiB", "0/5m", "10KiB/0s", "fast/5m", "10KiB/soon"] {
            assert_eq!(parse_rate(bad), None, "{bad}");
        }
        let c = load(
            "listen: [\"127.0.0.1:5300\"]\n\
             limits: { max-transfer-time-in: 2s, min-transfer-rate-in: 1MiB/1s }\n",
        )
        .unwrap();
        assert_eq!(c.limits.max_transfer_time_in, Duration::from_secs(2));
        assert_eq!(c.limits.min_transfer_rate_in.bytes, 1 << 20);
        let d = load("listen: [\"127.0.0.1:5300\"]\n").unwrap();
        assert_eq!(d.limits.max_transfer_time_in, Duration::from_secs(7200));
        assert_eq!(d.limits.min_transfer_rate_in, MinRate::default());
        let p = problems("listen: [\"127.0.0.1:5300\"]\nlimits: { min-transfer-rate-in: 10KiB }\n");
        assert!(
            p.iter().any(|p| p.contains("limits.min-transfer-rate-in")),
            "{p:?}"
        );
    }

    #[test]
    fn sizes_take_units() {
        assert_eq!(parse_size("4GiB"), Some(4 << 30));
        assert_eq!(parse_size("512 KiB"), Some(512 << 10));
        assert_eq!(parse_size("10MB"), Some(10_000_000));
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("4 parsecs"), None);
        assert_eq!(parse_size("GiB"), None);
        assert_eq!(parse_size("99999999999TiB"), None);
        let c =
            load("listen: [\"127.0.0.1:5300\"]\nlimits: { max-zone-file-bytes: 1MiB }\n").unwrap();
        assert_eq!(c.limits.max_zone_file_bytes, 1 << 20);
        let c =
            load("listen: [\"127.0.0.1:5300\"]\nlimits: { max-zone-file-bytes: 1000 }\n").unwrap();
        assert_eq!(c.limits.max_zone_file_bytes, 1000);
        let p = problems("listen: [\"127.0.0.1:5300\"]\nlimits: { max-zone-file-bytes: lots }\n");
        assert!(
            p.iter().any(|p| p.contains("limits.max-zone-file-bytes")),
            "{p:?}"
        );
    }

    #[test]
    fn tcp_and_transfer_time_limits() {
        let c = load("listen: [\"127.0.0.1:5300\"]\n").unwrap();
        assert_eq!(c.limits.tcp_message_timeout, Duration::from_secs(5));
        assert_eq!(c.limits.write_timeout, Duration::from_secs(10));
        assert_eq!(c.limits.max_transfer_time_out, Duration::from_secs(7200));
        let c = load(
            "listen: [\"127.0.0.1:5300\"]\nlimits: { tcp-message-timeout: 1s, write-timeout: 500ms, max-transfer-time-out: 1h30m }\n",
        )
        .unwrap();
        assert_eq!(c.limits.tcp_message_timeout, Duration::from_secs(1));
        assert_eq!(c.limits.write_timeout, Duration::from_millis(500));
        assert_eq!(c.limits.max_transfer_time_out, Duration::from_secs(5400));
        let p = problems("listen: [\"127.0.0.1:5300\"]\nlimits: { write-timeout: soon }\n");
        assert!(
            p.iter().any(|p| p.contains("limits.write-timeout")),
            "{p:?}"
        );
    }

    #[test]
    fn keys_from_a_key_file_beside_the_config() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("keys")).expect("mkdir");
        std::fs::write(
            dir.path().join("keys/xfr.key"),
            "key \"other\" {\n algorithm hmac-sha512;\n secret \"b3RoZXI=\";\n};\n\
             key \"xfr-key\" {\n algorithm hmac-sha384;\n secret \"c2VjcmV0\";\n};\n",
        )
        .expect("write key file");
        let config_path = dir.path().join("zonesync.yaml");
        let with = |keys: &str| format!("listen: [\"127.0.0.1:5300\"]\nkeys:\n{keys}");
        let load_at = |text: &str| Config::from_yaml(text, &config_path);

        let config = load_at(&with("  - { name: xfr-key, file: keys/xfr.key }\n")).unwrap();
        let key = config
            .keys
            .get(&Name::parse("xfr-key.", None).unwrap())
            .unwrap();
        assert_eq!(key.algorithm(), crate::tsig::Algorithm::HmacSha384);
        assert_eq!(config.keys.len(), 1);

        let problems = |text: &str| match load_at(text) {
            Err(ConfigError::Invalid { problems, .. }) => {
                problems.iter().map(|p| p.to_string()).collect::<Vec<_>>()
            }
            other => panic!("expected problems, got {other:?}"),
        };
        let p = problems(&with("  - { name: nope, file: keys/xfr.key }\n"));
        assert!(
            p.len() == 1 && p[0].starts_with("keys[0].file: ") && p[0].contains("no key named"),
            "{p:?}"
        );
        let p = problems(&with("  - { name: xfr-key, file: keys/missing.key }\n"));
        assert!(
            p.len() == 1 && p[0].starts_with("keys[0].file: cannot read key file"),
            "{p:?}"
        );
        let p = problems(&with(
            "  - { name: xfr-key, file: keys/xfr.key, secret: \"c2VjcmV0\" }\n",
        ));
        assert!(
            p.len() == 1 && p[0].starts_with("keys[0].file: give either"),
            "{p:?}"
        );
        let p = problems(&with("  - { name: xfr-key }\n"));
        assert!(
            p.len() == 1 && p[0].starts_with("keys[0]: a key needs"),
            "{p:?}"
        );
    }

    #[test]
    fn every_problem_named_with_its_path() {
        let p = problems(
            r#"
listen: ["127.0.0.1:99999"]
keys:
  - { name: k, algorithm: hmac-sha999, secret: "c2VjcmV0" }
zones:
  - name: a.example
    file: a.zone
    allow-transfer: [ { key: xfr }, {} , { address: "300.1.1.1/8" } ]
  - name: b.example
  - name: a.example
    file: b.zone
min-refresh: 1h
max-refresh: 1m
"#,
        );
        let want = [
            "keys[0]: unknown TSIG algorithm \"hmac-sha999\"",
            "listen[0]: bad server address \"127.0.0.1:99999\": bad port",
            "min-refresh: min-refresh is above max-refresh",
            "zones[0].allow-transfer[0].key: no key named \"xfr\"",
            "zones[0].allow-transfer[1]: an entry needs",
            "zones[0].allow-transfer[2].address: bad address or prefix",
            "zones[1]: zone b.example. needs a `file`",
            "zones[2].name: zone a.example. is listed twice",
        ];
        for w in want {
            assert!(
                p.iter().any(|x| x.starts_with(w)),
                "missing {w:?} in {p:#?}"
            );
        }
        assert_eq!(p.len(), want.len(), "{p:#?}");
    }

    /// Every problem of a load, as `line N: path: message`.
    fn problem_lines(text: &str) -> Vec<String> {
        match load(text) {
            Err(ConfigError::Invalid { problems, .. }) => problems
                .iter()
                .map(|p| match p.line {
                    Some(l) => format!("line {l}: {p}"),
                    None => p.to_string(),
                })
                .collect(),
            other => panic!("expected problems, got {other:?}"),
        }
    }

    #[test]
    fn unknown_keys_each_with_a_line_and_a_suggestion() {
        let p = problem_lines(
            "listen: [\"127.0.0.1:53\"]\n\
             state-dri: x\n\
             zones:\n  - name: x\n    fille: x.zone\n\
             \x20 - name: y\n    file: y.zone\n    allow-transfer: [ { adress: 10.0.0.0/8 } ]\n\
             bogus: 1\n",
        );
        assert_eq!(
            p,
            [
                "line 2: state-dri: unknown key `state-dri` (did you mean `state-dir`?)",
                "line 5: zones[0].fille: unknown key `fille` (did you mean `file`?)",
                "line 8: zones[1].allow-transfer[0].adress: unknown key `adress` (did you mean `address`?)",
                "line 9: bogus: unknown key `bogus`",
            ],
            "{p:#?}"
        );
    }

    #[test]
    fn unknown_keys_and_logic_errors_together() {
        // An unknown key does not hide the problems of the rest of the file.
        let p = problem_lines(
            "listen: [\"127.0.0.1:53\"]\nzonez: []\nzones:\n  - name: a\n    file: a.zone\n    \
             allow-transfer: [ { key: nope } ]\n",
        );
        assert_eq!(p.len(), 2, "{p:#?}");
        assert!(
            p[0].starts_with("line 2: zonez: unknown key `zonez` (did you mean `zones`?)"),
            "{p:#?}"
        );
        assert_eq!(
            p[1],
            "line 6: zones[0].allow-transfer[0].key: no key named \"nope\""
        );
        // A value of the wrong shape after an unknown key: both.
        let p = problem_lines("listen: [\"127.0.0.1:53\"]\nlistn: 1\nzones: 5\n");
        assert_eq!(p.len(), 2, "{p:#?}");
        assert!(
            p[0].contains("unknown key `listn` (did you mean `listen`?)"),
            "{p:#?}"
        );
        assert!(p[1].starts_with("line 3: zones: invalid type"), "{p:#?}");
    }

    #[test]
    fn a_bad_key_secret_is_one_problem_not_one_per_use() {
        let p = problem_lines(
            "listen: [\"127.0.0.1:53\"]\n\
             keys:\n  - { name: k, algorithm: hmac-sha256, secret: \"not base64!\" }\n\
             zones:\n  - name: a\n    file: a.zone\n    allow-transfer: [ { key: k } ]\n    \
             also-notify: [ { address: \"127.0.0.2:53\", key: k } ]\n\
             \x20 - name: b\n    primaries: [ { address: \"127.0.0.3\", key: k } ]\n",
        );
        assert_eq!(p.len(), 1, "{p:#?}");
        assert!(p[0].starts_with("line 3: keys[0]: "), "{p:#?}");
    }

    #[test]
    fn a_duplicate_listen_address() {
        let p = problem_lines("listen: [\"127.0.0.1:5300\", \"[::1]:5300\", \"127.0.0.1:5300\"]\n");
        assert_eq!(p, ["line 1: listen[2]: 127.0.0.1:5300 is listed twice"]);
    }

    /// Every key suggested for a flattened mapping is a key of that mapping.
    #[test]
    fn suggested_keys_are_real_keys() {
        let unknown = |text: &str, key: &str| {
            let result = format!("{:?}", load(text));
            result.contains(&format!("unknown key `{key}`"))
                || result.contains(&format!("unknown field `{key}`"))
        };
        for key in flattened_keys("") {
            let text = format!("listen: [\"127.0.0.1:53\"]\n{key}: ~\nbogus-key: 1\n");
            assert!(!unknown(&text, key), "top level {key}");
        }
        for key in flattened_keys("zones[0]") {
            let text = format!(
                "listen: [\"127.0.0.1:53\"]\nzones:\n  - {{ name: a, {key}: ~, bogus-key: 1 }}\n"
            );
            assert!(!unknown(&text, key), "zone {key}");
        }
        for key in flattened_keys("templates[3]") {
            let text = format!(
                "listen: [\"127.0.0.1:53\"]\ntemplates:\n  - {{ name: a, {key}: ~, bogus-key: 1 }}\n"
            );
            assert!(!unknown(&text, key), "template {key}");
        }
        assert!(flattened_keys("zones[0].allow-transfer[0]").is_empty());
    }

    #[test]
    fn suggestions_only_for_near_misses() {
        let known: Vec<String> = ["file", "name", "primaries", "allow-transfer"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(did_you_mean("fille", &known), Some("file"));
        assert_eq!(did_you_mean("primaires", &known), Some("primaries"));
        assert_eq!(
            did_you_mean("allow-transfers", &known),
            Some("allow-transfer")
        );
        assert_eq!(did_you_mean("zzz", &known), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "ab"), 2);
    }

    #[test]
    fn verify_and_zonemd_verify_per_zone_defaults_and_templates() {
        let c = load(
            r#"
listen: ["127.0.0.1:5300"]
defaults:
  verify: { command: [./check.sh, --strict] }
  zonemd-verify: false
templates:
  - { name: signed, verify: { command: [/usr/bin/check-signed], timeout: 5s } }
  - { name: plain, zonemd-verify: true }
zones:
  - name: a.test
    file: a.zone
  - name: b.test
    file: b.zone
    verify: { command: [named-checkzone, b.test, /dev/stdin], timeout: 300ms }
    zonemd-verify: true
"#,
        )
        .unwrap();
        let inherited = VerifyCommand {
            program: PathBuf::from("/etc/zonesync/./check.sh"),
            args: vec!["--strict".into()],
            timeout: DEFAULT_VERIFY_TIMEOUT,
        };
        assert_eq!(c.defaults.verify.as_ref(), Some(&inherited));
        assert!(!c.defaults.zonemd_verify);
        assert_eq!(c.zones[0].verify.as_ref(), Some(&inherited));
        assert!(!c.zones[0].zonemd_verify);
        let b = c.zones[1].verify.as_ref().unwrap();
        // A bare name is looked up in PATH when run.
        assert_eq!(b.program, PathBuf::from("named-checkzone"));
        assert_eq!(b.timeout, Duration::from_millis(300));
        assert!(c.zones[1].zonemd_verify);
        let signed = c.template_for(&["signed".into()]).unwrap();
        assert_eq!(
            signed.verify.as_ref().unwrap().timeout,
            Duration::from_secs(5)
        );
        assert!(!signed.zonemd_verify);
        let plain = c.template_for(&["plain".into()]).unwrap();
        assert_eq!(plain.verify.as_ref(), Some(&inherited));
        assert!(plain.zonemd_verify);
        // Without any of it: no command, ZONEMD verified.
        let c = load("listen: [\"127.0.0.1:5300\"]\nzones: [ { name: a.test, file: a.zone } ]\n")
            .unwrap();
        assert_eq!(c.zones[0].verify, None);
        assert!(c.zones[0].zonemd_verify && c.defaults.zonemd_verify);
        assert_eq!(
            problems(
                "listen: [\"127.0.0.1:5300\"]\nzones: [ { name: a.test, file: a.zone, verify: { command: [], timeout: 0s } } ]\n"
            ),
            [
                "zones[0].verify.timeout: the timeout must be more than 0s",
                "zones[0].verify.command: the command needs at least a program"
            ]
        );
    }

    #[test]
    fn super_slaves_need_a_key_or_allow_unsigned() {
        let p =
            problems("listen: [\"127.0.0.1:5300\"]\nsuper-slaves: { servers: [\"127.0.0.2\"] }\n");
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].starts_with("super-slaves: give a `key`"), "{p:?}");
        assert!(problems("listen: [\"127.0.0.1:5300\"]\nsuper-slaves: { servers: [\"127.0.0.2\"], allow-unsigned: true }\n").is_empty());
    }

    #[test]
    fn notify_is_true_false_or_explicit_per_zone_and_in_defaults() {
        let c = load(
            r#"
listen: ["127.0.0.1:5300"]
defaults: { notify: explicit }
zones:
  - { name: a.example, file: a.zone }
  - { name: b.example, file: b.zone, notify: true }
  - { name: c.example, file: c.zone, notify: false }
"#,
        )
        .expect("valid");
        let modes: Vec<NotifyMode> = c.zones.iter().map(|z| z.notify).collect();
        assert_eq!(
            modes,
            [NotifyMode::Explicit, NotifyMode::Yes, NotifyMode::No]
        );
        assert_eq!(c.defaults.notify, NotifyMode::Explicit);
        let p = problems(
            "listen: [\"127.0.0.1:5300\"]\nzones:\n  - { name: a.example, file: a.zone, notify: sometimes }\n",
        );
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].starts_with("zones[0].notify: \"sometimes\": give true, false or explicit"),
            "{p:?}"
        );
    }

    #[test]
    fn example_config_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/primary.yaml");
        let c = Config::load(&path).expect("examples/primary.yaml is valid");
        assert_eq!(c.zones.len(), 1);
        assert!(c.zones_dir.is_some());
        assert_eq!(c.defaults.allow_transfer.entries.len(), 1);
    }

    #[test]
    fn host_names_are_not_listen_addresses() {
        let p = problems("listen: [\"localhost:5300\"]\n");
        assert!(p[0].contains("give an IP address"), "{p:?}");
    }
}
