//! TSIG keys: what a key is, where keys come from (`-y`, `-k` key files, the serve
//! config, `tsig-keygen`), and the HMAC each algorithm computes.
//!
//! Every client command and the server share this one definition, so `xfr-key` given
//! with `-y`, read from a BIND key file, or named in the config is the same key.
//! Signing and verifying messages builds on [`Key::mac`] (see the parent module).
//!
//! # Standards
//! - RFC 8945 §6: HMAC-SHA256 is mandatory to implement; hmac-md5 "MAY" be supported for
//!   old peers and is not recommended; hmac-sha1, hmac-sha224, hmac-sha384 and
//!   hmac-sha512 are the other registered algorithms.
//! - RFC 8945 §4.2: the algorithm name is a domain name; hmac-md5's is
//!   `HMAC-MD5.SIG-ALG.REG.INT.`, the others `hmac-shaNNN.`.
//! - The key name is a domain name and compared as one (case-insensitively, with or
//!   without the trailing dot).

use std::fmt;
use std::path::Path;

use hmac::{Hmac, Mac};

use crate::zone::Name;

//----------- Algorithm --------------------------------------------------------------

/// A TSIG MAC algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// HMAC-MD5: legacy, for old peers only (warned about).
    HmacMd5,
    /// HMAC-SHA1.
    HmacSha1,
    /// HMAC-SHA224.
    HmacSha224,
    /// HMAC-SHA256: the default and the mandatory one.
    HmacSha256,
    /// HMAC-SHA384.
    HmacSha384,
    /// HMAC-SHA512.
    HmacSha512,
}

impl Algorithm {
    /// Every algorithm, strongest last.
    pub const ALL: [Algorithm; 6] = [
        Algorithm::HmacMd5,
        Algorithm::HmacSha1,
        Algorithm::HmacSha224,
        Algorithm::HmacSha256,
        Algorithm::HmacSha384,
        Algorithm::HmacSha512,
    ];

    /// The name operators write in configs: `hmac-sha256`.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::HmacMd5 => "hmac-md5",
            Algorithm::HmacSha1 => "hmac-sha1",
            Algorithm::HmacSha224 => "hmac-sha224",
            Algorithm::HmacSha256 => "hmac-sha256",
            Algorithm::HmacSha384 => "hmac-sha384",
            Algorithm::HmacSha512 => "hmac-sha512",
        }
    }

    /// The algorithm name as it goes into the TSIG RR (RFC 8945 §6).
    pub fn wire_name(self) -> Name {
        let text = match self {
            Algorithm::HmacMd5 => "hmac-md5.sig-alg.reg.int.",
            other => return Name::parse(other.name(), Some(&Name::root())).expect("valid"),
        };
        Name::parse(text, None).expect("valid algorithm name")
    }

    /// Parses an algorithm name as configs and the wire spell it (case-insensitive,
    /// trailing dot optional; `hmac-md5.sig-alg.reg.int` for MD5).
    pub fn from_name(text: &str) -> Option<Algorithm> {
        let t = text.strip_suffix('.').unwrap_or(text).to_ascii_lowercase();
        let t = t.as_str();
        Some(match t {
            "hmac-md5" | "hmac-md5.sig-alg.reg.int" => Algorithm::HmacMd5,
            "hmac-sha1" => Algorithm::HmacSha1,
            "hmac-sha224" => Algorithm::HmacSha224,
            "hmac-sha256" => Algorithm::HmacSha256,
            "hmac-sha384" => Algorithm::HmacSha384,
            "hmac-sha512" => Algorithm::HmacSha512,
            _ => return None,
        })
    }

    /// The algorithm named by a TSIG RR's algorithm field.
    pub fn from_wire_name(name: &Name) -> Option<Algorithm> {
        Algorithm::from_name(&name.to_string())
    }

    /// Digest (and full MAC) length in octets; also the length of generated secrets,
    /// as BIND's `tsig-keygen` does.
    pub fn digest_len(self) -> usize {
        match self {
            Algorithm::HmacMd5 => 16,
            Algorithm::HmacSha1 => 20,
            Algorithm::HmacSha224 => 28,
            Algorithm::HmacSha256 => 32,
            Algorithm::HmacSha384 => 48,
            Algorithm::HmacSha512 => 64,
        }
    }

    /// True for algorithms kept only for old peers (hmac-md5).
    pub fn is_legacy(self) -> bool {
        self == Algorithm::HmacMd5
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Algorithm {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Algorithm::from_name(s).ok_or_else(|| KeyError::UnknownAlgorithm(s.to_string()))
    }
}

