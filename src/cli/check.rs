//! `zonesync check`: validate zone files and serve configs, or compare a zone across
//! a fleet of servers.

use std::path::{Path, PathBuf};

use crate::addr::ServerAddr;
use crate::output::findings::{self, FileReport};
use crate::zone::check_dnssec::{DnssecCheckOptions, check_dnssec};
use crate::zone::dnssec_verify::verify_signatures;
use crate::zone::parse::{MAX_FILE_BYTES, ParseOptions, parse_bytes, read_zone_file};
use crate::zone::soa::serial_of;
use crate::zone::{Finding, Name, Rtype, check_zone};

use super::args::{KeyArgs, TlsArgs, parse_server};
use super::{Status, UsageError};

/// Validate zone files and serve configs, or check a fleet for consistency.
///
/// With FILEs: parse each zone file and check it (syntax with line numbers, exactly one
/// SOA at the apex, NS at the apex, out-of-zone data, CNAME and other data, DNAME with
/// descendants, missing glue, occluded data, …), printing compiler-style findings and a
/// summary. The origin comes from --origin, else from the file itself (the SOA
/// owner: absolute, or `@` after an `$ORIGIN`), else from the file name
/// (`example.com.zone`, `db.example.com`, `example.com`); the summary says which
/// (`origin from`), and a file name that names another zone than the SOA owner is a
/// warning. A signed zone is also checked
/// for DNSSEC consistency: every RRset signed, signatures within their validity
/// period (a warning when one expires within --expiry-warning), the NSEC or NSEC3
/// chain complete, in order, and with type bitmaps that match the data. With
/// --verify-signatures every RRSIG is also verified cryptographically against the
/// apex DNSKEYs (RSA/SHA-1, RSA/SHA-256, RSA/SHA-512, ECDSA P-256 and P-384,
/// Ed25519): a signature that does not verify, or one whose key tag matches no
/// DNSKEY, is an error; one of another algorithm is a warning. A zone that carries
/// ZONEMD (RFC 8976) must match its digest.
///
/// With --config: validate a `serve` config (including that its verify commands
/// exist and are executable) and every zone file it names.
///
/// With --fleet ZONE: ask the primary and every secondary for the zone's SOA (and with
/// --content, the whole zone) and report any drift. The SOA query asks for NSID, EXPIRE
/// and ZONEVERSION too; the table shows what each server answered (which server, the
/// seconds its copy has left, the serial its zone reports). Each server is `ok`,
/// `drift` (another serial, other records, SERVFAIL or not authoritative) or
/// `unchecked` (REFUSED, unreachable, timeout, key rejected, or the primary itself
/// unchecked); the summary line counts both.
///
/// Exit status: 0 no errors (warnings allowed unless --strict) or a consistent fleet,
/// 1 errors or drift, 2 usage error, 3 (--fleet) no drift found but a server could
/// not be checked.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  zonesync check zones/example.com.zone
  zonesync check db.example.org --origin example.org. --strict --format json
  zonesync check example.net.signed --origin example.net --expiry-warning 14d
  zonesync check example.net.signed --origin example.net --verify-signatures
  zonesync check --config examples/primary.yaml
  zonesync check --fleet example.com -s 127.0.0.1:5300 -s 127.0.0.2:5300 --content")]
pub struct CheckArgs {
    /// Zone files to check.
    #[arg(value_name = "FILE", required_unless_present_any = ["config", "fleet"])]
    pub files: Vec<PathBuf>,

    /// The zone's origin (else taken from the file name or the SOA owner).
    #[arg(long, value_name = "NAME")]
    pub origin: Option<String>,

    /// Output format (`table` is the same as `text`).
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,

    /// Treat warnings as errors.
    #[arg(long)]
    pub strict: bool,

    /// In signed zones, warn about RRSIGs that expire within this time (`7d`, `36h`).
    #[arg(long, value_name = "DURATION", default_value = "7d", value_parser = parse_window)]
    pub expiry_warning: std::time::Duration,

    /// In signed zones, verify every RRSIG cryptographically against the DNSKEYs.
    #[arg(long)]
    pub verify_signatures: bool,

