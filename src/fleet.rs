//! Fleet consistency: do the primary and every secondary serve the same zone?
//!
//! [`check`] asks each server for the zone's SOA (concurrently), optionally adds the
//! hosts the zone's NS records name, and with `content` transfers the zone from each
//! and compares the records with the primary's. `zonesync check --fleet` prints the
//! [`FleetReport`]; CI pipelines and cron jobs use its exit status.
//!
//! The SOA query asks for NSID, EXPIRE and ZONEVERSION too, so the report says which
//! server answered (NSID), how long each copy has left (EXPIRE: a primary's SOA
//! EXPIRE, a secondary's countdown) and the serial the zone itself reports
//! (ZONEVERSION); a server that does not support an option leaves it out.
//!
//! Each server gets a [`Verdict`]: it agrees with the primary, it drifts (another
//! serial, other records, SERVFAIL, or not authoritative for the zone), or it could
//! not be checked (REFUSED, unreachable, timeout, our key rejected; or the primary
//! itself could not be checked, so there is nothing to compare with). Drift and
//! "could not check" are different findings for the operator, and `check --fleet`
//! exits differently for them (1 and 3).
//!
//! # Standards
//! - RFC 1982: "behind by" is the serial distance, so a primary that wrapped around
//!   is not mistaken for one far behind.
//! - RFC 5001 (NSID), RFC 7314 (EXPIRE), RFC 9660 (ZONEVERSION): empty options in
//!   the query ask for them.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::addr::{DNS_PORT, ServerAddr};
use crate::tsig::Key;
use crate::wire::edns::{self, OptionsBuf};
use crate::wire::{Header, MessageBuilder, Rcode, read::Message};
use crate::xfr::{ClientOptions, Transfer, XfrError};
use crate::zone::rrset::rdata_target;
use crate::zone::write::format_record;
use crate::zone::{Class, Name, Record, Rtype};

/// Most differences listed per server.
const MAX_LISTED: usize = 20;

//----------- Options and reports ----------------------------------------------------

/// What to check.
#[derive(Debug, Clone)]
pub struct FleetOptions {
    /// Key for the transfers (and SOA queries).
    pub key: Option<Key>,
    /// Reach every server over TLS (XoT): SOA queries and transfers.
    pub tls: Option<std::sync::Arc<crate::tls::ClientTls>>,
    /// Add the hosts named by the zone's NS records.
    pub ns: bool,
    /// Transfer the zone from every server and compare the records.
    pub content: bool,
    /// Per-query (per-message) timeout.
    pub timeout: Duration,
}

/// What one server said.
#[derive(Debug, Clone, Serialize)]
pub struct ServerReport {
    /// The server, as given or as found in NS.
    pub server: String,
    /// The NS name it was found under (`--ns`).
    pub ns: Option<String>,
    /// Its serial.
    pub serial: Option<u32>,
    /// How far behind the primary (RFC 1982 distance; negative: ahead).
    pub behind: Option<i64>,
    /// Round trip of the SOA query, in milliseconds.
    pub rtt_ms: Option<f64>,
    /// The server's NSID (RFC 5001), as text when it is printable ASCII, else as
    /// `0x` and hex.
    pub nsid: Option<String>,
    /// The EXPIRE the server answered (RFC 7314): seconds its copy has left.
    pub expire: Option<u32>,
    /// The serial the server's ZONEVERSION option (RFC 9660, type 0) reported.
    pub zone_version: Option<u32>,
    /// What went wrong.
    pub error: Option<String>,
    /// Records transferred (`content`).
    pub records: Option<usize>,
    /// Records the primary has and this server lacks (`content`, at most 20 listed).
    pub missing: Vec<String>,
    /// Records this server has and the primary lacks (`content`, at most 20 listed).
    pub extra: Vec<String>,
    /// Total differences (`content`).
    pub differences: usize,
    /// What the check found for this server.
    pub verdict: Verdict,
}

