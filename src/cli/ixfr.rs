//! `zonesync ixfr`: fetch the changes to a zone since a serial.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use serde::Serialize;

use crate::addr::ServerAddr;
use crate::xfr::{self, ClientOptions, IxfrOptions, Transfer, Transport, XfrOutcome, soa_serial};
use crate::zone::write::write_record;
use crate::zone::{Name, Record};

use crate::output::transfer::{JsonRecord, summary, zone_text};

use super::args::{KeyArgs, TlsArgs, parse_duration, parse_server, parse_zone, resolve};
use super::{Status, runtime};

/// Fetch the changes to a zone since a serial by IXFR (RFC 1995).
///
/// Prints each changeset (`; serial A -> B`, then `-record` / `+record` lines), or says
/// that the zone is up to date, or that the server answered with the full zone (and
/// prints it), naming the transport and any fallback used. Over UDP (`--udp`) a lone
/// SOA or a truncated answer is retried over TCP; a server that cannot do IXFR
/// (NOTIMP, FORMERR, SERVFAIL) gets an AXFR unless `--no-fallback`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  zonesync ixfr example.com -s 127.0.0.1:5300 --serial 2024010101
  zonesync ixfr example.com -s 127.0.0.1:5300 --serial 2024010101 --udp -k xfr.key
  zonesync ixfr example.com -s 127.0.0.1:5300 --serial 7 --no-fallback --format json
  zonesync ixfr example.com -s 127.0.0.1:5300 --serial 7 -o changes.diff")]
pub struct IxfrArgs {
    /// The zone.
    #[arg(value_name = "ZONE")]
    pub zone: String,

    /// The server, HOST[:PORT] or [V6]:PORT (port 53 by default).
    #[arg(short, long, value_name = "ADDR", value_parser = parse_server)]
    pub server: ServerAddr,

    /// The serial the changes start from (the one we have).
    #[arg(long, value_name = "N")]
    pub serial: u32,

    /// Ask over UDP first (falls back to TCP when the answer does not fit).
    #[arg(long, conflicts_with_all = ["tls", "tls_ca", "tls_hostname", "tls_cert"])]
    pub udp: bool,

    /// Fail instead of falling back to AXFR when the server cannot serve IXFR.
    #[arg(long)]
    pub no_fallback: bool,

    /// TSIG key.
    #[command(flatten)]
    pub key: KeyArgs,

    /// TLS (XoT).
    #[command(flatten)]
    pub tls: TlsArgs,
    /// Write the output here instead of stdout (atomically, once the transfer is
    /// complete), as axfr's -o.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = IxfrFormat::Diff)]
    pub format: IxfrFormat,

    /// How long to wait for each message.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,
}

/// `ixfr --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum IxfrFormat {
    /// `; serial A -> B` headers and `-`/`+` record lines.
    Diff,
    /// JSON.
    Json,
}

/// Runs the transfer.
pub fn run(args: IxfrArgs) -> anyhow::Result<Status> {
    let key = args.key.resolve()?;
    let tls = args.tls.resolve()?;
    let zone = parse_zone(&args.zone)?;
    let rt = runtime()?;
    rt.block_on(async {
        let peer = resolve(&args.server).await?;
        let opts = ClientOptions {
            key: key.clone(),
            timeout: args.timeout,
            tls,
            ..Default::default()
        };
        let ixfr_opts = IxfrOptions {
            udp: args.udp,
            fallback: !args.no_fallback,
        };
        let outcome = xfr::ixfr(peer, &zone, args.serial, &opts, ixfr_opts)
            .await
            .with_context(|| format!("IXFR of {zone} from serial {}", args.serial))?;
        let text = match args.format {
            IxfrFormat::Diff => diff_text(&outcome, args.serial),
            IxfrFormat::Json => {
                let mut t = serde_json::to_string_pretty(&IxfrJson::new(&zone, peer, &outcome))?;
                t.push('\n');
                t
            }
        };
        match &args.output {
            Some(path) => crate::durable::write_atomically(path, text.as_bytes())
                .with_context(|| format!("cannot write {}", path.display()))?,
            None => crate::output::write_stdout(&text)?,
        }
        let route = route(&outcome);
        let what = if outcome.fallback.is_some() {
            "AXFR"
        } else {
            "IXFR"
        };
        summary(
            what,
            &zone,
            peer,
            &outcome.stats,
            key.as_ref(),
            Some(&route),
        );
        Ok(Status::Success)
    })
}

