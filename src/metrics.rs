//! Prometheus metrics: what an operator alerts on (a secondary falling behind, failed
//! transfers, REFUSED storms), in the exposition format of the `prometheus-client`
//! crate.
//!
//! Counters are bumped where things happen (listeners, transfers, NOTIFY, catalogs)
//! through [`get`], a process-wide set (one server per process); the per-zone gauges
//! (serial, seconds since the last refresh, zones by state, and each secondary's
//! serial, distance and lag from the zone's propagation view) are filled at scrape time
//! by [`Metrics::encode`] from plain [`ZoneFacts`] that the caller gathers. The HTTP
//! endpoint (`server::http`) reads them off the zone registry, so this module
//! depends on nothing above it: `sync` and `server` call into `metrics`, never the
//! reverse.

use std::sync::LazyLock;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

//----------- ZoneFacts --------------------------------------------------------------

/// The label values of the `zones` gauge, each zero-filled at every scrape so that
/// a state with no zone reads 0 rather than vanishing.
pub const ZONE_STATES: [&str; 4] = ["loading", "ok", "refreshing", "expired"];

/// What the per-zone gauges show of one zone, taken at scrape time.
#[derive(Clone, Debug, PartialEq)]
pub struct ZoneFacts {
    /// The zone's name (the `zone` label).
    pub zone: String,
    /// Its state, one of [`ZONE_STATES`].
    pub state: &'static str,
    /// The serial it serves, if any.
    pub serial: Option<u32>,
    /// Seconds since its last successful load or refresh, if there was one.
    pub seconds_since_refresh: Option<u64>,
    /// Its secondaries, as its propagation view sees them.
    pub secondaries: Vec<SecondaryFacts>,
}

/// What the per-secondary gauges show of one secondary of a zone.
#[derive(Clone, Debug, PartialEq)]
pub struct SecondaryFacts {
    /// The secondary's address (the `secondary` label).
    pub secondary: String,
    /// The serial it last showed it has, if known.
    pub serial: Option<u32>,
    /// How many serials it is behind the zone's, if known.
    pub behind: Option<u32>,
    /// Seconds since the first change it lacks was published, if known.
    pub lag_seconds: Option<f64>,
}

