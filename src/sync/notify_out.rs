//! NOTIFY out: who to tell about a new serial, and the round of NOTIFYs that tells
//! them (retransmitted with back-off until each answers).
//!
//! Called by zone tasks after they publish a new version (persist, publish, notify).
//! A round runs in its own tasks inside the zone task's `JoinSet`, so a slow or dead
//! secondary never holds the zone up, and a newer serial aborts the older round.
//!
//! # Standards
//! - RFC 1996 §3.5: "the Notify set … the servers listed in the NS RRset, less the
//!   one named in the SOA MNAME field", plus statically configured ones.
//! - RFC 1996 §3.6: retransmit until answered; zonesync uses the sender of
//!   [`crate::notify`] (back-off from 2 s, 5 retransmissions).
//! - RFC 1996 §3.7: the new SOA goes in ANSWER as a hint.
//!
//! Each round tells the zone's propagation [`Tracker`] who its targets are, what
//! serial each was sent and how each NOTIFY ended.
//!
//! Keys are named, not held: each NOTIFY resolves its target's key in the live
//! [`KeyRing`] when it is sent, so a secret rotated by `serve reload` signs the next
//! round without restarting the zone.
//!
//! NOTIFYs in flight are bounded, per target and in all (a
//! [`PeerBound`]): each holds a socket until it is answered or given up.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, LazyLock};

use tokio::task::JoinSet;
use tracing::{info, warn};

use crate::addr::DNS_PORT;
use crate::config::{KeyRing, NotifyMode, NotifyTarget};
use crate::notify::{NotifyOptions, send_notify};
use crate::sync::Snapshot;
use crate::sync::bound::PeerBound;
use crate::sync::propagation::{Listed, NotifyOutcome, Tracker};
use crate::zone::rrset::rdata_target;
use crate::zone::version::ZoneVersion;
use crate::zone::{Name, Rtype, soa::Soa};

/// A server to notify, and the name of the key to sign with.
#[derive(Debug, Clone)]
pub struct Target {
    /// Where.
    pub addr: SocketAddr,
    /// The signing key's name, resolved in the [`KeyRing`] when the NOTIFY is sent.
    pub key: Option<Name>,
    /// Why it is a target (an NS host, `also-notify`, a super slave).
    pub listed: Listed,
}

/// The notify set of a zone version under `mode`: with `notify: true` the addresses
/// of its NS hosts (other than the SOA MNAME) that the zone itself holds, on port 53,
/// and `also_notify`; with `explicit` `also_notify` alone (BIND's `notify explicit`);
/// with `false` nobody.
pub fn targets(
    mode: NotifyMode,
    version: &ZoneVersion,
    also_notify: &[NotifyTarget],
) -> Vec<Target> {
    let mut out: Vec<Target> = Vec::new();
    if mode == NotifyMode::No {
        return out;
    }
    if mode == NotifyMode::Yes {
        ns_targets(version, &mut out);
    }
    for t in also_notify {
        push(&mut out, t.addr, t.key.clone(), Listed::AlsoNotify);
    }
    out
}

/// The NS hosts' addresses the zone holds (RFC 1996 §3.5), less the SOA MNAME.
fn ns_targets(version: &ZoneVersion, out: &mut Vec<Target>) {
    let mname = version
        .soa()
        .first()
        .and_then(|r| Soa::from_rdata(r).ok())
        .map(|s| s.mname);
    if let Some(ns) = version.apex().rrset(Rtype::NS) {
        for rdata in ns.rdatas() {
            let Some(host) = rdata_target(Rtype::NS, rdata) else {
                continue;
            };
            if Some(&host) == mname.as_ref() {
                continue;
            }
            let Some(node) = version.get(&host) else {
                continue;
            };
            for t in [Rtype::A, Rtype::AAAA] {
                for rd in node.rrset(t).into_iter().flat_map(|s| s.rdatas()) {
                    let ip = match rd {
                        [a, b, c, d] => IpAddr::from([*a, *b, *c, *d]),
                        w if w.len() == 16 => {
                            let mut o = [0u8; 16];
                            o.copy_from_slice(w);
                            IpAddr::from(o)
                        }
                        _ => continue,
                    };
                    push(out, SocketAddr::new(ip, DNS_PORT), None, Listed::Ns);
                }
            }
        }
    }
}

//----------- NOTIFYs in flight ------------------------------------------------------

/// NOTIFYs one target may have in flight at once.
const IN_FLIGHT_PER_TARGET: usize = 64;

/// NOTIFYs the process may have in flight at once: sixteen targets' shares, so that
/// a few dead targets leave the live ones room.
const IN_FLIGHT: usize = 1024;

/// The process's bound on NOTIFYs in flight. Each holds a socket (a descriptor) until
/// it is answered or given up, a minute later against a dead server: unbounded, a
/// super master that loaded 100,000 zone files at once opened a socket for each, ran
/// out of descriptors, and could then neither read zone files nor accept TCP.
/// Descriptors are the process's, so the bound is too (not one per zone task).
static IN_FLIGHT_NOTIFIES: LazyLock<PeerBound> =
    LazyLock::new(|| PeerBound::new(IN_FLIGHT, IN_FLIGHT_PER_TARGET));