/// What the check found for one server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Same serial as the primary (and with `content`, the same records).
    Agrees,
    /// Another serial, other records, or the zone not served (SERVFAIL, NOTAUTH).
    Drift,
    /// Could not be compared: REFUSED, unreachable, timeout, our TSIG rejected, or
    /// the primary could not be checked.
    Unchecked,
}

impl Verdict {
    /// The word in the table.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Agrees => "ok",
            Verdict::Drift => "drift",
            Verdict::Unchecked => "unchecked",
        }
    }
}

/// The verdict on a server whose SOA query failed with `e`: a server that answers
/// but cannot serve the zone (SERVFAIL; NOTAUTH without a TSIG error: not
/// authoritative) drifts; anything that stops us from asking (REFUSED, timeout, a
/// socket error, a rejected key, a garbled answer) leaves it unchecked.
pub fn soa_error_verdict(e: &XfrError) -> Verdict {
    match e {
        XfrError::ServFail { .. } | XfrError::NotAuth { tsig: None, .. } => Verdict::Drift,
        _ => Verdict::Unchecked,
    }
}

/// The verdict on a server from what was learnt about it: `failed` is the verdict
/// its own failure implies, if any; `behind` its serial distance from the primary
/// (`None` when either serial is unknown); `differences` the record differences
/// (`content`); `content_failed` true when its transfer failed.
fn verdict(
    failed: Option<Verdict>,
    primary_checked: bool,
    behind: Option<i64>,
    differences: usize,
    content_failed: bool,
) -> Verdict {
    match (failed, behind) {
        (Some(v), _) => v,
        _ if !primary_checked => Verdict::Unchecked,
        (None, Some(b)) if b != 0 || differences > 0 => Verdict::Drift,
        _ if content_failed => Verdict::Unchecked,
        (None, Some(_)) => Verdict::Agrees,
        (None, None) => Verdict::Unchecked,
    }
}

/// The whole check.
#[derive(Debug, Clone, Serialize)]
pub struct FleetReport {
    /// The zone.
    pub zone: String,
    /// The primary's serial (the first server's).
    pub primary_serial: Option<u32>,
    /// Every server, the primary first.
    pub servers: Vec<ServerReport>,
    /// True when every server answered and agrees.
    pub consistent: bool,
    /// Servers that drift.
    pub drift: usize,
    /// Servers that could not be checked.
    pub unchecked: usize,
}

//----------- check ------------------------------------------------------------------

