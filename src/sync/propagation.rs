//! The propagation view of a zone we serve: for each of its secondaries, the serial
//! it last showed us it has, when, how far behind ours that is (serial distance) and
//! for how long it has lacked the change it is missing.
//!
//! # Data flow
//! The model ([`Propagation`]) is pure: events in, a [`SecondaryView`] list out, time
//! passed in by the caller, table-tested below. Each zone's [`ZoneHandle`] carries a
//! [`Tracker`] (the model behind a short `std` mutex) that is fed by
//! - the zone's task: every serial it publishes ([`Tracker::on_published`]) and every
//!   NOTIFY round it starts (`sync::notify_out`: the targets, and each answer);
//! - the listeners (`server::handle`, `server::xfr_out`): SOA queries from a
//!   secondary already tracked, the client serial of an IXFR request, and each
//!   transfer served to completion.
//!
//! Unlike the zone's status, this is an observation log with several writers (each
//! event one short lock, never across an await), not zone state: losing it (a
//! restart) loses only what we saw, never what we serve. The control endpoint's
//! `status`, the status page and the metrics read it through [`Tracker::view`].
//!
//! A secondary is an IP address: that is what a primary sees of a client (transfers
//! and SOA queries come from ephemeral ports), and NOTIFY targets are matched to it by
//! address. Two NOTIFY targets on one address (ports apart) are one entry here.
//!
//! What counts as "has serial S": an IXFR request whose SOA says S (RFC 1995 §3: the
//! client's current version), and a transfer (AXFR or IXFR) of S served to its last
//! message. A NOTIFY answer carries no serial (RFC 1996 §4.7), so it is shown as "told
//! about S", and an SOA query as "asked, and was answered S": neither moves the
//! secondary's serial.
//!
//! Memory is bounded: at most [`MAX_TRACKED`] secondaries per zone (configured NOTIFY
//! targets always stay; a new client pushes out the one heard from longest ago), and
//! the last [`MAX_HISTORY`] serials we published, with when.
//!
//! [`ZoneHandle`]: super::ZoneHandle

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::zone::serial::Serial;

/// Most secondaries tracked per zone (configured NOTIFY targets always are).
pub const MAX_TRACKED: usize = 64;
/// Most of our published serials remembered (for how long a secondary has lacked one).
pub const MAX_HISTORY: usize = 64;

//----------- Vocabulary -------------------------------------------------------------

/// Why we know of a secondary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Listed {
    /// A host of the zone's NS RRset (RFC 1996 §3.5's notify set).
    Ns,
    /// An `also-notify` target (super slaves included, for primary zones).
    AlsoNotify,
    /// A super slave, notified of our catalog zone.
    SuperSlave,
    /// Neither: a client that transferred the zone (or asked for it by IXFR).
    Client,
}

/// How we learned a secondary's serial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Evidence {
    /// Its IXFR request said it has this serial.
    IxfrRequest,
    /// We served it an IXFR to this serial.
    Ixfr,
    /// We served it the whole zone (AXFR, or AXFR-style IXFR) at this serial.
    Axfr,
}

/// How a NOTIFY to a secondary ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NotifyOutcome {
    /// Answered NOERROR.
    Acknowledged,
    /// Answered with another RCODE.
    Refused,
    /// No answer after the retransmissions (or it could not be sent).
    Failed,
}

impl NotifyOutcome {
    /// The outcome as the `notify` metric's label says it.
    pub fn as_str(self) -> &'static str {
        match self {
            NotifyOutcome::Acknowledged => "acknowledged",
            NotifyOutcome::Refused => "refused",
            NotifyOutcome::Failed => "failed",
        }
    }
}

/// Where a secondary stands against our serial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SecondaryState {
    /// It has our serial.
    Current,
    /// It has an older one.
    Behind,
    /// It has a newer one (our zone went back, or it has another primary).
    Ahead,
    /// We have not seen which serial it has.
    Unknown,
}

//----------- SecondaryView ----------------------------------------------------------

