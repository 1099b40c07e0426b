//! TSIG (RFC 8945): shared-secret keys and message authentication.
//!
//! [`key`] holds what a key is and where keys come from (`-y`, `-k`, the serve
//! config, `tsig-keygen`). Signing and verification of single messages and of
//! multi-message AXFR/IXFR streams build on [`Key::mac`]; they sit beside the transfer
//! engine (`xfr`) and the server, which both call in here.

pub mod key;
pub mod sign;

pub use key::{Algorithm, Key, KeyError, parse_key_file, read_key_file};
