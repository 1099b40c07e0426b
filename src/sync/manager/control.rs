//! Control dispatch: what an operator may ask the zone-set manager (`zonesync serve
//! … status|refresh|retransfer|notify|reload|bulk-refresh`, or the same JSON over the
//! control endpoint), the answers, and the one place that carries each request out.
//!
//! # Data flow
//! `crate::control` (the socket and HTTP transport) hands a [`ControlRequest`] to
//! the manager's inbox as a [`ZoneCommand::Control`](super::ZoneCommand); the
//! manager's loop calls [`ZoneSet::control`] and sends the [`ControlResponse`] back.
//! A request for a zone goes to that zone's task as an event; the answer says what
//! the zone's task now has pending (its inbox merges events, nothing is dropped).

use serde::{Deserialize, Serialize};

use crate::sync::propagation::SecondaryView;
use crate::sync::status::ZoneStatus;
use crate::sync::{ZoneEvent, ZoneHandle};
use crate::zone::Name;

use super::ZoneSet;

//----------- Protocol ---------------------------------------------------------------

/// What the operator asks. The same enum is the command line of
/// `zonesync serve … COMMAND` (clap) and the JSON on the wire (serde).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, clap::Subcommand)]
#[serde(tag = "command", rename_all = "kebab-case")]
pub enum ControlRequest {
    /// Show the server and its zones: role, serial, state, refresh times, last error,
    /// and which secondary has which serial (the propagation view).
    Status {
        /// Only this zone.
        #[serde(default)]
        zone: Option<String>,
    },
    /// Secondary zone: check the primary now. Primary zone: re-read the zone file.
    Refresh {
        /// The zone.
        zone: String,
    },
    /// Secondary zone: transfer the whole zone now (AXFR).
    Retransfer {
        /// The zone.
        zone: String,
    },
    /// Send NOTIFY for the zone's current serial to its secondaries.
    Notify {
        /// The zone.
        zone: String,
    },
    /// Re-read the config (zones added, removed, changed; keys) and every zone file.
    Reload,
    /// Super slave: refresh every zone of the super masters' catalogs now.
    BulkRefresh,
}

/// The server's answer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ControlResponse {
    /// Whether the request was carried out.
    pub ok: bool,
    /// What happened, for people.
    pub message: String,
    /// For `status`: the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<ServerStatus>,
    /// For `status`: the zones, sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<ZoneView>,
}

/// The server part of `status`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServerStatus {
    /// zonesync's version.
    pub version: String,
    /// Seconds since start.
    pub uptime: u64,
    /// Zones served (catalogs included).
    pub zones: usize,
    /// Where it listens.
    pub listen: Vec<String>,
}

/// One zone in `status`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ZoneView {
    /// The zone's name.
    pub zone: String,
    /// Its status.
    #[serde(flatten)]
    pub status: ZoneStatus,
    /// The catalog zone that lists it: ours (a primary zone of a super master) or the
    /// super master's it was provisioned from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog: Option<String>,
    /// Its secondaries and the serial each has (the propagation view), by address.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secondaries: Vec<SecondaryView>,
}

impl ControlResponse {
    /// A success with a message.
    pub fn ok(message: impl Into<String>) -> ControlResponse {
        ControlResponse {
            ok: true,
            message: message.into(),
            ..ControlResponse::default()
        }
    }

    /// A failure with a message.
    pub fn error(message: impl Into<String>) -> ControlResponse {
        ControlResponse {
            ok: false,
            message: message.into(),
            ..ControlResponse::default()
        }
    }
}

//----------- Dispatch ---------------------------------------------------------------

