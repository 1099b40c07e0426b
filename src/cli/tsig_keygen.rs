//! `zonesync tsig-keygen`: generate a TSIG key and print it as configuration for
//! zonesync, BIND, Knot, NSD, PowerDNS or dig, in one or several formats.
//!
//! The key comes from [`Key::generate`] (the OS CSPRNG, a secret as long as the
//! algorithm's digest, as BIND's `tsig-keygen` makes them); the renderings below are
//! pure functions, each accepted by its server's own config checker (the interop test
//! target runs `named-checkconf`, `knotc conf-check`, `nsd-checkconf` and `pdnsutil`
//! on them).

use crate::tsig::{Algorithm, Key, key::parse_key_name};

use super::{Status, UsageError};

/// Generate a TSIG key and print it as configuration.
///
/// The secret comes from the operating system's random source and is as long as the
/// algorithm's digest. The `bind` output is a key file that `zonesync … -k FILE`,
/// `dig -k`, `named` and `rndc` read.
#[derive(Debug, clap::Args)]
#[command(after_long_help = "\
Examples:
  zonesync tsig-keygen xfr.example. > xfr.key
  zonesync tsig-keygen xfr.example. -a hmac-sha512 --format knot >> /etc/knot/knot.conf
  zonesync tsig-keygen --format yaml   # an entry for the `keys:` list of a serve config
  zonesync tsig-keygen xfr.example. --format bind --format dig   # one key, two syntaxes")]
pub struct TsigKeygenArgs {
    /// The key's name (a domain name).
    #[arg(value_name = "NAME", default_value = "tsig-key")]
    pub name: String,

    /// The HMAC algorithm (hmac-md5 only for old peers).
    #[arg(short, long, value_name = "ALG", default_value = "hmac-sha256",
          value_parser = ["hmac-sha256", "hmac-sha384", "hmac-sha512", "hmac-sha224", "hmac-sha1", "hmac-md5"])]
    pub algorithm: String,

    /// Which server's configuration syntax to print. Repeat it for several (`--format
    /// bind --format knot`): every format of one run carries the same key.
    #[arg(long, value_enum, default_values_t = [KeyFormat::Bind])]
    pub format: Vec<KeyFormat>,
}

/// The configuration syntaxes `tsig-keygen` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KeyFormat {
    /// A BIND `key` statement (also a key file for `-k`, dig and rndc).
    Bind,
    /// A Knot DNS `key:` section.
    Knot,
    /// An NSD `key:` clause.
    Nsd,
    /// The `pdnsutil import-tsig-key` command for PowerDNS.
    Pdns,
    /// An entry for the `keys:` list of a zonesync serve config.
    Yaml,
    /// dig's (and `zonesync axfr`'s) `-y ALG:NAME:SECRET` option.
    Dig,
}

/// Generates and prints the key.
pub fn run(args: TsigKeygenArgs) -> anyhow::Result<Status> {
    let name = parse_key_name(&args.name).map_err(|e| UsageError(e.to_string()))?;
    let algorithm: Algorithm = args
        .algorithm
        .parse()
        .map_err(|e: crate::tsig::KeyError| UsageError(e.to_string()))?;
    if algorithm.is_legacy() {
        tracing::warn!("hmac-md5 is kept only for old peers; prefer hmac-sha256 (RFC 8945 §6)");
    }
    // One key for the whole run: each format is the same key for another peer.
    let key = Key::generate(name, algorithm)?;
    let text: Vec<String> = args.format.iter().map(|f| render(&key, *f)).collect();
    crate::output::write_stdout(&text.join("\n"))?;
    Ok(Status::Success)
}

/// Renders a key in one server's configuration syntax, ending with a newline.
pub fn render(key: &Key, format: KeyFormat) -> String {
    let name = key.config_name();
    let alg = key.algorithm().name();
    let secret = key.secret_base64();
    match format {
        KeyFormat::Bind => {
            format!("key \"{name}\" {{\n\talgorithm {alg};\n\tsecret \"{secret}\";\n}};\n")
        }
        KeyFormat::Knot => {
            format!("key:\n  - id: {name}\n    algorithm: {alg}\n    secret: {secret}\n")
        }
        KeyFormat::Nsd => {
            format!("key:\n\tname: \"{name}\"\n\talgorithm: {alg}\n\tsecret: \"{secret}\"\n")
        }
        KeyFormat::Pdns => format!("pdnsutil import-tsig-key {name} {alg} {secret}\n"),
        KeyFormat::Yaml => {
            format!("- {{ name: {name}, algorithm: {alg}, secret: \"{secret}\" }}\n")
        }
        KeyFormat::Dig => format!("-y {alg}:{name}:{secret}\n"),
    }
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Key {
        Key::from_dig_spec("hmac-sha512:xfr.example.:c2VjcmV0").expect("valid")
    }

    #[test]
    fn bind_output_reads_back_as_a_key_file() {
        let text = render(&key(), KeyFormat::Bind);
        assert_eq!(
            text,
            "key \"xfr.example\" {\n\talgorithm hmac-sha512;\n\tsecret \"c2VjcmV0\";\n};\n"
        );
        let keys = crate::tsig::parse_key_file(&text).expect("parses");
        assert_eq!(keys, vec![key()]);
    }

    #[test]
    fn other_formats() {
        assert_eq!(
            render(&key(), KeyFormat::Knot),
            "key:\n  - id: xfr.example\n    algorithm: hmac-sha512\n    secret: c2VjcmV0\n"
        );
        assert_eq!(
            render(&key(), KeyFormat::Nsd),
            "key:\n\tname: \"xfr.example\"\n\talgorithm: hmac-sha512\n\tsecret: \"c2VjcmV0\"\n"
        );
        assert_eq!(
            render(&key(), KeyFormat::Pdns),
            "pdnsutil import-tsig-key xfr.example hmac-sha512 c2VjcmV0\n"
        );
        assert_eq!(
            render(&key(), KeyFormat::Yaml),
            "- { name: xfr.example, algorithm: hmac-sha512, secret: \"c2VjcmV0\" }\n"
        );
        let dig = render(&key(), KeyFormat::Dig);
        assert_eq!(dig, "-y hmac-sha512:xfr.example:c2VjcmV0\n");
        let spec = dig.trim().strip_prefix("-y ").expect("-y");
        assert_eq!(Key::from_dig_spec(spec).expect("reads back"), key());
    }
}