    /// Validate a serve config and every zone file it names.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["files", "fleet"])]
    pub config: Option<PathBuf>,

    /// Compare ZONE across servers (the first -s is the primary).
    #[arg(long, value_name = "ZONE", conflicts_with = "files")]
    pub fleet: Option<String>,

    /// A server of the fleet, HOST[:PORT]; repeat for several (the first is the primary).
    #[arg(short, long = "server", value_name = "ADDR", requires = "fleet", value_parser = parse_server)]
    pub servers: Vec<ServerAddr>,

    /// Also check the hosts named by the zone's NS records (not with --tls: their
    /// TLS ports are unknown).
    #[arg(long, requires = "fleet", conflicts_with_all = ["tls", "tls_ca", "tls_hostname", "tls_cert"])]
    pub ns: bool,

    /// Also transfer the zone from each server and compare the records.
    #[arg(long, requires = "fleet")]
    pub content: bool,

    /// TSIG key for --content transfers.
    #[command(flatten)]
    pub key: KeyArgs,

    /// Reach every --fleet server over TLS (XoT) for its SOA and --content
    /// transfers: for TLS-only servers.
    #[command(flatten)]
    pub tls: TlsArgs,
}

/// `check --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// Compiler-style findings and a summary table.
    #[value(alias = "table")]
    Text,
    /// JSON for machines.
    Json,
}

/// Runs the check.
pub fn run(args: CheckArgs) -> anyhow::Result<Status> {
    if let Some(zone) = &args.fleet {
        return check_fleet(zone, &args);
    }
    if args.tls.wanted() {
        return Err(UsageError("--tls and --tls-* go with --fleet".into()).into());
    }
    let dnssec = FileChecks {
        dnssec: DnssecCheckOptions {
            now: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as u32),
            expiry_warning: args.expiry_warning.as_secs().min(u32::MAX as u64) as u32,
        },
        verify_signatures: args.verify_signatures,
    };
    let reports = match &args.config {
        Some(config) => check_config(config, &dnssec)?,
        None => {
            let origin = match &args.origin {
                Some(text) => Some(parse_origin(text)?),
                None => None,
            };
            let given = origin.as_ref().map(|o| (o, OriginFrom::Option));
            // One file at a time: only its findings outlive it, not its records.
            let mut reports = Vec::with_capacity(args.files.len());
            for file in &args.files {
                reports.push(check_file(file, given, &dnssec)?);
            }
            reports
        }
    };
    match args.format {
        CheckFormat::Text => findings::print_text(&reports)?,
        CheckFormat::Json => findings::print_json(&reports)?,
    }
    let failed = reports
        .iter()
        .any(|r| r.errors() > 0 || (args.strict && r.warnings() > 0));
    Ok(if failed {
        Status::Failure
    } else {
        Status::Success
    })
}

//----------- A fleet ----------------------------------------------------------------