//----------- Key --------------------------------------------------------------------

/// A TSIG key: name, algorithm and shared secret.
///
/// `Debug` and `Display` never show the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Key {
    name: Name,
    algorithm: Algorithm,
    secret: Vec<u8>,
}

impl Key {
    /// Builds a key, refusing an empty secret.
    pub fn new(name: Name, algorithm: Algorithm, secret: Vec<u8>) -> Result<Key, KeyError> {
        if secret.is_empty() {
            return Err(KeyError::EmptySecret(name.to_string()));
        }
        Ok(Key {
            name,
            algorithm,
            secret,
        })
    }

    /// Builds a key from the textual pieces configs hold: a name, an algorithm name and
    /// a base64 secret. Each problem is named.
    pub fn from_parts(name: &str, algorithm: &str, secret_b64: &str) -> Result<Key, KeyError> {
        let name = parse_key_name(name)?;
        let algorithm = Algorithm::from_name(algorithm)
            .ok_or_else(|| KeyError::UnknownAlgorithm(algorithm.to_string()))?;
        let secret = decode_secret(&name, secret_b64)?;
        Key::new(name, algorithm, secret)
    }

    /// Parses dig's `-y [ALG:]NAME:SECRET` (hmac-sha256 when ALG is left out).
    pub fn from_dig_spec(spec: &str) -> Result<Key, KeyError> {
        let parts: Vec<&str> = spec.split(':').collect();
        let (alg, name, secret) = match parts.as_slice() {
            [name, secret] => (Algorithm::HmacSha256.name(), *name, *secret),
            [alg, name, secret] => (*alg, *name, *secret),
            _ => return Err(KeyError::BadSpec(spec.chars().take(40).collect())),
        };
        Key::from_parts(name, alg, secret)
    }

    /// A fresh key with a secret from the operating system's CSPRNG, as long as the
    /// algorithm's digest.
    pub fn generate(name: Name, algorithm: Algorithm) -> Result<Key, KeyError> {
        let mut secret = vec![0u8; algorithm.digest_len()];
        getrandom::fill(&mut secret).map_err(|e| KeyError::Random(e.to_string()))?;
        Key::new(name, algorithm, secret)
    }

    /// The key name.
    pub fn name(&self) -> &Name {
        &self.name
    }

    /// The algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The raw secret.
    pub fn secret(&self) -> &[u8] {
        &self.secret
    }

    /// The secret in base64, as every config format writes it.
    pub fn secret_base64(&self) -> String {
        data_encoding::BASE64.encode(&self.secret)
    }

    /// The key name in the form configs use: no trailing dot, except for the root.
    pub fn config_name(&self) -> String {
        let s = self.name.to_string();
        match s.strip_suffix('.') {
            Some(stripped) if !stripped.is_empty() => stripped.to_string(),
            _ => s,
        }
    }

    /// The HMAC of the concatenation of `parts` under this key (full length).
    pub fn mac(&self, parts: &[&[u8]]) -> Vec<u8> {
        fn run<M: Mac + hmac::digest::KeyInit>(secret: &[u8], parts: &[&[u8]]) -> Vec<u8> {
            let mut m = <M as hmac::digest::KeyInit>::new_from_slice(secret)
                .expect("HMAC accepts keys of any length");
            for p in parts {
                m.update(p);
            }
            m.finalize().into_bytes().to_vec()
        }
        match self.algorithm {
            Algorithm::HmacMd5 => run::<Hmac<md5::Md5>>(&self.secret, parts),
            Algorithm::HmacSha1 => run::<Hmac<sha1::Sha1>>(&self.secret, parts),
            Algorithm::HmacSha224 => run::<Hmac<sha2::Sha224>>(&self.secret, parts),
            Algorithm::HmacSha256 => run::<Hmac<sha2::Sha256>>(&self.secret, parts),
            Algorithm::HmacSha384 => run::<Hmac<sha2::Sha384>>(&self.secret, parts),
            Algorithm::HmacSha512 => run::<Hmac<sha2::Sha512>>(&self.secret, parts),
        }
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("name", &self.name)
            .field("algorithm", &self.algorithm)
            .field("secret", &"<hidden>")
            .finish()
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.config_name(), self.algorithm)
    }
}

