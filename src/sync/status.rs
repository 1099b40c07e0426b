//! What a zone's task says about itself: role, serial, state, refresh times, last
//! error. The control endpoint (`zonesync serve status`) and the metrics read it.
//!
//! Each zone task owns its [`StatusCell`] and is the only writer (a short `std`
//! mutex, never held across an await); readers copy it out.

use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

/// A zone's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Loaded from a zone file.
    Primary,
    /// Transferred from primaries.
    Secondary,
    /// A catalog zone (our own, or a super master's).
    Catalog,
}

/// A zone's state (NSD's ok/refreshing/expired, plus loading).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Not served yet (never loaded or transferred): SERVFAIL.
    Loading,
    /// Served and current.
    Ok,
    /// A refresh is running.
    Refreshing,
    /// Past EXPIRE without a successful refresh: SERVFAIL.
    Expired,
}

/// The status of one zone.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ZoneStatus {
    /// Primary, secondary or catalog.
    pub role: Role,
    /// Loading, ok, refreshing or expired.
    pub state: State,
    /// The served serial.
    pub serial: Option<u32>,
    /// The last successful load or refresh (Unix seconds).
    pub last_refresh: Option<u64>,
    /// When the next refresh is due (Unix seconds; secondaries).
    pub next_refresh: Option<u64>,
    /// When the zone expires without a successful refresh (Unix seconds; secondaries).
    pub expire_at: Option<u64>,
    /// The last error, until a success clears it.
    pub last_error: Option<String>,
    /// Primaries (secondaries) or the zone file (primaries).
    pub source: Vec<String>,
    /// When the first NOTIFY behind the refresh under way arrived (for
    /// NOTIFY-to-served latency); set by the zone task when it takes that NOTIFY from
    /// its inbox, cleared when a transfer is served.
    #[serde(skip)]
    pub notified_at: Option<std::time::Instant>,
}

impl ZoneStatus {
    /// A fresh status for a zone that is loading.
    pub fn new(role: Role, source: Vec<String>) -> ZoneStatus {
        ZoneStatus {
            role,
            state: State::Loading,
            serial: None,
            last_refresh: None,
            next_refresh: None,
            expire_at: None,
            last_error: None,
            source,
            notified_at: None,
        }
    }
}

/// A zone's status, shared between its task (the writer) and readers.
#[derive(Debug, Clone)]
pub struct StatusCell(Arc<Mutex<ZoneStatus>>);

impl StatusCell {
    /// A cell holding `status`.
    pub fn new(status: ZoneStatus) -> StatusCell {
        StatusCell(Arc::new(Mutex::new(status)))
    }

    /// A copy of the status.
    pub fn get(&self) -> ZoneStatus {
        self.0.lock().expect("status lock poisoned").clone()
    }

    /// When the zone expires (secondaries; Unix seconds): what an EXPIRE answer counts
    /// down to (RFC 7314 §3). One short lock, taken only for queries that ask.
    pub fn expire_at(&self) -> Option<u64> {
        self.0.lock().expect("status lock poisoned").expire_at
    }

    /// Changes the status (zone task only).
    pub fn update(&self, f: impl FnOnce(&mut ZoneStatus)) {
        f(&mut self.0.lock().expect("status lock poisoned"));
    }
}