/// Checks `zone` on `servers` (the first is the primary).
pub async fn check(zone: &Name, servers: &[ServerAddr], opts: &FleetOptions) -> FleetReport {
    let client = ClientOptions {
        key: opts.key.clone(),
        timeout: opts.timeout,
        tls: opts.tls.clone(),
        ..ClientOptions::default()
    };
    // Every given server, resolved; then the NS hosts not given already.
    let mut targets: Vec<(String, Option<String>, Result<SocketAddr, String>)> = Vec::new();
    for s in servers {
        let resolved = match s.resolve().await {
            Ok(addrs) if !addrs.is_empty() => Ok(addrs[0]),
            Ok(_) => Err(format!("{s}: no address")),
            Err(e) => Err(format!("{s}: {e}")),
        };
        targets.push((s.to_string(), None, resolved));
    }
    if opts.ns
        && let Some((_, _, Ok(primary))) = targets.first().cloned()
    {
        for (host, addr) in ns_hosts(primary, zone, &client).await {
            let known = targets
                .iter()
                .any(|(_, _, a)| a.as_ref().ok() == addr.as_ref().ok());
            if !known {
                let label = addr
                    .as_ref()
                    .map(|a| a.to_string())
                    .unwrap_or_else(|_| host.to_string());
                targets.push((label, Some(host.to_string()), addr));
            }
        }
    }

    let soa_answers = futures_join(targets.iter().map(|(_, _, addr)| {
        let client = client.clone();
        let addr = addr.clone();
        let zone = zone.clone();
        async move {
            // A name that does not resolve: not checked.
            let addr = addr.map_err(|e| (e, Verdict::Unchecked))?;
            let started = Instant::now();
            let ask = ask_options();
            match crate::xfr::query_soa_with(addr, &zone, &client, false, ask.as_bytes()).await {
                Ok(a) => Ok((a, started.elapsed())),
                Err(_) => crate::xfr::query_soa_with(addr, &zone, &client, true, ask.as_bytes())
                    .await
                    .map(|a| (a, started.elapsed()))
                    .map_err(|e| (e.to_string(), soa_error_verdict(&e))),
            }
        }
    }))
    .await;

    let primary_serial = soa_answers
        .first()
        .and_then(|r| r.as_ref().ok())
        .map(|(a, _)| a.serial);
    let mut reports: Vec<ServerReport> = targets
        .iter()
        .zip(&soa_answers)
        .map(|((label, ns, _), answer)| {
            let (serial, rtt, error, failed) = match answer {
                Ok((a, rtt)) => (Some(a.serial), Some(rtt.as_secs_f64() * 1000.0), None, None),
                Err((e, v)) => (None, None, Some(e.clone()), Some(*v)),
            };
            let facts = answer
                .as_ref()
                .ok()
                .map(|(a, _)| OptionFacts::read(&a.options))
                .unwrap_or_default();
            ServerReport {
                server: label.clone(),
                ns: ns.clone(),
                serial,
                behind: match (primary_serial, serial) {
                    (Some(p), Some(s)) => Some(p.wrapping_sub(s) as i32 as i64),
                    _ => None,
                },
                rtt_ms: rtt,
                nsid: facts.nsid,
                expire: facts.expire,
                zone_version: facts.zone_version,
                error,
                records: None,
                missing: Vec::new(),
                extra: Vec::new(),
                differences: 0,
                // Settled below, once the content is compared.
                verdict: failed.unwrap_or(Verdict::Agrees),
            }
        })
        .collect();
    let mut failed: Vec<Option<Verdict>> = soa_answers
        .iter()
        .map(|a| a.as_ref().err().map(|(_, v)| *v))
        .collect();
    let mut content_failed = vec![false; reports.len()];

    if opts.content {
        let contents = futures_join(targets.iter().map(|(_, _, addr)| {
            let client = client.clone();
            let addr = addr.clone();
            let zone = zone.clone();
            async move {
                let addr = addr?;
                match crate::xfr::axfr(addr, &zone, &client).await {
                    Ok(outcome) => match outcome.transfer {
                        Transfer::Full(records) => Ok(presentation_set(&records)),
                        other => Err(format!("unexpected {} answer to AXFR", other.kind())),
                    },
                    Err(e) => Err(e.to_string()),
                }
            }
        }))
        .await;
        let primary = contents.first().and_then(|c| c.as_ref().ok()).cloned();
        if primary.is_none() && failed[0].is_none() {
            // The primary answered its SOA but not the transfer: nothing to compare
            // the others' records with.
            failed[0] = Some(Verdict::Unchecked);
        }
        for (i, (report, content)) in reports.iter_mut().zip(contents).enumerate() {
            match content {
                Ok(set) => {
                    report.records = Some(set.len());
                    if let Some(p) = &primary {
                        let missing: Vec<&String> = p.difference(&set).collect();
                        let extra: Vec<&String> = set.difference(p).collect();
                        report.differences = missing.len() + extra.len();
                        report.missing = missing.into_iter().take(MAX_LISTED).cloned().collect();
                        report.extra = extra.into_iter().take(MAX_LISTED).cloned().collect();
                    }
                }
                Err(e) => {
                    content_failed[i] = true;
                    if report.error.is_none() {
                        report.error = Some(format!("AXFR: {e}"));
                    }
                }
            }
        }
    }
    let primary_checked = failed.first().is_some_and(Option::is_none);
    for (i, report) in reports.iter_mut().enumerate() {
        report.verdict = verdict(
            failed[i],
            primary_checked,
            report.behind,
            report.differences,
            content_failed[i],
        );
    }
    let count = |v: Verdict| reports.iter().filter(|r| r.verdict == v).count();
    let (drift, unchecked) = (count(Verdict::Drift), count(Verdict::Unchecked));
    FleetReport {
        zone: zone.to_string(),
        primary_serial,
        consistent: !reports.is_empty() && drift == 0 && unchecked == 0,
        servers: reports,
        drift,
        unchecked,
    }
}