/// `--fleet ZONE`: every server's SOA (and with `--content` its records) against the
/// primary's; exit 1 on any drift, else 3 when a server could not be checked.
fn check_fleet(zone: &str, args: &CheckArgs) -> anyhow::Result<Status> {
    let zone = parse_origin(zone)?;
    if args.servers.is_empty() {
        return Err(
            UsageError("--fleet needs at least one -s SERVER (the primary first)".into()).into(),
        );
    }
    let opts = crate::fleet::FleetOptions {
        key: args.key.resolve()?,
        tls: args.tls.resolve()?,
        ns: args.ns,
        content: args.content,
        timeout: std::time::Duration::from_secs(5),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let report = runtime.block_on(crate::fleet::check(&zone, &args.servers, &opts));
    match args.format {
        CheckFormat::Text => crate::output::fleet::print_text(&report)?,
        CheckFormat::Json => crate::output::json(&report)?,
    }
    Ok(if report.consistent {
        Status::Success
    } else if report.drift > 0 {
        Status::Failure
    } else {
        Status::Unchecked
    })
}

//----------- A serve config ---------------------------------------------------------

/// `--config`: the config's own problems (each with its path), then every zone file it
/// names (primary zones and the `<name>.zone` files of `zones-dir`), each checked with
/// its configured origin.
fn check_config(path: &Path, dnssec: &FileChecks) -> Result<Vec<FileReport>, UsageError> {
    use crate::config::{Config, ConfigError, ZoneSource};
    let config_report = |findings: Vec<Finding>| FileReport {
        file: path.to_path_buf(),
        origin: None,
        origin_from: None,
        records: 0,
        serial: None,
        findings,
    };
    let file = std::sync::Arc::new(path.to_path_buf());
    let at = |line: Option<usize>| {
        line.map(|line| crate::zone::Pos {
            file: file.clone(),
            line: line as u32,
            column: 1,
        })
    };
    let (config, mut findings) = match Config::load(path) {
        Ok(c) => (c, Vec::new()),
        // Every problem of the config at once, each at its line; then the zone files
        // of what could be resolved.
        Err(ConfigError::Invalid {
            problems, partial, ..
        }) => {
            let findings: Vec<Finding> = problems
                .iter()
                .map(|p| Finding::error(at(p.line), "config", p.to_string()))
                .collect();
            match partial {
                Some(config) => (*config, findings),
                None => return Ok(vec![config_report(findings)]),
            }
        }
        Err(ConfigError::Syntax { line, reason, .. }) => {
            return Ok(vec![config_report(vec![Finding::error(
                at(line),
                "config",
                reason,
            )])]);
        }
        Err(e @ ConfigError::Io { .. }) => return Err(UsageError(e.to_string())),
    };
    findings.extend(verify_command_findings(&config));
    findings.extend(listen_findings(&config.listen));
    let mut reports = vec![config_report(findings)];
    let mut configured = Vec::new();
    for zone in &config.zones {
        configured.push(zone.name.clone());
        if let ZoneSource::Primary { file, .. } = &zone.source {
            reports.push(check_file(
                file,
                Some((&zone.name, OriginFrom::Config)),
                dnssec,
            )?);
        }
    }
    if let Some(dir) = &config.zones_dir {
        let mut files: Vec<_> = match std::fs::read_dir(dir) {
            Ok(entries) => entries.flatten().map(|e| e.path()).collect(),
            Err(e) => {
                reports[0].findings.push(Finding::error(
                    None,
                    "config",
                    format!("zones-dir {}: {e}", dir.display()),
                ));
                Vec::new()
            }
        };
        files.sort();
        for file in files {
            let Some(stem) = file
                .file_name()
                .and_then(|f| f.to_str())
                .and_then(|f| f.strip_suffix(".zone"))
                .filter(|s| !s.is_empty() && !s.starts_with('.'))
            else {
                continue;
            };
            match Name::parse(stem, Some(&Name::root())) {
                Ok(name) if configured.contains(&name) => {
                    reports[0].findings.push(Finding::warning(
                        None,
                        "config",
                        format!(
                            "zones-dir file {} is ignored: zone {name} is configured in zones",
                            file.display()
                        ),
                    ))
                }
                Ok(name) => reports.push(check_file(
                    &file,
                    Some((&name, OriginFrom::Config)),
                    dnssec,
                )?),
                Err(e) => reports[0].findings.push(Finding::warning(
                    None,
                    "config",
                    format!(
                        "zones-dir file {} is ignored: not a zone name ({e})",
                        file.display()
                    ),
                )),
            }
        }
    }
    Ok(reports)
}

/// The listen addresses `serve` could not bind now: one in use (another server, or
/// a running zonesync with this config) or not an address of this machine. Warnings,
/// not errors: the check may run beside the server it checks, or on another machine.
fn listen_findings(listen: &[std::net::SocketAddr]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (i, addr) in listen.iter().enumerate() {
        if addr.port() == 0 {
            continue;
        }
        let udp = std::net::UdpSocket::bind(addr).err();
        let tcp = std::net::TcpListener::bind(addr).err();
        let (what, e) = match (udp, tcp) {
            (None, None) => continue,
            (Some(e), None) => ("UDP", e),
            (None, Some(e)) => ("TCP", e),
            (Some(e), Some(_)) => ("UDP and TCP", e),
        };
        let why = match e.kind() {
            std::io::ErrorKind::AddrInUse => {
                "in use (another server, or zonesync already running?)".to_string()
            }
            std::io::ErrorKind::AddrNotAvailable => "not an address of this machine".to_string(),
            std::io::ErrorKind::PermissionDenied => {
                "a privileged port (serve needs the right to bind it)".to_string()
            }
            _ => e.to_string(),
        };
        findings.push(Finding::warning(
            None,
            "config",
            format!("listen[{i}]: {addr} ({what}) cannot be bound now: {why}"),
        ));
    }
    findings
}

/// The verify commands the config names that cannot run (not found, not
/// executable): config errors, so that a typo is not found by rejecting every version.
fn verify_command_findings(config: &crate::config::Config) -> Vec<Finding> {
    let mut commands = Vec::new();
    for zone in &config.zones {
        commands.push((format!("zone {}", zone.name), &zone.verify));
    }
    commands.push(("defaults".to_string(), &config.defaults.verify));
    for t in &config.templates {
        commands.push((format!("template {}", t.name), &t.verify));
    }
    let mut findings: Vec<Finding> = Vec::new();
    for (what, cmd) in commands {
        let Some(cmd) = cmd else { continue };
        if let Err(e) = crate::sync::gate::find_program(cmd) {
            let message = format!("{what}: verify command cannot run: {e}");
            // Zones that inherit the defaults' command would repeat the same finding.
            if !findings.iter().any(|f| f.message.ends_with(&e)) {
                findings.push(Finding::error(None, "config", message));
            }
        }
    }
    findings
}

//----------- One file ---------------------------------------------------------------

/// The DNSSEC checks every file gets: the structural ones, and with
/// `--verify-signatures` the cryptographic one.
struct FileChecks {
    /// Validity periods and the expiry window.
    dnssec: DnssecCheckOptions,
    /// Verify every RRSIG against the apex DNSKEYs.
    verify_signatures: bool,
}

/// Parses and checks one zone file (its DNSSEC data too, when it is signed; its
/// signatures with `--verify-signatures`). An
/// unreadable file is a finding (exit 1), a file whose origin cannot be told is a usage
/// error (exit 2).
fn check_file(
    file: &Path,
    origin: Option<(&Name, OriginFrom)>,
    dnssec: &FileChecks,
) -> Result<FileReport, UsageError> {
    let text = match read_zone_file(file, MAX_FILE_BYTES) {
        Ok(text) => text,
        Err(e) => {
            return Ok(FileReport {
                file: file.to_path_buf(),
                origin: origin.map(|(o, _)| o.clone()),
                origin_from: origin.map(|(_, from)| from.as_str()),
                records: 0,
                serial: None,
                findings: vec![Finding::error(
                    None,
                    "io",
                    format!("cannot read the file: {e}"),
                )],
            });
        }
    };
    let mut early = Vec::new();
    let (origin, from) = match origin {
        Some((o, from)) => (o.clone(), from),
        None => {
            let by_name = origin_from_file_name(file);
            match (origin_from_soa(&text), by_name) {
                (Some(soa), by_name) => {
                    if let Some(name) = by_name.filter(|n| *n != soa) {
                        early.push(Finding::warning(
                            None,
                            "origin",
                            format!(
                                "the file name names {name}, its SOA owner {soa}: checked as \
                                 {soa} (give --origin to choose)"
                            ),
                        ));
                    }
                    (soa, OriginFrom::Soa)
                }
                (None, Some(name)) => (name, OriginFrom::FileName),
                (None, None) => {
                    return Err(UsageError(format!(
                        "{}: cannot tell the zone's origin from an SOA record or the file \
                         name; give it with --origin",
                        file.display()
                    )));
                }
            }
        }
    };
    let zone = parse_bytes(&text, file, &origin, &ParseOptions::default());
    drop(text);
    let mut findings = check_zone(&zone);
    findings.extend(check_dnssec(
        &zone.origin,
        &zone.records,
        &zone.positions,
        &dnssec.dnssec,
    ));
    if dnssec.verify_signatures {
        findings.extend(verify_signatures(
            &zone.origin,
            &zone.records,
            &zone.positions,
        ));
    }
    findings.extend(check_zonemd(&zone));
    findings.extend(early);
    // In file order (findings without a place first), the syntax problems among them.
    findings.extend(zone.findings);
    findings.sort_by(|a, b| {
        let key = |f: &Finding| f.pos.as_ref().map(|p| (p.file.clone(), p.line, p.column));
        key(a).cmp(&key(b))
    });
    let serial = zone
        .records
        .iter()
        .find(|r| r.rtype == Rtype::SOA && r.owner == zone.origin)
        .and_then(|r| serial_of(&r.rdata).ok());
    Ok(FileReport {
        file: file.to_path_buf(),
        origin: Some(zone.origin),
        origin_from: Some(from.as_str()),
        records: zone.records.len(),
        serial,
        findings,
    })
}

/// RFC 8976: a zone that carries ZONEMD at its apex must match it (an error at the
/// apex ZONEMD's line, with the reason). Zones without ZONEMD, or that cannot be
/// built into a version (their errors are reported by the other checks), are left
/// alone.
fn check_zonemd(zone: &crate::zone::ParsedZone) -> Option<Finding> {
    use crate::zone::version::ZoneVersion;
    let at = zone
        .records
        .iter()
        .position(|r| r.rtype == Rtype::ZONEMD && r.owner == zone.origin)?;
    let records = zone
        .records
        .iter()
        .filter(|r| r.owner.ends_with(&zone.origin))
        .cloned()
        .collect();
    let version =
        ZoneVersion::from_records(zone.origin.clone(), crate::zone::Class::IN, records).ok()?;
    let error = crate::zone::zonemd::verify(&version).err()?;
    Some(Finding::error(
        zone.positions.get(at).cloned(),
        "zonemd",
        error.to_string(),
    ))
}

/// `--expiry-warning`: a duration as configs write them.
fn parse_window(text: &str) -> Result<std::time::Duration, String> {
    crate::duration::parse(text).map_err(|e| e.to_string())
}

/// `--origin`: a domain name, absolute whether or not it ends in a dot.
fn parse_origin(text: &str) -> Result<Name, UsageError> {
    Name::parse(text, Some(&Name::root()))
        .map_err(|e| UsageError(format!("--origin {text:?}: {e}")))
}

//----------- The origin of a file ---------------------------------------------------

/// Where the origin a file was checked with came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OriginFrom {
    /// `--origin`.
    Option,
    /// The zone's name in the `--config`.
    Config,
    /// The file's SOA owner (absolute, or relative to its `$ORIGIN`).
    Soa,
    /// The file's name.
    FileName,
}

