//! `zonesync axfr`: fetch a whole zone by AXFR and write it as a zone file.

//!
//! The transfer itself is [`crate::xfr`]; this file picks where the records go: with
//! `-o FILE` in zone format they stream into a temporary file renamed into place when
//! the closing SOA has arrived (memory flat in the zone's size); otherwise the checked
//! zone is collected and printed only once complete, so a failed transfer never
//! prints a short zone.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use serde::Serialize;

use crate::addr::ServerAddr;
use crate::durable::{AtomicFile, write_atomically};
use crate::output::progress::TransferBar;
use crate::output::transfer::{JsonRecord, summary, tsig_label, zone_text};
use crate::xfr::{self, ClientOptions, RecordSink, Stats, StreamedAxfr, soa_serial};
use crate::zone::write::write_record;
use crate::zone::{Name, Record};

use super::args::{KeyArgs, TlsArgs, parse_duration, parse_server, parse_zone, resolve};
use super::{Status, UsageError, runtime};

/// Fetch a whole zone by AXFR (RFC 5936) and write it as a zone file.
///
/// The transfer is checked as it arrives (first and last SOA equal, TSIG on every
/// signed message, sizes) and streamed to a temporary file that is renamed into place
/// only when the closing SOA has arrived: an incomplete transfer never leaves a short
/// zone behind. A summary (messages, records, bytes, duration, TSIG) goes to stderr.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  zonesync axfr example.com -s 127.0.0.1:5300
  zonesync axfr example.com -s [::1]:5300 -k xfr.key -o example.com.zone
  zonesync axfr example.com -s ns1.example.net -y hmac-sha256:xfr-key:c2VjcmV0 --format json
  zonesync axfr example.com -s 192.0.2.1:853 --tls-ca ca.pem --tls-hostname ns1.example.net")]
pub struct AxfrArgs {
    /// The zone to transfer.
    #[arg(value_name = "ZONE")]
    pub zone: String,

    /// The server to transfer from, HOST[:PORT] or [V6]:PORT (port 53 by default).
    #[arg(short, long, value_name = "ADDR", value_parser = parse_server)]
    pub server: ServerAddr,

    /// TSIG key.
    #[command(flatten)]
    pub key: KeyArgs,

    /// TLS (XoT).
    #[command(flatten)]
    pub tls: TlsArgs,

    /// Write the zone here instead of stdout (atomically, when complete).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = AxfrFormat::Zone)]
    pub format: AxfrFormat,

    /// How long to wait for each message (not for the whole transfer).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,
}

/// `axfr --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AxfrFormat {
    /// A zone file (RFC 1035 presentation format).
    Zone,
    /// JSON: the records with their fields.
    Json,
}

/// Runs the transfer.
pub fn run(args: AxfrArgs) -> anyhow::Result<Status> {
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
        let what = format!("AXFR of {zone}");
        match (&args.output, args.format) {
            (Some(path), AxfrFormat::Zone) => {
                let streamed = stream_to_file(peer, &zone, &opts, path)
                    .await
                    .with_context(|| what.clone())?;
                summary("AXFR", &zone, peer, &streamed.stats, key.as_ref(), None);
            }
            (output, format) => {
                // Collected, so that nothing is printed unless the zone is complete.
                let mut sink = CollectSink {
                    records: Vec::new(),
                    bar: TransferBar::new(&format!("AXFR {zone}")),
                };
                let streamed = xfr::axfr_to(peer, &zone, &opts, &mut sink)
                    .await
                    .with_context(|| what.clone())?;
                sink.bar.finish();
                let records = &sink.records;
                let text = match format {
                    AxfrFormat::Zone => zone_text(records),
                    AxfrFormat::Json => {
                        let doc = AxfrJson {
                            zone: zone.to_string(),
                            server: peer.to_string(),
                            serial: records.first().and_then(|r| soa_serial(&r.rdata)),
                            tsig: tsig_label(key.as_ref()),
                            messages: streamed.stats.messages,
                            bytes: streamed.stats.bytes,
                            records: records.iter().map(JsonRecord::from).collect(),
                        };
                        let mut t = serde_json::to_string_pretty(&doc)?;
                        t.push('\n');
                        t
                    }
                };
                match output {
                    Some(path) => write_atomically(path, text.as_bytes())
                        .with_context(|| format!("cannot write {}", path.display()))?,
                    None => crate::output::write_stdout(&text)?,
                }
                summary("AXFR", &zone, peer, &streamed.stats, key.as_ref(), None);
            }
        }
        Ok(Status::Success)
    })
}

//----------- Sinks ------------------------------------------------------------------

/// Collects the records (stdout and JSON output), drawing progress.
struct CollectSink {
    records: Vec<Record>,
    bar: TransferBar,
}

impl RecordSink for CollectSink {
    fn record(&mut self, record: Record) -> std::io::Result<()> {
        self.records.push(record);
        Ok(())
    }

    fn progress(&mut self, stats: &Stats) {
        self.bar.update(stats.messages, stats.records, stats.bytes);
    }
}

/// Writes records as zone-file lines into a temporary file beside the target.
struct FileSink {
    out: AtomicFile,
    /// Text not yet written (flushed every 64 KiB).
    buf: String,
    bar: TransferBar,
}

impl RecordSink for FileSink {
    fn record(&mut self, record: Record) -> std::io::Result<()> {
        write_record(&mut self.buf, &record, None);
        self.buf.push('\n');
        if self.buf.len() >= 64 * 1024 {
            self.out.write_all(self.buf.as_bytes())?;
            self.buf.clear();
        }
        Ok(())
    }

    fn progress(&mut self, stats: &Stats) {
        self.bar.update(stats.messages, stats.records, stats.bytes);
    }
}

/// Streams the AXFR into `path` through a [`AtomicFile`]: renamed over `path` only
/// once the closing SOA has arrived and the data is on disk. On any failure the
/// temporary file is removed and `path` is untouched.
async fn stream_to_file(
    peer: SocketAddr,
    zone: &Name,
    opts: &ClientOptions,
    path: &Path,
) -> anyhow::Result<StreamedAxfr> {
    if path.file_name().is_none() {
        return Err(UsageError(format!("{}: not a file name", path.display())).into());
    }
    let file =
        AtomicFile::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut sink = FileSink {
        out: file,
        buf: String::with_capacity(80 * 1024),
        bar: TransferBar::new(&format!("AXFR {zone}")),
    };
    // The file writes are small buffered appends; the per-message cost is far below
    // the network's, so they stay on the (current-thread) runtime.
    let streamed = xfr::axfr_to(peer, zone, opts, &mut sink).await?;
    sink.bar.finish();
    let FileSink { mut out, buf, .. } = sink;
    out.write_all(buf.as_bytes())?;
    out.commit()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(streamed)
}

/// The JSON document of `axfr --format json`.
#[derive(Serialize)]
struct AxfrJson {
    zone: String,
    server: String,
    serial: Option<u32>,
    tsig: Option<String>,
    messages: u64,
    bytes: u64,
    records: Vec<JsonRecord>,
}