/// Empty NSID, EXPIRE and ZONEVERSION options: what the SOA query asks for.
fn ask_options() -> OptionsBuf {
    let mut ask = OptionsBuf::default();
    for code in [edns::NSID, edns::EXPIRE, edns::ZONEVERSION] {
        ask.push(code, &[]);
    }
    ask
}

/// What an answer's options said.
#[derive(Debug, Default, PartialEq, Eq)]
struct OptionFacts {
    nsid: Option<String>,
    expire: Option<u32>,
    zone_version: Option<u32>,
}

impl OptionFacts {
    /// Reads NSID, EXPIRE and a type-0 ZONEVERSION from an OPT's RDATA.
    fn read(rdata: &[u8]) -> OptionFacts {
        let find = |code| edns::Options::new(rdata).find(code);
        OptionFacts {
            nsid: find(edns::NSID).map(show_nsid),
            expire: find(edns::EXPIRE).and_then(edns::read_expire),
            zone_version: find(edns::ZONEVERSION)
                .and_then(edns::read_zoneversion)
                .and_then(|z| z.serial),
        }
    }
}

/// An NSID as text when it is printable ASCII (as most are), else `0x` and hex (as
/// dig shows the rest).
fn show_nsid(id: &[u8]) -> String {
    if !id.is_empty() && id.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        String::from_utf8_lossy(id).into_owned()
    } else {
        format!("0x{}", data_encoding::HEXLOWER.encode(id))
    }
}

/// Records as comparable presentation lines (owner lower-cased: DNS names compare
/// case-insensitively).
fn presentation_set(records: &[Record]) -> BTreeSet<String> {
    records
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.owner = r.owner.to_lowercase();
            format_record(&r, None)
        })
        .collect()
}

/// Runs futures concurrently and collects their outputs in order.
async fn futures_join<F, T>(futures: impl Iterator<Item = F>) -> Vec<T>
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.expect("fleet task panicked"));
    }
    out
}

/// The zone's NS hosts with an address each: from the primary's answer (its
/// additional section, then A queries to it), else the system resolver.
async fn ns_hosts(
    primary: SocketAddr,
    zone: &Name,
    opts: &ClientOptions,
) -> Vec<(Name, Result<SocketAddr, String>)> {
    let Ok(answer) = query(primary, zone, Rtype::NS, opts).await else {
        return Vec::new();
    };
    let Ok(msg) = Message::parse(&answer) else {
        return Vec::new();
    };
    let hosts: Vec<Name> = msg
        .answers()
        .flatten()
        .filter(|r| r.rtype == Rtype::NS)
        .filter_map(|r| rdata_target(Rtype::NS, &r.rdata))
        .collect();
    let mut out = Vec::new();
    for host in hosts {
        let mut addr = None;
        if let Ok(a) = query(primary, &host, Rtype::A, opts).await
            && let Ok(m) = Message::parse(&a)
            && let Some(r) = m
                .answers()
                .flatten()
                .find(|r| r.rtype == Rtype::A && r.rdata.len() == 4)
        {
            let b = r.rdata.as_wire();
            addr = Some(SocketAddr::from(([b[0], b[1], b[2], b[3]], DNS_PORT)));
        }
        let addr = match addr {
            Some(a) => Ok(a),
            None => {
                let text = host.to_string();
                match tokio::net::lookup_host((text.trim_end_matches('.'), DNS_PORT)).await {
                    Ok(mut it) => it.next().ok_or_else(|| format!("{host}: no address")),
                    Err(e) => Err(format!("{host}: {e}")),
                }
            }
        };
        out.push((host, addr));
    }
    out
}