/// One secondary of a zone, as `status` and the status page show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecondaryView {
    /// Its address.
    pub secondary: String,
    /// Why we know of it.
    pub listed: Listed,
    /// The NOTIFY target (address and port), when it is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_target: Option<String>,
    /// Current, behind, ahead or unknown.
    pub state: SecondaryState,
    /// The serial it last showed us it has.
    pub serial: Option<u32>,
    /// How we learned [`Self::serial`].
    pub serial_from: Option<Evidence>,
    /// When (Unix seconds).
    pub serial_at: Option<u64>,
    /// How many serials it is behind ours (RFC 1982 distance; 0 when current).
    pub behind: Option<u32>,
    /// Seconds since we published the first serial it lacks (0 when current).
    pub lag_seconds: Option<f64>,
    /// The last NOTIFY we sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notified: Option<NotifyView>,
    /// Its last SOA query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soa_query: Option<SoaQueryView>,
}

/// A NOTIFY sent to a secondary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotifyView {
    /// The serial it announced.
    pub serial: u32,
    /// When it was sent (Unix seconds).
    pub sent_at: u64,
    /// How it ended (none while it is retransmitted).
    pub outcome: Option<NotifyOutcome>,
}

/// An SOA query of a secondary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SoaQueryView {
    /// The serial we answered.
    pub serial: u32,
    /// When (Unix seconds).
    pub at: u64,
}

//----------- Propagation ------------------------------------------------------------

/// The propagation model of one zone. Times are Unix milliseconds, given by the
/// caller.
#[derive(Debug, Clone, Default)]
pub struct Propagation {
    /// Our published serials, oldest first, with when each was published.
    history: VecDeque<(u32, u64)>,
    /// The secondaries, in the order first seen.
    secondaries: Vec<Secondary>,
}

/// What we know of one secondary.
#[derive(Debug, Clone)]
struct Secondary {
    addr: IpAddr,
    listed: Listed,
    notify_target: Option<SocketAddr>,
    /// Serial, when (ms), how learned.
    serial: Option<(u32, u64, Evidence)>,
    notified: Option<Notified>,
    /// Serial answered, when (ms).
    soa_query: Option<(u32, u64)>,
    /// The last event about it (ms), for eviction.
    last_active: u64,
}

#[derive(Debug, Clone)]
struct Notified {
    serial: u32,
    sent: u64,
    outcome: Option<NotifyOutcome>,
}

impl Propagation {
    /// We published `serial` at `now`.
    pub fn on_published(&mut self, serial: u32, now: u64) {
        if self.history.back().is_some_and(|(s, _)| *s == serial) {
            return;
        }
        if self.history.len() == MAX_HISTORY {
            self.history.pop_front();
        }
        self.history.push_back((serial, now));
    }

    /// The zone's NOTIFY targets are now `targets`: they are tracked (and kept);
    /// earlier targets not among them become plain clients.
    pub fn set_targets(&mut self, targets: &[(SocketAddr, Listed)], now: u64) {
        for s in &mut self.secondaries {
            if s.listed != Listed::Client && !targets.iter().any(|(a, _)| a.ip() == s.addr) {
                s.listed = Listed::Client;
                s.notify_target = None;
            }
        }
        for &(addr, listed) in targets {
            let s = self.entry(addr.ip(), now);
            s.listed = listed;
            s.notify_target = Some(addr);
        }
    }

    /// A NOTIFY for `serial` went to `target` at `now`.
    pub fn on_notify_sent(&mut self, target: SocketAddr, serial: u32, now: u64) {
        let s = self.entry(target.ip(), now);
        s.notified = Some(Notified {
            serial,
            sent: now,
            outcome: None,
        });
        s.last_active = now;
    }

    /// The NOTIFY for `serial` to `target` ended with `outcome`.
    pub fn on_notify_answer(
        &mut self,
        target: SocketAddr,
        serial: u32,
        outcome: NotifyOutcome,
        now: u64,
    ) {
        if let Some(s) = self.find(target.ip()) {
            if let Some(n) = s.notified.as_mut().filter(|n| n.serial == serial) {
                n.outcome = Some(outcome);
            }
            s.last_active = now;
        }
    }

