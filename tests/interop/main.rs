//! Interop tests against real peers: BIND 9, Knot DNS, NSD and PowerDNS from Debian's
//! packages (`.ci/run` installs them). Run with `cargo test --test interop`; plain
//! `cargo test` leaves this target out so that it passes on a machine without peers.
//!
//! Peers run on loopback with recursion off; CI runs this target inside a network
//! namespace that has only loopback.

mod catalog;
mod catalog_reset;
mod cookies;
mod differential;
mod dnssec;
mod edns;
mod peers;
mod propagation;
mod serve_primary;
mod serve_secondary;
mod sync_zonelist;
mod tsig_keygen;
mod verify;
mod verify_signatures;
mod xfr;
mod xot;