fn push(out: &mut Vec<Target>, addr: SocketAddr, key: Option<Name>, listed: Listed) {
    match out.iter_mut().find(|t| t.addr == addr) {
        Some(t) if key.is_some() => t.key = key,
        Some(_) => {}
        None => out.push(Target { addr, key, listed }),
    }
}

/// Starts one NOTIFY per target for the version's serial, in `round`, once the
/// server answers for the zone (`zone`'s [`Snapshot::listed`]). Each resolves its key
/// in `ring` as it starts; a key the ring no longer holds fails that target (logged),
/// not the round. `tracker` learns the targets, and each NOTIFY's serial and outcome.
pub fn spawn_round(
    round: &mut JoinSet<()>,
    zone: &Arc<Snapshot>,
    version: &ZoneVersion,
    targets: Vec<Target>,
    ring: &Arc<KeyRing>,
    tracker: &Tracker,
) {
    let snapshot = zone;
    let zone = version.origin().clone();
    let serial = version.serial();
    let hint = version.soa_record();
    let listed: Vec<(SocketAddr, Listed)> = targets.iter().map(|t| (t.addr, t.listed)).collect();
    tracker.set_targets(&listed);
    for target in targets {
        let zone = zone.clone();
        let hint = hint.clone();
        let ring = ring.clone();
        let tracker = tracker.clone();
        let snapshot = snapshot.clone();
        tracker.on_notify_sent(target.addr, serial);
        round.spawn(async move {
            snapshot.listed().await;
            let key = match &target.key {
                Some(name) => match ring.get(name) {
                    Some(k) => Some(k),
                    None => {
                        crate::metrics::get().notify("out", "failed");
                        tracker.on_notify_answer(target.addr, serial, NotifyOutcome::Failed);
                        warn!(zone = %zone, peer = %target.addr, serial, key = %name,
                            "NOTIFY-out, failed: key not configured");
                        return;
                    }
                },
                None => None,
            };
            let opts = NotifyOptions {
                key,
                soa_hint: Some(hint),
                ..NotifyOptions::default()
            };
            let result = {
                let _room = IN_FLIGHT_NOTIFIES.acquire(target.addr).await;
                send_notify(target.addr, &zone, &opts).await
            };
            let outcome = match &result {
                Ok(r) if r.is_success() => NotifyOutcome::Acknowledged,
                Ok(_) => NotifyOutcome::Refused,
                Err(_) => NotifyOutcome::Failed,
            };
            tracker.on_notify_answer(target.addr, serial, outcome);
            crate::metrics::get().notify("out", outcome.as_str());
            match result {
                Ok(r) if r.is_success() => info!(
                    zone = %zone, peer = %target.addr, serial, attempts = r.attempts,
                    rtt_ms = r.rtt.as_millis() as u64, "NOTIFY-out, acknowledged"
                ),
                Ok(r) => warn!(
                    zone = %zone, peer = %target.addr, serial, rcode = %r.rcode,
                    "NOTIFY-out, not acknowledged"
                ),
                Err(e) => warn!(zone = %zone, peer = %target.addr, serial, error = %e, "NOTIFY-out, failed"),
            }
        });
    }
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zone::parse::{ParseOptions, parse_bytes};

    fn version() -> ZoneVersion {
        let origin: Name = "example.com.".parse().expect("name");
        let text = "$TTL 3600\n@ IN SOA ns1 host 1 3600 600 86400 300\n\
                    @ NS ns1\n@ NS ns2\n@ NS ns.elsewhere.net.\n\
                    ns1 A 192.0.2.1\nns2 A 192.0.2.2\nns2 AAAA 2001:db8::2\n";
        let parsed = parse_bytes(
            text.as_bytes(),
            std::path::Path::new("t"),
            &origin,
            &ParseOptions::default(),
        );
        assert!(parsed.findings.is_empty(), "{:?}", parsed.findings);
        ZoneVersion::from_records(origin, crate::zone::Class::IN, parsed.records).expect("zone")
    }

    #[test]
    fn notify_modes_pick_the_targets() {
        let v = version();
        let also = [NotifyTarget {
            addr: "127.0.0.9:5300".parse().expect("addr"),
            key: None,
        }];
        let addrs = |mode| -> Vec<String> {
            targets(mode, &v, &also)
                .iter()
                .map(|t| t.addr.to_string())
                .collect()
        };
        // MNAME ns1 is left out; ns.elsewhere.net. has no address in the zone.
        assert_eq!(
            addrs(NotifyMode::Yes),
            ["192.0.2.2:53", "[2001:db8::2]:53", "127.0.0.9:5300"]
        );
        assert_eq!(addrs(NotifyMode::Explicit), ["127.0.0.9:5300"]);
        assert!(addrs(NotifyMode::No).is_empty());
    }
}