impl OriginFrom {
    /// As the summary's `origin from` column and JSON's `origin_from` say it.
    fn as_str(self) -> &'static str {
        match self {
            OriginFrom::Option => "--origin",
            OriginFrom::Config => "config",
            OriginFrom::Soa => "SOA owner",
            OriginFrom::FileName => "file name",
        }
    }
}

/// File-name endings that say "this is not a domain name" when a file is named
/// `something.EXT` (so that `notes.txt` is not taken for the zone `notes.txt.`).
const NOT_ZONE_EXTENSIONS: &[&str] = &[
    "txt", "conf", "cfg", "bak", "orig", "tmp", "old", "json", "yaml", "yml", "signed", "jnl",
    "zone", "db", "out", "log",
];

/// The origin a file name implies: `example.com.zone` and `example.com.db`,
/// `db.example.com`, or a bare `example.com` (at least two labels, the last not a
/// common file extension).
fn origin_from_file_name(path: &Path) -> Option<Name> {
    let name = path.file_name()?.to_str()?;
    let candidate = if let Some(stem) = name
        .strip_suffix(".zone")
        .or_else(|| name.strip_suffix(".db"))
    {
        stem
    } else if let Some(rest) = name.strip_prefix("db.") {
        rest
    } else {
        let (_, last) = name.rsplit_once('.')?;
        let plausible_tld = last.len() >= 2
            && last.bytes().all(|b| b.is_ascii_alphabetic())
            && !NOT_ZONE_EXTENSIONS
                .iter()
                .any(|e| e.eq_ignore_ascii_case(last));
        if !plausible_tld {
            return None;
        }
        name
    };
    if candidate.is_empty() || candidate.starts_with('.') {
        return None;
    }
    Name::parse(candidate, Some(&Name::root())).ok()
}

