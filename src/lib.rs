//! zonesync keeps authoritative DNS zones in sync between a primary and its
//! secondaries.
//!
//! # Architecture
//!
//! ```text
//!  zone files ──parse──▶ ZoneVersion ──diff──▶ Changeset ──▶ store (redb: records,
//!                            ▲                                journal, timers, owners)
//!  primaries ──AXFR/IXFR──▶ xfr ─────────────────┘                 │ commit
//!                                                                   ▼
//!  sync: one task per zone, the only writer of that zone ──publish──▶ Arc snapshot
//!        zone-set manager: config, zones-dir, catalogs (RFC 9432)   │
//!                                                                   ▼
//!  server: UDP/TCP listeners ◀── answer: resolve, encode, cache per version
//!          AXFR/IXFR out ──▶ NOTIFY out · control endpoint · /metrics, status page
//! ```
//!
//! - [`zone`]: names, records, versions, changesets, serials, the zone-file parser,
//!   writer and checks, DNSSEC data (NSEC/NSEC3 lookups for denial proofs, chain
//!   checks) — pure data, no tokio, no sockets.
//! - [`wire`], [`tsig`], [`xfr`], [`notify`]: messages, TSIG, the transfer engine and
//!   NOTIFY, sans-IO cores with thin async clients.
//! - [`answer`]: answering a query from one zone version (RFC 1034 §4.3.2), encoding
//!   the answer, and the cache of encoded answers each published version carries —
//!   sans IO, on [`zone`] and [`wire`] only.
//! - [`store`]: redb persistence; [`sync`]: the zone tasks (primary, secondary,
//!   catalog producer) with their merging inboxes, the catalog consumer's planner
//!   (RFC 9432 §5, shared by `serve` and `sync-zonelist`), and the zone-set manager
//!   (`sync::manager`: local zones, super master side, super slave side, control
//!   dispatch); [`server`]: listeners, reading each request once, dispatch,
//!   transfers out, response rate limiting and DNS cookies.
//! - [`tls`]: XoT's rustls configurations (server certificate, client trust and
//!   session reuse) and the words for TLS failures, a leaf like [`tsig`].
//! - [`config`], [`acl`], [`control`], [`metrics`], [`fleet`], [`addr`],
//!   [`duration`], [`durable`] (atomic file replacement) beside them; [`cli`] and
//!   [`output`] at the edge.
//!
//! Dependencies point one way: `cli → server → control → sync → {answer, xfr,
//! notify, store, metrics} → … → zone`, with `answer → {zone, wire}`, `metrics → wire`
//! (counters that `sync` and `server` report to), and `tsig`, `acl`, `config` and
//! `wire` below them; `control` is the transport of the requests the manager defines.
//! No two top-level modules import each other (checked with
//! `shared/tools/modcycles.py src`). Only [`output`] prints;
//! the library returns typed errors (`thiserror`), and `anyhow` lives in [`cli`] and
//! `main.rs`.
//!
//! Decisions: RDATA is kept in wire form so that transfers are exact;
//! readers take immutable `Arc` snapshots and never wait for writers; a change is
//! persisted, then published, then notified.

#![warn(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::dbg_macro)]
#![warn(clippy::unwrap_used)]

pub mod acl;
pub mod addr;
pub mod answer;
pub mod cli;
pub mod config;
pub mod control;
pub mod durable;
pub mod duration;
pub mod fleet;
pub mod metrics;
pub mod notify;
pub mod output;
pub mod plural;
pub mod server;
pub mod store;
pub mod sync;
pub mod tls;
pub mod tsig;
pub mod wire;
pub mod xfr;
pub mod zone;