    /// `peer` asked for our SOA and was answered `serial`. Only secondaries already
    /// tracked count: any resolver may ask for an SOA.
    pub fn on_soa_query(&mut self, peer: IpAddr, serial: u32, now: u64) {
        if let Some(s) = self.find(peer) {
            s.soa_query = Some((serial, now));
            s.last_active = now;
        }
    }

    /// `peer`, allowed to transfer, asked for an IXFR from `serial`: it has that serial.
    pub fn on_ixfr_request(&mut self, peer: IpAddr, serial: u32, now: u64) {
        let s = self.entry(peer, now);
        s.serial = Some((serial, now, Evidence::IxfrRequest));
    }

    /// A transfer (`how`) of `serial` to `peer` was sent to its last message. Returns
    /// the propagation lag (ms from our publishing `serial` to now) when this is the
    /// first time the peer gets `serial` and we know when it was published.
    pub fn on_transfer_served(
        &mut self,
        peer: IpAddr,
        how: Evidence,
        serial: u32,
        now: u64,
    ) -> Option<u64> {
        let published = self
            .history
            .iter()
            .rev()
            .find(|(s, _)| *s == serial)
            .map(|(_, at)| *at);
        let s = self.entry(peer, now);
        let had = s.serial.map(|(v, _, _)| v);
        s.serial = Some((serial, now, how));
        if had == Some(serial) {
            return None;
        }
        published.map(|at| now.saturating_sub(at))
    }

    /// Every tracked secondary against our `current` serial, at `now`, by address.
    pub fn view(&self, current: Option<u32>, now: u64) -> Vec<SecondaryView> {
        let mut out: Vec<SecondaryView> = self
            .secondaries
            .iter()
            .map(|s| {
                let (state, behind, lag) = match (s.serial, current) {
                    (Some((has, _, _)), Some(ours)) => self.standing(has, ours, now),
                    _ => (SecondaryState::Unknown, None, None),
                };
                SecondaryView {
                    secondary: s.addr.to_string(),
                    listed: s.listed,
                    notify_target: s.notify_target.map(|a| a.to_string()),
                    state,
                    serial: s.serial.map(|(v, _, _)| v),
                    serial_from: s.serial.map(|(_, _, e)| e),
                    serial_at: s.serial.map(|(_, at, _)| at / 1000),
                    behind,
                    lag_seconds: lag.map(|ms| ms as f64 / 1000.0),
                    notified: s.notified.as_ref().map(|n| NotifyView {
                        serial: n.serial,
                        sent_at: n.sent / 1000,
                        outcome: n.outcome,
                    }),
                    soa_query: s.soa_query.map(|(serial, at)| SoaQueryView {
                        serial,
                        at: at / 1000,
                    }),
                }
            })
            .collect();
        out.sort_by_key(|v| v.secondary.parse::<IpAddr>().ok());
        out
    }

    /// Where a secondary with serial `has` stands against `ours`: its state, the
    /// serial distance, and ms since we published the oldest serial it lacks.
    fn standing(
        &self,
        has: u32,
        ours: u32,
        now: u64,
    ) -> (SecondaryState, Option<u32>, Option<u64>) {
        if has == ours {
            return (SecondaryState::Current, Some(0), Some(0));
        }
        if !Serial(ours).is_newer_than(Serial(has)) {
            return (SecondaryState::Ahead, Some(0), Some(0));
        }
        // The run of newest serials that are all newer than `has`: it lacks the oldest
        // of them since it was published. History that does not reach back gives a
        // lower bound (the oldest we remember).
        let since = self
            .history
            .iter()
            .rev()
            .take_while(|(s, _)| Serial(*s).is_newer_than(Serial(has)))
            .last()
            .map(|(_, at)| *at);
        (
            SecondaryState::Behind,
            Some(ours.wrapping_sub(has)),
            since.map(|at| now.saturating_sub(at)),
        )
    }