/// One plain query over UDP (no TSIG: NS and A data are public).
async fn query(
    peer: SocketAddr,
    name: &Name,
    rtype: Rtype,
    opts: &ClientOptions,
) -> Result<Vec<u8>, String> {
    let id = crate::wire::random_id();
    let mut b = MessageBuilder::new(
        Header {
            id,
            ..Header::default()
        },
        crate::wire::MAX_UDP_PLAIN,
    );
    b.question(name, rtype, Class::IN)
        .map_err(|e| e.to_string())?;
    let msg = b.finish();
    let bind: SocketAddr = if peer.is_ipv6() {
        "[::]:0"
    } else {
        "0.0.0.0:0"
    }
    .parse()
    .expect("valid");
    let sock = tokio::net::UdpSocket::bind(bind)
        .await
        .map_err(|e| e.to_string())?;
    sock.send_to(&msg, peer).await.map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; 65_535];
    let deadline = Instant::now() + opts.timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let (n, from) = tokio::time::timeout(left, sock.recv_from(&mut buf))
            .await
            .map_err(|_| format!("timeout from {peer}"))?
            .map_err(|e| e.to_string())?;
        if from == peer && n >= 12 && u16::from_be_bytes([buf[0], buf[1]]) == id {
            let h = Header::parse(&buf[..n]).map_err(|e| e.to_string())?;
            if h.rcode() != Rcode::NOERROR {
                return Err(format!("{} from {peer}", h.rcode()));
            }
            return Ok(buf[..n].to_vec());
        }
    }
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_tell_drift_from_unchecked() {
        use Verdict::*;
        // (own failure, primary checked, behind, differences, content failed) → verdict
        let table = [
            ((None, true, Some(0), 0, false), Agrees),
            ((None, true, Some(1), 0, false), Drift),
            ((None, true, Some(-2), 0, false), Drift),
            ((None, true, Some(0), 3, false), Drift),
            ((None, true, Some(0), 0, true), Unchecked),
            ((None, true, Some(1), 0, true), Drift),
            ((Some(Unchecked), true, None, 0, false), Unchecked),
            ((Some(Drift), true, None, 0, false), Drift),
            ((None, false, None, 0, false), Unchecked),
            ((Some(Drift), false, None, 0, false), Drift),
        ];
        for ((failed, primary, behind, diffs, content), want) in table {
            assert_eq!(
                verdict(failed, primary, behind, diffs, content),
                want,
                "{failed:?} {primary} {behind:?} {diffs} {content}"
            );
        }
        let peer: SocketAddr = "127.0.0.1:53".parse().expect("addr");
        let v = |e: XfrError| soa_error_verdict(&e);
        assert_eq!(v(XfrError::Refused { peer }), Unchecked);
        assert_eq!(
            v(XfrError::Timeout {
                peer,
                after: Duration::from_secs(1),
                messages: 0
            }),
            Unchecked
        );
        assert_eq!(v(XfrError::ServFail { peer }), Drift);
        assert_eq!(v(XfrError::NotAuth { peer, tsig: None }), Drift);
        assert_eq!(
            v(XfrError::NotAuth {
                peer,
                tsig: Some(crate::tsig::sign::TsigRcode(16))
            }),
            Unchecked
        );
    }

    #[test]
    fn the_answer_options_are_read() {
        let mut b = OptionsBuf::default();
        b.nsid(b"ns1.example.net");
        b.expire(600);
        b.zoneversion(2, 42);
        assert_eq!(
            OptionFacts::read(b.as_bytes()),
            OptionFacts {
                nsid: Some("ns1.example.net".into()),
                expire: Some(600),
                zone_version: Some(42),
            }
        );
        assert_eq!(OptionFacts::read(&[]), OptionFacts::default());
        assert_eq!(show_nsid(&[0, 0xff]), "0x00ff");
        // The query asks for all three, empty.
        assert_eq!(
            ask_options().as_bytes(),
            &[0, 3, 0, 0, 0, 9, 0, 0, 0, 19, 0, 0]
        );
    }
}