/// How the answer was obtained, for the summary: transport, TCP retry, fallback.
fn route(o: &XfrOutcome) -> String {
    let mut parts = vec![format!("over {}", o.transport)];
    if let Some(why) = &o.tcp_retry {
        parts.push(format!("retried over TCP: {why}"));
    }
    if let Some(why) = &o.fallback {
        parts.push(format!("fell back to AXFR: {why}"));
    }
    parts.push(match &o.transfer {
        Transfer::Incremental(cs) => crate::plural::count_of(cs.len(), "changeset"),
        Transfer::UpToDate(_) => "up to date".into(),
        Transfer::Full(_) => "full zone".into(),
    });
    parts.join("; ")
}

/// The diff format: `; serial A -> B`, then `-record` and `+record` lines per
/// changeset; `; up to date …`; or `; full zone …` and the records.
fn diff_text(o: &XfrOutcome, ours: u32) -> String {
    let mut out = String::new();
    let serial = |r: &Record| soa_serial(&r.rdata).unwrap_or(0);
    match &o.transfer {
        Transfer::Incremental(changesets) => {
            for cs in changesets {
                out.push_str(&format!(
                    "; serial {} -> {}\n",
                    serial(&cs.from_soa),
                    serial(&cs.to_soa)
                ));
                for r in std::iter::once(&cs.from_soa).chain(&cs.removed) {
                    out.push('-');
                    write_record(&mut out, r, None);
                    out.push('\n');
                }
                for r in std::iter::once(&cs.to_soa).chain(&cs.added) {
                    out.push('+');
                    write_record(&mut out, r, None);
                    out.push('\n');
                }
            }
        }
        Transfer::UpToDate(soa) if serial(soa) == ours => {
            out.push_str(&format!("; up to date (serial {ours})\n"));
        }
        Transfer::UpToDate(soa) => {
            // RFC 1995 §4: a server older than us answers with its SOA alone.
            out.push_str(&format!(
                "; up to date: the server has serial {}, not newer than {ours}\n",
                serial(soa)
            ));
        }
        Transfer::Full(records) => {
            let why = match &o.fallback {
                Some(_) => "AXFR fallback",
                None => "the server sent the whole zone",
            };
            let s = records.first().map(serial).unwrap_or(0);
            out.push_str(&format!("; full zone, serial {s} ({why})\n"));
            out.push_str(&zone_text(records));
        }
    }
    out
}

/// The JSON document of `ixfr --format json`.
#[derive(Serialize)]
struct IxfrJson {
    zone: String,
    server: String,
    transport: Transport,
    tcp_retry: Option<String>,
    fallback: Option<String>,
    /// `incremental`, `up-to-date` or `full`.
    result: &'static str,
    /// The server's serial.
    serial: Option<u32>,
    changesets: Vec<JsonChangeset>,
    records: Vec<JsonRecord>,
}

#[derive(Serialize)]
struct JsonChangeset {
    from: Option<u32>,
    to: Option<u32>,
    removed: Vec<JsonRecord>,
    added: Vec<JsonRecord>,
}

impl IxfrJson {
    fn new(zone: &Name, peer: SocketAddr, o: &XfrOutcome) -> IxfrJson {
        let (serial, changesets, records) = match &o.transfer {
            Transfer::Incremental(cs) => (
                cs.last().and_then(|c| soa_serial(&c.to_soa.rdata)),
                cs.iter()
                    .map(|c| JsonChangeset {
                        from: soa_serial(&c.from_soa.rdata),
                        to: soa_serial(&c.to_soa.rdata),
                        removed: c.removed.iter().map(JsonRecord::from).collect(),
                        added: c.added.iter().map(JsonRecord::from).collect(),
                    })
                    .collect(),
                Vec::new(),
            ),
            Transfer::UpToDate(soa) => (soa_serial(&soa.rdata), Vec::new(), Vec::new()),
            Transfer::Full(records) => (
                records.first().and_then(|r| soa_serial(&r.rdata)),
                Vec::new(),
                records.iter().map(JsonRecord::from).collect(),
            ),
        };
        IxfrJson {
            zone: zone.to_string(),
            server: peer.to_string(),
            transport: o.transport,
            tcp_retry: o.tcp_retry.clone(),
            fallback: o.fallback.clone(),
            result: o.transfer.kind(),
            serial,
            changesets,
            records,
        }
    }
}