/// The owner of the first SOA record in zone-file text, when it can be told without
/// an origin: an absolute owner, or `@` / a relative owner after an absolute
/// `$ORIGIN`. A light scan (comments stripped, first line of each entry only), not a
/// parse.
fn origin_from_soa(text: &[u8]) -> Option<Name> {
    let mut origin: Option<Name> = None;
    let mut owner: Option<Name> = None;
    for line in text.split(|&b| b == b'\n') {
        let line = match line.iter().position(|&b| b == b';') {
            Some(i) => &line[..i],
            None => line,
        };
        let starts_blank = line.first().is_some_and(|b| b.is_ascii_whitespace());
        let mut tokens = line
            .split(|b| b.is_ascii_whitespace())
            .filter(|t| !t.is_empty());
        let Some(first) = tokens.next() else { continue };
        if first.eq_ignore_ascii_case(b"$ORIGIN") {
            origin = tokens
                .next()
                .and_then(|t| Name::parse_bytes(t, origin.as_ref()).ok());
            continue;
        }
        if first.starts_with(b"$") {
            continue;
        }
        let rest: Vec<&[u8]> = if starts_blank {
            std::iter::once(first).chain(tokens).take(4).collect()
        } else {
            owner = match first {
                b"@" => origin.clone(),
                _ => Name::parse_bytes(first, origin.as_ref()).ok(),
            };
            tokens.take(4).collect()
        };
        if rest.iter().any(|t| t.eq_ignore_ascii_case(b"SOA")) {
            return owner;
        }
    }
    None
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> Option<Name> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn origin_from_file_names() {
        let o = |p: &str| origin_from_file_name(Path::new(p));
        assert_eq!(o("zones/example.com.zone"), name("example.com."));
        assert_eq!(o("example.com.db"), name("example.com."));
        assert_eq!(o("/etc/bind/db.example.com"), name("example.com."));
        assert_eq!(o("example.com"), name("example.com."));
        assert_eq!(o("2.0.192.in-addr.arpa"), name("2.0.192.in-addr.arpa."));
        assert_eq!(o("example.co.in"), name("example.co.in."));
        assert_eq!(o("notes.txt"), None);
        assert_eq!(o("zonefile"), None);
        assert_eq!(o("example.com.signed"), None);
        assert_eq!(o(".zone"), None);
        assert_eq!(o("a..b.zone"), None);
    }

    #[test]
    fn origin_from_soa_owner() {
        let scan = |t: &str| origin_from_soa(t.as_bytes());
        assert_eq!(
            scan("$TTL 1h\n; SOA in a comment\nexample.com. IN SOA ns. host. 1 2 3 4 5\n"),
            name("example.com.")
        );
        assert_eq!(
            scan("$ORIGIN example.net.\n@ 3600 IN SOA ns. host. (\n 1 2 3 4 5 )\n"),
            name("example.net.")
        );
        assert_eq!(
            scan("$ORIGIN net.\nexample IN SOA ns. host. 1 2 3 4 5\n"),
            name("example.net.")
        );
        assert_eq!(
            scan("example.org. 3600 IN NS ns.\n  IN SOA ns. h. 1 2 3 4 5\n"),
            name("example.org.")
        );
        assert_eq!(scan("@ IN SOA ns. host. 1 2 3 4 5\n"), None);
        assert_eq!(scan("www IN SOA ns. host. 1 2 3 4 5\n"), None);
        assert_eq!(scan("www.example. IN A 192.0.2.1\n"), None);
    }

    #[test]
    fn origin_option() {
        assert_eq!(parse_origin("example.com").ok(), name("example.com."));
        assert_eq!(parse_origin("example.com.").ok(), name("example.com."));
        assert!(parse_origin("a..b").is_err());
    }
}
