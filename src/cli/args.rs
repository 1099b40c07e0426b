//! Arguments shared by several subcommands: TSIG keys (`-y`, `-k`), TLS (`--tls*`),
//! server addresses (`-s`) and their resolution, zone names (`ZONE`), durations
//! (`--timeout`).
//!
//! The parsing itself lives in the library ([`crate::tsig`], [`crate::addr`],
//! [`crate::duration`]) so that the serve config reads the same forms; this file only
//! adapts it to clap and turns problems into [`UsageError`]s (exit 2).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;

use crate::addr::ServerAddr;
use crate::tls::{ClientTls, ClientTlsSettings};
use crate::tsig::{Key, read_key_file};
use crate::zone::Name;

use super::UsageError;

//----------- KeyArgs ----------------------------------------------------------------

/// `-y` / `-k`: the TSIG key to sign requests with, as dig takes it.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct KeyArgs {
    /// TSIG key as [ALGORITHM:]NAME:SECRET (hmac-sha256 when ALGORITHM is left out),
    /// as dig's -y. Note that a key on the command line is visible to other local users.
    #[arg(
        short = 'y',
        long = "key",
        value_name = "[ALG:]NAME:SECRET",
        conflicts_with = "key_file"
    )]
    pub key: Option<String>,

    /// Read the TSIG key from a BIND-style key file (as `zonesync tsig-keygen` writes).
    /// With several keys in the file, choose one with --key-name.
    #[arg(short = 'k', long = "key-file", value_name = "FILE")]
    pub key_file: Option<PathBuf>,

    /// Which key of the --key-file to use, when it holds more than one.
    #[arg(long, value_name = "NAME", requires = "key_file")]
    pub key_name: Option<String>,
}

impl KeyArgs {
    /// The key these options name, if any. Problems are usage errors.
    pub fn resolve(&self) -> Result<Option<Key>, UsageError> {
        if let Some(spec) = &self.key {
            return Key::from_dig_spec(spec)
                .map(Some)
                .map_err(|e| UsageError(format!("-y: {e}")));
        }
        let Some(path) = &self.key_file else {
            return Ok(None);
        };
        let keys = read_key_file(path).map_err(|e| UsageError(e.to_string()))?;
        select_key(keys, self.key_name.as_deref(), &path.display().to_string()).map(Some)
    }
}

//----------- TlsArgs ----------------------------------------------------------------

/// `--tls` and its companions: the transfer over TLS (XoT, RFC 9103), as kdig's
/// `+tls`, `+tls-ca`, `+tls-hostname`. Any `--tls-*` option implies `--tls`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TlsArgs {
    /// Transfer over TLS (XoT, RFC 9103: TLS 1.3, ALPN "dot"); give the server's TLS
    /// port with -s. Without --tls-ca the server is not authenticated (opportunistic,
    /// RFC 9103 §9.3).
    #[arg(long)]
    pub tls: bool,

    /// CA certificates (PEM) the server's certificate must chain to (strict TLS).
    #[arg(long, value_name = "FILE")]
    pub tls_ca: Option<PathBuf>,

    /// The name the server's certificate must carry (and the SNI sent); the server's
    /// IP address when left out.
    #[arg(long, value_name = "NAME")]
    pub tls_hostname: Option<String>,

    /// Our client certificate (PEM), for servers that require mutual TLS.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// The private key (PEM) of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

impl TlsArgs {
    /// True when the transfer goes over TLS.
    pub fn wanted(&self) -> bool {
        self.tls || self.tls_ca.is_some() || self.tls_hostname.is_some() || self.tls_cert.is_some()
    }

    /// The TLS client these options describe, `None` without them. Unreadable files
    /// are usage errors.
    pub fn resolve(&self) -> Result<Option<Arc<ClientTls>>, UsageError> {
        if !self.wanted() {
            return Ok(None);
        }
        let settings = ClientTlsSettings {
            ca_file: self.tls_ca.clone(),
            hostname: self.tls_hostname.clone(),
            pins: Vec::new(),
            cert_file: self.tls_cert.clone(),
            key_file: self.tls_key.clone(),
        };
        ClientTls::load(settings)
            .map(|t| Some(Arc::new(t)))
            .map_err(|e| UsageError(format!("--tls: {e}")))
    }
}

/// Picks the key named `wanted` (or the only key) from a key file's keys.
fn select_key(keys: Vec<Key>, wanted: Option<&str>, file: &str) -> Result<Key, UsageError> {
    match wanted {
        Some(name) => {
            let name =
                crate::tsig::key::parse_key_name(name).map_err(|e| UsageError(e.to_string()))?;
            keys.into_iter()
                .find(|k| k.name() == &name)
                .ok_or_else(|| UsageError(format!("{file}: no key named \"{name}\"")))
        }
        None if keys.len() == 1 => Ok(keys.into_iter().next().expect("one key")),
        None => {
            let names: Vec<String> = keys.iter().map(|k| k.config_name()).collect();
            Err(UsageError(format!(
                "{file} holds {} keys ({}): choose one with --key-name",
                keys.len(),
                names.join(", ")
            )))
        }
    }
}

/// clap value parser for `-s HOST[:PORT]`.
pub fn parse_server(text: &str) -> Result<ServerAddr, String> {
    text.parse::<ServerAddr>().map_err(|e| e.to_string())
}

/// clap value parser for durations (`10s`, `1m30s`, `2h`, plain seconds).
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    crate::duration::parse(text).map_err(|e| e.to_string())
}

/// Parses the ZONE argument (absolute; a missing trailing dot is added).
pub(crate) fn parse_zone(text: &str) -> Result<Name, UsageError> {
    Name::parse(text, Some(&Name::root()))
        .map_err(|e| UsageError(format!("bad zone name \"{text}\": {e}")))
}

/// The first address a `-s` server name stands for.
pub(crate) async fn resolve(server: &ServerAddr) -> anyhow::Result<SocketAddr> {
    let addrs = server
        .resolve()
        .await
        .with_context(|| format!("cannot resolve {server}"))?;
    addrs
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("{server} resolves to no address"))
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> Key {
        Key::from_dig_spec(&format!("{name}:c2VjcmV0")).expect("valid")
    }

    #[test]
    fn select_key_by_name_or_only_one() {
        let one = select_key(vec![key("a")], None, "f").expect("only key");
        assert_eq!(one.config_name(), "a");
        let picked = select_key(vec![key("a"), key("b")], Some("B."), "f").expect("by name");
        assert_eq!(picked.config_name(), "b");
        let err = select_key(vec![key("a"), key("b")], None, "f").unwrap_err();
        assert!(err.0.contains("--key-name"), "{err}");
        let err = select_key(vec![key("a")], Some("c"), "f").unwrap_err();
        assert!(err.0.contains("no key named"), "{err}");
    }

    #[test]
    fn resolve_reports_bad_spec_as_usage_error() {
        let args = KeyArgs {
            key: Some("hmac-sha999:k:c2VjcmV0".into()),
            ..Default::default()
        };
        let err = args.resolve().unwrap_err();
        assert!(err.0.starts_with("-y: unknown TSIG algorithm"), "{err}");
    }
}