/// Parses a key name: any valid domain name, trailing dot optional.
pub fn parse_key_name(text: &str) -> Result<Name, KeyError> {
    if text.is_empty() {
        return Err(KeyError::BadName {
            name: String::new(),
            reason: "empty".into(),
        });
    }
    Name::parse(text, Some(&Name::root())).map_err(|e| KeyError::BadName {
        name: text.to_string(),
        reason: e.to_string(),
    })
}

fn decode_secret(name: &Name, b64: &str) -> Result<Vec<u8>, KeyError> {
    if b64.trim().is_empty() {
        return Err(KeyError::EmptySecret(name.to_string()));
    }
    // Key files sometimes split long secrets; whitespace is not part of base64.
    let compact: String = b64.chars().filter(|c| !c.is_whitespace()).collect();
    data_encoding::BASE64
        .decode(compact.as_bytes())
        .map_err(|e| KeyError::BadSecret {
            key: name.to_string(),
            reason: e.to_string(),
        })
}

//----------- Key files --------------------------------------------------------------

/// The largest key file read (a file of a few keys is a few hundred octets).
pub const MAX_KEY_FILE_BYTES: u64 = 1 << 20;

/// Reads a BIND-style key file (`key "name" { algorithm …; secret "…"; };`, any number
/// of keys, `#`, `//` and `/* */` comments), as `tsig-keygen` and `rndc-confgen` write.
///
/// Blocks on file I/O; the CLI calls it before any runtime work.
pub fn read_key_file(path: &Path) -> Result<Vec<Key>, KeyError> {
    let text =
        crate::durable::read_regular_text(path, MAX_KEY_FILE_BYTES).map_err(|e| KeyError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
    parse_key_file(&text).map_err(|(line, reason)| KeyError::KeyFile {
        path: path.display().to_string(),
        line,
        reason,
    })
}

/// Parses the text of a BIND-style key file. Errors carry the 1-based line.
pub fn parse_key_file(text: &str) -> Result<Vec<Key>, (usize, String)> {
    let tokens = tokenize_bind(text)?;
    let mut keys = Vec::new();
    let mut it = tokens.into_iter().peekable();
    while let Some(tok) = it.next() {
        if !tok.text.eq_ignore_ascii_case("key") || tok.quoted {
            return Err((tok.line, format!("expected `key`, found `{}`", tok.text)));
        }
        let name_tok = it
            .next()
            .ok_or((tok.line, "expected a key name after `key`".to_string()))?;
        let name = parse_key_name(&name_tok.text).map_err(|e| (name_tok.line, e.to_string()))?;
        expect(&mut it, "{", name_tok.line)?;
        let mut algorithm = None;
        let mut secret = None;
        loop {
            let t = it
                .next()
                .ok_or((name_tok.line, format!("key \"{name}\": missing `}}`")))?;
            if t.text == "}" && !t.quoted {
                break;
            }
            let value = it
                .next()
                .ok_or((t.line, format!("expected a value after `{}`", t.text)))?;
            expect(&mut it, ";", value.line)?;
            match t.text.to_ascii_lowercase().as_str() {
                "algorithm" => algorithm = Some((value.text, value.line)),
                "secret" => secret = Some((value.text, value.line)),
                other => return Err((t.line, format!("unknown key option `{other}`"))),
            }
        }
        expect(&mut it, ";", name_tok.line)?;
        let (alg_text, alg_line) = algorithm.ok_or((
            name_tok.line,
            format!("key \"{name}\": no `algorithm` given"),
        ))?;
        let (secret_text, secret_line) =
            secret.ok_or((name_tok.line, format!("key \"{name}\": no `secret` given")))?;
        let alg = Algorithm::from_name(&alg_text).ok_or((
            alg_line,
            KeyError::UnknownAlgorithm(alg_text.clone()).to_string(),
        ))?;
        let secret =
            decode_secret(&name, &secret_text).map_err(|e| (secret_line, e.to_string()))?;
        keys.push(Key::new(name, alg, secret).map_err(|e| (secret_line, e.to_string()))?);
    }
    if keys.is_empty() {
        return Err((1, "no `key` statement found".to_string()));
    }
    Ok(keys)
}

fn expect<I: Iterator<Item = Token>>(
    it: &mut I,
    what: &str,
    line: usize,
) -> Result<(), (usize, String)> {
    match it.next() {
        Some(t) if t.text == what && !t.quoted => Ok(()),
        Some(t) => Err((t.line, format!("expected `{what}`, found `{}`", t.text))),
        None => Err((line, format!("expected `{what}` at end of file"))),
    }
}

/// A token of BIND's configuration syntax.
struct Token {
    text: String,
    quoted: bool,
    line: usize,
}

/// Splits BIND configuration text into words, quoted strings and `{ } ;`, dropping
/// comments.
fn tokenize_bind(text: &str) -> Result<Vec<Token>, (usize, String)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0usize;
    let mut line = 1usize;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\n' => {
                line += 1;
                i += 1;
            }
            c if c.is_ascii_whitespace() => i += 1,
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let start = line;
                i += 2;
                loop {
                    if i + 1 >= b.len() {
                        return Err((start, "unterminated /* comment".to_string()));
                    }
                    if b[i] == b'*' && b[i + 1] == b'/' {
                        i += 2;
                        break;
                    }
                    if b[i] == b'\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
            b'{' | b'}' | b';' => {
                out.push(Token {
                    text: (c as char).to_string(),
                    quoted: false,
                    line,
                });
                i += 1;
            }
            b'"' => {
                let start = line;
                let mut s = String::new();
                i += 1;
                loop {
                    match b.get(i) {
                        None => return Err((start, "unterminated quoted string".to_string())),
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(b'\\') if i + 1 < b.len() => {
                            s.push(b[i + 1] as char);
                            i += 2;
                        }
                        Some(&ch) => {
                            if ch == b'\n' {
                                line += 1;
                            }
                            s.push(ch as char);
                            i += 1;
                        }
                    }
                }
                out.push(Token {
                    text: s,
                    quoted: true,
                    line: start,
                });
            }
            _ => {
                let start = i;
                while i < b.len()
                    && !b[i].is_ascii_whitespace()
                    && !matches!(b[i], b'{' | b'}' | b';' | b'"' | b'#')
                {
                    i += 1;
                }
                out.push(Token {
                    text: String::from_utf8_lossy(&b[start..i]).into_owned(),
                    quoted: false,
                    line,
                });
            }
        }
    }
    Ok(out)
}