    /// The entry of `addr`, tracked as a client when new (pushing out the client heard
    /// from longest ago when [`MAX_TRACKED`] are tracked already).
    fn entry(&mut self, addr: IpAddr, now: u64) -> &mut Secondary {
        if let Some(i) = self.secondaries.iter().position(|s| s.addr == addr) {
            let s = &mut self.secondaries[i];
            s.last_active = now;
            return s;
        }
        if self.secondaries.len() >= MAX_TRACKED
            && let Some(oldest) = self
                .secondaries
                .iter()
                .enumerate()
                .filter(|(_, s)| s.listed == Listed::Client)
                .min_by_key(|(_, s)| s.last_active)
                .map(|(i, _)| i)
        {
            self.secondaries.remove(oldest);
        }
        self.secondaries.push(Secondary {
            addr,
            listed: Listed::Client,
            notify_target: None,
            serial: None,
            notified: None,
            soa_query: None,
            last_active: now,
        });
        self.secondaries.last_mut().expect("just pushed")
    }

    fn find(&mut self, addr: IpAddr) -> Option<&mut Secondary> {
        self.secondaries.iter_mut().find(|s| s.addr == addr)
    }
}

//----------- Tracker ----------------------------------------------------------------

/// A zone's [`Propagation`], shared by its task and the listeners; each method is
/// one short lock at the wall clock's time.
#[derive(Debug, Clone, Default)]
pub struct Tracker(Arc<Mutex<Propagation>>);

impl Tracker {
    fn with<T>(&self, f: impl FnOnce(&mut Propagation, u64) -> T) -> T {
        f(
            &mut self.0.lock().expect("propagation lock poisoned"),
            unix_ms(),
        )
    }

    /// See [`Propagation::on_published`].
    pub fn on_published(&self, serial: u32) {
        self.with(|p, now| p.on_published(serial, now));
    }

    /// See [`Propagation::set_targets`].
    pub fn set_targets(&self, targets: &[(SocketAddr, Listed)]) {
        self.with(|p, now| p.set_targets(targets, now));
    }

    /// See [`Propagation::on_notify_sent`].
    pub fn on_notify_sent(&self, target: SocketAddr, serial: u32) {
        self.with(|p, now| p.on_notify_sent(target, serial, now));
    }

    /// See [`Propagation::on_notify_answer`].
    pub fn on_notify_answer(&self, target: SocketAddr, serial: u32, outcome: NotifyOutcome) {
        self.with(|p, now| p.on_notify_answer(target, serial, outcome, now));
    }

    /// See [`Propagation::on_soa_query`].
    pub fn on_soa_query(&self, peer: IpAddr, serial: u32) {
        self.with(|p, now| p.on_soa_query(peer, serial, now));
    }

    /// See [`Propagation::on_ixfr_request`].
    pub fn on_ixfr_request(&self, peer: IpAddr, serial: u32) {
        self.with(|p, now| p.on_ixfr_request(peer, serial, now));
    }

    /// See [`Propagation::on_transfer_served`]; the lag comes back as a duration.
    pub fn on_transfer_served(
        &self,
        peer: IpAddr,
        how: Evidence,
        serial: u32,
    ) -> Option<std::time::Duration> {
        self.with(|p, now| p.on_transfer_served(peer, how, serial, now))
            .map(std::time::Duration::from_millis)
    }

    /// See [`Propagation::view`].
    pub fn view(&self, current: Option<u32>) -> Vec<SecondaryView> {
        self.with(|p, now| p.view(current, now))
    }
}

