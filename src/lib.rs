//! zonesync keeps authoritative DNS zones in sync between a primary and its
//! secondaries.
//!
//! # Architecture
//!
//! ```text
//!  zone files ──parse──▶ ZoneVersion ──diff──▶ Changeset ──▶ store (redb: versions,
//!                            ▲                                journal, timers)
//!  primaries ──AXFR/IXFR──▶ xfr ─────────────────┘                 │ commit
//!                                                                   ▼
//!  sync: one task per zone, the only writer of that zone ──publish──▶ Arc snapshot
//!                                                                   │
//!  server: UDP/TCP listeners ◀── answers, AXFR/IXFR out ◀───────────┘ ──▶ NOTIFY out
//! ```
//!
//! Dependencies point one way: `cli → server → sync → {xfr, notify, store} → zone`, with
//! `tsig`, `acl`, `config` and `wire` beside them. [`zone`] is pure data and has no
//! tokio and no sockets. Only [`output`] prints; the library returns typed errors
//! (`thiserror`), and `anyhow` lives in [`cli`] and `main.rs`.
//!
//! Decisions (see `DESIGN.md`): RDATA is kept in wire form so that transfers are exact;
//! readers take immutable `Arc` snapshots and never wait for writers; a change is
//! persisted, then published, then notified.

#![warn(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::dbg_macro)]
#![warn(clippy::unwrap_used)]

pub mod acl;
pub mod addr;
pub mod cli;
pub mod config;
pub mod control;
pub mod duration;
pub mod fleet;
pub mod metrics;
pub mod notify;
pub mod output;
pub mod server;
pub mod store;
pub mod sync;
pub mod tsig;
pub mod wire;
pub mod xfr;
pub mod zone;