//============ Errors ================================================================

/// Why a key could not be built or read. Each variant names the problem in one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Not one of the algorithms of [`Algorithm::ALL`].
    #[error(
        "unknown TSIG algorithm \"{0}\" (expected hmac-sha256, hmac-sha384, hmac-sha512, hmac-sha224, hmac-sha1 or hmac-md5)"
    )]
    UnknownAlgorithm(String),
    /// The key name is not a domain name.
    #[error("bad TSIG key name \"{name}\": {reason}")]
    BadName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The secret is not base64.
    #[error("bad secret for TSIG key \"{key}\": not base64 ({reason})")]
    BadSecret {
        /// The key.
        key: String,
        /// The decoder's complaint.
        reason: String,
    },
    /// The secret is empty.
    #[error("empty secret for TSIG key \"{0}\"")]
    EmptySecret(String),
    /// `-y` not of the form `[ALG:]NAME:SECRET`.
    #[error("bad key \"{0}…\": expected [ALGORITHM:]NAME:SECRET")]
    BadSpec(String),
    /// A key file could not be read.
    #[error("cannot read key file {path}: {reason}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        reason: String,
    },
    /// A key file could not be parsed.
    #[error("{path}:{line}: {reason}")]
    KeyFile {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The OS random source failed.
    #[error("cannot get random bytes from the operating system: {0}")]
    Random(String),
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    /// A device or a FIFO named as a key file is an error at once, not a read that
    /// never ends (a fuzz finding: `file: /dev/zero`).
    #[test]
    fn key_file_only_regular_files() {
        let e = read_key_file(Path::new("/dev/zero")).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.key");
        std::fs::write(&big, vec![b'#'; MAX_KEY_FILE_BYTES as usize + 1]).unwrap();
        let e = read_key_file(&big).unwrap_err();
        assert!(e.to_string().contains("more than"), "{e}");
    }

    #[test]
    fn dig_spec() {
        let k = Key::from_dig_spec("xfr-key:c2VjcmV0").unwrap();
        assert_eq!(k.algorithm(), Algorithm::HmacSha256);
        assert_eq!(k.name(), &"xfr-key.".parse::<Name>().unwrap());
        assert_eq!(k.secret(), b"secret");
        let k = Key::from_dig_spec("hmac-sha512:xfr-key.:c2VjcmV0").unwrap();
        assert_eq!(k.algorithm(), Algorithm::HmacSha512);
        assert!(matches!(
            Key::from_dig_spec("hmac-sha999:k:c2VjcmV0"),
            Err(KeyError::UnknownAlgorithm(_))
        ));
        assert!(matches!(
            Key::from_dig_spec("k:not base64!"),
            Err(KeyError::BadSecret { .. })
        ));
        assert!(matches!(
            Key::from_dig_spec("k:"),
            Err(KeyError::EmptySecret(_))
        ));
        assert!(matches!(
            Key::from_dig_spec("a..b:c2VjcmV0"),
            Err(KeyError::BadName { .. })
        ));
        assert!(matches!(
            Key::from_dig_spec("justone"),
            Err(KeyError::BadSpec(_))
        ));
    }

    #[test]
    fn key_file_several_keys_and_comments() {
        let text = r#"
# a comment
// another
/* a block
   comment */
key "xfr.example." {
    algorithm hmac-sha512;   # trailing
    secret "c2VjcmV0";
};
key other {
	algorithm "HMAC-MD5.SIG-ALG.REG.INT";
	secret "c2Vj cmV0";
};
"#;
        let keys = parse_key_file(text).unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0].config_name(), "xfr.example");
        assert_eq!(keys[0].algorithm(), Algorithm::HmacSha512);
        assert_eq!(keys[1].algorithm(), Algorithm::HmacMd5);
        assert_eq!(keys[1].secret(), b"secret");
    }

    #[test]
    fn key_file_errors_have_lines() {
        let (line, msg) = parse_key_file("key \"k\" {\n algorithm hmac-sha256;\n};\n").unwrap_err();
        assert_eq!(line, 1);
        assert!(msg.contains("no `secret`"), "{msg}");
        let (line, msg) =
            parse_key_file("key \"k\" {\n algorithm hmac-foo;\n secret \"c2VjcmV0\";\n};")
                .unwrap_err();
        assert_eq!(line, 2);
        assert!(msg.contains("unknown TSIG algorithm"), "{msg}");
        let (line, _) = parse_key_file("\n\noptions { };").unwrap_err();
        assert_eq!(line, 3);
        assert!(parse_key_file("# nothing\n").is_err());
    }

    #[test]
    fn generated_secret_length_follows_digest() {
        for alg in Algorithm::ALL {
            let k = Key::generate("k.".parse().unwrap(), alg).unwrap();
            assert_eq!(k.secret().len(), alg.digest_len());
            assert_eq!(k.mac(&[b"x"]).len(), alg.digest_len());
        }
        let a = Key::generate("k.".parse().unwrap(), Algorithm::HmacSha256).unwrap();
        let b = Key::generate("k.".parse().unwrap(), Algorithm::HmacSha256).unwrap();
        assert_ne!(a.secret(), b.secret());
    }

    #[test]
    fn hmac_sha256_rfc4231_case_2() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let k = Key::new(
            "k.".parse().unwrap(),
            Algorithm::HmacSha256,
            b"Jefe".to_vec(),
        )
        .unwrap();
        let mac = k.mac(&[b"what do ya want ", b"for nothing?"]);
        assert_eq!(
            data_encoding::HEXLOWER.encode(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn algorithm_names() {
        assert_eq!(
            Algorithm::HmacMd5.wire_name().to_string(),
            "hmac-md5.sig-alg.reg.int."
        );
        assert_eq!(Algorithm::HmacSha1.wire_name().to_string(), "hmac-sha1.");
        assert_eq!(
            Algorithm::from_name("HMAC-SHA384."),
            Some(Algorithm::HmacSha384)
        );
        assert!(format!("{:?}", Key::from_dig_spec("k:c2VjcmV0").unwrap()).contains("hidden"));
    }
}