/// The wall clock in Unix milliseconds.
fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([127, 0, 0, last])
    }

    fn sa(last: u8, port: u16) -> SocketAddr {
        SocketAddr::new(ip(last), port)
    }

    fn one(p: &Propagation, current: u32, now: u64, last: u8) -> SecondaryView {
        p.view(Some(current), now)
            .into_iter()
            .find(|v| v.secondary == ip(last).to_string())
            .expect("tracked")
    }

    /// What it has, our history as (serial, published ms), ours, now → state,
    /// behind, lag seconds.
    type Case = (
        u32,
        &'static [(u32, u64)],
        u32,
        u64,
        SecondaryState,
        Option<u32>,
        Option<f64>,
    );

    #[test]
    fn standing_table() {
        use SecondaryState::*;
        let cases: &[Case] = &[
            // Current.
            (5, &[(5, 1_000)], 5, 9_000, Current, Some(0), Some(0.0)),
            // One behind: lacking 6 since it was published.
            (
                5,
                &[(5, 1_000), (6, 3_000)],
                6,
                9_000,
                Behind,
                Some(1),
                Some(6.0),
            ),
            // Two behind: lacking since the first it lacks (6), not the newest.
            (
                5,
                &[(5, 1_000), (6, 3_000), (8, 7_000)],
                8,
                9_000,
                Behind,
                Some(3),
                Some(6.0),
            ),
            // History that does not reach back: the oldest we know, a lower bound.
            (
                1,
                &[(5, 1_000), (6, 3_000)],
                6,
                9_000,
                Behind,
                Some(5),
                Some(8.0),
            ),
            // No history at all: distance only.
            (1, &[], 6, 9_000, Behind, Some(5), None),
            // Across the wrap (RFC 1982).
            (
                u32::MAX,
                &[(u32::MAX, 1_000), (2, 4_000)],
                2,
                9_000,
                Behind,
                Some(3),
                Some(5.0),
            ),
            // Ahead of us.
            (9, &[(5, 1_000)], 5, 9_000, Ahead, Some(0), Some(0.0)),
            // The zone went back to an older serial after the one it has: 5 is not
            // newer than 7, so the run stops at 5... and 5 is ours.
            (
                7,
                &[(7, 1_000), (5, 2_000)],
                5,
                9_000,
                Ahead,
                Some(0),
                Some(0.0),
            ),
        ];
        for (i, &(has, history, ours, now, state, behind, lag)) in cases.iter().enumerate() {
            let mut p = Propagation::default();
            for &(s, at) in history {
                p.on_published(s, at);
            }
            p.on_ixfr_request(ip(2), has, 500);
            let v = one(&p, ours, now, 2);
            assert_eq!(
                (v.state, v.behind, v.lag_seconds),
                (state, behind, lag),
                "case {i}"
            );
        }
    }

    #[test]
    fn evidence_moves_the_serial_notify_and_soa_queries_do_not() {
        let mut p = Propagation::default();
        p.on_published(1, 1_000);
        p.set_targets(&[(sa(2, 5300), Listed::AlsoNotify)], 1_000);
        // Told, never seen: unknown.
        p.on_notify_sent(sa(2, 5300), 1, 1_100);
        p.on_notify_answer(sa(2, 5300), 1, NotifyOutcome::Acknowledged, 1_200);
        let v = one(&p, 1, 2_000, 2);
        assert_eq!(v.state, SecondaryState::Unknown);
        assert_eq!(v.serial, None);
        assert_eq!(v.notify_target.as_deref(), Some("127.0.0.2:5300"));
        let n = v.notified.unwrap();
        assert_eq!(
            (n.serial, n.outcome),
            (1, Some(NotifyOutcome::Acknowledged))
        );
        // An SOA query is shown, not taken as its serial.
        p.on_soa_query(ip(2), 1, 2_500);
        let v = one(&p, 1, 3_000, 2);
        assert_eq!(v.serial, None);
        assert_eq!(v.soa_query, Some(SoaQueryView { serial: 1, at: 2 }));
        // A transfer served is: first transfer of 1, lag from its publication.
        assert_eq!(
            p.on_transfer_served(ip(2), Evidence::Axfr, 1, 4_000),
            Some(3_000)
        );
        // The same serial again (a retransfer) is not a new propagation.
        assert_eq!(p.on_transfer_served(ip(2), Evidence::Axfr, 1, 5_000), None);
        let v = one(&p, 1, 6_000, 2);
        assert_eq!(
            (v.state, v.serial, v.serial_from),
            (SecondaryState::Current, Some(1), Some(Evidence::Axfr))
        );
        assert_eq!(v.serial_at, Some(5));
        // New serial: it lags until its IXFR; its request says what it had.
        p.on_published(2, 10_000);
        p.on_ixfr_request(ip(2), 1, 12_000);
        let v = one(&p, 2, 12_500, 2);
        assert_eq!(
            (v.state, v.behind, v.lag_seconds),
            (SecondaryState::Behind, Some(1), Some(2.5))
        );
        assert_eq!(v.serial_from, Some(Evidence::IxfrRequest));
        assert_eq!(
            p.on_transfer_served(ip(2), Evidence::Ixfr, 2, 13_000),
            Some(3_000)
        );
        // A transfer of a serial we have no publication time for: no lag to tell.
        assert_eq!(
            p.on_transfer_served(ip(3), Evidence::Axfr, 99, 13_000),
            None
        );
    }

    #[test]
    fn answers_of_an_older_round_do_not_count_and_soa_queries_of_strangers_are_ignored() {
        let mut p = Propagation::default();
        p.set_targets(&[(sa(2, 53), Listed::Ns)], 0);
        p.on_notify_sent(sa(2, 53), 2, 100);
        p.on_notify_answer(sa(2, 53), 1, NotifyOutcome::Failed, 200);
        assert_eq!(one(&p, 2, 300, 2).notified.unwrap().outcome, None);
        p.on_soa_query(ip(9), 2, 300);
        assert_eq!(p.view(Some(2), 400).len(), 1);
    }

    #[test]
    fn targets_are_kept_clients_are_capped_oldest_out() {
        let mut p = Propagation::default();
        p.set_targets(
            &[(sa(1, 5300), Listed::AlsoNotify), (sa(2, 53), Listed::Ns)],
            0,
        );
        for i in 0..(MAX_TRACKED as u16 + 10) {
            let peer = IpAddr::from([10, 0, (i >> 8) as u8, i as u8]);
            p.on_ixfr_request(peer, 1, 1_000 + u64::from(i));
        }
        let v = p.view(Some(1), 10_000);
        assert_eq!(v.len(), MAX_TRACKED);
        assert!(
            v.iter()
                .any(|s| s.secondary == "127.0.0.1" && s.listed == Listed::AlsoNotify)
        );
        assert!(
            v.iter()
                .any(|s| s.secondary == "127.0.0.2" && s.listed == Listed::Ns)
        );
        // The first clients went, the last stayed.
        assert!(!v.iter().any(|s| s.secondary == "10.0.0.0"));
        assert!(v.iter().any(|s| s.secondary == "10.0.0.73"));
        // A target no longer listed becomes a client (and may go).
        p.set_targets(&[(sa(2, 53), Listed::Ns)], 20_000);
        let v = p.view(Some(1), 20_000);
        let gone = v.iter().find(|s| s.secondary == "127.0.0.1").unwrap();
        assert_eq!(
            (gone.listed, gone.notify_target.as_deref()),
            (Listed::Client, None)
        );
    }

    #[test]
    fn history_is_bounded_and_repeats_are_one_entry() {
        let mut p = Propagation::default();
        p.on_published(1, 0);
        p.on_published(1, 5);
        assert_eq!(p.history.len(), 1);
        for s in 0..(MAX_HISTORY as u32 * 2) {
            p.on_published(s + 2, u64::from(s));
        }
        assert_eq!(p.history.len(), MAX_HISTORY);
    }

    #[test]
    fn view_is_sorted_by_address_and_serializes() {
        let mut p = Propagation::default();
        p.on_ixfr_request(ip(10), 1, 0);
        p.on_ixfr_request(ip(9), 1, 0);
        let v = p.view(Some(1), 0);
        assert_eq!(v[0].secondary, "127.0.0.9");
        let json = serde_json::to_string(&v[0]).unwrap();
        assert!(json.contains(r#""listed":"client""#), "{json}");
        assert!(json.contains(r#""serial_from":"ixfr-request""#), "{json}");
        assert_eq!(serde_json::from_str::<SecondaryView>(&json).unwrap(), v[0]);
    }
}
