//! Integration tests: the real `zonesync` binary, run as users run it.
//!
//! One test binary (faster to build and link than one per file); each module covers
//! one subcommand or one behaviour.
mod check;
mod common;
mod control;
mod deploy;
mod edns;
mod fleet;
mod generated;
mod hickory;
mod logflood;
mod ratelimit;
mod secondary;
mod serve;
mod status_page;
mod supermaster;
mod sync_zonelist;
mod tsig_keygen;
mod verify;
mod xfr;
mod xot;