impl ZoneSet {
    /// Carries out an operator's request.
    pub(super) async fn control(&mut self, request: ControlRequest) -> ControlResponse {
        let zone_of = |text: &str| {
            Name::parse(text, Some(&Name::root()))
                .map_err(|e| format!("bad zone name \"{text}\": {e}"))
        };
        let zone = match &request {
            ControlRequest::Refresh { zone }
            | ControlRequest::Retransfer { zone }
            | ControlRequest::Notify { zone } => match zone_of(zone) {
                Ok(name) => match self.running.get(&name) {
                    Some(r) => Some((name, r.handle.clone(), r.file.is_some())),
                    None => return ControlResponse::error(format!("no zone {name} here")),
                },
                Err(e) => return ControlResponse::error(e),
            },
            _ => None,
        };
        match (request, zone) {
            (ControlRequest::Status { zone }, _) => {
                let only = match zone.as_deref().map(zone_of).transpose() {
                    Ok(z) => z,
                    Err(e) => return ControlResponse::error(e),
                };
                self.status(only.as_ref())
            }
            (ControlRequest::Refresh { .. }, Some((name, handle, primary))) => {
                if primary {
                    queued(&name, &handle, ZoneEvent::Reload, "zone file check queued")
                } else if handle.settings.secondary {
                    queued(&name, &handle, ZoneEvent::Refresh, "refresh queued")
                } else {
                    ControlResponse::error(format!("{name}: nothing to refresh from"))
                }
            }
            (ControlRequest::Retransfer { .. }, Some((name, handle, _))) => {
                if handle.settings.secondary {
                    queued(
                        &name,
                        &handle,
                        ZoneEvent::Retransfer,
                        "retransfer (AXFR) queued",
                    )
                } else {
                    ControlResponse::error(format!("{name} is not a secondary zone"))
                }
            }
            (ControlRequest::Notify { .. }, Some((name, handle, _))) => {
                queued(&name, &handle, ZoneEvent::SendNotify, "NOTIFY queued")
            }
            (ControlRequest::Reload, _) => self.reload().await,
            (ControlRequest::BulkRefresh, _) => {
                if self.config.super_masters.is_empty() {
                    return ControlResponse::error(
                        "no super-masters configured: nothing to bulk-refresh",
                    );
                }
                self.bulk_refresh();
                ControlResponse::ok(format!(
                    "bulk refresh of {} catalogs started",
                    self.config.super_masters.len()
                ))
            }
            // Zone requests without a zone returned above.
            (_, None) => ControlResponse::error("no such zone"),
        }
    }

    /// The `status` answer: the server, and every zone (or `only` that one).
    fn status(&self, only: Option<&Name>) -> ControlResponse {
        let mut zones: Vec<ZoneView> = self
            .registry
            .snapshot()
            .iter()
            .filter(|h| only.is_none_or(|z| &h.name == z))
            .map(|h| {
                let status = h.status.get();
                ZoneView {
                    zone: h.name.to_string(),
                    catalog: self.catalog_of(&h.name),
                    secondaries: h.propagation.view(status.serial),
                    status,
                }
            })
            .collect();
        zones.sort_by(|a, b| a.zone.cmp(&b.zone));
        if let Some(z) = only
            && zones.is_empty()
        {
            return ControlResponse::error(format!("no zone {z} here"));
        }
        ControlResponse {
            ok: true,
            message: crate::plural::count_of(zones.len(), "zone"),
            server: Some(ServerStatus {
                version: env!("CARGO_PKG_VERSION").to_string(),
                uptime: self.started.elapsed().as_secs(),
                zones: self.running.len(),
                listen: self.listen.clone(),
            }),
            zones,
        }
    }
}

impl ZoneSet {
    /// The catalog zone that lists `zone`: our own for the primary zones we publish
    /// (super master), the super master's for a zone provisioned from it.
    fn catalog_of(&self, zone: &Name) -> Option<String> {
        let running = self.running.get(zone)?;
        if running.file.is_some()
            && let Some(s) = &self.config.super_slaves
        {
            return Some(s.catalog.to_string());
        }
        self.slave.provisioned.get(zone).map(|p| p.catalog.clone())
    }
}

/// Queues `event` for a zone and answers with what the zone now has pending.
fn queued(name: &Name, handle: &ZoneHandle, event: ZoneEvent, what: &str) -> ControlResponse {
    let pending = handle.send(event);
    ControlResponse::ok(format!("{name}: {what}; pending: {pending}"))
}