//----------- Labels -----------------------------------------------------------------

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RcodeLabel {
    rcode: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TransferLabels {
    direction: &'static str,
    kind: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DirectionLabel {
    direction: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct NotifyLabels {
    direction: &'static str,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ZoneLabel {
    zone: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SecondaryLabels {
    zone: String,
    secondary: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: &'static str,
}

//----------- Metrics ----------------------------------------------------------------

/// Every metric zonesync exports.
pub struct Metrics {
    registry: Registry,
    queries: Family<RcodeLabel, Counter>,
    transfers: Family<TransferLabels, Counter>,
    transfer_bytes: Family<DirectionLabel, Counter>,
    notifies: Family<NotifyLabels, Counter>,
    notify_latency: Histogram,
    provisioned: Counter,
    deprovisioned: Counter,
    zone_serial: Family<ZoneLabel, Gauge>,
    zone_since_refresh: Family<ZoneLabel, Gauge<f64, AtomicU64>>,
    zones: Family<StateLabel, Gauge>,
    secondary_serial: Family<SecondaryLabels, Gauge>,
    secondary_behind: Family<SecondaryLabels, Gauge>,
    secondary_lag: Family<SecondaryLabels, Gauge<f64, AtomicU64>>,
    propagation_lag: Histogram,
    /// Answers by RCODE (the header's 4 bits), counted on the query hot path with one
    /// relaxed atomic add; folded into `queries` at scrape time.
    answered: [AtomicU64; 16],
    /// What of `answered` has been folded into `queries` already.
    exported: [AtomicU64; 16],
    /// UDP answers dropped by response rate limiting.
    rrl_dropped: Counter,
    /// UDP answers sent truncated (TC) by response rate limiting.
    rrl_slipped: Counter,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

/// The process's metrics.
pub fn get() -> &'static Metrics {
    &METRICS
}

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::with_prefix("zonesync");
        let queries = Family::<RcodeLabel, Counter>::default();
        registry.register("queries", "Queries answered, by RCODE", queries.clone());
        let transfers = Family::<TransferLabels, Counter>::default();
        registry.register(
            "transfers",
            "Zone transfers by direction (in, out), kind (AXFR, IXFR, AXFR-fallback, …) and outcome",
            transfers.clone(),
        );
        let transfer_bytes = Family::<DirectionLabel, Counter>::default();
        registry.register(
            "transfer_bytes",
            "Bytes of zone transfers, by direction",
            transfer_bytes.clone(),
        );
        let notifies = Family::<NotifyLabels, Counter>::default();
        registry.register(
            "notify",
            "NOTIFY sent and received, by outcome",
            notifies.clone(),
        );
        let notify_latency = Histogram::new(exponential_buckets(0.005, 2.0, 14));
        registry.register(
            "notify_to_served_seconds",
            "Time from a NOTIFY received to the new serial being served",
            notify_latency.clone(),
        );
        let provisioned = Counter::default();
        registry.register(
            "catalog_zones_provisioned",
            "Zones created from super masters' catalogs",
            provisioned.clone(),
        );
        let deprovisioned = Counter::default();
        registry.register(
            "catalog_zones_deleted",
            "Zones deleted because they left a catalog",
            deprovisioned.clone(),
        );
        let zone_serial = Family::<ZoneLabel, Gauge>::default();
        registry.register(
            "zone_serial",
            "The serial each zone serves",
            zone_serial.clone(),
        );
        let zone_since_refresh = Family::<ZoneLabel, Gauge<f64, AtomicU64>>::default();
        registry.register(
            "zone_seconds_since_refresh",
            "Seconds since each zone's last successful load or refresh",
            zone_since_refresh.clone(),
        );
        let zones = Family::<StateLabel, Gauge>::default();
        registry.register(
            "zones",
            "Zones by state (loading, ok, refreshing, expired)",
            zones.clone(),
        );
        let rrl_dropped = Counter::default();
        registry.register(
            "rrl_dropped",
            "UDP answers dropped by response rate limiting",
            rrl_dropped.clone(),
        );
        let rrl_slipped = Counter::default();
        registry.register(
            "rrl_slipped",
            "UDP answers sent truncated (TC) by response rate limiting",
            rrl_slipped.clone(),
        );
        let secondary_serial = Family::<SecondaryLabels, Gauge>::default();
        registry.register(
            "secondary_serial",
            "The serial each secondary of a zone last showed it has (IXFR request, transfer served)",
            secondary_serial.clone(),
        );
        let secondary_behind = Family::<SecondaryLabels, Gauge>::default();
        registry.register(
            "secondary_serials_behind",
            "How many serials each secondary is behind the zone's (RFC 1982 distance)",
            secondary_behind.clone(),
        );
        let secondary_lag = Family::<SecondaryLabels, Gauge<f64, AtomicU64>>::default();
        registry.register(
            "secondary_lag_seconds",
            "Seconds since the first serial a secondary lacks was published (0 when current)",
            secondary_lag.clone(),
        );
        let propagation_lag = Histogram::new(exponential_buckets(0.01, 3.0, 16));
        registry.register(
            "propagation_lag_seconds",
            "Time from a new serial being published to each secondary's transfer of it",
            propagation_lag.clone(),
        );
        Metrics {
            registry,
            secondary_serial,
            secondary_behind,
            secondary_lag,
            propagation_lag,
            queries,
            transfers,
            transfer_bytes,
            notifies,
            notify_latency,
            provisioned,
            deprovisioned,
            zone_serial,
            zone_since_refresh,
            zones,
            answered: Default::default(),
            exported: Default::default(),
            rrl_dropped,
            rrl_slipped,
        }
    }

    /// An answer is about to be sent: counts it by its RCODE. Cheap enough for every
    /// query (no lock, no allocation).
    pub fn answered(&self, msg: &[u8]) {
        if let Some(b) = msg.get(3) {
            self.answered[(b & 0x0f) as usize].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Response rate limiting dropped an answer, or (`slipped`) sent it truncated.
    pub fn rate_limited(&self, slipped: bool) {
        if slipped {
            self.rrl_slipped.inc();
        } else {
            self.rrl_dropped.inc();
        }
    }

    /// A transfer finished: `direction` in or out, `kind` (AXFR, IXFR, …), `ok` or not,
    /// and its size.
    pub fn transfer(&self, direction: &'static str, kind: &str, ok: bool, bytes: u64) {
        let labels = TransferLabels {
            direction,
            kind: kind.to_string(),
            outcome: if ok { "success" } else { "failure" },
        };
        self.transfers.get_or_create(&labels).inc();
        self.transfer_bytes
            .get_or_create(&DirectionLabel { direction })
            .inc_by(bytes);
    }

    /// A NOTIFY was sent or received (`direction`), with its outcome (`acknowledged`,
    /// `failed`, `accepted`, `refused`, …).
    pub fn notify(&self, direction: &'static str, outcome: &str) {
        let labels = NotifyLabels {
            direction,
            outcome: outcome.to_string(),
        };
        self.notifies.get_or_create(&labels).inc();
    }

    /// A NOTIFY led to a new serial being served after `d`.
    pub fn notify_to_served(&self, d: Duration) {
        self.notify_latency.observe(d.as_secs_f64());
    }

    /// A secondary finished transferring a new serial `d` after it was published.
    pub fn propagation_lag(&self, d: Duration) {
        self.propagation_lag.observe(d.as_secs_f64());
    }

    /// A catalog provisioned a zone.
    pub fn provisioned(&self) {
        self.provisioned.inc();
    }

    /// A zone left its catalog and was deleted.
    pub fn deprovisioned(&self) {
        self.deprovisioned.inc();
    }

    /// The exposition text, with the per-zone gauges set from `zones` (every zone
    /// served, as the caller sees it now).
    pub fn encode<'z>(&self, zones: impl IntoIterator<Item = &'z ZoneFacts>) -> String {
        self.zone_serial.clear();
        self.zone_since_refresh.clear();
        self.zones.clear();
        self.secondary_serial.clear();
        self.secondary_behind.clear();
        self.secondary_lag.clear();
        for state in ZONE_STATES {
            self.zones.get_or_create(&StateLabel { state }).set(0);
        }
        for z in zones {
            let label = ZoneLabel {
                zone: z.zone.clone(),
            };
            if let Some(s) = z.serial {
                self.zone_serial.get_or_create(&label).set(s as i64);
            }
            if let Some(secs) = z.seconds_since_refresh {
                self.zone_since_refresh
                    .get_or_create(&label)
                    .set(secs as f64);
            }
            self.zones
                .get_or_create(&StateLabel { state: z.state })
                .inc();
            for s in &z.secondaries {
                let labels = SecondaryLabels {
                    zone: z.zone.clone(),
                    secondary: s.secondary.clone(),
                };
                if let Some(v) = s.serial {
                    self.secondary_serial
                        .get_or_create(&labels)
                        .set(i64::from(v));
                }
                if let Some(v) = s.behind {
                    self.secondary_behind
                        .get_or_create(&labels)
                        .set(i64::from(v));
                }
                if let Some(v) = s.lag_seconds {
                    self.secondary_lag.get_or_create(&labels).set(v);
                }
            }
        }
        use std::sync::atomic::Ordering::Relaxed;
        for (rcode, count) in self.answered.iter().enumerate() {
            let now = count.load(Relaxed);
            let before = self.exported[rcode].swap(now, Relaxed);
            if now > before {
                let name = crate::wire::Rcode(rcode as u16).name();
                self.queries
                    .get_or_create(&RcodeLabel { rcode: name })
                    .inc_by(now - before);
            }
        }
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_zone_gauges_come_from_the_facts_given() {
        let m = Metrics::new();
        let zones = [
            ZoneFacts {
                zone: "example.com.".into(),
                state: "ok",
                serial: Some(7),
                seconds_since_refresh: Some(30),
                secondaries: vec![SecondaryFacts {
                    secondary: "127.0.0.2".into(),
                    serial: Some(5),
                    behind: Some(2),
                    lag_seconds: Some(1.5),
                }],
            },
            ZoneFacts {
                zone: "example.net.".into(),
                state: "loading",
                serial: None,
                seconds_since_refresh: None,
                secondaries: vec![SecondaryFacts {
                    secondary: "127.0.0.3".into(),
                    serial: None,
                    behind: None,
                    lag_seconds: None,
                }],
            },
        ];
        let text = m.encode(&zones);
        assert!(
            text.contains("zonesync_zone_serial{zone=\"example.com.\"} 7"),
            "{text}"
        );
        assert!(
            !text.contains("zone_serial{zone=\"example.net.\"}"),
            "{text}"
        );
        assert!(
            text.contains("zonesync_zone_seconds_since_refresh{zone=\"example.com.\"} 30"),
            "{text}"
        );
        assert!(text.contains("zonesync_zones{state=\"ok\"} 1"), "{text}");
        assert!(
            text.contains("zonesync_zones{state=\"loading\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("zonesync_zones{state=\"expired\"} 0"),
            "{text}"
        );
        for line in [
            "zonesync_secondary_serial{zone=\"example.com.\",secondary=\"127.0.0.2\"} 5",
            "zonesync_secondary_serials_behind{zone=\"example.com.\",secondary=\"127.0.0.2\"} 2",
            "zonesync_secondary_lag_seconds{zone=\"example.com.\",secondary=\"127.0.0.2\"} 1.5",
        ] {
            assert!(text.contains(line), "{line} in {text}");
        }
        // Unknown facts are left out, not shown as 0.
        assert!(!text.contains("127.0.0.3"), "{text}");
        m.propagation_lag(Duration::from_millis(20));
        let text = m.encode(&zones);
        assert!(
            text.contains("zonesync_propagation_lag_seconds_count 1"),
            "{text}"
        );
        // The next scrape shows only the zones given then.
        let text = m.encode(&zones[1..]);
        assert!(!text.contains("example.com."), "{text}");
        assert!(text.contains("zonesync_zones{state=\"ok\"} 0"), "{text}");
    }
}
