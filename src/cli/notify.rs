//! `zonesync notify`: send NOTIFY for a zone to servers and report their answers.

use std::time::Duration;

use crate::addr::ServerAddr;
use crate::notify::{NotifyOptions, NotifyResult, TsigStatus, send_notify, soa_hint};

use super::args::{KeyArgs, parse_duration, parse_server, parse_zone, resolve};
use super::{Status, runtime};

/// Send NOTIFY (RFC 1996) for a zone to one or more servers.
///
/// All servers are notified concurrently over UDP, with retransmission and back-off
/// until each answers; a table shows each server's rcode, round trip, TSIG and attempts,
/// and for a server that did not answer, why (timeout, unreachable).
/// Exits 1 if any server did not acknowledge with NOERROR.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  zonesync notify example.com -s 127.0.0.2:5300 -s 127.0.0.3:5300
  zonesync notify example.com -s [::1]:5300 --serial 2024010102 -k xfr.key")]
pub struct NotifyArgs {
    /// The zone.
    #[arg(value_name = "ZONE")]
    pub zone: String,

    /// A server to notify, HOST[:PORT] or [V6]:PORT; repeat for several.
    #[arg(short, long = "server", value_name = "ADDR", required = true, value_parser = parse_server)]
    pub servers: Vec<ServerAddr>,

    /// Put this serial in the NOTIFY as an SOA hint (RFC 1996 §3.7).
    #[arg(long, value_name = "N")]
    pub serial: Option<u32>,

    /// TSIG key.
    #[command(flatten)]
    pub key: KeyArgs,

    /// Retransmissions after the first attempt (RFC 1996 §3.6).
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub retries: u32,

    /// Wait for an answer this long before the first retransmission (doubling after).
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Send over TCP instead of UDP.
    #[arg(long)]
    pub tcp: bool,
}

/// Sends the NOTIFYs.
pub fn run(args: NotifyArgs) -> anyhow::Result<Status> {
    let key = args.key.resolve()?;
    let zone = parse_zone(&args.zone)?;
    let rt = runtime()?;
    rt.block_on(async {
        let opts = NotifyOptions {
            key,
            retries: args.retries,
            timeout: args.timeout,
            tcp: args.tcp,
            soa_hint: args.serial.map(|s| soa_hint(&zone, s)),
        };
        // All servers at once; each task owns its copies and the set owns the tasks.
        let mut tasks = tokio::task::JoinSet::new();
        for (i, server) in args.servers.iter().enumerate() {
            let (server, zone, opts) = (server.clone(), zone.clone(), opts.clone());
            tasks.spawn(async move {
                let result = match resolve(&server).await {
                    Ok(peer) => send_notify(peer, &zone, &opts)
                        .await
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(format!("{e:#}")),
                };
                (i, result)
            });
        }
        let mut results: Vec<Option<Result<NotifyResult, String>>> =
            (0..args.servers.len()).map(|_| None).collect();
        while let Some(joined) = tasks.join_next().await {
            let (i, result) = joined?;
            results[i] = Some(result);
        }
        let mut table =
            crate::output::table(&["server", "rcode", "round trip", "TSIG", "attempts", "error"]);
        let mut failed = false;
        for (server, result) in args.servers.iter().zip(results) {
            let row = match result {
                Some(Ok(r)) => {
                    failed |= !r.is_success();
                    let rcode = match r.tsig_error {
                        Some(e) => format!("{} ({e})", r.rcode),
                        None => r.rcode.to_string(),
                    };
                    let tsig = match &r.tsig {
                        TsigStatus::Unsigned => "-".to_string(),
                        TsigStatus::Verified => "verified".to_string(),
                        TsigStatus::Failed(e) => format!("{}: {e}", e.code_name()),
                    };
                    vec![
                        server.to_string(),
                        rcode,
                        crate::duration::format(r.rtt),
                        tsig,
                        r.attempts.to_string(),
                        "-".into(),
                    ]
                }
                // No answer: the rcode column stays an rcode ("-"), the reason goes
                // to its own column.
                Some(Err(e)) => {
                    failed = true;
                    no_answer_row(server, e)
                }
                None => {
                    failed = true;
                    no_answer_row(server, "not run".into())
                }
            };
            table.add_row(row);
        }
        crate::output::print_table(&table)?;
        Ok(if failed {
            Status::Failure
        } else {
            Status::Success
        })
    })
}

/// A table row for a server that gave no answer: dashes, and why in the last column.
fn no_answer_row(server: &ServerAddr, error: String) -> Vec<String> {
    vec![
        server.to_string(),
        "-".into(),
        "-".into(),
        "-".into(),
        "-".into(),
        error,
    ]
}
